"""Keeping the e-mails the support mailbox refused, and recording what staff did with each."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.utils import timezone

from partners.models import User
from tickets import attachments as attachment_rules
from tickets.models import RefusedMail, RefusedMailFile, Ticket

MAX_SUBJECT = RefusedMail._meta.get_field("subject").max_length


class AlreadyHandled(Exception):
    """Someone else dealt with this e-mail first."""

    def __init__(self, mail: RefusedMail) -> None:
        super().__init__(f"already handled ({mail.handling})")
        self.mail = mail


def refused_mail_keep(
    *,
    sender: str,
    subject: str,
    message_id: str,
    text: str,
    reason: str,
    files: Iterable[UploadedFile] = (),
    case_number: str = "",
    detail: str = "",
    received_at: datetime | None = None,
) -> RefusedMail:
    """Keep a refused e-mail with its files, which must have passed the attachment rules
    (``tickets.attachments``). Runs inside the caller's transaction. The same Message-ID
    delivered again is kept once: the row already kept is returned."""
    existing = RefusedMail.objects.filter(message_id=message_id).first()
    if existing is not None:
        return existing
    mail = RefusedMail.objects.create(
        sender=sender,
        subject=subject[:MAX_SUBJECT],
        message_id=message_id,
        text=text,
        reason=reason,
        case_number=case_number,
        detail=detail,
        received_at=received_at or timezone.now(),
    )
    for upload in files:
        name = attachment_rules.clean_name(upload.name or "")
        kept = RefusedMailFile(
            mail=mail,
            original_name=name,
            content_type=attachment_rules.content_type_for(name),
            size=upload.size,
        )
        upload.seek(0)
        kept.file.save(name, ContentFile(upload.read()), save=False)
        kept.save()
    return mail


def refused_mail_uploads(mail: RefusedMail) -> list[UploadedFile]:
    """The kept files, as uploads a case or a message can take."""
    uploads = []
    for kept in mail.files.all():
        with kept.file.open("rb") as stream:
            content = stream.read()
        uploads.append(
            SimpleUploadedFile(kept.original_name, content, content_type=kept.content_type)
        )
    return uploads


def refused_mail_mark_handled(
    *,
    mail: RefusedMail,
    actor: User,
    handling: str,
    ticket: Ticket | None = None,
    note: str = "",
    now: datetime | None = None,
) -> RefusedMail:
    """Record who dealt with the e-mail, when and how. Joins the caller's transaction, so a
    case opened or a message added with it and this record stand or fall together. Raises
    AlreadyHandled when it was dealt with meanwhile, ValidationError for a discard without
    a reason."""
    note = note.strip()
    if handling == RefusedMail.Handling.DISCARDED and not note:
        raise ValidationError({"note": "Say why the e-mail is discarded."})
    with transaction.atomic():
        locked = RefusedMail.objects.select_for_update().get(pk=mail.pk)
        if locked.handled_at is not None:
            raise AlreadyHandled(locked)
        locked.handling = handling
        locked.handled_at = now or timezone.now()
        locked.handled_by = actor
        locked.handled_note = note
        locked.ticket = ticket
        locked.save(
            update_fields=["handling", "handled_at", "handled_by", "handled_note", "ticket"]
        )
    return locked
