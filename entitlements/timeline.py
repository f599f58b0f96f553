"""How entitlement events read on a case timeline: time logged, the low-balance warning
(``entitlements.services``) and the steps of a remote intervention
(``entitlements.interventions``)."""

from datetime import datetime

from core.formatting import local_datetime_text
from tickets.timeline import wording


@wording("time_logged")
def _time_logged(data: dict, names: dict[int, str]) -> tuple[str, str]:
    billable = "billable" if data.get("billable") else "not billable"
    detail = f"override: {data['override']}" if data.get("override") else ""
    return f"{data.get('minutes', '?')} minutes of work logged ({billable})", detail


@wording("bundle_low")
def _bundle_low(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return data.get("text", "Support hours running low"), ""


@wording("intervention_")
def _intervention(data: dict, names: dict[int, str]) -> tuple[str, str]:
    """The steps carry their own words; their times are stored as instants and worded here,
    in the reader's zone."""
    text, detail = data.get("text", ""), data.get("detail", "")
    if data.get("start"):
        text = f"{text}: {_local(data['start'])}"
    if data.get("slots"):
        detail = "Preferred slots: " + "; ".join(_local(slot) for slot in data["slots"])
    return text, detail


def _local(instant: str) -> str:
    return local_datetime_text(datetime.fromisoformat(instant))
