"""Which e-mails a change to a case sends. Each is written to the outbox
(``tickets.services.outbox``) in the change's transaction and sent once it commits, so a
change that is rolled back sends nothing and one made while the broker is down is sent
once it is back.

The requester hears of the case being opened, of public replies from staff, of status
changes and of each step on a hardware request; the assignee hears of partner replies.
Internal notes send nothing, ever.

Notices to staff (SLA warnings and breaches, out-of-hours Critical cases, monitoring
alerts) go through the ``Notification`` outbox instead: shown in the app and e-mailed.
"""

from functools import partial

from django.db import transaction

from tickets import mail
from tickets.models import Message, Notification, Ticket
from tickets.services.outbox import email_queue


def _queue(kind: str, ticket: Ticket, message: Message | None = None, **extra) -> None:
    email = mail.build(kind, ticket, message, **extra)
    if email is not None:
        email_queue(email, kind=kind, ticket=ticket)


def case_opened(ticket: Ticket) -> None:
    _queue("case_opened", ticket)


def staff_replied(ticket: Ticket, message: Message) -> None:
    if not message.is_internal:
        _queue("staff_replied", ticket, message)


def partner_replied(ticket: Ticket, message: Message) -> None:
    if ticket.assignee_id and not message.is_internal:
        _queue("partner_replied", ticket, message)


def status_changed(ticket: Ticket, *, old: str) -> None:
    if ticket.status != old:
        _queue("status_changed", ticket, old_status=old, new_status=ticket.status)


def hardware_step(ticket: Ticket, *, update: str, detail: str = "") -> None:
    """A step on the case's hardware request (approved, shipped, received…)."""
    _queue("hardware_step", ticket, update=update, detail=detail)


def auto_reply(
    kind: str,
    *,
    to: str,
    in_reply_to: str = "",
    references: str = "",
    ticket_id: int | None = None,
    case_number: str = "",
    dropped: list[str] | tuple[str, ...] = (),
) -> None:
    """Answer an e-mail the desk could not take as it was (see ``desk.inbound``)."""
    ticket = Ticket.objects.filter(pk=ticket_id).first() if ticket_id else None
    email = mail.build_auto_reply(
        kind,
        to=to,
        in_reply_to=in_reply_to,
        references=references,
        ticket=ticket,
        case_number=case_number,
        dropped=dropped,
    )
    email_queue(email, kind=f"auto_{kind}", ticket=ticket)


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
