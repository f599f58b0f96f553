"""The SLA's lines on a case timeline: one function per kind of event, each appending one
row through ``tickets.events.record``. Only ``service_restored`` is shown to the partner."""

from datetime import datetime

from tickets.events import iso, record
from tickets.models import Event, Ticket


def sla_paused(ticket: Ticket, *, metric: str, at: datetime) -> Event:
    return record(ticket, "sla_paused", public=False, at=at, metric=metric)


def sla_resumed(ticket: Ticket, *, metric: str, due: datetime, at: datetime) -> Event:
    return record(ticket, "sla_resumed", public=False, at=at, metric=metric, due=iso(due))


def sla_stopped(ticket: Ticket, *, actor, metric: str, met: bool, at: datetime) -> Event:
    return record(ticket, "sla_stopped", actor=actor, public=False, at=at, metric=metric, met=met)


def sla_warning(ticket: Ticket, *, metric: str, due: datetime, at: datetime) -> Event:
    return record(ticket, "sla_warning", public=False, at=at, metric=metric, due=iso(due))


def sla_breached(ticket: Ticket, *, metric: str, due: datetime, at: datetime) -> Event:
    return record(ticket, "sla_breached", public=False, at=at, metric=metric, due=iso(due))


def sla_recomputed(ticket: Ticket, *, actor, cos: str, changes: list[dict], at: datetime) -> Event:
    return record(
        ticket, "sla_recomputed", actor=actor, public=False, at=at, cos=cos, changes=changes
    )


def service_restored(ticket: Ticket, *, actor, note: str, at: datetime) -> Event:
    return record(ticket, "service_restored", actor=actor, public=True, at=at, note=note)


def critical_override(ticket: Ticket, *, actor, exclusion: str, reason: str, at: datetime) -> Event:
    """Critical confirmed on a case that extended support does not cover, and why."""
    return record(
        ticket,
        "critical_override",
        actor=actor,
        public=False,
        at=at,
        exclusion=exclusion,
        reason=reason,
    )


def waiting_reminder(
    ticket: Ticket, *, waited_days: int, resolve_at: datetime, at: datetime
) -> Event:
    """The partner was reminded that the case waits on them."""
    return record(
        ticket,
        "waiting_reminder",
        public=True,
        at=at,
        days=waited_days,
        resolve_at=iso(resolve_at),
    )


def vendor_stepped_in(
    ticket: Ticket, *, actor, end_customer: str, recipients: list[str], body: str, at: datetime
) -> Event:
    """Staff wrote to the end customer directly (14.5): shown to the partner, with the
    message as sent."""
    return record(
        ticket,
        "vendor_stepped_in",
        actor=actor,
        public=True,
        at=at,
        end_customer=end_customer,
        recipients=recipients,
        body=body,
    )
