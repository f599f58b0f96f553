"""What the HWaaS lease terms allow, and what they cost. Pure: dates, instants and amounts
in, answers out; no database, no clock (the caller passes the day).

HWaaS (leased devices, art. 21): when a line's quantity may be reduced or a device exchanged
for another model (not within six months of delivery), when invoicing of a new product
starts, whether a damaged or missing device is replaced free and which papers that needs,
the dispatch deadline of a replacement, what a lessee owes for equipment not handed back
at the end of the term, the interest on overdue amounts, and which Wildix entity owns the
equipment. Bought devices (CAPEX, art. 22) have their own rules in ``hwaas.capex``, on the
answer, documents and calendar arithmetic declared here.

Calendar arithmetic: a month or year later is the same day of the month, or the month's
last day when that day does not exist (31 August + 6 months is 28 or 29 February). A period
that starts on a date ends the day before its anniversary; "allowed from" dates are the
first day something is allowed. Money is ``Decimal`` rounded half up to the cent.
"""

from calendar import isleap, monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from fractions import Fraction

from partners.dates import format_day
from sla.businesstime import BusinessCalendar

CENT = Decimal("0.01")

CHANGE_LOCK_MONTHS = 6
INVOICING_DELAY = timedelta(days=14)
# One working day on the support calendar: the 9 open hours of a 09:00-18:00 day.
REPLACEMENT_SHIP_WITHIN = timedelta(hours=9)
CASUALTY_SURCHARGE = Decimal("0.10")
INTEREST_RATE = Decimal("0.10")  # per year


class TermKind(StrEnum):
    MONTH_TO_MONTH = "month_to_month"
    YEAR_TO_YEAR = "year_to_year"
    FIVE_YEAR = "five_year"


class DamageCause(StrEnum):
    DEFECT = "defect"
    ACCIDENT = "accident"
    DELIBERATE = "deliberate"  # damage inflicted on purpose or by negligence of staff
    FIRE = "fire"
    THEFT = "theft"
    LOST = "lost"  # complete loss not from fire or theft
    UNSUITABLE_ENVIRONMENT = "unsuitable_environment"


class Document(StrEnum):
    POLICE_REPORT = "police_report"  # police report naming model and serial numbers
    FAULT_DESCRIPTION = "fault_description"
    PROOF_OF_PURCHASE = "proof_of_purchase"
    WARRANTY_CONTRACT = "warranty_contract"  # signed 5-year extended warranty agreement
    PARCEL_DETAILS = "parcel_details"  # weight and dimensions of the return parcel (US)


DOCUMENT_LABELS: dict[Document, str] = {
    Document.POLICE_REPORT: "Police report with model and serial numbers",
    Document.FAULT_DESCRIPTION: "Description of the fault",
    Document.PROOF_OF_PURCHASE: "Proof of purchase",
    Document.WARRANTY_CONTRACT: "Signed 5-year warranty agreement",
    Document.PARCEL_DETAILS: "Weight and dimensions of the return parcel",
}


class OwnerEntity(StrEnum):
    ESTONIA = "ee"
    UNITED_KINGDOM = "uk"


