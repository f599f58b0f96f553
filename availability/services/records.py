"""Writes for what the NOC records: incidents and scheduled maintenance.

Every change is on the availability timeline with the fields it changed (old and new), and
once it is committed the credits of every month it may move are worked out again, so
billing's drafts follow the records, and so are the daily figures of the days it touches
(before and after an edit) for the services it names, so the status page follows them too.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from availability import tasks
from availability.announcements import Window, announcement_covers, is_short_notice
from availability.models import Credit, Event, Incident, IncidentUpdate, Maintenance, Service
from availability.services import notices
from availability.services.credits import month_start, next_month
from partners.models import Organisation, PolicyVersion, User
from partners.selectors import NoPolicyInForce, policy_in_force
from tickets.models import Ticket

INCIDENT_FIELDS = (
    "title",
    "started_at",
    "ended_at",
    "services",
    "scope",
    "organisations",
    "impact",
    "cause",
    "public_note",
    "tickets",
)
MAINTENANCE_FIELDS = ("title", "starts_at", "ends_at", "services", "notified_at", "note")
MANY_TO_MANY = ("services", "organisations", "tickets")

# Changes to these alone (wording, linked cases) cannot move a credit.
INCIDENT_FIGURES = (
    "started_at",
    "ended_at",
    "services",
    "scope",
    "organisations",
    "impact",
    "cause",
)
MAINTENANCE_FIGURES = ("starts_at", "ends_at", "services", "notified_at")

# Subscriptions count months in their own reporting zone, which can start up to 14 hours
# either side of midnight UTC: an interval this close to a UTC month boundary may fall in
# the neighbouring month for some of them.
ZONE_MARGIN = timedelta(hours=14)

# A record's times lie between 2000 (billing's first month) and a few years ahead. Beyond is
# a slip (year 1, 9999, 1926): not every zone can hold it, or it recomputes every month since.
EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
YEARS_AHEAD = 5
TIME_RANGE_HELP = f"From {EARLIEST_TIME:%Y-%m-%d} to at most {YEARS_AHEAD} years ahead."

# A record's period and the services it names: what its figures depend on.
Span = tuple[datetime, datetime | None, list[Service]]


# --- Incidents -----------------------------------------------------------------------------


def incident_create(
    *,
    actor: User,
    title: str,
    started_at: datetime,
    services: Iterable[Service],
    ended_at: datetime | None = None,
    scope: str = Incident.Scope.SERVICE,
    organisations: Iterable[Organisation] = (),
    impact: str = Incident.Impact.OUTAGE,
    cause: str = Incident.Cause.VENDOR,
    public_note: str = "",
    tickets: Iterable[Ticket] = (),
) -> Incident:
    values = {
        "title": title,
        "started_at": started_at,
        "ended_at": ended_at,
        "services": list(services),
        "scope": scope,
        "organisations": list(organisations),
        "impact": impact,
        "cause": cause,
        "public_note": public_note,
        "tickets": list(tickets),
    }
    return _record_create(INCIDENT, actor=actor, values=values)


def incident_update(*, incident: Incident, actor: User, **changes: Any) -> Incident:
    """Change any of ``INCIDENT_FIELDS``; fields not given stay as they are."""
    return _record_update(INCIDENT, record=incident, actor=actor, changes=changes)


def incident_delete(*, incident: Incident, actor: User) -> None:
    """Remove an incident recorded by mistake; the figures it moved are worked out again."""
    _record_delete(INCIDENT, record=incident, actor=actor)


def incident_is_invoiced(incident: Incident) -> bool:
    """An applied credit counted it: the invoice names it, so it may be corrected but stays."""
    return incident.incident_sets.filter(credits__state=Credit.State.APPLIED).exists()


def incident_end(*, incident: Incident, actor: User, ended_at: datetime | None = None) -> Incident:
    """Mark an ongoing incident over, by default now."""
    ended_at = ended_at or timezone.now()
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.ended_at is not None:
            raise ValidationError({"ended_at": "This incident has already ended."})
        if out_of_range := _out_of_range(ended_at):
            raise ValidationError({"ended_at": out_of_range})
        if ended_at <= locked.started_at:
            raise ValidationError({"ended_at": "The end must be after the start."})
        locked.ended_at = ended_at
        locked.save(update_fields=["ended_at", "updated_at"])
        _event(
            "incident_ended",
            actor=actor,
            incident=locked,
            changes={"ended_at": [None, _shown(ended_at)]},
        )
        _recompute_on_commit((locked.started_at, ended_at, list(locked.services.all())))
    return locked


def _incident_clean(values: dict[str, Any]) -> dict[str, Any]:
    values = {**values, "title": (values["title"] or "").strip()}
    values["public_note"] = (values["public_note"] or "").strip()
    for field in MANY_TO_MANY:
        values[field] = list(values[field] or [])
    errors: dict[str, str] = {}
    _check_range(values, errors, ("started_at", "ended_at"))
    _check_common(values, errors, start="started_at", end="ended_at")
    for field, choices in (
        ("scope", Incident.Scope),
        ("impact", Incident.Impact),
        ("cause", Incident.Cause),
    ):
        if values[field] not in choices.values:
            errors[field] = "Choose one of the listed options."
    if values["scope"] == Incident.Scope.ORGANISATIONS and not values["organisations"]:
        errors["organisations"] = "List the organisations affected, or choose the whole service."
    if values["scope"] == Incident.Scope.SERVICE:
        # The whole service is down for everyone: a list would only mislead.
        values["organisations"] = []
    if errors:
        raise ValidationError(errors)
    return values


# --- Maintenance ---------------------------------------------------------------------------


def maintenance_create(
    *,
    actor: User,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    services: Iterable[Service],
    notified_at: datetime | None = None,
    note: str = "",
) -> Maintenance:
    values = {
        "title": title,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "services": list(services),
        "notified_at": notified_at,
        "note": note,
    }
    return _record_create(MAINTENANCE, actor=actor, values=values)


def maintenance_update(*, maintenance: Maintenance, actor: User, **changes: Any) -> Maintenance:
    """Change any of ``MAINTENANCE_FIELDS``; fields not given stay as they are."""
    return _record_update(MAINTENANCE, record=maintenance, actor=actor, changes=changes)


def maintenance_delete(*, maintenance: Maintenance, actor: User) -> None:
    """Remove a maintenance window recorded by mistake; the figures it moved are worked out
    again."""
    _record_delete(MAINTENANCE, record=maintenance, actor=actor)


def maintenance_announce(*, maintenance: Maintenance, actor: User) -> Maintenance:
    """Send the window's notice to the followers of its services, and record that it was
    announced now: its "notified at" is the time the desk sent the notice
    (``availability.announcements`` says why). A window announced already, or over, is
    refused, so a second press of the button sends nothing twice."""
    with transaction.atomic():
        locked = Maintenance.objects.select_for_update().get(pk=maintenance.pk)
        now = timezone.now()
        if locked.notified_at is not None:
            raise ValidationError("This maintenance has already been announced.")
        if locked.ends_at <= now:
            raise ValidationError("This maintenance is over: there is nothing to announce.")
        notice = notices.maintenance_notice_send(maintenance=locked, actor=actor, at=now)
        locked.notified_at = notice.sent_at
        locked.save(update_fields=["notified_at", "updated_at"])
        _event(
            "maintenance_announced",
            actor=actor,
            maintenance=locked,
            changes={"notified_at": [None, _shown(notice.sent_at)]},
            recipients=notice.recipient_count,
        )
        services = list(locked.services.all())
        _recompute_on_commit((locked.starts_at, locked.ends_at, services))
    return locked


def maintenance_notice(starts_at: datetime) -> timedelta:
    """How long before ``starts_at`` a window must be announced to count as available: the
    notice of the terms in force then (read in UTC, as the service figures are)."""
    try:
        return policy_in_force(starts_at, zone="UTC").maintenance_notice
    except NoPolicyInForce:
        return PolicyVersion._meta.get_field("maintenance_notice").get_default()


def maintenance_missed_notice(
    *,
    starts_at: datetime,
    ends_at: datetime,
    services: Iterable[Service],
    now: datetime,
    maintenance: Maintenance | None = None,
) -> timedelta | None:
    """The notice a window (new, or ``maintenance`` changed to these values) misses, so that
    it will count as downtime: announced now, or by the notice already sent when that still
    covers it. None when it is or can still be announced in time."""
    notice = maintenance_notice(starts_at)
    if maintenance is not None and maintenance.notified_at is not None:
        announced = Window.of(
            maintenance.starts_at, maintenance.ends_at, (s.pk for s in maintenance.services.all())
        )
        if announcement_covers(announced, Window.of(starts_at, ends_at, (s.pk for s in services))):
            return None if starts_at - maintenance.notified_at >= notice else notice
    return notice if is_short_notice(starts_at, now=now, notice=notice) else None


def _announcement_kept(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """An announced window changed so that its notice no longer covers it is no longer
    announced (``announcement_covers``)."""
    if old["notified_at"] is None or new["notified_at"] != old["notified_at"]:
        return new
    if new["starts_at"] is None or new["ends_at"] is None:
        return new
    announced = Window.of(old["starts_at"], old["ends_at"], (s.pk for s in old["services"]))
    current = Window.of(new["starts_at"], new["ends_at"], (s.pk for s in new["services"]))
    if announcement_covers(announced, current):
        return new
    return {**new, "notified_at": None}


def maintenance_check(values: dict[str, Any]) -> None:
    """Refuse, as ``maintenance_create`` would, values it would refuse; for a form to
    report them before asking anything else."""
    _maintenance_clean({"notified_at": None, **values})


def _maintenance_clean(values: dict[str, Any]) -> dict[str, Any]:
    values = {**values, "title": (values["title"] or "").strip()}
    values["note"] = (values["note"] or "").strip()
    values["services"] = list(values["services"] or [])
    errors: dict[str, str] = {}
    if values["ends_at"] is None:
        errors["ends_at"] = "Give the end of the window."
    _check_range(values, errors, ("starts_at", "ends_at", "notified_at"))
    _check_common(values, errors, start="starts_at", end="ends_at")
    if errors:
        raise ValidationError(errors)
    return values


# --- One writer for both kinds of record -----------------------------------------------------


@dataclass(frozen=True)
class RecordKind:
    """What the writer needs to know of a kind of record: its fields, which of them move
    the figures, its period, how its input is checked and what the timeline calls it."""

    model: type[Incident] | type[Maintenance]
    name: str  # the timeline event's link to the record
    fields: tuple[str, ...]
    figures: tuple[str, ...]
    start: str
    end: str
    clean: Callable[[dict[str, Any]], dict[str, Any]]
    created: str
    changed: str
    deleted: str


INCIDENT = RecordKind(
    model=Incident,
    name="incident",
    fields=INCIDENT_FIELDS,
    figures=INCIDENT_FIGURES,
    start="started_at",
    end="ended_at",
    clean=_incident_clean,
    created="incident_opened",
    changed="incident_changed",
    deleted="incident_deleted",
)
MAINTENANCE = RecordKind(
    model=Maintenance,
    name="maintenance",
    fields=MAINTENANCE_FIELDS,
    figures=MAINTENANCE_FIGURES,
    start="starts_at",
    end="ends_at",
    clean=_maintenance_clean,
    created="maintenance_scheduled",
    changed="maintenance_changed",
    deleted="maintenance_deleted",
)


def _record_create(kind: RecordKind, *, actor: User, values: dict[str, Any]):
    values = kind.clean(values)
    with transaction.atomic():
        record = kind.model.objects.create(
            created_by=actor, **{k: v for k, v in values.items() if k not in MANY_TO_MANY}
        )
        for field in MANY_TO_MANY:
            if field in values:
                getattr(record, field).set(values[field])
        _event(
            kind.created,
            actor=actor,
            changes={field: [None, _shown(values[field])] for field in kind.fields},
            **{kind.name: record},
        )
        _recompute_on_commit(_span(kind, values))
    return record


def _record_update(kind: RecordKind, *, record, actor: User, changes: dict[str, Any]):
    _check_fields(changes, kind.fields)
    with transaction.atomic():
        locked = kind.model.objects.select_for_update().get(pk=record.pk)
        old = _values(kind, locked)
        new = kind.clean({**old, **changes})
        if kind is MAINTENANCE:
            new = _announcement_kept(old, new)
        changed = _save(locked, old=old, new=new)
        if changed:
            _event(kind.changed, actor=actor, changes=changed, **{kind.name: locked})
            if any(field in changed for field in kind.figures):
                _recompute_on_commit(_span(kind, old), _span(kind, new))
    return locked


def _record_delete(kind: RecordKind, *, record, actor: User) -> None:
    """Delete the record. Its timeline goes with it, so the deletion itself is kept on the
    timeline unlinked, with everything the record said. An incident an applied credit
    counted stays: the invoice names it, and a correction of its figures becomes an
    adjustment the usual way."""
    with transaction.atomic():
        locked = kind.model.objects.select_for_update().get(pk=record.pk)
        if kind is INCIDENT and incident_is_invoiced(locked):
            raise ValidationError(
                "An invoice already counts this incident: correct its times or impact instead."
            )
        old = _values(kind, locked)
        _event(
            kind.deleted,
            actor=actor,
            changes={field: [_shown(old[field]), None] for field in kind.fields},
            record=locked.pk,
        )
        locked.delete()
        _recompute_on_commit(_span(kind, old))


def _values(kind: RecordKind, record) -> dict[str, Any]:
    values = {field: getattr(record, field) for field in kind.fields if field not in MANY_TO_MANY}
    for field in MANY_TO_MANY:
        if field in kind.fields:
            values[field] = list(getattr(record, field).all())
    return values


def _span(kind: RecordKind, values: dict[str, Any]) -> Span:
    return values[kind.start], values[kind.end], values["services"]


# --- Shared --------------------------------------------------------------------------------


def _check_fields(changes: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"Cannot change {', '.join(sorted(unknown))}.")


def _out_of_range(value: datetime | None) -> str:
    """Why ``value`` lies outside the desk's years; empty when it does not (or is None).
    Checked before anything is worked out from the value."""
    latest = timezone.now() + timedelta(days=365 * YEARS_AHEAD)
    if value is None or EARLIEST_TIME <= value <= latest:
        return ""
    return (
        f"Give a time between {EARLIEST_TIME:%Y-%m-%d} and {latest:%Y-%m-%d} "
        f"(at most {YEARS_AHEAD} years ahead)."
    )


def _check_range(values: dict[str, Any], errors: dict[str, str], fields: tuple[str, ...]) -> None:
    for field in fields:
        if out_of_range := _out_of_range(values[field]):
            errors[field] = out_of_range


def _check_common(values: dict[str, Any], errors: dict[str, str], *, start: str, end: str) -> None:
    if not values["title"]:
        errors["title"] = "Give a title."
    if values[start] is None:
        errors[start] = "Give the start."
    in_range = start not in errors and end not in errors
    if in_range and values[end] is not None and values[end] <= values[start]:
        errors[end] = "The end must be after the start."
    if not values["services"]:
        errors["services"] = "Choose at least one service."


def _save(record, *, old: dict[str, Any], new: dict[str, Any]) -> dict[str, list]:
    """Write the fields that differ; return them as {field: [old, new]} for the timeline."""
    changed: dict[str, list] = {}
    plain: list[str] = []
    for field, value in new.items():
        if field in MANY_TO_MANY:
            if {item.pk for item in old[field]} != {item.pk for item in value}:
                getattr(record, field).set(value)
                changed[field] = [_shown(old[field]), _shown(value)]
        elif old[field] != value:
            setattr(record, field, value)
            plain.append(field)
            changed[field] = [_shown(old[field]), _shown(value)]
    if plain:
        record.save(update_fields=[*plain, "updated_at"])
    return changed


def _shown(value: Any) -> Any:
    """A value as the timeline keeps it: JSON, readable without the records it named."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return sorted(_label(item) for item in value)
    return value


