"""The notices staff receive about cases: their e-mail, sent once by whichever worker claims
it, the sweep for those not yet sent, and marking them read."""

from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from partners.models import User
from tickets import mail
from tickets.models import Notification

# How long one delivery may hold a notice before another worker may try it.
EMAIL_CLAIM = timedelta(minutes=5)
# Deliveries the pending sweep starts before it gives a notice up.
MAX_EMAIL_ATTEMPTS = 8


def notification_email(*, notification_id: int, now: datetime) -> bool:
    """E-mail one notice unless it was sent already or another worker is sending it.

    Raises what the mail server raised (the task retries); the claim is released first so
    the retry may take it again.
    """
    claimed = (
        Notification.objects.filter(pk=notification_id, emailed_at=None)
        .filter(Q(email_claimed_until=None) | Q(email_claimed_until__lt=now))
        .update(email_claimed_until=now + EMAIL_CLAIM, email_attempts=F("email_attempts") + 1)
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related(
        "recipient", "ticket", "ticket__organisation"
    ).get(pk=notification_id)
    try:
        mail.build_notification(notification).send()
    except Exception as error:
        Notification.objects.filter(pk=notification_id).update(
            email_claimed_until=None, email_error=str(error)[:300]
        )
        raise
    Notification.objects.filter(pk=notification_id).update(
        emailed_at=timezone.now(), email_claimed_until=None, email_error=""
    )
    return True


def notifications_undelivered(*, now: datetime, older_than=timedelta(minutes=2)) -> list[int]:
    """Notices whose e-mail has not gone out a while after they were written."""
    return list(
        Notification.objects.filter(
            emailed_at=None,
            created_at__lt=now - older_than,
            email_attempts__lt=MAX_EMAIL_ATTEMPTS,
        )
        .filter(Q(email_claimed_until=None) | Q(email_claimed_until__lt=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notices read: the listed ones, or all of them."""
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
