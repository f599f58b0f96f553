"""Opening a case, the parts that concern the case alone: who may open it, the taxonomy it
is filed under, the case as drafted and written, and who hears of it. The steps are composed,
with eligibility, entitlements and clocks, by ``desk.actions.open_case``."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile

from partners import extended_support
from partners.models import CaseCategory, CaseReason, CaseType, Device, User
from partners.policy_cache import policy_reference
from partners.roles import Role, has_role, works_cases
from tickets import attachments as attachment_rules
from tickets import events, notifications
from tickets.models import Ticket
from tickets.services.attachments import attachments_save
from tickets.services.common import MAX_BODY


@dataclass(frozen=True, kw_only=True)
class CaseRequest:
    """Everything a case is opened with, as the partner (or staff on its behalf, or the
    vendor's monitoring) gives it. Codes are those of the policy version in force."""

    requester: User
    case_type: str
    subject: str
    description: str
    reason: str | None = None
    category: str | None = None
    subcategory: str | None = None
    device: Device | None = None
    wms_version: str = ""
    firmware_versions: str = ""
    critical_criterion: str = ""
    # Asked with the "calls drop" criterion: did the calls drop with another operator too?
    # None when not answered.
    reproduced_with_other_operator: bool | None = None
    attachments: Sequence[UploadedFile] = ()
    created_by: User | None = None
    channel: str = Ticket.Channel.PORTAL
    follow_up_of: Ticket | None = None
    submission_key: uuid.UUID | None = None
    # Staff logging a tickets-only case type (Customer Care) from a phone call: why it could
    # not wait for the partner to open it in the portal. Written on the case's timeline.
    phone_override_reason: str = ""
    # The vendor opens the case itself (a monitoring alert): the terms' eligibility does not
    # apply, and a NOC engineer or a monitoring integration may open it for the organisation.
    proactive: bool = False

    @property
    def opener(self) -> User:
        return self.created_by or self.requester

    def own_device(self) -> Device | None:
        """The chosen device when it is the organisation's own, else None."""
        device, organisation = self.device, self.requester.organisation
        if device is None or organisation is None or device.organisation_id != organisation.pk:
            return None
        return device


@dataclass(frozen=True)
class Taxonomy:
    """The rows of the version in force that a case is filed under."""

    case_type: CaseType
    reason: CaseReason | None = None
    category: CaseCategory | None = None
    subcategory: CaseCategory | None = None


def ticket_already_opened(request: CaseRequest) -> Ticket | None:
    """The case this very submission opened before (a double click, a retried request)."""
    if not request.submission_key:
        return None
    return Ticket.objects.filter(
        created_by=request.opener, submission_key=request.submission_key
    ).first()


def opener_check(request: CaseRequest) -> None:
    """Raise ValidationError or PermissionDenied when this person may not open this case."""
    if request.requester.organisation is None:
        raise ValidationError({"requester": "Cases are opened for a member of an organisation."})
    opener = request.opener
    if request.proactive:
        if not has_role(opener, Role.NOC, Role.INTEGRATION):
            raise PermissionDenied("Only the NOC and monitoring integrations open proactive cases.")
    elif opener != request.requester and not works_cases(opener):
        raise PermissionDenied("Only support staff open cases on someone else's behalf.")


def taxonomy_resolve(*, policy, request: CaseRequest) -> Taxonomy:
    """The rows of the version in force for the request's codes (``partners.policy_cache``);
    field errors for codes it lacks."""
    reference = policy_reference()
    case_type, reason = request.case_type, request.reason
    category, subcategory = request.category, request.subcategory
    errors: dict[str, str] = {}
    type_obj = reference.case_type(policy.pk, case_type)
    if type_obj is None:
        raise ValidationError({"case_type": "Choose one of the case types offered."})
    reason_obj = category_obj = subcategory_obj = None
    if reason:
        reason_obj = reference.reason(type_obj.pk, reason)
        if reason_obj is None:
            errors["reason"] = f"Choose a reason listed for {type_obj.name}."
    elif reference.has_reasons(type_obj.pk):
        errors["reason"] = "Choose a reason."
    if category and reason_obj:
        category_obj = reference.category(reason_obj.pk, category)
        if category_obj is None:
            errors["category"] = f"Choose a category listed for {reason_obj.name}."
    if subcategory and category_obj:
        subcategory_obj = reference.subcategory(category_obj.pk, subcategory)
        if subcategory_obj is None:
            errors["subcategory"] = f"Choose a sub-category listed for {category_obj.name}."
    if errors:
        raise ValidationError(errors)
    return Taxonomy(type_obj, reason_obj, category_obj, subcategory_obj)


def _device_allowed(device: Device, request: CaseRequest, organisation) -> bool:
    """A case names one of the organisation's own devices; a case the vendor opens from
    monitoring may also name the PBX of an end customer the organisation installed (18.2:
    the installing partner is contacted about its customer's system)."""
    if device.organisation_id == organisation.pk:
        return True
    return request.proactive and device.organisation.installer_id == organisation.pk


def _request_errors(request: CaseRequest, taxonomy: Taxonomy) -> dict[str, str]:
    errors: dict[str, str] = {}
    organisation = request.requester.organisation
    subject, description = request.subject.strip(), request.description.strip()
    if not subject:
        errors["subject"] = "Give the case a short subject."
    elif len(subject) > 200:
        errors["subject"] = "Keep the subject under 200 characters."
    if not description:
        errors["description"] = "Describe the problem or request."
    elif len(description) > MAX_BODY:
        errors["description"] = f"Keep the description under {MAX_BODY:,} characters."
    if request.device is not None and not _device_allowed(request.device, request, organisation):
        errors["device"] = "Choose one of your organisation's PBXs or devices."
    if taxonomy.case_type.is_technical:
        if not request.wms_version.strip():
            errors["wms_version"] = "Give the WMS version of the PBX."
        if not request.firmware_versions.strip():
            errors["firmware_versions"] = "Give the firmware versions of the devices involved."
    criterion = request.critical_criterion
    if criterion:
        if criterion not in Ticket.CriticalCriterion.values:
            errors["critical_criterion"] = "Choose one of the listed reasons for Critical."
        elif not taxonomy.case_type.is_technical:
            errors["critical_criterion"] = "Critical applies to technical cases only."
        elif not request.proactive:
            errors.update(_critical_claim_errors(request, taxonomy))
    if _logged_by_phone_against_the_terms(request, taxonomy) and not (
        request.phone_override_reason.strip()
    ):
        errors["phone_override_reason"] = (
            f"{taxonomy.case_type.name} cases are opened in the portal, not by phone. Ask the "
            "caller to open it there, or give the reason it must be logged now."
        )
    elif len(request.phone_override_reason.strip()) > 300:
        errors["phone_override_reason"] = "Keep the reason under 300 characters."
    follow_up_of = request.follow_up_of
    if follow_up_of is not None and follow_up_of.organisation_id != organisation.pk:
        errors["follow_up_of"] = "A follow-up refers to one of your organisation's cases."
    return errors


def _critical_claim_errors(request: CaseRequest, taxonomy: Taxonomy) -> dict[str, str]:
    """A partner's Critical claim that the terms do not support (16.5), refused with what to
    do instead; the partner may open the case as Standard.

    - A case filed where extended support does not apply (hardware, internet connectivity,
      planned work; flags on the taxonomy) is refused at any hour: see
      ``partners.extended_support`` for why.
    - Dropped calls are Critical only when the operator is not the cause, which the partner
      checks first by trying another operator: unanswered, the question is asked; answered
      no, the claim is refused.

    The vendor's own monitoring cases are not claims and are not checked here."""
    exclusion = extended_support.exclusion_for(
        taxonomy.reason, taxonomy.category, taxonomy.subcategory
    )
    if exclusion:
        return {"critical_criterion": extended_support.refusal_text(exclusion)}
    if request.critical_criterion != Ticket.CriticalCriterion.CALL_DROPS:
        return {}
    if request.reproduced_with_other_operator is None:
        return {"reproduced_with_other_operator": extended_support.OPERATOR_NOT_CHECKED}
    if not request.reproduced_with_other_operator:
        return {"critical_criterion": extended_support.OPERATOR_NOT_EXCLUDED}
    return {}


def _logged_by_phone_against_the_terms(request: CaseRequest, taxonomy: Taxonomy) -> bool:
    """A case type the terms reach through the ticketing system only (Customer Care, 17.4)
    taken from a phone call. The desk refuses it unless staff give a reason, which goes on
    the timeline: the terms bind the partner's channel, and a member of staff who has the
    caller on the line may still have to record what cannot wait."""
    return request.channel == Ticket.Channel.PHONE and taxonomy.case_type.tickets_only


def ticket_draft(*, request: CaseRequest, policy, taxonomy: Taxonomy, now: datetime) -> Ticket:
    """The case as it will be written, not yet saved; ValidationError (field errors) for
    anything the partner must correct, files included."""
    errors = _request_errors(request, taxonomy)
    if errors:
        raise ValidationError(errors)
    attachment_rules.validate_uploads(list(request.attachments))
    return Ticket(
        organisation=request.requester.organisation,
        requester=request.requester,
        created_by=request.opener,
        policy=policy,
        case_type=taxonomy.case_type,
        reason=taxonomy.reason,
        category=taxonomy.category,
        subcategory=taxonomy.subcategory,
        device=request.device,
        subject=request.subject.strip(),
        description=request.description.strip(),
        wms_version=request.wms_version.strip(),
        firmware_versions=request.firmware_versions.strip(),
        critical_criterion=request.critical_criterion,
        cos=(
            Ticket.ClassOfService.CRITICAL
            if request.critical_criterion
            else Ticket.ClassOfService.STANDARD
        ),
        channel=request.channel,
        follow_up_of=request.follow_up_of,
        submission_key=request.submission_key,
        created_at=now,
    )


def ticket_insert(*, draft: Ticket, request: CaseRequest) -> Ticket:
    """Write the drafted case with its files and its first timeline line. Runs inside the
    caller's transaction."""
    draft.save(force_insert=True)
    attachments_save(
        ticket=draft, message=None, files=request.attachments, uploaded_by=request.opener
    )
    events.created(draft, actor=request.opener)
    if draft.channel == Ticket.Channel.PHONE and draft.case_type.tickets_only:
        events.phone_override(
            draft, actor=request.opener, reason=request.phone_override_reason.strip()
        )
    return draft


def ticket_announce(*, ticket: Ticket, request: CaseRequest) -> None:
    """Tell the case it follows up on, and the people who hear of new cases."""
    if request.follow_up_of is not None:
        events.follow_up_opened(
            request.follow_up_of, actor=request.opener, follow_up_number=ticket.number
        )
    notifications.case_opened(ticket)
