"""Reads of entitlements and logged time, scoped by the actor, and the one place that
decides access: the tier's rule (``partners.selectors.eligibility_for``) combined with the
organisation's entitlements (``entitlements.rules.decide``)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from entitlements import rules
from entitlements.models import Entitlement, Intervention, TimeEntry
from partners import selectors as partner_selectors
from partners.models import CaseReason, CaseType, Device, Organisation, PolicyVersion, User
from partners.roles import Role, has_role, works_cases
from sla import selectors as sla_selectors
from tickets.models import Ticket

# How a case's own channel reaches the rules.
CHANNEL_OF_CASE = {
    "portal": rules.Channel.PORTAL,
    "api": rules.Channel.PORTAL,
    "phone": rules.Channel.PHONE,
    "email": rules.Channel.EMAIL,
}


def with_balance(entitlements: QuerySet[Entitlement]) -> QuerySet[Entitlement]:
    """Annotate ``used_minutes``: billable time drawn from each (bundles)."""
    return entitlements.annotate(
        used_minutes=Coalesce(
            Sum("time_entries__minutes", filter=Q(time_entries__billable=True)), 0
        )
    )


def remaining_minutes(entitlement: Entitlement) -> int | None:
    if entitlement.kind != Entitlement.Kind.HOUR_BUNDLE:
        return None
    used = getattr(entitlement, "used_minutes", None)
    if used is None:
        used = (
            entitlement.time_entries.filter(billable=True).aggregate(total=Sum("minutes"))["total"]
            or 0
        )
    return (entitlement.minutes_bought or 0) - used


def as_grant(entitlement: Entitlement) -> rules.Grant:
    """The rules' view of a stored entitlement (``devices`` prefetched, balance annotated)."""
    qualifies = True
    if entitlement.kind == Entitlement.Kind.RESELLER_STATUS:
        qualifies = rules.reseller_status_qualifies(
            purchase_volume_eur=entitlement.purchase_volume_eur or 0,
            contract_signed=entitlement.contract_signed_on is not None,
        )
    return rules.Grant(
        pk=entitlement.pk,
        kind=rules.Kind(entitlement.kind),
        label=entitlement.reference or entitlement.get_kind_display(),
        starts_at=entitlement.starts_at,
        ends_at=entitlement.ends_at,
        serials=frozenset(device.serial_number for device in entitlement.devices.all()),
        remaining_minutes=remaining_minutes(entitlement),
        qualifies=qualifies,
    )


def entitlements_of(organisation: Organisation) -> QuerySet[Entitlement]:
    return with_balance(
        Entitlement.objects.filter(organisation=organisation)
        .select_related("technician", "account_manager")
        .prefetch_related(Prefetch("devices", Device.objects.order_by("serial_number")))
    )


def access_for(
    *,
    organisation: Organisation,
    case_type: str,
    reason: str | None,
    at: datetime,
    category: str | None = None,
    device: Device | None = None,
    channel: rules.Channel = rules.Channel.PORTAL,
    policy: PolicyVersion | None = None,
    case_type_obj: CaseType | None = None,
    reason_obj: CaseReason | None = None,
) -> rules.Access:
    """May ``organisation`` open this case through ``channel`` at ``at``: by its tier, or by
    one of its entitlements; if not, why, whom to contact and what would help.

    ``policy``, ``case_type_obj`` and ``reason_obj``: the rows of the version in force the
    caller has already read, passed on to ``eligibility_for``; without ``policy``, the
    version in force for the organisation at ``at`` (read on its support calendar)."""
    if policy is None:
        policy = sla_selectors.policy_in_force_for(region=organisation.region, at=at)
    tier = partner_selectors.eligibility_for(
        organisation=organisation,
        case_type=case_type,
        reason=reason,
        policy=policy,
        case_type_obj=case_type_obj,
        reason_obj=reason_obj,
        contact=False,
    )
    grants = [] if tier.allowed else [as_grant(e) for e in entitlements_of(organisation)]
    facts = {
        "channel": channel,
        "topic": rules.Topic(case_type=case_type, reason=reason, category=category),
        "serial": device.serial_number if device is not None else None,
        "grants": grants,
        "at": at,
        "tz": organisation.time_zone,
    }
    access = rules.decide(tier=tier, **facts)
    if access.allowed:
        return access
    # Refused: with whom to turn to, which only a refusal shows.
    return rules.decide(tier=partner_selectors.referral_contact_added(tier, organisation), **facts)


