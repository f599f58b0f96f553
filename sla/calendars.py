"""Support calendars from the database, and the holiday table refresh."""

from datetime import date

import holidays as holiday_library
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from sla.businesstime import BusinessCalendar
from sla.models import Calendar, ClosedDate

ALWAYS = "24x7"

OFFICE_WEEK = {str(day): [["09:00", "18:00"]] for day in range(5)}
ALWAYS_WEEK = {str(day): [["00:00", "24:00"]] for day in range(7)}
# The calendars of the terms (code, name, time zone, week, holiday country), as the
# migration that first created them wrote them.
STANDARD_CALENDARS = [
    ("us", "US support hours", "America/New_York", OFFICE_WEEK, "US"),
    ("eu", "European support hours", "Europe/Rome", OFFICE_WEEK, "IT"),
    (ALWAYS, "Around the clock", "UTC", ALWAYS_WEEK, ""),
]


def standard_calendars_ensure() -> int:
    """Create whichever standard calendar is missing (an emptied database); calendars on
    record, and an administrator's edits to them, are left alone. Returns how many were
    created."""
    created = 0
    for code, name, tz, week, country in STANDARD_CALENDARS:
        _, new = Calendar.objects.get_or_create(
            code=code,
            defaults={"name": name, "time_zone": tz, "week": week, "holiday_country": country},
        )
        created += new
    return created


# Every case opened needs two calendars; they change only when an administrator edits one
# or the holiday table is refreshed, and both drop the cached copy (``sla.signals``).
CACHE_SECONDS = 3600


def _cache_key(code: str) -> str:
    return f"sla:calendar:{code}"


def business_calendar(code: str) -> BusinessCalendar:
    """The calendar ``code`` with every closed date on record (from the shared cache when
    another request has read it lately). Raises ``Calendar.DoesNotExist``."""
    return _calendar_from(cache.get(_cache_key(code)), code)


def business_calendars(codes: list[str]) -> dict[str, BusinessCalendar]:
    """Several calendars as ``business_calendar`` reads them, with one round trip to the
    shared cache for those it holds."""
    stored = cache.get_many([_cache_key(code) for code in codes])
    return {code: _calendar_from(stored.get(_cache_key(code)), code) for code in codes}


def _calendar_from(stored, code: str) -> BusinessCalendar:
    if stored is None:
        calendar = Calendar.objects.get(code=code)
        closed = sorted(calendar.closed_dates.values_list("date", flat=True))
        stored = (calendar.time_zone, calendar.week, [day.isoformat() for day in closed])
        cache.set(_cache_key(code), stored, CACHE_SECONDS)
    time_zone, week, closed = stored
    return BusinessCalendar(
        time_zone,
        {int(day): [tuple(pair) for pair in pairs] for day, pairs in week.items()},
        [date.fromisoformat(day) for day in closed],
    )


def _zone_cache_key(code: str) -> str:
    return f"sla:calendar-zone:{code}"


def support_zone(code: str) -> str:
    """The time zone of the support calendar ``code`` (an organisation's region names its
    calendar), in which the dates of the terms are read. Asked on most pages, so it comes
    from the cached calendar, or its own cached copy, before the database. A region whose
    calendar is missing (an emptied database) falls back to the region's standard zone."""
    stored = cache.get(_cache_key(code))
    if stored is not None:
        return stored[0]
    zone = cache.get(_zone_cache_key(code))
    if zone is None:
        zone = Calendar.objects.filter(code=code).values_list("time_zone", flat=True).first()
        if zone is None:
            return settings.REGION_TIME_ZONES[code]
        cache.set(_zone_cache_key(code), zone, CACHE_SECONDS)
    return zone


def calendars_forget(codes=None) -> None:
    """Drop cached calendars (all of them when ``codes`` is None) after a change."""
    if codes is None:
        codes = list(Calendar.objects.values_list("code", flat=True))
    cache.delete_many([key for code in codes for key in (_cache_key(code), _zone_cache_key(code))])


@transaction.atomic
def public_holidays_refresh(*, years: range) -> int:
    """Copy public holidays for ``years`` into the closed-date table of each calendar with
    a country. Existing rows (and an administrator's edits to them) are kept, so a new
    version of the holiday library never moves a date already on record. Returns how many
    dates were added."""
    added = 0
    for calendar in Calendar.objects.exclude(holiday_country=""):
        known = set(calendar.closed_dates.values_list("date", flat=True))
        found = holiday_library.country_holidays(calendar.holiday_country, years=list(years))
        new = [
            ClosedDate(
                calendar=calendar,
                date=day,
                name=str(name)[:150],
                source=ClosedDate.Source.PUBLIC_HOLIDAY,
            )
            for day, name in sorted(found.items())
            if day not in known
        ]
        ClosedDate.objects.bulk_create(new)
        added += len(new)
    if added:
        transaction.on_commit(calendars_forget)
    return added


# The oldest version of the terms the desk knows took effect in 2022; cases from then on may
# still have their deadlines computed.
FIRST_YEAR = 2022


def default_years(today: date, ahead: int = 3) -> range:
    return range(FIRST_YEAR, today.year + ahead + 1)
