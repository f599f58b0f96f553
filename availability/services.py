"""Writes for credits: compute a month's credits from what the NOC recorded, approve them,
apply them to invoices. Every change is on the availability timeline.

A credit is computed per subscription and calendar month (in the subscription's reporting
zone) under the version of the terms in force on the month's first day. Drafts follow the
records; an approved credit whose figures move goes back to draft; an applied credit never
changes, and a later correction becomes an adjustment line in the following month.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from availability import calc
from availability.models import Credit, Event, Incident, Maintenance, Subscription
from partners.models import PolicyVersion, User
from partners.selectors import policy_in_force


def month_start(value: date) -> date:
    return value.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _event(kind: str, *, credit: Credit, actor=None, at=None, **data) -> Event:
    return Event.objects.create(
        kind=kind, credit=credit, actor=actor, at=at or timezone.now(), data=data
    )


@dataclass(frozen=True)
class Figures:
    availability: Decimal
    payable_percent: int
    amount: Decimal
    incident_ids: frozenset[int]


def _figures(
    subscription: Subscription,
    *,
    month: date,
    policy: PolicyVersion,
    bands: list[calc.CreditBand],
) -> Figures:
    period = calc.month_bounds(month.year, month.month, subscription.reporting_time_zone)
    service_ids = [service.pk for service in subscription.services.all()]
    # A subscription is down while any service it covers is down for its organisation.
    incidents = list(
        Incident.objects.filter(
            services__in=service_ids,
            impact=Incident.Impact.OUTAGE,
            cause=Incident.Cause.VENDOR,
            started_at__lt=period[1],
        )
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=period[0]))
        .filter(Q(scope=Incident.Scope.SERVICE) | Q(organisations=subscription.organisation_id))
        .distinct()
    )
    now = timezone.now()
    outages = [(incident.started_at, incident.ended_at or now) for incident in incidents]
    windows = [
        (window.starts_at, window.ends_at)
        for window in Maintenance.objects.filter(
            services__in=service_ids, starts_at__lt=period[1], ends_at__gt=period[0]
        ).distinct()
        if window.qualifies(policy.maintenance_notice)
    ]
    availability = calc.availability(period, outages, windows)
    payable = calc.payable_percent(policy.code, availability, bands=bands)
    return Figures(
        availability=availability,
        payable_percent=payable,
        amount=calc.credit_amount(subscription.monthly_fee, payable),
        incident_ids=frozenset(incident.pk for incident in incidents),
    )


def _bands(policy: PolicyVersion) -> list[calc.CreditBand]:
    return [
        calc.CreditBand(
            lower=band.lower_bound, upper=band.upper_bound, payable=band.payable_percent
        )
        for band in policy.credit_bands.all()
    ]


def subscriptions_in(month: date):
    """Subscriptions running on at least one day of ``month``."""
    last_day = next_month(month).toordinal() - 1
    return Subscription.objects.filter(starts_on__lte=date.fromordinal(last_day)).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=month)
    )


@dataclass
class ComputeResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    adjustments: int = 0


def credits_compute(*, month: date, actor: User | None = None) -> ComputeResult:
    """Work out (again) every subscription's credit for ``month``."""
    month = month_start(month)
    policy = policy_in_force(datetime(month.year, month.month, 1, tzinfo=UTC))
    bands = _bands(policy)
    result = ComputeResult()
    subscriptions = subscriptions_in(month).prefetch_related("services")
    for subscription in subscriptions:
        figures = _figures(subscription, month=month, policy=policy, bands=bands)
        with transaction.atomic():
            _record(
                subscription,
                month=month,
                policy=policy,
                figures=figures,
                actor=actor,
                result=result,
            )
    return result


