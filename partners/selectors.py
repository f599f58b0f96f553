"""Reads for partners, organisations and the support policy, scoped by who is asking."""

import copy
import dataclasses
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from partners import eligibility, policy_dates, support_lines
from partners.models import (
    ApiToken,
    CaseReason,
    CaseType,
    Device,
    Organisation,
    PolicyVersion,
    User,
)
from partners.policy_cache import policy_reference
from partners.roles import GROUP_NAMES, Role, has_role, works_cases

logger = logging.getLogger(__name__)


class NoPolicyInForce(LookupError):
    """No policy version is effective at the instant asked about."""


def policy_in_force(at: datetime, *, zone: str) -> PolicyVersion:
    """The version of the terms in force at ``at`` where the clock reads ``zone``: the
    latest that has taken effect there (``policy_dates.version_in_force``: local midnight
    on its date). For an organisation, ``zone`` is its support calendar's
    (``sla.selectors.policy_in_force_for``). Read from ``partners.policy_cache``."""
    if at.tzinfo is None:
        raise ValueError("policy_in_force needs an aware datetime")
    versions = policy_reference().versions
    found = policy_dates.version_in_force(versions, at, zone)
    if found is None:
        raise NoPolicyInForce(
            f"No support policy is in force on {at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} "
            f"({zone})."
        )
    return copy.copy(versions[found])


