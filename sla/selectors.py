"""Reads for SLA: the targets of a policy version as plain rules, due times, and a case's
clocks as support staff see them."""

from datetime import datetime, tzinfo

from django.db.models import Q

from partners.models import PolicyVersion
from partners.policy_cache import policy_reference
from partners.selectors import policy_in_force
from sla import display, targets
from sla.businesstime import BusinessCalendar
from sla.calendars import ALWAYS, business_calendar, support_zone
from sla.models import Clock
from tickets.models import Ticket


def target_rules(policy: PolicyVersion | int) -> list[targets.TargetRule]:
    """The response targets of the version (or the version with this id) as plain rules,
    from ``partners.policy_cache``: a case's ``policy_id`` is enough, its row is not read."""
    rows = policy_reference().targets(policy if isinstance(policy, int) else policy.pk)
    return [
        targets.TargetRule(
            metric=row.metric,
            case_type=row.case_type.code if row.case_type_id else None,
            reason=row.reason.code if row.reason_id else None,
            class_of_service=row.class_of_service,
            kind=row.kind,
            target=row.target,
            calendar=row.calendar,
            only_outside_support_hours=row.only_outside_support_hours,
            pauses_while_waiting=row.pauses_while_waiting,
        )
        for row in rows
    ]


def policy_in_force_for(
    *, region: str, at: datetime, calendar: BusinessCalendar | None = None
) -> PolicyVersion:
    """The version of the terms in force at ``at`` for an organisation of ``region``: dates
    are read in the zone of the region's support calendar (``calendar``, when the caller
    has read it), so a version takes effect at local midnight there
    (``partners.policy_dates``). Every case opened, every preview of its deadlines and the
    ``sla_deadline`` command pick the version here. Raises ``NoPolicyInForce``."""
    zone = calendar.tz.key if calendar is not None else support_zone(region)
    return policy_in_force(at, zone=zone)


def deadlines_for(
    *,
    region: str,
    case_type: str,
    cos: str,
    at: datetime,
    reason: str | None = None,
    policy: PolicyVersion | None = None,
) -> tuple[PolicyVersion, list[targets.Deadline]]:
    policy = policy or policy_in_force_for(region=region, at=at)
    found = targets.deadlines(
        target_rules(policy),
        case_type=case_type,
        reason=reason,
        cos=cos,
        created_at=at,
        region=business_calendar(region),
        region_code=region,
        always=business_calendar(ALWAYS),
    )
    return policy, found


def service_levels_for_staff(
    ticket: Ticket, *, now: datetime, tz: tzinfo
) -> list[display.ServiceLevel]:
    """Every clock of a case a staff member got through ``ticket_for``, triage included,
    earliest due first. A calendar is read only for clocks whose time left or overrun needs
    it (at most two per case)."""
    calendars: dict[str, BusinessCalendar] = {}
    levels = []
    clocks = display.clocks_for_viewer(ticket.clocks.all(), internal=True)
    rules = target_rules(ticket.policy_id) if clocks else []
    for clock in clocks:
        calendar = None
        if display.needs_calendar(clock):
            if clock.calendar not in calendars:
                calendars[clock.calendar] = business_calendar(clock.calendar)
            calendar = calendars[clock.calendar]
        rule = targets.rule_for(
            rules,
            metric=clock.metric,
            case_type=ticket.case_type.code,
            reason=ticket.reason.code if ticket.reason_id else None,
            cos=ticket.cos,
        )
        levels.append(
            display.service_level(
                clock,
                tz=tz,
                now=now,
                calendar=calendar,
                kind=rule.kind if rule else targets.BUSINESS_TIME,
            )
        )
    return levels


# --- The sweep's questions, each answered from a partial index ------------------------------

# Clocks the sweep acts on per query; it asks again until fewer come back.
SWEEP_BATCH = 500


def breaches_due(*, now: datetime):
    """Ids of running clocks past their breach instant, oldest first (``clock_breach_pending``)."""
    return (
        Clock.objects.filter(state=Clock.State.RUNNING, breach_at__lt=now)
        .order_by("breach_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def warnings_due(*, now: datetime):
    """Ids of running clocks past their warning point and not yet warned, earliest first,
    read from ``clock_warning_pending``.

    A late warning is never given, but "not yet at the breach instant" is left to
    ``clock_warn``, which checks it under lock, and to the sweep, which breaches what is due
    first. In the query, PostgreSQL judged ``breach_at > now`` from the whole table, where
    it is rare, though every running clock meets it; it then read every running clock from
    the breach index instead of this one (13 ms instead of a fraction of one at a million
    cases)."""
    return (
        Clock.objects.filter(state=Clock.State.RUNNING, warned_at=None, warn_at__lte=now)
        .order_by("warn_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def timers_coming(*, now: datetime, until: datetime):
    """``(id, warn_at, breach_at)`` of running clocks with a warning or breach in
    ``[now, until)``: the timers to queue before the next sweep."""
    return (
        Clock.objects.filter(
            Q(breach_at__gte=now, breach_at__lt=until)
            | Q(warned_at=None, warn_at__gt=now, warn_at__lt=until),
            state=Clock.State.RUNNING,
        )
        .order_by()
        .values_list("pk", "warn_at", "breach_at")
    )
