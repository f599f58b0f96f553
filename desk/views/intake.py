"""Opening a case from the browser: the form, its dependent lists, device search, the
knowledge-base suggestions shown beside it and the response time to expect.

Every list is built from what the partner may see (the policy in force, the organisation's
own devices); the service decides whether the case may be opened. Before that, the place
under the case type shows what the terms give for what is picked so far: the response time
when the organisation may open the case, otherwise whom it goes to (``case_outlook``).

Files picked are kept on the server whenever the form comes back (``tickets.kept_uploads``)
and attached when it is finally sent.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from core.converters import as_id
from desk.actions.open_case import CaseRequest, case_open
from desk.views import hand_up
from entitlements import rules as entitlement_rules
from entitlements import selectors as entitlement_selectors
from partners import selectors as partner_selectors
from partners.access import role_required
from partners.roles import Role
from sla import display as sla_display
from sla import selectors as sla_selectors
from sla.calendars import business_calendar, support_zone
from tickets import kb, kept_uploads, selectors
from tickets.errors import NotEligible
from tickets.forms import IntakeForm
from tickets.models import Ticket, parse_number

DEVICE_OPTIONS_SHOWN = 200
# Which submit button asked only to update the lists (the page without JavaScript).
REFRESH = "_refresh"
# The button that removes one kept file (its value names the file); the form comes back.
FORGET = "_forget"


def _policy_or_none(user):
    """The version in force now for the user's organisation, or None."""
    try:
        return sla_selectors.policy_in_force_for(region=user.organisation.region, at=timezone.now())
    except partner_selectors.NoPolicyInForce:
        return None


def _devices(user):
    return partner_selectors.devices_visible_to(user).order_by("kind", "name", "pk")


def versions_on_record(device) -> tuple[str, str]:
    """The WMS version and the firmware we have on record for ``device``, as the form asks
    for them: a phone registered on a PBX runs its PBX's WMS; the firmware with the model it
    belongs to."""
    wms = device.wms_version or (device.pbx.wms_version if device.pbx_id else "")
    firmware = ""
    if device.firmware_version:
        firmware = f"{device.model} {device.firmware_version}".strip()
    return wms, firmware


def device_options(user, *, query: str = "", selected: str = "", pick_single=False) -> dict:
    """The devices to list in the picker: the organisation's own, narrowed by serial or
    name, always keeping the one already chosen. With ``pick_single`` (the partner searched),
    a search that finds exactly one device chooses it."""
    devices = _devices(user).select_related("pbx")
    query = query.strip()
    if query:
        devices = devices.filter(Q(serial_number__icontains=query) | Q(name__icontains=query))
    shown = list(devices[: DEVICE_OPTIONS_SHOWN + 1])
    more = len(shown) > DEVICE_OPTIONS_SHOWN
    shown = shown[:DEVICE_OPTIONS_SHOWN]
    picked = pick_single and bool(query) and len(shown) == 1
    if picked:
        selected = str(shown[0].pk)
    selected_id = as_id(selected)
    if selected_id and all(d.pk != selected_id for d in shown):
        chosen = _devices(user).select_related("pbx").filter(pk=selected_id).first()
        if chosen is not None:
            shown.insert(0, chosen)
    for device in shown:
        device.wms_on_record, device.firmware_on_record = versions_on_record(device)
    return {
        "device_list": shown,
        "device_more": more,
        "device_query": query,
        "selected_device": str(selected_id) if selected_id else "",
        "device_picked": picked,
    }


def _current_device(user, form: IntakeForm):
    current = form.data if form.is_bound else form.initial
    device_id = as_id(str(current.get("device") or ""))
    if device_id is None:
        return None
    return _devices(user).filter(pk=device_id).first()


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


