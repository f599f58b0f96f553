"""Writes for SLA clocks: start them with a case, pause, resume, stop, recompute, and the
two timed transitions (warning and breach) with their escalations.

Every function runs inside the caller's transaction (the case services own theirs) or opens
its own. State changes are conditional UPDATEs: a warning or breach that two workers, a
retry and the sweep all try to record is recorded, announced and notified once.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Min
from django.utils import timezone

from partners.models import User
from partners.roles import Role, has_role, works_cases
from partners.selectors import staff_with_role
from sla import clocks as clock_rules
from sla import events, selectors, targets, timers
from sla.businesstime import BusinessCalendar
from sla.calendars import ALWAYS, business_calendar
from sla.models import Clock, MonitoringAlert
from sla.selectors import target_rules
from tickets import notifications
from tickets.events import iso
from tickets.models import Notification, Ticket

Metric = Clock.Metric
State = Clock.State


def warning_fraction() -> float:
    return settings.SLA_WARNING_PERCENT / 100


class Calendars:
    """The calendars one operation needs, each read from the database once."""

    def __init__(self) -> None:
        self._loaded: dict[str, BusinessCalendar] = {}

    def __getitem__(self, code: str) -> BusinessCalendar:
        if code not in self._loaded:
            self._loaded[code] = business_calendar(code)
        return self._loaded[code]


def _deadlines(ticket: Ticket, *, cos: str, at: datetime, calendars: Calendars):
    region = ticket.organisation.region
    return targets.deadlines(
        target_rules(ticket.policy),
        case_type=ticket.case_type.code,
        reason=ticket.reason.code if ticket.reason_id else None,
        cos=cos,
        created_at=at,
        region=calendars[region],
        region_code=region,
        always=calendars[ALWAYS],
    )


def _new_clock(ticket: Ticket, deadline: targets.Deadline, calendar: BusinessCalendar, *, at):
    times = clock_rules.schedule(
        calendar, started_at=at, target=deadline.target, warning_fraction=warning_fraction()
    )
    return Clock(
        ticket=ticket,
        metric=deadline.metric,
        calendar=deadline.calendar,
        target=deadline.target,
        pauses_while_waiting=deadline.pauses_while_waiting,
        started_at=at,
        due_at=times.due,
        warn_at=times.warn_at,
        breach_at=times.breach_at,
    )


def _arm(clocks: list[Clock]) -> None:
    """Queue the timers once the clocks are committed; a broker that is down only delays
    them to the next sweep, it never fails the change."""
    plan = [(clock.pk, clock.warn_at, clock.breach_at) for clock in clocks]
    if plan:
        transaction.on_commit(partial(timers.arm_many, plan), robust=True)


def nearest_breach(clocks: list[Clock]) -> datetime | None:
    """When the first of these clocks that can still breach (or has) breaches."""
    return min(
        (
            clock.breach_at
            for clock in clocks
            if clock.stopped_at is None
            and clock.state in (State.RUNNING, State.BREACHED)
            and clock.breach_at is not None
        ),
        default=None,
    )


def _sync_ticket(ticket: Ticket) -> None:
    """Keep the case's nearest breach (the queue's sort key) in step with its clocks."""
    nearest = Clock.objects.filter(
        ticket_id=ticket.pk, stopped_at=None, state__in=[State.RUNNING, State.BREACHED]
    ).aggregate(nearest=Min("breach_at"))["nearest"]
    Ticket.objects.filter(pk=ticket.pk).update(next_breach_at=nearest)
    ticket.next_breach_at = nearest


# --- Starting ----------------------------------------------------------------------------


def clocks_plan(ticket: Ticket) -> list[Clock]:
    """The clocks the ticket's policy gives a new case, from its creation instant, not yet
    written. ``ticket`` need not be saved: ``desk.actions.open_case`` plans them first so that the
    case is written with its nearest breach, then has ``clocks_start`` write them."""
    calendars = Calendars()
    found = _deadlines(ticket, cos=ticket.cos, at=ticket.created_at, calendars=calendars)
    return [
        _new_clock(ticket, deadline, calendars[deadline.calendar], at=ticket.created_at)
        for deadline in found
    ]


def clocks_start(*, ticket: Ticket, planned: list[Clock] | None = None) -> list[Clock]:
    """Start every clock the ticket's policy gives it (``planned`` by ``clocks_plan`` before
    the case was written, or planned now). Called by ``desk.actions.open_case`` inside its
    transaction. A Critical case opened while its support hours are closed gets the
    out-of-hours triage clock, and the NOC hears of it at once."""
    clocks = planned if planned is not None else clocks_plan(ticket)
    for clock in clocks:
        clock.ticket = ticket  # saved now, whatever it was when the clocks were planned
    clocks = Clock.objects.bulk_create(clocks)
    nearest = nearest_breach(clocks)
    if ticket.next_breach_at != nearest:
        Ticket.objects.filter(pk=ticket.pk).update(next_breach_at=nearest)
        ticket.next_breach_at = nearest
    _arm(clocks)
    if any(clock.metric == Metric.OUT_OF_HOURS_TRIAGE for clock in clocks):
        _tell_noc_out_of_hours(ticket)
    return clocks


def _tell_noc_out_of_hours(ticket: Ticket) -> None:
    notifications.notify(
        staff_with_role(Role.NOC),
        kind=Notification.Kind.OUT_OF_HOURS,
        ticket=ticket,
        title=f"{ticket.number} Critical outside support hours: triage needed",
        body=f"{ticket.organisation.name}: {ticket.subject}",
    )


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
        _sync_ticket(ticket)
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
        _sync_ticket(ticket)
        _arm(resumed)
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
    _sync_ticket(ticket)
    return stopped


def clocks_stop_all(*, ticket: Ticket, at: datetime, actor=None) -> int:
    """The case is resolved: whatever still counts stops here."""
    calendars = Calendars()
    stopped = 0
    for clock in Clock.objects.filter(ticket=ticket, stopped_at=None):
        clock.ticket = ticket
        stopped += _stop(clock, at=at, calendars=calendars, actor=actor)
    if stopped:
        _sync_ticket(ticket)
    return stopped


def clocks_after_status_change(*, ticket: Ticket, old: str, new: str, at: datetime, actor=None):
    """Waiting on the partner pauses, leaving it resumes, resolving stops."""
    waiting, resolved, closed = (
        Ticket.Status.WAITING,
        Ticket.Status.RESOLVED,
        Ticket.Status.CLOSED,
    )
    if old == waiting and new != waiting:
        clocks_resume(ticket=ticket, at=at)
    if new in (resolved, closed):
        clocks_stop_all(ticket=ticket, at=at, actor=actor)
    elif new == waiting and old != waiting:
        clocks_pause(ticket=ticket, at=at)


# --- Class of service and triage ---------------------------------------------------------


def clocks_after_cos_change(*, ticket: Ticket, old: str, actor: User, at: datetime) -> None:
    """Staff set, confirmed or downgraded the class of service.

    That decision is the triage: a waiting out-of-hours triage clock stops. The other clocks
    are recomputed from the creation instant for the new class. A case raised to Critical
    while its support hours are closed starts its own triage clock, unless a NOC engineer
    raised it (then it is triaged already).
    """
    calendars = Calendars()
    clock_stop(ticket=ticket, metric=Metric.OUT_OF_HOURS_TRIAGE, at=at, actor=actor)
    if ticket.cos != old:
        _recompute(ticket, at=at, calendars=calendars, actor=actor)
    critical = Ticket.ClassOfService.CRITICAL
    if ticket.cos == critical and old != critical and not _is_noc(actor):
        _start_triage_if_closed(ticket, at=at, calendars=calendars)


def _is_noc(user: User) -> bool:
    return has_role(user, Role.NOC)


def _recompute(ticket: Ticket, *, at: datetime, calendars: Calendars, actor) -> None:
    recomputed = _deadlines(ticket, cos=ticket.cos, at=ticket.created_at, calendars=calendars)
    found = {
        deadline.metric: deadline
        for deadline in recomputed
        if deadline.metric != Metric.OUT_OF_HOURS_TRIAGE
    }
    existing = {
        clock.metric: clock
        for clock in Clock.objects.filter(ticket=ticket).exclude(metric=Metric.OUT_OF_HOURS_TRIAGE)
    }
    changes, to_arm = [], []
    for metric, deadline in found.items():
        clock = existing.get(metric)
        calendar = calendars[deadline.calendar]
        if clock is None:
            clock = _new_clock(ticket, deadline, calendar, at=ticket.created_at)
            clock.save()
            to_arm.append(clock)
            changes.append({"metric": metric, "old_due": None, "new_due": iso(clock.due_at)})
            continue
        old_due = clock.due_at
        times = clock_rules.schedule(
            calendar,
            started_at=clock.started_at,
            target=deadline.target,
            paused_for=clock.paused_for,
            warning_fraction=warning_fraction(),
        )
        clock.target, clock.calendar = deadline.target, deadline.calendar
        clock.pauses_while_waiting = deadline.pauses_while_waiting
        clock.due_at, clock.warn_at, clock.breach_at = times.due, times.warn_at, times.breach_at
        if clock.stopped_at is not None:
            met = clock_rules.is_met(
                calendar,
                started_at=clock.started_at,
                target=clock.target,
                paused_for=clock.paused_for,
                at=clock.stopped_at,
            )
            clock.state = State.MET if met else State.BREACHED
            clock.breached_at = None if met else clock.breach_at
        elif clock.state == State.BREACHED and clock.breach_at >= at:
            clock.state, clock.breached_at = State.RUNNING, None
        if clock.warned_at is not None and clock.warn_at > at:
            clock.warned_at = None
        clock.save(
            update_fields=[
                "target",
                "calendar",
                "pauses_while_waiting",
                "due_at",
                "warn_at",
                "breach_at",
                "state",
                "breached_at",
                "warned_at",
            ]
        )
        if clock.stopped_at is None:
            to_arm.append(clock)
        changes.append({"metric": metric, "old_due": iso(old_due), "new_due": iso(clock.due_at)})
    for metric, clock in existing.items():
        if metric not in found and clock.stopped_at is None:
            clock.delete()
            changes.append({"metric": metric, "old_due": iso(clock.due_at), "new_due": None})
    events.sla_recomputed(ticket, actor=actor, cos=ticket.cos, changes=changes, at=at)
    _sync_ticket(ticket)
    _arm(to_arm)


def _start_triage_if_closed(ticket: Ticket, *, at: datetime, calendars: Calendars) -> None:
    if Clock.objects.filter(ticket=ticket, metric=Metric.OUT_OF_HOURS_TRIAGE).exists():
        return
    triage = [
        deadline
        for deadline in _deadlines(ticket, cos=ticket.cos, at=at, calendars=calendars)
        if deadline.metric == Metric.OUT_OF_HOURS_TRIAGE
    ]
    if not triage:  # the region is open: agents are at their desks
        return
    clock = _new_clock(ticket, triage[0], calendars[triage[0].calendar], at=at)
    clock.save()
    _sync_ticket(ticket)
    _arm([clock])
    _tell_noc_out_of_hours(ticket)


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


# --- The timed transitions ---------------------------------------------------------------


def _metric_label(metric: str) -> str:
    return Metric(metric).label


def clock_warn(*, clock_id: int, now: datetime) -> bool:
    """Record the warning if it is due and not yet given; tell who should act."""
    with transaction.atomic():
        warned = Clock.objects.filter(
            pk=clock_id, state=State.RUNNING, warned_at=None, warn_at__lte=now
        ).update(warned_at=now)
        if not warned:
            return False
        clock = Clock.objects.select_related("ticket__assignee", "ticket__organisation").get(
            pk=clock_id
        )
        ticket = clock.ticket
        events.sla_warning(ticket, metric=clock.metric, due=clock.due_at, at=now)
        recipients = [ticket.assignee] if ticket.assignee_id else staff_with_role(Role.AGENT)
        notifications.notify(
            recipients,
            kind=Notification.Kind.SLA_WARNING,
            ticket=ticket,
            title=f"{ticket.number} {_metric_label(clock.metric)} due soon",
            body=f"{ticket.organisation.name}: {ticket.subject}",
            due=clock.due_at,
        )
    return True


def clock_breach(*, clock_id: int, now: datetime) -> bool:
    """Record the breach if the clock has run past its breach instant; escalate."""
    with transaction.atomic():
        breached = Clock.objects.filter(pk=clock_id, state=State.RUNNING, breach_at__lt=now).update(
            state=State.BREACHED, breached_at=F("breach_at")
        )
        if not breached:
            return False
        clock = Clock.objects.select_related("ticket__assignee", "ticket__organisation").get(
            pk=clock_id
        )
        ticket = clock.ticket
        events.sla_breached(ticket, metric=clock.metric, due=clock.due_at, at=now)
        recipients = [ticket.assignee] if ticket.assignee_id else []
        recipients += staff_with_role(Role.LEAD)
        if ticket.cos == Ticket.ClassOfService.CRITICAL:
            recipients += staff_with_role(Role.NOC)
        notifications.notify(
            recipients,
            kind=Notification.Kind.SLA_BREACH,
            ticket=ticket,
            title=f"{ticket.number} {_metric_label(clock.metric)} breached",
            body=f"{ticket.organisation.name}: {ticket.subject}",
            due=clock.due_at,
        )
    return True


@dataclass(frozen=True)
class SweepResult:
    breached: int
    warned: int
    armed: int


def sla_sweep(*, now: datetime, lookahead: timedelta) -> SweepResult:
    """Act on every breach and warning that is due (breaches first, so a clock found late
    is not warned after it breached), then queue precise timers for what falls due before
    the next sweep."""
    breached = warned = 0
    while True:
        due = list(selectors.breaches_due(now=now))
        breached += sum(clock_breach(clock_id=pk, now=now) for pk in due)
        if len(due) < selectors.SWEEP_BATCH:
            break
    while True:
        due = list(selectors.warnings_due(now=now))
        warned += sum(clock_warn(clock_id=pk, now=now) for pk in due)
        if len(due) < selectors.SWEEP_BATCH:
            break
    plan = list(selectors.timers_coming(now=now, until=now + lookahead))
    timers.arm_many(plan, now=now, horizon=lookahead)
    return SweepResult(breached=breached, warned=warned, armed=len(plan))


# --- Monitoring alerts ---------------------------------------------------------------------


def alerts_mark_reviewed(
    *, alert_ids: Iterable[int], actor: User, now: datetime | None = None
) -> int:
    """The NOC has looked at these unmatched alerts; any other alert is left as it is.
    Returns how many were marked."""
    return MonitoringAlert.objects.filter(
        pk__in=list(alert_ids), outcome=MonitoringAlert.Outcome.UNMATCHED
    ).update(
        outcome=MonitoringAlert.Outcome.REVIEWED,
        reviewed_by=actor,
        reviewed_at=now or timezone.now(),
    )