def _label(item) -> str:
    return item.number if isinstance(item, Ticket) else str(item)


def _event(
    kind: str,
    *,
    actor: User,
    changes: dict,
    record: int | None = None,
    recipients: int | None = None,
    **fields,
) -> Event:
    data = {"changes": changes} if record is None else {"changes": changes, "record": record}
    if recipients is not None:
        data["recipients"] = recipients
    return Event.objects.create(kind=kind, actor=actor, data=data, **fields)


def _months(start: datetime, end: datetime | None, *, now: datetime) -> set[date]:
    """The months whose credits an interval can move. An ongoing incident runs until now; a
    month that has not begun has no credit yet."""
    last = month_start(now.astimezone(UTC).date())
    first = month_start(max((start - ZONE_MARGIN).astimezone(UTC).date(), EARLIEST_TIME.date()))
    until = month_start(((end or now) + ZONE_MARGIN).astimezone(UTC).date())
    months = set()
    month = first
    while month <= min(until, last):
        months.add(month)
        month = next_month(month)
    return months


def _days(start: datetime, end: datetime | None, *, now: datetime) -> tuple[date, date] | None:
    """The days (UTC, widened by the zones' margin) whose figures an interval can move,
    within the desk's years; None when they all lie ahead."""
    first = max((start - ZONE_MARGIN).astimezone(UTC).date(), EARLIEST_TIME.date())
    last = (min(end or now, now) + ZONE_MARGIN).astimezone(UTC).date()
    last = min(last, now.astimezone(UTC).date())
    return (first, last) if first <= last else None


