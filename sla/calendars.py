"""Support calendars from the database, and the holiday table refresh."""

from datetime import date

import holidays as holiday_library
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


def business_calendar(code: str) -> BusinessCalendar:
    """The calendar ``code`` with every closed date on record."""
    calendar = Calendar.objects.get(code=code)
    week = {int(day): [tuple(pair) for pair in pairs] for day, pairs in calendar.week.items()}
    closed = calendar.closed_dates.values_list("date", flat=True)
    return BusinessCalendar(calendar.time_zone, week, closed)


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
    return added


# The oldest version of the terms the desk knows took effect in 2022; cases from then on may
# still have their deadlines computed.
FIRST_YEAR = 2022


def default_years(today: date, ahead: int = 3) -> range:
    return range(FIRST_YEAR, today.year + ahead + 1)
