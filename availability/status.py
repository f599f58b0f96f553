"""Reads for the status page: which services, incidents and maintenance a user may see, and
each service's state, month-to-date figure and last 90 days.

Staff see every active service and every incident. A partner sees the services their
organisation's subscriptions cover today, the incidents of those whole services and the
incidents scoped to their own organisation, never one scoped to another organisation.
The public (no one signed in: the public status page and the feeds, ``user=None``) sees
every active service and the incidents of whole services only: nothing that names or
concerns one organisation.

The page costs the same few queries however many services, days and incidents it shows:
the daily figures come in one query, the records in a handful, and the live figures (today
and the month so far) from ``availability.figures``.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from availability import calc, figures
from availability.models import (
    Incident,
    IncidentUpdate,
    Maintenance,
    Service,
    ServiceDay,
    Subscription,
)
from partners.models import User

DAYS_SHOWN = 90
RECENT = timedelta(hours=24)  # an incident that ended this recently is still "current"
PLACES = 3

# Daily bars: at least this much of the day available is "minor", at least MAJOR "major",
# anything lower "severe". Said in the legend, next to the colours.
MINOR_FROM = Decimal("99.9")
MAJOR_FROM = Decimal("99")
# A day nothing was recorded on (see ``_bars``).
FULL_DAY = Decimal(100)


# --- Who sees what -------------------------------------------------------------------------


def services_visible_to(user: User | None, *, today: date) -> QuerySet[Service]:
    """Active services; for a partner, those their organisation subscribes to on ``today``."""
    services = Service.objects.filter(is_active=True)
    if user is None or not user.is_partner:
        return services
    running = (
        Subscription.objects.filter(organisation_id=user.organisation_id, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values("services")
    )
    return services.filter(pk__in=running)


def incidents_visible_to(user: User | None, *, today: date) -> QuerySet[Incident]:
    if user is None:
        return Incident.objects.filter(scope=Incident.Scope.SERVICE)
    if not user.is_partner:
        return Incident.objects.all()
    on_their_services = Incident.services.through.objects.filter(
        service__in=services_visible_to(user, today=today)
    ).values("incident_id")
    for_them = Incident.organisations.through.objects.filter(
        organisation_id=user.organisation_id
    ).values("incident_id")
    return Incident.objects.filter(
        Q(scope=Incident.Scope.SERVICE, pk__in=on_their_services)
        | Q(scope=Incident.Scope.ORGANISATIONS, pk__in=for_them)
    )


def maintenance_visible_to(user: User | None, *, today: date) -> QuerySet[Maintenance]:
    """Announced maintenance (partners were told) on the services the user sees."""
    announced = Maintenance.objects.filter(notified_at__isnull=False)
    if user is None or not user.is_partner:
        return announced
    on_their_services = Maintenance.services.through.objects.filter(
        service__in=services_visible_to(user, today=today)
    ).values("maintenance_id")
    return announced.filter(pk__in=on_their_services)


def incident_get_for(*, user: User, pk: int, now: datetime) -> Incident:
    """One incident with its services and public updates; 404 when missing or not theirs."""
    today = now.astimezone(UTC).date()
    incident = (
        incidents_visible_to(user, today=today)
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("name")),
            Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-posted_at", "-pk")),
        )
        .filter(pk=pk)
        .first()
    )
    if incident is None:
        raise Http404("No such incident.")
    return incident


# --- Daily bars ----------------------------------------------------------------------------


class Level(StrEnum):
    OK = "ok"
    INCIDENT = "incident"
    MINOR = "minor"
    MAJOR = "major"
    SEVERE = "severe"
    NO_DATA = "none"


LEVEL_LABELS = {
    Level.OK: "No incidents",
    Level.INCIDENT: "Incident, no counted downtime",
    Level.MINOR: f"Minor downtime ({calc.shown(MINOR_FROM, 1)} % or more)",
    Level.MAJOR: f"Downtime ({MAJOR_FROM} % to under {calc.shown(MINOR_FROM, 1)} %)",
    Level.SEVERE: f"Major downtime (under {MAJOR_FROM} %)",
    Level.NO_DATA: "No data (before the service started)",
}


def day_level(availability: Decimal | None, incident_count: int) -> Level:
    """The colour of a day's bar. Decided on the exact figure, like the credits."""
    if availability is None:
        return Level.NO_DATA
    if availability >= 100:
        return Level.INCIDENT if incident_count else Level.OK
    if availability >= MINOR_FROM:
        return Level.MINOR
    if availability >= MAJOR_FROM:
        return Level.MAJOR
    return Level.SEVERE


@dataclass(frozen=True)
class DayBar:
    day: date
    availability: Decimal | None
    incident_count: int
    is_today: bool = False

    @property
    def level(self) -> Level:
        return day_level(self.availability, self.incident_count)

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def shown(self) -> str:
        return "" if self.availability is None else f"{calc.shown(self.availability, PLACES):f}"

    @property
    def text(self) -> str:
        """What the bar says to a pointer's tooltip and a screen reader."""
        when = f"{self.day:%a %-d %b %Y}" + (" (today, so far)" if self.is_today else "")
        if self.availability is None:
            return f"{when}: no data"
        incidents = f"{self.incident_count} incident{'' if self.incident_count == 1 else 's'}"
        return f"{when}: {self.shown} % available, {incidents}"


