"""Writes for the stored daily figures: each service's UTC day (the status page's bars) and
each subscription's day in its reporting zone (the days its monthly credit adds up), worked
out from the records by ``availability.figures``."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
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
from partners.selectors import policy_in_force


@dataclass
class DaysResult:
    service_days: int = 0
    subscription_days: int = 0


def days_compute(*, first: date, last: date, now: datetime | None = None) -> DaysResult:
    """Work out (again) the daily figures of every service and subscription for the days
    ``first``..``last`` that have ended by ``now``. Safe to run any number of times."""
    now = now or timezone.now()
    result = DaysResult()
    if last < first:
        return result
    span_start = utc_day_bounds(first)[0] - ZONE_MARGIN
    span_end = utc_day_bounds(last)[1] + ZONE_MARGIN
    downtime = Downtime.load(span_start, span_end, now=now)
    notice = _Notices()
    service_rows = _service_days(downtime, first=first, last=last, now=now, notice=notice)
    subscription_rows = _subscription_days(downtime, first=first, last=last, now=now, notice=notice)
    _days_store(service_rows, subscription_rows)
    result.service_days, result.subscription_days = len(service_rows), len(subscription_rows)
    return result


class _Notices:
    """The maintenance notice in force on each day, each asked of the policy once."""

    def __init__(self) -> None:
        self._by_day: dict[date, timedelta] = {}

    def __call__(self, day: date) -> timedelta:
        if day not in self._by_day:
            start = datetime.combine(day, time(0), tzinfo=UTC)
            self._by_day[day] = policy_in_force(start).maintenance_notice
        return self._by_day[day]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _service_days(
    downtime: Downtime, *, first: date, last: date, now: datetime, notice: _Notices
) -> list[ServiceDay]:
    """Each service's figures for the UTC days of ``first``..``last`` over by ``now``."""
    rows = []
    for service in Service.objects.all():
        for day in _days(first, last):
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
    downtime: Downtime, *, first: date, last: date, now: datetime, notice: _Notices
) -> list[SubscriptionDay]:
    """Each subscription's figures for the days of ``first``..``last`` it ran, in its
    reporting zone, that are over by ``now``."""
    rows = []
    subscriptions = (
        Subscription.objects.filter(starts_on__lte=last)
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
