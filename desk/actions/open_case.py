"""Opening a case: who may, under which version of the terms, with which entitlement, and
with the clocks that version starts."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from entitlements import rules as entitlement_rules
from entitlements import selectors as entitlement_selectors
from partners.models import PolicyVersion
from sla import selectors as sla_selectors
from sla import services as sla
from sla.calendars import ALWAYS
from sla.models import Calendar
from tickets import services as ticket_services
from tickets.errors import NotEligible
from tickets.models import Ticket
from tickets.services import CaseRequest, Taxonomy

__all__ = ["CaseRequest", "case_open"]


def case_open(request: CaseRequest, *, now: datetime | None = None) -> tuple[Ticket, bool]:
    """Open a case for the requester's organisation. Returns the case and whether it is new:
    the same ``submission_key`` from the same person returns the case it already opened.
    A new case carries the SLA clocks it started as ``started_clocks``.

    Raises ValidationError (field errors), PermissionDenied or NotEligible, all before
    anything is written.
    """
    now = now or timezone.now()
    existing = ticket_services.ticket_already_opened(request)
    if existing:
        return existing, False
    ticket_services.opener_check(request)
    # The version in force where the organisation is served (its support calendar's zone);
    # the case keeps it for life. Its clocks count on that calendar and the round-the-clock
    # one: both read at once.
    region = request.requester.organisation.region
    try:
        calendars = sla.Calendars([region, ALWAYS])
    except Calendar.DoesNotExist:
        # An emptied database: each is looked for when needed, and the zone falls back.
        calendars = sla.Calendars()
    policy = sla_selectors.policy_in_force_for(
        region=region, at=now, calendar=calendars.loaded(region)
    )
    taxonomy = ticket_services.taxonomy_resolve(policy=policy, request=request)
    if not request.proactive:
        eligibility_check(request, policy=policy, taxonomy=taxonomy, at=now)
    draft = ticket_services.ticket_draft(request=request, policy=policy, taxonomy=taxonomy, now=now)
    try:
        with transaction.atomic():
            # Planned first, so the case is written with its nearest breach in one go.
            clocks = sla.clocks_plan(draft, calendars=calendars)
            draft.next_breach_at = sla.nearest_breach(clocks)
            ticket = ticket_services.ticket_insert(draft=draft, request=request)
            technician = entitlement_selectors.contract_technician(ticket.organisation, at=now)
            if technician is not None:
                # A maintenance contract's cases go straight to its technician.
                ticket_services.ticket_assign_on_opening(ticket=ticket, assignee=technician)
            ticket.started_clocks = sla.clocks_start(ticket=ticket, planned=clocks)
            ticket_services.ticket_announce(ticket=ticket, request=request)
    except IntegrityError:
        # The same submission raced in twice: the first one won.
        existing = ticket_services.ticket_already_opened(request)
        if existing:
            return existing, False
        raise
    return ticket, True


def eligibility_check(
    request: CaseRequest, *, policy: PolicyVersion, taxonomy: Taxonomy, at: datetime
) -> None:
    """Raise NotEligible unless the tier's rule, or failing that an entitlement (purchase,
    hours, contract), gives the organisation this kind of case."""
    decision = entitlement_selectors.access_for(
        organisation=request.requester.organisation,
        case_type=request.case_type,
        reason=request.reason or None,
        category=request.category or None,
        device=request.own_device(),
        channel=entitlement_selectors.CHANNEL_OF_CASE.get(
            request.channel, entitlement_rules.Channel.PORTAL
        ),
        at=at,
        policy=policy,
        case_type_obj=taxonomy.case_type,
        reason_obj=taxonomy.reason,
    )
    if not decision.allowed:
        raise NotEligible(decision)
