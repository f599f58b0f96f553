"""How hardware request steps read on a case timeline (written by ``hwaas.events``). Rows
hold data: the kind of request, the rules' answer as given to the partner, the staff's
note, the shipment; the words are put together here when the timeline is read."""

from datetime import datetime

from core.formatting import local_datetime_text
from hwaas.models import HardwareRequest
from tickets.timeline import label, wording

KIND = dict(HardwareRequest.Kind.choices)


@wording("hwaas_requested")
def _requested(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return f"{label(KIND, data.get('request_kind'))} requested", data.get("reason", "")


@wording("hwaas_approved")
def _approved(data: dict, names: dict[int, str]) -> tuple[str, str]:
    """A replacement's ship-by time reads in the zone of the calendar it was set on."""
    text = "Request approved"
    if data.get("ship_by"):
        ship_by = datetime.fromisoformat(data["ship_by"])
        ships_by = local_datetime_text(ship_by, "long_padded", tz=data.get("zone") or None)
        text += f"; the replacement ships by {ships_by}"
    return text, data.get("note", "")


@wording("hwaas_refused")
def _refused(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return "Request refused", data.get("reason", "")


@wording("hwaas_shipped")
def _shipped(data: dict, names: dict[int, str]) -> tuple[str, str]:
    detail = f"Tracking {data.get('tracking_number', '')}"
    if data.get("serials"):
        detail += "; serial numbers " + ", ".join(data["serials"])
    return "Shipped", detail


@wording("hwaas_received")
def _received(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return "Returned unit received", data.get("note", "")


@wording("hwaas_not_returned")
def _not_returned(data: dict, names: dict[int, str]) -> tuple[str, str]:
    text = (
        f"Units not returned: {data.get('total', '')} {data.get('currency', '')} charged, "
        "and the lessee now owns them"
    )
    detail = "; ".join(
        part
        for part in (
            "serial numbers " + ", ".join(data["serials"]) if data.get("serials") else "",
            data.get("note", ""),
        )
        if part
    )
    return text, detail


@wording("hwaas_closed")
def _closed(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return "Request completed", data.get("note", "")
