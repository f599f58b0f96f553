"""Reads for partners, organisations and the support policy, scoped by who is asking."""

import logging
from datetime import UTC, datetime

from django.db.models import Q, QuerySet

from partners import eligibility
from partners.models import (
    ApiToken,
    CaseReason,
    CaseType,
    Device,
    EligibilityRule,
    Organisation,
    PolicyVersion,
    User,
)
from partners.roles import GROUP_NAMES, Role, has_role, works_cases

logger = logging.getLogger(__name__)


class NoPolicyInForce(LookupError):
    """No policy version is effective at the instant asked about."""


def policy_in_force(at: datetime) -> PolicyVersion:
    """The latest version whose effective date (00:00 UTC) is not after ``at``."""
    if at.tzinfo is None:
        raise ValueError("policy_in_force needs an aware datetime")
    day = at.astimezone(UTC).date()
    version = PolicyVersion.objects.filter(effective_from__lte=day).order_by("-effective_from")
    found = version.first()
    if found is None:
        raise NoPolicyInForce(f"No support policy is in force on {day.isoformat()}.")
    return found


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
    at: datetime,
    policy: PolicyVersion | None = None,
    case_type_obj: CaseType | None = None,
    reason_obj: CaseReason | None = None,
) -> eligibility.Decision:
    """May ``organisation`` open a case of this type and reason at ``at``, and if not, whom
    should it turn to. ``case_type`` and ``reason`` are codes of the version in force.

    A caller that has already read the version in force and these codes' rows passes them
    (``policy``, ``case_type_obj``, ``reason_obj``) so they are not read again.

    Raises ``CaseType.DoesNotExist`` / ``CaseReason.DoesNotExist`` for codes the version
    in force does not know.
    """
    if policy is None:
        policy = policy_in_force(at)
    if case_type_obj is None:
        case_type_obj = CaseType.objects.get(policy=policy, code=case_type)
    if not reason:
        reason_obj = None
    elif reason_obj is None:
        reason_obj = CaseReason.objects.get(case_type=case_type_obj, code=reason)
    rule = EligibilityRule.objects.filter(policy=policy, audience=organisation.audience).first()
    if rule is None:
        logger.warning(
            "Policy %s has no eligibility rule for %s; referring upstream.",
            policy.code,
            organisation.audience,
        )
        access = eligibility.Access.UPSTREAM
        allowed: list[CaseReason] = []
    else:
        access = eligibility.Access(rule.access)
        # Only a limited rule's list of reasons counts, or is shown.
        allowed = (
            list(rule.allowed_reasons.select_related("case_type"))
            if access is eligibility.Access.LIMITED
            else []
        )
    rules = {
        "policy_version": policy.code,
        "access": access,
        "reason": reason_obj.pk if reason_obj else None,
        "allowed_reasons": {r.pk for r in allowed},
        "allowed_reason_names": tuple(f"{r.case_type.name}: {r.name}" for r in allowed),
    }
    decision = eligibility.decide(**rules)
    if decision.allowed:
        return decision
    # Whom to turn to matters only to a refusal: read the partner and installer for it.
    return eligibility.decide(
        **rules,
        upstream=_contact(organisation.upstream_partner),
        installer=_contact(organisation.installer),
    )


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


def support_overview(*, organisation: Organisation, at: datetime) -> dict:
    """What this organisation may open under the policy in force, for its home page."""
    policy = policy_in_force(at)
    rule = (
        EligibilityRule.objects.filter(policy=policy, audience=organisation.audience)
        .prefetch_related("allowed_reasons__case_type")
        .first()
    )
    access = eligibility.Access(rule.access) if rule else eligibility.Access.UPSTREAM
    allowed = [f"{r.case_type.name}: {r.name}" for r in rule.allowed_reasons.all()] if rule else []
    referral = {
        eligibility.Access.UPSTREAM: organisation.upstream_partner,
        eligibility.Access.LIMITED: organisation.upstream_partner,
        eligibility.Access.INSTALLER: organisation.installer,
    }.get(access)
    return {
        "policy": policy,
        "access": access.value,
        "allowed_reasons": allowed,
        "referral": referral,
        "case_types": list(policy.case_types.all()),
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
