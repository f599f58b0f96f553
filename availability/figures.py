"""Availability figures worked out from what the NOC recorded: per service, per subscription,
over any period. Reads only: ``availability.services`` stores them per day and turns them
into credits.

The records of a whole span are read once (``Downtime.load``: four queries) and indexed by
service and organisation, so a month of ten thousand subscriptions costs the same handful of
queries as one. Subscriptions that cover the same services in the same reporting zone, and
that no incident scoped to particular organisations singles out, share their figures: each
distinct case is computed once.

Days are UTC days for services (the status page) and days of the reporting zone for
subscriptions (the same days their monthly credit adds up).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q

from availability import calc
from availability.models import (
    Incident,
    Maintenance,
    Service,
)
from partners.selectors import policy_in_force

Interval = calc.Interval

# A reporting zone's day or month starts up to 14 hours either side of midnight UTC.
ZONE_MARGIN = timedelta(hours=14)
# Rows per bulk statement when the services store figures and credits.
WRITE_BATCH = 2000


@dataclass(frozen=True)
class Spell:
    """An incident as the figures see it."""

    pk: int
    start: datetime
    end: datetime  # the recorded end, or now while it goes on
    counts: bool  # a full outage of the vendor's making
    organisations: frozenset[int] | None  # None: the whole service


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    notified_at: datetime | None

    def qualifies(self, notice: timedelta) -> bool:
        return self.notified_at is not None and self.start - self.notified_at >= notice


@dataclass(frozen=True)
class Figure:
    """Availability of one period: the percentage (exact), the counted outage and the
    incidents that counted (some of their time inside the period and not excused)."""

    availability: Decimal
    outage_seconds: int
    incident_ids: frozenset[int]


@dataclass(frozen=True)
class DayFigure:
    availability: Decimal
    outage_seconds: int
    incident_count: int


class Downtime:
    """Every incident and maintenance window touching a span, indexed for quick lookups."""

    def __init__(self, spells: Iterable[tuple[int, Spell]], windows: Iterable[tuple[int, Window]]):
        self._service_spells: dict[int, list[Spell]] = defaultdict(list)
        self._scoped: dict[tuple[int, int], list[Spell]] = defaultdict(list)
        self._all: dict[int, list[Spell]] = defaultdict(list)
        for service_id, spell in spells:
            self._all[service_id].append(spell)
            if not spell.counts:
                continue
            if spell.organisations is None:
                self._service_spells[service_id].append(spell)
            else:
                for organisation_id in spell.organisations:
                    self._scoped[service_id, organisation_id].append(spell)
        self._windows: dict[int, list[Window]] = defaultdict(list)
        for service_id, window in windows:
            self._windows[service_id].append(window)
        self._cache: dict[tuple, Figure] = {}

    @classmethod
    def load(cls, start: datetime, end: datetime, *, now: datetime) -> "Downtime":
        """The records touching ``[start, end)``; ongoing incidents run until ``now``."""
        incidents = Incident.objects.filter(started_at__lt=end).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=start)
        )
        rows = list(
            incidents.values_list("pk", "started_at", "ended_at", "impact", "cause", "scope")
        )
        ids = [row[0] for row in rows]
        services = linked_ids(Incident.services.through, "incident_id", "service_id", ids)
        organisations = linked_ids(
            Incident.organisations.through, "incident_id", "organisation_id", ids
        )
        spells = []
        for pk, started_at, ended_at, impact, cause, scope in rows:
            spell = Spell(
                pk=pk,
                start=started_at,
                end=ended_at or max(now, started_at),
                counts=impact == Incident.Impact.OUTAGE and cause == Incident.Cause.VENDOR,
                organisations=(
                    None
                    if scope == Incident.Scope.SERVICE
                    else frozenset(organisations.get(pk, ()))
                ),
            )
            spells += [(service_id, spell) for service_id in services.get(pk, ())]
        maintenance = list(
            Maintenance.objects.filter(starts_at__lt=end, ends_at__gt=start).values_list(
                "pk", "starts_at", "ends_at", "notified_at"
            )
        )
        window_services = linked_ids(
            Maintenance.services.through,
            "maintenance_id",
            "service_id",
            [row[0] for row in maintenance],
        )
        windows = [
            (service_id, Window(start=starts_at, end=ends_at, notified_at=notified_at))
            for pk, starts_at, ends_at, notified_at in maintenance
            for service_id in window_services.get(pk, ())
        ]
        return cls(spells, windows)

    def figure(
        self,
        period: Interval,
        *,
        service_ids: Iterable[int],
        notice: timedelta,
        organisation_id: int | None = None,
    ) -> Figure:
        """Availability of ``period`` for whoever uses ``service_ids``: down while any of
        them is down (for ``organisation_id``, incidents scoped to it count too). An outage
        of a service is excused only inside maintenance of that same service announced at
        least ``notice`` ahead; an incident on several services is judged per service. The
        incidents listed are those that counted: some of their time inside ``period`` and
        outside the maintenance of at least one of their services."""
        services = frozenset(service_ids)
        # The scoped spells (with the services) decide which of them each service has, so
        # subscriptions of organisations singled out alike share the figure.
        scoped = frozenset(
            spell
            for service_id in services
            for spell in self._scoped.get((service_id, organisation_id), ())
        )
        key = (period, services, notice, scoped)
        figure = self._cache.get(key)
        if figure is None:
            figure = self._cache[key] = self._compute(period, services, notice, organisation_id)
        return figure

    def _compute(self, period, services, notice, organisation_id) -> Figure:
        start, end = period
        records: list[calc.ServiceRecords] = []
        counted_ids: set[int] = set()
        for service_id in services:
            spells = [
                spell
                for spell in (
                    *self._service_spells.get(service_id, ()),
                    *self._scoped.get((service_id, organisation_id), ()),
                )
                if spell.start < end and spell.end > start
            ]
            excused = [
                (window.start, window.end)
                for window in self._windows.get(service_id, ())
                if window.start < end and window.end > start and window.qualifies(notice)
            ]
            outages = [(spell.start, spell.end) for spell in spells]
            records.append((outages, excused))
            flags = calc.outages_counted(period, outages, excused)
            counted_ids.update(
                spell.pk for spell, counted in zip(spells, flags, strict=True) if counted
            )
        counted = calc.counted_outage_of_services(period, records)
        return Figure(
            availability=calc.availability_of_services(period, records),
            outage_seconds=int(counted.total_seconds()),
            incident_ids=frozenset(counted_ids),
        )

    def incident_count(self, period: Interval, service_id: int) -> int:
        """Incidents of any kind on the whole service touching ``period``."""
        start, end = period
        return sum(
            1
            for spell in self._all.get(service_id, ())
            if spell.organisations is None and spell.start < end and spell.end > start
        )


def linked_ids(through, left: str, right: str, ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    if ids:
        for one, other in through.objects.filter(**{f"{left}__in": ids}).values_list(left, right):
            found[one].append(other)
    return found


# --- Periods -------------------------------------------------------------------------------


def utc_day_bounds(day: date) -> Interval:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def day_bounds(day: date, tz: str) -> Interval:
    """A calendar day of ``tz`` as UTC instants (23 or 25 hours on a clock change)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


# --- Live figures (status page) ------------------------------------------------------------


def service_figures_live(
    services: Sequence[Service], period: Interval, *, now: datetime
) -> dict[int, DayFigure]:
    """Each service's availability over ``period`` (its end clipped to ``now``) from the
    records as they stand: the whole service's counted outages, ongoing ones up to now."""
    start, end = period[0], min(period[1], now)
    if end <= start:
        end = start + timedelta(microseconds=1)
    downtime = Downtime.load(start, end, now=now)
    # Service figures serve no one organisation: their days are UTC days.
    notice = policy_in_force(start, zone="UTC").maintenance_notice
    figures = {}
    for service in services:
        figure = downtime.figure((start, end), service_ids=[service.pk], notice=notice)
        figures[service.pk] = DayFigure(
            availability=figure.availability,
            outage_seconds=figure.outage_seconds,
            incident_count=downtime.incident_count((start, end), service.pk),
        )
    return figures
