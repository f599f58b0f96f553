"""The arithmetic of one clock: due, warning and breach instants, and met or breached."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sla import clocks
from sla.businesstime import always_open, office_hours

ROME = ZoneInfo("Europe/Rome")
eu = office_hours("Europe/Rome", closed_dates=[date(2026, 12, 25), date(2026, 12, 26)])
around_the_clock = always_open()
SECOND = timedelta(seconds=1)


def rome(*parts):
    return datetime(*parts, tzinfo=ROME)


def test_a_clock_is_due_after_its_business_time_and_breaches_at_the_next_opening():
    started = rome(2026, 11, 27, 17, 0)  # a Friday, an hour before closing
    times = clocks.schedule(
        eu, started_at=started, target=timedelta(hours=2), warning_fraction=0.75
    )
    assert times.due == rome(2026, 11, 30, 10, 0)
    assert times.breach_at == times.due  # open at 10:00 on Monday
    assert times.warn_at == rome(2026, 11, 30, 9, 30)  # 90 of the 120 minutes


def test_a_deadline_on_the_closing_time_breaches_at_the_next_opening():
    started = rome(2026, 12, 24, 10, 0)
    times = clocks.schedule(
        eu, started_at=started, target=timedelta(hours=8), warning_fraction=0.75
    )
    assert times.due == rome(2026, 12, 24, 18, 0)
    assert times.breach_at == rome(2026, 12, 28, 9, 0)  # Christmas, St Stephen, the weekend


def test_a_reply_after_hours_to_a_case_due_at_closing_is_on_time():
    started = rome(2026, 11, 24, 10, 0)
    target = timedelta(hours=8)
    late_evening = rome(2026, 11, 24, 20, 0)
    next_morning = rome(2026, 11, 25, 9, 30)
    kwargs = {"started_at": started, "target": target, "paused_for": timedelta(0)}
    assert clocks.is_met(eu, at=late_evening, **kwargs)
    assert not clocks.is_met(eu, at=next_morning, **kwargs)


def test_paused_time_moves_the_deadline_by_the_same_business_time():
    started = rome(2026, 11, 24, 10, 0)
    plain = clocks.schedule(eu, started_at=started, target=timedelta(hours=4), warning_fraction=1)
    paused = clocks.schedule(
        eu,
        started_at=started,
        target=timedelta(hours=4),
        paused_for=timedelta(hours=7),
        warning_fraction=1,
    )
    assert plain.due == rome(2026, 11, 24, 14, 0)
    assert paused.due == rome(2026, 11, 25, 12, 0)


# --- Properties ------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
targets = st.integers(min_value=0, max_value=3 * 540).map(lambda m: timedelta(minutes=m))
pauses = st.integers(min_value=0, max_value=2 * 540).map(lambda m: timedelta(minutes=m))
fractions = st.sampled_from([0.5, 0.75, 0.9, 1.0])
calendars = st.sampled_from([eu, around_the_clock])


@settings(max_examples=200, deadline=None)
@given(calendars, instants, targets, pauses, fractions)
def test_warning_comes_no_later_than_due_and_breach_no_earlier(
    calendar, started, target, paused_for, fraction
):
    times = clocks.schedule(
        calendar,
        started_at=started,
        target=target,
        paused_for=paused_for,
        warning_fraction=fraction,
    )
    assert started <= times.warn_at <= times.due <= times.breach_at
    assert times.breach_at == calendar.next_open(times.due)


@settings(max_examples=200, deadline=None)
@given(calendars, instants, targets, pauses)
def test_met_exactly_up_to_the_breach_instant(calendar, started, target, paused_for):
    times = clocks.schedule(
        calendar, started_at=started, target=target, paused_for=paused_for, warning_fraction=0.75
    )
    kwargs = {"started_at": started, "target": target, "paused_for": paused_for}
    assert clocks.is_met(calendar, at=times.due, **kwargs)
    assert clocks.is_met(calendar, at=times.breach_at, **kwargs)
    # The breach instant is open, so a second later business time has run past the target.
    assert not clocks.is_met(calendar, at=times.breach_at + SECOND, **kwargs)
    assert clocks.remaining(calendar, at=times.due, **kwargs) == timedelta(0)


@settings(max_examples=200, deadline=None)
@given(calendars, instants, targets, st.integers(0, 10_000), st.integers(0, 10_000))
def test_once_missed_always_missed(calendar, started, target, first, later):
    kwargs = {"started_at": started, "target": target, "paused_for": timedelta(0)}
    earlier_at = started + timedelta(minutes=min(first, later))
    later_at = started + timedelta(minutes=max(first, later))
    if not clocks.is_met(calendar, at=earlier_at, **kwargs):
        assert not clocks.is_met(calendar, at=later_at, **kwargs)
    assert clocks.remaining(calendar, at=later_at, **kwargs) <= clocks.remaining(
        calendar, at=earlier_at, **kwargs
    )


@settings(max_examples=200, deadline=None)
@given(calendars, instants, targets, pauses, pauses)
def test_more_pause_never_brings_a_deadline_forward(calendar, started, target, one, other):
    short, long = sorted([one, other])

    def due(paused_for):
        return clocks.schedule(
            calendar,
            started_at=started,
            target=target,
            paused_for=paused_for,
            warning_fraction=0.75,
        ).due

    assert due(short) <= due(long)
