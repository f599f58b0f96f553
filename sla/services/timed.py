"""The two timed transitions of a clock, warning and breach, with the people they alert,
and the sweep that catches any a lost timer missed."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q

from partners.roles import Role
from partners.selectors import staff_with_role
from sla import events, selectors, timers
from sla.models import Clock
from sla.services.common import Metric, State, excluded_from_extended_support
from tickets import notifications
from tickets.models import Notification, Ticket


def _metric_label(metric: str) -> str:
    return Metric(metric).label


def _noc_concerned(ticket: Ticket, metric: str) -> bool:
    """The NOC hears of a Critical case's clocks and of its own investigation of a new case
    out of hours, never of a case that extended support does not cover (16.5)."""
    concerned = (
        ticket.cos == Ticket.ClassOfService.CRITICAL or metric == Metric.OUT_OF_HOURS_INVESTIGATION
    )
    return concerned and not excluded_from_extended_support(ticket)


def _who_acts(ticket: Ticket, metric: str) -> list:
    if ticket.assignee_id:
        return [ticket.assignee]
    if metric == Metric.OUT_OF_HOURS_INVESTIGATION and _noc_concerned(ticket, metric):
        return staff_with_role(Role.NOC)
    return staff_with_role(Role.AGENT)


def _who_escalates(ticket: Ticket, metric: str) -> list:
    recipients = [ticket.assignee] if ticket.assignee_id else []
    recipients += staff_with_role(Role.LEAD)
    if _noc_concerned(ticket, metric):
        recipients += staff_with_role(Role.NOC)
    return recipients


def _clock_step(
    *,
    clock_id: int,
    now: datetime,
    due: Q,
    change: dict,
    record: Callable[..., object],
    kind: str,
    outcome: str,
    recipients: Callable[[Ticket, str], list],
) -> bool:
    """Move a running clock that is ``due`` by ``change``, once: only the caller whose
    update takes it records the event and tells ``recipients`` the clock is ``outcome``."""
    with transaction.atomic():
        taken = Clock.objects.filter(due, pk=clock_id, state=State.RUNNING).update(**change)
        if not taken:
            return False
        clock = Clock.objects.select_related("ticket__assignee", "ticket__organisation").get(
            pk=clock_id
        )
        ticket = clock.ticket
        record(ticket, metric=clock.metric, due=clock.due_at, at=now)
        notifications.notify(
            recipients(ticket, clock.metric),
            kind=kind,
            ticket=ticket,
            title=f"{ticket.number} {_metric_label(clock.metric)} {outcome}",
            body=f"{ticket.organisation.name}: {ticket.subject}",
            due=clock.due_at,
            breach=clock.breach_at,
        )
    return True


def clock_warn(*, clock_id: int, now: datetime) -> bool:
    """Record the warning if it is due and not yet given; tell who should act. A warning
    that runs late (a worker that was down) once the breach instant has come, or on a clock
    already breached, is dropped: nothing is recorded or sent, the breach tells it all."""
    return _clock_step(
        clock_id=clock_id,
        now=now,
        due=Q(warned_at=None, warn_at__lte=now, breach_at__gt=now),
        change={"warned_at": now},
        record=events.sla_warning,
        kind=Notification.Kind.SLA_WARNING,
        outcome="due soon",
        recipients=_who_acts,
    )


def clock_breach(*, clock_id: int, now: datetime) -> bool:
    """Record the breach if the clock has run past its breach instant; escalate."""
    return _clock_step(
        clock_id=clock_id,
        now=now,
        due=Q(breach_at__lt=now),
        change={"state": State.BREACHED, "breached_at": F("breach_at")},
        record=events.sla_breached,
        kind=Notification.Kind.SLA_BREACH,
        outcome="breached",
        recipients=_who_escalates,
    )


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
        given = sum(clock_warn(clock_id=pk, now=now) for pk in due)
        warned += given
        # A batch that gave no warning is one of clocks at their breach instant: the next
        # sweep breaches them, and what comes after them waits for it.
        if len(due) < selectors.SWEEP_BATCH or not given:
            break
    plan = list(selectors.timers_coming(now=now, until=now + lookahead))
    timers.arm_many(plan, now=now, horizon=lookahead)
    return SweepResult(breached=breached, warned=warned, armed=len(plan))
