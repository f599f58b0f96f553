"""Writes for credits: compute a month's credits from what the NOC recorded, approve them,
apply them to invoices. Every change is on the availability timeline.

A credit is computed per subscription and calendar month (in the subscription's reporting
zone) under the version of the terms in force on the month's first day. It covers only the
part of the month the subscription was active: availability is measured over that part, and
the credit is taken from the fee for it (``calc.prorated_fee``); a subscription with no
active time in the month gets no credit line. Drafts follow the records; an approved credit
whose figures move goes back to draft; an applied credit never changes, and a later
correction becomes an adjustment line in the following month.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from availability import calc
from availability.figures import WRITE_BATCH, ZONE_MARGIN, Downtime
from availability.models import Credit, Event, IncidentSet, Subscription
from availability.workflow import CREDIT
from core.errors import IllegalTransition
from partners.models import PolicyVersion, User
from partners.selectors import policy_in_force

# pg_advisory_xact_lock's first key: this application's month locks.
MONTH_LOCK_NAMESPACE = 7301


def month_start(value: date) -> date:
    return value.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _event(kind: str, *, credit: Credit, actor=None, at=None, **data) -> Event:
    return Event.objects.create(
        kind=kind, credit=credit, actor=actor, at=at or timezone.now(), data=data
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


@dataclass(frozen=True)
class Figures:
    availability: Decimal
    payable_percent: int
    amount: Decimal
    incident_ids: frozenset[int]
    active_from: date
    active_until: date  # the last active day, included
    prorated_fee: Decimal


def credits_compute(
    *, month: date, actor: User | None = None, now: datetime | None = None
) -> ComputeResult:
    """Work out (again) every subscription's credit for ``month``.

    The month's records are read once and the credits written in bulk, in one transaction
    that holds the month's lock: two computations of the same month (one queued by a record
    change while billing asks for another) take turns instead of racing to create the same
    credit."""
    month = month_start(month)
    now = now or timezone.now()
    first_instant = datetime(month.year, month.month, 1, tzinfo=UTC)
    # The version in force at local midnight on the month's first day in a subscription's
    # reporting zone. A version takes effect at local midnight on its own date in whichever
    # zone it is read (``partners.policy_dates``), so at that instant it is, for every zone,
    # the version dated on or before the first: one version serves the whole month, and
    # reading it in UTC gives that version.
    policy = policy_in_force(first_instant, zone="UTC")
    next_instant = datetime.combine(next_month(month), time(0), tzinfo=UTC)
    with transaction.atomic():
        _lock_month(month)
        downtime = Downtime.load(first_instant - ZONE_MARGIN, next_instant + ZONE_MARGIN, now=now)
        computed = _figures_of_month(month, downtime=downtime, policy=policy)
        return _credits_write(month, computed, policy=policy, actor=actor, now=now)


def _figures_of_month(
    month: date, *, downtime: Downtime, policy: PolicyVersion
) -> list[tuple[Subscription, Figures]]:
    """Each subscription of ``month`` with the figures of the part of the month it was active,
    in its reporting zone. Subscriptions with no active time in it are left out."""
    bands = _bands(policy)
    periods: dict[str, calc.Interval] = {}
    computed = []
    for subscription in subscriptions_in(month).prefetch_related("services"):
        zone = subscription.reporting_time_zone
        if zone not in periods:
            periods[zone] = calc.month_bounds(month.year, month.month, zone)
        active = calc.active_window(
            month.year, month.month, zone, subscription.starts_on, subscription.ends_on
        )
        if active is None:
            continue
        figure = downtime.figure(
            active,
            service_ids=[service.pk for service in subscription.services.all()],
            notice=policy.maintenance_notice,
            organisation_id=subscription.organisation_id,
        )
        payable = calc.payable_percent(policy.code, figure.availability, bands=bands)
        fee = calc.prorated_fee(subscription.monthly_fee, periods[zone], active)
        figures = Figures(
            availability=figure.availability,
            payable_percent=payable,
            # From the prorated fee as shown on the line, so the line adds up as printed.
            amount=calc.credit_amount(fee, payable),
            incident_ids=figure.incident_ids,
            active_from=max(subscription.starts_on, month),
            active_until=min(
                subscription.ends_on or date.max, next_month(month) - timedelta(days=1)
            ),
            prorated_fee=fee,
        )
        computed.append((subscription, figures))
    return computed


def _credits_write(
    month: date,
    computed: list[tuple[Subscription, Figures]],
    *,
    policy: PolicyVersion,
    actor: User | None,
    now: datetime,
) -> ComputeResult:
    """Create, update or adjust each subscription's credit to match its figures."""
    credits = {
        credit.subscription_id: credit
        for credit in Credit.objects.select_for_update().filter(month=month, adjusts=None)
    }
    sets = incident_sets_for(figures.incident_ids for _, figures in computed)
    batch = _Batch(month=month, policy=policy, actor=actor, now=now, sets=sets)
    result = ComputeResult()
    for subscription, figures in computed:
        credit = credits.get(subscription.pk)
        if credit is None:
            batch.create(subscription, figures)
            result.created += 1
        elif _same(credit, figures, policy, sets[figures.incident_ids]):
            result.unchanged += 1
        elif credit.state in CREDIT.final:
            _adjust(credit, figures=figures, actor=actor, counted_id=sets[figures.incident_ids])
            result.adjustments += 1
        else:
            batch.update(credit, subscription, figures)
            result.updated += 1
    batch.write()
    return result


