"""How entitlement events read on a case timeline: time logged, the low-balance warning
(``entitlements.services.time``) and the steps of a remote intervention
(``entitlements.services.interventions`` and ``.reminders``).

The rows hold data, never sentences: instants as ISO strings, worded here in the reader's
zone; choices as their stored values, worded with today's labels.
"""

from datetime import datetime, timedelta

from core.formatting import duration_text, local_datetime_text
from entitlements.models import Intervention
from entitlements.workflow import REMINDERS
from tickets.timeline import label, wording

PLATFORMS = dict(Intervention.Platform.choices)


def bundle_low_text(reference: str, remaining_minutes: int) -> str:
    """The warning as the case timeline and the account manager's notice put it."""
    if remaining_minutes < 0:
        over = duration_text(timedelta(minutes=-remaining_minutes), "compact")
        return f"Support-hour bundle {reference} is overdrawn by {over}"
    left = duration_text(timedelta(minutes=remaining_minutes), "compact")
    return f"{left} left on support-hour bundle {reference}"


@wording("time_logged")
def _time_logged(data: dict, names: dict[int, str]) -> tuple[str, str]:
    billable = "billable" if data.get("billable") else "not billable"
    detail = f"override: {data['override']}" if data.get("override") else ""
    return f"{data.get('minutes', '?')} minutes of work logged ({billable})", detail


@wording("bundle_low")
def _bundle_low(data: dict, names: dict[int, str]) -> tuple[str, str]:
    if data.get("remaining_minutes") is None:
        return "Support hours running low", ""
    return bundle_low_text(data.get("reference", ""), data["remaining_minutes"]), ""


# --- Remote interventions ---------------------------------------------------------------


@wording("intervention_requested")
def _requested(data: dict, names: dict[int, str]) -> tuple[str, str]:
    text = "Remote intervention requested"
    if data.get("platform"):
        kind = "free" if data.get("free") else "paid"
        if data.get("covered_by"):
            kind += f", {'under' if data.get('free') else 'from'} {data['covered_by']}"
        text = f"{text} ({label(PLATFORMS, data['platform'])}, {kind})"
    slots = data.get("slots") or []
    detail = "Preferred slots: " + "; ".join(_local(slot) for slot in slots) if slots else ""
    return text, detail


@wording("intervention_confirmed")
def _confirmed(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return _at("Remote intervention confirmed", data), ""


@wording("intervention_rescheduled")
def _rescheduled(data: dict, names: dict[int, str]) -> tuple[str, str]:
    if data.get("previous") == Intervention.State.REQUESTED:
        return _at("Support proposed another time for the remote intervention", data), ""
    return _at("Remote intervention moved to another time", data), ""


@wording("intervention_declined")
def _declined(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return "Remote intervention declined", data.get("reason", "")


@wording("intervention_cancelled")
def _cancelled(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return "Remote intervention cancelled by the partner", ""


@wording("intervention_done")
def _done(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return "Remote intervention carried out", ""


@wording("intervention_reminded")
def _reminded(data: dict, names: dict[int, str]) -> tuple[str, str]:
    reminder = REMINDERS.get(data.get("reminder", ""))
    lead = f" {reminder.label}" if reminder is not None else ""
    return _at(f"Reminders sent{lead} before the remote intervention", data), ""


def _at(text: str, data: dict) -> str:
    return f"{text}: {_local(data['start'])}" if data.get("start") else text


def _local(instant: str) -> str:
    return local_datetime_text(datetime.fromisoformat(instant))
