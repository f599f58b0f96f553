"""A case's timeline in words: one readable line per event, whoever asks.

The caller passes the events it may show (``selectors.events_visible_to``); this module only
words them. Each app declares how its own kinds read with ``wording``, in its ``timeline``
module imported from its ``AppConfig.ready()``, so every kind is known before the first
request. Kinds nobody declared get a plain line.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from partners.models import User
from tickets.models import Event, Ticket

# How one kind reads: (event data, names of people a case was taken away from) -> (text, detail).
Wording = Callable[[dict, dict[int, str]], tuple[str, str]]

STATUS = dict(Ticket.Status.choices)
COS = dict(Ticket.ClassOfService.choices)
CHANNEL = dict(Ticket.Channel.choices)

_by_kind: dict[str, Wording] = {}
_by_prefix: dict[str, Wording] = {}


def wording(*kinds: str) -> Callable[[Wording], Wording]:
    """Declare the decorated function as the words for ``kinds``. A kind that ends in "_"
    (``"hwaas_"``) is a prefix and covers every kind starting with it; an exact kind wins over
    a prefix, a longer prefix over a shorter one. A kind has one wording: a second claim on
    it is a mistake and fails at start-up."""

    def register(words: Wording) -> Wording:
        tables = [(_by_prefix if kind.endswith("_") else _by_kind, kind) for kind in kinds]
        for table, kind in tables:
            if table.get(kind, words) is not words:
                raise ValueError(f"The timeline kind {kind!r} already has a wording.")
        for table, kind in tables:
            table[kind] = words
        return words

    return register


def _wording_for(kind: str) -> Wording | None:
    if kind in _by_kind:
        return _by_kind[kind]
    prefixes = [prefix for prefix in _by_prefix if kind.startswith(prefix)]
    return _by_prefix[max(prefixes, key=len)] if prefixes else None


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


def label(table: dict[str, str], value) -> str:
    """The display label of a stored choice value, or the value itself once the choice is
    gone (old rows keep reading)."""
    return table.get(value, str(value or "—"))


def _text(event: Event, names: dict[int, str]) -> tuple[str, str]:
    words = _wording_for(event.kind)
    if words is None:
        return event.kind.replace("_", " ").capitalize(), ""
    return words(event.data or {}, names)


# --- The case's own kinds (written by tickets.events) -------------------------------------


@wording("created")
def _created(data: dict, names: dict[int, str]) -> tuple[str, str]:
    channel = label(CHANNEL, data.get("channel"))
    terms = f"terms {data['policy']}" if data.get("policy") else ""
    detail = ", ".join(
        part for part in (f"class of service {label(COS, data.get('cos'))}", terms) if part
    )
    return f"Case opened ({channel})", detail


@wording("phone_override")
def _phone_override(data: dict, names: dict[int, str]) -> tuple[str, str]:
    case_type = data.get("case_type") or "This case type"
    return f"Logged by phone although {case_type} is opened in the portal", data.get("reason", "")


@wording("status_changed")
def _status_changed(data: dict, names: dict[int, str]) -> tuple[str, str]:
    old, new = label(STATUS, data.get("old")), label(STATUS, data.get("new"))
    return f"Status changed from {old} to {new}", data.get("note", "")


@wording("assigned")
def _assigned(data: dict, names: dict[int, str]) -> tuple[str, str]:
    new_name = data.get("name") or names.get(data.get("new"), "")
    old_name = names.get(data.get("old"), "")
    if data.get("new") is None:
        return (f"Unassigned (was {old_name})" if old_name else "Unassigned"), ""
    if old_name:
        return f"Reassigned from {old_name} to {new_name}", ""
    return f"Assigned to {new_name}", ""


@wording("cos_changed")
def _cos_changed(data: dict, names: dict[int, str]) -> tuple[str, str]:
    old, new = label(COS, data.get("old")), label(COS, data.get("new"))
    text = (
        f"Class of service confirmed as {new}"
        if old == new
        else f"Class of service changed from {old} to {new}"
    )
    return text, data.get("reason", "")


@wording("public_reply")
def _public_reply(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return "Public reply", _via(data)


@wording("internal_note")
def _internal_note(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return "Internal note (not visible to the partner)", _via(data)


@wording("feedback")
def _feedback(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return f"Feedback given: {data.get('rating', '?')} out of 5", ""


@wording("follow_up_opened")
def _follow_up_opened(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return f"Follow-up case {data.get('number', '')} opened", ""


@wording("opened_from_request")
def _opened_from_request(data: dict, names: dict[int, str]) -> tuple[str, str]:
    return f"Opened from request {data.get('request', '')}", f"sent by {data.get('sender', '')}"


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
