"""The conversation on a case: replies and internal notes. A write returns what it changed,
so that ``desk.actions`` can move the SLA clocks in the same transaction."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from partners.models import Organisation, User
from partners.roles import Role, has_role, works_cases
from tickets import attachments as attachment_rules
from tickets import events, notifications, workflow
from tickets.errors import TicketClosed
from tickets.models import Message, Ticket
from tickets.services.attachments import attachments_save
from tickets.services.common import MAX_BODY, ticket_lock


@dataclass(frozen=True, kw_only=True)
class Reply:
    """A reply (or, from staff, an internal note) as its author gives it, before any check.
    ``email_message_id`` is the e-mail it came in, which is never added twice."""

    author: User
    body: str
    internal: bool = False
    attachments: Sequence[UploadedFile] = ()
    channel: str = Message.Channel.WEB
    email_message_id: str | None = None

    @property
    def partner_side(self) -> bool:
        return self.author.is_partner


@dataclass(frozen=True)
class Posted:
    """A message as written, and what it did to its case (``ticket`` is the locked row)."""

    message: Message
    ticket: Ticket
    old_status: str
    new_status: str
    # A public answer from staff: the answer the first-response clock waits for.
    staff_answer: bool = False
    # False when the same e-mail had been added before: nothing was written this time.
    written: bool = True


def message_write(*, ticket: Ticket, reply: Reply) -> Posted:
    """Add a reply (or, for staff, an internal note). Partner replies reopen a resolved or
    waiting case; the first public staff reply takes a new case into work.

    Raises TicketClosed for a closed case, ValidationError for empty or oversized text or
    unacceptable files, PermissionDenied for someone outside the case's organisation.
    """
    existing = _already_added(ticket=ticket, reply=reply)
    if existing is not None:
        return existing
    body = _reply_checked(ticket=ticket, reply=reply)
    with transaction.atomic():
        locked = ticket_lock(ticket)
        if locked.is_closed:
            raise TicketClosed(locked.number)
        message = _message_create(ticket=locked, reply=reply, body=body)
        old_status = locked.status
        new_status = _status_after_reply(ticket=locked, reply=reply, message=message)
        if not reply.internal:
            if reply.partner_side:
                notifications.partner_replied(locked, message)
            else:
                notifications.staff_replied(locked, message)
    staff_answer = not reply.partner_side and not reply.internal
    return Posted(message, locked, old_status, new_status, staff_answer=staff_answer)


def _already_added(*, ticket: Ticket, reply: Reply) -> Posted | None:
    """The message this very e-mail became before, as a write that wrote nothing."""
    if not reply.email_message_id:
        return None
    existing = Message.objects.filter(email_message_id=reply.email_message_id).first()
    if existing is None:
        return None
    return Posted(existing, ticket, ticket.status, ticket.status, written=False)


def _reply_checked(*, ticket: Ticket, reply: Reply) -> str:
    """The body to write, stripped; PermissionDenied or ValidationError for a reply that
    this author may not add or that the case may not hold."""
    author, internal = reply.author, reply.internal
    if reply.partner_side and not _partner_may_answer(author, ticket):
        raise PermissionDenied("Only members of the case's organisation can reply.")
    # Monitoring integrations add their alerts to a case, as internal notes only.
    integration_note = internal and has_role(author, Role.INTEGRATION)
    if not reply.partner_side and not works_cases(author) and not integration_note:
        raise PermissionDenied("Only support staff can answer cases.")
    if reply.partner_side and internal:
        raise ValidationError({"internal": "Internal notes are for support staff."})
    body = reply.body.strip()
    if not body:
        raise ValidationError({"body": "Write a message."})
    if len(body) > MAX_BODY:
        raise ValidationError({"body": f"Keep messages under {MAX_BODY:,} characters."})
    attachment_rules.validate_uploads(list(reply.attachments))
    return body


def _partner_may_answer(author: User, ticket: Ticket) -> bool:
    """A member of the case's organisation, or of the partner that installed that end
    customer's system (it answers its customers' cases on their behalf)."""
    if author.organisation_id == ticket.organisation_id:
        return True
    return Organisation.objects.filter(
        pk=ticket.organisation_id, installer_id=author.organisation_id
    ).exists()


def _message_create(*, ticket: Ticket, reply: Reply, body: str) -> Message:
    """Write the message, its files and its timeline line on the locked case."""
    message = Message.objects.create(
        ticket=ticket,
        author=reply.author,
        visibility=Message.Visibility.INTERNAL if reply.internal else Message.Visibility.PUBLIC,
        body=body,
        channel=reply.channel,
        email_message_id=reply.email_message_id,
    )
    attachments_save(
        ticket=ticket, message=message, files=reply.attachments, uploaded_by=reply.author
    )
    events.message_added(
        ticket,
        actor=reply.author,
        message_id=message.pk,
        internal=reply.internal,
        channel=reply.channel,
        at=message.created_at,
    )
    return message


def _status_after_reply(*, ticket: Ticket, reply: Reply, message: Message) -> str:
    """Move the locked case to the status this message leads to, note its first answer, and
    save it; returns the new status."""
    old_status = ticket.status
    fields = []
    if reply.partner_side:
        new_status = workflow.status_after_partner_reply(old_status)
        if new_status == workflow.Status.OPEN and old_status == workflow.Status.RESOLVED:
            ticket.resolved_at = None
            fields.append("resolved_at")
    elif reply.internal:
        new_status = workflow.Status(old_status)
    else:
        new_status = workflow.status_after_staff_public_reply(old_status)
        if ticket.first_response_at is None:
            ticket.first_response_at = message.created_at
            fields.append("first_response_at")
    if new_status != old_status:
        ticket.status = new_status
        fields.append("status")
        events.status_changed(ticket, actor=reply.author, old=old_status, new=new_status)
    ticket.save(update_fields=[*fields, "updated_at"])
    return new_status
