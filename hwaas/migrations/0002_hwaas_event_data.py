"""Timeline rows of hardware requests hold data instead of ready-made sentences: the kind of
request, the rules' answer, the staff's note, the shipment, a replacement's ship-by instant
and the zone it is given in (``hwaas.events``); ``hwaas.timeline`` words them when the
timeline is read. Rows already in that shape are left alone.

A ship-by time comes from the request itself, in the zone of its organisation's support
calendar, as it was worded when written; an approval whose request has since been deleted
reads without it.
"""

from datetime import UTC, datetime

from django.db import migrations

from core.formatting import local_datetime_text

KINDS = [
    "hwaas_requested",
    "hwaas_approved",
    "hwaas_refused",
    "hwaas_shipped",
    "hwaas_received",
    "hwaas_closed",
]
TRACKING, SERIALS, SHIPS_BY = "Tracking ", "; serial numbers ", "; the replacement ships by "


def as_data(kind: str, old: dict, *, kinds: dict, request, zones: dict) -> dict:
    """The data form of one row written as ``{"text", "detail", "request"}``. ``kinds`` maps
    a kind of request's label to its value; ``request`` is the row's request (or None)."""
    text, detail = old.get("text", ""), old.get("detail", "")
    data = {"request": old.get("request")}
    if kind == "hwaas_requested":
        label = text.removesuffix(" requested")
        return data | {"request_kind": kinds.get(label, label), "reason": detail}
    if kind == "hwaas_approved":
        ship_by = request.ship_by if request is not None and SHIPS_BY in text else None
        return data | {
            "ship_by": ship_by.astimezone(UTC).isoformat() if ship_by else None,
            "zone": zones.get(request.organisation.region, "") if ship_by else "",
            "note": detail,
        }
    if kind == "hwaas_refused":
        return data | {"reason": detail}
    if kind == "hwaas_shipped":
        tracking, _, serials = detail.removeprefix(TRACKING).partition(SERIALS)
        serial_numbers = serials.split(", ") if serials else []
        return data | {"tracking_number": tracking, "serials": serial_numbers}
    return data | {"note": detail}


def as_sentences(kind: str, data: dict, *, labels: dict) -> dict:
    """Back to the sentences the rows held before (``labels``: a kind's value to its label)."""
    old = {"request": data.get("request"), "detail": data.get("note", "")}
    if kind == "hwaas_requested":
        value = data.get("request_kind", "")
        return old | {
            "text": f"{labels.get(value, value)} requested",
            "detail": data.get("reason", ""),
        }
    if kind == "hwaas_approved":
        text = "Request approved"
        if data.get("ship_by"):
            ship_by = datetime.fromisoformat(data["ship_by"])
            text += SHIPS_BY + local_datetime_text(
                ship_by, "long_padded", tz=data.get("zone") or None
            )
        return old | {"text": text}
    if kind == "hwaas_refused":
        return old | {"text": "Request refused", "detail": data.get("reason", "")}
    if kind == "hwaas_shipped":
        detail = TRACKING + data.get("tracking_number", "")
        if data.get("serials"):
            detail += SERIALS + ", ".join(data["serials"])
        return old | {"text": "Shipped", "detail": detail}
    if kind == "hwaas_received":
        return old | {"text": "Returned unit received"}
    return old | {"text": "Request completed"}


def _requests(apps, events: list) -> dict:
    HardwareRequest = apps.get_model("hwaas", "HardwareRequest")
    ids = {event.data.get("request") for event in events} - {None}
    return HardwareRequest.objects.select_related("organisation").in_bulk(ids)


def forwards(apps, schema_editor) -> None:
    Event = apps.get_model("tickets", "Event")
    HardwareRequest = apps.get_model("hwaas", "HardwareRequest")
    Calendar = apps.get_model("sla", "Calendar")
    events = [
        event for event in Event.objects.filter(kind__in=KINDS) if "text" in (event.data or {})
    ]
    kinds = {label: value for value, label in HardwareRequest._meta.get_field("kind").choices}
    zones = dict(Calendar.objects.values_list("code", "time_zone"))
    requests = _requests(apps, events)
    for event in events:
        request = requests.get(event.data.get("request"))
        event.data = as_data(event.kind, event.data, kinds=kinds, request=request, zones=zones)
    Event.objects.bulk_update(events, ["data"], batch_size=500)


def backwards(apps, schema_editor) -> None:
    Event = apps.get_model("tickets", "Event")
    HardwareRequest = apps.get_model("hwaas", "HardwareRequest")
    labels = dict(HardwareRequest._meta.get_field("kind").choices)
    events = [
        event for event in Event.objects.filter(kind__in=KINDS) if "text" not in (event.data or {})
    ]
    for event in events:
        event.data = as_sentences(event.kind, event.data or {}, labels=labels)
    Event.objects.bulk_update(events, ["data"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("hwaas", "0001_leases_purchases_requests"),
        ("sla", "0005_clock_waiting_index"),
        ("tickets", "0004_ticket_by_breach"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
