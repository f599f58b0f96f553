"""A date names its year exactly when that is not the reader's current year, in the short
form of an instant as in a plain date ("25 Nov, 14:05 CET" this year, "25 Nov 2025, 14:05
CET" read in 2026), the current year being the one in the reader's zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.template import Context, Template
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from core.formatting import local_datetime_text

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


def test_an_instant_of_this_year_is_written_without_the_year():
    at = datetime(2026, 11, 25, 13, 5, tzinfo=UTC)
    assert local_datetime_text(at, "short", tz=ROME, now=NOW) == "25 Nov, 14:05 CET"


def test_an_instant_of_another_year_names_it():
    last_year = datetime(2025, 11, 25, 13, 5, tzinfo=UTC)
    next_year = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    assert local_datetime_text(last_year, "short", tz=ROME, now=NOW) == "25 Nov 2025, 14:05 CET"
    assert local_datetime_text(next_year, "short", tz=ROME, now=NOW) == "4 Jan 2027, 09:00 CET"


def test_the_year_is_the_readers_own_around_new_year():
    """23:30 UTC on New Year's Eve is already the new year in Rome, not yet in New York."""
    new_year_in_rome = datetime(2026, 1, 1, 0, 30, tzinfo=ROME)
    late_on_the_first = datetime(2026, 1, 1, 22, 0, tzinfo=UTC)
    assert (
        local_datetime_text(new_year_in_rome, "short", tz=ROME, now=late_on_the_first)
        == "1 Jan, 00:30 CET"
    )
    new_york = ZoneInfo("America/New_York")
    assert (
        local_datetime_text(new_year_in_rome, "short", tz=new_york, now=late_on_the_first)
        == "31 Dec 2025, 18:30 EST"
    )


@given(
    at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
    ),
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(["Europe/Rome", "America/New_York", "Pacific/Auckland", "UTC"]),
)
def test_the_year_is_written_exactly_when_it_is_not_the_current_one(at, now, zone):
    tz = ZoneInfo(zone)
    text = local_datetime_text(at, "short", tz=tz, now=now)
    local = at.astimezone(tz)
    named = f" {local.year}," in text
    assert named == (local.year != now.astimezone(tz).year)
    assert text.startswith(f"{local.day} ")
    assert f"{local:%H:%M}" in text


def test_pages_write_a_short_instant_of_another_year_with_it():
    """The template filter every page uses for tables and timelines reads the real clock and
    the viewer's zone."""
    template = Template('{% load desk %}{{ at|when:"short" }}')
    with time_machine.travel(NOW, tick=False), timezone.override(ROME):
        this_year = template.render(Context({"at": NOW - timedelta(days=30)}))
        last_year = template.render(Context({"at": NOW - timedelta(days=365)}))
    assert ">4 Nov, 19:00 CET<" in this_year
    assert ">4 Dec 2025, 19:00 CET<" in last_year
