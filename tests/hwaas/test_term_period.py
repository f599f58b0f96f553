"""The term period under way and what equipment not handed back costs (21.5, 21.7, 21.24):
boundaries by example, the invariants by property. No database."""

from calendar import monthrange
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hwaas.rules import (
    LeasedUnit,
    TermKind,
    add_months,
    add_years,
    current_term_period,
    five_year_end,
    not_returned_charge,
)

D = Decimal
DAY = timedelta(days=1)
M2M, Y2Y, FIVE = TermKind.MONTH_TO_MONTH, TermKind.YEAR_TO_YEAR, TermKind.FIVE_YEAR

starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
gaps = st.integers(min_value=0, max_value=20 * 366)
# Starts on the days where calendar arithmetic bites.
awkward_starts = st.sampled_from(
    [date(2024, 2, 29), date(2028, 2, 29), date(2026, 1, 31), date(2026, 8, 31), date(2026, 3, 30)]
)


def period(term, starts_on, today, ends_on=None):
    return current_term_period(term=term, starts_on=starts_on, today=today, ends_on=ends_on)


# --- Examples at the boundaries ------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "first", "end"),
    [
        (date(2026, 11, 18), date(2026, 11, 1), date(2026, 12, 1)),
        # The last day of the month is still this month's.
        (date(2026, 11, 30), date(2026, 11, 1), date(2026, 12, 1)),
        (date(2026, 12, 1), date(2026, 12, 1), date(2027, 1, 1)),
        (date(2026, 12, 31), date(2026, 12, 1), date(2027, 1, 1)),
        (date(2028, 2, 29), date(2028, 2, 1), date(2028, 3, 1)),
    ],
)
def test_month_to_month_runs_to_the_end_of_the_current_month(today, first, end):
    current = period(M2M, date(2025, 1, 31), today)
    assert (current.starts_on, current.ends_on, current.months_left) == (first, end, 1)
    assert current.last_day == end - DAY


def test_a_month_to_month_agreement_started_this_month_runs_from_its_start():
    current = period(M2M, date(2026, 11, 10), date(2026, 11, 18))
    assert (current.starts_on, current.ends_on) == (date(2026, 11, 10), date(2026, 12, 1))


@pytest.mark.parametrize(
    ("starts_on", "today", "first", "end", "months_left"),
    [
        (date(2025, 3, 15), date(2026, 11, 18), date(2026, 3, 15), date(2027, 3, 15), 4),
        # The day before the anniversary: the last month of the year.
        (date(2025, 3, 15), date(2027, 3, 14), date(2026, 3, 15), date(2027, 3, 15), 1),
        # The anniversary itself starts a new year.
        (date(2025, 3, 15), date(2027, 3, 15), date(2027, 3, 15), date(2028, 3, 15), 12),
        # Started on 31 January: months end on the last day of the shorter ones.
        (date(2025, 1, 31), date(2026, 2, 28), date(2026, 1, 31), date(2027, 1, 31), 11),
        (date(2025, 1, 31), date(2026, 2, 27), date(2026, 1, 31), date(2027, 1, 31), 12),
        (date(2025, 1, 31), date(2027, 1, 30), date(2026, 1, 31), date(2027, 1, 31), 1),
        # Started on 29 February: the anniversary is 28 February in common years.
        (date(2024, 2, 29), date(2025, 2, 27), date(2024, 2, 29), date(2025, 2, 28), 1),
        (date(2024, 2, 29), date(2025, 2, 28), date(2025, 2, 28), date(2026, 2, 28), 12),
        (date(2024, 2, 29), date(2027, 2, 28), date(2027, 2, 28), date(2028, 2, 29), 12),
        (date(2024, 2, 29), date(2028, 2, 29), date(2028, 2, 29), date(2029, 2, 28), 12),
        # Not started yet: the first year.
        (date(2027, 1, 1), date(2026, 11, 18), date(2027, 1, 1), date(2028, 1, 1), 12),
    ],
)
def test_year_to_year_runs_to_the_next_anniversary(starts_on, today, first, end, months_left):
    current = period(Y2Y, starts_on, today)
    assert (current.starts_on, current.ends_on, current.months_left) == (first, end, months_left)


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "today", "end", "months_left"),
    [
        (date(2024, 6, 1), None, date(2026, 11, 18), date(2029, 6, 1), 31),
        (date(2024, 6, 1), None, date(2024, 6, 1), date(2029, 6, 1), 60),
        (date(2024, 6, 1), None, date(2029, 5, 31), date(2029, 6, 1), 1),
        (date(2024, 2, 29), None, date(2026, 11, 18), date(2029, 2, 28), 28),
        # The recorded end wins.
        (date(2024, 6, 1), date(2029, 6, 1), date(2026, 11, 18), date(2029, 6, 1), 31),
        # A recorded end mid-month: the month begun counts in full.
        (date(2024, 6, 1), date(2027, 1, 15), date(2026, 11, 18), date(2027, 1, 15), 3),
        # Over: nothing left.
        (date(2020, 6, 1), None, date(2026, 11, 18), date(2025, 6, 1), 0),
        (date(2020, 6, 1), None, date(2025, 6, 1), date(2025, 6, 1), 0),
    ],
)
def test_five_years_run_to_the_agreement_s_end(starts_on, ends_on, today, end, months_left):
    current = period(FIVE, starts_on, today, ends_on)
    assert (current.starts_on, current.ends_on, current.months_left) == (
        starts_on,
        end,
        months_left,
    )