def contract_technician(organisation: Organisation, *, at: datetime) -> User | None:
    """The technician of the organisation's running maintenance contract, if any."""
    contract = (
        Entitlement.objects.filter(
            organisation=organisation,
            kind=Entitlement.Kind.MAINTENANCE_CONTRACT,
            starts_at__lte=at,
            ends_at__gt=at,
            technician__is_active=True,
        )
        .select_related("technician")
        .order_by("-starts_at")
        .first()
    )
    return contract.technician if contract else None


def under_maintenance_contract(organisation: Organisation, *, at: datetime) -> bool:
    """Whether a maintenance contract of the organisation is running at ``at``."""
    return Entitlement.objects.filter(
        organisation=organisation,
        kind=Entitlement.Kind.MAINTENANCE_CONTRACT,
        starts_at__lte=at,
        ends_at__gt=at,
    ).exists()


# --- Scoped reads ----------------------------------------------------------------------------


def entitlements_visible_to(user: User) -> QuerySet[Entitlement]:
    if not user.is_authenticated:
        return Entitlement.objects.none()
    entitlements = with_balance(
        Entitlement.objects.select_related("organisation", "technician").prefetch_related(
            Prefetch("devices", Device.objects.order_by("serial_number"))
        )
    )
    if user.is_partner:
        return entitlements.filter(organisation_id=user.organisation_id)
    if works_cases(user) or has_role(user, Role.BILLING):
        return entitlements
    return entitlements.none()


def entitlement_for(*, user: User, pk: int) -> Entitlement:
    try:
        return entitlements_visible_to(user).get(pk=pk)
    except Entitlement.DoesNotExist as missing:
        raise Http404("No such entitlement.") from missing


def bundles_for_case(organisation: Organisation) -> QuerySet[Entitlement]:
    """The organisation's bundles an agent may draw time from, newest first."""
    return with_balance(
        Entitlement.objects.filter(organisation=organisation, kind=Entitlement.Kind.HOUR_BUNDLE)
    ).order_by("-starts_at", "-pk")


@dataclass(frozen=True)
class TimeChoices:
    """What the form logging time on a case offers for an organisation."""

    bundles: list[Entitlement]  # as ``bundles_for_case`` lists them
    under_contract: bool  # as ``under_maintenance_contract`` answers


def time_choices(organisation: Organisation, *, at: datetime) -> TimeChoices:
    """The organisation's bundles and whether a maintenance contract runs at ``at``: one
    query for both."""
    rows = with_balance(
        Entitlement.objects.filter(
            organisation=organisation,
            kind__in=[Entitlement.Kind.HOUR_BUNDLE, Entitlement.Kind.MAINTENANCE_CONTRACT],
        )
    ).order_by("-starts_at", "-pk")
    bundles, under_contract = [], False
    for row in rows:
        if row.kind == Entitlement.Kind.HOUR_BUNDLE:
            bundles.append(row)
        elif row.starts_at <= at < row.ends_at:
            under_contract = True
    return TimeChoices(bundles=bundles, under_contract=under_contract)


@dataclass(frozen=True)
class TimeQuery:
    organisation_id: int | None = None
    first: date | None = None
    last: date | None = None


def time_entries_visible_to(user: User, *, query: TimeQuery = TimeQuery()) -> QuerySet[TimeEntry]:
    entries = TimeEntry.objects.select_related("ticket", "organisation", "agent", "entitlement")
    if not user.is_authenticated:
        return entries.none()
    if user.is_partner:
        entries = entries.filter(organisation_id=user.organisation_id)
    elif not (works_cases(user) or has_role(user, Role.BILLING)):
        return entries.none()
    elif query.organisation_id:
        entries = entries.filter(organisation_id=query.organisation_id)
    if query.first:
        entries = entries.filter(worked_on__gte=query.first)
    if query.last:
        entries = entries.filter(worked_on__lte=query.last)
    return entries


# --- Scheduled interventions ----------------------------------------------------------------


def interventions_for(ticket: Ticket) -> list[Intervention]:
    """The interventions of a case its viewer already got through ``ticket_for``, newest
    first, with the people named on them: one query however many there are."""
    return list(
        Intervention.objects.filter(ticket=ticket)
        .select_related("requested_by", "confirmed_by")
        .order_by("-created_at", "-pk")
    )


def intervention_for(*, ticket: Ticket, pk: int) -> Intervention:
    """One intervention of that case; any other id is a 404."""
    try:
        return Intervention.objects.select_related("ticket", "requested_by").get(
            ticket=ticket, pk=pk
        )
    except Intervention.DoesNotExist as missing:
        raise Http404("No such intervention.") from missing
