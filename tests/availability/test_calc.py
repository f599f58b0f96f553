"""Monthly availability and credits, by example and by property."""

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
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


# --- The part of the month a subscription was active ---------------------------------------


def test_the_active_window_runs_from_the_first_days_midnight_to_after_the_last_day():
    assert calc.active_window(2026, 11, "UTC", date(2026, 11, 20)) == (
        utc(2026, 11, 20),
        utc(2026, 12, 1),
    )
    assert calc.active_window(2026, 11, "UTC", date(2025, 1, 1), date(2026, 11, 10)) == (
        utc(2026, 11, 1),
        utc(2026, 11, 11),
    )
    # In the reporting zone: 20 October starts at 22:00 UTC the day before (summer time) and
    # the month ends at 23:00 UTC on 31 October (winter time).
    assert calc.active_window(2026, 10, "Europe/Rome", date(2026, 10, 20)) == (
        utc(2026, 10, 19, 22),
        utc(2026, 10, 31, 23),
    )


@pytest.mark.parametrize(
    ("starts_on", "ends_on"),
    [
        (date(2026, 12, 1), None),  # starts after the month
        (date(2025, 1, 1), date(2026, 10, 31)),  # ended before it
    ],
)
def test_a_subscription_not_running_in_the_month_has_no_window(starts_on, ends_on):
    assert calc.active_window(2026, 11, "UTC", starts_on, ends_on) is None


def test_a_subscription_starting_as_an_outage_ends_does_not_count_it():
    down = [(utc(2026, 11, 19, 20), utc(2026, 11, 20))]
    active = calc.active_window(2026, 11, "UTC", date(2026, 11, 20))
    assert calc.monthly_availability(2026, 11, "UTC", down, active=active) == 100
    assert calc.outages_counted(active, down) == [False]


def test_a_subscription_starting_mid_outage_counts_the_part_after_its_start():
    down = [(utc(2026, 11, 19, 22), utc(2026, 11, 20, 4))]
    active = calc.active_window(2026, 11, "UTC", date(2026, 11, 20))
    assert calc.counted_outage(active, down) == timedelta(hours=4)
    eleven_days = Decimal(11 * 24)
    expected = (eleven_days - 4) * 100 / eleven_days
    value = calc.monthly_availability(2026, 11, "UTC", down, active=active)
    assert value == expected.quantize(Decimal("1e-20"), rounding=ROUND_DOWN)


def test_a_subscription_ending_mid_month_ignores_later_outages():
    early = (utc(2026, 11, 5, 10), utc(2026, 11, 5, 12))
    later = (utc(2026, 11, 15, 10), utc(2026, 11, 15, 12))
    active = calc.active_window(2026, 11, "UTC", date(2025, 1, 1), date(2026, 11, 10))
    assert calc.counted_outage(active, [early, later]) == timedelta(hours=2)
    assert calc.outages_counted(active, [early, later]) == [True, False]


def test_a_window_without_time_in_the_month_is_refused():
    december = calc.month_bounds(2026, 12, "UTC")
    with pytest.raises(ValueError, match="no time"):
        calc.monthly_availability(2026, 11, "UTC", [], active=december)


@pytest.mark.parametrize(
    ("year", "month", "tz", "starts_on", "ends_on", "fee", "prorated"),
    [
        (2026, 11, "UTC", date(2026, 11, 20), None, "1000.00", "366.67"),  # 11 of 30 days
        (2026, 11, "UTC", date(2025, 1, 1), date(2026, 11, 10), "1000.00", "333.33"),
        (2026, 11, "UTC", date(2025, 1, 1), None, "1000.00", "1000.00"),
        # 289 of 745 hours: the autumn clock change makes the month an hour longer.
        (2026, 10, "Europe/Rome", date(2026, 10, 20), None, "1000.00", "387.92"),
        (2026, 11, "UTC", date(2026, 11, 16), None, "0.01", "0.01"),  # 0.005 rounds half up
        (2026, 11, "UTC", date(2026, 11, 17), None, "0.01", "0.00"),
    ],
)
def test_the_fee_is_prorated_by_exact_time(year, month, tz, starts_on, ends_on, fee, prorated):
    active = calc.active_window(year, month, tz, starts_on, ends_on)
    value = calc.prorated_fee(Decimal(fee), calc.month_bounds(year, month, tz), active)
    assert value == Decimal(prorated)


# --- Maintenance excuses its own service only -------------------------------------------------


def test_maintenance_of_one_service_does_not_excuse_an_outage_of_another():
    window = [(utc(2026, 11, 5, 0), utc(2026, 11, 5, 4))]
    cloud_down = [(utc(2026, 11, 5, 1), utc(2026, 11, 5, 3))]
    cloud_only_down = [(cloud_down, []), ([], window)]  # CLASSOUND in maintenance
    assert calc.counted_outage_of_services(NOVEMBER, cloud_only_down) == timedelta(hours=2)
    same_service = [(cloud_down, window), ([], [])]
    assert calc.counted_outage_of_services(NOVEMBER, same_service) == timedelta(0)


def test_an_outage_of_two_services_is_judged_per_service():
    both_down = [(utc(2026, 11, 5, 1), utc(2026, 11, 5, 3))]
    window = [(utc(2026, 11, 5, 0), utc(2026, 11, 5, 4))]
    records = [(both_down, window), (both_down, [])]  # only the first in maintenance
    assert calc.counted_outage_of_services(NOVEMBER, records) == timedelta(hours=2)
    assert calc.outages_counted(NOVEMBER, both_down, window) == [False]
    assert calc.outages_counted(NOVEMBER, both_down, []) == [True]


