from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tickets.models.cases import Ticket


class Notification(models.Model):
    """One notice for one member of staff, shown in the app and e-mailed.

    Written in the same transaction as the change it reports, with its e-mail copy in the
    outbox (``OutgoingEmail``), so a notice and its e-mail exist exactly when its change
    does.
    """

    class Kind(models.TextChoices):
        SLA_WARNING = "sla_warning", "SLA warning"
        SLA_BREACH = "sla_breach", "SLA breach"
        OUT_OF_HOURS = "out_of_hours", "Critical case out of hours"
        MONITORING = "monitoring", "Monitoring alert"
        DOCUMENTS_OVERDUE = "documents_overdue", "Documents overdue (partner non-responsive)"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id}: {self.title}"


class OutgoingEmail(models.Model):
    """An outbox row: one e-mail to partners or staff, written whole (addresses, words,
    headers) in the same transaction as the change it tells of, so it exists exactly when
    its change does. ``tickets.tasks.deliver_email`` sends it once that commits and records
    when, so a redelivered task sends nothing twice; the beat sweep sends what a broker or
    mail server outage left unsent, later and later, until it goes or is given up."""

    kind = models.CharField(max_length=40)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="emails"
    )
    from_email = models.CharField(max_length=254)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.TextField()
    body = models.TextField(blank=True)
    # [content, MIME type] pairs: the HTML version.
    alternatives = models.JSONField(default=list, blank=True)
    # {"filename", "mimetype", "content" (base64)} each.
    attachments = models.JSONField(default=list, blank=True)
    # Message-ID, References, In-Reply-To and the others the desk sets, kept for every try.
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the sweep may try it (again); the send queued on commit does not wait for it.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A send in progress holds the row until then, so two workers never both send it.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Refused for good by the mail server, or out of attempts: the sweep leaves it.
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                name="outgoing_email_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {', '.join(self.to)}: {self.subject}"


class RefusedMail(models.Model):
    """An e-mail to the support mailbox that was answered automatically instead of being
    added to a case, kept until staff open a case with it, add it to a case or discard it."""

    class Reason(models.TextChoices):
        NO_REFERENCE = "no_reference", "No case number (a new case by e-mail)"
        REFUSED_SENDER = "refused_sender", "Sender may not post to that case"
        CLOSED = "closed", "The case is closed"
        NOT_ADDED = "not_added", "Nothing the case could take"

    class Handling(models.TextChoices):
        OPENED = "opened", "Case opened"
        ATTACHED = "attached", "Added to a case"
        DISCARDED = "discarded", "Discarded"

    sender = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=300, unique=True)
    text = models.TextField(blank=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    # The case number the mail named, if any, and the details of the refusal (files not kept).
    case_number = models.CharField(max_length=30, blank=True)
    detail = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    handling = models.CharField(max_length=20, choices=Handling.choices, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_note = models.TextField(blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["-received_at", "-id"],
                condition=Q(handled_at__isnull=True),
                name="refused_mail_open",
            ),
            models.Index(
                fields=["-handled_at", "-id"],
                condition=Q(handled_at__isnull=False),
                name="refused_mail_handled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"

    @property
    def is_handled(self) -> bool:
        return self.handled_at is not None


def refused_mail_path(instance: "RefusedMailFile", filename: str) -> str:
    now = timezone.now()
    return f"refused_mail/{now:%Y/%m}/{instance.mail_id}/{filename}"


class RefusedMailFile(models.Model):
    """A file of a refused e-mail that passed the attachment rules."""

    mail = models.ForeignKey(RefusedMail, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=refused_mail_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
