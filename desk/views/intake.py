"""Opening a case from the browser: the form, its dependent lists, device search, the
knowledge-base suggestions shown beside it and the response time to expect.

Every list is built from what the partner may see (the policy in force, the organisation's
own devices); the service decides whether the case may be opened.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from core.converters import as_id
from desk.actions.open_case import CaseRequest, case_open
from entitlements import selectors as entitlement_selectors
from partners import selectors as partner_selectors
from partners.access import role_required
from partners.roles import Role
from sla import display as sla_display
from sla import selectors as sla_selectors
from sla.calendars import business_calendar, support_zone
from tickets import kb, selectors
from tickets.errors import NotEligible
from tickets.forms import FILES_NOT_KEPT, IntakeForm
from tickets.models import Ticket, parse_number

DEVICE_OPTIONS_SHOWN = 200
# Which submit button asked only to update the lists (the page without JavaScript).
REFRESH = "_refresh"


def _policy_or_none(user):
    """The version in force now for the user's organisation, or None."""
    try:
        return sla_selectors.policy_in_force_for(region=user.organisation.region, at=timezone.now())
    except partner_selectors.NoPolicyInForce:
        return None


def _devices(user):
    return partner_selectors.devices_visible_to(user).order_by("kind", "name", "pk")


def device_options(user, *, query: str = "", selected: str = "") -> dict:
    """The devices to list in the picker: the organisation's own, narrowed by serial or
    name, always keeping the one already chosen."""
    devices = _devices(user)
    query = query.strip()
    if query:
        devices = devices.filter(Q(serial_number__icontains=query) | Q(name__icontains=query))
    shown = list(devices[: DEVICE_OPTIONS_SHOWN + 1])
    more = len(shown) > DEVICE_OPTIONS_SHOWN
    shown = shown[:DEVICE_OPTIONS_SHOWN]
    selected_id = as_id(selected)
    if selected_id and all(d.pk != selected_id for d in shown):
        chosen = _devices(user).filter(pk=selected_id).first()
        if chosen is not None:
            shown.insert(0, chosen)
    return {"device_list": shown, "device_more": more, "device_query": query}


def _follow_up_initial(ticket: Ticket, policy) -> dict:
    initial = {
        "follow_up_of": ticket.pk,
        "subject": f"Follow-up to {ticket.number}: {ticket.subject}"[:200],
        "device": ticket.device_id,
        "wms_version": ticket.wms_version,
        "firmware_versions": ticket.firmware_versions,
    }
    # The old case may come from an older version of the terms: carry over only what the
    # version in force still offers.
    case_type = policy.case_types.filter(code=ticket.case_type.code).first()
    if case_type is not None:
        initial["case_type"] = case_type.code
        if ticket.reason and case_type.reasons.filter(code=ticket.reason.code).exists():
            initial["reason"] = ticket.reason.code
    return initial


def _suggestions_for(request, *, text: str, case_type: str, reason: str, device: str):
    device_kind = ""
    if device_id := as_id(device):
        found = _devices(request.user).filter(pk=device_id).values_list("kind", flat=True).first()
        device_kind = found or ""
    suggestions = kb.suggest(text=text, case_type=case_type, reason=reason, device_kind=device_kind)
    for article in suggestions:
        article.excerpt = kb.excerpt(article.body)
    return suggestions


def response_preview(user, form: IntakeForm) -> list[str]:
    """When the first response (and restoration, where it applies) would be due if the case
    were opened now, in words, in the zone of the organisation's support hours. Nothing until
    a case type of the terms in force is picked; a reason that does not belong to the type
    is left out, as the form will drop it."""
    case_type = form.case_type_obj
    organisation = user.organisation
    if case_type is None or organisation is None:
        return []
    current = form.data if form.is_bound else form.initial
    critical = str(current.get("critical_criterion") or "")
    asks_critical = form.is_technical and critical in Ticket.CriticalCriterion.values
    now = timezone.now()
    _, deadlines = sla_selectors.deadlines_for(
        region=organisation.region,
        case_type=case_type.code,
        reason=form.reason_obj.code if form.reason_obj else None,
        cos=Ticket.ClassOfService.CRITICAL if asks_critical else Ticket.ClassOfService.STANDARD,
        at=now,
        policy=form.policy,
    )
    zone = support_zone(organisation.region)
    return sla_display.intake_preview(deadlines, tz=zone, now=now)


