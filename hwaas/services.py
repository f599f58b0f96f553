"""Writes for hardware requests: open one as an HWaaS Management case, then the staff steps
(approve or refuse, ship, receive the returned unit, close) and what each does to the lease.

Every step checks the declared path (``hwaas.workflow``), runs in one transaction with the
request locked, and appends a line to the case's timeline.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.formatting import local_datetime_text
from desk.actions.open_case import CaseRequest, case_open
from hwaas import decisions, rules, workflow
from hwaas.models import (
    CapexPurchase,
    HardwareModel,
    HardwareRequest,
    LeaseAgreement,
    LeaseLine,
    RequestDocument,
)
from partners.models import Device, User
from partners.roles import works_cases
from sla.calendars import business_calendar
from tickets import events, notifications
from tickets import services as ticket_services

Kind = HardwareRequest.Kind
State = HardwareRequest.State

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
# Documents given in form fields rather than as files.
TYPED_DOCUMENTS = frozenset({rules.Document.FAULT_DESCRIPTION, rules.Document.PARCEL_DETAILS})


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
    fault_description: str = ""
    parcel_weight_kg: Decimal | None = None
    parcel_dimensions: str = ""
    documents: dict[str, UploadedFile] = field(default_factory=dict)

    def subject(self, *, in_united_states: bool) -> decisions.Subject:
        return decisions.Subject(
            kind=self.kind,
            agreement=self.agreement or (self.line.agreement if self.line else None),
            line=self.line,
            purchase=self.purchase,
            hardware_model=self.hardware_model,
            quantity=self.quantity,
            cause=self.cause,
            label_readable=self.label_readable,
            operational=self.operational,
            in_united_states=in_united_states,
        )


def in_united_states(organisation) -> bool:
    return organisation.country.upper() == "US"


def request_check(*, requester: User, data: RequestInput, today) -> rules.Decision:
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
    agreement = data.agreement or (data.line.agreement if data.line else None)
    if agreement is not None:
        return agreement.lessee
    return requester.organisation


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


def request_create(
    *, requester: User, data: RequestInput, now: datetime | None = None
) -> HardwareRequest:
    """Open the HWaaS Management case for ``data`` when the rules allow it.

    Raises ValidationError with field errors (what is missing, or the rules' refusal under
    the field it concerns) or tickets' NotEligible, before anything is written.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
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
    uploads = [data.documents[kind] for kind in sorted(data.documents)]
    ticket_services.attachments_validate(uploads)

    description = data.description.strip() or decision.reason
    device = data.line.device if data.line else data.purchase.device if data.purchase else None
    with transaction.atomic():
        ticket, _ = case_open(
            CaseRequest(
                requester=requester,
                case_type=CASE_TYPE,
                reason=CASE_REASONS[data.kind],
                subject=_subject_line(data)[:200],
                description=description,
                device=device
                if device and device.organisation_id == requester.organisation_id
                else None,
            ),
            now=now,
        )
        request = HardwareRequest.objects.create(
            ticket=ticket,
            organisation=requester.organisation,
            kind=data.kind,
            agreement=data.agreement or (data.line.agreement if data.line else None),
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
            decision=decisions.as_data(decision, at=now),
            created_at=now,
        )
        for kind in sorted(data.documents):
            (attachment,) = ticket_services.attachments_add(
                ticket=ticket, files=[data.documents[kind]], uploaded_by=requester
            )
            RequestDocument.objects.create(request=request, kind=kind, attachment=attachment)
        _event(
            request,
            "hwaas_requested",
            actor=requester,
            at=now,
            text=f"{Kind(data.kind).label} requested",
            detail=decision.reason,
        )
    return request


def _event(request: HardwareRequest, kind: str, *, actor, at, text: str, detail: str = ""):
    """The step on the case timeline; staff steps are e-mailed to the requester as well."""
    if kind != "hwaas_requested":
        notifications.hardware_step(request.ticket, update=text, detail=detail)
    return events.record(
        request.ticket_id,
        kind,
        actor=actor,
        public=True,
        at=at,
        text=text,
        detail=detail,
        request=request.pk,
    )


# --- Staff steps ---------------------------------------------------------------------------


