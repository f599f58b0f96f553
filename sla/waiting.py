"""How long a case may wait on the partner, in business days. Pure: stdlib and
``sla.businesstime`` only, no Django.

A case that waits on the partner pauses the clocks that allow it (DESIGN: restoration
pauses, first response does not). So that no case stays paused forever, each version of the
terms holds three limits, counted from the moment the case started waiting:

- ``reminder_days``: the partner is reminded that we are waiting for them;
- ``resolve_days``: counted from the reminder, after which the case is resolved for want
  of an answer (a reply reopens a resolved case, so nothing is lost);
- ``step_in_days`` (2026-03 only, 14.5): staff may write to the end customer of a case
  about an end customer's system. 14.5 lets the vendor contact a partner's end customers
  "if the Partner does not address the presented matters in a timely manner"; the earlier
  versions have no such clause, so they have no limit and staff never step in.

None of the versions gives a number for any of these. The defaults shipped in the policy
files are chosen to be ones a partner would hold us to, generous rather than tight:
a working week (5 business days) before the reminder, two more working weeks (10) before
the case is resolved, so three working weeks of silence in all; stepping in after two
working weeks (10), a full week after the partner was reminded and a week before the case
would be resolved. A version's limits can be changed in its data file or in the admin.

Counting business days on the organisation's support calendar: the day the wait begins
is not counted (nor is the first working day after it, when the wait begins on a closed
day: a weekend, a holiday); the limit falls at the close of support hours on the N-th
working day after that. A case that starts waiting on Monday at 10:00 with a limit of 5
days is due on the next Monday at 18:00: the partner always has N whole working days, and
the rest of the day it was asked on. A holiday or closure on the calendar does not count.
"""

from dataclasses import dataclass
from datetime import datetime, time

from sla.businesstime import BusinessCalendar


@dataclass(frozen=True)
class WaitingLimits:
    """A policy version's limits, in business days (``step_in_days`` None: not offered)."""

    reminder_days: int
    resolve_days: int
    step_in_days: int | None = None

    def __post_init__(self) -> None:
        if self.reminder_days < 1 or self.resolve_days < 1:
            raise ValueError("Waiting limits are at least one business day.")
        if self.step_in_days is not None and self.step_in_days < 1:
            raise ValueError("Waiting limits are at least one business day.")


def after_business_days(calendar: BusinessCalendar, start: datetime, days: int) -> datetime:
    """The close of support hours on the ``days``-th working day after the day of
    ``start`` (the day itself, or the first working day after it when ``start`` falls on
    a closed day, is not counted). Always a closing instant; later than ``start`` for one
    day or more (``days`` 0 is the close of that uncounted day)."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if days < 0:
        raise ValueError("days must not be negative")
    local_day = start.astimezone(calendar.tz).date()
    midnight = datetime.combine(local_day, time(0), tzinfo=calendar.tz)
    close = calendar.working_day_close(calendar.next_open(midnight))
    for _ in range(days):
        close = calendar.working_day_close(calendar.next_open(close))
    return close


def reminder_due(calendar: BusinessCalendar, *, waiting_since: datetime, limits: WaitingLimits):
    return after_business_days(calendar, waiting_since, limits.reminder_days)


def resolution_due(calendar: BusinessCalendar, *, reminded_at: datetime, limits: WaitingLimits):
    """Counted from the reminder actually sent: a reminder that went out late (workers
    down) still leaves the partner every day of ``resolve_days`` to answer it."""
    return after_business_days(calendar, reminded_at, limits.resolve_days)


def step_in_from(
    calendar: BusinessCalendar, *, waiting_since: datetime, limits: WaitingLimits
) -> datetime | None:
    """From when staff may write to the end customer; None when the terms do not allow it."""
    if limits.step_in_days is None:
        return None
    return after_business_days(calendar, waiting_since, limits.step_in_days)


def step_in_allowed(
    *,
    limits: WaitingLimits,
    about_end_customer: bool,
    step_in_at: datetime | None,
    now: datetime,
) -> bool:
    """Staff may step in (14.5) on a case about an end customer's system while it waits on
    the partner (``step_in_at``: when the current wait reaches the limit, None when the case
    is not waiting), once that moment has come, and only where the version's terms have a
    limit."""
    if limits.step_in_days is None or not about_end_customer or step_in_at is None:
        return False
    return now >= step_in_at
