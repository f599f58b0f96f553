"""What the clock services share: the calendars of one operation, the deadlines a case's
policy sets, new clocks, their timers, and the case's nearest breach kept in step."""

from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Min

from partners.extended_support import exclusion_for
from partners.roles import Role
from partners.selectors import staff_with_role
from sla import clocks as clock_rules
from sla import targets, timers
from sla.businesstime import BusinessCalendar
from sla.calendars import ALWAYS, business_calendar, business_calendars
from sla.models import Clock
from sla.selectors import target_rules
from tickets import notifications
from tickets.models import Notification, Ticket

Metric = Clock.Metric
State = Clock.State


def warning_fraction() -> float:
    return settings.SLA_WARNING_PERCENT / 100


class Calendars:
    """The calendars one operation needs, each read from the database once; ``codes``
    are read at once (one round trip to the shared cache)."""

    def __init__(self, codes: list[str] | None = None) -> None:
        self._loaded: dict[str, BusinessCalendar] = business_calendars(codes) if codes else {}

    def loaded(self, code: str) -> BusinessCalendar | None:
        """The calendar ``code`` if it has been read already."""
        return self._loaded.get(code)

    def __getitem__(self, code: str) -> BusinessCalendar:
        if code not in self._loaded:
            self._loaded[code] = business_calendar(code)
        return self._loaded[code]


def deadlines_for(ticket: Ticket, *, cos: str, at: datetime, calendars: Calendars):
    region = ticket.organisation.region
    return targets.deadlines(
        target_rules(ticket.policy_id),
        case_type=ticket.case_type.code,
        reason=ticket.reason.code if ticket.reason_id else None,
        cos=cos,
        created_at=at,
        region=calendars[region],
        region_code=region,
        always=calendars[ALWAYS],
    )


def clock_new(ticket: Ticket, deadline: targets.Deadline, calendar: BusinessCalendar, *, at):
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


def timers_arm(clocks: list[Clock]) -> None:
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


def ticket_sync(ticket: Ticket) -> None:
    """Keep the case's nearest breach (the queue's sort key) in step with its clocks."""
    nearest = Clock.objects.filter(
        ticket_id=ticket.pk, stopped_at=None, state__in=[State.RUNNING, State.BREACHED]
    ).aggregate(nearest=Min("breach_at"))["nearest"]
    Ticket.objects.filter(pk=ticket.pk).update(next_breach_at=nearest)
    ticket.next_breach_at = nearest


def excluded_from_extended_support(ticket: Ticket) -> str:
    """What 16.5 leaves out of extended support for this case's taxonomy ("" when covered):
    the NOC is never paged for such a case."""
    return exclusion_for(ticket.reason, ticket.category, ticket.subcategory)


def noc_tell_out_of_hours(ticket: Ticket) -> None:
    notifications.notify(
        staff_with_role(Role.NOC),
        kind=Notification.Kind.OUT_OF_HOURS,
        ticket=ticket,
        title=f"{ticket.number} Critical outside support hours: triage needed",
        body=f"{ticket.organisation.name}: {ticket.subject}",
    )