def api_tokens_of(user: User, *, now: datetime) -> QuerySet[ApiToken]:
    """The user's own API tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user).filter(Q(expiry__isnull=True) | Q(expiry__gt=now))


def _contact(organisation: Organisation | None) -> eligibility.Contact | None:
    if organisation is None:
        return None
    return eligibility.Contact(
        name=organisation.name,
        email=organisation.contact_email,
        phone=organisation.contact_phone,
    )


def eligibility_for(
    *,
    organisation: Organisation,
    case_type: str,
    reason: str | None,
    policy: PolicyVersion,
    case_type_obj: CaseType | None = None,
    reason_obj: CaseReason | None = None,
    contact: bool = True,
) -> eligibility.Decision:
    """May ``organisation`` open a case of this type and reason under ``policy`` (the
    version in force for it, which only its support calendar's zone can tell:
    ``sla.selectors.policy_in_force_for``), and if not, whom should it turn to.
    ``case_type`` and ``reason`` are codes of that version.

    A caller that has already read these codes' rows passes them (``case_type_obj``,
    ``reason_obj``) so they are not read again; one that may not need whom to turn to
    passes ``contact=False`` and adds it to a refusal it keeps (``referral_contact_added``).

    Raises ``CaseType.DoesNotExist`` / ``CaseReason.DoesNotExist`` for codes the version
    in force does not know.
    """
    reference = policy_reference()
    if case_type_obj is None:
        case_type_obj = reference.case_type(policy.pk, case_type)
        if case_type_obj is None:
            raise CaseType.DoesNotExist(f"No case type {case_type!r} in {policy.code}.")
    if not reason:
        reason_obj = None
    elif reason_obj is None:
        reason_obj = reference.reason(case_type_obj.pk, reason)
        if reason_obj is None:
            raise CaseReason.DoesNotExist(f"No reason {reason!r} for {case_type_obj.code}.")
    rule = reference.rule(policy.pk, organisation.audience)
    if rule is None:
        logger.warning(
            "Policy %s has no eligibility rule for %s; referring upstream.",
            policy.code,
            organisation.audience,
        )
        access = eligibility.Access.UPSTREAM
        allowed: list[CaseReason] = []
        direct_types: dict[int, str] = {}
    else:
        access = eligibility.Access(rule.access)
        # Direct access opens everything: only a referred audience needs its exceptions.
        direct_types = (
            dict(rule.direct_case_types) if access is not eligibility.Access.DIRECT else {}
        )
        # Only a limited rule's list of reasons counts, or is shown.
        allowed = list(rule.allowed_reasons) if access is eligibility.Access.LIMITED else []
    rules = {
        "policy_version": policy.code,
        "access": access,
        "reason": reason_obj.pk if reason_obj else None,
        "case_type": case_type_obj.pk,
        "direct_case_types": set(direct_types),
        "direct_case_type_names": tuple(direct_types.values()),
        "allowed_reasons": {r.pk for r in allowed},
        "allowed_reason_names": tuple(f"{r.case_type.name}: {r.name}" for r in allowed),
    }
    decision = eligibility.decide(**rules)
    return referral_contact_added(decision, organisation) if contact else decision


def referral_contact_added(
    decision: eligibility.Decision, organisation: Organisation
) -> eligibility.Decision:
    """A refusal with whom to turn to: the organisation's installer or upstream partner,
    as the refusal says (read only here: it matters to a refusal alone)."""
    if decision.allowed or decision.contact is not None:
        return decision
    if decision.outcome is eligibility.Outcome.REFER_INSTALLER:
        whom = organisation.installer
    else:
        whom = organisation.upstream_partner
    return dataclasses.replace(decision, contact=_contact(whom))


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user.is_partner:
        return Organisation.objects.filter(pk=user.organisation_id)
    if has_role(user, Role.AGENT, Role.NOC, Role.BILLING, Role.ADMIN):
        return Organisation.objects.all()
    return Organisation.objects.none()


def devices_visible_to(user: User) -> QuerySet[Device]:
    if not user.is_authenticated:
        return Device.objects.none()
    if user.is_partner:
        return Device.objects.filter(organisation_id=user.organisation_id)
    if works_cases(user):
        return Device.objects.all()
    return Device.objects.none()


def support_overview(*, organisation: Organisation, policy: PolicyVersion) -> dict:
    """What this organisation may open under ``policy``, the version in force for it, for
    its home page."""
    reference = policy_reference()
    rule = reference.rule(policy.pk, organisation.audience)
    access = eligibility.Access(rule.access) if rule else eligibility.Access.UPSTREAM
    allowed = [f"{r.case_type.name}: {r.name}" for r in rule.allowed_reasons] if rule else []
    referral = {
        eligibility.Access.UPSTREAM: organisation.upstream_partner,
        eligibility.Access.LIMITED: organisation.upstream_partner,
        eligibility.Access.INSTALLER: organisation.installer,
    }.get(access)
    return {
        "policy": policy,
        "access": access.value,
        "allowed_reasons": allowed,
        # Case types it opens with the vendor whatever its access (Customer Care, for those
        # referred upstream for technical support only).
        "direct_case_types": (
            [name for _, name in rule.direct_case_types]
            if rule and access is not eligibility.Access.DIRECT
            else []
        ),
        "referral": referral,
        "case_types": reference.case_types(policy.pk),
    }


def partner_users_matching(user: User, text: str, *, limit: int = 20) -> list[User]:
    """Partner-side users whose e-mail, name or organisation name contains ``text``; for
    staff who take a call and open a case on the caller's behalf."""
    text = text.strip()
    if not text or not works_cases(user):
        return []
    matches = (
        User.objects.filter(organisation__isnull=False, is_active=True)
        .filter(
            Q(email__icontains=text)
            | Q(full_name__icontains=text)
            | Q(organisation__name__icontains=text)
        )
        .select_related("organisation")
        .order_by("organisation__name", "email")
    )
    return list(matches[:limit])


def staff_with_role(role: Role) -> list[User]:
    """Active staff who hold ``role`` themselves (administrators are not copied in)."""
    return list(
        User.objects.filter(
            is_active=True, organisation=None, groups__name=GROUP_NAMES[role]
        ).order_by("pk")
    )


def support_line_for(
    organisation: Organisation, *, policy: PolicyVersion | None
) -> support_lines.SupportLine | None:
    """The support phone number and chat link for the organisation's country (or its
    region's fallback, see ``partners.support_lines``) under ``policy``, the version in
    force for it now (``sla.selectors.policy_in_force_for``).

    The numbers are today's wherever they are shown, also on the page of a case opened under
    an older version: they are whom to call now. Before any version is in force (``policy``
    None), the first version loaded gives them: a number to call for a Critical problem
    beats none."""
    if policy is None:
        versions = policy_reference().versions
        policy = versions[min(versions)] if versions else None
    if policy is None:
        return None
    return support_lines.line_for(
        policy.support_lines, country=organisation.country, region=organisation.region
    )
