"""Case-timeline rows of remote interventions and of the support-hour bundle warning hold
data, not sentences.

Until now their writers stored the line itself (``text``, and the decline reason as
``detail``); ``entitlements.timeline`` now words them from the kind and its fields. This
turns the sentences already stored back into the fields they were made from, and the
reverse. A row whose text is not one the writers produced is left as it is.

The rows are ``tickets.Event``; the kinds and their words are this app's, so the
conversion lives here. The labels and phrases are copied, as they were written: a
migration must not change when the code does.
"""

import re

from django.db import migrations

PLATFORMS = {
    "asterisk": "Asterisk-based system (Elastix included)",
    "3cx": "3CX",
    "wildix": "Wildix",
    "other": "Another platform",
}
REMINDERS = {"24h": "24 hours", "1h": "1 hour"}
RESCHEDULED = {
    "requested": "Support proposed another time for the remote intervention",
    "confirmed": "Remote intervention moved to another time",
}
FIXED = {
    "intervention_confirmed": "Remote intervention confirmed",
    "intervention_declined": "Remote intervention declined",
    "intervention_cancelled": "Remote intervention cancelled by the partner",
    "intervention_done": "Remote intervention carried out",
}
KINDS = [
    "bundle_low",
    "intervention_requested",
    "intervention_rescheduled",
    "intervention_reminded",
    *FIXED,
]

_REQUESTED = re.compile(r"Remote intervention requested \((?P<label>.+), (?P<charge>free|paid)\)")
_REMINDED = re.compile(r"Reminders sent (?P<label>.+) before the remote intervention")
_DURATION = r"\d+ h \d+ min|\d+ h|\d+ min"
_LEFT = re.compile(rf"(?P<left>{_DURATION}) left on support-hour bundle (?P<reference>.*)")
_OVERDRAWN = re.compile(
    rf"Support-hour bundle (?P<reference>.*) is overdrawn by (?P<over>{_DURATION})"
)


def _minutes(text: str) -> int:
    """Minutes from "2 h 30 min", "2 h" or "45 min"."""
    hours = re.search(r"(\d+) h", text)
    minutes = re.search(r"(\d+) min", text)
    return (int(hours.group(1)) * 60 if hours else 0) + (int(minutes.group(1)) if minutes else 0)


def _compact(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def _key(table: dict[str, str], label: str) -> str | None:
    return next((key for key, value in table.items() if value == label), None)


def _fields_from_text(kind: str, text: str) -> dict | None:
    """The fields ``text`` was made from, for a row of ``kind``; None when it is not a text
    the writers produced."""
    if kind in FIXED:
        return {} if text == FIXED[kind] else None
    if kind == "intervention_rescheduled":
        previous = _key(RESCHEDULED, text)
        return {"previous": previous} if previous else None
    if kind == "intervention_requested":
        found = _REQUESTED.fullmatch(text)
        platform = _key(PLATFORMS, found["label"]) if found else None
        return {"platform": platform, "free": found["charge"] == "free"} if platform else None
    if kind == "intervention_reminded":
        found = _REMINDED.fullmatch(text)
        reminder = _key(REMINDERS, found["label"]) if found else None
        return {"reminder": reminder} if reminder else None
    if kind == "bundle_low":
        if found := _LEFT.fullmatch(text):
            return {"reference": found["reference"], "remaining_minutes": _minutes(found["left"])}
        if found := _OVERDRAWN.fullmatch(text):
            return {"reference": found["reference"], "remaining_minutes": -_minutes(found["over"])}
    return None


def to_data(kind: str, data: dict) -> dict | None:
    """A row's data with its sentence turned into fields; None when there is nothing to turn
    (already data, or a text no writer produced)."""
    if "text" not in data:
        return None
    fields = _fields_from_text(kind, data["text"])
    if fields is None:
        return None
    converted = {key: value for key, value in data.items() if key != "text"}
    if kind == "intervention_declined":
        converted["reason"] = converted.pop("detail", "")
    return converted | fields


def _text_from_fields(kind: str, data: dict) -> str | None:
    if kind in FIXED:
        return FIXED[kind]
    if kind == "intervention_rescheduled":
        return RESCHEDULED.get(data.get("previous"))
    if kind == "intervention_requested" and data.get("platform") in PLATFORMS:
        charge = "free" if data.get("free") else "paid"
        return f"Remote intervention requested ({PLATFORMS[data['platform']]}, {charge})"
    if kind == "intervention_reminded" and data.get("reminder") in REMINDERS:
        return f"Reminders sent {REMINDERS[data['reminder']]} before the remote intervention"
    if kind == "bundle_low" and isinstance(data.get("remaining_minutes"), int):
        remaining, reference = data["remaining_minutes"], data.get("reference", "")
        if remaining < 0:
            return f"Support-hour bundle {reference} is overdrawn by {_compact(-remaining)}"
        return f"{_compact(remaining)} left on support-hour bundle {reference}"
    return None


_FIELDS = ("previous", "platform", "free", "reminder", "reference", "remaining_minutes")


def to_text(kind: str, data: dict) -> dict | None:
    """The reverse of ``to_data``: the row as the former writers left it; None when there
    is nothing to turn."""
    if "text" in data:
        return None
    text = _text_from_fields(kind, data)
    if text is None:
        return None
    converted = {key: value for key, value in data.items() if key not in _FIELDS}
    if kind == "intervention_declined":
        converted["detail"] = converted.pop("reason", "")
    return converted | {"text": text}


def _convert(apps, convert) -> None:
    Event = apps.get_model("tickets", "Event")
    changed = []
    rows = Event.objects.filter(kind__in=KINDS).only("pk", "kind", "data")
    for event in rows.iterator(chunk_size=2000):
        data = convert(event.kind, event.data or {})
        if data is not None:
            event.data = data
            changed.append(event)
        if len(changed) >= 1000:
            Event.objects.bulk_update(changed, ["data"])
            changed = []
    Event.objects.bulk_update(changed, ["data"])


def forwards(apps, schema_editor) -> None:
    _convert(apps, to_data)


def backwards(apps, schema_editor) -> None:
    _convert(apps, to_text)


class Migration(migrations.Migration):
    dependencies = [
        ("entitlements", "0002_interventions"),
        ("tickets", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
