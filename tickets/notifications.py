"""Which e-mails a change to a case sends. Each is queued once the transaction commits, so
a change that is rolled back sends nothing.

The requester hears of the case being opened, of public replies from staff and of status
changes; the assignee hears of partner replies. Internal notes send nothing, ever.
"""

from functools import partial

from django.db import transaction

from tickets.models import Message, Ticket


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
