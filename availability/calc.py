"""Monthly availability and the credit it earns. Pure: instants and amounts in, exact values
out; no database, no clock.

Availability of a month is the share of the month's time not inside a counted outage:
overlapping outages count once, outage time inside qualifying maintenance does not count,
and the parts of an outage outside the month are ignored. The month runs from its first
midnight to the next month's first midnight in the reporting time zone, so a month with a
clock change has 743 or 745 hours.

A subscription is measured only over the part of the month it was active (its active
window), and its credit is taken from the fee for that part (``prorated_fee``). For a
subscription covering several services, maintenance excuses outages of the service it was
announced for only: each service's outages are judged against that service's maintenance,
and the subscription is down while any of its services has counted outage
(``availability_of_services``).

Arithmetic is exact: durations in whole microseconds, the percentage truncated (never
rounded) to ``PLACES`` decimal places, far finer than any bound of a credit table, so the
tier decided on the result is the tier of the exact value.
"""

import math
import tomllib
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]
# One service's records over a period: its outages, and its qualifying maintenance windows.
ServiceRecords = tuple[Iterable[Interval], Iterable[Interval]]

PLACES = 20
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
POLICY_DATA = Path(__file__).resolve().parent.parent / "partners" / "policy_data"


@dataclass(frozen=True)
class CreditBand:
    """Availability in ``[lower, upper)`` (``upper`` None: no ceiling) pays ``payable`` % of
    the monthly fee."""

    lower: Decimal
    upper: Decimal | None
    payable: int

    def holds(self, percent: Decimal) -> bool:
        return self.lower <= percent and (self.upper is None or percent < self.upper)


