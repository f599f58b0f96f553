"""Business-time arithmetic on support calendars. Pure: stdlib only, no Django.

A calendar is a weekly pattern of open intervals in local wall time plus whole closed
dates (holidays, closures). Intervals are half-open, [open, close): at the closing instant
the calendar is closed. Local times become instants through ``zoneinfo`` with fold=0, so a
wall time inside a spring-forward gap lands an hour later and an ambiguous one is its
first occurrence. Work is done per open interval, never per minute.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZERO = timedelta(0)
# Arithmetic is done in UTC: Python subtracts and adds aware datetimes that share a tzinfo
# as wall-clock times, which is wrong across a clock change.
# How far ahead to look for an open interval before deciding the calendar never opens.
SEARCH_DAYS = 3 * 366


class NeverOpen(ValueError):
    """The calendar has no open time within the search horizon."""


def _parse(text: str) -> tuple[time, int]:
    """ "HH:MM" → (time, day offset); "24:00" is midnight of the next day."""
    hours, minutes = (int(part) for part in text.split(":"))
    if (hours, minutes) == (24, 0):
        return time(0, 0), 1
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ValueError(f"Not a time of day: {text!r}")
    return time(hours, minutes), 0


@dataclass(frozen=True)
class _Span:
    start: datetime
    end: datetime


class BusinessCalendar:
    def __init__(
        self,
        tz: str,
        week: dict[int, list[tuple[str, str]]],
        closed_dates: Iterable[date] = (),
    ):
        self.tz = ZoneInfo(tz)
        self.closed_dates = frozenset(closed_dates)
        self._week: dict[int, list[tuple[time, int, time, int]]] = {}
        for weekday, intervals in week.items():
            if not 0 <= weekday <= 6:
                raise ValueError(f"Weekday {weekday} is not 0 (Monday) to 6 (Sunday)")
            parsed = []
            for opens, closes in intervals:
                open_time, open_offset = _parse(opens)
                close_time, close_offset = _parse(closes)
                if open_offset or (close_offset, close_time) <= (0, open_time):
                    raise ValueError(f"Interval {opens}-{closes} must open before it closes")
                parsed.append((open_time, open_offset, close_time, close_offset))
            self._week[weekday] = sorted(parsed)

    # --- the open intervals, as instants ------------------------------------------------

    def _local(self, day: date, at: time, offset: int) -> datetime:
        local = datetime.combine(day + timedelta(days=offset), at, tzinfo=self.tz)
        return local.astimezone(UTC)

    def _spans_on(self, day: date) -> list[_Span]:
        if day in self.closed_dates:
            return []
        spans = []
        for open_time, open_offset, close_time, close_offset in self._week.get(day.weekday(), []):
            start = self._local(day, open_time, open_offset)
            end = self._local(day, close_time, close_offset)
            if end > start:  # a gap can swallow a whole short interval
                spans.append(_Span(start, end))
        return spans

    def _spans_from(self, at: datetime) -> Iterator[_Span]:
        """Open intervals ending after ``at``, in order (the first may contain ``at``)."""
        day = at.astimezone(self.tz).date() - timedelta(days=1)
        for _ in range(SEARCH_DAYS):
            for span in self._spans_on(day):
                if span.end > at:
                    yield span
            day += timedelta(days=1)

    def _spans_between(self, start: datetime, end: datetime) -> Iterator[_Span]:
        for span in self._spans_from(start):
            if span.start >= end:
                return
            yield span

    # --- the interface --------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        at = _require_aware(at)
        return any(span.start <= at < span.end for span in self._spans_between(at, at + _TICK))

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself when open, else the next opening."""
        at = _require_aware(at)
        for span in self._spans_from(at):
            return max(span.start, at).astimezone(self.tz)
        raise NeverOpen(f"No open time within {SEARCH_DAYS} days of {at.isoformat()}")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time inside [start, end); zero when end <= start."""
        start = _require_aware(start)
        end = _require_aware(end)
        if end <= start:
            return ZERO
        total = ZERO
        for span in self._spans_between(start, end):
            total += min(span.end, end) - max(span.start, start)
        return total

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant t >= start with elapsed(start, t) >= duration. A deadline that
        uses up an interval exactly is that interval's closing time."""
        start = _require_aware(start)
        if duration < ZERO:
            raise ValueError("duration must not be negative")
        if duration == ZERO:
            return start.astimezone(self.tz)
        remaining = duration
        for span in self._spans_from(start):
            begin = max(span.start, start)
            available = span.end - begin
            if remaining <= available:
                return (begin + remaining).astimezone(self.tz)
            remaining -= available
        raise NeverOpen(f"Cannot add {duration} within {SEARCH_DAYS} days of {start.isoformat()}")

    def working_day_close(self, at: datetime) -> datetime:
        """End of the last open interval on the local date of ``at`` when open then, else on
        the local date of ``next_open(at)``."""
        at = _require_aware(at)
        opening = at if self.is_open(at) else self.next_open(at)
        return self._spans_on(opening.astimezone(self.tz).date())[-1].end.astimezone(self.tz)


_TICK = timedelta(microseconds=1)


def _require_aware(value: datetime) -> datetime:
    """The same instant in UTC; naive datetimes are refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("BusinessCalendar works with timezone-aware datetimes only")
    return value.astimezone(UTC)


def office_hours(tz: str, closed_dates: Iterable[date] = ()) -> BusinessCalendar:
    """Monday to Friday, 09:00–18:00 local time."""
    return BusinessCalendar(tz, {day: [("09:00", "18:00")] for day in range(5)}, closed_dates)


def always_open() -> BusinessCalendar:
    return BusinessCalendar("UTC", {day: [("00:00", "24:00")] for day in range(7)})
