"""HWaaS lease rules: every date boundary and cent by example, the invariants by property."""

from calendar import monthrange
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwaas.rules import (
    DOCUMENT_LABELS,
    OWNER_ENTITY_NAMES,
    REPLACEMENT_SHIP_WITHIN,
    DamageCause,
    Document,
    LeasedUnit,
    OwnerEntity,
    TermKind,
    add_months,
    add_years,
    change_possible_from,
    format_day,
    invoicing_starts,
    may_exchange,
    may_reduce,
    not_returned_charge,
    overdue_interest,
    owner_entity,
    replacement,
    replacement_ship_by,
)
from sla.businesstime import office_hours

D = Decimal
ROME = ZoneInfo("Europe/Rome")
DAY = timedelta(days=1)
POLICE = Document.POLICE_REPORT


# --- Calendar arithmetic -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 15), 6, date(2026, 9, 15)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 31), 2, date(2026, 3, 31)),
        (date(2026, 5, 31), 1, date(2026, 6, 30)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 10, 31), 12, date(2027, 10, 31)),
        (date(2026, 5, 31), -3, date(2026, 2, 28)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 4, 30), 0, date(2026, 4, 30)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2020, 2, 29), 5, date(2025, 2, 28)),
        (date(2022, 6, 30), 5, date(2027, 6, 30)),
        (date(2026, 7, 1), 1, date(2027, 7, 1)),
    ],
)
def test_add_years(day, years, expected):
    assert add_years(day, years) == expected


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2027, 3, 12), "12 March 2027"),
        (date(2026, 1, 1), "1 January 2026"),
        (date(2028, 12, 31), "31 December 2028"),
    ],
)
def test_dates_are_written_day_month_name_year(day, text):
    assert format_day(day) == text


# --- HWaaS: reducing and exchanging ------------------------------------------------------------


@pytest.mark.parametrize(
    ("delivered_on", "expected"),
    [
        (date(2026, 3, 12), date(2026, 9, 12)),
        (date(2026, 8, 31), date(2027, 2, 28)),
        (date(2027, 8, 31), date(2028, 2, 29)),
        (date(2026, 12, 31), date(2027, 6, 30)),
    ],
)
def test_changes_are_possible_six_months_to_the_day_after_delivery(delivered_on, expected):
    assert change_possible_from(delivered_on) == expected


CHANGE_CASES = [
    # delivered_on, on, allowed, from_date
    (date(2026, 3, 12), date(2026, 3, 12), False, date(2026, 9, 12)),
    (date(2026, 3, 12), date(2026, 9, 11), False, date(2026, 9, 12)),
    (date(2026, 3, 12), date(2026, 9, 12), True, None),
    (date(2026, 3, 12), date(2026, 9, 13), True, None),
    (date(2026, 8, 31), date(2027, 2, 27), False, date(2027, 2, 28)),
    (date(2026, 8, 31), date(2027, 2, 28), True, None),
    (date(2027, 8, 31), date(2028, 2, 28), False, date(2028, 2, 29)),
    (date(2027, 8, 31), date(2028, 2, 29), True, None),
]


@pytest.mark.parametrize("rule", [may_reduce, may_exchange])
@pytest.mark.parametrize(("delivered_on", "on", "allowed", "from_date"), CHANGE_CASES)
def test_change_boundaries(rule, delivered_on, on, allowed, from_date):
    decision = rule(delivered_on=delivered_on, on=on)
    assert decision.allowed is allowed
    assert decision.from_date == from_date
    if from_date is not None:
        assert format_day(from_date) in decision.reason


def test_reduce_and_exchange_wording():
    waiting_reduce = may_reduce(delivered_on=date(2026, 9, 12), on=date(2026, 10, 1))
    assert waiting_reduce.reason == (
        "This line can be reduced from 12 March 2027, six months after delivery."
    )
    waiting_exchange = may_exchange(delivered_on=date(2026, 9, 12), on=date(2026, 10, 1))
    assert "different model" in waiting_exchange.reason
    assert "12 March 2027" in waiting_exchange.reason
    allowed = may_reduce(delivered_on=date(2026, 9, 12), on=date(2027, 4, 1))
    assert "12 September 2026" in allowed.reason