def out_of_hours_line(user, form: IntakeForm):
    """Outside support hours a Critical problem goes by phone, 24/7, in English (16.3 note,
    16.6): the line for the organisation's country, once a technical case type is picked
    (only those can be Critical); None during support hours."""
    organisation = user.organisation
    if organisation is None or not form.is_technical:
        return None
    now = timezone.now()
    if business_calendar(organisation.region).is_open(now):
        return None
    return partner_selectors.support_line_for(organisation, policy=form.policy)


def _render_form(request, form: IntakeForm, *, follow_up=None, status: int = 200):
    current = form.data if form.is_bound else form.initial
    device = str(current.get("device") or "")
    context = {
        "form": form,
        "follow_up": follow_up,
        "response_preview": response_preview(request.user, form),
        "out_of_hours_line": out_of_hours_line(request.user, form),
        "suggestions": _suggestions_for(
            request,
            text=str(current.get("subject") or ""),
            case_type=str(current.get("case_type") or ""),
            reason=str(current.get("reason") or ""),
            device=device,
        ),
        "suggestion_query": str(current.get("subject") or ""),
        "selected_device": device,
        **device_options(request.user, query=str(current.get("device_q") or ""), selected=device),
    }
    return render(request, "tickets/partner/case_new.html", context, status=status)


def _render_referral(request, form: IntakeForm, decision):
    return render(
        request,
        "tickets/partner/referral.html",
        {
            "decision": decision,
            "organisation": request.user.organisation,
            "values": form.values_for_referral(),
            "case_type": form.case_type_obj,
            "reason": form.reason_obj,
            "had_files": bool(request.FILES),
        },
    )


def _follow_up_from(request, value) -> Ticket | None:
    pk = as_id(value)
    if pk is None:
        return None
    return selectors.tickets_visible_to(request.user).filter(pk=pk).first()


@role_required(Role.PARTNER)
def case_new(request):
    policy = _policy_or_none(request.user)
    if policy is None:
        return render(request, "tickets/partner/no_policy.html", status=503)
    devices = _devices(request.user)

    if request.method == "POST" and REFRESH not in request.POST:
        form = IntakeForm(request.POST, request.FILES, policy=policy, devices=devices)
        return _submit(request, form)

    if request.method == "POST":
        # Without JavaScript: rebuild the dependent lists from what was picked, keep the rest.
        initial = {key: request.POST.get(key, "") for key in request.POST if key != REFRESH}
        initial["submission_key"] = initial.get("submission_key") or uuid.uuid4()
        form = IntakeForm(initial=initial, policy=policy, devices=devices)
        follow_up = _follow_up_from(request, initial.get("follow_up_of"))
        return _render_form(request, form, follow_up=follow_up)

    initial: dict = {"submission_key": uuid.uuid4()}
    follow_up = None
    if "follow_up" in request.GET:
        pk = parse_number(request.GET["follow_up"])
        follow_up = _follow_up_from(request, pk) if pk else None
        if follow_up is None:
            raise Http404("No such case.")
        initial.update(_follow_up_initial(follow_up, policy))
    form = IntakeForm(initial=initial, policy=policy, devices=devices)
    return _render_form(request, form, follow_up=follow_up)


def _submit(request, form: IntakeForm):
    valid = form.is_valid()
    follow_up = _follow_up_checked(request, form)
    if valid and not form.errors:
        # Complete: the service decides eligibility, once, and refuses with NotEligible.
        response = _open(request, form, follow_up=follow_up)
        if response is not None:
            return response
    else:
        # Not complete yet: someone who will be referred elsewhere should not have to
        # complete the form before learning it.
        decision = _eligibility_so_far(request, form)
        if decision is not None and not decision.allowed:
            return _render_referral(request, form, decision)
    if request.FILES:
        form.add_error("attachments", FILES_NOT_KEPT)
    return _render_form(request, form, follow_up=follow_up)


def _follow_up_checked(request, form: IntakeForm) -> Ticket | None:
    """The case this one follows up, or None; a form error when it cannot be found."""
    value = form.cleaned_data.get("follow_up_of")
    if not value:
        return None
    follow_up = _follow_up_from(request, value)
    if follow_up is None:
        form.add_error(None, "The case this one follows up could not be found.")
    return follow_up