def month_bounds(year: int, month: int, tz: str) -> Interval:
    """The month as a half-open interval of UTC instants."""
    zone = ZoneInfo(tz)
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _merged(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    """``intervals`` clipped to ``[start, end)``, joined where they overlap or touch, sorted."""
    clipped = sorted(
        (max(s.astimezone(UTC), start), min(e.astimezone(UTC), end)) for s, e in intervals if e > s
    )
    merged: list[Interval] = []
    for s, e in clipped:
        if s >= e:
            continue
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _length(intervals: Sequence[Interval]) -> timedelta:
    return sum((e - s for s, e in intervals), timedelta(0))


def _microseconds(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


def _without(intervals: Sequence[Interval], holes: Sequence[Interval]) -> list[Interval]:
    """The parts of disjoint, sorted ``intervals`` outside disjoint, sorted ``holes``."""
    left: list[Interval] = []
    j = 0
    for start, end in intervals:
        while j < len(holes) and holes[j][1] <= start:
            j += 1
        k, cursor = j, start
        while k < len(holes) and holes[k][0] < end:
            if holes[k][0] > cursor:
                left.append((cursor, holes[k][0]))
            cursor = max(cursor, holes[k][1])
            k += 1
        if cursor < end:
            left.append((cursor, end))
    return left


def _counted_spans(period: Interval, services: Iterable[ServiceRecords]) -> list[Interval]:
    """The time inside ``period`` when at least one service was down outside its own
    maintenance: disjoint, sorted."""
    start, end = period
    counted: list[Interval] = []
    for outages, maintenance in services:
        counted += _without(_merged(outages, start, end), _merged(maintenance, start, end))
    return _merged(counted, start, end)


def counted_outage_of_services(period: Interval, services: Iterable[ServiceRecords]) -> timedelta:
    """Outage time inside ``period`` that counts against a subscription to several services:
    time when any of them was down, less the time each service's own qualifying maintenance
    excuses. Maintenance of one service never excuses an outage of another."""
    return _length(_counted_spans(period, services))


def counted_outage(
    period: Interval, outages: Iterable[Interval], maintenance: Iterable[Interval] = ()
) -> timedelta:
    """Outage time inside ``period`` that counts against availability (one service)."""
    return counted_outage_of_services(period, [(outages, maintenance)])


def _percent_available(period: Interval, down: timedelta) -> Decimal:
    total = _microseconds(period[1] - period[0])
    if total <= 0:
        raise ValueError("The period must have a positive length.")
    available = total - _microseconds(down)
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(available) * HUNDRED / Decimal(total)
        return exact.quantize(Decimal(1).scaleb(-PLACES), rounding=ROUND_DOWN)


def availability_of_services(period: Interval, services: Iterable[ServiceRecords]) -> Decimal:
    """Percent of ``period`` when none of the services had counted outage (each judged
    against its own maintenance), truncated to ``PLACES`` places."""
    return _percent_available(period, counted_outage_of_services(period, services))


def availability(
    period: Interval, outages: Iterable[Interval], maintenance: Iterable[Interval] = ()
) -> Decimal:
    """Percent of ``period`` not inside a counted outage, truncated to ``PLACES`` places."""
    return availability_of_services(period, [(outages, maintenance)])


def outages_counted(
    period: Interval, outages: Sequence[Interval], maintenance: Iterable[Interval] = ()
) -> list[bool]:
    """For each of one service's ``outages``: does any of its time inside ``period`` count,
    i.e. lie outside the service's qualifying ``maintenance``? An outage wholly outside the
    period, or wholly inside maintenance, did not count."""
    start, end = period
    excused = _merged(maintenance, start, end)
    starts = [window[0] for window in excused]
    flags = []
    for outage_start, outage_end in outages:
        s, e = max(outage_start.astimezone(UTC), start), min(outage_end.astimezone(UTC), end)
        if s >= e:
            flags.append(False)
            continue
        # Merged windows never touch, so one window covers the outage or none does.
        at = bisect_right(starts, s) - 1
        flags.append(not (at >= 0 and excused[at][1] >= e))
    return flags


def active_window(
    year: int, month: int, tz: str, starts_on: date, ends_on: date | None = None
) -> Interval | None:
    """The part of the month a subscription ran, as UTC instants: from local midnight on its
    first day (``starts_on``) to local midnight after its last day (``ends_on``, included;
    None: still running), within the month in ``tz``. None when it ran no time that month.
    The dates are days of the reporting zone, the zone the month is reported in, so the first
    and last days count whole: the subscription's own dates, not the hour it was set up.
    """
    zone = ZoneInfo(tz)
    month_start, month_end = month_bounds(year, month, tz)
    start = datetime(starts_on.year, starts_on.month, starts_on.day, tzinfo=zone).astimezone(UTC)
    end = month_end
    if ends_on is not None:
        after = ends_on + timedelta(days=1)
        end = min(end, datetime(after.year, after.month, after.day, tzinfo=zone).astimezone(UTC))
    start = max(start, month_start)
    return (start, end) if start < end else None


def _within(period: Interval, window: Interval | None) -> Interval:
    """``period`` cut to ``window``; refuses a window that leaves no time."""
    if window is None:
        return period
    start, end = max(period[0], window[0]), min(period[1], window[1])
    if start >= end:
        raise ValueError("The active window leaves no time in the period.")
    return start, end


def monthly_availability(
    year: int,
    month: int,
    tz: str,
    outages: Iterable[Interval],
    maintenance: Iterable[Interval] = (),
    *,
    active: Interval | None = None,
) -> Decimal:
    """Availability of a calendar month in ``tz``, in percent. ``maintenance`` holds only the
    windows that qualify (announced early enough). With ``active`` (e.g. ``active_window``),
    only the part of the month inside it is measured, and outages outside it are ignored; a
    window with no time in the month is refused (``ValueError``): such a month has no
    availability to report."""
    return availability(_within(month_bounds(year, month, tz), active), outages, maintenance)


def prorated_fee(monthly_fee: Decimal, month: Interval, active: Interval | None) -> Decimal:
    """The fee for the part of ``month`` inside ``active`` (None: the whole month):
    ``monthly_fee`` × active time / month time, both counted exactly in elapsed time (so a
    month with a clock change has 743 or 745 hours, and a day of it 23, 24 or 25), half-up to
    the cent.

    Rounded once, at the end, from the exact fraction: rounding a day rate or the share first
    would drift (thirty rounded day rates need not add up to the fee), while rounding only the
    result gives exactly ``monthly_fee`` for a whole month, never more than ``monthly_fee``
    for part of one (the fee is in cents), and parts of a split month that add up to the fee
    within a cent. Half-up, as the credit itself is rounded.
    """
    month_us = _microseconds(month[1] - month[0])
    if month_us <= 0:
        raise ValueError("The month must have a positive length.")
    if active is None:
        active_us = month_us
    else:
        start, end = max(month[0], active[0]), min(month[1], active[1])
        active_us = max(_microseconds(end - start), 0)
    exact = Fraction(monthly_fee) * active_us / month_us
    cents = math.floor(abs(exact) * 100 + Fraction(1, 2))
    return (Decimal(cents) / HUNDRED).quantize(CENT) * (-1 if exact < 0 else 1)


@cache
def credit_table(policy_version: str) -> tuple[CreditBand, ...]:
    """The credit table a version of the terms ships with (its data file)."""
    path = POLICY_DATA / f"{policy_version}.toml"
    if not path.is_file():
        raise ValueError(f"No version {policy_version!r} of the terms is known.")
    with path.open("rb") as data:
        rows = tomllib.load(data)["credit_bands"]
    return tuple(
        CreditBand(
            lower=Decimal(row["lower"]),
            upper=Decimal(row["upper"]) if "upper" in row else None,
            payable=int(row["payable"]),
        )
        for row in rows
    )


def payable_percent(
    policy_version: str,
    availability_pct: Decimal,
    *,
    bands: Sequence[CreditBand] | None = None,
) -> int:
    """Share of the monthly fee payable for a month at ``availability_pct``, from the
    version's credit table (or ``bands``, e.g. as edited in the admin)."""
    table = bands if bands is not None else credit_table(policy_version)
    for band in table:
        if band.holds(availability_pct):
            return band.payable
    raise ValueError(f"{availability_pct} % is outside the credit table of {policy_version}.")


def credit_amount(monthly_fee: Decimal, payable: int) -> Decimal:
    """The reduction of the fee: fee × (100 − payable) / 100, half-up to the cent.

    For a subscription active for part of the month, ``monthly_fee`` is its ``prorated_fee``:
    the fee for the active part as the credit line shows it (already in cents), so the line
    adds up as printed (shown fee × share not payable = shown credit)."""
    return (monthly_fee * (HUNDRED - payable) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def shown(percent: Decimal, places: int = 3) -> Decimal:
    """A figure as people see it: truncated, so it never looks above a bound it missed."""
    return percent.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
