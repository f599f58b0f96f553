"""How clocks and deadlines read to people. Pure: no database."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla import display
from sla.businesstime import BusinessCalendar
from sla.targets import Deadline

ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = {day: [("09:00", "18:00")] for day in range(5)}
EU = BusinessCalendar("Europe/Rome", OFFICE)

TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=ROME)
TUESDAY_18 = datetime(2026, 11, 24, 18, 0, tzinfo=ROME)


@dataclass
class FakeClock:
    metric: str = "first_response"
    state: str = "running"
    started_at: datetime = TUESDAY_10
    target: timedelta = timedelta(hours=8)
    due_at: datetime = TUESDAY_18
    breach_at: datetime = datetime(2026, 11, 25, 9, 0, tzinfo=ROME)
    warn_at: datetime = datetime(2026, 11, 24, 16, 24, tzinfo=ROME)
    warned_at: datetime | None = None
    breached_at: datetime | None = None
    stopped_at: datetime | None = None
    paused_for: timedelta = timedelta(0)
    paused_since: datetime | None = None
    calendar: str = "eu"


def deadline(metric: str, due: datetime, target: timedelta, calendar: str = "eu") -> Deadline:
    return Deadline(
        metric=metric,
        due=due,
        breach_at=due,
        target=target,
        calendar=calendar,
        pauses_while_waiting=False,
    )


# --- Due times ---------------------------------------------------------------------------


def test_due_time_this_week_is_weekday_time_and_zone():
    assert display.due_text(TUESDAY_18, "Europe/Rome", now=TUESDAY_10) == "Tue 18:00 CET"
    assert display.due_text(TUESDAY_18, NEW_YORK, now=TUESDAY_10) == "Tue 12:00 EST"


def test_due_time_in_summer_names_the_summer_zone():
    july = datetime(2026, 7, 7, 18, 0, tzinfo=ROME)
    assert display.due_text(july, ROME, now=july - timedelta(hours=2)) == "Tue 18:00 CEST"


def test_due_time_further_away_or_without_now_carries_its_date():
    far = TUESDAY_18 + timedelta(days=14)
    # The year only when it is not this year's.
    assert display.due_text(far, ROME, now=TUESDAY_10) == "Tue 8 Dec, 18:00 CET"
    next_year = datetime(2027, 1, 4, 18, 0, tzinfo=ROME)
    assert display.due_text(next_year, ROME, now=TUESDAY_10) == "Mon 4 Jan 2027, 18:00 CET"
    assert display.due_text(TUESDAY_18, ROME) == "Tue 24 Nov 2026, 18:00 CET"
    assert display.due_text(TUESDAY_18 - timedelta(days=3), ROME, now=TUESDAY_10) == (
        "Sat 18:00 CET"
    )
    long_ago = TUESDAY_18 - timedelta(days=10)
    assert display.due_text(long_ago, ROME, now=TUESDAY_10) == "Sat 14 Nov, 18:00 CET"


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(minutes=30), "30 minutes"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(hours=4), "4 hours"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(minutes=90), "1 h 30 min"),
        (timedelta(hours=9), "9 hours"),
        (-timedelta(minutes=20), "20 minutes"),
    ],
)
def test_durations_in_words(duration, text):
    assert display.duration_text(duration) == text


# --- Clocks ------------------------------------------------------------------------------


def test_waiting_first_response_is_due_by_its_time():
    shown = display.clock_display(FakeClock(), tz=ROME, now=TUESDAY_10)

    assert shown.label == "First response"
    # Due at closing time: a reply before support hours open again is still on time.
    assert shown.state_text == "First response due Tue 18:00 CET · breaches Wed 09:00 CET"
    assert (shown.waiting, shown.overdue, shown.paused) == (True, False, False)


def test_first_response_answered_in_time_or_late():
    met = FakeClock(state="met", stopped_at=TUESDAY_10 + timedelta(hours=1))
    late = FakeClock(state="breached", stopped_at=TUESDAY_18 + timedelta(days=1))

    assert display.clock_display(met, tz=ROME, now=TUESDAY_18).state_text == (
        "Answered within target"
    )
    shown = display.clock_display(late, tz=ROME, now=TUESDAY_18 + timedelta(days=1))
    assert shown.state_text == (
        "Answered late: due Tue 18:00 CET · breached Wed 09:00 CET, 9 h ago"
    )
    assert not shown.waiting


def test_breached_clock_still_waiting_says_when_it_was_due():
    clock = FakeClock(state="breached", breached_at=datetime(2026, 11, 25, 9, 0, tzinfo=ROME))
    now = datetime(2026, 11, 25, 11, 0, tzinfo=ROME)

    shown = display.clock_display(clock, tz=ROME, now=now)

    assert shown.overdue
    assert shown.state_text == (
        "First response due Tue 18:00 CET · breached Wed 09:00 CET, 2 h ago"
    )


def test_restoration_reads_as_restoration_and_pauses_while_waiting_on_the_partner():
    restoration = FakeClock(
        metric="restoration",
        due_at=TUESDAY_10 + timedelta(hours=4),
        breach_at=TUESDAY_10 + timedelta(hours=4),
        target=timedelta(hours=4),
    )
    assert display.clock_display(restoration, tz=ROME, now=TUESDAY_10).state_text == (
        "Service restoration due Tue 14:00 CET"
    )
    paused = replace(restoration, state="paused", paused_since=TUESDAY_10 + timedelta(hours=1))
    shown = display.clock_display(paused, tz=ROME, now=TUESDAY_10 + timedelta(hours=3))
    assert shown.paused
    assert not shown.overdue
    assert shown.state_text == "Service restoration paused while we wait for your reply"
    restored = replace(restoration, state="met", stopped_at=TUESDAY_10 + timedelta(hours=2))
    assert display.clock_display(restored, tz=ROME, now=TUESDAY_18).state_text == (
        "Restored within target"
    )


def test_at_risk_only_once_warned_and_not_yet_overdue():
    warned = FakeClock(warned_at=TUESDAY_10 + timedelta(hours=6))
    now = TUESDAY_10 + timedelta(hours=7)

    assert display.clock_display(warned, tz=ROME, now=now).at_risk
    assert not display.clock_display(FakeClock(), tz=ROME, now=now).at_risk


def test_remaining_business_time_skips_closed_hours():
    now = datetime(2026, 11, 24, 17, 0, tzinfo=ROME)
    clock = FakeClock(target=timedelta(hours=9), started_at=TUESDAY_10)

    shown = display.clock_display(clock, tz=ROME, now=now, calendar=EU)

    assert shown.remaining == timedelta(hours=2)
    assert shown.remaining_text == "2 hours of business time left"
    # Overnight the clock does not move.
    night = display.clock_display(clock, tz=ROME, now=now + timedelta(hours=12), calendar=EU)
    assert night.remaining == timedelta(hours=1)


def test_remaining_is_negative_once_overrun_and_none_once_stopped():
    clock = FakeClock(target=timedelta(hours=1))
    overrun = display.clock_display(
        clock, tz=ROME, now=TUESDAY_10 + timedelta(hours=3), calendar=EU
    )
    assert overrun.remaining == -timedelta(hours=2)
    assert overrun.remaining_text == "2 hours over"
    stopped = replace(clock, state="met", stopped_at=TUESDAY_10 + timedelta(minutes=5))
    assert display.clock_display(stopped, tz=ROME, now=TUESDAY_18, calendar=EU).remaining is None


def test_paused_clock_keeps_the_time_it_had_when_it_paused():
    clock = FakeClock(
        state="paused", target=timedelta(hours=4), paused_since=TUESDAY_10 + timedelta(hours=1)
    )
    shown = display.clock_display(clock, tz=ROME, now=TUESDAY_18, calendar=EU)
    assert shown.remaining == timedelta(hours=3)


def test_partners_see_first_response_and_restoration_only():
    clocks = [
        FakeClock(metric="restoration", due_at=TUESDAY_10 + timedelta(hours=4)),
        FakeClock(metric="out_of_hours_triage", due_at=TUESDAY_10 + timedelta(minutes=30)),
        FakeClock(metric="first_response"),
    ]

    partner = display.clocks_for_viewer(clocks, internal=False)
    staff = display.clocks_for_viewer(clocks, internal=True)

    assert [c.metric for c in partner] == ["restoration", "first_response"]
    assert [c.metric for c in staff] == ["out_of_hours_triage", "restoration", "first_response"]


# --- The staff "Service levels" panel -------------------------------------------------


def test_staff_standing_is_the_time_left_while_waiting():
    now = datetime(2026, 11, 24, 17, 0, tzinfo=ROME)
    clock = FakeClock(target=timedelta(hours=9))

    level = display.service_level(clock, tz=ROME, now=now, calendar=EU)

    assert display.needs_calendar(clock)
    assert level.standing == "2 hours of business time left"


def test_staff_standing_of_a_stopped_clock_is_within_target_or_how_far_over():
    met = FakeClock(state="met", stopped_at=TUESDAY_10 + timedelta(hours=1))
    late = FakeClock(
        state="breached", target=timedelta(hours=1), stopped_at=TUESDAY_10 + timedelta(hours=3)
    )

    assert not display.needs_calendar(met)
    assert display.service_level(met, tz=ROME, now=TUESDAY_18, calendar=None).standing == (
        "Within target"
    )
    assert display.needs_calendar(late)
    # Measured when it stopped, not now.
    assert display.service_level(late, tz=ROME, now=TUESDAY_18, calendar=EU).standing == (
        "2 hours over"
    )


def test_staff_see_a_clock_at_risk_from_its_warning_point_before_the_warning_goes_out():
    past_warning = TUESDAY_10 + timedelta(hours=7)
    clock = FakeClock()  # warns at 16:24, not warned yet

    assert display.service_level(clock, tz=ROME, now=past_warning, calendar=EU).at_risk
    assert not display.clock_display(clock, tz=ROME, now=past_warning).at_risk
    early = TUESDAY_10 + timedelta(hours=1)
    assert not display.service_level(clock, tz=ROME, now=early, calendar=EU).at_risk
    overdue = datetime(2026, 11, 25, 10, 0, tzinfo=ROME)
    assert not display.service_level(clock, tz=ROME, now=overdue, calendar=EU).at_risk


@given(
    minutes_in=st.integers(min_value=0, max_value=60 * 24 * 5),
    target_minutes=st.integers(min_value=1, max_value=60 * 9 * 3),
)
def test_remaining_plus_used_is_the_target(minutes_in, target_minutes):
    target = timedelta(minutes=target_minutes)
    clock = FakeClock(target=target)
    now = TUESDAY_10 + timedelta(minutes=minutes_in)

    remaining = display.remaining_business_time(clock, calendar=EU, now=now)

    assert remaining + EU.elapsed(TUESDAY_10, now) == target


# --- The intake preview ------------------------------------------------------------------


def test_preview_names_the_first_response_due_time():
    lines = display.intake_preview(
        [deadline("first_response", TUESDAY_18, timedelta(hours=8))], tz=ROME, now=TUESDAY_10
    )
    assert lines == ["First response by Tue 18:00 CET (8 business hours)"]


def test_preview_adds_restoration_and_out_of_hours_triage():
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=ROME)
    lines = display.intake_preview(
        [
            deadline(
                "out_of_hours_triage",
                saturday + timedelta(minutes=30),
                timedelta(minutes=30),
                "24x7",
            ),
            deadline("restoration", saturday + timedelta(hours=4), timedelta(hours=4), "24x7"),
            deadline(
                "first_response", datetime(2026, 11, 30, 9, 30, tzinfo=ROME), timedelta(minutes=30)
            ),
        ],
        tz="Europe/Rome",
        now=saturday,
    )
    assert lines == [
        "First response by Mon 09:30 CET (30 business minutes)",
        "Support hours are closed now: our network operations centre triages a Critical case "
        "within 30 minutes, around the clock.",
        "Service restoration target: 4 hours, around the clock",
    ]


def test_preview_of_nothing_is_empty():
    assert display.intake_preview([], tz=ROME, now=TUESDAY_10) == []


# --- Targets in the terms' own words ------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "target", "calendar", "text"),
    [
        ("same_working_day", timedelta(hours=8, minutes=49), "eu", "same working day"),
        ("business_time", timedelta(minutes=30), "eu", "30 business minutes"),
        ("business_time", timedelta(hours=9), "us", "1 business day"),
        ("business_time", timedelta(hours=18), "eu", "2 business days"),
        ("business_time", timedelta(hours=4), "eu", "4 business hours"),
        ("business_time", timedelta(hours=4), "24x7", "4 hours"),
        ("business_time", timedelta(minutes=30), "24x7", "30 minutes"),
    ],
)
def test_targets_read_as_the_terms_write_them(kind, target, calendar, text):
    assert display.target_text(kind=kind, target=target, calendar=calendar) == text


def test_the_staff_panel_words_a_same_working_day_target_as_such():
    clock = FakeClock(target=timedelta(hours=8, minutes=49))

    level = display.service_level(
        clock, tz=ROME, now=TUESDAY_10, calendar=EU, kind="same_working_day"
    )

    assert level.target_text == "same working day"
    assert level.shown.deadline_text == "due Tue 18:00 CET · breaches Wed 09:00 CET"
