"""The arithmetic of one SLA clock. Pure: a calendar and instants in, instants out.

A clock allows ``target`` of business time from ``started_at``. Business time spent paused
(``paused_for``) does not count, so every instant shifts by it: the clock is due when
``elapsed(started_at, t) - paused_for`` reaches the target. Met or breached is decided on
business time: a clock stopped at ``t`` is met when that figure is at most the target.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sla.businesstime import BusinessCalendar


@dataclass(frozen=True)
class Schedule:
    due: datetime
    warn_at: datetime
    breach_at: datetime


def warning_point(target: timedelta, fraction: float) -> timedelta:
    """The share of the target after which the clock warns, to the whole second."""
    return timedelta(seconds=int(target.total_seconds() * fraction))


def schedule(
    calendar: BusinessCalendar,
    *,
    started_at: datetime,
    target: timedelta,
    paused_for: timedelta = timedelta(0),
    warning_fraction: float,
) -> Schedule:
    due = calendar.add(started_at, target + paused_for)
    return Schedule(
        due=due,
        warn_at=calendar.add(started_at, warning_point(target, warning_fraction) + paused_for),
        breach_at=calendar.next_open(due),
    )


def used(
    calendar: BusinessCalendar, *, started_at: datetime, paused_for: timedelta, at: datetime
) -> timedelta:
    """Business time counted against the target from ``started_at`` to ``at``."""
    return max(calendar.elapsed(started_at, at) - paused_for, timedelta(0))


def is_met(
    calendar: BusinessCalendar,
    *,
    started_at: datetime,
    target: timedelta,
    paused_for: timedelta,
    at: datetime,
) -> bool:
    return used(calendar, started_at=started_at, paused_for=paused_for, at=at) <= target


def remaining(
    calendar: BusinessCalendar,
    *,
    started_at: datetime,
    target: timedelta,
    paused_for: timedelta,
    at: datetime,
) -> timedelta:
    """Business time left at ``at``; negative once the target is overrun."""
    return target - used(calendar, started_at=started_at, paused_for=paused_for, at=at)
