"""Who else has a case open on the staff side, and whether they are writing a reply.

Kept in the cache (Redis in production), never in the database and never in process
memory: any web process answers any poll. Each staff member on a case has one entry with a
short life, refreshed by the page's poll every ``POLL_SECONDS``; a page closed without a
word simply stops refreshing and its entry expires. An index per case lists who has had an
entry lately, so a reader fetches them all in one round trip.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache

from partners.models import User

POLL_SECONDS = 10
# Missing two polls in a row means gone.
VIEWING_TTL = 25
# "Writing" holds this long after the last keystroke the page reported.
WRITING_SECONDS = 20


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    writing: bool

    @property
    def text(self) -> str:
        return f"{self.name} is {'writing a reply' if self.writing else 'viewing'}"


def _index_key(ticket_id: int) -> str:
    return f"case-presence:{ticket_id}"


def _entry_key(ticket_id: int, user_id: int) -> str:
    return f"case-presence:{ticket_id}:{user_id}"


def presence_mark(
    *, ticket_id: int, user: User, now: datetime, writing: bool | None = None
) -> None:
    """Record that ``user`` has the case open. ``writing`` True: the reply box has text;
    False: it was emptied or sent; None (a poll): as it was."""
    key = _entry_key(ticket_id, user.pk)
    entry = cache.get(key) or {}
    stamp = now.timestamp()
    if writing is True:
        entry["writing_until"] = stamp + WRITING_SECONDS
    elif writing is False:
        entry.pop("writing_until", None)
    entry["name"] = user.get_full_name()
    cache.set(key, entry, VIEWING_TTL)
    index = cache.get(_index_key(ticket_id)) or []
    if user.pk not in index:
        cache.set(_index_key(ticket_id), [*index, user.pk][-50:], VIEWING_TTL * 4)
    else:
        cache.touch(_index_key(ticket_id), VIEWING_TTL * 4)


def presence_others(*, ticket_id: int, user: User, now: datetime) -> list[Presence]:
    """The other staff members who have the case open, writers first, then by name."""
    index = cache.get(_index_key(ticket_id)) or []
    others = [user_id for user_id in index if user_id != user.pk]
    if not others:
        return []
    entries = cache.get_many([_entry_key(ticket_id, user_id) for user_id in others])
    stamp = now.timestamp()
    found = [
        Presence(
            user_id=user_id,
            name=entry["name"],
            writing=entry.get("writing_until", 0) > stamp,
        )
        for user_id in others
        if (entry := entries.get(_entry_key(ticket_id, user_id)))
    ]
    return sorted(found, key=lambda presence: (not presence.writing, presence.name))
