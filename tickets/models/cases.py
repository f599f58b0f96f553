from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.converters import as_id
from tickets.workflow import Status

NUMBER_PREFIX = "SD-"


class Ticket(models.Model):
    """A support case opened by (or on behalf of) a member of an organisation."""

    Status = models.TextChoices(
        "Status",
        [
            ("NEW", (Status.NEW.value, "New")),
            ("OPEN", (Status.OPEN.value, "Open")),
            ("WAITING", (Status.WAITING.value, "Waiting on partner")),
            ("RESOLVED", (Status.RESOLVED.value, "Resolved")),
            ("CLOSED", (Status.CLOSED.value, "Closed")),
        ],
    )

    class ClassOfService(models.TextChoices):
        CRITICAL = "critical", "Critical"
        STANDARD = "standard", "Standard"

    class CriticalCriterion(models.TextChoices):
        CALL_DROPS = "call_drops", "Calls drop and the operator is not the cause"
        CLOUD_UNREACHABLE = "cloud_unreachable", "The cloud system cannot be reached"
        SEVERE_IMPACT = "severe_impact", "Business is severely impacted and there is no workaround"

    class Channel(models.TextChoices):
        PORTAL = "portal", "Portal"
        API = "api", "API"
        PHONE = "phone", "Phone, logged by staff"
        MONITORING = "monitoring", "Monitoring alert"

    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="tickets"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_tickets"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="created_tickets",
        help_text="Who typed it in: the requester, or an agent taking a call.",
    )
    policy = models.ForeignKey(
        "partners.PolicyVersion",
        on_delete=models.PROTECT,
        related_name="tickets",
        help_text="The version of the terms in force when the case was opened; it keeps it.",
    )
    case_type = models.ForeignKey("partners.CaseType", on_delete=models.PROTECT)
    reason = models.ForeignKey(
        "partners.CaseReason", on_delete=models.PROTECT, null=True, blank=True
    )
    category = models.ForeignKey(
        "partners.CaseCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    subcategory = models.ForeignKey(
        "partners.CaseCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    device = models.ForeignKey(
        "partners.Device", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    subject = models.CharField(max_length=200)
    description = models.TextField()
    wms_version = models.CharField("WMS version", max_length=40, blank=True)
    firmware_versions = models.CharField(max_length=200, blank=True)
    critical_criterion = models.CharField(
        max_length=30,
        choices=CriticalCriterion.choices,
        blank=True,
        help_text="Why the partner asked for Critical; staff confirm or downgrade.",
    )
    cos = models.CharField(
        "class of service",
        max_length=10,
        choices=ClassOfService.choices,
        default=ClassOfService.STANDARD,
    )
    cos_confirmed = models.BooleanField(
        default=False, help_text="Staff have confirmed or set the class of service."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    follow_up_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )
    submission_key = models.UUIDField(
        null=True,
        blank=True,
        editable=False,
        help_text="Sent with the intake form, so a double submit opens one case.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    activation_date = models.DateField(
        null=True,
        blank=True,
        help_text="CLASSOUND cases: the date the vendor completed the technical activation or "
        "the porting (terms 7.9.1); charges for the service start on it.",
    )
    next_breach_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The earliest breach among its SLA clocks still counting (or already "
        "breached and still waiting); empty when none. Kept by sla.services; the queue sorts "
        "on it.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "submission_key"],
                condition=Q(submission_key__isnull=False),
                name="ticket_one_case_per_submission",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="ticket_org_recent"),
            models.Index(fields=["status", "-created_at"], name="ticket_status_recent"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["cos", "status"], name="ticket_cos_status"),
            # The queue's default order: what breaches first, among the cases still in work.
            models.Index(
                fields=["next_breach_at", "created_at"],
                condition=Q(status__in=["new", "open", "waiting_on_partner"]),
                name="ticket_active_by_breach",
            ),
            # The same order over every case: the staff API lists all of them by default,
            # and without it each first page sorted the whole table.
            models.Index(fields=["next_breach_at", "created_at", "id"], name="ticket_by_breach"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def number(self) -> str:
        return format_number(self.pk)

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


def format_number(pk: int | None) -> str:
    return f"{NUMBER_PREFIX}{pk:06d}" if pk else f"{NUMBER_PREFIX}—"


def parse_number(text: str) -> int | None:
    """``SD-000123``, ``sd-123`` or ``123`` → 123; anything else → None."""
    digits = text.strip().upper().removeprefix(NUMBER_PREFIX)
    return as_id(digits) if digits.isdecimal() else None


class Message(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public reply"
        INTERNAL = "internal", "Internal note"

    class Channel(models.TextChoices):
        WEB = "web", "Web"
        EMAIL = "email", "E-mail"
        API = "api", "API"
        PHONE = "phone", "Phone"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ticket_messages"
    )
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    body = models.TextField()
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    email_message_id = models.CharField(
        max_length=300,
        null=True,
        blank=True,
        unique=True,
        help_text="Message-ID of the e-mail it came from, so a redelivery is stored once.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_time")]

    def __str__(self) -> str:
        return f"{self.get_visibility_display()} on {self.ticket_id} by {self.author_id}"

    @property
    def is_internal(self) -> bool:
        return self.visibility == self.Visibility.INTERNAL


def attachment_path(instance: "Attachment", filename: str) -> str:
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{instance.ticket_id}/{filename}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Feedback(models.Model):
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="feedback_rating_1_to_5", condition=Q(rating__gte=1, rating__lte=5)
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 on {self.ticket_id}"


class Event(models.Model):
    """One line of a case's timeline. Append-only; written through
    ``tickets.events.record`` and worded by the ``timeline`` module of the app that owns
    its kind."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    public = models.BooleanField(
        default=False, help_text="Shown to the partner as well as to staff."
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="event_ticket_time")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id} at {self.at:%Y-%m-%d %H:%M}"
