"""The two timed transitions of a clock, warning and breach, with the people they alert,
and the sweep that catches any a lost timer missed."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from partners.roles import Role
from partners.selectors import staff_with_role
from sla import events, selectors, timers
from sla.models import Clock
from sla.services.common import Metric, State
from tickets import notifications
from tickets.models import Notification, Ticket


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