def _locked(request: HardwareRequest, actor: User, new_state: str) -> HardwareRequest:
    if not works_cases(actor):
        raise PermissionDenied("Only support staff handle hardware requests.")
    locked = (
        HardwareRequest.objects.select_for_update(of=("self",))
        .select_related("ticket__organisation", "agreement", "line__hardware_model", "purchase")
        .get(pk=request.pk)
    )
    try:
        workflow.check_step(locked.kind, locked.state, new_state)
    except workflow.IllegalStep as illegal:
        raise ValidationError(
            f"This request is {locked.get_state_display().lower()}: it cannot be "
            f"{State(new_state).label.lower()} now."
        ) from illegal
    return locked


def request_approve(
    *, request: HardwareRequest, actor: User, note: str = "", now: datetime | None = None
) -> HardwareRequest:
    """Approve: a replacement gets its ship-by time (one working day on the region's
    calendar); new devices get their lines, invoiced from fourteen days after the order."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _locked(request, actor, State.APPROVED)
        request.state, request.decided_by, request.decided_at = State.APPROVED, actor, now
        detail = note.strip()
        if request.kind == Kind.REPLACE:
            calendar = business_calendar(request.ticket.organisation.region)
            request.ship_by = rules.replacement_ship_by(approved_at=now, calendar=calendar)
        if request.kind == Kind.ADD:
            _add_lines(request, ordered_on=timezone.localdate(request.created_at))
        request.save(update_fields=["state", "decided_by", "decided_at", "ship_by"])
        text = "Request approved"
        if request.ship_by:
            ships_by = local_datetime_text(request.ship_by, "long_padded", tz=calendar.tz)
            text += f"; the replacement ships by {ships_by}"
        _event(request, "hwaas_approved", actor=actor, at=now, text=text, detail=detail)
    return request


def _add_lines(request: HardwareRequest, *, ordered_on) -> None:
    agreement = request.agreement
    model = request.hardware_model
    same_model = agreement.lines.filter(hardware_model=model).order_by("-ordered_on").first()
    fee = same_model.fee if same_model else model.default_fee
    LeaseLine.objects.bulk_create(
        LeaseLine(
            agreement=agreement,
            hardware_model=model,
            fee=fee,
            ordered_on=ordered_on,
            invoicing_starts_on=rules.invoicing_starts(ordered_on),
        )
        for _ in range(request.quantity)
    )


def request_refuse(
    *, request: HardwareRequest, actor: User, reason: str, now: datetime | None = None
) -> HardwareRequest:
    now = now or timezone.now()
    if not reason.strip():
        raise ValidationError({"reason": "Say why the request is refused."})
    with transaction.atomic():
        request = _locked(request, actor, State.REFUSED)
        request.state, request.decided_by, request.decided_at = State.REFUSED, actor, now
        request.closed_at = now
        request.save(update_fields=["state", "decided_by", "decided_at", "closed_at"])
        _event(
            request,
            "hwaas_refused",
            actor=actor,
            at=now,
            text="Request refused",
            detail=reason.strip(),
        )
    return request


def request_ship(
    *,
    request: HardwareRequest,
    actor: User,
    tracking_number: str,
    serials: list[str] = (),
    now: datetime | None = None,
) -> HardwareRequest:
    """The new or replacement units left: tracking number, and the serials they carry."""
    now = now or timezone.now()
    tracking_number = tracking_number.strip()
    if not tracking_number:
        raise ValidationError({"tracking_number": "Give the shipment's tracking number."})
    serials = [serial.strip() for serial in serials if serial.strip()]
    with transaction.atomic():
        request = _locked(request, actor, State.SHIPPED)
        shipped = _ship_units(request, serials=serials, on=timezone.localdate(now))
        request.state, request.shipped_at, request.tracking_number = (
            State.SHIPPED,
            now,
            tracking_number,
        )
        request.save(update_fields=["state", "shipped_at", "tracking_number"])
        detail = f"Tracking {tracking_number}"
        if shipped:
            detail += "; serial numbers " + ", ".join(shipped)
        _event(request, "hwaas_shipped", actor=actor, at=now, text="Shipped", detail=detail)
    return request


def _ship_units(request: HardwareRequest, *, serials: list[str], on) -> list[str]:
    """Record the shipped units on the agreement. Returns the serials recorded."""
    if request.kind == Kind.RMA:
        return serials  # a purchased device's replacement is not leased
    if request.kind == Kind.ADD:
        lines = list(
            request.agreement.lines.filter(
                hardware_model=request.hardware_model, device__isnull=True
            ).order_by("pk")[: request.quantity]
        )
        model = request.hardware_model
    else:
        old = request.line
        model = request.hardware_model if request.kind == Kind.EXCHANGE else old.hardware_model
        lines = [
            LeaseLine(
                agreement=old.agreement,
                hardware_model=model,
                fee=old.fee,
                ordered_on=on,
                # A replacement continues the old line's invoicing; an exchange starts anew.
                invoicing_starts_on=(
                    old.invoicing_starts_on
                    if request.kind == Kind.REPLACE
                    else rules.invoicing_starts(on)
                ),
                replaces=old,
            )
        ]
    if len(serials) != len(lines):
        raise ValidationError(
            {"serials": f"Give one serial number for each of the {len(lines)} units shipped."}
        )
    taken = set(
        Device.objects.filter(serial_number__in=serials).values_list("serial_number", flat=True)
    )
    if taken or len(set(serials)) != len(serials):
        raise ValidationError(
            {"serials": "Each serial number must be new: " + ", ".join(sorted(taken) or serials)}
        )
    lessee = request.agreement.lessee
    for line, serial in zip(lines, serials, strict=True):
        line.device = Device.objects.create(
            organisation=lessee,
            serial_number=serial,
            model=model.name,
            name=model.name,
            kind=Device.Kind.DEVICE,
        )
        line.delivered_on = on
        line.save()
    return serials


def request_receive(
    *, request: HardwareRequest, actor: User, note: str = "", now: datetime | None = None
) -> HardwareRequest:
    """The unit came back: its lease line (all of them, for a return) ends today."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        request = _locked(request, actor, State.RECEIVED)
        if request.kind in (Kind.REDUCE, Kind.EXCHANGE, Kind.REPLACE):
            LeaseLine.objects.filter(pk=request.line_id, returned_on__isnull=True).update(
                returned_on=today
            )
        elif request.kind == Kind.RETURN:
            request.agreement.lines.filter(returned_on__isnull=True).update(returned_on=today)
            LeaseAgreement.objects.filter(pk=request.agreement_id, ends_on__isnull=True).update(
                ends_on=today
            )
        request.state, request.received_at = State.RECEIVED, now
        request.save(update_fields=["state", "received_at"])
        _event(
            request,
            "hwaas_received",
            actor=actor,
            at=now,
            text="Returned unit received",
            detail=note.strip(),
        )
    return request