def _lock_month(month: date) -> None:
    """Hold the month until the transaction ends. SQLite runs one writer at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [MONTH_LOCK_NAMESPACE, month.year * 12 + month.month],
            )


def incident_sets_for(groups: Iterable[frozenset[int]]) -> dict[frozenset[int], int | None]:
    """The stored set of each group of incident ids (None for no incident at all), created
    where missing. Safe against another computation creating the same set meanwhile."""
    wanted = {IncidentSet.digest_of(ids): ids for ids in set(groups) if ids}
    found = dict(IncidentSet.objects.filter(digest__in=wanted).values_list("digest", "pk"))
    missing = [digest for digest in wanted if digest not in found]
    if missing:
        IncidentSet.objects.bulk_create(
            [IncidentSet(digest=digest) for digest in missing], ignore_conflicts=True
        )
        made = dict(IncidentSet.objects.filter(digest__in=missing).values_list("digest", "pk"))
        _link_members(
            (made[digest], incident_id)
            for digest in missing
            for incident_id in sorted(wanted[digest])
        )
        found |= made
    sets: dict[frozenset[int], int | None] = {frozenset(): None}
    sets.update({ids: found[digest] for digest, ids in wanted.items()})
    return sets


# Member rows sent per statement when linking incident sets.
LINK_BATCH = 50_000


def _link_members(pairs: Iterable[tuple[int, int]]) -> None:
    """Store (set, incident) member rows. A month of many incidents makes hundreds of
    thousands: on PostgreSQL they go as two arrays per statement rather than as model
    instances; rows already there (a computation racing this one) are left alone."""
    through = IncidentSet.incidents.through
    pairs = list(pairs)
    if connection.vendor != "postgresql":
        through.objects.bulk_create(
            [through(incidentset_id=set_id, incident_id=pk) for set_id, pk in pairs],
            batch_size=WRITE_BATCH,
            ignore_conflicts=True,
        )
        return
    table = connection.ops.quote_name(through._meta.db_table)
    statement = (
        f"INSERT INTO {table} (incidentset_id, incident_id) "  # noqa: S608 (a model's table)
        "SELECT * FROM unnest(%s::bigint[], %s::bigint[]) ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        for first in range(0, len(pairs), LINK_BATCH):
            batch = pairs[first : first + LINK_BATCH]
            cursor.execute(statement, [[p[0] for p in batch], [p[1] for p in batch]])


def _same(credit: Credit, figures: Figures, policy: PolicyVersion, counted_id) -> bool:
    return (
        # Compared to twelve places: SQLite stores decimals as floating point.
        calc.shown(credit.availability, 12) == calc.shown(figures.availability, 12)
        and credit.payable_percent == figures.payable_percent
        and credit.amount == figures.amount
        and credit.prorated_fee == figures.prorated_fee
        and (credit.active_from, credit.active_until) == (figures.active_from, figures.active_until)
        and credit.policy_id == policy.pk
        and credit.counted_id == counted_id
    )


class _Batch:
    """New and changed credits of one month, written in a few bulk statements."""

    UPDATED = (
        "policy",
        "availability",
        "commitment",
        "payable_percent",
        "monthly_fee",
        "active_from",
        "active_until",
        "prorated_fee",
        "currency",
        "amount",
        "computed_at",
        "counted",
        "state",
        "approved_by",
        "approved_at",
    )

    def __init__(self, *, month: date, policy: PolicyVersion, actor, now: datetime, sets: dict):
        self.month, self.policy, self.actor, self.now = month, policy, actor, now
        self.sets = sets
        self.created: list[tuple[Credit, Figures]] = []
        self.updated: list[tuple[Credit, Figures, dict]] = []

    def _values(self, subscription: Subscription, figures: Figures) -> dict:
        return {
            "policy": self.policy,
            "availability": figures.availability,
            "commitment": self.policy.availability_commitment,
            "payable_percent": figures.payable_percent,
            "monthly_fee": subscription.monthly_fee,
            "active_from": figures.active_from,
            "active_until": figures.active_until,
            "prorated_fee": figures.prorated_fee,
            "currency": subscription.currency,
            "amount": figures.amount,
            "computed_at": self.now,
            "counted_id": self.sets[figures.incident_ids],
        }

    def create(self, subscription: Subscription, figures: Figures) -> None:
        credit = Credit(
            subscription=subscription, month=self.month, **self._values(subscription, figures)
        )
        self.created.append((credit, figures))

    def update(self, credit: Credit, subscription: Subscription, figures: Figures) -> None:
        data = {"old_amount": str(credit.amount), "amount": str(figures.amount)}
        for field, value in self._values(subscription, figures).items():
            setattr(credit, field, value)
        data["approval_withdrawn"] = credit.state == Credit.State.APPROVED
        if data["approval_withdrawn"]:
            credit.state, credit.approved_by, credit.approved_at = Credit.State.DRAFT, None, None
        self.updated.append((credit, figures, data))

    def write(self) -> None:
        Credit.objects.bulk_create([credit for credit, _ in self.created], batch_size=WRITE_BATCH)
        Credit.objects.bulk_update(
            [credit for credit, _, _ in self.updated], self.UPDATED, batch_size=WRITE_BATCH // 4
        )
        events = [
            Event(
                kind="credit_computed",
                credit=credit,
                actor=self.actor,
                at=self.now,
                data={"amount": str(credit.amount)},
            )
            for credit, _ in self.created
        ] + [
            Event(kind="credit_recomputed", credit=credit, actor=self.actor, at=self.now, data=data)
            for credit, _, data in self.updated
        ]
        Event.objects.bulk_create(events, batch_size=WRITE_BATCH)


def _adjust(applied: Credit, *, figures: Figures, actor, counted_id: int | None) -> Credit:
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
        "active_from": figures.active_from,
        "active_until": figures.active_until,
        "prorated_fee": figures.prorated_fee,
        "currency": applied.currency,
        "amount": difference,
        "state": Credit.State.DRAFT,
        "computed_at": timezone.now(),
        "counted_id": counted_id,
    }
    if adjustment is None:
        adjustment = Credit.objects.create(adjusts=applied, **values)
    else:
        for field, value in values.items():
            setattr(adjustment, field, value)
        adjustment.approved_by = adjustment.approved_at = None
        adjustment.save()
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
        try:
            CREDIT.check(locked.state, Credit.State.APPROVED)
        except IllegalTransition as illegal:
            raise ValidationError({"state": "Only a draft credit can be approved."}) from illegal
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
        try:
            CREDIT.check(locked.state, Credit.State.APPLIED)
        except IllegalTransition as illegal:
            raise ValidationError({"state": "Approve the credit before applying it."}) from illegal
        locked.state, locked.invoice_number = Credit.State.APPLIED, invoice_number[:60]
        locked.applied_by, locked.applied_at = actor, timezone.now()
        locked.save(update_fields=["state", "invoice_number", "applied_by", "applied_at"])
        _event("credit_applied", credit=locked, actor=actor, invoice_number=locked.invoice_number)
    return locked