def test_five_years_end_on_the_fifth_anniversary():
    assert five_year_end(date(2024, 6, 1)) == date(2029, 6, 1)
    assert five_year_end(date(2024, 2, 29)) == date(2029, 2, 28)


# --- Properties ------------------------------------------------------------------------------


def assert_in_month_under_way(starts_on, current, today):
    """The months left, counted back from the period's end along the months of the
    agreement's start day, reach back to the month ``today`` falls in, and no further."""
    months_to_end = (current.ends_on.year - starts_on.year) * 12 + (
        current.ends_on.month - starts_on.month
    )
    month_under_way = months_to_end - current.months_left
    assert (
        add_months(starts_on, month_under_way) <= today < add_months(starts_on, month_under_way + 1)
    )


@given(starts_on=starts | awkward_starts, gap=gaps, term=st.sampled_from([M2M, Y2Y]))
def test_the_current_period_holds_today_and_ends_at_most_one_period_ahead(starts_on, gap, term):
    today = starts_on + timedelta(days=gap)
    current = period(term, starts_on, today)
    assert current.starts_on <= today < current.ends_on
    if term is M2M:
        assert current.ends_on <= add_months(today, 1)
        assert current.ends_on.day == 1
        assert current.months_left == 1
        assert (current.ends_on - current.starts_on).days <= monthrange(today.year, today.month)[1]
    else:
        # A year after a 29 February start can end on 29 February: one day past the clamp.
        assert current.ends_on <= add_years(today, 1) + DAY
        assert (current.ends_on - current.starts_on).days in (365, 366)
        assert 1 <= current.months_left <= 12
        assert current.ends_on.month == starts_on.month
        assert_in_month_under_way(starts_on, current, today)


@given(starts_on=starts | awkward_starts, gap=gaps)
def test_year_periods_follow_each_other_without_gap_or_overlap(starts_on, gap):
    today = starts_on + timedelta(days=gap)
    current = period(Y2Y, starts_on, today)
    following = period(Y2Y, starts_on, current.ends_on)
    previous = (
        period(Y2Y, starts_on, current.starts_on - DAY) if current.starts_on > starts_on else None
    )
    assert following.starts_on == current.ends_on
    assert following.months_left == 12
    if previous is not None:
        assert previous.ends_on == current.starts_on
        assert previous.months_left == 1


@given(starts_on=starts | awkward_starts, gap=gaps)
def test_months_left_never_grow_within_a_period(starts_on, gap):
    today = starts_on + timedelta(days=gap)
    current = period(Y2Y, starts_on, today)
    tomorrow = period(Y2Y, starts_on, today + DAY)
    if tomorrow.starts_on == current.starts_on:
        assert tomorrow.months_left in (current.months_left, current.months_left - 1)


