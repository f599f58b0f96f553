"""What a request for a remote intervention must satisfy, in the words the partner reads.

The request form (``entitlements.forms``) asks the same questions field by field; the
service (``entitlements.services.interventions``) asks them all again before it writes.
The decisions themselves are ``entitlements.rules``'. ``cover_for`` reads what pays for an
intervention on a case from the organisation's entitlements on record.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from core.formatting import local_datetime_text
from entitlements import rules, selectors
from entitlements.models import Intervention
from tickets.models import Ticket

Platform = Intervention.Platform

MAX_SLOTS = 3
TOOL_NAMES = {
    "teamviewer": "TeamViewer",
    "anydesk": "AnyDesk",
    "splashtop": "Splashtop",
    "logmein": "LogMeIn",
}


def cover_for(ticket: Ticket, *, at: datetime) -> rules.InterventionCover:
    """How an intervention on ``ticket`` asked for at ``at`` is paid for, from the
    organisation's entitlements on record and the case's topic and device."""
    organisation = ticket.organisation
    grants = [
        selectors.as_grant(entitlement) for entitlement in selectors.entitlements_of(organisation)
    ]
    return rules.intervention_cover(
        grants=grants,
        topic=rules.Topic(
            case_type=ticket.case_type.code,
            reason=ticket.reason.code if ticket.reason_id else None,
            category=ticket.category.code if ticket.category_id else None,
        ),
        serial=ticket.device.serial_number if ticket.device_id else None,
        at=at,
        tz=organisation.time_zone,
    )


def cover_problem(cover: rules.InterventionCover) -> str | None:
    """The refusal in words, with what would cover the intervention."""
    if cover.allowed:
        return None
    return " ".join((cover.reason, *cover.suggestions))


def checklist_missing(platform: str, ticked: Iterable[str]) -> list[str]:
    """The platform's remote-access items not ticked, in the checklist's order."""
    ticked = set(ticked)
    return [item for item in rules.REMOTE_ACCESS[rules.Platform(platform)] if item not in ticked]


def checklist_problem(platform: str, ticked: Iterable[str]) -> str | None:
    missing = checklist_missing(platform, ticked)
    if not missing:
        return None
    return (
        f"Tick every remote-access item for {Platform(platform).label}: the intervention "
        f"needs them all. Not ticked: {' '.join(missing)}"
    )


def access_problem(text: str) -> str | None:
    tool = rules.remote_tool_refused(text)
    if tool is None:
        return None
    name = TOOL_NAMES.get(tool, tool.capitalize())
    return (
        f"{name} cannot be used: its licence does not allow our technicians to use it, nor "
        "any other commercial remote-control tool (TeamViewer, AnyDesk and the like). "
        "Describe SSH, remote desktop, VNC or web admin access instead."
    )


def slot_problem(slot: datetime, *, requested_at: datetime, free: bool, tz: str) -> str | None:
    """Why ``slot`` cannot be asked for now, naming the earliest possible slot in ``tz``."""
    if rules.slot_allowed(slot_start=slot, requested_at=requested_at, free=free):
        return None
    earliest = local_datetime_text(rules.earliest_slot(requested_at=requested_at, free=free), tz=tz)
    if free:
        notice = int(rules.FREE_INTERVENTION_NOTICE.total_seconds() // 3600)
        return (
            f"A free intervention must be asked for at least {notice} hours ahead: the "
            f"earliest possible slot is {earliest}."
        )
    return f"That time is too soon: the earliest possible slot is {earliest}."


def slots_problems(
    slots: Sequence[datetime], *, requested_at: datetime, free: bool, tz: str
) -> list[str]:
    if not slots:
        return ["Give at least one preferred slot."]
    if len(slots) > MAX_SLOTS:
        return [f"Give at most {MAX_SLOTS} preferred slots."]
    if len({slot.astimezone(UTC) for slot in slots}) < len(slots):
        return ["Give a different time for each slot."]
    return [
        f"{local_datetime_text(slot, tz=tz)}: {problem}"
        for slot in slots
        if (problem := slot_problem(slot, requested_at=requested_at, free=free, tz=tz))
    ]


def request_errors(
    *,
    platform: str,
    checklist: Sequence[str],
    access_description: str,
    free: bool,
    slots: Sequence[datetime],
    now: datetime,
    tz: str,
) -> dict[str, list[str]]:
    """Every problem with a request, by field; empty when it may be written."""
    errors: dict[str, list[str]] = {}
    if platform not in Platform.values:
        errors["platform"] = ["Choose the platform."]
    elif problem := checklist_problem(platform, checklist):
        errors["checklist"] = [problem]
    if not access_description.strip():
        errors["access_description"] = ["Describe how our technician reaches the system."]
    elif problem := access_problem(access_description):
        errors["access_description"] = [problem]
    if problems := slots_problems(slots, requested_at=now, free=free, tz=tz):
        errors["slots"] = problems
    return errors
