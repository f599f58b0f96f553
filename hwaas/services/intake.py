"""A partner's hardware request: what it asks for, the rules' answer, and the request
recorded on the HWaaS Management case opened for it. Opening that case (who may, its
clocks) is the use case ``desk.actions.hardware_request``; this module does the parts that
concern the request alone."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from hwaas import decisions, events, rules
from hwaas.models import (
    CapexPurchase,
    HardwareModel,
    HardwareRequest,
    LeaseAgreement,
    LeaseLine,
    RequestDocument,
)
from partners.models import User
from tickets import services as ticket_services
from tickets.models import Ticket
from tickets.services import CaseRequest

Kind = HardwareRequest.Kind

# The policy's case reason for each kind of request (HWaaS Management case type).
CASE_TYPE = "hwaas_management"
CASE_REASONS = {
    Kind.ADD: "add-devices",
    Kind.REDUCE: "reduce-quantity",
    Kind.EXCHANGE: "exchange-model",
    Kind.REPLACE: "replace-device",
    Kind.RETURN: "return-devices",
    Kind.RMA: "capex-rma",
    Kind.CONVERT: "capex-convert",
}


@dataclass
class RequestInput:
    """What the partner filled in. Objects are already loaded through the actor's selectors."""

    kind: str
    description: str = ""
    agreement: LeaseAgreement | None = None
    line: LeaseLine | None = None
    purchase: CapexPurchase | None = None
    hardware_model: HardwareModel | None = None
    quantity: int = 1
    cause: str = ""
    label_readable: bool | None = None
    operational: bool | None = None
    warranty_exclusion: str = ""
    fault_description: str = ""
    parcel_weight_kg: Decimal | None = None
    parcel_dimensions: str = ""
    documents: dict[str, UploadedFile] = field(default_factory=dict)

    @property
    def lease(self) -> LeaseAgreement | None:
        """The agreement the request concerns: the chosen one, or the chosen line's."""
        return self.agreement or (self.line.agreement if self.line else None)

    def subject(self, *, in_united_states: bool) -> decisions.Subject:
        return decisions.Subject(
            kind=self.kind,
            agreement=self.lease,
            line=self.line,
            purchase=self.purchase,
            hardware_model=self.hardware_model,
            quantity=self.quantity,
            cause=self.cause,
            label_readable=self.label_readable,
            operational=self.operational,
            warranty_exclusion=self.warranty_exclusion,
            in_united_states=in_united_states,
        )


def in_united_states(organisation) -> bool:
    return organisation.country.upper() == "US"


def request_check(*, requester: User, data: RequestInput, today: date) -> rules.Decision:
    """The rules' answer without writing anything. Raises decisions.Incomplete."""
    organisation = _organisation_asked_about(requester, data)
    return decisions.decide(
        data.subject(in_united_states=in_united_states(organisation)), today=today
    )


def _organisation_asked_about(requester: User, data: RequestInput):
    """The organisation whose devices the request concerns (its country decides the US
    paperwork); the requester's own when nothing is chosen yet."""
    if data.purchase is not None:
        return data.purchase.device.organisation
    if data.lease is not None:
        return data.lease.lessee
    return requester.organisation


def request_validate(*, requester: User, data: RequestInput, today: date) -> rules.Decision:
    """The rules' answer, once they allow the request and everything it needs is given.

    Raises ValidationError with field errors: what is missing, or the rules' refusal under
    the field it concerns. Writes nothing.
    """
    try:
        decision = request_check(requester=requester, data=data, today=today)
    except decisions.Incomplete as incomplete:
        raise ValidationError(incomplete.errors) from incomplete
    if not decision.allowed:
        key = "purchase" if data.kind in (Kind.RMA, Kind.CONVERT) else "line"
        if data.kind in (Kind.ADD, Kind.RETURN):
            key = "agreement"
        raise ValidationError({key: decision.reason})
    errors = _missing_documents(decision, data)
    if errors:
        raise ValidationError(errors)
    ticket_services.attachments_validate([data.documents[kind] for kind in sorted(data.documents)])
    return decision


