"""Which e-mails a change to a case sends. Each is written to the outbox
(``tickets.services.outbox``) in the change's transaction and sent once it commits, so a
change that is rolled back sends nothing and one made while the broker is down is sent
once it is back.

The requester hears of the case being opened, of public replies from staff, of status
changes and of each step on a hardware request; the assignee hears of partner replies.
Internal notes send nothing, ever.

Notices to staff (SLA warnings and breaches, out-of-hours Critical cases, monitoring
alerts, interventions and support hours) are ``Notification`` rows shown in the app; their
e-mail copy goes through the same outbox, written with the notice.
"""

from django.utils import timezone

from core.formatting import deadline_text, local_datetime_text
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


def status_changed(ticket: Ticket, *, old: str, notice: str = "") -> None:
    if ticket.status != old:
        _queue("status_changed", ticket, old_status=old, new_status=ticket.status, notice=notice)


def waiting_reminder(ticket: Ticket, *, resolve_at, waited_days: int) -> None:
    """The case has waited on the partner ``waited_days`` business days; it is resolved at
    ``resolve_at`` unless they answer."""
    _queue("waiting_reminder", ticket, resolve_at=resolve_at, waited_days=waited_days)


def end_customer_written(ticket: Ticket, *, to: list[str], body: str, sender) -> None:
    """Staff wrote to the end customer of a case about their system (14.5)."""
    email_queue(
        mail.build_end_customer_message(ticket, to=to, body=body, sender=sender),
        kind="end_customer_message",
        ticket=ticket,
    )


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


# --- Notices to staff --------------------------------------------------------------------


def notify(
    recipients,
    *,
    kind: str,
    ticket: Ticket | None,
    title: str,
    body: str = "",
    due=None,
    breach=None,
    moments=(),
) -> list[Notification]:
    """Write one notice per distinct active recipient, and its e-mail copy to the outbox,
    in the caller's transaction.

    ``due`` and ``breach`` (instants: a clock's due time and when it breaches) are added to
    the body in each recipient's own zone, worded as the pages word them ("Due Thu 18:00 CET
    · breaches Fri 09:00 CET"), without "2 h ago": the notice is read later. ``moments``
    (pairs of a label and an instant) are added as lines "Occurred at: Wed 4 Mar 2026,
    09:55 CET", the instant too in the recipient's zone."""
    seen, rows = set(), []
    now = timezone.now()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        text = body
        for label, at in moments:
            text += f"\n{label}: {local_datetime_text(at, tz=user.effective_time_zone)}"
        if due is not None:
            when = deadline_text(due, breach, tz=user.effective_time_zone, now=now, relative=False)
            text = f"{body}\n{when[:1].upper()}{when[1:]}.".strip()
        rows.append(
            Notification(recipient=user, ticket=ticket, kind=kind, title=title[:200], body=text)
        )
    created = Notification.objects.bulk_create(rows)
    for notification in created:
        if notification.recipient.email:
            email_queue(mail.build_notification(notification), kind=f"notice_{kind}", ticket=ticket)
    return created
