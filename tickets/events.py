"""The case timeline: one function per kind of event, each appending one row through
``record``. Other apps write their own kinds with ``record`` too (``sla.events``).

``public`` events are shown to the partner too; the rest only to staff.
"""

from datetime import UTC, datetime

from django.utils import timezone

from tickets.models import Event, Ticket


def iso(at: datetime | None) -> str | None:
    """An instant as stored in event data: ISO 8601 in UTC."""
    return at.astimezone(UTC).isoformat() if at is not None else None


def record(
    ticket: Ticket | int,
    kind: str,
    *,
    actor=None,
    public: bool,
    at: datetime | None = None,
    **data,
) -> Event:
    """Append one event to a case's timeline: the one writer every app's events go through.
    ``ticket`` is the case or its id (a step that holds only the id need not load the case);
    ``data`` is stored as given, and its kind is worded by whichever app declared it
    (``tickets.timeline.wording``)."""
    case = {"ticket": ticket} if isinstance(ticket, Ticket) else {"ticket_id": ticket}
    return Event.objects.create(
        **case, kind=kind, actor=actor, public=public, at=at or timezone.now(), data=data
    )


def created(ticket: Ticket, *, actor) -> Event:
    return record(
        ticket,
        "created",
        actor=actor,
        public=True,
        at=ticket.created_at,
        channel=ticket.channel,
        cos=ticket.cos,
        policy=ticket.policy.code,
    )


def phone_override(ticket: Ticket, *, actor, reason: str) -> Event:
    """Staff logged a tickets-only case type from a phone call, and why."""
    return record(
        ticket,
        "phone_override",
        actor=actor,
        public=False,
        at=ticket.created_at,
        case_type=ticket.case_type.name,
        reason=reason,
    )


def status_changed(ticket: Ticket, *, actor, old: str, new: str, note: str = "") -> Event:
    return record(ticket, "status_changed", actor=actor, public=True, old=old, new=new, note=note)


def assigned(
    ticket: Ticket, *, actor, old_id: int | None, new_id: int | None, new_name: str
) -> Event:
    return record(
        ticket, "assigned", actor=actor, public=False, old=old_id, new=new_id, name=new_name
    )


def cos_changed(ticket: Ticket, *, actor, old: str, new: str, reason: str) -> Event:
    return record(ticket, "cos_changed", actor=actor, public=True, old=old, new=new, reason=reason)


def message_added(
    ticket: Ticket, *, actor, message_id: int, internal: bool, channel: str, at: datetime
) -> Event:
    kind = "internal_note" if internal else "public_reply"
    return record(
        ticket, kind, actor=actor, public=not internal, at=at, message=message_id, channel=channel
    )


def feedback_given(ticket: Ticket, *, actor, rating: int) -> Event:
    return record(ticket, "feedback", actor=actor, public=True, rating=rating)


def follow_up_opened(ticket: Ticket, *, actor, follow_up_number: str) -> Event:
    return record(ticket, "follow_up_opened", actor=actor, public=True, number=follow_up_number)


def opened_from_request(ticket: Ticket, *, actor, request_number: str, sender: str) -> Event:
    """The case was opened from a request another organisation handed on to its owner."""
    return record(
        ticket,
        "opened_from_request",
        actor=actor,
        public=True,
        at=ticket.created_at,
        request=request_number,
        sender=sender,
    )
