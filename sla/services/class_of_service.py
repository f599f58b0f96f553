"""Staff set, confirm or downgrade a case's class of service: the decision is its triage,
and the clocks are worked out again from the creation instant for the new class."""

from datetime import datetime

from django.core.exceptions import ValidationError

from partners.models import ExtendedSupportExclusion, User
from partners.roles import Role, has_role
from sla import clocks as clock_rules
from sla import events, targets
from sla.businesstime import BusinessCalendar
from sla.models import NOC_METRICS, Clock
from sla.services.common import (
    Calendars,
    Metric,
    State,
    clock_new,
    deadlines_for,
    excluded_from_extended_support,
    noc_tell_out_of_hours,
    ticket_sync,
    timers_arm,
    warning_fraction,
)
from sla.services.lifecycle import clock_stop
from tickets.events import iso
from tickets.models import Ticket

# What a recomputation may change on a clock that already exists.
RETARGETED_FIELDS = [
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


def clocks_after_cos_change(
    *, ticket: Ticket, old: str, actor: User, at: datetime, override_reason: str = ""
) -> None:
    """Staff set, confirmed or downgraded the class of service (or left it Standard).

    That decision is the triage: a waiting out-of-hours triage or investigation clock stops
    (met or missed, on the timeline). The other clocks are recomputed from the creation
    instant for the new class. A case raised to Critical while its support hours are closed
    starts its own triage clock, unless a NOC engineer raised it (then it is triaged
    already) or extended support does not cover it (the NOC is not paged for it).

    Critical on a case that extended support does not cover (16.5) needs
    ``override_reason``, recorded on the internal timeline; without it, ValidationError on
    ``override_reason`` (the caller's transaction is rolled back, the class unchanged).
    """
    critical_override_check(ticket=ticket, actor=actor, at=at, override_reason=override_reason)
    calendars = Calendars()
    for metric in NOC_METRICS:
        clock_stop(ticket=ticket, metric=metric, at=at, actor=actor)
    if ticket.cos != old:
        _recompute(ticket, at=at, calendars=calendars, actor=actor)
    critical = Ticket.ClassOfService.CRITICAL
    if ticket.cos == critical and old != critical and not _is_noc(actor):
        _start_triage_if_closed(ticket, at=at, calendars=calendars)


def critical_override_check(
    *, ticket: Ticket, actor: User, at: datetime, override_reason: str
) -> None:
    """Critical on a case filed where extended support does not apply (hardware, connectivity,
    planned work) is an exception staff make knowingly: they give the override reason, and
    it is recorded. Nothing to do for Standard, or for a case that is covered."""
    if ticket.cos != Ticket.ClassOfService.CRITICAL:
        return
    exclusion = excluded_from_extended_support(ticket)
    if not exclusion:
        return
    reason = override_reason.strip()
    if not reason:
        label = ExtendedSupportExclusion(exclusion).label
        raise ValidationError(
            {
                "override_reason": (
                    f"This case is filed under “{label}”, which is not handled as Critical. "
                    "To confirm Critical anyway, give the reason for the exception."
                )
            }
        )
    events.critical_override(ticket, actor=actor, exclusion=exclusion, reason=reason, at=at)


def _is_noc(user: User) -> bool:
    return has_role(user, Role.NOC)


def _recompute(ticket: Ticket, *, at: datetime, calendars: Calendars, actor) -> None:
    """Give each clock the deadline of the new class: add the clocks it gains, move the ones
    it keeps, drop the ones still counting that it no longer has. The NOC's clocks are left
    to ``clocks_after_cos_change``."""
    found = _deadlines_by_metric(ticket, calendars=calendars)
    existing = {
        clock.metric: clock
        for clock in Clock.objects.filter(ticket=ticket).exclude(metric__in=NOC_METRICS)
    }
    changes, to_arm = [], []
    for metric, deadline in found.items():
        clock = existing.get(metric)
        calendar = calendars[deadline.calendar]
        if clock is None:
            clock = clock_new(ticket, deadline, calendar, at=ticket.created_at)
            clock.save()
            to_arm.append(clock)
            changes.append({"metric": metric, "old_due": None, "new_due": iso(clock.due_at)})
            continue
        old_due = clock.due_at
        _retarget(clock, deadline, calendar, at=at)
        if clock.stopped_at is None:
            to_arm.append(clock)
        changes.append({"metric": metric, "old_due": iso(old_due), "new_due": iso(clock.due_at)})
    changes += _drop_unlisted(existing, found)
    events.sla_recomputed(ticket, actor=actor, cos=ticket.cos, changes=changes, at=at)
    ticket_sync(ticket)
    timers_arm(to_arm)


def _deadlines_by_metric(ticket: Ticket, *, calendars: Calendars) -> dict[str, targets.Deadline]:
    """The new class's deadlines from the creation instant, the NOC's clocks aside."""
    recomputed = deadlines_for(ticket, cos=ticket.cos, at=ticket.created_at, calendars=calendars)
    return {
        deadline.metric: deadline for deadline in recomputed if deadline.metric not in NOC_METRICS
    }


def _retarget(
    clock: Clock, deadline: targets.Deadline, calendar: BusinessCalendar, *, at: datetime
) -> None:
    """Move an existing clock to ``deadline``, keeping the pauses it had, and decide again
    whether it is met, breached or still running."""
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
    _restate(clock, calendar, at=at)
    clock.save(update_fields=RETARGETED_FIELDS)


def _restate(clock: Clock, calendar: BusinessCalendar, *, at: datetime) -> None:
    """A stopped clock is met or breached on its new target; a running one breached before
    is running again when its new breach lies ahead, and a warning not yet due is undone."""
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


def _drop_unlisted(existing: dict[str, Clock], found: dict[str, targets.Deadline]) -> list[dict]:
    """Delete the clocks still counting whose metric the new class does not have."""
    changes = []
    for metric, clock in existing.items():
        if metric not in found and clock.stopped_at is None:
            clock.delete()
            changes.append({"metric": metric, "old_due": iso(clock.due_at), "new_due": None})
    return changes


def _start_triage_if_closed(ticket: Ticket, *, at: datetime, calendars: Calendars) -> None:
    if Clock.objects.filter(ticket=ticket, metric=Metric.OUT_OF_HOURS_TRIAGE).exists():
        return
    if excluded_from_extended_support(ticket):  # the NOC is never paged for these
        return
    triage = [
        deadline
        for deadline in deadlines_for(ticket, cos=ticket.cos, at=at, calendars=calendars)
        if deadline.metric == Metric.OUT_OF_HOURS_TRIAGE
    ]
    if not triage:  # the region is open: agents are at their desks
        return
    clock = clock_new(ticket, triage[0], calendars[triage[0].calendar], at=at)
    clock.save()
    ticket_sync(ticket)
    timers_arm([clock])
    noc_tell_out_of_hours(ticket)
