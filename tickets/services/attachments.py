"""Files on a case: checked against the attachment rules, then saved on the case itself or
on one of its messages."""

from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile

from partners.models import User
from tickets import attachments as attachment_rules
from tickets.models import Attachment, Message, Ticket


def attachments_save(
    *,
    ticket: Ticket,
    message: Message | None,
    files: Iterable[UploadedFile],
    uploaded_by: User,
) -> list[Attachment]:
    """Save files already checked, on ``message`` or, without one, on the case. Runs inside
    the caller's transaction."""
    saved = []
    for upload in files:
        name = attachment_rules.clean_name(upload.name or "")
        attachment = Attachment(
            ticket=ticket,
            message=message,
            original_name=name,
            content_type=attachment_rules.content_type_for(name),
            size=upload.size,
            uploaded_by=uploaded_by,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def attachments_validate(files: list[UploadedFile]) -> None:
    """Raise ValidationError (field ``attachments``) for files a case may not hold."""
    attachment_rules.validate_uploads(list(files))


def attachments_add(*, ticket: Ticket, files: list[UploadedFile], uploaded_by: User):
    """Attach ``files`` to the case itself (not to a message), checked first."""
    attachments_validate(files)
    return attachments_save(ticket=ticket, message=None, files=files, uploaded_by=uploaded_by)