def _eligibility_so_far(request, form: IntakeForm):
    """The tier's rule or an entitlement, on what the form names so far (an entitlement may
    depend on the category and the device); None until a case type, and a reason where the
    type has any, are picked."""
    data = form.cleaned_data
    case_type = data.get("case_type")
    reason = data.get("reason") or ""
    picked = case_type and "reason" not in form.errors and (reason or not form.reasons)
    if not picked:
        return None
    return entitlement_selectors.access_for(
        organisation=request.user.organisation,
        case_type=case_type,
        reason=reason or None,
        category=data.get("category") or None,
        device=data.get("device"),
        at=timezone.now(),
    )


def _open(request, form: IntakeForm, *, follow_up: Ticket | None):
    """Open the case and go to it, or show the referral; None when the service found
    errors, which are then on the form."""
    try:
        ticket, created = case_open(_case_request(request, form.cleaned_data, follow_up))
    except NotEligible as refusal:
        return _render_referral(request, form, refusal.decision)
    except ValidationError as error:
        form.add_service_errors(error)
        return None
    if created:
        messages.success(
            request,
            f"Case {ticket.number} is open. We will answer here and by e-mail.",
        )
    else:
        messages.info(
            request,
            f"The form was sent twice; case {ticket.number} was opened only once.",
        )
    return redirect("tickets:case_detail", pk=ticket.pk)


def _case_request(request, data: dict, follow_up: Ticket | None) -> CaseRequest:
    return CaseRequest(
        requester=request.user,
        case_type=data.get("case_type"),
        reason=data.get("reason") or None,
        category=data.get("category") or None,
        subcategory=data.get("subcategory") or None,
        device=data.get("device"),
        subject=data["subject"],
        description=data["description"],
        wms_version=data.get("wms_version", ""),
        firmware_versions=data.get("firmware_versions", ""),
        critical_criterion=data.get("critical_criterion", ""),
        reproduced_with_other_operator=data.get("reproduced_with_other_operator"),
        attachments=data.get("attachments") or [],
        follow_up_of=follow_up,
        submission_key=data.get("submission_key"),
    )


@role_required(Role.PARTNER)
def intake_options(request):
    """The reason, category and sub-category lists for what is picked (htmx fragment)."""
    policy = _policy_or_none(request.user)
    if policy is None:
        raise Http404("No support policy is in force.")
    initial = {
        name: request.GET.get(name, "")
        for name in ("case_type", "reason", "category", "subcategory")
    }
    form = IntakeForm(initial=initial, policy=policy, devices=_devices(request.user))
    return render(request, "tickets/partner/_taxonomy.html", {"form": form})


@role_required(Role.PARTNER)
def intake_response_time(request):
    """The response time to expect for what is picked so far (htmx fragment)."""
    policy = _policy_or_none(request.user)
    if policy is None:
        return render(request, "tickets/partner/_response_time.html", {"response_preview": []})
    initial = {
        name: request.GET.get(name, "")[:60]
        for name in ("case_type", "reason", "critical_criterion")
    }
    form = IntakeForm(initial=initial, policy=policy, devices=_devices(request.user))
    return render(
        request,
        "tickets/partner/_response_time.html",
        {
            "response_preview": response_preview(request.user, form),
            "out_of_hours_line": out_of_hours_line(request.user, form),
        },
    )


@role_required(Role.PARTNER)
def intake_devices(request):
    """The device picker narrowed to serials or names containing ``q`` (htmx fragment)."""
    selected = request.GET.get("device", "")
    query = request.GET.get("q", request.GET.get("device_q", ""))[:100]
    context = device_options(request.user, query=query, selected=selected)
    return render(
        request,
        "tickets/partner/_device_select.html",
        {**context, "selected_device": selected, "device_field_errors": []},
    )


@role_required(Role.PARTNER)
def kb_suggestions(request):
    """Up to five articles for what the partner has typed and picked (htmx fragment)."""
    subject = request.GET.get("subject", "")[:200]
    suggestions = _suggestions_for(
        request,
        text=subject,
        case_type=request.GET.get("case_type", "")[:40],
        reason=request.GET.get("reason", "")[:60],
        device=request.GET.get("device", ""),
    )
    return render(
        request,
        "tickets/partner/_kb_suggestions.html",
        {"suggestions": suggestions, "suggestion_query": subject},
    )
