"""Reads for billing: a month's credits, filtered, with their totals per currency.

Only billing staff (and administrators, who may act in every staff role) see credits; for
anyone else the selectors return nothing.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Prefetch, QuerySet, Sum

from availability import calc
from availability.models import Credit, Incident, Service
from partners.models import User
from partners.roles import Role, has_role

MONTH_FORMAT = re.compile(r"^(\d{4})-(\d{2})$")
MONTH_HELP = "Give the month as YYYY-MM, e.g. 2026-11."

# What a credit row shows besides the credit's own columns.
ROW_RELATED = ("subscription__organisation", "policy", "adjusts")


class BadMonth(ValueError):
    pass


def month_parse(text: str) -> date:
    """``"2026-11"`` → 1 Nov 2026. Raises ``BadMonth`` for anything else."""
    found = MONTH_FORMAT.match((text or "").strip())
    if not found:
        raise BadMonth(MONTH_HELP)
    year, month = int(found[1]), int(found[2])
    # Before 2000 no credit exists; after 9998 the month that follows would not.
    if not 1 <= month <= 12 or not 2000 <= year <= 9998:
        raise BadMonth(MONTH_HELP)
    return date(year, month, 1)


def previous_month(today: date) -> date:
    """The month billing usually works on: the one that just ended."""
    return date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)


@dataclass(frozen=True)
class CreditQuery:
    """Which credits a billing list shows."""

    month: date
    organisation_id: int | None = None
    service_id: int | None = None
    state: str | None = None
    only_nonzero: bool = False


def credits_visible_to(user: User) -> QuerySet[Credit]:
    if not has_role(user, Role.BILLING):
        return Credit.objects.none()
    return Credit.objects.all()


def organisations_invoiced_together(*, user: User, credit_ids: list[int]) -> int:
    """How many organisations the approved credits among ``credit_ids`` belong to: the
    credits that would go on one invoice if applied together (a draft or applied one is
    skipped by the application, so it does not count)."""
    return (
        credits_visible_to(user)
        .filter(pk__in=credit_ids, state=Credit.State.APPROVED)
        .values("subscription__organisation")
        .distinct()
        .count()
    )


def credits_for(*, user: User, query: CreditQuery, with_incidents: bool = False):
    """The month's credits (adjustment lines included) in a stable order: organisation,
    subscription, the subscription's own line before its adjustments. Rows come with what
    they show, so a page costs the same few queries however many rows it holds."""
    credits = credits_visible_to(user).filter(month=query.month)
    if query.organisation_id:
        credits = credits.filter(subscription__organisation_id=query.organisation_id)
    if query.service_id:
        credits = credits.filter(subscription__services=query.service_id)
    if query.state:
        credits = credits.filter(state=query.state)
    if query.only_nonzero:
        credits = credits.exclude(amount=0)
    prefetches = [
        Prefetch("subscription__services", queryset=Service.objects.order_by("name")),
    ]
    if with_incidents:
        prefetches.append(
            Prefetch("counted__incidents", queryset=Incident.objects.order_by("started_at", "pk"))
        )
    return (
        credits.select_related(*ROW_RELATED)
        .prefetch_related(*prefetches)
        .order_by(
            "subscription__organisation__name",
            "subscription__reference",
            "subscription_id",
            F("adjusts_id").asc(nulls_first=True),
            "pk",
        )
    )


@dataclass(frozen=True)
class Total:
    currency: str
    amount: Decimal
    count: int


def credit_totals(credits: QuerySet[Credit]) -> list[Total]:
    """The credit amounts summed per currency, in one query. Never added across currencies."""
    rows = (
        credits.order_by()
        .values("currency")
        .annotate(amount=Sum("amount"), count=Count("pk"))
        .order_by("currency")
    )
    return [
        Total(
            currency=row["currency"],
            amount=Decimal(row["amount"] or 0).quantize(calc.CENT),
            count=row["count"],
        )
        for row in rows
    ]


# --- One credit as the export and the API give it ------------------------------------------

EXPORT_COLUMNS = (
    "month",
    "organisation",
    "tax_id",
    "subscription_reference",
    "services",
    "active_from",
    "active_until",
    "availability",
    "commitment",
    "commitment_met",
    "payable_percent",
    "monthly_fee",
    "prorated_fee",
    "credit",
    "currency",
    "state",
    "invoice_number",
    "policy",
    "incidents",
    "adjusts_month",
)


def _percent_text(value: Decimal) -> str:
    """A percentage without trailing zeros ("99.99", "100"), never rounded."""
    text = format(Decimal(value).normalize(), "f")
    return text


def credit_export(credit: Credit) -> dict:
    """The export's fields of one credit (``credits_for(..., with_incidents=True)`` rows).

    Availability is truncated to three places, so it never shows above a bound it missed.
    ``active_from``..``active_until`` are the days of the month the subscription was active
    (both included); availability is measured over them, and the credit is taken from
    ``prorated_fee``, the fee for them.
    """
    subscription = credit.subscription
    return {
        "id": credit.pk,
        "month": f"{credit.month:%Y-%m}",
        "organisation": subscription.organisation.name,
        "organisation_id": subscription.organisation_id,
        "tax_id": subscription.organisation.tax_id,
        "subscription": subscription.pk,
        "subscription_reference": subscription.reference,
        "services": [service.name for service in subscription.services.all()],
        "active_from": credit.active_from.isoformat(),
        "active_until": credit.active_until.isoformat(),
        "availability": f"{calc.shown(Decimal(credit.availability)):f}",
        "commitment": _percent_text(credit.commitment),
        "commitment_met": credit.commitment_met,
        "payable_percent": credit.payable_percent,
        "monthly_fee": f"{Decimal(credit.monthly_fee).quantize(calc.CENT):f}",
        "prorated_fee": f"{Decimal(credit.prorated_fee).quantize(calc.CENT):f}",
        "credit": f"{Decimal(credit.amount).quantize(calc.CENT):f}",
        "currency": credit.currency,
        "state": credit.state,
        "invoice_number": credit.invoice_number,
        "policy": credit.policy.code,
        "incidents": [
            {"id": incident.pk, "title": incident.title} for incident in credit.incidents.all()
        ],
        "adjusts_month": f"{credit.adjusts.month:%Y-%m}" if credit.adjusts_id else None,
    }