OWNER_ENTITY_NAMES: dict[OwnerEntity, str] = {
    OwnerEntity.ESTONIA: "Wildix EE OÜ (Tallinn, Estonia)",
    OwnerEntity.UNITED_KINGDOM: "Wildix Limited (Coventry, United Kingdom)",
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    from_date: date | None = None  # when not allowed yet: the first day it will be
    documents: tuple[Document, ...] = ()  # what must accompany the request
    lessee_pays: bool = False
    amount: Decimal | None = None  # what the lessee pays, when known


@dataclass(frozen=True)
class ReturnCharge:
    unpaid_fees: Decimal
    casualty_value: Decimal
    surcharge: Decimal
    total: Decimal


# --- calendar arithmetic -----------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later (or earlier), clamped to the month's end."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    """The same date ``years`` later; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


# --- HWaaS: changing a line ----------------------------------------------------------------


def change_possible_from(delivered_on: date) -> date:
    """First day the quantity may be reduced or a device exchanged: six months after delivery."""
    return add_months(delivered_on, CHANGE_LOCK_MONTHS)


def _change_decision(
    delivered_on: date | None, on: date, *, allowed: str, waiting: str
) -> Decision:
    if delivered_on is None:
        return Decision(False, "The equipment has not been delivered yet, so this is not possible.")
    first_day = change_possible_from(delivered_on)
    when = format_day(first_day)
    if on < first_day:
        return Decision(False, waiting.format(when=when), from_date=first_day)
    return Decision(True, allowed.format(when=when, delivered=format_day(delivered_on)))


def may_reduce(*, delivered_on: date | None, on: date) -> Decision:
    return _change_decision(
        delivered_on,
        on,
        allowed="The quantity on this line can be reduced: six months have passed since "
        "delivery on {delivered}.",
        waiting="This line can be reduced from {when}, six months after delivery.",
    )


def may_exchange(*, delivered_on: date | None, on: date) -> Decision:
    return _change_decision(
        delivered_on,
        on,
        allowed="This device can be swapped for a different model: it was delivered on "
        "{delivered}, at least six months ago.",
        waiting="This device can be swapped for a different model from {when}, six months "
        "after delivery.",
    )


def invoicing_starts(ordered_on: date) -> date:
    """The recurring fee of a newly ordered product is invoiced from 14 days after the order."""
    return ordered_on + INVOICING_DELAY


# --- HWaaS: damage, loss and replacement ------------------------------------------------------

_FREE_CAUSES = frozenset(
    {DamageCause.DEFECT, DamageCause.ACCIDENT, DamageCause.DELIBERATE, DamageCause.FIRE}
)
_PICKUP = " The faulty unit is collected and its transport is invoiced at cost."


def replacement(
    *, cause: DamageCause, label_readable: bool, casualty_value: Decimal | None = None
) -> Decision:
    """Whether a leased device is replaced, who pays, and which papers the request needs.

    Damage of any kind (even on purpose or through staff negligence) and fire are covered as
    long as the serial label can be read; without a readable label, and always for theft, a
    police report naming model and serial numbers stands in for it. The lessee pays the
    casualty value for a complete loss other than fire or theft and for damage from use in
    an environment the device is not made for.
    """
    amount = None if casualty_value is None else _cents(casualty_value)
    if cause is DamageCause.THEFT:
        return Decision(
            True,
            "A stolen device is replaced free of charge once a police report listing its "
            "model and serial number is provided.",
            documents=(Document.POLICE_REPORT,),
        )
    if cause is DamageCause.LOST:
        return Decision(
            True,
            "A device lost other than by fire or theft is replaced at the lessee's expense, "
            "at its casualty value.",
            lessee_pays=True,
            amount=amount,
        )
    if cause is DamageCause.UNSUITABLE_ENVIRONMENT:
        return Decision(
            True,
            "Damage from use in an environment the device is not designed for is charged "
            "to the lessee at the casualty value." + _PICKUP,
            lessee_pays=True,
            amount=amount,
        )
    if cause not in _FREE_CAUSES:
        raise ValueError(f"Unknown damage cause: {cause!r}")
    if label_readable:
        return Decision(True, "The device is replaced free of charge." + _PICKUP)
    return Decision(
        True,
        "The device is replaced free of charge, but because its serial label cannot be read "
        "a police report listing its model and serial number is needed." + _PICKUP,
        documents=(Document.POLICE_REPORT,),
    )


def replacement_ship_by(*, approved_at: datetime, calendar: BusinessCalendar) -> datetime:
    """Deadline for dispatching a replacement: one working day on the support calendar."""
    return calendar.add(approved_at, REPLACEMENT_SHIP_WITHIN)


# --- HWaaS: end of term and overdue amounts -----------------------------------------------


def missing_return_charge(*, unpaid_fees: Decimal, casualty_value: Decimal) -> ReturnCharge:
    """Equipment not made available for pick-up at the end of the term: the unpaid fees, the
    casualty value and a surcharge of 10 % of the casualty value (the lessee then owns it)."""
    fees = _cents(unpaid_fees)
    value = _cents(casualty_value)
    surcharge = _cents(casualty_value * CASUALTY_SURCHARGE)
    return ReturnCharge(fees, value, surcharge, fees + value + surcharge)


def unpaid_fees(*, fee: Decimal, term: TermKind, paid_until: date, term_ends_on: date) -> Decimal:
    """Fees still owed for the rest of the term, at ``fee`` per period.

    ``paid_until`` is the first day not yet paid for and ``term_ends_on`` the first day after
    the term, so the unpaid stretch is [paid_until, term_ends_on). Periods are a month
    (month-to-month and 5-year terms) or a year (year-to-year), counted from ``paid_until``:
    period k covers [add_months(paid_until, k), add_months(paid_until, k + 1)), or the
    add_years equivalent. Every period that starts before ``term_ends_on`` is owed in full,
    so a started period counts as a whole one. Nothing is owed when
    ``paid_until >= term_ends_on``.
    """
    months = 12 if term is TermKind.YEAR_TO_YEAR else 1
    periods = 0
    while add_months(paid_until, periods * months) < term_ends_on:
        periods += 1
    return _cents(fee * periods)


def overdue_interest(
    *, amount: Decimal, due_on: date, paid_on: date, legal_max_rate: Decimal | None = None
) -> Decimal:
    """Interest on an amount paid late, at 10 % a year or the legal maximum when lower.

    Each day after ``due_on`` up to and including ``paid_on`` earns amount x rate / 365, or
    / 366 for a day in a leap year. The sum is exact and rounded half up to the cent once,
    at the end. Nothing accrues when ``paid_on <= due_on``.
    """
    if amount < 0:
        raise ValueError("amount must not be negative")
    rate = INTEREST_RATE
    if legal_max_rate is not None:
        if legal_max_rate < 0:
            raise ValueError("legal_max_rate must not be negative")
        rate = min(rate, legal_max_rate)
    if paid_on <= due_on:
        return Decimal("0.00")
    total = Fraction(0)
    first_day = due_on + timedelta(days=1)
    for year in range(first_day.year, paid_on.year + 1):
        start = max(first_day, date(year, 1, 1))
        end = min(paid_on, date(year, 12, 31))
        days = (end - start).days + 1
        total += Fraction(days, 366 if isleap(year) else 365)
    exact = Fraction(amount) * Fraction(rate) * total
    with localcontext() as context:
        context.prec = 60  # far beyond a cent, so the half-up tie is decided on the exact value
        return _cents(Decimal(exact.numerator) / Decimal(exact.denominator))


# --- HWaaS: ownership --------------------------------------------------------------------


def owner_entity(country: str) -> OwnerEntity:
    """The Wildix entity that owns leased equipment, by the lessee's ISO country code."""
    if country.strip().upper() == "GB":
        return OwnerEntity.UNITED_KINGDOM
    return OwnerEntity.ESTONIA
