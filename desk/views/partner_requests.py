"""Pages for requests handed up the chain, and for the cases of the end customers a
partner installed.

A refused case is kept as a draft when the refusal page is shown
(``referral_context``); from there its author sends it to the organisation it was
referred to. That organisation's users find it under "Requests from your partners and
customers" and turn it into a case of their own, answer it, or decline it. Every request
is read through ``tickets.selectors`` for the signed-in user's organisation: anyone else's
is a 404, exactly like a missing one.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import IllegalTransition
from core.forms import apply_errors
from desk.actions.partner_requests import (
    Conversion,
    partner_request_answer,
    partner_request_convert,
    partner_request_decline,
    partner_request_send,
)
from desk.views.partner import proxied_download
from partners import selectors as partner_selectors
from partners.access import role_required
from partners.roles import Role
from sla import selectors as sla_selectors
from tickets import selectors
from tickets.errors import NotEligible
from tickets.models import PartnerRequest
from tickets.serializers import not_eligible_body

PER_PAGE = 20
SEPARATOR = "|"


# --- Forms -------------------------------------------------------------------------------


class ConvertForm(forms.Form):
    kind = forms.ChoiceField(
        label="Case type and reason",
        help_text="Under the terms in force for your organisation.",
    )
    wms_version = forms.CharField(label="WMS version", max_length=40, required=False)
    firmware_versions = forms.CharField(
        label="Firmware versions",
        max_length=200,
        required=False,
        help_text="Needed for Tech Support cases.",
    )

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for case_type in policy.case_types.prefetch_related("reasons"):
            reasons = list(case_type.reasons.all())
            if not reasons:
                choices.append((case_type.code, case_type.name))
            for reason in reasons:
                choices.append(
                    (
                        f"{case_type.code}{SEPARATOR}{reason.code}",
                        f"{case_type.name}: {reason.name}",
                    )
                )
        self.fields["kind"].choices = [("", "Choose…"), *choices]

    def conversion(self) -> Conversion:
        case_type, _, reason = self.cleaned_data["kind"].partition(SEPARATOR)
        return Conversion(
            case_type=case_type,
            reason=reason or None,
            wms_version=self.cleaned_data["wms_version"],
            firmware_versions=self.cleaned_data["firmware_versions"],
        )


def convert_initial(partner_request: PartnerRequest) -> dict:
    kind = partner_request.case_type_code
    if kind and partner_request.reason_code:
        kind += SEPARATOR + partner_request.reason_code
    return {
        "kind": kind,
        "wms_version": partner_request.wms_version,
        "firmware_versions": partner_request.firmware_versions,
    }


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Your answer",
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write your answer."},
    )


class DeclineForm(forms.Form):
    note = forms.CharField(
        label="Why you decline it",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why you decline it."},
    )


# --- Pages -------------------------------------------------------------------------------


def _request_or_404(request, pk: int) -> PartnerRequest:
    try:
        return selectors.partner_request_for(user=request.user, pk=pk)
    except PartnerRequest.DoesNotExist:
        raise Http404("No such request.") from None


def _received_or_404(request, pk: int) -> PartnerRequest:
    found = _request_or_404(request, pk)
    if found.recipient_id != request.user.organisation_id or found.status == found.Status.DRAFT:
        raise Http404("No such request.")
    return found


@role_required(Role.PARTNER)
def requests_list(request):
    user = request.user
    received = selectors.partner_requests_received(user).select_related("sender", "sent_by")
    sent = selectors.partner_requests_sent(user).select_related("recipient", "sent_by")
    received_page = Paginator(received, PER_PAGE).get_page(request.GET.get("page"))
    sent_page = Paginator(sent, PER_PAGE).get_page(request.GET.get("sent_page"))
    return render(
        request,
        "tickets/partner/requests.html",
        {"received": received_page, "sent": sent_page},
    )


def _policy_for(organisation):
    try:
        return sla_selectors.policy_in_force_for(region=organisation.region, at=timezone.now())
    except partner_selectors.NoPolicyInForce:
        return None


def _render_detail(request, found, *, convert_form=None, answer_form=None, decline_form=None):
    user = request.user
    receiving = found.recipient_id == user.organisation_id and found.is_open
    context = {
        "partner_request": found,
        "files": list(found.files.all()),
        "receiving": receiving,
        "sending": found.sender_id == user.organisation_id,
    }
    if receiving:
        policy = _policy_for(user.organisation)
        if policy is not None:
            context["convert_form"] = convert_form or ConvertForm(
                initial=convert_initial(found), policy=policy
            )
        context["answer_form"] = answer_form or AnswerForm()
        context["decline_form"] = decline_form or DeclineForm()
    status = 400 if any(f is not None for f in (convert_form, answer_form, decline_form)) else 200
    return render(request, "tickets/partner/request_detail.html", context, status=status)


@role_required(Role.PARTNER)
def request_detail(request, pk: int):
    return _render_detail(request, _request_or_404(request, pk))


def _handled_meanwhile(request, found):
    messages.info(request, f"{found.number} was already dealt with.")
    return redirect("tickets:partner_request", pk=found.pk)


@require_POST
@role_required(Role.PARTNER)
def request_send(request, pk: int):
    found = _request_or_404(request, pk)
    if found.sender_id != request.user.organisation_id:
        raise Http404("No such request.")
    try:
        partner_request_send(request=found, actor=request.user)
    except IllegalTransition:
        messages.info(request, f"{found.number} was sent already.")
    else:
        messages.success(
            request,
            f"Your request was sent to {found.recipient.name}. You will hear from them by "
            "e-mail, and you can follow it here.",
        )
    return redirect("tickets:partner_request", pk=found.pk)


@require_POST
@role_required(Role.PARTNER)
def request_convert(request, pk: int):
    found = _received_or_404(request, pk)
    policy = _policy_for(request.user.organisation)
    if policy is None:
        messages.error(request, "No support terms are in force for your organisation.")
        return redirect("tickets:partner_request", pk=found.pk)
    form = ConvertForm(request.POST, policy=policy)
    if form.is_valid():
        try:
            ticket = partner_request_convert(
                request=found, actor=request.user, conversion=form.conversion()
            )
        except IllegalTransition:
            return _handled_meanwhile(request, found)
        except NotEligible as refusal:
            form.add_error(None, not_eligible_body(refusal)["detail"])
        except ValidationError as error:
            _apply_case_errors(form, error)
        else:
            messages.success(
                request,
                f"Case {ticket.number} is open with the request's text and files. "
                f"{found.sender.name} has been told.",
            )
            return redirect("tickets:case_detail", pk=ticket.pk)
    return _render_detail(request, found, convert_form=form)


def _apply_case_errors(form: ConvertForm, error: ValidationError) -> None:
    """A case's field errors on the conversion form: its type and reason on ``kind``."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        if field in ("case_type", "reason"):
            form.add_error("kind", errors)
        elif field in form.fields:
            form.add_error(field, errors)
        else:
            form.add_error(None, errors)


