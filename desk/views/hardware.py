"""The partner's hardware request page: the form shows the rules' answer while it is filled
in (``request_check`` refreshes the answer panel alone) and, once sent, opens the HWaaS
Management case through ``desk.actions.hardware_request``. The pages that only show or
handle hardware stay in ``hwaas.views``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.converters import as_id
from desk.actions.hardware_request import hardware_request_open
from hwaas import decisions, rules
from hwaas import services as hwaas_services
from hwaas.forms import KIND_FIELDS, RequestForm
from partners.access import role_required
from partners.roles import Role
from tickets.errors import NotEligible

CHECK = "_check"


def _initial(request) -> dict:
    initial = {"kind": request.GET.get("kind", ""), "quantity": 1}
    for name in ("line", "purchase", "agreement"):
        pk = as_id(request.GET.get(name))
        if pk is not None:
            initial[name] = pk
    return initial


def _answer(request, form: RequestForm) -> dict:
    """The rules' answer to what the form holds so far, or what is still missing."""
    if not form.is_valid():
        return {"missing": [], "decision": None}
    data = form.request_input()
    try:
        decision = hwaas_services.request_check(
            requester=request.user, data=data, today=timezone.localdate()
        )
    except decisions.Incomplete as incomplete:
        return {"missing": list(incomplete.errors.values()), "decision": None}
    labels = [rules.DOCUMENT_LABELS[document] for document in decision.documents]
    currency = data.lease.currency if data.lease else ""
    return {"missing": [], "decision": decision, "document_labels": labels, "currency": currency}


def _render_request_form(request, form: RequestForm, *, answer: dict, status: int = 200):
    return render(
        request,
        "hwaas/request_new.html",
        {"form": form, "answer": answer, "kind_fields": KIND_FIELDS},
        status=status,
    )


@role_required(Role.PARTNER)
def request_new(request):
    if request.method == "GET":
        initial = _initial(request)
        form = RequestForm(initial=initial, user=request.user)
        bound = RequestForm(initial, user=request.user)
        answer = _answer(request, bound) if initial["kind"] else {"decision": None}
        return _render_request_form(request, form, answer=answer)

    form = RequestForm(request.POST, request.FILES, user=request.user)
    answer = _answer(request, form)
    if CHECK in request.POST or not form.is_valid():
        return _render_request_form(
            request, form, answer=answer, status=200 if form.is_valid() else 400
        )
    try:
        hardware_request = hardware_request_open(requester=request.user, data=form.request_input())
    except NotEligible as refusal:
        return render(
            request,
            "tickets/partner/referral.html",
            {"decision": refusal.decision, "organisation": request.user.organisation},
            status=403,
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _render_request_form(request, form, answer=answer, status=400)
    messages.success(
        request, f"Request sent as case {hardware_request.ticket.number}. We will be in touch."
    )
    return redirect("tickets:case_detail", pk=hardware_request.ticket_id)


@role_required(Role.PARTNER)
@require_POST
def request_check(request):
    """The answer panel alone, for the form to refresh while it is filled in."""
    form = RequestForm(request.POST, user=request.user)
    return render(request, "hwaas/_answer.html", {"answer": _answer(request, form)})
