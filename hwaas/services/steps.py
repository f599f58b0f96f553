"""The staff steps on a hardware request (approve or refuse, ship, receive the returned
unit or record that it was not returned, close) and what each does to the lease.

Every step checks the declared path (``hwaas.workflow``), runs in one transaction with the
request locked, and appends a line to the case's timeline (``hwaas.events``).
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from hwaas import decisions, events, rules, workflow
from hwaas.models import CapexPurchase, HardwareModel, HardwareRequest, LeaseAgreement, LeaseLine
from partners.models import Device, User
from partners.roles import works_cases
from sla.calendars import business_calendar

Kind = HardwareRequest.Kind
State = HardwareRequest.State

STEP_LABELS = {
    State.APPROVED: "Approve",
    State.REFUSED: "Refuse",
    State.SHIPPED: "Mark shipped",
    State.RECEIVED: "Mark returned unit received",
    State.UNRETURNED: "Record that the units were not returned",
    State.CLOSED: "Close the request",
}


def step_labels(request: HardwareRequest) -> list[tuple[str, str]]:
    """The next steps staff may take, with a button label each."""
    return [(step, STEP_LABELS[step]) for step in workflow.next_steps(request.kind, request.state)]


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
        zone = ""
        if request.kind == Kind.REPLACE:
            calendar = business_calendar(request.ticket.organisation.region)
            request.ship_by = rules.replacement_ship_by(approved_at=now, calendar=calendar)
            zone = calendar.tz.key
        if request.kind == Kind.ADD:
            _add_lines(request, ordered_on=timezone.localdate(request.created_at))
        request.save(update_fields=["state", "decided_by", "decided_at", "ship_by"])
        events.approved(request, actor=actor, at=now, note=note.strip(), zone=zone)
    return request


def _add_lines(request: HardwareRequest, *, ordered_on: date) -> None:
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
        events.refused(request, actor=actor, at=now, reason=reason.strip())
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
        events.shipped(
            request, actor=actor, at=now, tracking_number=tracking_number, serials=shipped
        )
    return request


def _ship_units(request: HardwareRequest, *, serials: list[str], on: date) -> list[str]:
    """Record the shipped units on the agreement. Returns the serials recorded."""
    if request.kind == Kind.RMA:
        return serials  # a purchased device's replacement is not leased
    lines, model = _lines_to_ship(request, on=on)
    _serials_check(serials, count=len(lines))
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


def _lines_to_ship(request: HardwareRequest, *, on: date) -> tuple[list[LeaseLine], HardwareModel]:
    """The lines the shipped units go on, and their model: an order's lines not shipped yet,
    or the one new line that takes over from the device replaced or exchanged."""
    if request.kind == Kind.ADD:
        lines = request.agreement.lines.filter(
            hardware_model=request.hardware_model, device__isnull=True
        ).order_by("pk")[: request.quantity]
        return list(lines), request.hardware_model
    old = request.line
    model = request.hardware_model if request.kind == Kind.EXCHANGE else old.hardware_model
    line = LeaseLine(
        agreement=old.agreement,
        hardware_model=model,
        fee=old.fee,
        ordered_on=on,
        # A replacement continues the old line's invoicing; an exchange starts anew.
        invoicing_starts_on=(
            old.invoicing_starts_on if request.kind == Kind.REPLACE else rules.invoicing_starts(on)
        ),
        replaces=old,
    )
    return [line], model


def _serials_check(serials: list[str], *, count: int) -> None:
    if len(serials) != count:
        raise ValidationError(
            {"serials": f"Give one serial number for each of the {count} units shipped."}
        )
    taken = set(
        Device.objects.filter(serial_number__in=serials).values_list("serial_number", flat=True)
    )
    if taken or len(set(serials)) != len(serials):
        raise ValidationError(
            {"serials": "Each serial number must be new: " + ", ".join(sorted(taken) or serials)}
        )


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
        events.received(request, actor=actor, at=now, note=note.strip())
    return request


def request_not_returned(
    *, request: HardwareRequest, actor: User, note: str = "", now: datetime | None = None
) -> HardwareRequest:
    """A return whose units were not made available for collection (21.24): the lessee is
    charged for the delivered units still on lease (``rules.not_returned_charge``) and owns
    them from today; the agreement ends today. Units ordered but never delivered are
    neither charged nor handed over: they simply leave the agreement."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        request = _locked(request, actor, State.UNRETURNED)
        agreement = LeaseAgreement.objects.select_for_update().get(pk=request.agreement_id)
        lines = list(
            agreement.lines.on_lease().select_related("hardware_model", "device").order_by("pk")
        )
        charge = rules.not_returned_charge(
            term=rules.TermKind(agreement.term),
            starts_on=agreement.starts_on,
            ends_on=agreement.ends_on,
            today=today,
            units=[decisions.leased_unit(line) for line in lines],
        )
        delivered = [line for line in lines if rules.is_delivered(line.delivered_on, on=today)]
        LeaseLine.objects.filter(pk__in=[line.pk for line in delivered]).update(
            ownership_passed_on=today
        )
        LeaseLine.objects.filter(
            pk__in=[line.pk for line in lines if line not in delivered]
        ).update(returned_on=today)
        if agreement.ends_on is None or agreement.ends_on > today:
            agreement.ends_on = max(today, agreement.starts_on + timedelta(days=1))
            agreement.save(update_fields=["ends_on"])
        request.state = State.UNRETURNED
        request.decision = {
            **request.decision,
            "charged": decisions.charge_data(charge, currency=agreement.currency),
        }
        request.save(update_fields=["state", "decision"])
        events.not_returned(
            request,
            actor=actor,
            at=now,
            note=note.strip(),
            total=str(charge.total),
            currency=agreement.currency,
            serials=[line.device.serial_number for line in delivered if line.device_id],
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
        events.closed(request, actor=actor, at=now, note=note.strip())
    return request


def _convert(request: HardwareRequest, *, on: date) -> None:
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
