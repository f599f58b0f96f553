"""A case's clocks through its life: started with the case, paused while it waits on the
partner, resumed when the partner answers, stopped by the first reply, the resolution, or
the service restored."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from partners.models import User
from partners.roles import works_cases
from sla import clocks as clock_rules
from sla import events
from sla.models import Clock
from sla.services.common import (
    Calendars,
    Metric,
    State,
    clock_new,
    deadlines_for,
    excluded_from_extended_support,
    nearest_breach,
    noc_tell_out_of_hours,
    ticket_sync,
    timers_arm,
    warning_fraction,
)
from sla.services.waiting import waiting_end, waiting_start
from tickets.models import Ticket

# --- Starting ----------------------------------------------------------------------------


def clocks_plan(ticket: Ticket, *, calendars: Calendars | None = None) -> list[Clock]:
    """The clocks the ticket's policy gives a new case, from its creation instant, not yet
    written. ``ticket`` need not be saved: ``desk.actions.open_case`` plans them first so that the
    case is written with its nearest breach, then has ``clocks_start`` write them.
    ``calendars``: those the caller has already read, if any."""
    calendars = calendars if calendars is not None else Calendars()
    found = deadlines_for(ticket, cos=ticket.cos, at=ticket.created_at, calendars=calendars)
    return [
        clock_new(ticket, deadline, calendars[deadline.calendar], at=ticket.created_at)
        for deadline in found
    ]


def clocks_start(*, ticket: Ticket, planned: list[Clock] | None = None) -> list[Clock]:
    """Start every clock the ticket's policy gives it (``planned`` by ``clocks_plan`` before
    the case was written, or planned now). Called by ``desk.actions.open_case`` inside its
    transaction. A Critical case opened while its support hours are closed gets the
    out-of-hours triage clock, and the NOC hears of it at once, unless extended support
    does not cover what the case is about (16.5). Any other new technical case opened then
    gets the out-of-hours investigation clock (16.8; an internal target of the policy
    version, 60 minutes around the clock in the shipped files): it waits on the NOC board,
    nobody is paged. The terms say the NOC investigates every new ticket out of hours; the
    desk reads that as every technical case (the NOC's subject), including those extended
    support does not cover, which are looked at but never paged for."""
    clocks = planned if planned is not None else clocks_plan(ticket)
    for clock in clocks:
        clock.ticket = ticket  # saved now, whatever it was when the clocks were planned
    clocks = Clock.objects.bulk_create(clocks)
    nearest = nearest_breach(clocks)
    if ticket.next_breach_at != nearest:
        Ticket.objects.filter(pk=ticket.pk).update(next_breach_at=nearest)
        ticket.next_breach_at = nearest
    timers_arm(clocks)
    triaged = any(clock.metric == Metric.OUT_OF_HOURS_TRIAGE for clock in clocks)
    if triaged and not excluded_from_extended_support(ticket):
        noc_tell_out_of_hours(ticket)
    return clocks


# --- Pausing, resuming, stopping ---------------------------------------------------------


def clocks_pause(*, ticket: Ticket, at: datetime) -> int:
    """The case waits on the partner: clocks whose metric allows it stop counting."""
    paused = 0
    pausing = Clock.objects.filter(ticket=ticket, state=State.RUNNING, pauses_while_waiting=True)
    for clock in pausing:
        if Clock.objects.filter(pk=clock.pk, state=State.RUNNING).update(
            state=State.PAUSED, paused_since=at
        ):
            events.sla_paused(ticket, metric=clock.metric, at=at)
            paused += 1
    if paused:
        ticket_sync(ticket)
    return paused


def clocks_resume(*, ticket: Ticket, at: datetime) -> int:
    """The partner answered: paused clocks resume with the business time they had left."""
    calendars = Calendars()
    resumed = []
    for clock in Clock.objects.filter(ticket=ticket, state=State.PAUSED):
        calendar = calendars[clock.calendar]
        paused_for = clock.paused_for + calendar.elapsed(clock.paused_since, at)
        times = clock_rules.schedule(
            calendar,
            started_at=clock.started_at,
            target=clock.target,
            paused_for=paused_for,
            warning_fraction=warning_fraction(),
        )
        if Clock.objects.filter(pk=clock.pk, state=State.PAUSED).update(
            state=State.RUNNING,
            paused_since=None,
            paused_for=paused_for,
            due_at=times.due,
            warn_at=times.warn_at,
            breach_at=times.breach_at,
        ):
            clock.warn_at, clock.breach_at = times.warn_at, times.breach_at
            events.sla_resumed(ticket, metric=clock.metric, due=times.due, at=at)
            resumed.append(clock)
    if resumed:
        ticket_sync(ticket)
        timers_arm(resumed)
    return len(resumed)


def _stop(clock: Clock, *, at: datetime, calendars: Calendars, actor=None) -> bool:
    calendar = calendars[clock.calendar]
    paused_for = clock.paused_for
    if clock.state == State.PAUSED:
        paused_for += calendar.elapsed(clock.paused_since, at)
    if clock.state == State.BREACHED:
        met, breached_at = False, clock.breached_at
    else:
        met = clock_rules.is_met(
            calendar, started_at=clock.started_at, target=clock.target, paused_for=paused_for, at=at
        )
        breached_at = None if met else clock.breach_at
    stopped = Clock.objects.filter(pk=clock.pk, stopped_at=None).update(
        state=State.MET if met else State.BREACHED,
        stopped_at=at,
        paused_since=None,
        paused_for=paused_for,
        breached_at=breached_at,
    )
    if stopped:
        events.sla_stopped(clock.ticket, actor=actor, metric=clock.metric, met=met, at=at)
    return bool(stopped)


def clock_stop(*, ticket: Ticket, metric: str, at: datetime, actor=None) -> bool:
    """Stop the ticket's ``metric`` clock if it is still counting; met or breached is
    decided on business time. Returns whether a clock stopped."""
    clock = Clock.objects.filter(ticket=ticket, metric=metric, stopped_at=None).first()
    if clock is None:
        return False
    clock.ticket = ticket
    stopped = _stop(clock, at=at, calendars=Calendars(), actor=actor)
    ticket_sync(ticket)
    return stopped


def clocks_stop_all(*, ticket: Ticket, at: datetime, actor=None) -> int:
    """The case is resolved: whatever still counts stops here."""
    calendars = Calendars()
    stopped = 0
    for clock in Clock.objects.filter(ticket=ticket, stopped_at=None):
        clock.ticket = ticket
        stopped += _stop(clock, at=at, calendars=calendars, actor=actor)
    if stopped:
        ticket_sync(ticket)
    return stopped


def clocks_after_status_change(*, ticket: Ticket, old: str, new: str, at: datetime, actor=None):
    """Waiting on the partner pauses, leaving it resumes, resolving stops. Each wait is
    also an episode with its reminder and resolution (``sla.services.waiting``)."""
    waiting, resolved, closed = (
        Ticket.Status.WAITING,
        Ticket.Status.RESOLVED,
        Ticket.Status.CLOSED,
    )
    if old == waiting and new != waiting:
        waiting_end(ticket=ticket, at=at)
        clocks_resume(ticket=ticket, at=at)
    elif new == waiting and old != waiting:
        waiting_start(ticket=ticket, at=at)
    if new in (resolved, closed):
        clocks_stop_all(ticket=ticket, at=at, actor=actor)
    elif new == waiting and old != waiting:
        clocks_pause(ticket=ticket, at=at)


# --- Restoration -------------------------------------------------------------------------


def service_mark_restored(*, ticket: Ticket, actor: User, note: str = "", at=None) -> Ticket:
    """Staff record that the partner's service works again: the restoration clock stops."""
    if not works_cases(actor):
        raise PermissionDenied
    at = at or timezone.now()
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        clock = Clock.objects.filter(
            ticket=locked, metric=Metric.RESTORATION, stopped_at=None
        ).first()
        if clock is None:
            raise ValidationError(
                {"restored": "This case has no restoration clock running to stop."}
            )
        events.service_restored(locked, actor=actor, note=note.strip()[:2000], at=at)
        clock_stop(ticket=locked, metric=Metric.RESTORATION, at=at, actor=actor)
    ticket.refresh_from_db()
    return ticket