@pytest.mark.parametrize("rule", [may_reduce, may_exchange])
def test_nothing_changes_before_delivery(rule):
    decision = rule(delivered_on=None, on=date(2026, 5, 1))
    assert not decision.allowed
    assert decision.from_date is None
    assert "not been delivered" in decision.reason


@pytest.mark.parametrize(
    ("ordered_on", "starts"),
    [
        (date(2026, 3, 1), date(2026, 3, 15)),
        (date(2026, 12, 20), date(2027, 1, 3)),
        (date(2027, 2, 20), date(2027, 3, 6)),
        (date(2028, 2, 20), date(2028, 3, 5)),
    ],
)
def test_invoicing_starts_fourteen_days_after_the_order(ordered_on, starts):
    assert invoicing_starts(ordered_on) == starts


# --- HWaaS: replacement ----------------------------------------------------------------------

REPLACEMENT_CASES = [
    # cause, label_readable, lessee_pays, documents, unit picked up
    (DamageCause.DEFECT, True, False, (), True),
    (DamageCause.DEFECT, False, False, (POLICE,), True),
    (DamageCause.ACCIDENT, True, False, (), True),
    (DamageCause.ACCIDENT, False, False, (POLICE,), True),
    (DamageCause.DELIBERATE, True, False, (), True),
    (DamageCause.DELIBERATE, False, False, (POLICE,), True),
    (DamageCause.FIRE, True, False, (), True),
    (DamageCause.FIRE, False, False, (POLICE,), True),
    (DamageCause.THEFT, True, False, (POLICE,), False),
    (DamageCause.THEFT, False, False, (POLICE,), False),
    (DamageCause.LOST, True, True, (), False),
    (DamageCause.LOST, False, True, (), False),
    (DamageCause.UNSUITABLE_ENVIRONMENT, True, True, (), True),
    (DamageCause.UNSUITABLE_ENVIRONMENT, False, True, (), True),
]


def test_the_replacement_table_covers_every_cause_both_ways():
    assert {(case[0], case[1]) for case in REPLACEMENT_CASES} == {
        (cause, readable) for cause in DamageCause for readable in (True, False)
    }


@pytest.mark.parametrize(
    ("cause", "label_readable", "lessee_pays", "documents", "picked_up"), REPLACEMENT_CASES
)
def test_replacement(cause, label_readable, lessee_pays, documents, picked_up):
    decision = replacement(cause=cause, label_readable=label_readable, casualty_value=D("250"))
    assert decision.allowed
    assert decision.lessee_pays is lessee_pays
    assert decision.documents == documents
    assert ("invoiced at cost" in decision.reason) is picked_up
    assert decision.amount == (D("250.00") if lessee_pays else None)


@pytest.mark.parametrize("cause", [DamageCause.LOST, DamageCause.UNSUITABLE_ENVIRONMENT])
def test_the_lessee_pays_the_casualty_value_when_known(cause):
    assert replacement(cause=cause, label_readable=True).amount is None
    charged = replacement(cause=cause, label_readable=True, casualty_value=D("99.995"))
    assert charged.amount == D("100.00")


@pytest.mark.parametrize(
    ("approved_at", "ship_by"),
    [
        (datetime(2026, 6, 1, 9, 0, tzinfo=ROME), datetime(2026, 6, 1, 18, 0, tzinfo=ROME)),
        (datetime(2026, 6, 1, 10, 30, tzinfo=ROME), datetime(2026, 6, 2, 10, 30, tzinfo=ROME)),
        (datetime(2026, 6, 5, 17, 0, tzinfo=ROME), datetime(2026, 6, 8, 17, 0, tzinfo=ROME)),
        (datetime(2026, 6, 6, 12, 0, tzinfo=ROME), datetime(2026, 6, 8, 18, 0, tzinfo=ROME)),
        (datetime(2026, 6, 1, 20, 0, tzinfo=ROME), datetime(2026, 6, 2, 18, 0, tzinfo=ROME)),
    ],
)
def test_a_replacement_ships_within_one_working_day(approved_at, ship_by):
    calendar = office_hours("Europe/Rome")
    assert replacement_ship_by(approved_at=approved_at, calendar=calendar) == ship_by


