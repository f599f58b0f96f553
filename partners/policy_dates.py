"""When a version of the support terms takes effect, and which one is in force at an instant.

Pure: dates, aware datetimes and zone names in, values out; no Django, no clock.

The terms carry a date ("Updated: October 2023") and the desk loads each version with the
first day of that month as ``effective_from``. A date is a local notion, so the desk reads
it where the organisation is served: a version takes effect at local midnight on its date
in the zone of the organisation's support calendar (Europe/Rome for ``eu``, America/New_York
for ``us``), and the version in force there at an instant is the latest that has taken
effect. Reading the date at 00:00 UTC instead put a European case opened at 00:30 on the
first of the month under the old terms, and a US case opened on the evening before under
the new ones, although the date on the partner's own calendar said otherwise; a partner
holds the vendor to the terms dated on its own calendar (16.1 states support hours in the
partner's time, EST / CET, so the terms are read in that time throughout).

Invariants (``tests/partners/test_policy_dates.py`` checks them over every zone):

- the switch instant is local midnight on the version's date where that wall time exists
  (its first occurrence if the clocks go back over it), else the instant the clocks jump
  over it: the first instant whose local date is the version's date;
- one microsecond earlier, the previous version is still in force;
- the version in force never goes back as time goes forward.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_RESOLUTION = timedelta(microseconds=1)


def takes_effect_at(effective_from: date, zone: str) -> datetime:
    """The instant (in UTC) a version dated ``effective_from`` takes effect in ``zone``."""
    tz = ZoneInfo(zone)
    wall = datetime.combine(effective_from, time(0))
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first
    # Midnight falls in a gap: the clocks jump from the day before straight into this day.
    # fold=1 reads midnight with the offset after the jump, fold=0 with the one before, so
    # the jump lies between the two readings; the day starts at the jump.
    low = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = first
    while high - low > _RESOLUTION:
        middle = low + (high - low) / 2
        if middle.astimezone(tz).date() >= effective_from:
            high = middle
        else:
            low = middle
    return high


def version_in_force(effective_dates: Iterable[date], at: datetime, zone: str) -> date | None:
    """The latest of ``effective_dates`` that has taken effect in ``zone`` by ``at``, or None
    when none has yet. ``at`` must be aware."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("version_in_force needs an aware datetime")
    taken = [day for day in effective_dates if takes_effect_at(day, zone) <= at]
    return max(taken, default=None)
