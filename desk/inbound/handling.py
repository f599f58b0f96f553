"""Deciding what one e-mail becomes, and the one write: a public message on its case,
through ``desk.actions.reply.message_post``."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from desk.actions.reply import Reply, message_post
from desk.inbound.answers import queue_answer
from desk.inbound.matching import find_ticket, member_of
from desk.inbound.parsing import parse_mail
from desk.inbound.values import InboundFile, InboundResult, MalformedMail, Outcome, ParsedMail
from partners.models import User
from tickets import attachments as attachment_rules
from tickets import services
from tickets.errors import TicketClosed
from tickets.models import Message, RefusedMail, Ticket
from tickets.services.refused_mail import refused_mail_keep

logger = logging.getLogger("desk.inbound")

MAX_BYTES = 50 * 1024 * 1024


def handle_inbound(raw: bytes) -> InboundResult:
    """Decide what one incoming e-mail becomes (see ``desk.inbound``). Never raises for
    anything in the mail itself; database and broker failures do propagate."""
    if len(raw) > MAX_BYTES:
        logger.warning("Refused an e-mail of %s bytes (the limit is %s)", len(raw), MAX_BYTES)
        return InboundResult(Outcome.TOO_LARGE, detail=f"{len(raw)} bytes")
    try:
        parsed = parse_mail(raw)
    except MalformedMail as error:
        logger.warning("Refused a malformed e-mail: %s", error)
        return InboundResult(Outcome.MALFORMED, detail=str(error))
    return _route(parsed)


def _route(parsed: ParsedMail) -> InboundResult:
    """Ignore robots and copies, find the case, check the sender, then add the mail."""
    log_id = f"{parsed.message_id} from {parsed.sender}"
    if parsed.automatic:
        logger.info("Ignored automatic e-mail %s (%s)", log_id, parsed.automatic)
        return InboundResult(Outcome.AUTOMATIC, detail=parsed.automatic)
    existing = _stored_as(parsed.message_id)
    if existing is not None:
        logger.info("E-mail %s is already stored as message %s", log_id, existing.pk)
        return _duplicate(existing)
    ticket = find_ticket(parsed.case_pks)
    if ticket is None:
        return _no_reference(parsed, log_id)
    author = member_of(ticket, parsed.sender)
    if author is None:
        return _refused_sender(parsed, ticket, log_id)
    if ticket.is_closed:
        return _closed(parsed, ticket, log_id)
    return _add(parsed, ticket, author, log_id)


def _add(parsed: ParsedMail, ticket: Ticket, author: User, log_id: str) -> InboundResult:
    """Post the new text as a public message with the files the attachment rules accept."""
    kept, dropped = _acceptable(parsed.files)
    body = _body(parsed.text, kept, dropped)
    if not body:
        return _nothing_to_add(parsed, ticket, dropped, log_id)
    try:
        message = message_post(
            ticket=ticket,
            reply=Reply(
                author=author,
                body=body,
                attachments=kept,
                channel=Message.Channel.EMAIL,
                email_message_id=parsed.message_id,
            ),
        )
    except TicketClosed:
        return _closed(parsed, ticket, log_id)  # closed while we were reading
    except IntegrityError:
        existing = _stored_as(parsed.message_id)
        if existing is None:
            raise
        return _duplicate(existing)  # the same mail delivered twice at once
    except ValidationError as error:
        return _not_accepted(parsed, ticket, error, log_id)
    return _posted(parsed, ticket, message, kept=kept, dropped=dropped, log_id=log_id)


# --- What goes into the message ----------------------------------------------------------


def _acceptable(files: tuple[InboundFile, ...]) -> tuple[list[SimpleUploadedFile], list[str]]:
    """The files the attachment rules accept, and a line for each one dropped."""
    kept: list[SimpleUploadedFile] = []
    dropped: list[str] = []
    limit = settings.TICKET_ATTACHMENT_MAX_COUNT
    for file in files:
        upload = SimpleUploadedFile(
            file.name, file.content, content_type=attachment_rules.content_type_for(file.name)
        )
        try:
            attachment_rules.validate_uploads([upload])
        except ValidationError as error:
            dropped.extend(error.message_dict.get("attachments", [f"{file.name}: not accepted"]))
            continue
        if len(kept) >= limit:
            dropped.append(f"{file.name}: only {limit} files are kept from one e-mail.")
            continue
        kept.append(upload)
    return kept, dropped


def _body(text: str, kept: list[SimpleUploadedFile], dropped: list[str]) -> str:
    body = text
    if not body and kept:
        body = "Files sent by e-mail: " + ", ".join(upload.name for upload in kept)
    if body and dropped:
        names = ", ".join(line.split(":", 1)[0] for line in dropped)
        body += f"\n\n[Files in this e-mail that were not kept: {names}]"
    if len(body) > services.MAX_BODY:
        note = "\n\n[The rest of this e-mail was cut: it was too long.]"
        body = body[: services.MAX_BODY - len(note)].rstrip() + note
    return body


# --- Outcomes ----------------------------------------------------------------------------


def _stored_as(message_id: str) -> Message | None:
    return Message.objects.filter(email_message_id=message_id).first()


def _duplicate(existing: Message) -> InboundResult:
    return InboundResult(
        Outcome.DUPLICATE,
        case_number=Ticket(pk=existing.ticket_id).number,
        message_pk=existing.pk,
    )


def _keep_and_answer(
    parsed: ParsedMail,
    reason: str,
    kind: str,
    *,
    case_number: str = "",
    reasons: list[str] | tuple[str, ...] = (),
    **context,
) -> bool:
    """Keep the refused e-mail for the support team (its text and the files the attachment
    rules accept) and queue its automatic answer, in one transaction: either both are
    written or neither. Returns whether an answer was queued."""
    kept, dropped = _acceptable(parsed.files)
    with transaction.atomic():
        refused_mail_keep(
            sender=parsed.sender,
            subject=parsed.subject,
            message_id=parsed.message_id,
            text=parsed.text,
            reason=reason,
            files=kept,
            case_number=case_number,
            detail="\n".join(dict.fromkeys([*reasons, *dropped])),
        )
        return queue_answer(parsed, kind, **context)


def _no_reference(parsed: ParsedMail, log_id: str) -> InboundResult:
    answered = _keep_and_answer(parsed, RefusedMail.Reason.NO_REFERENCE, "no_reference")
    logger.info("E-mail %s names no case; answered: %s", log_id, answered)
    return InboundResult(Outcome.NO_REFERENCE, answered=answered)


def _refused_sender(parsed: ParsedMail, ticket: Ticket, log_id: str) -> InboundResult:
    answered = _keep_and_answer(
        parsed,
        RefusedMail.Reason.REFUSED_SENDER,
        "refused_sender",
        case_number=ticket.number,
    )
    logger.warning(
        "Refused e-mail %s for %s: not a member of its organisation", log_id, ticket.number
    )
    return InboundResult(Outcome.REFUSED_SENDER, case_number=ticket.number, answered=answered)


def _closed(parsed: ParsedMail, ticket: Ticket, log_id: str) -> InboundResult:
    answered = _keep_and_answer(
        parsed,
        RefusedMail.Reason.CLOSED,
        "case_closed",
        case_number=ticket.number,
        ticket_id=ticket.pk,
    )
    logger.info("E-mail %s for closed %s not added; answered: %s", log_id, ticket.number, answered)
    return InboundResult(Outcome.CLOSED, case_number=ticket.number, answered=answered)


def _nothing_to_add(
    parsed: ParsedMail, ticket: Ticket, dropped: list[str], log_id: str
) -> InboundResult:
    answered = _keep_and_answer(
        parsed,
        RefusedMail.Reason.NOT_ADDED,
        "not_added",
        case_number=ticket.number,
        reasons=dropped,
        ticket_id=ticket.pk,
        dropped=dropped,
    )
    logger.info("E-mail %s for %s had nothing to add", log_id, ticket.number)
    return InboundResult(
        Outcome.NOT_ADDED,
        case_number=ticket.number,
        answered=answered,
        dropped=tuple(dropped),
    )


def _not_accepted(
    parsed: ParsedMail, ticket: Ticket, error: ValidationError, log_id: str
) -> InboundResult:
    """The case refused the message (its own rules on bodies and files)."""
    reasons = [str(reason) for reason in error.messages]
    logger.warning("E-mail %s for %s was not accepted: %s", log_id, ticket.number, reasons)
    _keep_and_answer(
        parsed,
        RefusedMail.Reason.NOT_ADDED,
        "not_added",
        case_number=ticket.number,
        reasons=reasons,
        ticket_id=ticket.pk,
        dropped=reasons,
    )
    return InboundResult(Outcome.NOT_ADDED, detail="; ".join(reasons), case_number=ticket.number)


def _posted(
    parsed: ParsedMail,
    ticket: Ticket,
    message: Message,
    *,
    kept: list[SimpleUploadedFile],
    dropped: list[str],
    log_id: str,
) -> InboundResult:
    answered = False
    if dropped:
        answered = queue_answer(parsed, "files_dropped", ticket_id=ticket.pk, dropped=dropped)
    logger.info(
        "E-mail %s added to %s as message %s (%s files kept, %s dropped)",
        log_id,
        ticket.number,
        message.pk,
        len(kept),
        len(dropped),
    )
    return InboundResult(
        Outcome.POSTED,
        case_number=ticket.number,
        message_pk=message.pk,
        answered=answered,
        dropped=tuple(dropped),
    )