def case_outlook(user, form: IntakeForm, *, decision=None) -> dict:
    """What the place under the case type shows for what is picked so far, as template
    context: the response time (and the out-of-hours line) only when the organisation may
    open the case; otherwise whom it goes to (``referral``, the decision).

    Before a reason is picked for a type that has reasons, the answer may still depend on
    it. An organisation limited to some reasons (Bronze under 2026-03), or with an
    entitlement that covers some reasons of the type, sees which reasons it may open with us
    (``open_reasons``) and whom the others go to. One whose tier refers the whole type
    elsewhere, with nothing on file that covers any of its reasons, sees the referral at
    once: no reason it could pick would change the answer.

    ``decision``: the access decision the caller already has for exactly what is picked."""
    organisation = user.organisation
    case_type = form.case_type_obj
    if case_type is None or organisation is None:
        return {"response_preview": []}
    reason_pending = bool(form.reasons) and form.reason_obj is None
    if decision is None:
        decision = entitlement_selectors.access_for(
            organisation=organisation,
            case_type=case_type.code,
            reason=None if reason_pending else getattr(form.reason_obj, "code", None),
            category=getattr(form.category_obj, "code", None),
            device=_current_device(user, form),
            at=timezone.now(),
            policy=form.policy,
            case_type_obj=case_type,
            reason_obj=None if reason_pending else form.reason_obj,
        )
    if decision.allowed:
        return {
            "response_preview": response_preview(user, form),
            "out_of_hours_line": out_of_hours_line(user, form),
        }
    if reason_pending:
        prefix = f"{case_type.name}: "
        open_reasons = [n.removeprefix(prefix) for n in decision.limited_to if n.startswith(prefix)]
        if decision.notes:
            open_reasons += _reasons_entitled(user, form, tier=decision.tier)
        if open_reasons:
            names = {r.name for r in form.reasons}
            return {
                "response_preview": [],
                "open_reasons": [n for n in dict.fromkeys(open_reasons) if n in names],
                "referral": decision,
                "case_type": case_type,
            }
    return {
        "response_preview": [],
        "referral": decision,
        "case_type": case_type,
        "reason": form.reason_obj,
    }


def _reasons_entitled(user, form: IntakeForm, *, tier) -> list[str]:
    """The names of the reasons of the picked type that an entitlement on file covers, for
    what else is picked (category, device), where the tier refers the case elsewhere."""
    organisation = user.organisation
    grants = [
        entitlement_selectors.as_grant(e)
        for e in entitlement_selectors.entitlements_of(organisation)
    ]
    device = _current_device(user, form)
    now = timezone.now()
    return [
        reason.name
        for reason in form.reasons
        if entitlement_rules.decide(
            tier=tier,
            channel=entitlement_rules.Channel.PORTAL,
            topic=entitlement_rules.Topic(
                case_type=form.case_type_obj.code,
                reason=reason.code,
                category=getattr(form.category_obj, "code", None),
            ),
            serial=device.serial_number if device is not None else None,
            grants=grants,
            at=now,
            tz=organisation.time_zone,
        ).allowed
    ]


def _render_form(
    request,
    form: IntakeForm,
    *,
    follow_up=None,
    decision=None,
    kept=(),
    kept_notes=(),
    status: int = 200,
):
    current = form.data if form.is_bound else form.initial
    device = str(current.get("device") or "")
    organisation = request.user.organisation
    context = {
        "form": form,
        "follow_up": follow_up,
        "organisation": organisation,
        # What the organisation may open, shown until a case type is picked.
        "overview": (
            None
            if form.case_type_obj
            else partner_selectors.support_overview(organisation=organisation, policy=form.policy)
        ),
        **case_outlook(request.user, form, decision=decision),
        "kept_files": kept,
        "kept_notes": kept_notes,
        "suggestions": _suggestions_for(
            request,
            text=str(current.get("subject") or ""),
            case_type=str(current.get("case_type") or ""),
            reason=str(current.get("reason") or ""),
            device=device,
        ),
        "suggestion_query": str(current.get("subject") or ""),
        **device_options(request.user, query=str(current.get("device_q") or ""), selected=device),
    }
    return render(request, "tickets/partner/case_new.html", context, status=status)


def _render_referral(request, form: IntakeForm, decision, *, kept=()):
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
            "kept_files": kept,
            **hand_up.referral_context(request, form, decision, kept=kept),
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

    if request.method == "POST":
        data = request.POST.copy()
        if not _is_key(data.get("submission_key")):
            # Files are kept under the key: a form without one gets one.
            data["submission_key"] = str(uuid.uuid4())
        if REFRESH in data or FORGET in data:
            return _refresh(request, data, policy=policy, devices=devices)
        form = IntakeForm(data, request.FILES, policy=policy, devices=devices)
        return _submit(request, form)

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


