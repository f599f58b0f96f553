"""Business-time arithmetic, by example and against a minute-by-minute reference."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.businesstime import BusinessCalendar, always_open, office_hours

NY, ROME = ZoneInfo("America/New_York"), ZoneInfo("Europe/Rome")
MINUTE = timedelta(minutes=1)


def at(tz, *parts):
    return datetime(*parts, tzinfo=tz)


# --- Examples ------------------------------------------------------------------------------

us = office_hours("America/New_York", closed_dates=[date(2026, 11, 26)])  # Thanksgiving


def test_a_deadline_rolls_over_the_weekend():
    friday = at(NY, 2026, 11, 20, 17, 45)
    assert us.add(friday, timedelta(minutes=30)) == at(NY, 2026, 11, 23, 9, 15)


def test_a_deadline_that_uses_up_the_day_is_the_closing_time_not_the_next_opening():
    assert us.add(at(NY, 2026, 11, 23, 17, 30), timedelta(minutes=30)) == at(NY, 2026, 11, 23, 18)


def test_adding_nothing_changes_nothing_even_when_closed():
    sunday = at(NY, 2026, 11, 22, 12)
    assert us.add(sunday, timedelta(0)) == sunday


def test_closing_time_is_closed_and_opening_time_is_open():
    assert not us.is_open(at(NY, 2026, 11, 23, 18))
    assert us.is_open(at(NY, 2026, 11, 23, 9))
    assert us.next_open(at(NY, 2026, 11, 23, 18)) == at(NY, 2026, 11, 24, 9)


def test_a_holiday_closes_its_whole_date():
    assert not us.is_open(at(NY, 2026, 11, 26, 12))
    wednesday_close = at(NY, 2026, 11, 25, 17)
    assert us.add(wednesday_close, timedelta(hours=2)) == at(NY, 2026, 11, 27, 10)


def test_same_working_day_close():
    assert us.working_day_close(at(NY, 2026, 11, 23, 7)) == at(NY, 2026, 11, 23, 18)
    assert us.working_day_close(at(NY, 2026, 11, 23, 12)) == at(NY, 2026, 11, 23, 18)
    assert us.working_day_close(at(NY, 2026, 11, 23, 19)) == at(NY, 2026, 11, 24, 18)
    assert us.working_day_close(at(NY, 2026, 11, 25, 19)) == at(NY, 2026, 11, 27, 18)


def test_business_time_across_a_spring_forward_weekend_in_rome():
    eu = office_hours("Europe/Rome")
    friday = at(ROME, 2026, 3, 27, 17)  # clocks go forward on Sunday 29 March
    monday = at(ROME, 2026, 3, 30, 10)
    assert eu.elapsed(friday, monday) == timedelta(hours=2)
    assert eu.add(friday, timedelta(hours=2)) == monday


def test_instants_in_other_zones_are_the_same_instants():
    utc_noon = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 12:00 in New York
    assert us.elapsed(utc_noon, at(NY, 2026, 11, 23, 18)) == timedelta(hours=6)


def test_always_open_counts_wall_time():
    start = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    assert always_open().add(start, timedelta(hours=4)) == start + timedelta(hours=4)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        us.is_open(datetime(2026, 11, 23, 12))


def test_empty_and_reversed_ranges_have_no_business_time():
    moment = at(NY, 2026, 11, 23, 12)
    assert us.elapsed(moment, moment) == timedelta(0)
    assert us.elapsed(moment, moment - timedelta(hours=1)) == timedelta(0)


# --- A minute-by-minute reference ---------------------------------------------------------

# Boundaries avoid 02:00-03:00, where the clock changes, so that comparing wall-clock times
# (the reference) and converting them with zoneinfo (the implementation) must agree.
BOUNDARIES = ["00:00", "06:00", "09:00", "12:30", "13:30", "18:00", "22:00", "24:00"]


@st.composite
def weeks(draw):
    week = {}
    for weekday in range(7):
        picks = sorted(draw(st.sets(st.sampled_from(BOUNDARIES), max_size=4)))
        if len(picks) % 2:
            picks = picks[:-1]
        week[weekday] = list(zip(picks[::2], picks[1::2], strict=True))
    return week


@st.composite
def calendars(draw):
    tz = draw(st.sampled_from(["Europe/Rome", "America/New_York", "UTC"]))
    week = draw(weeks())
    if not any(week.values()):
        week[draw(st.integers(0, 6))] = [("09:00", "18:00")]
    closed = draw(st.sets(st.dates(date(2026, 3, 20), date(2026, 4, 10)), max_size=4))
    return BusinessCalendar(tz, week, closed), tz, week, closed


def reference_is_open(instant: datetime, tz: str, week, closed) -> bool:
    local = instant.astimezone(ZoneInfo(tz))
    if local.date() in closed:
        return False
    wall = local.time()
    for opens, closes in week.get(local.weekday(), []):
        start = time.fromisoformat(opens)
        if closes == "24:00":
            if wall >= start:
                return True
        elif start <= wall < time.fromisoformat(closes):
            return True
    return False


def reference_elapsed(start, end, tz, week, closed) -> timedelta:
    minutes, moment = 0, start
    while moment < end:
        minutes += reference_is_open(moment, tz, week, closed)
        moment += MINUTE
    return minutes * MINUTE


# Around the European and American spring-forward dates of 2026.
instants = st.datetimes(
    min_value=datetime(2026, 3, 5), max_value=datetime(2026, 4, 5), timezones=st.just(UTC)
).map(lambda d: d.replace(second=0, microsecond=0))
durations = st.integers(0, 3 * 24 * 60).map(lambda m: m * MINUTE)


@settings(max_examples=60, deadline=None)
@given(calendars(), instants)
def test_is_open_and_next_open_match_the_reference(calendar, start):
    cal, tz, week, closed = calendar
    assert cal.is_open(start) == reference_is_open(start, tz, week, closed)
    opening = cal.next_open(start)
    moment = start
    while not reference_is_open(moment, tz, week, closed):
        moment += MINUTE
    assert opening == moment


@settings(max_examples=60, deadline=None)
@given(calendars(), instants, durations)
def test_elapsed_matches_the_reference(calendar, start, length):
    cal, tz, week, closed = calendar
    assert cal.elapsed(start, start + length) == reference_elapsed(
        start, start + length, tz, week, closed
    )


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, durations)
def test_adding_then_measuring_gives_back_the_duration(calendar, start, length):
    cal = calendar[0]
    assert cal.elapsed(start, cal.add(start, length)) == length


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, durations, durations)
def test_add_is_monotone(calendar, start, length, more):
    cal = calendar[0]
    assert cal.add(start, length) <= cal.add(start, length + more)
    assert cal.add(start, length) <= cal.add(start + more, length)


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, durations, durations)
def test_elapsed_adds_up_over_a_split(calendar, start, first, second):
    cal = calendar[0]
    middle, end = start + first, start + first + second
    assert cal.elapsed(start, end) == cal.elapsed(start, middle) + cal.elapsed(middle, end)


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, durations)
def test_a_deadline_never_falls_inside_closed_time(calendar, start, length):
    cal = calendar[0]
    deadline = cal.add(start, length)
    if length:
        # Open at the deadline, or the deadline is a closing instant.
        assert cal.is_open(deadline) or cal.is_open(deadline - MINUTE)


def test_an_interval_spanning_the_clock_change_counts_real_hours():
    # 00:00-06:00 on the night Rome skips 02:00-03:00 lasts five hours, not six.
    night = BusinessCalendar("Europe/Rome", {6: [("00:00", "06:00")]})
    sunday = at(ROME, 2026, 3, 29, 0)
    assert night.elapsed(sunday, at(ROME, 2026, 3, 29, 12)) == timedelta(hours=5)
    assert night.add(sunday, timedelta(hours=5)) == at(ROME, 2026, 3, 29, 6)


def test_around_the_clock_in_a_local_zone_counts_real_hours_across_the_change():
    rome_24x7 = BusinessCalendar("Europe/Rome", {day: [("00:00", "24:00")] for day in range(7)})
    saturday_evening = at(ROME, 2026, 3, 28, 22)
    assert rome_24x7.add(saturday_evening, timedelta(hours=4)) == at(ROME, 2026, 3, 29, 3)
