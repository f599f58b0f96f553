"""How long a case may wait on the partner, in business days of its support calendar: by
example, and properties over random instants, limits and holidays."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla.businesstime import office_hours
from sla.waiting import (
    WaitingLimits,
    after_business_days,
    reminder_due,
    resolution_due,
    step_in_allowed,
    step_in_from,
)

ROME = ZoneInfo("Europe/Rome")
SECOND = timedelta(seconds=1)
BUSINESS_DAY = timedelta(hours=9)  # one day of the office calendar's support hours
LIMITS = WaitingLimits(reminder_days=5, resolve_days=10, step_in_days=10)

# Christmas and St Stephen's Day close the calendar in 2026.
eu = office_hours("Europe/Rome", closed_dates=[date(2026, 12, 25), date(2026, 12, 26)])


def rome(*parts):
    return datetime(*parts, tzinfo=ROME)


def test_the_day_the_wait_begins_is_not_counted():
    monday_morning = rome(2026, 11, 23, 10, 0)
    assert after_business_days(eu, monday_morning, 5) == rome(2026, 11, 30, 18, 0)
    assert reminder_due(eu, waiting_since=monday_morning, limits=LIMITS) == rome(2026, 11, 30, 18)


def test_a_wait_begun_on_a_weekend_counts_from_the_first_working_day_after_it():
    saturday = rome(2026, 11, 28, 11, 0)
    # Monday is the first day the partner can act on; it is not counted either.
    assert after_business_days(eu, saturday, 1) == rome(2026, 12, 1, 18, 0)


def test_a_wait_begun_after_hours_counts_from_the_next_day():
    monday_evening = rome(2026, 11, 23, 20, 0)
    assert after_business_days(eu, monday_evening, 1) == rome(2026, 11, 24, 18, 0)
    # No days: the close of the uncounted day, which may be behind the start.
    assert after_business_days(eu, monday_evening, 0) == rome(2026, 11, 23, 18, 0)


def test_holidays_are_not_business_days():
    # Mon 21 Dec: Tue 22, Wed 23, Thu 24, (Fri 25, Sat, Sun closed) Mon 28, Tue 29.
    assert after_business_days(eu, rome(2026, 12, 21, 9, 30), 5) == rome(2026, 12, 29, 18, 0)


def test_the_resolution_counts_from_the_reminder_actually_sent():
    on_time = rome(2026, 11, 30, 18, 0, 30)
    assert resolution_due(eu, reminded_at=on_time, limits=LIMITS) == rome(2026, 12, 14, 18, 0)
    # Workers down over the weekend: the reminder goes out on Tuesday, and the partner
    # still gets every one of the ten days after it.
    late = rome(2026, 12, 1, 10, 0)
    assert resolution_due(eu, reminded_at=late, limits=LIMITS) == rome(2026, 12, 15, 18, 0)


def test_stepping_in_needs_a_limit_an_end_customer_and_the_limit_passed():
    due = step_in_from(eu, waiting_since=rome(2026, 11, 23, 10), limits=LIMITS)
    assert due == rome(2026, 12, 7, 18, 0)
    before, after = due - SECOND, due
    assert not step_in_allowed(limits=LIMITS, about_end_customer=True, step_in_at=due, now=before)
    assert step_in_allowed(limits=LIMITS, about_end_customer=True, step_in_at=due, now=after)
    assert not step_in_allowed(limits=LIMITS, about_end_customer=False, step_in_at=due, now=after)
    assert not step_in_allowed(limits=LIMITS, about_end_customer=True, step_in_at=None, now=after)
    older_terms = WaitingLimits(reminder_days=5, resolve_days=10)
    assert step_in_from(eu, waiting_since=rome(2026, 11, 23, 10), limits=older_terms) is None
    assert not step_in_allowed(
        limits=older_terms, about_end_customer=True, step_in_at=due, now=after
    )


def test_limits_are_whole_business_days_and_times_are_aware():
    with pytest.raises(ValueError, match="at least one business day"):
        WaitingLimits(reminder_days=0, resolve_days=10)
    with pytest.raises(ValueError, match="at least one business day"):
        WaitingLimits(reminder_days=5, resolve_days=10, step_in_days=0)
    with pytest.raises(ValueError, match="aware"):
        after_business_days(eu, datetime(2026, 11, 23, 10), 1)


# --- Properties --------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2026, 3, 1), max_value=datetime(2027, 1, 31), timezones=st.just(UTC)
)
days = st.integers(0, 30)
some_days = st.integers(1, 30)
holidays = st.sets(st.dates(date(2026, 3, 1), date(2027, 3, 31)), max_size=12)


@given(instants, some_days, holidays)
def test_the_limit_is_a_closing_instant_after_the_start(start, n, closed):
    calendar = office_hours("Europe/Rome", closed_dates=closed)
    limit = after_business_days(calendar, start, n)
    assert limit > start
    assert not calendar.is_open(limit)
    assert calendar.is_open(limit - SECOND)


@given(instants, days, holidays)
def test_the_partner_always_gets_n_whole_business_days(start, n, closed):
    calendar = office_hours("Europe/Rome", closed_dates=closed)
    assert calendar.elapsed(start, after_business_days(calendar, start, n)) >= n * BUSINESS_DAY


@given(instants, days, holidays)
def test_one_more_day_is_one_more_working_day(start, n, closed):
    calendar = office_hours("Europe/Rome", closed_dates=closed)
    limit, next_limit = (after_business_days(calendar, start, k) for k in (n, n + 1))
    assert calendar.elapsed(limit, next_limit) == BUSINESS_DAY


@given(instants, instants, days, holidays)
def test_a_later_start_never_gives_an_earlier_limit(first, second, n, closed):
    calendar = office_hours("Europe/Rome", closed_dates=closed)
    early, late = sorted((first, second))
    assert after_business_days(calendar, early, n) <= after_business_days(calendar, late, n)


@given(instants, days, days, holidays)
def test_counting_in_two_steps_from_the_first_limit_is_counting_once(start, a, b, closed):
    calendar = office_hours("Europe/Rome", closed_dates=closed)
    first = after_business_days(calendar, start, a)
    assert after_business_days(calendar, first, b) == after_business_days(calendar, start, a + b)


@given(instants, st.integers(1, 20), st.integers(1, 20), holidays)
def test_the_reminder_comes_before_the_resolution(start, reminder, resolve, closed):
    calendar = office_hours("Europe/Rome", closed_dates=closed)
    limits = WaitingLimits(reminder_days=reminder, resolve_days=resolve)
    remind_at = reminder_due(calendar, waiting_since=start, limits=limits)
    resolve_at = resolution_due(calendar, reminded_at=remind_at, limits=limits)
    assert start < remind_at < resolve_at
    assert calendar.elapsed(remind_at, resolve_at) == resolve * BUSINESS_DAY