@require_POST
@role_required(Role.PARTNER)
def request_answer(request, pk: int):
    found = _received_or_404(request, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            partner_request_answer(
                request=found, actor=request.user, answer=form.cleaned_data["answer"]
            )
        except IllegalTransition:
            return _handled_meanwhile(request, found)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Your answer was sent to {found.sender.name}.")
            return redirect("tickets:partner_request", pk=found.pk)
    return _render_detail(request, found, answer_form=form)


@require_POST
@role_required(Role.PARTNER)
def request_decline(request, pk: int):
    found = _received_or_404(request, pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            partner_request_decline(
                request=found, actor=request.user, note=form.cleaned_data["note"]
            )
        except IllegalTransition:
            return _handled_meanwhile(request, found)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{found.number} is declined; {found.sender.name} was told.")
            return redirect("tickets:partner_requests")
    return _render_detail(request, found, decline_form=form)


@role_required(Role.PARTNER)
def request_file(request, pk: int):
    kept = selectors.partner_request_files_visible_to(request.user).filter(pk=pk).first()
    if kept is None:
        raise Http404("No such file.")
    if settings.MEDIA_X_ACCEL_REDIRECT:
        return proxied_download(kept)
    try:
        handle = kept.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is no longer stored.") from None
    return FileResponse(
        handle, as_attachment=True, filename=kept.original_name, content_type=kept.content_type
    )


# --- Customers' cases --------------------------------------------------------------------


@role_required(Role.PARTNER)
def customer_cases(request):
    """The cases of the end customers the organisation installed, and monitoring cases
    about their systems: a tab of its own beside the organisation's cases."""
    cases = (
        selectors.customer_tickets_visible_to(request.user)
        .select_related("organisation", "case_type", "reason", "device__organisation")
        .order_by("-created_at", "-id")
    )
    page = Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tickets/partner/customer_cases.html", {"page": page})


urlpatterns = [
    path("cases/customers/", customer_cases, name="customer_cases"),
    path("requests/", requests_list, name="partner_requests"),
    path("requests/<id:pk>/", request_detail, name="partner_request"),
    path("requests/<id:pk>/send/", request_send, name="partner_request_send"),
    path("requests/<id:pk>/convert/", request_convert, name="partner_request_convert"),
    path("requests/<id:pk>/answer/", request_answer, name="partner_request_answer"),
    path("requests/<id:pk>/decline/", request_decline, name="partner_request_decline"),
    path("requests/files/<id:pk>/", request_file, name="partner_request_file"),
]
