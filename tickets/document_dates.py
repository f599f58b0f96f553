"""When documents asked for on a case are due, and when the partner is reminded (terms 7.9).

7.9.2: the partner must provide promptly the documents asked for (letters of authorisation,
identity or address evidence, tax documents); failing to provide them "in the time and form
requested", or not answering, is partner non-responsiveness. The terms name no period, so
the time is the one staff set on each request. Where that leaves room, the desk reads it the
way a partner would hold the vendor to:

- **The due date is a whole day in the partner's own zone.** A request due on 12 March is
  met by anything that arrives before midnight at the end of 12 March where the partner's
  organisation is (``due_instant``), not at the close of support hours nor at midnight in
  the vendor's zone.
- **At least one whole working day.** Staff may not set a due date before the first
  working day (of the organisation's support calendar) after the day the request is made
  (``earliest_due_date``): asked on a Friday afternoon, the earliest due date is Monday.
- **Two reminders before it passes** (``reminder_times``), each at the opening of support
  hours in the support calendar: two working days before the due date ("first"), and on the
  due date itself, or on the last working day before it when the due date is not one
  ("last"). A reminder whose time is not after the moment of asking is not sent (the
  request itself says everything), nor are two at the same instant.

Pure: the calendar is anything with ``tz`` and ``next_open(at)``, as
``sla.businesstime.BusinessCalendar`` has; every datetime is timezone-aware.
"""

from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

# Working days before the due date that the first reminder goes.
FIRST_REMINDER_WORKING_DAYS = 2
# How far a search for a working day looks before it gives up (a calendar closed for longer
# than this has no working day to offer).
SEARCH_DAYS = 60


class Calendar(Protocol):
    tz: ZoneInfo

    def next_open(self, at: datetime) -> datetime: ...

    def working_day_close(self, at: datetime) -> datetime: ...


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("Datetimes must be timezone-aware.")
    return value


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def due_instant(due_date: date, zone: str) -> datetime:
    """The end of ``due_date`` in ``zone``: the first instant of the following day."""
    return _midnight(due_date + timedelta(days=1), ZoneInfo(zone))


def opening_on(day: date, calendar: Calendar) -> datetime | None:
    """When support hours open on ``day`` (local to the calendar); None on a closed day."""
    opening = calendar.next_open(_midnight(day, calendar.tz))
    return opening if opening.astimezone(calendar.tz).date() == day else None


def is_working_day(day: date, calendar: Calendar) -> bool:
    return opening_on(day, calendar) is not None


def earliest_due_date(asked_at: datetime, calendar: Calendar, zone: str) -> date:
    """The first date a request made at ``asked_at`` may be due: the date, in the partner's
    ``zone``, on which the first working day after the asking day has closed, so that the
    whole of that working day comes before the end of the due date wherever the partner is
    (and never the asking day itself)."""
    _require_aware(asked_at)
    asking_day = asked_at.astimezone(calendar.tz).date()
    opening = calendar.next_open(_midnight(asking_day + timedelta(days=1), calendar.tz))
    close = calendar.working_day_close(opening)
    return max(
        close.astimezone(ZoneInfo(zone)).date(),
        asked_at.astimezone(ZoneInfo(zone)).date() + timedelta(days=1),
    )


def working_days_before(day: date, count: int, calendar: Calendar) -> date | None:
    """The ``count``-th working day before ``day`` (``count`` = 0: ``day`` itself if it is a
    working day, else the last one before it). None when none is found within
    ``SEARCH_DAYS``."""
    candidate = day if count == 0 else day - timedelta(days=1)
    needed = max(count, 1)
    for _ in range(SEARCH_DAYS):
        if is_working_day(candidate, calendar):
            needed -= 1
            if needed == 0:
                return candidate
        candidate -= timedelta(days=1)
    return None


def reminder_times(
    *, asked_at: datetime, due_date: date, due_at: datetime, calendar: Calendar
) -> dict[str, datetime]:
    """``{"first": …, "last": …}``: when each reminder goes; a reminder that would not come
    after ``asked_at`` and before ``due_at`` (or that would coincide with an earlier one) is
    left out."""
    _require_aware(asked_at)
    _require_aware(due_at)
    wanted = {
        "first": working_days_before(due_date, FIRST_REMINDER_WORKING_DAYS, calendar),
        "last": working_days_before(due_date, 0, calendar),
    }
    times: dict[str, datetime] = {}
    for key, day in wanted.items():
        at = opening_on(day, calendar) if day is not None else None
        if at is not None and asked_at < at < due_at and at not in times.values():
            times[key] = at
    return times