def test_a_holiday_does_not_count_as_a_working_day():
    republic_day = date(2026, 6, 2)
    calendar = office_hours("Europe/Rome", closed_dates=[republic_day])
    approved_at = datetime(2026, 6, 1, 12, 0, tzinfo=ROME)
    assert replacement_ship_by(approved_at=approved_at, calendar=calendar) == datetime(
        2026, 6, 3, 12, 0, tzinfo=ROME
    )


# --- HWaaS: end of term and interest -----------------------------------------------------------


@pytest.mark.parametrize(
    ("unpaid", "casualty_value", "surcharge", "total"),
    [
        (D("300.00"), D("123.45"), D("12.35"), D("435.80")),
        (D("0"), D("100"), D("10.00"), D("110.00")),
        (D("50.00"), D("0.05"), D("0.01"), D("50.06")),
        (D("0"), D("0.04"), D("0.00"), D("0.04")),
        (D("19.99"), D("1234.56"), D("123.46"), D("1378.01")),
    ],
)
def test_missing_return_charge(unpaid, casualty_value, surcharge, total):
    """One unit on a month-to-month lease: one month's fee is unpaid."""
    unit = LeasedUnit(
        device="Desk phone",
        monthly_fee=unpaid,
        casualty_value=casualty_value,
        delivered_on=date(2027, 1, 1),
    )
    charge = not_returned_charge(
        term=TermKind.MONTH_TO_MONTH,
        starts_on=date(2027, 1, 1),
        today=date(2027, 3, 10),
        units=[unit],
    )
    assert charge.surcharge == surcharge
    assert charge.total == total
    assert charge.unpaid_fees == unpaid
    assert charge.casualty_value == casualty_value


@pytest.mark.parametrize(
    ("amount", "due_on", "paid_on", "legal_max_rate", "expected"),
    [
        # 365 days of 2027 at 10 %: exactly a tenth.
        (D("1000"), date(2026, 12, 31), date(2027, 12, 31), None, D("100.00")),
        # 366 days of leap year 2028: exactly a tenth too.
        (D("1000"), date(2027, 12, 31), date(2028, 12, 31), None, D("100.00")),
        # One day in 2027 is /365, one in 2028 is /366; a day in each: 2.739726 + 2.732240.
        (D("10000"), date(2027, 12, 30), date(2027, 12, 31), None, D("2.74")),
        (D("10000"), date(2027, 12, 31), date(2028, 1, 1), None, D("2.73")),
        (D("10000"), date(2027, 12, 30), date(2028, 1, 1), None, D("5.47")),
        # Rounded once at the end, not per day (per day would be 0.81).
        (D("1000"), date(2027, 12, 28), date(2027, 12, 31), None, D("0.82")),
        # 18.25 x 10 % / 365 is exactly half a cent: half up.
        (D("18.25"), date(2027, 3, 1), date(2027, 3, 2), None, D("0.01")),
        (D("1200"), date(2027, 3, 1), date(2027, 3, 31), None, D("9.86")),
        # A lower legal maximum wins, a higher one does not.
        (D("1000"), date(2026, 12, 31), date(2027, 12, 31), D("0.05"), D("50.00")),
        (D("1000"), date(2026, 12, 31), date(2027, 12, 31), D("0.12"), D("100.00")),
        (D("1000"), date(2026, 12, 31), date(2027, 12, 31), D("0"), D("0.00")),
        # Paid on time or early: nothing.
        (D("1000"), date(2027, 3, 1), date(2027, 3, 1), None, D("0.00")),
        (D("1000"), date(2027, 3, 1), date(2027, 2, 1), None, D("0.00")),
    ],
)
def test_overdue_interest(amount, due_on, paid_on, legal_max_rate, expected):
    interest = overdue_interest(
        amount=amount, due_on=due_on, paid_on=paid_on, legal_max_rate=legal_max_rate
    )
    assert interest == expected
    assert interest.as_tuple().exponent == -2


