"""Reads for SLA: the targets of a policy version as plain rules, and due times."""

from datetime import datetime

from partners.models import PolicyVersion, ResponseTarget
from partners.selectors import policy_in_force
from sla import targets
from sla.calendars import ALWAYS, business_calendar


def target_rules(policy: PolicyVersion) -> list[targets.TargetRule]:
    rows = ResponseTarget.objects.filter(policy=policy).select_related("case_type", "reason")
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


def deadlines_for(
    *,
    region: str,
    case_type: str,
    cos: str,
    at: datetime,
    reason: str | None = None,
    policy: PolicyVersion | None = None,
) -> tuple[PolicyVersion, list[targets.Deadline]]:
    policy = policy or policy_in_force(at)
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
