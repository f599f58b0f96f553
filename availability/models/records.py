"""What the NOC records (services, incidents, scheduled maintenance) and what billing is owed
from it (subscriptions and their monthly credits).

Subscriptions live here rather than in ``partners``: they exist to be measured against the
services' availability, and keeping them beside the services keeps the dependency one-way
(availability depends on partners, never the reverse).
"""

import hashlib
from datetime import UTC, date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


def utc_today() -> date:
    return timezone.now().astimezone(UTC).date()


class Service(models.Model):
    """A cloud service the availability commitment covers, e.g. "UC Cloud EU"."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    launched_on = models.DateField(
        default=utc_today,
        help_text="The first day (UTC) the service ran. The status page has no figures "
        "before it; every later day counts.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """An organisation's subscription to one or more services, at a monthly licence fee."""

    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="subscriptions"
    )
    reference = models.CharField(
        max_length=60, blank=True, help_text="Contract or order number, shown on the export."
    )
    services = models.ManyToManyField(Service, related_name="subscriptions")
    monthly_fee = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(max_length=3, default="EUR", help_text="ISO 4217 code.")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Last day; empty: open-ended.")
    reporting_time_zone = models.CharField(
        max_length=64,
        default="UTC",
        help_text="The zone whose calendar months the monthly figures follow.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="subscription_ends_after_start",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
            ),
        ]
        indexes = [models.Index(fields=["starts_on", "ends_on"], name="subscription_term")]

    def __str__(self) -> str:
        label = self.reference or f"#{self.pk}"
        return f"{self.organisation} subscription {label}"


class Incident(models.Model):
    """Something that went wrong with one or more services. Only full outages that are the
    vendor's fault count against availability."""

    class Scope(models.TextChoices):
        SERVICE = "service", "The whole service"
        ORGANISATIONS = "organisations", "Only the listed organisations"

    class Impact(models.TextChoices):
        OUTAGE = "outage", "Full outage"
        DEGRADED = "degraded", "Degraded service"

    class Cause(models.TextChoices):
        VENDOR = "vendor", "The vendor's platform"
        OPERATOR = "operator", "A telephone operator or carrier"
        CUSTOMER_NETWORK = "customer_network", "The customer's own network"
        OTHER = "other", "Another party outside the vendor's control"

    title = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Empty while ongoing.")
    services = models.ManyToManyField(Service, related_name="incidents")
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.SERVICE)
    organisations = models.ManyToManyField(
        "partners.Organisation",
        blank=True,
        related_name="incidents",
        help_text="With scope 'only the listed organisations'.",
    )
    impact = models.CharField(max_length=10, choices=Impact.choices, default=Impact.OUTAGE)
    cause = models.CharField(max_length=20, choices=Cause.choices, default=Cause.VENDOR)
    public_note = models.TextField(blank=True, help_text="Shown on the status page.")
    tickets = models.ManyToManyField("tickets.Ticket", blank=True, related_name="incidents")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="incident_ends_after_start",
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=models.F("started_at")),
            ),
        ]
        indexes = [models.Index(fields=["started_at", "ended_at"], name="incident_period")]

    def __str__(self) -> str:
        return self.title

    @property
    def counts(self) -> bool:
        """Counts against availability: a full outage of the vendor's making."""
        return self.impact == self.Impact.OUTAGE and self.cause == self.Cause.VENDOR

    @property
    def is_ongoing(self) -> bool:
        return self.ended_at is None


class Maintenance(models.Model):
    """Scheduled maintenance. Announced early enough (the policy's notice), its window counts
    as available time."""

    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    services = models.ManyToManyField(Service, related_name="maintenance")
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When partners were told; empty: not announced."
    )
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name_plural = "maintenance windows"
        constraints = [
            models.CheckConstraint(
                name="maintenance_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))
            ),
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="maintenance_period")]

    def __str__(self) -> str:
        return self.title

    def qualifies(self, notice: timedelta) -> bool:
        """Announced at least ``notice`` before it started."""
        return self.notified_at is not None and self.starts_at - self.notified_at >= notice


class IncidentSet(models.Model):
    """A set of incidents some credits counted. In a month of many incidents most
    subscriptions count the same ones, so each distinct set is stored once and shared,
    found again by the digest of its members."""

    digest = models.CharField(max_length=64, unique=True)
    incidents = models.ManyToManyField(Incident, related_name="incident_sets")

    def __str__(self) -> str:
        return f"Incident set {self.digest[:12]}"

    @staticmethod
    def digest_of(incident_ids) -> str:
        members = ",".join(str(pk) for pk in sorted(incident_ids))
        return hashlib.sha256(members.encode()).hexdigest()