def test_a_negative_amount_is_refused():
    with pytest.raises(ValueError, match="negative"):
        overdue_interest(amount=D("-1"), due_on=date(2027, 1, 1), paid_on=date(2027, 2, 1))


# --- HWaaS: owner ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "entity"),
    [
        ("GB", OwnerEntity.UNITED_KINGDOM),
        ("gb", OwnerEntity.UNITED_KINGDOM),
        (" GB ", OwnerEntity.UNITED_KINGDOM),
        ("EE", OwnerEntity.ESTONIA),
        ("IT", OwnerEntity.ESTONIA),
        ("IE", OwnerEntity.ESTONIA),
        ("DE", OwnerEntity.ESTONIA),
    ],
)
def test_owner_entity(country, entity):
    assert owner_entity(country) is entity


def test_owner_entity_names():
    assert OWNER_ENTITY_NAMES[OwnerEntity.ESTONIA] == "Wildix EE OÜ (Tallinn, Estonia)"
    assert (
        OWNER_ENTITY_NAMES[OwnerEntity.UNITED_KINGDOM]
        == "Wildix Limited (Coventry, United Kingdom)"
    )


def test_every_document_has_a_label():
    assert set(DOCUMENT_LABELS) == set(Document)
    assert all(label.strip() for label in DOCUMENT_LABELS.values())


# --- Properties ------------------------------------------------------------------------------

days = st.dates(date(2000, 1, 1), date(2060, 12, 31))
amounts = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False)
gaps = st.integers(0, 3 * 366)


@given(days, days, st.integers(0, 2000))
def test_may_reduce_stays_allowed_once_allowed(delivered_on, on, later):
    if may_reduce(delivered_on=delivered_on, on=on).allowed:
        assert may_reduce(delivered_on=delivered_on, on=on + timedelta(days=later)).allowed


@given(days, days)
def test_from_date_is_the_first_allowed_day(delivered_on, on):
    decision = may_reduce(delivered_on=delivered_on, on=on)
    first_day = decision.from_date if not decision.allowed else change_possible_from(delivered_on)
    assert first_day is not None
    assert may_reduce(delivered_on=delivered_on, on=first_day).allowed
    assert not may_reduce(delivered_on=delivered_on, on=first_day - DAY).allowed
    if not decision.allowed:
        assert first_day > on


@given(days, st.integers(-600, 600))
def test_add_months_keeps_the_day_when_the_month_has_it(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    month_length = monthrange(result.year, result.month)[1]
    assert result.day <= month_length
    assert result.day == min(day.day, month_length)


@given(amounts, days, gaps, gaps, st.sampled_from([None, D("0.03"), D("0.10"), D("0.2")]))
def test_interest_adds_up_over_split_periods(amount, due_on, first, second, legal_max_rate):
    middle = due_on + timedelta(days=first)
    paid_on = middle + timedelta(days=second)

    def interest(start, end):
        return overdue_interest(
            amount=amount, due_on=start, paid_on=end, legal_max_rate=legal_max_rate
        )

    whole = interest(due_on, paid_on)
    assert abs(interest(due_on, middle) + interest(middle, paid_on) - whole) <= D("0.01")
    assert whole >= 0


@given(amounts, days, gaps, gaps)
def test_interest_never_falls_as_payment_gets_later(amount, due_on, first, extra):
    paid_on = due_on + timedelta(days=first)
    earlier = overdue_interest(amount=amount, due_on=due_on, paid_on=paid_on)
    later = overdue_interest(amount=amount, due_on=due_on, paid_on=paid_on + timedelta(days=extra))
    assert D(0) <= earlier <= later


rome_instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(ROME)
)


@settings(deadline=None)
@given(rome_instants)
def test_a_replacement_ships_within_four_days_on_a_plain_office_week(approved_at):
    calendar = office_hours("Europe/Rome")
    ship_by = replacement_ship_by(approved_at=approved_at, calendar=calendar)
    assert approved_at <= ship_by <= approved_at + timedelta(days=4)
    assert calendar.elapsed(approved_at, ship_by) == REPLACEMENT_SHIP_WITHIN
