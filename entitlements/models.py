"""What an organisation bought that entitles it to support beyond its partner tier: the free
window after a hardware purchase, support-hour bundles, annual maintenance contracts and
reseller status; and the time agents log on cases against them.

One ``Entitlement`` row per grant, with the fields of its kind; ``entitlements.rules``
decides what each one covers.
"""

from datetime import datetime, timedelta

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


class Intervention(models.Model):
    """A remote intervention a partner asks for on one of its cases: up to three preferred
    slots, the platform and the remote access it gives, free or paid. An agent confirms a
    slot (or books another time) or declines; reminders go out 24 hours and 1 hour before.
    ``entitlements.services`` does every write."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Requested"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"
        DONE = "done", "Done"

    class Platform(models.TextChoices):
        ASTERISK = rules.Platform.ASTERISK, "Asterisk-based system (Elastix included)"
        THREECX = rules.Platform.THREECX, "3CX"
        WILDIX = rules.Platform.WILDIX, "Wildix"
        OTHER = rules.Platform.OTHER, "Another platform"

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="interventions"
    )
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="interventions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    platform = models.CharField(max_length=20, choices=Platform.choices)
    access_description = models.TextField(
        help_text="How our technician reaches the system. May hold addresses and accounts: "
        "never copied to the timeline."
    )
    checklist_confirmed = models.JSONField(
        default=list, blank=True, help_text="The platform's remote-access items the partner ticked."
    )
    free = models.BooleanField(
        default=False,
        help_text="Covered by a free entitlement (decided from the records, not by the partner); "
        "free interventions need 8 hours' notice.",
    )
    covered_by = models.ForeignKey(
        Entitlement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interventions",
        help_text="The free entitlement that covers it, or the bundle it is drawn from.",
    )
    slots = models.JSONField(
        default=list, help_text="Preferred start times, in order: ISO 8601 instants in UTC."
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.REQUESTED)
    confirmed_start = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(default=60, validators=[MinValueValidator(1)])
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the current start was booked: a reminder goes only if it was booked "
        "before the reminder's time.",
    )
    decline_reason = models.CharField(max_length=500, blank=True)
    reminded_24h_at = models.DateTimeField(null=True, blank=True)
    reminded_1h_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["ticket", "-created_at"], name="intervention_ticket_recent"),
            # The reminder sweep: confirmed interventions by start.
            models.Index(
                fields=["confirmed_start"],
                condition=Q(state="confirmed"),
                name="intervention_confirmed_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Intervention {self.pk} on {self.ticket_id} ({self.state})"

    @property
    def slot_starts(self) -> list:
        """The preferred slots as instants."""
        return [datetime.fromisoformat(slot) for slot in self.slots]

    @property
    def confirmed_end(self):
        if self.confirmed_start is None:
            return None
        return self.confirmed_start + timedelta(minutes=self.duration_minutes)

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.REQUESTED, self.State.CONFIRMED)
