"""A hardware request's lines on its case's timeline: one function per step, each appending
one row of data through ``tickets.events.record`` (worded by ``hwaas.timeline``). Every step
is shown to the partner; the staff steps are e-mailed to the requester as well, in the words
the timeline shows."""

from datetime import datetime

from hwaas.models import HardwareRequest
from tickets import notifications
from tickets.events import iso, record
from tickets.models import Event
from tickets.timeline import describe


def requested(request: HardwareRequest, *, actor, at: datetime, reason: str) -> Event:
    """``reason`` is the rules' answer as the partner was given it when asking."""
    return record(
        request.ticket_id,
        "hwaas_requested",
        actor=actor,
        public=True,
        at=at,
        request=request.pk,
        request_kind=request.kind,
        reason=reason,
    )


def approved(request: HardwareRequest, *, actor, at: datetime, note: str, zone: str) -> Event:
    """``zone``: the support calendar's, in which a replacement's ship-by time is given."""
    return _staff_step(
        request,
        "hwaas_approved",
        actor=actor,
        at=at,
        ship_by=iso(request.ship_by),
        zone=zone if request.ship_by else "",
        note=note,
    )


def refused(request: HardwareRequest, *, actor, at: datetime, reason: str) -> Event:
    return _staff_step(request, "hwaas_refused", actor=actor, at=at, reason=reason)


def shipped(
    request: HardwareRequest, *, actor, at: datetime, tracking_number: str, serials: list[str]
) -> Event:
    return _staff_step(
        request,
        "hwaas_shipped",
        actor=actor,
        at=at,
        tracking_number=tracking_number,
        serials=list(serials),
    )


def received(request: HardwareRequest, *, actor, at: datetime, note: str) -> Event:
    return _staff_step(request, "hwaas_received", actor=actor, at=at, note=note)


def not_returned(
    request: HardwareRequest,
    *,
    actor,
    at: datetime,
    note: str,
    total: str,
    currency: str,
    serials: list[str],
) -> Event:
    """The units were not handed back: the charge's total and the units the lessee now owns."""
    return _staff_step(
        request,
        "hwaas_not_returned",
        actor=actor,
        at=at,
        note=note,
        total=total,
        currency=currency,
        serials=list(serials),
    )


def closed(request: HardwareRequest, *, actor, at: datetime, note: str) -> Event:
    return _staff_step(request, "hwaas_closed", actor=actor, at=at, note=note)


def _staff_step(request: HardwareRequest, kind: str, *, actor, at: datetime, **data) -> Event:
    event = record(
        request.ticket_id, kind, actor=actor, public=True, at=at, request=request.pk, **data
    )
    (entry,) = describe([event])
    notifications.hardware_step(request.ticket, update=entry.text, detail=entry.detail)
    return event