class Credit(models.Model):
    """What a subscription is owed for one month: draft while the figures may still move,
    approved by billing, applied to an invoice (and never changed after)."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        APPLIED = "applied", "Applied to an invoice"

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="credits")
    month = models.DateField(help_text="The first day of the month.")
    policy = models.ForeignKey("partners.PolicyVersion", on_delete=models.PROTECT, related_name="+")
    availability = models.DecimalField(
        max_digits=25, decimal_places=20, help_text="Percent, truncated, never rounded."
    )
    commitment = models.DecimalField(max_digits=6, decimal_places=3)
    payable_percent = models.PositiveSmallIntegerField()
    monthly_fee = models.DecimalField(max_digits=12, decimal_places=2)
    active_from = models.DateField(
        help_text="The first day of the month the subscription was active, in its zone."
    )
    active_until = models.DateField(
        help_text="The last day of the month the subscription was active, in its zone."
    )
    prorated_fee = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="The fee for the active days, which the credit is taken from.",
    )
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=12, decimal_places=2, help_text="The credit.")
    counted = models.ForeignKey(
        "IncidentSet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits",
        help_text="The incidents counted; empty when none was.",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    invoice_number = models.CharField(max_length=60, blank=True)
    adjusts = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adjustments",
        help_text="An applied credit of an earlier month that this line corrects.",
    )
    computed_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "subscription", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "month"],
                condition=Q(adjusts__isnull=True),
                name="credit_one_per_subscription_month",
            ),
            models.CheckConstraint(
                name="credit_month_starts_on_the_first", condition=Q(month__day=1)
            ),
        ]
        indexes = [models.Index(fields=["month", "state"], name="credit_month_state")]

    def __str__(self) -> str:
        return f"{self.subscription} {self.month:%Y-%m}: {self.amount} {self.currency}"

    @property
    def commitment_met(self) -> bool:
        return self.availability >= self.commitment

    @property
    def active_whole_month(self) -> bool:
        """Active from the first day of the month the line is for to its last (an adjustment
        line's days are those of the month it corrects)."""
        return self.active_from.day == 1 and (self.active_until + timedelta(days=1)).day == 1

    @property
    def incidents(self) -> models.Manager[Incident] | models.QuerySet[Incident]:
        """The incidents counted (prefetch ``counted__incidents`` when listing credits)."""
        if self.counted_id is None:
            return Incident.objects.none()
        return self.counted.incidents


class Event(models.Model):
    """One line of the availability timeline: incidents, maintenance and credits. Append-only."""

    kind = models.CharField(max_length=40)
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    maintenance = models.ForeignKey(
        Maintenance, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    credit = models.ForeignKey(
        Credit, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"


class IncidentUpdate(models.Model):
    """A public update on an incident, as partners read it on the status page."""

    class Status(models.TextChoices):
        INVESTIGATING = "investigating", "Investigating"
        IDENTIFIED = "identified", "Cause identified"
        MONITORING = "monitoring", "Fix in place, monitoring"
        RESOLVED = "resolved", "Resolved"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=20, choices=Status.choices)
    body = models.TextField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-posted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.incident}: {self.get_status_display()} at {self.posted_at:%Y-%m-%d %H:%M}"


class ServiceDay(models.Model):
    """A service's availability over one UTC day, counting the outages of the whole service
    as the credits do. Computed after the day and again whenever its records change."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    availability = models.DecimalField(max_digits=25, decimal_places=20)
    outage_seconds = models.PositiveIntegerField(
        default=0, help_text="Counted outage time, in seconds."
    )
    incident_count = models.PositiveSmallIntegerField(
        default=0, help_text="Incidents of any kind touching the day, counted or not."
    )
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["service", "day"]
        constraints = [
            models.UniqueConstraint(fields=["service", "day"], name="service_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.service} on {self.day}: {self.availability} %"


class SubscriptionDay(models.Model):
    """A subscription's availability over one day of its reporting time zone: what its
    organisation saw of the services it covers, as the monthly credit counts it."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    availability = models.DecimalField(max_digits=25, decimal_places=20)
    outage_seconds = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["subscription", "day"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "day"], name="subscription_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription} on {self.day}: {self.availability} %"
