"""The case timeline: one function per kind of event, each appending one row.

``public`` events are shown to the partner too; the rest only to staff.
"""

from datetime import UTC, datetime

from django.utils import timezone

from tickets.models import Event, Ticket


def iso(at: datetime | None) -> str | None:
    """An instant as stored in event data: ISO 8601 in UTC."""
    return at.astimezone(UTC).isoformat() if at is not None else None


def _record(
    ticket: Ticket, kind: str, *, actor=None, public: bool, at: datetime | None = None, **data
) -> Event:
    return Event.objects.create(
        ticket=ticket, kind=kind, actor=actor, public=public, at=at or timezone.now(), data=data
    )


def created(ticket: Ticket, *, actor) -> Event:
    return _record(
        ticket,
        "created",
        actor=actor,
        public=True,
        at=ticket.created_at,
        channel=ticket.channel,
        cos=ticket.cos,
        policy=ticket.policy.code,
    )


def status_changed(ticket: Ticket, *, actor, old: str, new: str, note: str = "") -> Event:
    return _record(ticket, "status_changed", actor=actor, public=True, old=old, new=new, note=note)


def assigned(
    ticket: Ticket, *, actor, old_id: int | None, new_id: int | None, new_name: str
) -> Event:
    return _record(
        ticket, "assigned", actor=actor, public=False, old=old_id, new=new_id, name=new_name
    )


def cos_changed(ticket: Ticket, *, actor, old: str, new: str, reason: str) -> Event:
    return _record(ticket, "cos_changed", actor=actor, public=True, old=old, new=new, reason=reason)


def message_added(
    ticket: Ticket, *, actor, message_id: int, internal: bool, channel: str, at: datetime
) -> Event:
    kind = "internal_note" if internal else "public_reply"
    return _record(
        ticket, kind, actor=actor, public=not internal, at=at, message=message_id, channel=channel
    )


def feedback_given(ticket: Ticket, *, actor, rating: int) -> Event:
    return _record(ticket, "feedback", actor=actor, public=True, rating=rating)


def follow_up_opened(ticket: Ticket, *, actor, follow_up_number: str) -> Event:
    return _record(ticket, "follow_up_opened", actor=actor, public=True, number=follow_up_number)


# --- SLA clocks (written by sla.services) -------------------------------------------------


def sla_paused(ticket: Ticket, *, metric: str, at: datetime) -> Event:
    return _record(ticket, "sla_paused", public=False, at=at, metric=metric)


def sla_resumed(ticket: Ticket, *, metric: str, due: datetime, at: datetime) -> Event:
    return _record(ticket, "sla_resumed", public=False, at=at, metric=metric, due=iso(due))


def sla_stopped(ticket: Ticket, *, actor, metric: str, met: bool, at: datetime) -> Event:
    return _record(ticket, "sla_stopped", actor=actor, public=False, at=at, metric=metric, met=met)


def sla_warning(ticket: Ticket, *, metric: str, due: datetime, at: datetime) -> Event:
    return _record(ticket, "sla_warning", public=False, at=at, metric=metric, due=iso(due))


def sla_breached(ticket: Ticket, *, metric: str, due: datetime, at: datetime) -> Event:
    return _record(ticket, "sla_breached", public=False, at=at, metric=metric, due=iso(due))


def sla_recomputed(ticket: Ticket, *, actor, cos: str, changes: list[dict], at: datetime) -> Event:
    return _record(
        ticket, "sla_recomputed", actor=actor, public=False, at=at, cos=cos, changes=changes
    )


def service_restored(ticket: Ticket, *, actor, note: str, at: datetime) -> Event:
    return _record(ticket, "service_restored", actor=actor, public=True, at=at, note=note)
