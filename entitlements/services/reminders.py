"""The reminders of a booked remote intervention, 24 hours and 1 hour before its start,
to the requester (e-mail) and the assigned agent (the staff outbox).

Like the SLA timers, they are queued as ETA tasks once a booking commits, when they fall
within the broker's horizon, and a beat sweep over the indexed start
(``interventions_sweep``) sends what is due and queues what comes near. A conditional
UPDATE on ``reminded_*_at`` sends each reminder exactly once, whoever runs it. When each
one goes is ``entitlements.workflow.REMINDERS``'.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.formatting import local_datetime_text
from entitlements.models import Intervention
from entitlements.services.common import queue_mail, record
from entitlements.workflow import REMINDERS, Reminder
from sla.timers import default_horizon
from tickets import notifications
from tickets.events import iso

logger = logging.getLogger(__name__)

State = Intervention.State

SWEEP_BATCH = 500

# (intervention id, reminder key, when it is due)
Plan = list[tuple[int, str, datetime]]


def _sent_field(reminder: Reminder) -> str:
    return f"reminded_{reminder.key}_at"


def _not_sent(reminder: Reminder) -> Q:
    """Confirmed, not yet sent, and booked before its time."""
    return Q(
        state=State.CONFIRMED,
        **{f"{_sent_field(reminder)}__isnull": True},
        confirmed_at__lte=F("confirmed_start") - reminder.lead,
    )


def _is_due(reminder: Reminder, now: datetime) -> Q:
    """Not sent, and due now: its time has come and no later reminder's has."""
    return _not_sent(reminder) & Q(
        confirmed_start__lte=now + reminder.lead,
        confirmed_start__gt=now + reminder.until,
    )


def booking_plan(intervention_id: int, *, start: datetime, booked_at: datetime) -> Plan:
    """The reminders a start booked at ``booked_at`` gets, with when each is due."""
    return [
        (intervention_id, reminder.key, due)
        for reminder in REMINDERS.values()
        if (due := reminder.due_at(start=start, booked_at=booked_at)) is not None
    ]


def reminders_due(*, now: datetime) -> list[tuple[int, str]]:
    """(intervention id, reminder key) of the reminders to send now, soonest start first."""
    due = []
    for reminder in REMINDERS.values():
        ids = (
            Intervention.objects.filter(_is_due(reminder, now))
            .order_by("confirmed_start")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        due += [(pk, reminder.key) for pk in ids]
    return due


def reminders_coming(*, now: datetime, until: datetime) -> Plan:
    """(intervention id, reminder key, when) of the reminders falling due in (now, until]."""
    coming = []
    for reminder in REMINDERS.values():
        rows = (
            Intervention.objects.filter(
                _not_sent(reminder),
                confirmed_start__gt=now + reminder.lead,
                confirmed_start__lte=until + reminder.lead,
            )
            .order_by("confirmed_start")
            .values_list("pk", "confirmed_start")[:SWEEP_BATCH]
        )
        coming += [(pk, reminder.key, start - reminder.lead) for pk, start in rows]
    return coming


def intervention_remind(*, intervention_id: int, which: str, now: datetime) -> bool:
    """Send the ``which`` reminder if it is due and nobody sent it yet. True when sent here."""
    reminder = REMINDERS[which]
    with transaction.atomic():
        claimed = Intervention.objects.filter(_is_due(reminder, now), pk=intervention_id).update(
            **{_sent_field(reminder): now}
        )
        if not claimed:
            return False
        intervention = Intervention.objects.select_related("ticket__assignee", "confirmed_by").get(
            pk=intervention_id
        )
        record(
            intervention,
            "intervention_reminded",
            actor=None,
            at=now,
            reminder=reminder.key,
            start=iso(intervention.confirmed_start),
        )
        _tell_agent(intervention, reminder)
        queue_mail(intervention, f"reminder_{which}")
    return True


def _tell_agent(intervention: Intervention, reminder: Reminder) -> None:
    """The assigned agent's notice; whoever booked it when nobody is assigned."""
    ticket = intervention.ticket
    agent = ticket.assignee or intervention.confirmed_by
    if agent is None:
        return
    starts = local_datetime_text(intervention.confirmed_start, tz=agent.effective_time_zone)
    notifications.notify(
        [agent],
        kind="intervention_reminder",
        ticket=ticket,
        title=f"{ticket.number}: remote intervention in {reminder.label}",
        body=(
            f"{intervention.get_platform_display()}, starts {starts} for "
            f"{intervention.duration_minutes} minutes. The access the partner "
            "described is on the case."
        ),
    )


def arm(
    plan: Iterable[tuple[int, str, datetime]],
    *,
    now: datetime | None = None,
    horizon: timedelta | None = None,
) -> int:
    """Queue ETA tasks for the reminders of ``(id, key, due)`` within the horizon (the same
    as the SLA timers'); the sweep queues the rest when they come near. Returns how many."""
    from entitlements.tasks import remind_intervention

    now = now or timezone.now()
    limit = now + (horizon if horizon is not None else default_horizon())
    queued = 0
    try:
        for intervention_id, which, due in plan:
            if due <= limit:
                remind_intervention.apply_async(args=[intervention_id, which], eta=due)
                queued += 1
    except Exception:
        logger.exception("Intervention reminders not queued; the sweep will send them when due")
    return queued


@dataclass(frozen=True)
class SweepResult:
    reminded: int
    armed: int


def interventions_sweep(*, now: datetime, lookahead: timedelta) -> SweepResult:
    """Send every reminder that is due, then queue those falling due before the next sweep."""
    reminded = 0
    while True:
        due = reminders_due(now=now)
        reminded += sum(
            intervention_remind(intervention_id=pk, which=which, now=now) for pk, which in due
        )
        if len(due) < SWEEP_BATCH:
            break
    plan = reminders_coming(now=now, until=now + lookahead)
    arm(plan, now=now, horizon=lookahead)
    return SweepResult(reminded=reminded, armed=len(plan))
