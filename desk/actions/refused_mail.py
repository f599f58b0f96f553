"""What staff do with an e-mail the mailbox refused: open a case with it on the sender's
behalf, or add it to an existing case as the sender's message. The case or message and
the record of who handled the e-mail are written in one transaction."""

from dataclasses import replace

from django.core.exceptions import ValidationError
from django.db import transaction

from desk.actions.open_case import CaseRequest, case_open
from desk.actions.reply import Reply, message_post
from partners.models import User
from tickets.models import Message, RefusedMail, Ticket
from tickets.services.refused_mail import refused_mail_mark_handled, refused_mail_uploads


def partner_users_for_sender(mail: RefusedMail):
    """Active partner-side users whose address is the sender's."""
    return User.objects.filter(
        email__iexact=mail.sender, is_active=True, organisation__isnull=False
    ).select_related("organisation")


def refused_mail_open_case(
    *, mail: RefusedMail, actor: User, request: CaseRequest
) -> tuple[Ticket, bool]:
    """Open a case from the e-mail, on behalf of ``request.requester``, with the e-mail's
    kept files added to whatever the form brought. The case is recorded as a written
    request (the portal channel), not as a call: the partner did write it, so the rules of
    written cases apply (Customer Care needs no phone override).

    Raises what ``case_open`` raises, and AlreadyHandled, leaving nothing written."""
    request = replace(
        request,
        created_by=actor,
        channel=Ticket.Channel.PORTAL,
        attachments=[*refused_mail_uploads(mail), *request.attachments],
    )
    with transaction.atomic():
        ticket, new = case_open(request)
        refused_mail_mark_handled(
            mail=mail, actor=actor, handling=RefusedMail.Handling.OPENED, ticket=ticket
        )
    return ticket, new


def refused_mail_attach(*, mail: RefusedMail, actor: User, ticket: Ticket) -> Message:
    """Add the e-mail to ``ticket`` as a public message from its sender, with its files.
    The sender must be an active member of the case's organisation: a message always has
    its real author. Raises ValidationError (``case`` field), TicketClosed, AlreadyHandled.
    """
    author = User.objects.filter(
        email__iexact=mail.sender, is_active=True, organisation_id=ticket.organisation_id
    ).first()
    if author is None:
        raise ValidationError(
            {
                "case": f"{mail.sender} is not a member of the organisation of {ticket.number}. "
                "Open a case for a partner user instead, or discard the e-mail."
            }
        )
    uploads = refused_mail_uploads(mail)
    body = mail.text
    if not body and uploads:
        body = "Files sent by e-mail: " + ", ".join(upload.name for upload in uploads)
    with transaction.atomic():
        message = message_post(
            ticket=ticket,
            reply=Reply(
                author=author,
                body=body,
                attachments=uploads,
                channel=Message.Channel.EMAIL,
                email_message_id=mail.message_id,
            ),
        )
        refused_mail_mark_handled(
            mail=mail, actor=actor, handling=RefusedMail.Handling.ATTACHED, ticket=ticket
        )
    return message
