"""Monthly availability and credits, by example and by property."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from availability import calc

ROME = ZoneInfo("Europe/Rome")
NOVEMBER = calc.month_bounds(2026, 11, "UTC")  # 30 days: 43,200 minutes


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


def minutes(n):
    return timedelta(minutes=n)


# --- Months ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "tz", "hours"),
    [
        (2026, 11, "UTC", 720),
        (2026, 3, "Europe/Rome", 743),  # clocks go forward on 29 March
        (2026, 10, "Europe/Rome", 745),  # and back on 25 October
        (2026, 3, "America/New_York", 743),
        (2026, 2, "UTC", 672),
    ],
)
def test_a_month_is_as_long_as_its_zone_makes_it(year, month, tz, hours):
    start, end = calc.month_bounds(year, month, tz)
    assert end - start == timedelta(hours=hours)


def test_a_month_without_outages_is_fully_available():
    assert calc.monthly_availability(2026, 11, "UTC", []) == 100


def test_43_minutes_down_in_30_days_is_just_under_99_9():
    down = [(utc(2026, 11, 10, 8), utc(2026, 11, 10, 8, 43, 12))]
    value = calc.monthly_availability(2026, 11, "UTC", down)
    assert value == Decimal("99.9")  # 43 min 12 s is exactly 0.1 % of 30 days
    slightly_more = [(utc(2026, 11, 10, 8), utc(2026, 11, 10, 8, 43, 12, 1))]
    assert calc.monthly_availability(2026, 11, "UTC", slightly_more) < Decimal("99.9")


def test_overlapping_outages_count_once():
    one = [(utc(2026, 11, 3, 10), utc(2026, 11, 3, 12))]
    overlapping = [*one, (utc(2026, 11, 3, 11), utc(2026, 11, 3, 13))]
    assert calc.counted_outage(NOVEMBER, overlapping) == timedelta(hours=3)


def test_an_outage_across_the_month_end_counts_in_each_month_for_its_part():
    down = [(utc(2026, 10, 31, 23), utc(2026, 11, 1, 1))]
    october = calc.month_bounds(2026, 10, "UTC")
    assert calc.counted_outage(october, down) == timedelta(hours=1)
    assert calc.counted_outage(NOVEMBER, down) == timedelta(hours=1)


def test_the_month_boundary_follows_the_reporting_zone():
    # 23:00–01:00 UTC on 31 October/1 November is 00:00–02:00 on 1 November in Rome.
    down = [(utc(2026, 10, 31, 23), utc(2026, 11, 1, 1))]
    rome_october = calc.month_bounds(2026, 10, "Europe/Rome")
    rome_november = calc.month_bounds(2026, 11, "Europe/Rome")
    assert calc.counted_outage(rome_october, down) == timedelta(0)
    assert calc.counted_outage(rome_november, down) == timedelta(hours=2)


def test_outage_time_inside_qualifying_maintenance_does_not_count():
    down = [(utc(2026, 11, 5, 1), utc(2026, 11, 5, 4))]
    window = [(utc(2026, 11, 5, 0), utc(2026, 11, 5, 2))]
    assert calc.counted_outage(NOVEMBER, down, window) == timedelta(hours=2)


# --- Credit tables -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "percent", "payable"),
    [
        ("2023-10", "99.0", 100),
        ("2023-10", "98.99999999999999999999", 90),
        ("2023-10", "90", 90),
        ("2023-10", "89.999", 70),
        ("2023-10", "0", 0),
        ("2022-04", "99.9", 100),
        ("2022-04", "99.89999999999999999999", 90),
        ("2022-04", "98", 90),
        ("2022-04", "97.999", 75),
        ("2026-03", "100", 100),
        ("2026-03", "99", 100),
        ("2026-03", "98.999", 90),
    ],
)
def test_the_tier_is_decided_on_the_exact_value(version, percent, payable):
    assert calc.payable_percent(version, Decimal(percent)) == payable


def test_a_truncated_figure_never_looks_above_a_bound_it_missed():
    just_under = Decimal("98.99999999999999999999")
    assert calc.shown(just_under) == Decimal("98.999")
    assert calc.payable_percent("2023-10", just_under) == 90


@pytest.mark.parametrize(
    ("fee", "payable", "credit"),
    [
        ("1000.00", 90, "100.00"),
        ("333.33", 90, "33.33"),
        ("0.05", 90, "0.01"),  # 0.005 rounds half up
        ("0.04", 90, "0.00"),
        ("1234.56", 100, "0.00"),
        ("1234.56", 0, "1234.56"),
    ],
)
def test_the_credit_is_rounded_half_up_to_the_cent(fee, payable, credit):
    assert calc.credit_amount(Decimal(fee), payable) == Decimal(credit)


def test_an_unknown_version_is_refused():
    with pytest.raises(ValueError, match="1999-01"):
        calc.payable_percent("1999-01", Decimal(100))


# --- Properties ----------------------------------------------------------------------------

in_november = st.integers(min_value=-3 * 24 * 60, max_value=33 * 24 * 60).map(
    lambda m: utc(2026, 11, 1) + minutes(m)
)
spans = st.integers(min_value=0, max_value=5 * 24 * 60).map(minutes)
intervals = st.tuples(in_november, spans).map(lambda pair: (pair[0], pair[0] + pair[1]))
interval_lists = st.lists(intervals, max_size=6)


@settings(max_examples=300, deadline=None)
@given(interval_lists, interval_lists)
def test_availability_stays_between_0_and_100(outages, maintenance):
    value = calc.availability(NOVEMBER, outages, maintenance)
    assert 0 <= value <= 100


@settings(max_examples=300, deadline=None)
@given(interval_lists, interval_lists, intervals)
def test_another_outage_never_raises_availability(outages, maintenance, extra):
    before = calc.availability(NOVEMBER, outages, maintenance)
    assert calc.availability(NOVEMBER, [*outages, extra], maintenance) <= before


@settings(max_examples=300, deadline=None)
@given(interval_lists, interval_lists, intervals)
def test_more_qualifying_maintenance_never_lowers_availability(outages, maintenance, extra):
    before = calc.availability(NOVEMBER, outages, maintenance)
    assert calc.availability(NOVEMBER, outages, [*maintenance, extra]) >= before


@settings(max_examples=300, deadline=None)
@given(interval_lists, interval_lists, intervals, st.floats(min_value=0, max_value=1))
def test_splitting_an_outage_in_two_changes_nothing(outages, maintenance, outage, where):
    start, end = outage
    cut = start + (end - start) * where
    whole = calc.availability(NOVEMBER, [*outages, outage], maintenance)
    split = calc.availability(NOVEMBER, [*outages, (start, cut), (cut, end)], maintenance)
    assert split == whole


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=100, places=25))
def test_every_figure_falls_in_exactly_one_band(percent):
    for version in ("2022-04", "2023-10", "2026-03"):
        holding = [band for band in calc.credit_table(version) if band.holds(percent)]
        assert len(holding) == 1
