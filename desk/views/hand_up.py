"""The offer on the refusal page to hand the refused case on: the draft is kept with what
was typed and the files that passed the checks (browsers cannot send files again), so the
partner can send it to the organisation it was referred to with one click
(``desk.views.partner_requests``)."""

from django import forms
from django.core.exceptions import ValidationError

from desk.actions.partner_requests import RefusedCase, hand_up_target, partner_request_keep
from tickets import kept_uploads


def referral_context(request, form, decision, *, kept=()) -> dict:
    """What the refusal page needs to offer handing the case on: the draft kept with what
    was typed and the files that passed the checks (``kept``: the files the intake keeps
    with the form, ``tickets.kept_uploads``; else those just sent), and whom it goes to.
    Empty when the refusal names nobody on file, or nothing was typed yet."""
    user = request.user
    target = hand_up_target(user.organisation, decision)
    values = form.values_for_referral()
    if target is None or not (values.get("subject", "").strip() or values.get("description")):
        return {}
    recipient, referral = target
    try:
        key = forms.UUIDField().clean(values.get("submission_key") or None)
    except ValidationError:
        key = None
    uploads = kept_uploads.opened(list(kept)) if kept else request.FILES.getlist("attachments")
    try:
        draft = _keep(request, form, decision, recipient, referral, key, uploads)
    finally:
        if kept:
            kept_uploads.close_all(uploads)
    return {"hand_up": draft, "hand_up_files": list(draft.files.all())}


def _keep(request, form, decision, recipient, referral, key, uploads):
    user, values = request.user, form.values_for_referral()
    case_type, reason = form.case_type_obj, form.reason_obj
    return partner_request_keep(
        RefusedCase(
            author=user,
            recipient=recipient,
            referral=referral,
            subject=values.get("subject", ""),
            description=values.get("description", ""),
            case_type_code=case_type.code if case_type else "",
            case_type_name=case_type.name if case_type else "",
            reason_code=reason.code if reason else "",
            reason_name=reason.name if reason else "",
            wms_version=values.get("wms_version", ""),
            firmware_versions=values.get("firmware_versions", ""),
            policy_version=decision.policy_version,
            files=uploads,
            submission_key=key,
        )
    )
