"""Reads of devices, agreements, purchases and requests, scoped by the actor.

A partner sees what concerns its own organisation and the organisations it looks after: the
customers it installed, and the lessees of the agreements it gives. Staff who work cases
see everything. A missing and a forbidden object give the same 404.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from hwaas.models import CapexPurchase, HardwareRequest, LeaseAgreement, LeaseLine
from partners.models import Device, Organisation, User
from partners.roles import works_cases
from tickets.models import Ticket


def organisations_managed_by(user: User) -> QuerySet[Organisation]:
    """The organisations whose devices ``user`` may see and ask about."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if works_cases(user):
        return Organisation.objects.all()
    if user.organisation_id is None:
        return Organisation.objects.none()
    own = user.organisation_id
    return Organisation.objects.filter(
        Q(pk=own)
        | Q(installer_id=own)
        | Q(pk__in=LeaseAgreement.objects.filter(lessor_id=own).values("lessee_id"))
    )


def agreements_visible_to(user: User) -> QuerySet[LeaseAgreement]:
    agreements = LeaseAgreement.objects.select_related("lessor", "lessee")
    if not user.is_authenticated:
        return agreements.none()
    if works_cases(user):
        return agreements
    own = user.organisation_id
    if own is None:
        return agreements.none()
    return agreements.filter(Q(lessor_id=own) | Q(lessee_id=own))


def agreement_for(*, user: User, pk: int) -> LeaseAgreement:
    lines = LeaseLine.objects.select_related("hardware_model", "device").order_by(
        "ordered_on", "pk"
    )
    try:
        return agreements_visible_to(user).prefetch_related(Prefetch("lines", lines)).get(pk=pk)
    except LeaseAgreement.DoesNotExist as missing:
        raise Http404("No such agreement.") from missing


def lines_visible_to(user: User) -> QuerySet[LeaseLine]:
    return LeaseLine.objects.filter(agreement__in=agreements_visible_to(user)).select_related(
        "agreement", "hardware_model", "device"
    )


def purchases_visible_to(user: User) -> QuerySet[CapexPurchase]:
    return CapexPurchase.objects.filter(
        device__organisation__in=organisations_managed_by(user)
    ).select_related("device", "device__organisation", "hardware_model")


def requests_visible_to(user: User) -> QuerySet[HardwareRequest]:
    requests = HardwareRequest.objects.select_related(
        "ticket", "organisation", "agreement", "line__device", "line__hardware_model", "purchase"
    )
    if not user.is_authenticated:
        return requests.none()
    if works_cases(user):
        return requests
    return requests.filter(organisation_id=user.organisation_id)


def request_for(*, user: User, pk: int) -> HardwareRequest:
    try:
        return requests_visible_to(user).get(pk=pk)
    except HardwareRequest.DoesNotExist as missing:
        raise Http404("No such request.") from missing


def request_of_case(ticket: Ticket) -> HardwareRequest | None:
    """The hardware request a case carries, with the lease line, purchase, agreement and
    models its panel names, in one query; None for any other case. The caller already got
    the case through ``tickets.selectors``, so the request is its reader's to see."""
    return (
        HardwareRequest.objects.filter(ticket=ticket)
        .select_related(
            "line__hardware_model",
            "line__device",
            "purchase__device",
            "agreement",
            "hardware_model",
        )
        .first()
    )


# --- The inventory -------------------------------------------------------------------------


@dataclass(frozen=True)
class InventoryQuery:
    text: str = ""
    holding: str = ""  # "leased", "owned" or empty for both
    organisation_id: int | None = None


def inventory_for(*, user: User, query: InventoryQuery) -> QuerySet[Device]:
    """Devices of the managed organisations that are leased or bought, with what each page
    row shows loaded in a fixed number of queries."""
    active_line = LeaseLine.objects.on_lease().filter(device=OuterRef("pk"))
    # A leased unit the lessee did not hand back is its own from then on.
    kept_line = LeaseLine.objects.filter(device=OuterRef("pk"), ownership_passed_on__isnull=False)
    devices = (
        Device.objects.filter(organisation__in=organisations_managed_by(user))
        .annotate(is_leased=Exists(active_line), is_kept=Exists(kept_line))
        .filter(Q(is_leased=True) | Q(purchase__isnull=False) | Q(is_kept=True))
        .select_related("organisation", "purchase", "pbx")
        .prefetch_related(
            Prefetch(
                "lease_lines",
                LeaseLine.objects.select_related("agreement", "hardware_model").order_by(
                    "-ordered_on", "-pk"
                ),
            )
        )
        .order_by("organisation__name", "model", "serial_number")
    )
    if query.text:
        text = query.text.strip()
        devices = devices.filter(
            Q(serial_number__icontains=text) | Q(model__icontains=text) | Q(name__icontains=text)
        )
    if query.holding == "leased":
        devices = devices.filter(is_leased=True)
    elif query.holding == "owned":
        devices = devices.filter(Q(purchase__isnull=False) | Q(is_kept=True), is_leased=False)
    if query.organisation_id:
        devices = devices.filter(organisation_id=query.organisation_id)
    return devices


def device_for(*, user: User, pk: int) -> Device:
    try:
        return inventory_for(user=user, query=InventoryQuery()).get(pk=pk)
    except Device.DoesNotExist as missing:
        raise Http404("No such device.") from missing


def active_line_of(device: Device) -> LeaseLine | None:
    """The device's running lease line (``lease_lines`` prefetched)."""
    return next((line for line in device.lease_lines.all() if line.is_active), None)


def kept_line_of(device: Device) -> LeaseLine | None:
    """The lease line whose unit the lessee kept, now owning it (``lease_lines`` prefetched)."""
    return next(
        (line for line in device.lease_lines.all() if line.ownership_passed_on is not None), None
    )


def running_agreements(user: User, *, on: date) -> QuerySet[LeaseAgreement]:
    return (
        agreements_visible_to(user)
        .filter(starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on))
    )
