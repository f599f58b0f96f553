"""Calendars are read through a shared cache; any change to them is seen at once."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla.calendars import business_calendar, default_years, public_holidays_refresh
from sla.models import Calendar, ClosedDate

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
MONDAY = datetime(2027, 3, 1, 10, 0, tzinfo=ROME)


def test_a_calendar_read_once_is_served_from_the_cache():
    business_calendar("eu")
    with CaptureQueriesContext(connection) as queries:
        calendar = business_calendar("eu")
    assert len(queries) == 0
    assert calendar.is_open(MONDAY)


def test_a_closure_added_in_the_admin_applies_to_the_next_case(django_capture_on_commit_callbacks):
    assert business_calendar("eu").is_open(MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        ClosedDate.objects.create(
            calendar=Calendar.objects.get(code="eu"), date=date(2027, 3, 1), name="Office move"
        )
    assert not business_calendar("eu").is_open(MONDAY)


def test_changing_the_hours_applies_at_once(django_capture_on_commit_callbacks):
    nine_hours = timedelta(hours=9)
    assert business_calendar("eu").add(MONDAY, nine_hours) == datetime(2027, 3, 2, 10, tzinfo=ROME)
    eu = Calendar.objects.get(code="eu")
    eu.week = {str(day): [["08:00", "20:00"]] for day in range(5)}
    with django_capture_on_commit_callbacks(execute=True):
        eu.save()
    assert business_calendar("eu").add(MONDAY, nine_hours) == datetime(2027, 3, 1, 19, tzinfo=ROME)


def test_refreshing_holidays_applies_at_once(django_capture_on_commit_callbacks):
    easter_monday = datetime(2027, 3, 29, 10, 0, tzinfo=ROME)
    assert business_calendar("eu").is_open(easter_monday)
    with django_capture_on_commit_callbacks(execute=True):
        public_holidays_refresh(years=default_years(date(2026, 11, 25)))
    assert not business_calendar("eu").is_open(easter_monday)
