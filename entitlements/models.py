"""What an organisation bought that entitles it to support beyond its partner tier: the free
window after a hardware purchase, support-hour bundles, annual maintenance contracts and
reseller status; and the time agents log on cases against them.

One ``Entitlement`` row per grant, with the fields of its kind; ``entitlements.rules``
decides what each one covers.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from entitlements import rules


class Entitlement(models.Model):
    class Kind(models.TextChoices):
        PURCHASE_WINDOW = rules.Kind.PURCHASE_WINDOW, rules.KIND_LABELS[rules.Kind.PURCHASE_WINDOW]
        HOUR_BUNDLE = rules.Kind.HOUR_BUNDLE, rules.KIND_LABELS[rules.Kind.HOUR_BUNDLE]
        MAINTENANCE_CONTRACT = (
            rules.Kind.MAINTENANCE_CONTRACT,
            rules.KIND_LABELS[rules.Kind.MAINTENANCE_CONTRACT],
        )
        RESELLER_STATUS = rules.Kind.RESELLER_STATUS, rules.KIND_LABELS[rules.Kind.RESELLER_STATUS]

    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="entitlements"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    reference = models.CharField(
        max_length=60, blank=True, help_text="Invoice, order or contract number."
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(help_text="The first instant it no longer covers.")
    note = models.TextField(blank=True)

    # A hardware purchase: 30 days of free support on the devices bought.
    purchased_on = models.DateField(null=True, blank=True)
    devices = models.ManyToManyField(
        "partners.Device",
        blank=True,
        related_name="purchase_windows",
        help_text="The devices bought (their serials must be named on the case).",
    )
    # A bundle of support hours.
    minutes_bought = models.PositiveIntegerField(
        null=True, blank=True, help_text="Support time bought, in minutes (120 for 2 hours)."
    )
    low_balance_minutes = models.PositiveIntegerField(
        default=60, help_text="Warn the organisation and its account manager at this balance."
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"organisation__isnull": True},
    )
    # An annual maintenance contract: cases go to the assigned technician.
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"organisation__isnull": True},
    )
    # Reseller status: purchases above 6,000 EUR and a signed reseller contract.
    purchase_volume_eur = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    contract_signed_on = models.DateField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "kind", "-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="entitlement_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))
            ),
        ]
        indexes = [models.Index(fields=["organisation", "ends_at"], name="entitlement_org_end")]

    def __str__(self) -> str:
        label = self.reference or f"#{self.pk}"
        return f"{self.get_kind_display()} {label} ({self.organisation})"

    def clean(self) -> None:
        errors = {}
        if self.kind == self.Kind.PURCHASE_WINDOW and self.purchased_on is None:
            errors["purchased_on"] = "Give the purchase date."
        if self.kind == self.Kind.HOUR_BUNDLE and not self.minutes_bought:
            errors["minutes_bought"] = "Give the support time bought."
        if self.kind == self.Kind.MAINTENANCE_CONTRACT and self.technician_id is None:
            errors["technician"] = "Choose the technician the contract's cases go to."
        if self.kind == self.Kind.RESELLER_STATUS and self.purchase_volume_eur is None:
            errors["purchase_volume_eur"] = "Give the purchase volume."
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The end must come after the start."
        if errors:
            raise ValidationError(errors)

    def active(self, at) -> bool:
        return self.starts_at <= at < self.ends_at


class EntitlementEvent(models.Model):
    """The entitlement's timeline: granted, changed, warned of a low balance. Append-only."""

    entitlement = models.ForeignKey(Entitlement, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"


class TimeEntry(models.Model):
    """Time an agent spent on a case, billable or not, and the bundle it was drawn from."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="time_entries"
    )
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="time_entries"
    )
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    billable = models.BooleanField(default=True)
    entitlement = models.ForeignKey(
        Entitlement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_entries",
        help_text="The support-hour bundle the time was drawn from.",
    )
    override_reason = models.CharField(
        max_length=300, blank=True, help_text="Why the bundle was allowed to go below zero."
    )
    note = models.CharField(max_length=300, blank=True)
    worked_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-worked_on", "-pk"]
        verbose_name_plural = "time entries"
        indexes = [
            models.Index(fields=["organisation", "worked_on"], name="time_entry_org_day"),
            models.Index(fields=["entitlement", "billable"], name="time_entry_bundle"),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min on {self.ticket_id} by {self.agent_id}"
