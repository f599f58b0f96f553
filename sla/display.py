"""How SLA clocks and deadlines read to people: a label, the due time in a zone, the state in
words and the business time left.

Plain values in, strings and a small dataclass out; times and lengths are worded by
``core.formatting``. The caller passes ``now``, the zone to show times in, and (only when
it wants the time left) the clock's ``BusinessCalendar``; nothing here touches the
database. Anything with the fields
of ``sla.models.Clock`` (metric, state, due_at, breach_at, warned_at, stopped_at,
started_at, target, paused_for, paused_since) will do as a clock.

    clock_display(clock, tz="Europe/Rome", now=now)  -> ClockDisplay (texts and flags)
    due_text(instant, tz, now=now)                   -> "Tue 18:00 CET"
    clock_deadline_text(clock, tz=..., now=now)      -> "due Thu 18:00 CET · breached Fri
                                                        09:00 CET, 2 h ago"
    target_text(kind=..., target=..., calendar=...)  -> "same working day", "4 hours"
    intake_preview(deadlines, tz=..., now=now)       -> lines for the intake form
    clocks_for_viewer(clocks, internal=False)        -> the clocks a partner may see
    service_level(clock, tz=..., now=now, calendar=c) -> ServiceLevel (the staff panel's row)

Partners see the first-response and restoration clocks; the out-of-hours triage and
investigation clocks and every warning are internal to support.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Protocol, TypeVar

from core.formatting import (
    deadline_text,
    duration_text,
    local_datetime_text,
    moment_text,
)
from sla import clocks as clock_rules
from sla import targets as target_rules
from sla.businesstime import BusinessCalendar

FIRST_RESPONSE = "first_response"
OUT_OF_HOURS_TRIAGE = "out_of_hours_triage"
OUT_OF_HOURS_INVESTIGATION = "out_of_hours_investigation"
RESTORATION = "restoration"

RUNNING, PAUSED, MET, BREACHED = "running", "paused", "met", "breached"

PARTNER_METRICS = frozenset({FIRST_RESPONSE, RESTORATION})
ALL_METRICS = frozenset(
    {FIRST_RESPONSE, OUT_OF_HOURS_TRIAGE, OUT_OF_HOURS_INVESTIGATION, RESTORATION}
)

ALWAYS = "24x7"

LABELS = {
    FIRST_RESPONSE: "First response",
    OUT_OF_HOURS_TRIAGE: "Out-of-hours triage",
    OUT_OF_HOURS_INVESTIGATION: "Out-of-hours investigation",
    RESTORATION: "Service restoration",
}

# (waiting, met, late) for each metric; "{deadline}" is ``deadline_text``'s wording.
_TEXTS = {
    FIRST_RESPONSE: ("First response {deadline}", "Answered within target", "Answered late"),
    RESTORATION: ("Service restoration {deadline}", "Restored within target", "Restored late"),
    OUT_OF_HOURS_TRIAGE: ("Triage {deadline}", "Triaged within target", "Triaged late"),
    OUT_OF_HOURS_INVESTIGATION: (
        "Investigation {deadline}",
        "Investigated within target",
        "Investigated late",
    ),
}
PAUSED_TEXT = "{label} paused while we wait for your reply"

# A business day of the terms: the 9 hours of one day's support hours (09:00-18:00).
BUSINESS_DAY = timedelta(hours=9)


class ClockLike(Protocol):
    metric: str
    state: str
    due_at: datetime
    breach_at: datetime
    warned_at: datetime | None
    stopped_at: datetime | None
    started_at: datetime
    target: timedelta
    paused_for: timedelta
    paused_since: datetime | None


C = TypeVar("C", bound=ClockLike)


def visible_metrics(*, internal: bool) -> frozenset[str]:
    """The metrics a viewer may see: every one for support staff, two for partners."""
    return ALL_METRICS if internal else PARTNER_METRICS


def clocks_for_viewer(clocks: Iterable[C], *, internal: bool) -> list[C]:
    """The clocks a viewer may see, earliest due first."""
    shown = visible_metrics(internal=internal)
    return sorted((c for c in clocks if c.metric in shown), key=lambda c: (c.due_at, c.metric))


def metric_label(metric: str) -> str:
    return LABELS.get(metric, metric.replace("_", " ").capitalize())


def due_text(at: datetime, tz: tzinfo | str, *, now: datetime | None = None) -> str:
    """An instant in ``tz`` with the zone's abbreviation, as ``core.formatting.moment_text``
    writes it: "Tue 18:00 CET" within six days of ``now`` either way, else "Tue 8 Dec, 18:00
    CET", with the year when it is another year. Without ``now``, the full date."""
    if now is None:
        return local_datetime_text(at, "long", tz=tz)
    return moment_text(at, tz=tz, now=now)