def test_an_outage_partly_inside_maintenance_counted():
    down = [(utc(2026, 11, 5, 1), utc(2026, 11, 5, 5)), (utc(2026, 11, 5, 1), utc(2026, 11, 5, 2))]
    window = [
        (utc(2026, 11, 5, 0), utc(2026, 11, 5, 2)),
        (utc(2026, 11, 5, 2), utc(2026, 11, 5, 3)),
    ]
    assert calc.outages_counted(NOVEMBER, down, window) == [True, False]


# --- Properties of the active window, the prorated fee and per-service maintenance ----------

days_of_2026 = st.dates(min_value=date(2026, 9, 1), max_value=date(2027, 1, 31))
zones = st.sampled_from(["UTC", "Europe/Rome", "America/New_York", "Asia/Kolkata"])
fees = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)


@settings(max_examples=200, deadline=None)
@given(interval_lists, interval_lists, zones, st.dates(max_value=date(2026, 11, 1)))
def test_a_whole_month_subscription_gets_exactly_todays_answer(
    outages, maintenance, zone, starts_on
):
    active = calc.active_window(2026, 11, zone, starts_on)
    assert active == calc.month_bounds(2026, 11, zone)
    today = calc.monthly_availability(2026, 11, zone, outages, maintenance)
    assert calc.monthly_availability(2026, 11, zone, outages, maintenance, active=active) == today


@settings(max_examples=300, deadline=None)
@given(interval_lists, interval_lists, days_of_2026, days_of_2026, interval_lists)
def test_availability_over_a_window_ignores_outages_outside_it(
    outages, maintenance, first, last, elsewhere
):
    active = calc.active_window(2026, 11, "UTC", first, last if last >= first else None)
    if active is None:
        return
    start, end = active
    outside = [
        (s, e) if e <= start or s >= end else (end, end + (e - s))  # moved past the window
        for s, e in elsewhere
    ]
    before = calc.monthly_availability(2026, 11, "UTC", outages, maintenance, active=active)
    after = calc.monthly_availability(
        2026, 11, "UTC", [*outages, *outside], maintenance, active=active
    )
    assert after == before


@settings(max_examples=300, deadline=None)
@given(fees, days_of_2026, st.one_of(st.none(), days_of_2026), zones)
def test_the_prorated_fee_never_exceeds_the_monthly_fee(fee, first, last, zone):
    month = calc.month_bounds(2026, 11, zone)
    active = calc.active_window(2026, 11, zone, first, last if last and last >= first else None)
    prorated = calc.prorated_fee(fee, month, active)
    assert 0 <= prorated <= fee
    assert prorated == prorated.quantize(calc.CENT)
    if active == month:
        assert prorated == fee


@settings(max_examples=300, deadline=None)
@given(fees, zones, st.integers(min_value=0, max_value=31 * 24 * 3600))
def test_the_prorated_parts_of_a_split_month_add_up_to_the_fee_within_a_cent(fee, zone, cut_s):
    month = calc.month_bounds(2026, 10, zone)
    cut = min(month[0] + timedelta(seconds=cut_s), month[1])
    parts = calc.prorated_fee(fee, month, (month[0], cut)) + calc.prorated_fee(
        fee, month, (cut, month[1])
    )
    assert abs(parts - fee) <= calc.CENT


@settings(max_examples=200, deadline=None)
@given(fees, days_of_2026, days_of_2026)
def test_a_longer_active_window_never_costs_less(fee, first, later):
    month = calc.month_bounds(2026, 11, "UTC")
    early, late = sorted((first, later))
    longer = calc.active_window(2026, 11, "UTC", early)
    shorter = calc.active_window(2026, 11, "UTC", late)
    if shorter is not None:
        assert calc.prorated_fee(fee, month, longer) >= calc.prorated_fee(fee, month, shorter)


service_records = st.lists(st.tuples(interval_lists, interval_lists), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(service_records)
def test_a_subscription_is_never_more_available_than_any_of_its_services(records):
    together = calc.availability_of_services(NOVEMBER, records)
    for outages, maintenance in records:
        assert together <= calc.availability(NOVEMBER, outages, maintenance)


@settings(max_examples=300, deadline=None)
@given(service_records, interval_lists)
def test_maintenance_of_a_service_without_outages_excuses_nothing(records, maintenance):
    before = calc.availability_of_services(NOVEMBER, records)
    assert calc.availability_of_services(NOVEMBER, [*records, ([], maintenance)]) == before


@settings(max_examples=300, deadline=None)
@given(interval_lists, interval_lists)
def test_one_service_is_measured_as_before(outages, maintenance):
    assert calc.availability_of_services(NOVEMBER, [(outages, maintenance)]) == calc.availability(
        NOVEMBER, outages, maintenance
    )


@settings(max_examples=300, deadline=None)
@given(interval_lists, interval_lists)
def test_leaving_out_the_outages_that_did_not_count_changes_nothing(outages, maintenance):
    flags = calc.outages_counted(NOVEMBER, outages, maintenance)
    kept = [outage for outage, counted in zip(outages, flags, strict=True) if counted]
    assert calc.counted_outage(NOVEMBER, kept, maintenance) == calc.counted_outage(
        NOVEMBER, outages, maintenance
    )
    for outage, counted in zip(outages, flags, strict=True):
        assert counted == (calc.counted_outage(NOVEMBER, [outage], maintenance) > timedelta(0))
