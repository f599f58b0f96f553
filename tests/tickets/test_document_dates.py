"""When requested documents are due and when the partner is reminded (terms 7.9.2): the due
date is a whole day in the partner's zone, at least one whole working day away, with
reminders at the opening of support hours two working days before and on the due date."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.businesstime import office_hours
from tickets import document_dates as rules

ROME = "Europe/Rome"
EU = office_hours(ROME, closed_dates=[date(2026, 12, 25), date(2026, 12, 8)])
US = office_hours("America/New_York", closed_dates=[date(2026, 11, 26)])
PARTNER_ZONES = ["Europe/Rome", "Europe/Tallinn", "America/New_York", "Asia/Tokyo", "UTC"]

instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


def test_the_due_date_ends_at_midnight_where_the_partner_is():
    assert rules.due_instant(date(2026, 3, 12), ROME) == datetime(
        2026, 3, 13, tzinfo=ZoneInfo(ROME)
    )
    # Across the spring change of the clocks, still local midnight.
    end = rules.due_instant(date(2026, 3, 28), ROME)
    assert end.astimezone(UTC) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)


def test_asked_on_a_friday_afternoon_the_earliest_due_date_is_monday():
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=ZoneInfo(ROME))
    assert rules.earliest_due_date(friday, EU, ROME) == date(2026, 12, 7)


def test_a_holiday_is_not_a_working_day_to_count():
    # Mon 7 Dec; Tue 8 Dec is a holiday in this calendar.
    monday = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo(ROME))
    assert rules.earliest_due_date(monday, EU, ROME) == date(2026, 12, 9)


def test_a_partner_ahead_of_the_calendar_gets_the_whole_working_day():
    # Monday's hours in Rome end at 02:00 on Tuesday in Tokyo: the earliest due date there
    # is Tuesday, or the partner would lose Monday afternoon.
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=ZoneInfo(ROME))
    assert rules.earliest_due_date(friday, EU, "Asia/Tokyo") == date(2026, 12, 8)


def test_reminders_two_working_days_before_and_on_the_due_day():
    asked = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo(ROME))  # Tuesday
    due = date(2026, 12, 14)  # Monday
    times = rules.reminder_times(
        asked_at=asked, due_date=due, due_at=rules.due_instant(due, ROME), calendar=EU
    )
    rome = ZoneInfo(ROME)
    # Two working days before Monday 14: Thursday 10 (Friday 11 is one).
    assert times == {
        "first": datetime(2026, 12, 10, 9, 0, tzinfo=rome),
        "last": datetime(2026, 12, 14, 9, 0, tzinfo=rome),
    }


def test_a_short_request_gets_only_the_reminders_still_ahead():
    asked = datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo(ROME))  # Thursday
    due = date(2026, 12, 7)  # Monday: two working days before is Thursday 3, already begun
    times = rules.reminder_times(
        asked_at=asked, due_date=due, due_at=rules.due_instant(due, ROME), calendar=EU
    )
    assert list(times) == ["last"]


def test_a_due_date_on_a_closed_day_is_reminded_on_the_last_working_day_before():
    asked = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo(ROME))
    due = date(2026, 12, 13)  # Sunday
    times = rules.reminder_times(
        asked_at=asked, due_date=due, due_at=rules.due_instant(due, ROME), calendar=EU
    )
    assert times["last"] == datetime(2026, 12, 11, 9, 0, tzinfo=ZoneInfo(ROME))
    # Two working days before Sunday 13: Thursday 10 (Friday 11 is one).
    assert times["first"] == datetime(2026, 12, 10, 9, 0, tzinfo=ZoneInfo(ROME))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        rules.earliest_due_date(datetime(2026, 12, 1, 10), EU, ROME)


@settings(max_examples=150, deadline=None)
@given(asked=instants, zone=st.sampled_from(PARTNER_ZONES), calendar=st.sampled_from([EU, US]))
def test_the_earliest_due_date_always_leaves_one_whole_working_day(asked, zone, calendar):
    earliest = rules.earliest_due_date(asked, calendar, zone)
    end = rules.due_instant(earliest, zone)
    asking_day = asked.astimezone(calendar.tz).date()
    # Some working day after the asking day lies wholly before the end of the due date.
    first = calendar.next_open(
        datetime.combine(asking_day + timedelta(days=1), time(0), tzinfo=calendar.tz)
    )
    assert calendar.working_day_close(first) <= end
    assert earliest > asked.astimezone(ZoneInfo(zone)).date()


@settings(max_examples=150, deadline=None)
@given(
    asked=instants,
    days=st.integers(min_value=1, max_value=40),
    zone=st.sampled_from(PARTNER_ZONES),
    calendar=st.sampled_from([EU, US]),
)
def test_reminders_fall_at_openings_between_the_request_and_its_end(asked, days, zone, calendar):
    due = asked.astimezone(ZoneInfo(zone)).date() + timedelta(days=days)
    end = rules.due_instant(due, zone)
    times = rules.reminder_times(asked_at=asked, due_date=due, due_at=end, calendar=calendar)
    assert set(times) <= {"first", "last"}
    for at in times.values():
        assert asked < at < end
        assert calendar.is_open(at)
        assert not calendar.is_open(at - timedelta(minutes=1))  # the opening itself
    if len(times) == 2:
        assert times["first"] < times["last"]
    if "first" in times:
        # It is the second working day before the due date: one lies between them.
        first_day = times["first"].astimezone(calendar.tz).date()
        assert first_day < due
        between = [
            first_day + timedelta(days=n)
            for n in range(1, (due - first_day).days)
            if rules.is_working_day(first_day + timedelta(days=n), calendar)
        ]
        assert len(between) == 1