def clock_deadline_text(
    clock: ClockLike, *, tz: tzinfo | str, now: datetime, relative: bool = True
) -> str:
    """``core.formatting.deadline_text`` for a clock: "due Thu 18:00 CET · breached Fri
    09:00 CET, 2 h ago". A clock that stopped in time never reads as breached."""
    breached = clock.state == BREACHED or (clock.stopped_at is None and clock.state == RUNNING)
    return deadline_text(
        clock.due_at,
        clock.breach_at if breached else None,
        tz=tz,
        now=now,
        breached_at=getattr(clock, "breached_at", None),
        relative=relative,
    )


def target_text(*, kind: str, target: timedelta, calendar: str) -> str:
    """A target in the terms' own words, not as a length of time: "same working day",
    "30 business minutes", "1 business day" (nine business hours, one day's support
    hours), "4 business hours"; on the around-the-clock calendar plain time, "4 hours",
    "30 minutes". ``kind`` is the rule's (``sla.targets``), ``calendar`` the clock's."""
    if kind == target_rules.SAME_WORKING_DAY:
        return "same working day"
    if calendar == ALWAYS:
        return duration_text(target, "hours")
    minutes = int(target.total_seconds() // 60)
    if target >= BUSINESS_DAY and target % BUSINESS_DAY == timedelta(0):
        days = target // BUSINESS_DAY
        return f"{days} business day{'' if days == 1 else 's'}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} business hour{'' if hours == 1 else 's'}"
    if minutes < 60:
        return f"{minutes} business minutes"
    return f"{duration_text(target)} of business time"


def remaining_text(remaining: timedelta | None) -> str:
    """ "2 h 15 min of business time left", or "20 minutes over" once overrun; "" for None."""
    if remaining is None:
        return ""
    if remaining < timedelta(0):
        return f"{duration_text(remaining)} over"
    return f"{duration_text(remaining)} of business time left"


def remaining_business_time(
    clock: ClockLike, *, calendar: BusinessCalendar, now: datetime
) -> timedelta | None:
    """Business time left on a clock still waiting (negative once overrun); None once it has
    stopped. A paused clock keeps what it had when it paused."""
    if clock.stopped_at is not None:
        return None
    at = clock.paused_since if clock.state == PAUSED and clock.paused_since else now
    return clock_rules.remaining(
        calendar,
        started_at=clock.started_at,
        target=clock.target,
        paused_for=clock.paused_for,
        at=at,
    )


@dataclass(frozen=True)
class ClockDisplay:
    metric: str
    label: str  # "First response"
    state: str  # running / paused / met / breached
    due_at: datetime
    due_text: str  # "Tue 18:00 CET", in the zone asked for
    deadline_text: str  # "due Thu 18:00 CET · breached Fri 09:00 CET, 2 h ago"
    state_text: str  # "First response due Tue 18:00 CET", "Answered late", …
    waiting: bool  # still waiting for what stops it (reply, restoration)
    paused: bool
    overdue: bool  # waiting, and its breach instant has passed
    at_risk: bool  # waiting, warned and not yet overdue: internal, never shown to partners
    remaining: timedelta | None  # business time left; None once stopped or without a calendar
    remaining_text: str


def clock_display(
    clock: ClockLike,
    *,
    tz: tzinfo | str,
    now: datetime,
    calendar: BusinessCalendar | None = None,
) -> ClockDisplay:
    """Everything a page shows about one clock. Pass the clock's ``calendar`` to get the
    business time left as well."""
    waiting = clock.stopped_at is None
    paused = waiting and clock.state == PAUSED
    overdue = waiting and not paused and (clock.state == BREACHED or now >= clock.breach_at)
    due = due_text(clock.due_at, tz, now=now)
    deadline = clock_deadline_text(clock, tz=tz, now=now)
    label = metric_label(clock.metric)
    pending, met, late = _TEXTS.get(clock.metric, _TEXTS[FIRST_RESPONSE])
    if paused:
        text = PAUSED_TEXT.format(label=label)
    elif waiting:
        text = pending.format(deadline=deadline)
    else:
        text = met if clock.state == MET else f"{late}: {deadline}"
    remaining = (
        remaining_business_time(clock, calendar=calendar, now=now) if calendar is not None else None
    )
    return ClockDisplay(
        metric=clock.metric,
        label=label,
        state=clock.state,
        due_at=clock.due_at,
        due_text=due,
        deadline_text=deadline,
        state_text=text,
        waiting=waiting,
        paused=paused,
        overdue=overdue,
        at_risk=waiting and not overdue and clock.warned_at is not None,
        remaining=remaining,
        remaining_text=remaining_text(remaining),
    )


# --- Support staff: the "Service levels" panel of a case ------------------------------


class StaffClockLike(ClockLike, Protocol):
    warn_at: datetime
    calendar: str


@dataclass(frozen=True)
class ServiceLevel:
    """One clock as the staff "Service levels" panel shows it."""

    clock: StaffClockLike
    shown: ClockDisplay
    standing: str  # business time left, how far over, or "Within target"
    at_risk: bool  # running past its warning point, whether or not the warning went out yet
    target_text: str = ""  # the target in the terms' words: "same working day", "4 hours"


def needs_calendar(clock: ClockLike) -> bool:
    """Whether ``service_level`` needs the clock's calendar: for the time left on a clock
    still waiting, or the overrun of a breached one."""
    return clock.stopped_at is None or clock.state == BREACHED


def service_level(
    clock: StaffClockLike,
    *,
    tz: tzinfo | str,
    now: datetime,
    calendar: BusinessCalendar | None,
    kind: str = target_rules.BUSINESS_TIME,
) -> ServiceLevel:
    """One clock for support staff. ``calendar`` is the clock's own, required when
    ``needs_calendar(clock)``; ``kind`` that of the rule it follows (``sla.targets``)."""
    shown = clock_display(clock, tz=tz, now=now, calendar=calendar)
    at_risk = shown.at_risk or (
        clock.state == RUNNING and not shown.overdue and clock.warn_at <= now
    )
    return ServiceLevel(
        clock=clock,
        shown=shown,
        standing=_standing(clock, shown, calendar),
        at_risk=at_risk,
        target_text=target_text(kind=kind, target=clock.target, calendar=clock.calendar),
    )


def _standing(clock: ClockLike, shown: ClockDisplay, calendar: BusinessCalendar | None) -> str:
    if shown.waiting:
        return shown.remaining_text
    if clock.state == MET:
        return "Within target"
    over = clock_rules.remaining(
        calendar,
        started_at=clock.started_at,
        target=clock.target,
        paused_for=clock.paused_for,
        at=clock.stopped_at,
    )
    return remaining_text(min(over, timedelta(0)))


# --- Before a case exists: the intake form ---------------------------------------------


class DeadlineLike(Protocol):
    metric: str
    due: datetime
    target: timedelta
    calendar: str
    kind: str


def intake_preview(
    deadlines: Iterable[DeadlineLike], *, tz: tzinfo | str, now: datetime
) -> list[str]:
    """What a partner may expect of a case opened ``now``, one sentence a line:

    "First response by Tue 18:00 CET (same working day)"
    "Service restoration target: 4 hours, around the clock"
    "Support hours are closed now: our network operations centre triages a Critical case
    within 30 minutes, around the clock."

    ``deadlines`` are those of ``sla.selectors.deadlines_for``; ``tz`` is the zone of the
    organisation's support hours.
    """
    by_metric = {deadline.metric: deadline for deadline in deadlines}
    lines = []
    if first := by_metric.get(FIRST_RESPONSE):
        terms = target_text(kind=first.kind, target=first.target, calendar=first.calendar)
        lines.append(f"First response by {due_text(first.due, tz, now=now)} ({terms})")
    if triage := by_metric.get(OUT_OF_HOURS_TRIAGE):
        lines.append(
            "Support hours are closed now: our network operations centre triages a Critical "
            f"case within {duration_text(triage.target)}, around the clock."
        )
    if restoration := by_metric.get(RESTORATION):
        where = "around the clock" if restoration.calendar == ALWAYS else "in support hours"
        lines.append(f"Service restoration target: {duration_text(restoration.target)}, {where}")
    return lines
