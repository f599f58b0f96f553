"""Which e-mails a change to a case sends. Each is queued once the transaction commits, so
a change that is rolled back sends nothing.

The requester hears of the case being opened, of public replies from staff, of status
changes and of each step on a hardware request; the assignee hears of partner replies.
Internal notes send nothing, ever.

Notices to staff (SLA warnings and breaches, out-of-hours Critical cases, monitoring
alerts) go through the ``Notification`` outbox instead: shown in the app and e-mailed.
"""

from functools import partial

from django.db import transaction

from tickets.models import Message, Notification, Ticket


def _queue(kind: str, ticket: Ticket, message: Message | None = None, **extra) -> None:
    from tickets.tasks import send_ticket_mail

    transaction.on_commit(
        partial(
            send_ticket_mail.delay,
            kind=kind,
            ticket_id=ticket.pk,
            message_id=message.pk if message else None,
            **extra,
        )
    )


def case_opened(ticket: Ticket) -> None:
    _queue("case_opened", ticket)


def staff_replied(ticket: Ticket, message: Message) -> None:
    if not message.is_internal:
        _queue("staff_replied", ticket, message)


def partner_replied(ticket: Ticket, message: Message) -> None:
    if ticket.assignee_id and not message.is_internal:
        _queue("partner_replied", ticket, message)


def status_changed(ticket: Ticket, *, old: str) -> None:
    # The new status travels with the task: by the time it runs the case may have moved on.
    if ticket.status != old:
        _queue("status_changed", ticket, old_status=old, new_status=ticket.status)


def hardware_step(ticket: Ticket, *, update: str, detail: str = "") -> None:
    """A step on the case's hardware request (approved, shipped, received…)."""
    _queue("hardware_step", ticket, update=update, detail=detail)


# --- Notices to staff, through the outbox --------------------------------------------------


def notify(
    recipients,
    *,
    kind: str,
    ticket: Ticket | None,
    title: str,
    body: str = "",
    due=None,
) -> list[Notification]:
    """Write one notice per distinct active recipient, in the caller's transaction, and
    queue their e-mail once it commits. ``due`` (an instant) is added to the body."""
    if due is not None:
        body = f"{body}\nDue {due:%Y-%m-%d %H:%M} UTC.".strip()
    seen, rows = set(), []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(recipient=user, ticket=ticket, kind=kind, title=title[:200], body=body)
        )
    created = Notification.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    if ids:
        transaction.on_commit(partial(_queue_delivery, ids), robust=True)
    return created


def _queue_delivery(ids: list[int]) -> None:
    from tickets.tasks import deliver_notification

    for notification_id in ids:
        if deliver_notification.delay(notification_id) is None:
            break  # the broker is down: the beat task for undelivered notices sends them
