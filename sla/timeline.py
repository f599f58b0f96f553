"""How the SLA's events read on a case timeline (written by ``sla.events``)."""

from partners.models import ExtendedSupportExclusion
from sla.models import Clock
from tickets.timeline import COS, label, wording

METRIC = dict(Clock.Metric.choices)
EXCLUSION = dict(ExtendedSupportExclusion.choices)


def _metric(data: dict) -> str:
    return label(METRIC, data.get("metric"))


@wording("sla_stopped")
def _stopped(data: dict, names: dict[int, str]) -> tuple[str, str]:
    outcome = "met" if data.get("met") else "missed"
    return f"{_metric(data)} target {outcome}", ""


@wording("sla_paused")
def _paused(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return f"{_metric(data)} clock paused while waiting on the partner", ""


@wording("sla_resumed")
def _resumed(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return f"{_metric(data)} clock resumed", ""


@wording("sla_warning")
def _warning(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return f"{_metric(data)} due soon: warning sent", ""


@wording("sla_breached")
def _breached(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return f"{_metric(data)} target breached: escalated", ""


@wording("sla_recomputed")
def _recomputed(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return f"SLA clocks recomputed for {label(COS, data.get('cos'))}", ""


@wording("service_restored")
def _service_restored(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return "Service restored", data.get("note", "")


@wording("critical_override")
def _critical_override(data: dict, names: dict[int, str]) -> tuple[str, str]:
    what = label(EXCLUSION, data.get("exclusion"))
    return f"Critical confirmed as an exception: not covered by extended support ({what})", (
        data.get("reason", "")
    )


@wording("waiting_reminder")
def _waiting_reminder(data: dict, names: dict[int, str]) -> tuple[str, str]:
    days = data.get("days")
    waited = f" after {days} business day{'' if days == 1 else 's'}" if days else ""
    return (
        f"Reminder sent{waited} without an answer",
        "Without an answer it will be resolved; a reply reopens it.",
    )


@wording("vendor_stepped_in")
def _vendor_stepped_in(data: dict, names: dict[int, str]) -> tuple[str, str]:
    who = data.get("end_customer") or "the end customer"
    to = ", ".join(data.get("recipients") or [])
    text = f"Support stepped in and wrote to {who} directly"
    if to:
        text += f" ({to})"
    return text, data.get("body", "")
