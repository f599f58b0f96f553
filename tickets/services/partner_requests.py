"""Requests handed on from a refused case to the organisation it was referred to: keeping
the refused text and files as a draft, sending it, and recording what the receiving
organisation did with it. Each step tells the other side by e-mail, through the outbox,
in the same transaction."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from partners.models import Organisation, User
from tickets import attachments as attachment_rules
from tickets import request_workflow
from tickets.models import PartnerRequest, PartnerRequestFile, Ticket
from tickets.services.common import MAX_BODY
from tickets.services.outbox import email_queue

MAX_SUBJECT = PartnerRequest._meta.get_field("subject").max_length
Status = request_workflow.RequestStatus


@dataclass(frozen=True, kw_only=True)
class RefusedCase:
    """What the partner typed when the vendor referred it elsewhere, and to whom."""

    author: User
    recipient: Organisation
    referral: str
    subject: str
    description: str
    case_type_code: str = ""
    case_type_name: str = ""
    reason_code: str = ""
    reason_name: str = ""
    wms_version: str = ""
    firmware_versions: str = ""
    policy_version: str = ""
    files: Iterable[UploadedFile] = ()
    submission_key: uuid.UUID | None = None


def acceptable_files(files: Iterable[UploadedFile]) -> tuple[list[UploadedFile], list[str]]:
    """The files that pass the attachment rules on their own (up to the count allowed), and
    the names of those that do not."""
    kept, dropped = [], []
    for upload in files:
        name = attachment_rules.clean_name(upload.name or "")
        if len(kept) >= settings.TICKET_ATTACHMENT_MAX_COUNT:
            dropped.append(name)
            continue
        try:
            attachment_rules.validate_uploads([upload])
        except ValidationError:
            dropped.append(name)
        else:
            kept.append(upload)
    return kept, dropped


def partner_request_keep(refused: RefusedCase, *, now: datetime | None = None) -> PartnerRequest:
    """Keep a refused case as a draft its author may send on. The same submission refused
    twice (the form sent again) is kept once: the draft already kept is returned. Files that
    do not pass the attachment rules are left out (``acceptable_files``)."""
    key = refused.submission_key
    files, _ = acceptable_files(refused.files)
    if key is not None:
        existing = PartnerRequest.objects.filter(sent_by=refused.author, submission_key=key).first()
        if existing is not None:
            if existing.status == Status.DRAFT:
                _draft_update(existing, refused, files)
            return existing
    try:
        with transaction.atomic():
            draft = PartnerRequest.objects.create(
                sender=refused.author.organisation,
                sent_by=refused.author,
                status=Status.DRAFT,
                submission_key=key,
                **_text_fields(refused),
                created_at=now or timezone.now(),
            )
            for upload in files:
                _keep_file(draft, upload)
    except IntegrityError:
        # The same submission raced in twice: the first one won.
        return PartnerRequest.objects.get(sent_by=refused.author, submission_key=key)
    return draft


def _draft_update(draft: PartnerRequest, refused: RefusedCase, files: list[UploadedFile]) -> None:
    """The form was changed and refused again before the draft was sent: keep what it says
    now, and the files sent this time if any (the earlier ones otherwise)."""
    fields = _text_fields(refused)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(draft, name, value)
        draft.save(update_fields=list(fields))
        if files:
            draft.files.all().delete()
            for upload in files:
                _keep_file(draft, upload)


def _text_fields(refused: RefusedCase) -> dict:
    return {
        "recipient": refused.recipient,
        "referral": refused.referral,
        "subject": refused.subject.strip()[:MAX_SUBJECT] or "(no subject)",
        "description": refused.description.strip()[:MAX_BODY],
        "case_type_code": refused.case_type_code,
        "case_type_name": refused.case_type_name,
        "reason_code": refused.reason_code,
        "reason_name": refused.reason_name,
        "wms_version": refused.wms_version[:40],
        "firmware_versions": refused.firmware_versions[:200],
        "policy_version": refused.policy_version,
    }


def _keep_file(request: PartnerRequest, upload: UploadedFile) -> PartnerRequestFile:
    name = attachment_rules.clean_name(upload.name or "")
    kept = PartnerRequestFile(
        request=request,
        original_name=name,
        content_type=attachment_rules.content_type_for(name),
        size=upload.size,
    )
    upload.seek(0)
    kept.file.save(name, ContentFile(upload.read()), save=False)
    kept.save()
    return kept


def partner_request_uploads(request: PartnerRequest) -> list[UploadedFile]:
    """The kept files, as uploads a case can take."""
    uploads = []
    for kept in request.files.all():
        with kept.file.open("rb") as stream:
            content = stream.read()
        uploads.append(
            SimpleUploadedFile(kept.original_name, content, content_type=kept.content_type)
        )
    return uploads


def _locked(request: PartnerRequest) -> PartnerRequest:
    return PartnerRequest.objects.select_for_update().get(pk=request.pk)


def partner_request_send(
    *, request: PartnerRequest, actor: User, now: datetime | None = None
) -> PartnerRequest:
    """Hand the draft to the organisation it was referred to, and tell its contact address.
    Any member of the sending organisation may send it. Raises PermissionDenied for anyone
    else, IllegalTransition when it was sent already."""
    if actor.organisation_id != request.sender_id:
        raise PermissionDenied("Only the organisation that wrote the request can send it.")
    with transaction.atomic():
        locked = _locked(request)
        request_workflow.check_move(locked.status, Status.OPEN)
        locked.status = Status.OPEN
        locked.sent_at = now or timezone.now()
        locked.save(update_fields=["status", "sent_at"])
        _tell(
            locked,
            kind="partner_request_received",
            to=[locked.recipient.contact_email],
            subject=f"{locked.number} Request from {locked.sender.name}: {locked.subject}",
            body=(
                f"{locked.sender.name} ({locked.sent_by.get_full_name()}) has sent you a "
                f"request that we could not take from them directly.\n\n"
                f"Subject: {locked.subject}\n\n{locked.description}\n\n"
                f"Open it in the support portal: {_url(locked)}\n"
            ),
        )
    return locked


def partner_request_close(
    *,
    request: PartnerRequest,
    actor: User,
    status: str,
    reply: str = "",
    ticket: Ticket | None = None,
    now: datetime | None = None,
) -> PartnerRequest:
    """Record how the receiving organisation dealt with an open request (taken up as
    ``ticket``, answered with ``reply``, declined with ``reply`` as the reason) and tell
    whoever sent it. Joins the caller's transaction, so a case opened from the request and
    this record stand or fall together.

    Raises PermissionDenied for anyone outside the receiving organisation, ValidationError
    for an answer or a decline without text, IllegalTransition when it was dealt with
    meanwhile."""
    if actor.organisation_id != request.recipient_id:
        raise PermissionDenied("Only the organisation the request was sent to can deal with it.")
    reply = reply.strip()
    if status in (Status.ANSWERED, Status.DECLINED) and not reply:
        field = "answer" if status == Status.ANSWERED else "note"
        words = "Write your answer." if status == Status.ANSWERED else "Say why you decline it."
        raise ValidationError({field: words})
    if len(reply) > MAX_BODY:
        raise ValidationError({"answer": f"Keep it under {MAX_BODY:,} characters."})
    with transaction.atomic():
        locked = _locked(request)
        request_workflow.check_move(locked.status, status)
        locked.status = status
        locked.handled_at = now or timezone.now()
        locked.handled_by = actor
        locked.reply = reply
        locked.ticket = ticket
        locked.save(update_fields=["status", "handled_at", "handled_by", "reply", "ticket"])
        _tell_sender(locked)
    return locked


def _tell_sender(request: PartnerRequest) -> None:
    who = request.recipient.name
    if request.status == Status.CONVERTED:
        what = (
            f"{who} has taken up your request and opened a case of its own with the vendor "
            f"about it. They will come back to you."
        )
    elif request.status == Status.ANSWERED:
        what = f"{who} has answered your request:\n\n{request.reply}"
    else:
        what = f"{who} has declined your request:\n\n{request.reply}"
    label = request.get_status_display().lower()
    _tell(
        request,
        kind=f"partner_request_{request.status}",
        to=[request.sent_by.email],
        subject=f"{request.number} Your request was {label}: {request.subject}",
        body=f"{what}\n\nSee the request in the support portal: {_url(request)}\n",
    )


def _url(request: PartnerRequest) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("tickets:partner_request", args=[request.pk])


def _tell(request: PartnerRequest, *, kind: str, to: list[str], subject: str, body: str) -> None:
    recipients = [address for address in to if address]
    if not recipients:
        return
    email = EmailMessage(
        subject=subject.replace("\n", " ")[:250],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"Auto-Submitted": "auto-generated", "X-Support-Request": request.number},
    )
    email_queue(email, kind=kind)
