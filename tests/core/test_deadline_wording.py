"""The one wording of due and breach times, in the reader's zone, across zones and daylight
saving changes. Pure: no database."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.formatting import date_text, deadline_text, moment_text
from sla.businesstime import BusinessCalendar

ROME = ZoneInfo("Europe/Rome")
BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
EU = BusinessCalendar("Europe/Rome", {day: [("09:00", "18:00")] for day in range(5)})

# Zones with daylight saving of every shape: none, an hour, half an hour (Lord Howe),
# "negative" (Dublin), southern summers, and an offset of 45 minutes (Chatham).
ZONES = [
    "UTC",
    "Europe/Rome",
    "Europe/Berlin",
    "Europe/Tallinn",
    "Europe/Dublin",
    "America/New_York",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
]
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


def rome(*parts) -> datetime:
    return datetime(*parts, tzinfo=ROME)


# --- Examples ------------------------------------------------------------------------------

# Thursday 3 December 2026: due at closing time in Rome, breached when support opened on
# Friday; read two hours later.
DUE = rome(2026, 12, 3, 18, 0)
BREACH = rome(2026, 12, 4, 9, 0)
READ = rome(2026, 12, 4, 11, 0)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (BERLIN, "due Thu 18:00 CET · breached Fri 09:00 CET, 2 h ago"),
        (NEW_YORK, "due Thu 12:00 EST · breached Fri 03:00 EST, 2 h ago"),
    ],
)
def test_a_breached_case_read_in_berlin_and_new_york(zone, text):
    assert deadline_text(DUE, BREACH, tz=zone, now=READ) == text
    assert deadline_text(DUE, BREACH, tz=zone, now=READ, breached_at=BREACH) == text


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        # Rome and Berlin leave summer time on the last Sunday of October (25 Oct 2026)...
        (BERLIN, "due Fri 18:00 CEST · breached Mon 09:00 CET, 2 h ago"),
        # ...New York a week later, so it is still on summer time on Monday.
        (NEW_YORK, "due Fri 12:00 EDT · breached Mon 04:00 EDT, 2 h ago"),
    ],
)
def test_across_the_last_sunday_of_october(zone, text):
    due = rome(2026, 10, 23, 18, 0)
    breach = EU.next_open(due)

    assert breach == rome(2026, 10, 26, 9, 0)
    assert deadline_text(due, breach, tz=zone, now=rome(2026, 10, 26, 11, 0)) == text


def test_before_the_breach_it_says_when_the_breach_will_count():
    before = rome(2026, 12, 3, 15, 0)
    overdue = rome(2026, 12, 3, 20, 0)  # past due, support hours closed: still on time

    assert deadline_text(DUE, BREACH, tz=BERLIN, now=before) == (
        "due Thu 18:00 CET · breaches Fri 09:00 CET"
    )
    assert deadline_text(DUE, BREACH, tz=BERLIN, now=overdue) == (
        "due Thu 18:00 CET · breaches Fri 09:00 CET"
    )
    # Due inside support hours: the breach is the due time itself, nothing more to say.
    midday = rome(2026, 12, 3, 12, 0)
    assert deadline_text(midday, midday, tz=BERLIN, now=before - timedelta(hours=5)) == (
        "due Thu 12:00 CET"
    )
    assert deadline_text(DUE, None, tz=BERLIN, now=before) == "due Thu 18:00 CET"


def test_stored_text_leaves_out_how_long_ago():
    assert deadline_text(DUE, BREACH, tz=BERLIN, now=READ, relative=False) == (
        "due Thu 18:00 CET · breached Fri 09:00 CET"
    )


def test_further_away_the_date_is_named_with_the_year_only_when_it_is_another_year():
    now = rome(2026, 11, 20, 10, 0)

    assert moment_text(DUE, tz=BERLIN, now=now) == "Thu 3 Dec, 18:00 CET"
    assert moment_text(rome(2027, 1, 4, 9, 0), tz=BERLIN, now=now) == "Mon 4 Jan 2027, 09:00 CET"
    assert moment_text(rome(2025, 12, 1, 9, 0), tz=BERLIN, now=now) == "Mon 1 Dec 2025, 09:00 CET"
    # The year is the reader's: 23:30 on New Year's Eve in New York is already next year in
    # Rome.
    eve = datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo(NEW_YORK))
    assert moment_text(eve, tz=NEW_YORK, now=eve - timedelta(days=10)) == "Thu 31 Dec, 23:30 EST"
    assert moment_text(eve, tz="Europe/Rome", now=eve - timedelta(days=10)) == (
        "Fri 1 Jan 2027, 05:30 CET"
    )


def test_dates_carry_the_year_when_it_is_not_the_current_year():
    today = date(2025, 6, 1)
    span = f"From {date_text(date(2026, 10, 4), today=today)} until "
    span += date_text(date(2027, 10, 4), today=today)

    assert span == "From 4 Oct 2026 until 4 Oct 2027"
    assert date_text(date(2025, 10, 4), today=today) == "4 Oct"


# --- Properties ----------------------------------------------------------------------------


@given(at=instants, now=instants, zone=st.sampled_from(ZONES))
def test_the_wording_names_the_readers_zone_valid_at_that_instant(at, now, zone):
    local = at.astimezone(ZoneInfo(zone))

    text = moment_text(at, tz=zone, now=now)

    assert text.endswith(f" {local:%H:%M} {local.tzname()}")
    if abs(at - now) <= timedelta(days=6):
        assert text == f"{local:%a %H:%M} {local.tzname()}"  # the weekday is enough
    else:
        other_year = local.year != now.astimezone(ZoneInfo(zone)).year
        assert (f" {local.year}, " in text) == other_year


@given(
    start=instants,
    target_minutes=st.integers(min_value=0, max_value=9 * 60 * 5),
    read_after_minutes=st.integers(min_value=-60 * 24 * 3, max_value=60 * 24 * 10),
    zone=st.sampled_from(ZONES),
)
def test_a_breach_is_never_before_its_due_time_and_is_named_once_it_counts(
    start, target_minutes, read_after_minutes, zone
):
    due = EU.add(start, timedelta(minutes=target_minutes))
    breach = EU.next_open(due)
    now = due + timedelta(minutes=read_after_minutes)

    text = deadline_text(due, breach, tz=zone, now=now)

    assert breach >= due
    due_local, breach_local = due.astimezone(ZoneInfo(zone)), breach.astimezone(ZoneInfo(zone))
    assert text.startswith("due ")
    assert f"{due_local:%H:%M} {due_local.tzname()}" in text.split(" · ")[0]
    if now >= breach:
        assert re.search(
            rf" · breached .*{breach_local:%H:%M} {re.escape(breach_local.tzname())}, .* ago$",
            text,
        )
    else:
        assert "breached" not in text
        assert ("breaches" in text) == (breach != due)
