"""Instants and lengths of time as people read them, in the reader's zone.

Every page, e-mail and timeline line that names an instant goes through
``local_datetime_text`` and always names the zone ("Wed 25 Nov 2026, 14:05 CET"), so a
partner in New York and an agent in Rome never mistake each other's times; every length of
time goes through ``duration_text``. Due and breach times, wherever they are shown (queue,
case pages, NOC board, notices, e-mails), go through ``deadline_text`` ("due Thu 18:00 CET ·
breached Fri 09:00 CET, 2 h ago"); a date names its year only when it is not the current
one (``date_text``, ``moment_text``). Dates are written with Django's date formats, so the
day and month names follow the active language.
"""

from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils import dateformat, timezone, translation

# Each style: the day as a Django date format, and what stands between it and the time.
# The time ("14:05") and the zone's abbreviation follow.
DATETIME_STYLES = {
    "long": ("D j M Y", ", "),  # Wed 25 Nov 2026, 14:05 CET
    "long_padded": ("D d M Y", ", "),  # Wed 05 Nov 2026, 14:05 CET
    "short": ("j M", ", "),  # 25 Nov, 14:05 CET; 25 Nov 2025, 14:05 CET in another year
    "clock": ("D", " "),  # Wed 14:05 CET
}


def _zone(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def local_datetime_text(
    at: datetime,
    style: str = "long",
    *,
    tz: tzinfo | str | None = None,
    now: datetime | None = None,
) -> str:
    """``at`` in ``tz`` (the active zone when not given) with the zone's abbreviation.

    ``style`` is one of ``DATETIME_STYLES``: "long" (the default), "long_padded" (the day
    of the month in two digits), "short" (no weekday, and the year only when it is not the
    current one in that zone, as ``date_text`` writes dates; ``now`` is the current instant,
    by default the real one) or "clock" (weekday and time only, for instants within the
    coming or past week).
    """
    local = timezone.localtime(at) if tz is None else at.astimezone(_zone(tz))
    day_format, separator = DATETIME_STYLES[style]
    if style == "short":
        this_year = (now or timezone.now()).astimezone(local.tzinfo).year
        day_format = "j M" if local.year == this_year else "j M Y"
    day = _day_text(local.date(), day_format, translation.get_language())
    # The abbreviation comes from the instant itself: Django's "T" gives none in the hour
    # that repeats when the clocks go back, where naming the zone matters most.
    return f"{day}{separator}{local:%H:%M} {local.tzname()}"


# An instant this close to ``now`` is named by its weekday alone ("Tue 18:00 CET"): within a
# week either way the weekday cannot be mistaken.
WEEKDAY_ONLY_WITHIN = timedelta(days=6)


def date_text(day: date, *, today: date) -> str:
    """A date with its year only when that is not the year of ``today``: "4 Oct" this year,
    "4 Oct 2027" in another ("From 4 Oct 2026 until 4 Oct 2027" read in 2025)."""
    day_format = "j M" if day.year == today.year else "j M Y"
    return _day_text(day, day_format, translation.get_language())


def moment_text(at: datetime, *, tz: tzinfo | str, now: datetime) -> str:
    """An instant as people read it in ``tz``, always naming the zone valid at that instant:
    "Thu 18:00 CET" within six days of ``now`` either way, else "Tue 8 Dec, 18:00 CET", with
    the year when it is not the reader's current year ("Mon 4 Jan 2027, 18:00 CET")."""
    zone = _zone(tz)
    if abs(at - now) <= WEEKDAY_ONLY_WITHIN:
        return local_datetime_text(at, "clock", tz=zone)
    local = at.astimezone(zone)
    day = f"{_day_text(local.date(), 'D', translation.get_language())} "
    day += date_text(local.date(), today=now.astimezone(zone).date())
    return f"{day}, {local:%H:%M} {local.tzname()}"


def deadline_text(
    due_at: datetime,
    breach_at: datetime | None = None,
    *,
    tz: tzinfo | str,
    now: datetime,
    breached_at: datetime | None = None,
    relative: bool = True,
) -> str:
    """The one wording of a due time and its breach, for pages, notices and e-mails alike:

    - "due Thu 18:00 CET" while nothing is late;
    - "due Thu 18:00 CET · breaches Fri 09:00 CET" when the due time falls while support
      hours are closed: a reply before they open again is still on time;
    - "due Thu 18:00 CET · breached Fri 09:00 CET, 2 h ago" once breached.

    Times are in ``tz`` (the reader's zone) as ``moment_text`` writes them. The breach instant
    is ``breached_at`` when the breach was recorded, else ``breach_at`` (the next opening of
    support hours at or after the due time); the clock counts as breached once ``now``
    reaches it. "2 h ago" is worded as the queue's countdowns are (``duration_text``'s
    "span"); ``relative=False`` leaves it out, for text that is stored and read later (an
    inbox notice, an e-mail) or stands beside a live countdown (queue, NOC board).
    """
    text = f"due {moment_text(due_at, tz=tz, now=now)}"
    breach = breached_at or breach_at
    if breach is None:
        return text
    if breached_at is not None or breach <= now:
        text += f" · breached {moment_text(breach, tz=tz, now=now)}"
        if relative:
            text += f", {duration_text(now - breach, 'span')} ago"
    elif breach != due_at:
        text += f" · breaches {moment_text(breach, tz=tz, now=now)}"
    return text


@lru_cache(maxsize=4096)
def _day_text(day: date, day_format: str, language: str | None) -> str:
    """The day in words, in the active ``language`` (part of the key, so a cached day is
    never shown in another language). A page names the same few days many times over, and
    Django's formatting costs ten times what the rest of the text does."""
    return dateformat.format(day, day_format)


def list_text(items) -> str:
    """Names in a sentence: "A", "A and B", "A, B and C"."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def count_text(count: int, noun: str) -> str:
    """A count and its noun: "1 case", "3 cases"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def duration_text(span: timedelta, style: str = "words") -> str:
    """A length of time for people, to the minute unless the style says otherwise.

    - "words" (the default; the sign is ignored): "1 minute", "30 minutes", "1 hour",
      "4 hours", "1 h 30 min". Targets and the business time left on a clock.
    - "hours": "48 hours", "30 minutes", "4 h 30 min"; as "words" except that minutes
      alone are always "minutes" and no time at all is "0 hours". Durations of the terms
      (notice periods, a clock's target).
    - "compact": "0 min", "45 min", "2 h", "2 h 30 min"; hours never become days
      ("40 h"). Balances of support hours and time logged.
    - "span" (the sign is ignored): "under a minute", "25 min", "3 h 20 min", "2 d",
      "2 d 4 h"; at most two units. How long until or since a deadline in the queue.
    - "seconds": "45 s", "12 min 05 s", "3 h 05 min", "2 d 4 h". The NOC board's
      countdowns, which ``static/js/countdown.js`` words the same way.
    - "age": the largest whole unit, "just now", "12 min", "3 h", "2 d". How old a case is.
    """
    return _DURATION_STYLES[style](span)


def _words(span: timedelta) -> str:
    return _hours_minutes(int(abs(span).total_seconds() // 60), terms=False)


def _hours(span: timedelta) -> str:
    return _hours_minutes(int(span.total_seconds() // 60), terms=True)


def _hours_minutes(minutes: int, *, terms: bool) -> str:
    """Whole hours as hours, minutes alone as minutes, otherwise "4 h 30 min". In the
    terms' own style, minutes alone are always "minutes" and no time is "0 hours"."""
    hours, rest = divmod(minutes, 60)
    if hours == 0 and not (terms and rest == 0):
        return f"{rest} minutes" if terms else count_text(rest, "minute")
    if rest == 0:
        return count_text(hours, "hour")
    return f"{hours} h {rest} min"


def _compact(span: timedelta) -> str:
    hours, rest = divmod(int(span.total_seconds() // 60), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def _span(span: timedelta) -> str:
    minutes = int(abs(span).total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def _seconds(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min {rest:02d} s"
    if seconds < 86400:
        hours, rest = divmod(seconds, 3600)
        return f"{hours} h {rest // 60:02d} min"
    days, rest = divmod(seconds, 86400)
    return f"{days} d {rest // 3600} h"


def _age(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


_DURATION_STYLES = {
    "words": _words,
    "hours": _hours,
    "compact": _compact,
    "span": _span,
    "seconds": _seconds,
    "age": _age,
}