def request_close(
    *, request: HardwareRequest, actor: User, note: str = "", now: datetime | None = None
) -> HardwareRequest:
    """Done. A conversion moves the purchased device onto the chosen agreement, free."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        request = _locked(request, actor, State.CLOSED)
        if request.kind == Kind.CONVERT:
            _convert(request, on=today)
        request.state, request.closed_at = State.CLOSED, now
        request.save(update_fields=["state", "closed_at"])
        _event(
            request,
            "hwaas_closed",
            actor=actor,
            at=now,
            text="Request completed",
            detail=note.strip(),
        )
    return request


def _convert(request: HardwareRequest, *, on) -> None:
    purchase = CapexPurchase.objects.select_for_update().get(pk=request.purchase_id)
    if purchase.converted_on is not None:
        return
    model = (
        purchase.hardware_model or HardwareModel.objects.filter(name=purchase.device.model).first()
    )
    if model is None:
        raise ValidationError(
            "Add the device's model to the catalogue, with its casualty value, before "
            "converting it."
        )
    same_model = (
        request.agreement.lines.filter(hardware_model=model).order_by("-ordered_on").first()
    )
    LeaseLine.objects.create(
        agreement=request.agreement,
        hardware_model=model,
        device=purchase.device,
        fee=same_model.fee if same_model else model.default_fee,
        ordered_on=on,
        invoicing_starts_on=rules.invoicing_starts(on),
        delivered_on=on,  # it is already there
    )
    purchase.converted_on = on
    purchase.save(update_fields=["converted_on"])


def step_labels(request: HardwareRequest) -> list[tuple[str, str]]:
    """The next steps staff may take, with a button label each."""
    labels = {
        State.APPROVED: "Approve",
        State.REFUSED: "Refuse",
        State.SHIPPED: "Mark shipped",
        State.RECEIVED: "Mark returned unit received",
        State.CLOSED: "Close the request",
    }
    return [(step, labels[step]) for step in workflow.next_steps(request.kind, request.state)]