def _recompute_on_commit(*spans: Span) -> None:
    """Once committed, work out again the credits and the daily figures ``spans`` can move:
    the days each touches, of the services it names (and the subscriptions covering them)."""
    now = timezone.now()
    months = set().union(*(_months(start, end, now=now) for start, end, _ in spans))
    for month in sorted(months):
        transaction.on_commit(
            partial(tasks.recompute_credits.delay, month.isoformat()), robust=True
        )
    for start, end, services in spans:
        days = _days(start, end, now=now)
        if days is None or not services:
            continue
        first, last = days
        transaction.on_commit(
            partial(
                tasks.recompute_days.delay,
                first.isoformat(),
                last.isoformat(),
                service_ids=sorted(service.pk for service in services),
            ),
            robust=True,
        )


# --- Public updates ------------------------------------------------------------------------

UPDATE_MAX_LENGTH = 5000


def incident_update_post(
    *, incident: Incident, actor: User, status: str, body: str
) -> IncidentUpdate:
    """Post a public update on the status page. A "resolved" update does not end an ongoing
    incident: the end is recorded on its own, with its time, because it moves the figures."""
    body = (body or "").strip()
    errors: dict[str, str] = {}
    if status not in IncidentUpdate.Status.values:
        errors["status"] = "Choose one of the listed options."
    if not body:
        errors["body"] = "Write what partners should know."
    elif len(body) > UPDATE_MAX_LENGTH:
        errors["body"] = f"Keep it under {UPDATE_MAX_LENGTH} characters."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        update = IncidentUpdate.objects.create(
            incident=incident, status=status, body=body, posted_by=actor, posted_at=timezone.now()
        )
        Event.objects.create(
            kind="update_posted",
            actor=actor,
            incident=incident,
            at=update.posted_at,
            data={"update": update.pk, "status": status, "body": body},
        )
        notices.incident_notice_send(update=update, actor=actor)
    return update
