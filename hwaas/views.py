"""Hardware pages: the inventory of leased and purchased devices, a device's history, an
agreement with its Annex A (page, print and CSV), and the staff steps on a request. The
partner's request form opens a case, so it is built in the use-case layer
(``desk.views.hardware``)."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.converters import as_id
from core.csv import csv_lines
from hwaas import capex, decisions, rules, selectors, services
from hwaas.forms import StepForm
from hwaas.models import HardwareRequest
from partners.access import role_required
from partners.roles import Role, works_cases

PAGE_SIZE = 50
HANDLERS = (Role.PARTNER, Role.AGENT, Role.NOC, Role.ADMIN)
STAFF = (Role.AGENT, Role.NOC, Role.ADMIN)


# --- Device status in words ----------------------------------------------------------------


def device_status(device, *, today: date) -> dict:
    """What the inventory and device pages say about a device: lease or warranty."""
    line = selectors.active_line_of(device)
    if line is not None:
        if line.delivered_on is None:
            change = "not delivered yet"
        else:
            change_from = rules.change_possible_from(line.delivered_on)
            change = (
                "may be reduced or exchanged"
                if today >= change_from
                else f"fixed until {rules.format_day(change_from)}"
            )
        return {
            "holding": "leased",
            "line": line,
            "summary": f"Leased on {line.agreement.number} ({line.agreement.get_term_display()})",
            "detail": change,
        }
    purchase = getattr(device, "purchase", None)
    if purchase is None:
        kept = selectors.kept_line_of(device)
        if kept is not None:
            return {
                "holding": "owned",
                "line": kept,
                "summary": f"Kept from agreement {kept.agreement.number}",
                "detail": (
                    f"not returned; owned by the lessee since "
                    f"{rules.format_day(kept.ownership_passed_on)}"
                ),
            }
        return {"holding": "", "summary": "", "detail": ""}
    if purchase.converted_on:
        return {"holding": "owned", "summary": "Moved to HWaaS", "detail": ""}
    warranty = capex.capex_warranty(
        purchased_on=purchase.purchased_on, on=today, extended_contract=purchase.extended_warranty
    )
    return {
        "holding": "owned",
        "purchase": purchase,
        "warranty": warranty,
        "summary": f"Bought on {rules.format_day(purchase.purchased_on)}",
        "detail": (
            f"under warranty until {rules.format_day(warranty.until)}"
            if warranty.covered
            else "no warranty"
        ),
    }


def _inventory_query(request, *, staff: bool) -> selectors.InventoryQuery:
    holding = request.GET.get("holding", "")
    organisation = request.GET.get("organisation", "")
    return selectors.InventoryQuery(
        text=request.GET.get("q", "")[:100],
        holding=holding if holding in ("leased", "owned") else "",
        organisation_id=as_id(organisation) if staff else None,
    )


@role_required(*HANDLERS)
def inventory(request):
    staff = works_cases(request.user)
    query = _inventory_query(request, staff=staff)
    devices = selectors.inventory_for(user=request.user, query=query)
    page = Paginator(devices, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(device, device_status(device, today=today)) for device in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "hwaas/inventory.html",
        {
            "rows": rows,
            "page": page,
            "query": query,
            "staff": staff,
            "page_query": params.urlencode(),
            "organisations": (
                selectors.organisations_managed_by(request.user).order_by("name") if staff else None
            ),
            "agreements": selectors.agreements_visible_to(request.user).order_by("-starts_on")[:50],
        },
    )


@role_required(*HANDLERS)
def device_detail(request, pk: int):
    device = selectors.device_for(user=request.user, pk=pk)
    today = timezone.localdate()
    hardware_requests = selectors.requests_visible_to(request.user).filter(
        Q(line__device=device) | Q(purchase__device=device)
    )
    return render(
        request,
        "hwaas/device.html",
        {
            "device": device,
            "status": device_status(device, today=today),
            "lines": device.lease_lines.all(),
            "requests": hardware_requests,
            "staff": works_cases(request.user),
        },
    )


@role_required(*HANDLERS)
def agreement_detail(request, pk: int):
    agreement = selectors.agreement_for(user=request.user, pk=pk)
    lines = list(agreement.lines.all())
    today = timezone.localdate()
    active = [line for line in lines if line.is_active]
    return render(
        request,
        "hwaas/agreement.html",
        {
            "agreement": agreement,
            "lines": lines,
            "active": active,
            "charge": decisions.not_returned_charge(agreement, today=today) if active else None,
            "printing": request.GET.get("print") == "1",
            "base_template": (
                "hwaas/print_base.html" if request.GET.get("print") == "1" else "base.html"
            ),
            "today": today,
        },
    )


ANNEX_COLUMNS = (
    "agreement",
    "model",
    "description",
    "serial_number",
    "fee",
    "currency",
    "ordered_on",
    "invoicing_starts_on",
    "delivered_on",
    "returned_on",
)


@role_required(*HANDLERS)
def agreement_annex_csv(request, pk: int):
    agreement = selectors.agreement_for(user=request.user, pk=pk)
    rows = (
        [
            agreement.number,
            line.hardware_model.name,
            line.hardware_model.description,
            line.device.serial_number if line.device_id else "",
            line.fee,
            agreement.currency,
            line.ordered_on,
            line.invoicing_starts_on,
            line.delivered_on or "",
            line.returned_on or "",
        ]
        for line in agreement.lines.all()
    )
    response = HttpResponse(csv_lines(ANNEX_COLUMNS, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="annex-a-{agreement.number}.csv"'
    return response


# --- Staff ---------------------------------------------------------------------------------


@role_required(*STAFF)
def staff_requests(request):
    state = request.GET.get("state", "open")
    hardware_requests = selectors.requests_visible_to(request.user).order_by("created_at", "pk")
    if state == "open":
        hardware_requests = hardware_requests.exclude(
            state__in=[HardwareRequest.State.CLOSED, HardwareRequest.State.REFUSED]
        )
    elif state in HardwareRequest.State.values:
        hardware_requests = hardware_requests.filter(state=state)
    page = Paginator(hardware_requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "hwaas/staff_requests.html",
        {"page": page, "state": state, "states": HardwareRequest.State.choices},
    )


@role_required(*STAFF)
def staff_request(request, pk: int, *, form: StepForm | None = None, status: int = 200):
    hardware_request = selectors.request_for(user=request.user, pk=pk)
    return render(
        request,
        "hwaas/staff_request.html",
        {
            "hw": hardware_request,
            "steps": services.step_labels(hardware_request),
            "form": form or StepForm(),
            "documents": hardware_request.documents.select_related("attachment"),
        },
        status=status,
    )


@role_required(*STAFF)
@require_POST
def staff_request_step(request, pk: int):
    hardware_request = selectors.request_for(user=request.user, pk=pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        return staff_request(request, pk, form=form, status=400)
    step, note = form.cleaned_data["step"], form.cleaned_data["note"]
    State = HardwareRequest.State
    try:
        if step == State.APPROVED:
            services.request_approve(request=hardware_request, actor=request.user, note=note)
        elif step == State.REFUSED:
            services.request_refuse(request=hardware_request, actor=request.user, reason=note)
        elif step == State.SHIPPED:
            services.request_ship(
                request=hardware_request,
                actor=request.user,
                tracking_number=form.cleaned_data["tracking_number"],
                serials=form.cleaned_data["serials"].replace(",", " ").split(),
            )
        elif step == State.RECEIVED:
            services.request_receive(request=hardware_request, actor=request.user, note=note)
        elif step == State.UNRETURNED:
            services.request_not_returned(request=hardware_request, actor=request.user, note=note)
        elif step == State.CLOSED:
            services.request_close(request=hardware_request, actor=request.user, note=note)
        else:
            raise ValidationError("Choose one of the steps offered.")
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error.messages)
        return staff_request(request, pk, form=form, status=400)
    messages.success(request, f"{State(step).label}.")
    return redirect(reverse("hwaas:staff_request", args=[pk]))
