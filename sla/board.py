"""Reads for the NOC board: what the NOC must look at now, most urgent first.

Five bounded lists: out-of-hours cases awaiting the NOC (a Critical claim to triage, or a
new technical case to investigate, 16.8), open Critical cases, clocks already
breached and still waiting for their answer, clocks at risk (warned, or past the warning
point), and monitoring alerts that matched no PBX and wait for the NOC to review them. Each
list costs a fixed number of queries however many rows it holds.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch, Q
from django.utils import timezone

from core.formatting import duration_text
from partners.extended_support import exclusion_for
from partners.models import ExtendedSupportExclusion, User
from partners.roles import Role, has_role
from sla import display
from sla.models import NOC_METRICS, Clock, MonitoringAlert
from tickets import workflow
from tickets.models import Ticket

# Rows shown per section; the heading still counts them all.
SECTION_LIMIT = 50
# On the wall screen, the most urgent rows that fit a 1920×1080 screen without scrolling.
WALL_SECTION_LIMIT = 4

ACTIVE = [status.value for status in workflow.ACTIVE]
Metric = Clock.Metric
State = Clock.State


def countdown_text(deadline: datetime, now: datetime) -> str:
    """ "12 min 05 s left" or "breached 5 min 00 s ago". static/js/countdown.js words it the
    same way, so the page reads the same before and after the script takes over."""
    seconds = int((deadline - now).total_seconds())
    if seconds >= 0:
        return f"{duration_text(timedelta(seconds=seconds), 'seconds')} left"
    return f"breached {duration_text(timedelta(seconds=-seconds), 'seconds')} ago"


@dataclass(frozen=True)
class ClockRow:
    clock: Clock
    ticket: Ticket
    now: datetime

    @property
    def metric_label(self) -> str:
        return Metric(self.clock.metric).label

    @property
    def paused(self) -> bool:
        return self.clock.state == State.PAUSED

    @property
    def late(self) -> bool:
        return self.clock.breach_at <= self.now

    @property
    def countdown(self) -> str:
        return countdown_text(self.clock.breach_at, self.now)

    @property
    def deadline(self) -> str:
        """ "due Thu 18:00 CET · breached Fri 09:00 CET", in the reader's zone; the live
        countdown beside it says how long ago."""
        return display.clock_deadline_text(
            self.clock, tz=timezone.get_current_timezone(), now=self.now, relative=False
        )

    @property
    def investigation(self) -> bool:
        """A new case the NOC looks at (Standard so far), not a Critical claim to triage."""
        return self.clock.metric == Metric.OUT_OF_HOURS_INVESTIGATION

    @property
    def exclusion_label(self) -> str:
        """What extended support does not cover about this case, "" when it is covered."""
        ticket = self.ticket
        found = exclusion_for(ticket.reason, ticket.category, ticket.subcategory)
        return ExtendedSupportExclusion(found).label if found else ""


@dataclass(frozen=True)
class TicketRow:
    ticket: Ticket
    nearest: ClockRow | None


@dataclass(frozen=True)
class Section:
    rows: list
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


@dataclass(frozen=True)
class Board:
    now: datetime
    triage: Section
    critical: Section
    breached: Section
    at_risk: Section
    alerts: Section


def _section(queryset, make_row, *, limit: int) -> Section:
    found = list(queryset[:limit])
    # Count only when the list is full: a short list is its own count.
    total = len(found) if len(found) < limit else queryset.count()
    return Section(rows=[make_row(item) for item in found], total=total)


def _waiting_clocks():
    return Clock.objects.filter(stopped_at=None, ticket__status__in=ACTIVE).select_related(
        "ticket__organisation", "ticket__assignee"
    )


def board_for(*, user: User, now: datetime, limit: int | None = None) -> Board:
    """The NOC board as ``user`` sees it at ``now``: NOC engineers and admins only."""
    if not has_role(user, Role.NOC):
        raise PermissionDenied
    limit = limit or SECTION_LIMIT

    def clock_row(clock: Clock) -> ClockRow:
        return ClockRow(clock=clock, ticket=clock.ticket, now=now)

    triage = (
        _waiting_clocks()
        .filter(metric__in=NOC_METRICS)
        .select_related("ticket__reason", "ticket__category", "ticket__subcategory")
        .order_by("breach_at", "pk")
    )

    # The NOC's clocks have their own section; the SLA sections show the promises to partners.
    sla_clocks = _waiting_clocks().exclude(metric__in=NOC_METRICS)
    # A running clock past its breach instant is breached, even before the sweep records it.
    breached = sla_clocks.filter(
        Q(state=State.BREACHED) | Q(state=State.RUNNING, breach_at__lt=now)
    ).order_by("breach_at", "pk")
    at_risk = sla_clocks.filter(
        Q(warned_at__isnull=False) | Q(warn_at__lte=now),
        state=State.RUNNING,
        breach_at__gte=now,
    ).order_by("breach_at", "pk")

    critical = (
        Ticket.objects.filter(cos=Ticket.ClassOfService.CRITICAL, status__in=ACTIVE)
        .select_related("organisation", "assignee")
        .prefetch_related(
            Prefetch(
                "clocks",
                queryset=Clock.objects.filter(stopped_at=None).order_by("breach_at", "pk"),
                to_attr="waiting_clocks",
            )
        )
        .order_by(F("next_breach_at").asc(nulls_last=True), "created_at", "pk")
    )

    def ticket_row(ticket: Ticket) -> TicketRow:
        # A paused clock is not counting down; the nearest one that is comes first.
        counting = [clock for clock in ticket.waiting_clocks if clock.state != State.PAUSED]
        nearest = (counting or ticket.waiting_clocks or [None])[0]
        return TicketRow(
            ticket=ticket,
            nearest=ClockRow(clock=nearest, ticket=ticket, now=now) if nearest else None,
        )

    return Board(
        now=now,
        triage=_section(triage, clock_row, limit=limit),
        critical=_section(critical, ticket_row, limit=limit),
        breached=_section(breached, clock_row, limit=limit),
        at_risk=_section(at_risk, clock_row, limit=limit),
        alerts=_section(alerts_to_review(), lambda alert: alert, limit=limit),
    )


def alerts_to_review():
    """Monitoring alerts that matched no PBX, newest first: nobody else will look at them."""
    return MonitoringAlert.objects.filter(outcome=MonitoringAlert.Outcome.UNMATCHED).order_by(
        "-received_at", "-pk"
    )


def awaiting_triage(ticket: Ticket) -> bool:
    """The case still waits for the NOC's out-of-hours decision (triage or investigation)."""
    return Clock.objects.filter(ticket=ticket, metric__in=NOC_METRICS, stopped_at=None).exists()