def _missing_documents(decision: rules.Decision, data: RequestInput) -> dict[str, str]:
    errors = {}
    for document in decision.documents:
        if document == rules.Document.FAULT_DESCRIPTION:
            if not data.fault_description.strip():
                errors["fault_description"] = "Describe the fault."
        elif document == rules.Document.PARCEL_DETAILS:
            if data.parcel_weight_kg is None or data.parcel_weight_kg <= 0:
                errors["parcel_weight_kg"] = "Give the weight of the return parcel."
            if not data.parcel_dimensions.strip():
                errors["parcel_dimensions"] = "Give the dimensions of the return parcel."
        elif document not in data.documents and not _on_file(document, data):
            label = rules.DOCUMENT_LABELS[document]
            errors[str(document)] = f"Attach the {label[0].lower()}{label[1:]}."
    return errors


def _on_file(document: rules.Document, data: RequestInput) -> bool:
    """Documents the purchase record already holds need not be sent again."""
    purchase = data.purchase
    if purchase is None:
        return False
    if document == rules.Document.PROOF_OF_PURCHASE:
        return bool(purchase.proof_of_purchase)
    if document == rules.Document.WARRANTY_CONTRACT:
        return bool(purchase.warranty_contract)
    return False


def request_case(*, requester: User, data: RequestInput, decision: rules.Decision) -> CaseRequest:
    """The HWaaS Management case that carries the request: its reason, a subject naming the
    device or agreement, and the rules' answer when the partner wrote no description."""
    device = data.line.device if data.line else data.purchase.device if data.purchase else None
    return CaseRequest(
        requester=requester,
        case_type=CASE_TYPE,
        reason=CASE_REASONS[data.kind],
        subject=_subject_line(data)[:200],
        description=data.description.strip() or decision.reason,
        device=device if device and device.organisation_id == requester.organisation_id else None,
    )


def _subject_line(data: RequestInput) -> str:
    label = Kind(data.kind).label
    if data.line is not None and data.line.device_id:
        return f"{label}: {data.line.hardware_model} {data.line.device.serial_number}"
    if data.purchase is not None:
        return f"{label}: {data.purchase.device.model} {data.purchase.device.serial_number}"
    if data.kind == Kind.ADD and data.hardware_model is not None:
        return f"{label}: {data.quantity} × {data.hardware_model} on {data.agreement.number}"
    if data.agreement is not None:
        return f"{label}: {data.agreement.number}"
    return label


def request_insert(
    *,
    ticket: Ticket,
    requester: User,
    data: RequestInput,
    decision: rules.Decision,
    now: datetime,
) -> HardwareRequest:
    """Record the request on the case just opened for it, with its documents as the case's
    attachments and its first line on the timeline. Joins the caller's transaction."""
    request = HardwareRequest.objects.create(
        ticket=ticket,
        organisation=requester.organisation,
        kind=data.kind,
        agreement=data.lease,
        line=data.line,
        purchase=data.purchase,
        hardware_model=data.hardware_model,
        quantity=data.quantity,
        cause=data.cause,
        label_readable=data.label_readable,
        operational=data.operational,
        fault_description=data.fault_description.strip(),
        parcel_weight_kg=data.parcel_weight_kg,
        parcel_dimensions=data.parcel_dimensions.strip(),
        warranty_exclusion=data.warranty_exclusion,
        decision=decisions.as_data(
            decision, at=now, currency=data.lease.currency if data.lease else ""
        ),
        created_at=now,
    )
    for kind in sorted(data.documents):
        (attachment,) = ticket_services.attachments_add(
            ticket=ticket, files=[data.documents[kind]], uploaded_by=requester
        )
        RequestDocument.objects.create(request=request, kind=kind, attachment=attachment)
    events.requested(request, actor=requester, at=now, reason=decision.reason)
    return request
