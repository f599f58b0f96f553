"""A case's timeline in words: one readable line per event, whoever asks.

The caller passes the events it may show (``selectors.events_visible_to``); this module only
words them. Kinds it does not know get a plain line.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from partners.models import User
from sla.models import Clock
from tickets.models import Event, Ticket

STATUS = dict(Ticket.Status.choices)
COS = dict(Ticket.ClassOfService.choices)
CHANNEL = dict(Ticket.Channel.choices)
METRIC = dict(Clock.Metric.choices)


@dataclass(frozen=True)
class Entry:
    kind: str
    at: datetime
    actor: str
    text: str
    detail: str = ""
    public: bool = False


def _name(user: User | None) -> str:
    return user.get_full_name() if user is not None else "The system"


def _label(table: dict[str, str], value) -> str:
    return table.get(value, str(value or "—"))


def _assigned(data: dict, names: dict[int, str]) -> str:
    new_name = data.get("name") or names.get(data.get("new"), "")
    old_name = names.get(data.get("old"), "")
    if data.get("new") is None:
        return f"Unassigned (was {old_name})" if old_name else "Unassigned"
    if old_name:
        return f"Reassigned from {old_name} to {new_name}"
    return f"Assigned to {new_name}"


def _text(event: Event, names: dict[int, str]) -> tuple[str, str]:
    data = event.data or {}
    match event.kind:
        case "created":
            channel = _label(CHANNEL, data.get("channel"))
            terms = f"terms {data['policy']}" if data.get("policy") else ""
            detail = ", ".join(
                part for part in (f"class of service {_label(COS, data.get('cos'))}", terms) if part
            )
            return f"Case opened ({channel})", detail
        case "status_changed":
            old, new = _label(STATUS, data.get("old")), _label(STATUS, data.get("new"))
            return f"Status changed from {old} to {new}", data.get("note", "")
        case "assigned":
            return _assigned(data, names), ""
        case "cos_changed":
            old, new = _label(COS, data.get("old")), _label(COS, data.get("new"))
            text = (
                f"Class of service confirmed as {new}"
                if old == new
                else f"Class of service changed from {old} to {new}"
            )
            return text, data.get("reason", "")
        case "public_reply":
            return "Public reply", _via(data)
        case "internal_note":
            return "Internal note (not visible to the partner)", _via(data)
        case "feedback":
            return f"Feedback given: {data.get('rating', '?')} out of 5", ""
        case "follow_up_opened":
            return f"Follow-up case {data.get('number', '')} opened", ""
        case "sla_stopped":
            outcome = "met" if data.get("met") else "missed"
            return f"{_metric(data)} target {outcome}", ""
        case "sla_paused":
            return f"{_metric(data)} clock paused while waiting on the partner", ""
        case "sla_resumed":
            return f"{_metric(data)} clock resumed", ""
        case "sla_warning":
            return f"{_metric(data)} due soon: warning sent", ""
        case "sla_breached":
            return f"{_metric(data)} target breached: escalated", ""
        case "sla_recomputed":
            return f"SLA clocks recomputed for {_label(COS, data.get('cos'))}", ""
        case "service_restored":
            return "Service restored", data.get("note", "")
        case "time_logged":
            billable = "billable" if data.get("billable") else "not billable"
            detail = f"override: {data['override']}" if data.get("override") else ""
            return f"{data.get('minutes', '?')} minutes of work logged ({billable})", detail
        case "bundle_low":
            return data.get("text", "Support hours running low"), ""
        case kind if kind.startswith("hwaas_"):
            # Hardware request steps carry their own words (hwaas.services).
            return data.get("text", ""), data.get("detail", "")
        case kind if kind.startswith("intervention_"):
            return _intervention(data)
        case _:
            return event.kind.replace("_", " ").capitalize(), ""


def _intervention(data: dict) -> tuple[str, str]:
    """Remote intervention steps carry their own words (entitlements.interventions); their
    times are stored as instants and worded here in the reader's zone."""
    text, detail = data.get("text", ""), data.get("detail", "")
    if data.get("start"):
        text = f"{text}: {_local(data['start'])}"
    if data.get("slots"):
        detail = "Preferred slots: " + "; ".join(_local(slot) for slot in data["slots"])
    return text, detail


def _local(instant: str) -> str:
    return timezone.localtime(datetime.fromisoformat(instant)).strftime("%a %-d %b %Y, %H:%M %Z")


def _metric(data: dict) -> str:
    return _label(METRIC, data.get("metric"))


def _via(data: dict) -> str:
    channel = data.get("channel")
    return f"by {channel}" if channel and channel != "web" else ""


def describe(events: list[Event]) -> list[Entry]:
    """Readable entries for ``events`` (with ``actor`` selected). One extra query at most,
    for the names of people a case was taken away from."""
    previous = {
        event.data.get("old")
        for event in events
        if event.kind == "assigned" and isinstance(event.data.get("old"), int)
    }
    names = (
        {user.pk: user.get_full_name() for user in User.objects.filter(pk__in=previous)}
        if previous
        else {}
    )
    entries = []
    for event in events:
        text, detail = _text(event, names)
        entries.append(
            Entry(
                kind=event.kind,
                at=event.at,
                actor=_name(event.actor),
                text=text,
                detail=detail,
                public=event.public,
            )
        )
    return entries
