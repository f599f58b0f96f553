"""How the timeline words the events of document requests (``tickets.services.documents``)
and of a CLASSOUND case's activation date. Imported from ``TicketsConfig.ready()``."""

from datetime import date

from tickets.timeline import wording

REMINDERS = {"first": "two working days before the due date", "last": "on the due date"}


def _day(value) -> str:
    try:
        return date.fromisoformat(value).strftime("%a %-d %b %Y")
    except (TypeError, ValueError):
        return "—"


def _labels(data: dict) -> str:
    return ", ".join(data.get("items") or [])


@wording("documents_requested")
def _requested(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return f"Documents requested, due by the end of {_day(data.get('due_date'))}", _labels(data)


@wording("document_uploaded")
def _uploaded(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return f"Document uploaded: {data.get('label', '')}", data.get("file", "")


@wording("documents_received")
def _received(data: dict, names: dict[int, str]) -> tuple[str, str]:
    late = " (after the due date)" if data.get("late") else ""
    return f"All requested documents received{late}", _labels(data)


@wording("documents_reminded")
def _reminded(data: dict, names: dict[int, str]) -> tuple[str, str]:
    when = REMINDERS.get(data.get("reminder", ""), "")
    return "Partner reminded of the documents requested", when


@wording("partner_non_responsive")
def _non_responsive(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return (
        f"Partner non-responsive: documents due by the end of {_day(data.get('due_date'))} "
        "were not provided (terms 7.9.2)",
        f"Missing: {_labels(data)}",
    )


@wording("activation_date_set")
def _activation(data: dict, names: dict[int, str]) -> tuple[str, str]:
    if not data.get("date"):
        return "Activation date cleared", ""
    return f"Activation date set to {_day(data.get('date'))}", "Charges start on this date."
