"""Writes for the stored daily figures: each service's UTC day (the status page's bars) and
each subscription's day in its reporting zone (the days its monthly credit adds up), worked
out from the records by ``availability.figures``.

A service's figures start on the day it was launched; none is stored for a day before it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from availability.figures import (
    WRITE_BATCH,
    ZONE_MARGIN,
    Downtime,
    Interval,
    day_bounds,
    utc_day_bounds,
)
from availability.models import Service, ServiceDay, Subscription, SubscriptionDay
from partners.models import PolicyVersion
from partners.selectors import NoPolicyInForce, policy_in_force


@dataclass
class DaysResult:
    service_days: int = 0
    subscription_days: int = 0


def days_compute(
    *,
    first: date,
    last: date,
    service_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> DaysResult:
    """Work out (again) the daily figures for the days ``first``..``last`` that have ended by
    ``now``: of ``service_ids`` and the subscriptions covering any of them, or of every
    service and subscription when None. Safe to run any number of times."""
    now = now or timezone.now()
    result = DaysResult()
    if last < first:
        return result
    services = Service.objects.all()
    subscriptions = Subscription.objects.all()
    if service_ids is not None:
        service_ids = list(service_ids)
        services = services.filter(pk__in=service_ids)
        covering = Subscription.services.through.objects.filter(service_id__in=service_ids)
        subscriptions = subscriptions.filter(pk__in=covering.values("subscription_id"))
    span_start = utc_day_bounds(first)[0] - ZONE_MARGIN
    span_end = utc_day_bounds(last)[1] + ZONE_MARGIN
    downtime = Downtime.load(span_start, span_end, now=now)
    notice = _Notices()
    service_rows = _service_days(downtime, services, first=first, last=last, now=now, notice=notice)
    subscription_rows = _subscription_days(
        downtime, subscriptions, first=first, last=last, now=now, notice=notice
    )
    _days_store(service_rows, subscription_rows)
    result.service_days, result.subscription_days = len(service_rows), len(subscription_rows)
    return result


class _Notices:
    """The maintenance notice in force on each day, each asked of the policy once.

    A record may lie before the first version of the terms took effect (the desk accepts
    times from 2000 on). Those days take the first version's notice: it is the earliest
    written promise, and without one the figures of the whole recomputed span would be lost.
    """

    def __init__(self) -> None:
        self._by_day: dict[date, timedelta] = {}

    def __call__(self, day: date) -> timedelta:
        if day not in self._by_day:
            # ``day`` is a date of a service (UTC) or of a subscription's reporting zone; at
            # local midnight on it, in any zone, the version in force is the one dated on or
            # before it (``partners.policy_dates``), so reading it in UTC is exact.
            start = datetime.combine(day, time(0), tzinfo=UTC)
            try:
                self._by_day[day] = policy_in_force(start, zone="UTC").maintenance_notice
            except NoPolicyInForce:
                first = PolicyVersion.objects.order_by("effective_from").first()
                if first is None:
                    raise
                self._by_day[day] = first.maintenance_notice
        return self._by_day[day]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _service_days(
    downtime: Downtime,
    services: QuerySet[Service],
    *,
    first: date,
    last: date,
    now: datetime,
    notice: _Notices,
) -> list[ServiceDay]:
    """Each service's figures for the UTC days of ``first``..``last`` over by ``now``, from
    the day it was launched."""
    rows = []
    for service in services.only("pk", "launched_on"):
        for day in _days(max(first, service.launched_on), last):
            period = utc_day_bounds(day)
            if period[1] > now:
                continue
            figure = downtime.figure(period, service_ids=[service.pk], notice=notice(day))
            rows.append(
                ServiceDay(
                    service=service,
                    day=day,
                    availability=figure.availability,
                    outage_seconds=figure.outage_seconds,
                    incident_count=downtime.incident_count(period, service.pk),
                    computed_at=now,
                )
            )
    return rows


def _subscription_days(
    downtime: Downtime,
    subscriptions: QuerySet[Subscription],
    *,
    first: date,
    last: date,
    now: datetime,
    notice: _Notices,
) -> list[SubscriptionDay]:
    """Each subscription's figures for the days of ``first``..``last`` it ran, in its
    reporting zone, that are over by ``now``."""
    rows = []
    subscriptions = (
        subscriptions.filter(starts_on__lte=last)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        .prefetch_related("services")
        .only("pk", "organisation_id", "starts_on", "ends_on", "reporting_time_zone")
    )
    bounds: dict[tuple[date, str], Interval] = {}
    for subscription in subscriptions.iterator(chunk_size=WRITE_BATCH):
        service_ids = [service.pk for service in subscription.services.all()]
        zone = subscription.reporting_time_zone
        for day in _days(
            max(first, subscription.starts_on), min(last, subscription.ends_on or last)
        ):
            period = bounds.get((day, zone)) or bounds.setdefault(
                (day, zone), day_bounds(day, zone)
            )
            if period[1] > now:
                continue
            figure = downtime.figure(
                period,
                service_ids=service_ids,
                notice=notice(day),
                organisation_id=subscription.organisation_id,
            )
            rows.append(
                SubscriptionDay(
                    subscription=subscription,
                    day=day,
                    availability=figure.availability,
                    outage_seconds=figure.outage_seconds,
                    computed_at=now,
                )
            )
    return rows


def _days_store(service_rows: list[ServiceDay], subscription_rows: list[SubscriptionDay]) -> None:
    """Write the rows, replacing the figures already stored for the same days."""
    with transaction.atomic():
        ServiceDay.objects.bulk_create(
            service_rows,
            batch_size=WRITE_BATCH,
            update_conflicts=True,
            unique_fields=["service", "day"],
            update_fields=["availability", "outage_seconds", "incident_count", "computed_at"],
        )
        SubscriptionDay.objects.bulk_create(
            subscription_rows,
            batch_size=WRITE_BATCH,
            update_conflicts=True,
            unique_fields=["subscription", "day"],
            update_fields=["availability", "outage_seconds", "computed_at"],
        )
