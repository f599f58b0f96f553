"""The notices staff receive about cases: marking them read. Their e-mail copies are written
to the outbox with them (``tickets.notifications.notify``)."""

from django.utils import timezone

from partners.models import User
from tickets.models import Notification


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notices read: the listed ones, or all of them."""
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
