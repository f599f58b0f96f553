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

Term periods (21.5, 21.7): a month-to-month agreement runs a calendar month at a time (the
fee falls due on the 1st), a year-to-year one from one anniversary of its start to the next
(an agreement started on 29 February has its anniversary on 28 February in common years),
a five-year one from its start to its end. ``current_term_period`` gives the period under
way on a day, ``not_returned_charge`` what equipment not handed back costs (21.24).
"""

from calendar import isleap, monthrange
from collections.abc import Iterable
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
    charge: "NotReturnedCharge | None" = None  # a return: what not handing back would cost


# --- calendar arithmetic -----------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later (or earlier), clamped to the month's end."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    """The same date ``years`` later; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)


def cents(amount: Decimal) -> Decimal:
    """``amount`` rounded half up to the cent."""
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
    amount = None if casualty_value is None else cents(casualty_value)
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


FIVE_YEAR_TERM_YEARS = 5


@dataclass(frozen=True)
class TermPeriod:
    """The term period under way: ``starts_on`` is its first day, ``ends_on`` the first day
    after it (the next period's first day), ``months_left`` the months still to be paid up
    to ``ends_on``, the month under way included. A five-year term that is over has
    ``ends_on`` on or before the day asked about and no months left."""

    term: TermKind
    starts_on: date
    ends_on: date
    months_left: int

    @property
    def last_day(self) -> date:
        return self.ends_on - timedelta(days=1)


def five_year_end(starts_on: date) -> date:
    """The first day after a five-year agreement started on ``starts_on``."""
    return add_years(starts_on, FIVE_YEAR_TERM_YEARS)


def current_term_period(
    *, term: TermKind, starts_on: date, today: date, ends_on: date | None = None
) -> TermPeriod:
    """The term period ``today`` falls in.

    Month to month: the calendar month (fees fall due on the 1st), one month left. Year to
    year: from the last anniversary of ``starts_on`` on or before ``today`` to the next one,
    so on the anniversary itself a new year begins. Five years: from ``starts_on`` to
    ``ends_on`` (the agreement's recorded end, else five years after the start). Before the
    agreement starts, its first period is the one under way.

    Months left are counted in whole months from the month under way, which counts in full
    because fees are paid a month at a time in advance; for year-to-year and five-year
    terms the months run from the day of the month the agreement started on (a start on
    31 January gives months ending on the last day of shorter months), so a year always
    holds twelve of them.

    Where the terms are silent we read them as a lessee would hold us to: the anniversary of
    a 29 February start is the earlier 28 February in common years (a shorter year left to
    pay); months before ``today`` are not counted here (they were invoiced in advance, and
    an unpaid invoice is an overdue amount of its own); a fee is never split below a month,
    as it is invoiced a month at a time.
    """
    term = TermKind(term)
    day = max(today, starts_on)
    if term is TermKind.MONTH_TO_MONTH:
        first = max(day.replace(day=1), starts_on)
        return TermPeriod(term, first, add_months(day.replace(day=1), 1), 1)
    if term is TermKind.YEAR_TO_YEAR:
        years = day.year - starts_on.year
        if add_years(starts_on, years) > day:
            years -= 1
        period_start, period_end = add_years(starts_on, years), add_years(starts_on, years + 1)
    elif term is TermKind.FIVE_YEAR:
        period_start, period_end = starts_on, ends_on or five_year_end(starts_on)
        if period_end <= day:
            return TermPeriod(term, period_start, period_end, 0)
    else:
        raise ValueError(f"Unknown term: {term!r}")
    return TermPeriod(
        term, period_start, period_end, _months_left(starts_on, day=day, until=period_end)
    )


def _months_left(anchor: date, *, day: date, until: date) -> int:
    """Months of ``anchor``'s monthly cycle from the one ``day`` falls in up to ``until``."""
    elapsed = (day.year - anchor.year) * 12 + day.month - anchor.month
    if add_months(anchor, elapsed) > day:
        elapsed -= 1
    left = 0
    while add_months(anchor, elapsed + left) < until:
        left += 1
    return left


@dataclass(frozen=True)
class LeasedUnit:
    """One line of Annex A as the charge needs it."""

    device: str  # what the partner recognises it by: model and serial number
    monthly_fee: Decimal
    casualty_value: Decimal
    delivered_on: date | None
    quantity: int = 1


@dataclass(frozen=True)
class ChargeLine:
    """One delivered line's part of the charge. Amounts are exact (not yet rounded)."""

    device: str
    quantity: int
    monthly_fee: Decimal
    months_left: int
    unpaid_fees: Decimal
    casualty_value: Decimal
    surcharge: Decimal

    @property
    def amount(self) -> Decimal:
        """The line's share, rounded half up to the cent."""
        return cents(self.unpaid_fees + self.casualty_value + self.surcharge)


@dataclass(frozen=True)
class NotReturnedCharge:
    period: TermPeriod
    lines: tuple[ChargeLine, ...]
    unpaid_fees: Decimal
    casualty_value: Decimal
    surcharge: Decimal
    total: Decimal


def is_delivered(delivered_on: date | None, *, on: date) -> bool:
    return delivered_on is not None and delivered_on <= on


def not_returned_charge(
    *,
    term: TermKind,
    starts_on: date,
    today: date,
    units: Iterable[LeasedUnit],
    ends_on: date | None = None,
) -> NotReturnedCharge:
    """What the lessee pays when the equipment is not made available for collection (21.24):
    for every line delivered by ``today`` (ordered units not yet delivered are not the
    lessee's to hand back), the fees still unpaid up to the end of the current term period
    (``current_term_period``: monthly fee x months left x quantity), the casualty value,
    and 10 % of the casualty value. Ownership of those units then passes to the lessee.

    Money: every part is computed exactly in ``Decimal``; the totals are rounded half up to
    the cent once, at the end. Each line's ``amount`` is its exact share rounded the same
    way, for display, so the lines may differ from the total by less than a cent each.
    """
    period = current_term_period(term=term, starts_on=starts_on, today=today, ends_on=ends_on)
    lines = tuple(
        ChargeLine(
            device=unit.device,
            quantity=unit.quantity,
            monthly_fee=unit.monthly_fee,
            months_left=period.months_left,
            unpaid_fees=unit.monthly_fee * period.months_left * unit.quantity,
            casualty_value=unit.casualty_value * unit.quantity,
            surcharge=unit.casualty_value * unit.quantity * CASUALTY_SURCHARGE,
        )
        for unit in units
        if is_delivered(unit.delivered_on, on=today)
    )
    fees = sum((line.unpaid_fees for line in lines), Decimal(0))
    value = sum((line.casualty_value for line in lines), Decimal(0))
    surcharge = sum((line.surcharge for line in lines), Decimal(0))
    return NotReturnedCharge(
        period=period,
        lines=lines,
        unpaid_fees=cents(fees),
        casualty_value=cents(value),
        surcharge=cents(surcharge),
        total=cents(fees + value + surcharge),
    )


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
        return cents(Decimal(exact.numerator) / Decimal(exact.denominator))


# --- HWaaS: ownership --------------------------------------------------------------------


def owner_entity(country: str) -> OwnerEntity:
    """The Wildix entity that owns leased equipment, by the lessee's ISO country code."""
    if country.strip().upper() == "GB":
        return OwnerEntity.UNITED_KINGDOM
    return OwnerEntity.ESTONIA