# --- The page ------------------------------------------------------------------------------


class State(StrEnum):
    OPERATIONAL = "operational"
    MAINTENANCE = "maintenance"
    DEGRADED = "degraded"
    OUTAGE = "outage"


STATE_LABELS = {
    State.OPERATIONAL: "Operational",
    State.MAINTENANCE: "Under maintenance",
    State.DEGRADED: "Degraded",
    State.OUTAGE: "Outage",
}
# The worst state wins when several things happen to a service at once.
STATE_ORDER = [State.OPERATIONAL, State.MAINTENANCE, State.DEGRADED, State.OUTAGE]


@dataclass(frozen=True)
class ServiceStatus:
    service: Service
    state: State
    month_to_date: Decimal | None
    bars: list[DayBar]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def month_to_date_shown(self) -> str:
        if self.month_to_date is None:
            return ""
        return f"{calc.shown(self.month_to_date, PLACES):f}"


@dataclass(frozen=True)
class StatusBoard:
    services: list[ServiceStatus]
    current: list[Incident]
    maintenance: list[Maintenance]
    past: list[Incident]
    first_day: date
    today: date
    now: datetime

    @property
    def all_operational(self) -> bool:
        return all(status.state == State.OPERATIONAL for status in self.services)


def status_board(*, user: User | None, now: datetime) -> StatusBoard:
    now = now.astimezone(UTC)
    today = now.date()
    first_day = today - timedelta(days=DAYS_SHOWN - 1)
    window_start = figures.utc_day_bounds(first_day)[0]

    services = list(services_visible_to(user, today=today))
    incidents = list(
        incidents_visible_to(user, today=today)
        .filter(started_at__lte=now)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=window_start))
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("name")),
            Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-posted_at", "-pk")),
        )
        .order_by("-started_at", "-pk")
    )
    maintenance = list(
        maintenance_visible_to(user, today=today)
        .filter(ends_at__gt=now)
        .prefetch_related(Prefetch("services", queryset=Service.objects.order_by("name")))
        .order_by("starts_at", "pk")
    )
    current = [i for i in incidents if i.ended_at is None or i.ended_at >= now - RECENT]
    current.sort(key=lambda i: (i.ended_at is not None, -i.started_at.timestamp()))
    past = [i for i in incidents if i.ended_at is not None and i.ended_at < now - RECENT]

    states = _states(
        services, incidents, maintenance, now=now, partner=user is not None and user.is_partner
    )
    bars = _bars(services, first_day=first_day, today=today, now=now)
    month_to_date = {}
    if services:
        month_start = datetime(today.year, today.month, 1, tzinfo=UTC)
        live = figures.service_figures_live(services, (month_start, now), now=now)
        month_to_date = {pk: figure.availability for pk, figure in live.items()}
    return StatusBoard(
        services=[
            ServiceStatus(
                service=service,
                state=states[service.pk],
                month_to_date=month_to_date.get(service.pk),
                bars=bars[service.pk],
            )
            for service in services
        ],
        current=current,
        maintenance=maintenance,
        past=past,
        first_day=first_day,
        today=today,
        now=now,
    )


def _states(services, incidents, maintenance, *, now: datetime, partner: bool) -> dict:
    """Each service's state now. An outage scoped to some organisations is an outage to a
    partner who is one of them (it is all they see of it); to staff the service is degraded."""
    states = {service.pk: State.OPERATIONAL for service in services}

    def worsen(service_id: int, state: State) -> None:
        if service_id in states and STATE_ORDER.index(state) > STATE_ORDER.index(
            states[service_id]
        ):
            states[service_id] = state

    for window in maintenance:
        if window.starts_at <= now:
            for service in window.services.all():
                worsen(service.pk, State.MAINTENANCE)
    for incident in incidents:
        if incident.ended_at is not None:
            continue
        whole = incident.scope == Incident.Scope.SERVICE or partner
        full = incident.impact == Incident.Impact.OUTAGE
        for service in incident.services.all():
            worsen(service.pk, State.OUTAGE if full and whole else State.DEGRADED)
    return states