def _is_key(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _keep_picked(request, submission: str) -> tuple[list, list[str]]:
    """Keep the files just picked (those the attachment rules accept) with the ones kept
    before; what is kept now, and why any file was not."""
    return kept_uploads.keep(
        request.session,
        submission,
        request.FILES.getlist("attachments"),
        now=timezone.now(),
    )


def _refresh(request, data, *, policy, devices):
    """The form back as it was, with its lists rebuilt from what is picked: "Update the
    lists" and "Search devices" without JavaScript, "Change the case type" on the referral
    page, and removing a kept file. Nothing typed or picked is lost."""
    submission = data["submission_key"]
    if FORGET in data:
        kept_uploads.forget(request.session, submission, data[FORGET])
    kept, refused = _keep_picked(request, submission)
    initial = {key: data.get(key, "") for key in data if key not in (REFRESH, FORGET)}
    device_query = str(initial.get("device_q") or "")
    if REFRESH in data and device_query:
        # A search that finds one device chooses it, as it does with JavaScript.
        found = device_options(request.user, query=device_query, pick_single=True)
        if found["device_picked"]:
            initial["device"] = found["selected_device"]
    device_id = as_id(str(initial.get("device") or ""))
    device = _devices(request.user).select_related("pbx").filter(pk=device_id).first()
    if device_id and device is not None:
        wms, firmware = versions_on_record(device)
        initial["wms_version"] = initial.get("wms_version") or wms
        initial["firmware_versions"] = initial.get("firmware_versions") or firmware
    form = IntakeForm(initial=initial, policy=policy, devices=devices)
    follow_up = _follow_up_from(request, initial.get("follow_up_of"))
    return _render_form(request, form, follow_up=follow_up, kept=kept, kept_notes=refused)


def _submit(request, form: IntakeForm):
    submission = form.data["submission_key"]
    kept = kept_uploads.kept_files(request.session, submission, now=timezone.now())
    valid = form.is_valid()
    follow_up = _follow_up_checked(request, form)
    decision = None
    if valid and not form.errors:
        picked = form.cleaned_data.get("attachments") or []
        if len(kept) + len(picked) > settings.TICKET_ATTACHMENT_MAX_COUNT:
            form.add_error(
                "attachments",
                f"A case takes at most {settings.TICKET_ATTACHMENT_MAX_COUNT} files: "
                "remove some of the files kept.",
            )
        else:
            # Complete: the service decides eligibility, once, and refuses with NotEligible.
            response = _open(request, form, follow_up=follow_up, kept=kept)
            if response is not None:
                return response
    else:
        # Not complete yet: someone who will be referred elsewhere should not have to
        # complete the form before learning it.
        decision = _eligibility_so_far(request, form)
        if decision is not None and not decision.allowed:
            kept, _ = _keep_picked(request, submission)
            return _render_referral(request, form, decision, kept=kept)
    kept, refused = _keep_picked(request, submission)
    already = set(form.errors.get("attachments", []))
    for message in refused:
        if message not in already:
            form.add_error("attachments", message)
    return _render_form(request, form, follow_up=follow_up, decision=decision, kept=kept)


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


def _open(request, form: IntakeForm, *, follow_up: Ticket | None, kept):
    """Open the case with the files picked and those kept, and go to it, or show the
    referral; None when the service found errors, which are then on the form."""
    submission = form.data["submission_key"]
    kept_files = kept_uploads.opened(kept)
    files = [*kept_files, *(form.cleaned_data.get("attachments") or [])]
    try:
        ticket, created = case_open(_case_request(request, form.cleaned_data, follow_up, files))
    except NotEligible as refusal:
        kept, _ = _keep_picked(request, submission)
        return _render_referral(request, form, refusal.decision, kept=kept)
    except ValidationError as error:
        form.add_service_errors(error)
        return None
    finally:
        kept_uploads.close_all(kept_files)
    kept_uploads.discard(request.session, submission)
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


def _case_request(request, data: dict, follow_up: Ticket | None, files: list) -> CaseRequest:
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
        attachments=files,
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
    organisation = request.user.organisation
    overview = None
    if not form.case_type_obj:
        overview = partner_selectors.support_overview(organisation=organisation, policy=policy)
    return render(
        request,
        "tickets/partner/_taxonomy.html",
        {"form": form, "organisation": organisation, "overview": overview},
    )


@role_required(Role.PARTNER)
def intake_response_time(request):
    """The response time to expect for what is picked so far (htmx fragment)."""
    policy = _policy_or_none(request.user)
    if policy is None:
        return render(request, "tickets/partner/_response_time.html", {"response_preview": []})
    initial = {
        name: request.GET.get(name, "")[:60]
        for name in ("case_type", "reason", "category", "critical_criterion", "device")
    }
    form = IntakeForm(initial=initial, policy=policy, devices=_devices(request.user))
    return render(
        request,
        "tickets/partner/_response_time.html",
        {"organisation": request.user.organisation, **case_outlook(request.user, form)},
    )


@role_required(Role.PARTNER)
def intake_devices(request):
    """The device picker narrowed to serials or names containing ``q`` (htmx fragment); a
    search with exactly one match chooses it."""
    selected = request.GET.get("device", "")
    query = request.GET.get("q", request.GET.get("device_q", ""))[:100]
    context = device_options(request.user, query=query, selected=selected, pick_single=True)
    return render(
        request, "tickets/partner/_device_select.html", {**context, "device_field_errors": []}
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
    # The list beside the form, and (out of band) the one under the subject on a phone.
    return render(
        request,
        "tickets/partner/_kb_suggestions_live.html",
        {"suggestions": suggestions, "suggestion_query": subject},
    )
