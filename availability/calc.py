"""Monthly availability and the credit it earns. Pure: instants and amounts in, exact values
out; no database, no clock.

Availability of a month is the share of the month's time not inside a counted outage:
overlapping outages count once, outage time inside qualifying maintenance does not count,
and the parts of an outage outside the month are ignored. The month runs from its first
midnight to the next month's first midnight in the reporting time zone, so a month with a
clock change has 743 or 745 hours.

Arithmetic is exact: durations in whole microseconds, the percentage truncated (never
rounded) to ``PLACES`` decimal places, far finer than any bound of a credit table, so the
tier decided on the result is the tier of the exact value.
"""

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]

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


def _overlap(one: Sequence[Interval], other: Sequence[Interval]) -> timedelta:
    """Total time inside both lists of disjoint, sorted intervals."""
    total, i, j = timedelta(0), 0, 0
    while i < len(one) and j < len(other):
        start = max(one[i][0], other[j][0])
        end = min(one[i][1], other[j][1])
        if end > start:
            total += end - start
        if one[i][1] < other[j][1]:
            i += 1
        else:
            j += 1
    return total


def _microseconds(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


def counted_outage(
    period: Interval, outages: Iterable[Interval], maintenance: Iterable[Interval] = ()
) -> timedelta:
    """Outage time inside ``period`` that counts against availability."""
    start, end = period
    down = _merged(outages, start, end)
    excused = _merged(maintenance, start, end)
    return _length(down) - _overlap(down, excused)


def availability(
    period: Interval, outages: Iterable[Interval], maintenance: Iterable[Interval] = ()
) -> Decimal:
    """Percent of ``period`` not inside a counted outage, truncated to ``PLACES`` places."""
    total = _microseconds(period[1] - period[0])
    if total <= 0:
        raise ValueError("The period must have a positive length.")
    available = total - _microseconds(counted_outage(period, outages, maintenance))
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(available) * HUNDRED / Decimal(total)
        return exact.quantize(Decimal(1).scaleb(-PLACES), rounding=ROUND_DOWN)


def monthly_availability(
    year: int,
    month: int,
    tz: str,
    outages: Iterable[Interval],
    maintenance: Iterable[Interval] = (),
) -> Decimal:
    """Availability of a calendar month in ``tz``, in percent. ``maintenance`` holds only the
    windows that qualify (announced early enough)."""
    return availability(month_bounds(year, month, tz), outages, maintenance)


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
    """The reduction of the fee: fee × (100 − payable) / 100, half-up to the cent."""
    return (monthly_fee * (HUNDRED - payable) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def shown(percent: Decimal, places: int = 3) -> Decimal:
    """A figure as people see it: truncated, so it never looks above a bound it missed."""
    return percent.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