def _bars(services, *, first_day: date, today: date, now: datetime) -> dict[int, list[DayBar]]:
    """Days before today from the stored daily figures; today from the records as they
    stand.

    A past day without a stored figure, from the service's launch on, was a full day
    available. Figures are stored by the scheduled run as each day ends, and again for the
    days an incident or maintenance touches whenever one is recorded, changed or removed,
    so a day without one is a day nothing was recorded on; the credits count such a day as
    fully available, and the bars say what billing counts. "No data" would read as "we do
    not know" where the records do know. It is kept for the days before the service existed
    (``Service.launched_on``); the page shows no day after today."""
    stored: dict[int, dict[date, tuple[Decimal, int]]] = defaultdict(dict)
    rows = ServiceDay.objects.filter(
        service__in=[service.pk for service in services], day__gte=first_day, day__lt=today
    ).values_list("service_id", "day", "availability", "incident_count")
    for service_id, day, availability, incident_count in rows:
        stored[service_id][day] = (availability, incident_count)
    live = (
        figures.service_figures_live(services, figures.utc_day_bounds(today), now=now)
        if services
        else {}
    )
    days = [first_day + timedelta(days=n) for n in range(DAYS_SHOWN)]
    bars = {}
    for service in services:
        row = []
        for day in days:
            if day < service.launched_on:
                row.append(DayBar(day=day, availability=None, incident_count=0))
            elif day == today:
                figure = live[service.pk]
                row.append(
                    DayBar(
                        day=day,
                        availability=figure.availability,
                        incident_count=figure.incident_count,
                        is_today=True,
                    )
                )
            else:
                availability, incident_count = stored[service.pk].get(day, (FULL_DAY, 0))
                row.append(
                    DayBar(day=day, availability=availability, incident_count=incident_count)
                )
        bars[service.pk] = row
    return bars


def incident_status(incident: Incident) -> str:
    """Where an incident stands, as partners read it: an ended one is resolved; an ongoing
    one stands where its latest public update says (updates come newest first)."""
    updates = list(incident.updates.all())
    return _standing(incident, updates[0].status if updates else None)


def _standing(incident: Incident, latest_status: str | None) -> str:
    if incident.ended_at is not None:
        return IncidentUpdate.Status.RESOLVED.label
    if latest_status:
        return _UPDATE_STATUS_LABELS.get(latest_status, latest_status)
    return IncidentUpdate.Status.INVESTIGATING.label


_UPDATE_STATUS_LABELS = dict(IncidentUpdate.Status.choices)


# --- Feeds and cases -----------------------------------------------------------------------

FEED_DAYS = 90


@dataclass(frozen=True)
class FeedEntry:
    key: str
    title: str
    text: str
    at: datetime
    link_incident: int | None = None


def feed_entries(service: Service, *, now: datetime) -> list[FeedEntry]:
    """A service's public news, newest first: the updates of its whole-service incidents
    (an incident without updates by its start and public note) and its announced
    maintenance, of the last ``FEED_DAYS`` days. Nothing scoped to organisations."""
    since = now - timedelta(days=FEED_DAYS)
    incidents = (
        incidents_visible_to(None, today=now.date())
        .filter(services=service)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=since))
        .prefetch_related(
            Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-posted_at", "-pk"))
        )
    )
    entries = []
    for incident in incidents:
        updates = list(incident.updates.all())
        for update in updates:
            entries.append(
                FeedEntry(
                    key=f"update-{update.pk}",
                    title=f"{update.get_status_display()}: {incident.title}",
                    text=update.body,
                    at=update.posted_at,
                    link_incident=incident.pk,
                )
            )
        if not updates:
            entries.append(
                FeedEntry(
                    key=f"incident-{incident.pk}",
                    title=f"Incident: {incident.title}",
                    text=incident.public_note or incident.get_impact_display(),
                    at=incident.started_at,
                    link_incident=incident.pk,
                )
            )
    windows = (
        maintenance_visible_to(None, today=now.date())
        .filter(services=service, ends_at__gte=since)
        .order_by("-notified_at")
    )
    for window in windows:
        when = f"{window.starts_at:%a %-d %b %Y %H:%M} to {window.ends_at:%a %-d %b %Y %H:%M} UTC"
        entries.append(
            FeedEntry(
                key=f"maintenance-{window.pk}",
                title=f"Planned maintenance: {window.title}",
                text=f"{when}. {window.note}".strip(),
                at=window.notified_at,
            )
        )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries


@dataclass(frozen=True)
class LatestUpdate:
    posted_at: datetime
    body: str


@dataclass(frozen=True)
class CaseIncident:
    incident: Incident
    standing: str
    latest: LatestUpdate | None
    can_open: bool


def incidents_of_case(ticket, *, user: User, now: datetime) -> list[CaseIncident]:
    """The incidents the NOC linked to a case, as the case's reader sees them: title, where
    each stands and its latest public update. Linking says the case is affected, so each is
    shown; its status page opens where the reader may see it. One query, however many."""
    latest = IncidentUpdate.objects.filter(incident=OuterRef("pk")).order_by("-posted_at", "-pk")
    visible = incidents_visible_to(user, today=now.astimezone(UTC).date())
    linked = ticket.incidents.annotate(
        can_open=Exists(visible.filter(pk=OuterRef("pk"))),
        latest_status=Subquery(latest.values("status")[:1]),
        latest_posted_at=Subquery(latest.values("posted_at")[:1]),
        latest_body=Subquery(latest.values("body")[:1]),
    ).order_by("-started_at", "-pk")
    return [
        CaseIncident(
            incident=incident,
            standing=_standing(incident, incident.latest_status),
            latest=(
                LatestUpdate(posted_at=incident.latest_posted_at, body=incident.latest_body)
                if incident.latest_posted_at is not None
                else None
            ),
            can_open=incident.can_open,
        )
        for incident in linked
    ]
