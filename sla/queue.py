"""The agent queue: which cases, in which order, one page at a time, each with the countdown
of the clock that breaches first (pages as ``core.paging`` reads them)."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo

from django.db.models import BooleanField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.http import QueryDict
from django.utils import timezone

from core.formatting import count_text, deadline_text, duration_text
from core.paging import Page, page_of
from partners.models import User
from sla.models import Clock
from tickets.filters import QueueFilter, active_statuses
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to

# What a queue row shows besides the case's own columns.
ROW_RELATED = ("organisation", "assignee", "case_type")


def with_clock_state(queryset: QuerySet[Ticket], *, now: datetime) -> QuerySet[Ticket]:
    """Annotate what the countdown column needs, inside the row query itself so the queue
    costs no extra query however many rows it shows:

    ``next_due_at``: the due time people were given for the clock that breaches first;
    ``at_risk``: a clock still running has passed its warning point.
    """
    waiting = Clock.objects.filter(
        ticket=OuterRef("pk"),
        stopped_at__isnull=True,
        state__in=[Clock.State.RUNNING, Clock.State.BREACHED],
    )
    # The earliest warning point, compared with ``now`` outside the subquery: an EXISTS
    # over "warned by now" lets PostgreSQL hash every running clock past its warning once
    # per page (a cost that grows with the table), where this reads a page's own clocks.
    first_warning = Subquery(
        waiting.filter(state=Clock.State.RUNNING).order_by("warn_at").values("warn_at")[:1]
    )
    return queryset.annotate(
        next_due_at=Subquery(waiting.order_by("breach_at", "due_at").values("due_at")[:1]),
        at_risk=Coalesce(
            GreaterThanOrEqual(Value(now), first_warning), False, output_field=BooleanField()
        ),
    )


def queue_filter(user: User, params: QueryDict, *, now: datetime) -> QueueFilter:
    """The queue's filter set for ``params``. With no status chosen it shows the cases that
    still need work (new, open, waiting on the partner)."""
    params = params.copy()
    if not [value for value in params.getlist("status") if value]:
        params.setlist("status", active_statuses())
    queryset = with_clock_state(tickets_visible_to(user).select_related(*ROW_RELATED), now=now)
    return QueueFilter(params, queryset=queryset, user=user)


def queue_for(user: User, params: QueryDict, *, now: datetime) -> QuerySet[Ticket]:
    """The cases ``user`` sees in the queue for these filters, sorted, rows ready to show."""
    return queue_filter(user, params, now=now).qs


# --- Countdowns ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    """How close a case is to breaching its service levels, as the queue shows it."""

    BREACHED = "breached"
    AT_RISK = "at_risk"
    WAITING = "waiting"
    NONE = "none"

    state: str
    text: str
    due_at: datetime | None = None
    breach_at: datetime | None = None
    deadline: str = ""  # "due Thu 18:00 CET · breached Fri 09:00 CET, 2 h ago"

    @property
    def label(self) -> str:
        """The state in words, so it never rests on colour alone."""
        return {self.BREACHED: "Breached", self.AT_RISK: "At risk"}.get(self.state, "")

    @property
    def due_iso(self) -> str:
        return _iso(self.due_at)

    @property
    def breach_iso(self) -> str:
        return _iso(self.breach_at)


def _iso(at: datetime | None) -> str:
    """An instant for machines (a ticking script, tests), in UTC."""
    return at.astimezone(UTC).isoformat() if at else ""


def countdown(
    *,
    breach_at: datetime | None,
    due_at: datetime | None,
    at_risk: bool,
    now: datetime,
    tz: tzinfo | str | None = None,
) -> Countdown:
    """Time to the due time ("due in 25 min"), or since the breach ("breached 10 min ago").

    ``breach_at`` is the case's ``next_breach_at``, the queue's sort key; ``due_at`` the due
    time of that clock. They differ when a case falls due as support hours close: a reply
    before the next opening is still on time, so the case is overdue ("was due 40 min ago")
    but not breached until then. ``deadline`` words both in ``tz`` (the active zone when not
    given) as every page does."""
    if breach_at is None:
        return Countdown(state=Countdown.NONE, text="—")
    due_at = due_at or breach_at
    zone = tz or timezone.get_current_timezone()
    times = {
        "due_at": due_at,
        "breach_at": breach_at,
        # The countdown beside it says how long ago, and keeps saying it as time goes by.
        "deadline": deadline_text(due_at, breach_at, tz=zone, now=now, relative=False),
    }
    if breach_at <= now:
        text = f"breached {duration_text(now - breach_at, 'span')} ago"
        return Countdown(state=Countdown.BREACHED, text=text, **times)
    if due_at <= now:
        text = f"was due {duration_text(now - due_at, 'span')} ago"
        return Countdown(state=Countdown.AT_RISK, text=text, **times)
    state = Countdown.AT_RISK if at_risk else Countdown.WAITING
    return Countdown(state=state, text=f"due in {duration_text(due_at - now, 'span')}", **times)


@dataclass(frozen=True)
class Row:
    ticket: Ticket
    countdown: Countdown

    @property
    def classes(self) -> str:
        """Row classes: critical, and breached or at risk."""
        found = []
        if self.ticket.cos == Ticket.ClassOfService.CRITICAL:
            found.append("queue-row--critical")
        if self.countdown.state == Countdown.BREACHED:
            found.append("queue-row--breached")
        elif self.countdown.state == Countdown.AT_RISK:
            found.append("queue-row--at-risk")
        return " ".join(found)


def queue_page(filterset: QueueFilter, *, number: int, size: int, now: datetime) -> Page:
    """One page of the queue, each row with its countdown."""
    page = page_of(filterset.qs, number=number, size=size)
    rows = [
        Row(
            ticket=ticket,
            countdown=countdown(
                breach_at=ticket.next_breach_at,
                due_at=getattr(ticket, "next_due_at", None),
                at_risk=getattr(ticket, "at_risk", False),
                now=now,
            ),
        )
        for ticket in page.rows
    ]
    return replace(page, rows=rows)


# --- How many cases match ------------------------------------------------------------------

# Counting every case a filter matches costs as much as reading them all, so the count
# stops here: up to it the number is exact, past it the page says "over 1,000 cases".
COUNT_LIMIT = 1000


@dataclass(frozen=True)
class CaseCount:
    number: int  # exact when ``exact``, else the limit the counting stopped at
    exact: bool

    @property
    def text(self) -> str:
        if self.exact:
            return count_text(self.number, "case")
        return f"over {self.number:,} cases"


def queue_count(filterset: QueueFilter, *, limit: int | None = None) -> CaseCount:
    """How many cases the filters match, read through at most ``limit`` + 1 of them (one
    bounded query: the rows' countdowns and sort order are left out of it)."""
    limit = COUNT_LIMIT if limit is None else limit
    found = filterset.qs.order_by().values("pk")[: limit + 1].count()
    if found > limit:
        return CaseCount(number=limit, exact=False)
    return CaseCount(number=found, exact=True)