def _record(subscription, *, month, policy, figures: Figures, actor, result: ComputeResult):
    credit = (
        Credit.objects.select_for_update()
        .filter(subscription=subscription, month=month, adjusts=None)
        .first()
    )
    values = {
        "policy": policy,
        "availability": figures.availability,
        "commitment": policy.availability_commitment,
        "payable_percent": figures.payable_percent,
        "monthly_fee": subscription.monthly_fee,
        "currency": subscription.currency,
        "amount": figures.amount,
    }
    if credit is None:
        credit = Credit.objects.create(subscription=subscription, month=month, **values)
        credit.incidents.set(figures.incident_ids)
        _event("credit_computed", credit=credit, actor=actor, amount=str(figures.amount))
        result.created += 1
        return
    same = (
        # Compared to twelve places: SQLite stores decimals as floating point.
        calc.shown(credit.availability, 12) == calc.shown(figures.availability, 12)
        and credit.payable_percent == figures.payable_percent
        and credit.amount == figures.amount
        and credit.policy_id == policy.pk
        and set(credit.incidents.values_list("pk", flat=True)) == figures.incident_ids
    )
    if same:
        result.unchanged += 1
        return
    if credit.state == Credit.State.APPLIED:
        _adjust(credit, figures=figures, actor=actor)
        result.adjustments += 1
        return
    old_amount = credit.amount
    for field, value in values.items():
        setattr(credit, field, value)
    credit.computed_at = timezone.now()
    withdrawn = credit.state == Credit.State.APPROVED
    if withdrawn:
        credit.state, credit.approved_by, credit.approved_at = Credit.State.DRAFT, None, None
    credit.save()
    credit.incidents.set(figures.incident_ids)
    _event(
        "credit_recomputed",
        credit=credit,
        actor=actor,
        old_amount=str(old_amount),
        amount=str(figures.amount),
        approval_withdrawn=withdrawn,
    )
    result.updated += 1


def _adjust(applied: Credit, *, figures: Figures, actor) -> Credit:
    """The applied credit stays as invoiced; the difference goes on the next month's export.
    One adjustment line per applied credit, kept up to date until it is applied itself."""
    difference = figures.amount - applied.amount
    adjustment = applied.adjustments.select_for_update().exclude(state=Credit.State.APPLIED).first()
    values = {
        "subscription": applied.subscription,
        "month": next_month(applied.month),
        "policy": applied.policy,
        "availability": figures.availability,
        "commitment": applied.commitment,
        "payable_percent": figures.payable_percent,
        "monthly_fee": applied.monthly_fee,
        "currency": applied.currency,
        "amount": difference,
        "state": Credit.State.DRAFT,
        "computed_at": timezone.now(),
    }
    if adjustment is None:
        adjustment = Credit.objects.create(adjusts=applied, **values)
    else:
        for field, value in values.items():
            setattr(adjustment, field, value)
        adjustment.approved_by = adjustment.approved_at = None
        adjustment.save()
    adjustment.incidents.set(figures.incident_ids)
    _event(
        "credit_adjusted",
        credit=adjustment,
        actor=actor,
        adjusts=applied.pk,
        amount=str(difference),
    )
    return adjustment


# --- Billing's decisions -------------------------------------------------------------------


def credit_approve(*, credit: Credit, actor: User) -> Credit:
    with transaction.atomic():
        locked = Credit.objects.select_for_update().get(pk=credit.pk)
        if locked.state != Credit.State.DRAFT:
            raise ValidationError({"state": "Only a draft credit can be approved."})
        locked.state, locked.approved_by, locked.approved_at = (
            Credit.State.APPROVED,
            actor,
            timezone.now(),
        )
        locked.save(update_fields=["state", "approved_by", "approved_at"])
        _event("credit_approved", credit=locked, actor=actor)
    return locked


def credit_apply(*, credit: Credit, actor: User, invoice_number: str) -> Credit:
    invoice_number = invoice_number.strip()
    if not invoice_number:
        raise ValidationError({"invoice_number": "Give the invoice the credit was applied to."})
    with transaction.atomic():
        locked = Credit.objects.select_for_update().get(pk=credit.pk)
        if locked.state != Credit.State.APPROVED:
            raise ValidationError({"state": "Approve the credit before applying it."})
        locked.state, locked.invoice_number = Credit.State.APPLIED, invoice_number[:60]
        locked.applied_by, locked.applied_at = actor, timezone.now()
        locked.save(update_fields=["state", "invoice_number", "applied_by", "applied_at"])
        _event("credit_applied", credit=locked, actor=actor, invoice_number=locked.invoice_number)
    return locked
