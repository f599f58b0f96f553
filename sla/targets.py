"""Which SLA metrics apply to a case, and when each is due. Pure: plain values in.

The policy version lists its targets (``partners.ResponseTarget``); for each metric the most
specific matching row wins: one naming a reason beats one naming a case type, which beats
one for every type; a row for the case's class of service beats one for any class.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sla.businesstime import BusinessCalendar

BUSINESS_TIME = "business_time"
SAME_WORKING_DAY = "same_working_day"
REGION = "region"


@dataclass(frozen=True)
class TargetRule:
    metric: str
    case_type: str | None  # code; None for every type
    reason: str | None  # code; None for every reason
    class_of_service: str  # "" for any
    kind: str  # BUSINESS_TIME or SAME_WORKING_DAY
    target: timedelta | None
    calendar: str  # REGION or "24x7"
    only_outside_support_hours: bool = False
    pauses_while_waiting: bool = False


@dataclass(frozen=True)
class Deadline:
    metric: str
    due: datetime
    # When the clock is breached: the due instant, or the next opening after it, since met
    # or breached is decided on business time.
    breach_at: datetime
    target: timedelta
    calendar: str
    pauses_while_waiting: bool
    kind: str = BUSINESS_TIME  # the rule's, to word the target as the terms do


def _matches(rule: TargetRule, case_type: str, reason: str | None, cos: str) -> bool:
    return (
        rule.case_type in (None, case_type)
        and rule.reason in (None, reason)
        and rule.class_of_service in ("", cos)
    )


def _specificity(rule: TargetRule) -> tuple[int, int, int]:
    return (rule.reason is not None, rule.case_type is not None, rule.class_of_service != "")


def rule_for(
    rules: list[TargetRule], *, metric: str, case_type: str, reason: str | None, cos: str
) -> TargetRule | None:
    """The rule ``metric`` of a case follows (the most specific that matches), to word its
    target as the terms do; None when none matches."""
    found = [
        rule for rule in rules if rule.metric == metric and _matches(rule, case_type, reason, cos)
    ]
    return max(found, key=_specificity, default=None)


def deadlines(
    rules: list[TargetRule],
    *,
    case_type: str,
    reason: str | None,
    cos: str,
    created_at: datetime,
    region: BusinessCalendar,
    region_code: str,
    always: BusinessCalendar,
) -> list[Deadline]:
    """Every metric that applies to a case opened at ``created_at``, with its due time."""
    region_open = region.is_open(created_at)
    best: dict[str, TargetRule] = {}
    for rule in rules:
        if not _matches(rule, case_type, reason, cos):
            continue
        if rule.only_outside_support_hours and region_open:
            continue
        current = best.get(rule.metric)
        if current is None or _specificity(rule) > _specificity(current):
            best[rule.metric] = rule
    found = []
    for metric, rule in best.items():
        calendar = region if rule.calendar == REGION else always
        if rule.kind == SAME_WORKING_DAY:
            due = calendar.working_day_close(created_at)
            target = calendar.elapsed(created_at, due)
        else:
            target = rule.target
            due = calendar.add(created_at, target)
        found.append(
            Deadline(
                metric=metric,
                due=due,
                breach_at=calendar.next_open(due),
                target=target,
                calendar=region_code if rule.calendar == REGION else rule.calendar,
                pauses_while_waiting=rule.pauses_while_waiting,
                kind=rule.kind,
            )
        )
    return sorted(found, key=lambda d: (d.due, d.metric))
