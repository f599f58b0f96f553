"""When a version of the terms takes effect: local midnight on its date in the zone of the
organisation's support calendar. By example, and as properties over every zone."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partners.policy_dates import takes_effect_at, version_in_force

MICROSECOND = timedelta(microseconds=1)
SHIPPED = [date(2022, 4, 1), date(2023, 10, 1), date(2026, 3, 1)]


# --- Examples ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "zone", "instant"),
    [
        (date(2023, 10, 1), "Europe/Rome", datetime(2023, 9, 30, 22, 0, tzinfo=UTC)),
        (date(2026, 3, 1), "Europe/Rome", datetime(2026, 2, 28, 23, 0, tzinfo=UTC)),
        (date(2026, 3, 1), "America/New_York", datetime(2026, 3, 1, 5, 0, tzinfo=UTC)),
        (date(2023, 10, 1), "UTC", datetime(2023, 10, 1, tzinfo=UTC)),
        # The clocks jumped from 00:00 to 01:00 that night: the day began at the jump.
        (date(2018, 11, 4), "America/Sao_Paulo", datetime(2018, 11, 4, 3, 0, tzinfo=UTC)),
        # Samoa skipped 30 December 2011: both dates start when the 31st began.
        (date(2011, 12, 30), "Pacific/Apia", datetime(2011, 12, 30, 10, 0, tzinfo=UTC)),
        (date(2011, 12, 31), "Pacific/Apia", datetime(2011, 12, 30, 10, 0, tzinfo=UTC)),
    ],
)
def test_a_version_takes_effect_at_local_midnight(day, zone, instant):
    assert takes_effect_at(day, zone) == instant


ROME, NEW_YORK = ZoneInfo("Europe/Rome"), ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("at", "zone", "expected"),
    [
        # 00:30 in Rome on 1 October is still 30 September in UTC.
        (datetime(2023, 10, 1, 0, 30, tzinfo=ROME), "Europe/Rome", date(2023, 10, 1)),
        (datetime(2023, 9, 30, 23, 59, 59, tzinfo=ROME), "Europe/Rome", date(2022, 4, 1)),
        # 20:00 in New York on 28 February is already 1 March in UTC.
        (datetime(2026, 2, 28, 20, 0, tzinfo=NEW_YORK), "America/New_York", date(2023, 10, 1)),
        (datetime(2026, 3, 1, 0, 0, tzinfo=NEW_YORK), "America/New_York", date(2026, 3, 1)),
        (datetime(2022, 3, 31, 23, 59, tzinfo=ROME), "Europe/Rome", None),
    ],
)
def test_the_version_in_force_is_read_on_the_local_calendar(at, zone, expected):
    assert version_in_force(SHIPPED, at, zone) == expected


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="aware"):
        version_in_force(SHIPPED, datetime(2026, 3, 1, 12, 0), "Europe/Rome")


# --- Properties over every zone -------------------------------------------------------------

zones = st.timezone_keys(allow_prefix=False)
days = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31))
# Versions are dated the first of a month, so two are always weeks apart.
first_of_months = st.builds(
    date, st.integers(min_value=1950, max_value=2100), st.integers(1, 12), st.just(1)
)
version_sets = st.lists(first_of_months, min_size=1, max_size=6, unique=True)
instants = st.datetimes(
    min_value=datetime(1950, 1, 2), max_value=datetime(2100, 12, 30), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(day=days, zone=zones)
def test_the_switch_is_the_first_instant_of_the_local_date(day, zone):
    tz = ZoneInfo(zone)
    switch = takes_effect_at(day, zone)

    assert switch.tzinfo is UTC
    assert switch.astimezone(tz).date() >= day
    assert (switch - MICROSECOND).astimezone(tz).date() < day
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    if midnight.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == midnight.replace(
        tzinfo=None
    ):
        # Where the wall clock shows midnight that day, the switch is exactly then.
        assert switch.astimezone(tz).replace(tzinfo=None) == datetime.combine(day, time(0))


@settings(max_examples=300, deadline=None)
@given(versions=version_sets, zone=zones)
def test_the_previous_version_holds_until_local_midnight(versions, zone):
    ordered = sorted(versions)
    for previous, day in zip([None, *ordered], ordered, strict=False):
        switch = takes_effect_at(day, zone)
        assert version_in_force(versions, switch, zone) == day
        assert version_in_force(versions, switch - MICROSECOND, zone) == previous


@settings(max_examples=300, deadline=None)
@given(versions=version_sets, zone=zones, first=instants, later=instants)
def test_the_version_in_force_never_goes_back_in_time(versions, zone, first, later):
    first, later = sorted([first, later])
    before = version_in_force(versions, first, zone)
    after = version_in_force(versions, later, zone)

    if before is not None:
        assert after is not None
        assert after >= before


@settings(max_examples=200, deadline=None)
@given(versions=version_sets, zone=zones, at=instants)
def test_the_same_instant_written_in_any_zone_gets_the_same_version(versions, zone, at):
    # The zone of the calendar decides, not the offset the instant happens to carry.
    shown_elsewhere = at.astimezone(ZoneInfo("Asia/Kathmandu"))
    assert version_in_force(versions, at, zone) == version_in_force(versions, shown_elsewhere, zone)
