from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tickets.models.cases import Ticket
from tickets.request_workflow import RequestStatus


class PartnerRequest(models.Model):
    """A case the vendor refused to a Bronze partner, a reseller or an end customer, kept
    with its text and files and handed to the organisation it was referred to (its
    upstream partner or its installer), which turns it into a case of its own, answers it
    or declines it. Nothing here is ever a case with the vendor in the sender's name."""

    Status = models.TextChoices(
        "Status",
        [
            ("DRAFT", (RequestStatus.DRAFT.value, "Not sent")),
            ("OPEN", (RequestStatus.OPEN.value, "Waiting for an answer")),
            ("CONVERTED", (RequestStatus.CONVERTED.value, "Taken up as a case")),
            ("ANSWERED", (RequestStatus.ANSWERED.value, "Answered")),
            ("DECLINED", (RequestStatus.DECLINED.value, "Declined")),
        ],
    )

    class Referral(models.TextChoices):
        UPSTREAM = "upstream", "Assigned partner"
        INSTALLER = "installer", "Installer"

    sender = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="requests_sent"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="requests_received"
    )
    referral = models.CharField(max_length=20, choices=Referral.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    subject = models.CharField(max_length=200)
    description = models.TextField()
    # What the sender picked, as codes of the terms in force then (to offer them again when
    # the request becomes a case) and as words (to show).
    case_type_code = models.CharField(max_length=60, blank=True)
    case_type_name = models.CharField(max_length=200, blank=True)
    reason_code = models.CharField(max_length=60, blank=True)
    reason_name = models.CharField(max_length=200, blank=True)
    wms_version = models.CharField("WMS version", max_length=40, blank=True)
    firmware_versions = models.CharField(max_length=200, blank=True)
    policy_version = models.CharField(max_length=20, blank=True)
    submission_key = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The answer, or why it was declined.
    reply = models.TextField(blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sent_by", "submission_key"],
                condition=Q(submission_key__isnull=False),
                name="partner_request_one_per_submission",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "status", "-sent_at"], name="partner_request_inbox"),
            models.Index(fields=["sender", "-created_at"], name="partner_request_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def number(self) -> str:
        return f"RQ-{self.pk:06d}" if self.pk else "RQ-—"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


def partner_request_path(instance: "PartnerRequestFile", filename: str) -> str:
    now = timezone.now()
    return f"partner_requests/{now:%Y/%m}/{instance.request_id}/{filename}"


class PartnerRequestFile(models.Model):
    """A file of a handed-on request that passed the attachment rules."""

    request = models.ForeignKey(PartnerRequest, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=partner_request_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
