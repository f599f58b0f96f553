from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tickets.models.cases import Attachment, Ticket


class DocumentRequest(models.Model):
    """Documents staff ask the partner for on a case, by a due date (terms 7.9.2): a
    checklist of items the partner uploads against. When and how it is reminded and marked
    non-responsive is ``tickets.document_dates``' and ``tickets.services.documents``'."""

    class State(models.TextChoices):
        OPEN = "open", "Waiting for the partner"
        RECEIVED = "received", "All documents received"
        OVERDUE = "overdue", "Overdue: partner non-responsive"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="document_requests")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(default=timezone.now)
    due_date = models.DateField(help_text="The last day, in the partner's zone.")
    due_at = models.DateTimeField(help_text="The end of the due date in the partner's zone.")
    note = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    # The two reminders: when each goes (empty: none), and when it went.
    remind_first_at = models.DateTimeField(null=True, blank=True)
    reminded_first_at = models.DateTimeField(null=True, blank=True)
    remind_last_at = models.DateTimeField(null=True, blank=True)
    reminded_last_at = models.DateTimeField(null=True, blank=True)
    # Set once, by whoever records the partner non-responsive; kept after a late delivery.
    non_responsive_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "asked_at"], name="docrequest_ticket"),
            # The sweep: requests still waiting, by due instant.
            models.Index(fields=["due_at"], condition=Q(state="open"), name="docrequest_open_due"),
        ]

    def __str__(self) -> str:
        return f"Documents for {self.ticket_id} due {self.due_date}"

    @property
    def is_overdue(self) -> bool:
        return self.non_responsive_at is not None


class DocumentItem(models.Model):
    """One document on a request's checklist, fulfilled by the file the partner uploads."""

    class Kind(models.TextChoices):
        AUTHORISATION = "authorisation", "Letter of authorisation"
        IDENTITY = "identity", "Identity evidence"
        ADDRESS = "address", "Address evidence"
        TAX = "tax", "Tax documents"
        REGULATORY = "regulatory", "Regulatory documents"
        OTHER = "other", "Other"

    request = models.ForeignKey(DocumentRequest, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(max_length=200)
    note = models.CharField(max_length=500, blank=True)
    attachment = models.ForeignKey(
        Attachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label

    @property
    def is_fulfilled(self) -> bool:
        return self.fulfilled_at is not None