@given(starts_on=starts | awkward_starts, gap=gaps)
def test_five_years_end_at_the_agreement_s_end_and_count_down_to_nothing(starts_on, gap):
    today = starts_on + timedelta(days=gap)
    current = period(FIVE, starts_on, today)
    assert current.ends_on == five_year_end(starts_on)
    assert current.starts_on == starts_on
    if today < current.ends_on:
        assert 1 <= current.months_left <= 60
        assert_in_month_under_way(starts_on, current, today)
    else:
        assert current.months_left == 0


# --- The charge ------------------------------------------------------------------------------


def unit(fee="8.00", casualty="180.00", delivered_on=date(2026, 2, 1), device="Phone A-1"):
    return LeasedUnit(
        device=device, monthly_fee=D(fee), casualty_value=D(casualty), delivered_on=delivered_on
    )


def test_the_charge_counts_delivered_units_only_with_every_part():
    charge = not_returned_charge(
        term=Y2Y,
        starts_on=date(2025, 3, 15),
        today=date(2026, 11, 18),
        units=[
            unit(device="Phone A-1"),
            unit(device="Phone A-2", fee="12.50", casualty="99.95"),
            unit(device="Phone on order", delivered_on=None),
            unit(device="Phone arriving next week", delivered_on=date(2026, 11, 25)),
        ],
    )
    assert [line.device for line in charge.lines] == ["Phone A-1", "Phone A-2"]
    first, second = charge.lines
    assert (first.quantity, first.monthly_fee, first.months_left) == (1, D("8.00"), 4)
    assert (first.unpaid_fees, first.casualty_value, first.amount) == (
        D("32.00"),
        D("180.00"),
        D("230.00"),
    )
    # 10 % of 99.95 is 9.995: exact on the line, rounded half up only for display.
    assert second.surcharge == D("9.995")
    assert second.amount == D("159.95")  # 50.00 + 99.95 + 10.00
    assert (charge.unpaid_fees, charge.casualty_value) == (D("82.00"), D("279.95"))
    assert charge.surcharge == D("28.00")  # 18.00 + 9.995 = 27.995, half up
    assert charge.total == D("389.95")
    assert charge.period.ends_on == date(2027, 3, 15)


def test_month_to_month_charges_the_current_month():
    charge = not_returned_charge(
        term=M2M, starts_on=date(2025, 1, 31), today=date(2026, 11, 30), units=[unit()]
    )
    assert charge.lines[0].months_left == 1
    assert charge.total == D("206.00")  # 8 + 180 + 18


def test_a_delivery_on_the_day_counts():
    charge = not_returned_charge(
        term=M2M,
        starts_on=date(2025, 1, 1),
        today=date(2026, 11, 18),
        units=[unit(delivered_on=date(2026, 11, 18))],
    )
    assert len(charge.lines) == 1


def test_nothing_delivered_costs_nothing():
    charge = not_returned_charge(
        term=FIVE,
        starts_on=date(2025, 1, 1),
        today=date(2026, 11, 18),
        units=[unit(delivered_on=None)],
    )
    assert charge.lines == ()
    assert charge.total == D("0.00")


money = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False)


@given(
    fees=st.lists(st.tuples(money, money, st.booleans()), max_size=8),
    starts_on=starts | awkward_starts,
    gap=gaps,
    term=st.sampled_from(list(TermKind)),
)
def test_the_total_is_the_exact_sum_of_the_parts_rounded_once(fees, starts_on, gap, term):
    today = starts_on + timedelta(days=gap)
    units = [
        unit(fee=str(fee), casualty=str(value), delivered_on=today if delivered else None)
        for fee, value, delivered in fees
    ]
    charge = not_returned_charge(term=term, starts_on=starts_on, today=today, units=units)
    assert len(charge.lines) == sum(1 for *_, delivered in fees if delivered)
    exact = sum(
        (line.unpaid_fees + line.casualty_value + line.surcharge for line in charge.lines), D(0)
    )
    assert charge.total == exact.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    # Fees and casualty values are whole cents: only the surcharge needs rounding.
    assert charge.total == charge.unpaid_fees + charge.casualty_value + charge.surcharge
    for line in charge.lines:
        assert line.unpaid_fees == line.monthly_fee * line.months_left
        assert line.surcharge == line.casualty_value / 10
        assert line.months_left == charge.period.months_left
    rounded_lines = sum((line.amount for line in charge.lines), D(0))
    assert abs(charge.total - rounded_lines) <= D("0.005") * (len(charge.lines) + 1)
