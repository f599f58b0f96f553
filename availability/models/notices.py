"""Status notices: who follows which service (``StatusSubscription``), the address of their
own feed (``StatusFeedKey``), and every notice the desk sent about maintenance or an
incident (``StatusNotice``) with one row per person it went to (``StatusNoticeDelivery``).

A notice and its deliveries are written in one transaction, with the e-mails in the outbox:
the delivery row is unique per notice and person, so nobody gets the same notice twice, and
the notice's ``sent_at`` is the time the desk sent it (what a maintenance window's
"notified at" is taken from).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from availability.models.records import Incident, IncidentUpdate, Maintenance, Service


class StatusSubscription(models.Model):
    """One person following one service: e-mails about its incidents, its maintenance or
    both."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="status_subscriptions"
    )
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="followers")
    incidents = models.BooleanField(default=True, help_text="E-mail the incident updates.")
    maintenance = models.BooleanField(default=True, help_text="E-mail announced maintenance.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["service__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="status_subscription_once"),
            models.CheckConstraint(
                name="status_subscription_wants_something",
                condition=Q(incidents=True) | Q(maintenance=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.service}"


def new_feed_key() -> str:
    return secrets.token_urlsafe(24)


class StatusFeedKey(models.Model):
    """The secret in the address of a person's status feeds. A new key replaces the old one,
    and the old addresses stop working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="status_feed_key"
    )
    key = models.CharField(max_length=64, unique=True, default=new_feed_key)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Status feed key of {self.user}"


class StatusNotice(models.Model):
    """One notice the desk sent to the followers of some services: a maintenance window
    announced, or an incident's public update."""

    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", "Maintenance announced"
        INCIDENT = "incident", "Incident update"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    maintenance = models.ForeignKey(
        Maintenance, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    update = models.OneToOneField(
        IncidentUpdate, on_delete=models.CASCADE, null=True, blank=True, related_name="notice"
    )
    subject = models.CharField(max_length=300)
    body = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recipient_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="status_notice_names_its_record",
                condition=(Q(kind="maintenance") & Q(maintenance__isnull=False))
                | (Q(kind="incident") & Q(incident__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.sent_at:%Y-%m-%d %H:%M})"


class StatusNoticeDelivery(models.Model):
    """A notice sent to one person: at most once (the unique pair), with its e-mail."""

    notice = models.ForeignKey(StatusNotice, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.ForeignKey(
        "tickets.OutgoingEmail", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["notice", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="status_notice_once_each"),
        ]

    def __str__(self) -> str:
        return f"{self.notice} to {self.user}"
