"""One e-mail arriving at the support mailbox (``manage.py ingest_email``): read it, find its
case, check who sent it, and add it to the case as a public message, or answer why not.

The functions down to ``parse_mail`` only read: bytes and strings in, values out (and
settings for our own addresses and Message-ID domain).
``handle_inbound`` makes the decisions and does the one write, through
``desk.actions.reply.message_post``.

What happens to a message, in order:

- unreadable, no usable From, or too large → refused (``MALFORMED``, ``TOO_LARGE``);
  logged, nothing stored, nothing answered.
- sent by a robot (``Auto-Submitted`` other than "no", ``Precedence: bulk/junk/list``, a
  mailing list, an empty return path, a mailer daemon, or our own address) → ignored
  (``AUTOMATIC``): neither stored nor answered, so two robots never answer each other.
  Out-of-office replies to our notifications are therefore not added to cases either.
- a Message-ID already stored → ``DUPLICATE``, nothing more.
- no case number in the subject ("[SD-000123]" or "SD-000123") nor a Message-ID of ours in
  In-Reply-To/References, or a number that is no case → ``NO_REFERENCE``: answered that
  new cases are opened in the portal; no case is opened.
- the sender is not an active member of the case's organisation (unknown address, another
  organisation, staff) → ``REFUSED_SENDER``: answered that the address cannot post to that
  case; the answer says nothing about the case beyond the number the sender wrote.
- the case is closed → ``CLOSED``: answered with a link to open a follow-up case.
- nothing left once quoted text is trimmed, and no file to keep → ``NOT_ADDED``: answered.
- otherwise → ``POSTED``: a public message with the kept files. Files that break the
  attachment rules are dropped; the sender gets an answer listing them and the message
  ends with a line naming them, so the support team knows as well.

Answers carry ``Auto-Submitted: auto-replied``, go to the From address, are sent at most
once per incoming Message-ID and at most ``ANSWERS_PER_SENDER_PER_HOUR`` times an hour to
one address (a loop guard for robots that do not mark their mail).

The From address is taken at its word: checking that it is not forged (SPF, DKIM, DMARC)
is the receiving MTA's job, before the message reaches this pipe.
"""

import hashlib
import logging
import mimetypes
import re
from dataclasses import dataclass
from email import errors as email_errors
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from enum import StrEnum
from functools import partial
from html.parser import HTMLParser

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from desk.actions.reply import message_post
from partners.models import User
from tickets import attachments as attachment_rules
from tickets import mail, services
from tickets.errors import TicketClosed
from tickets.models import NUMBER_PREFIX, Message, Ticket, parse_number

logger = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024
MAX_MESSAGE_ID = 300  # the width of Message.email_message_id
ANSWERS_PER_SENDER_PER_HOUR = 5
ANSWER_MEMORY_SECONDS = 7 * 24 * 3600


class Outcome(StrEnum):
    POSTED = "posted"
    DUPLICATE = "duplicate"
    NO_REFERENCE = "no_reference"
    REFUSED_SENDER = "refused_sender"
    CLOSED = "closed"
    NOT_ADDED = "not_added"
    AUTOMATIC = "automatic"
    MALFORMED = "malformed"
    TOO_LARGE = "too_large"


@dataclass(frozen=True)
class InboundResult:
    outcome: Outcome
    detail: str = ""
    case_number: str = ""
    message_pk: int | None = None
    answered: bool = False
    dropped: tuple[str, ...] = ()


class MalformedMail(Exception):
    """The bytes are not an e-mail we can read, or it has no usable sender."""


@dataclass(frozen=True)
class InboundFile:
    name: str
    content: bytes


@dataclass(frozen=True)
class ParsedMail:
    sender: str
    subject: str
    message_id: str
    references: tuple[str, ...]  # ids from References, then In-Reply-To
    text: str  # the new text, quoted parts trimmed
    files: tuple[InboundFile, ...] = ()
    automatic: str = ""  # why it looks machine-sent; empty for a person's mail
    no_answer: bool = False  # the sender asked for no automatic answers
    case_pks: tuple[int, ...] = ()


# --- Text: HTML to text, and trimming what the sender quoted -----------------------------


class _TextFromHtml(HTMLParser):
    SKIPPED = frozenset({"script", "style", "head", "title", "blockquote", "template"})
    BLOCKS = frozenset(
        {
            "p", "div", "br", "li", "tr", "table", "ul", "ol", "pre", "hr", "section",
            "article", "header", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
        }
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif not self.skipping and tag in self.BLOCKS:
            self.parts.append("\n- " if tag == "li" else "\n")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif not self.skipping and tag in self.BLOCKS and tag not in ("br", "li", "tr"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: tags dropped, blocks on their own lines, quotes
    (``<blockquote>``) left out."""
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    return _tidy("".join(parser.parts))


def _tidy(text: str) -> str:
    lines = [line.strip() for line in text.split("\n")]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip()


_ATTRIBUTION_START = re.compile(r"^\s*(on|le|am|il|el|op)\s", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(
    r"(wrote|a écrit|schrieb|ha scritto|escribió|schreef)\s*:?\s*$", re.IGNORECASE
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(original message|messaggio originale|ursprüngliche nachricht|"
    r"message d'origine|mensaje original)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(from|da|von|de)\s*:\*?\s", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\s*\*?(sent|date|inviato|data|gesendet|datum|envoyé|enviado|fecha)\s*:\*?\s",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^\s*(_{8,}|-{8,})\s*$")
_SIGNATURE = frozenset({"-- ", "--"})


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _attribution_end(lines: list[str], index: int) -> int | None:
    """Index of the last line of an "On … wrote:" attribution starting at ``index``."""
    if not _ATTRIBUTION_START.match(lines[index]):
        return None
    if _ATTRIBUTION_END.search(lines[index]):
        return index
    following = lines[index + 1] if index + 1 < len(lines) else ""
    if following and not _is_quote(following) and _ATTRIBUTION_END.search(following):
        return index + 1  # mail clients wrap a long attribution
    return None


def _only_quotes_from(lines: list[str], start: int) -> bool:
    for line in lines[start:]:
        if line in _SIGNATURE:
            break
        if line.strip() and not _is_quote(line):
            return False
    return True


def trim_quoted(text: str) -> str:
    """The new part of a reply: cut at the signature delimiter ("-- "), at
    "-----Original Message-----", at an Outlook "From: … Sent: …" block, or at an
    "On … wrote:" line followed only by quoted lines; then drop quoted (">") and blank
    lines at the end. Answers written between quoted lines are kept."""
    lines = [line.rstrip("\r") for line in text.replace("\r\n", "\n").split("\n")]
    cut = len(lines)
    for index, line in enumerate(lines):
        if line in _SIGNATURE or _ORIGINAL_MESSAGE.match(line):
            cut = index
            break
        if _HEADER_FROM.match(line) and any(
            _HEADER_SENT.match(later) for later in lines[index + 1 : index + 4]
        ):
            cut = index
            break
        end = _attribution_end(lines, index)
        if end is not None and _only_quotes_from(lines, end + 1):
            cut = index
            break
    kept = lines[:cut]
    while kept and (not kept[-1].strip() or _is_quote(kept[-1]) or _SEPARATOR.match(kept[-1])):
        kept.pop()
    return "\n".join(line.rstrip() for line in kept).strip()


# --- Finding the case --------------------------------------------------------------------

_CASE_IN_BRACKETS = re.compile(rf"\[\s*{re.escape(NUMBER_PREFIX)}(\d{{1,18}})\s*\]", re.I)
_CASE_ANYWHERE = re.compile(rf"(?<![A-Za-z0-9]){re.escape(NUMBER_PREFIX)}(\d{{1,18}})(?!\d)", re.I)
_MESSAGE_IDS = re.compile(r"<[^<>\s]+>")


def case_pks_in(subject: str, referenced_ids: tuple[str, ...]) -> tuple[int, ...]:
    """Case numbers the mail points to, most trusted first: "[SD-000123]" in the subject,
    "SD-000123" anywhere in it, then Message-IDs of ours it answers."""
    found: list[int] = []
    for pattern in (_CASE_IN_BRACKETS, _CASE_ANYWHERE):
        found += [pk for pk in map(parse_number, pattern.findall(subject)) if pk]
    for message_id in reversed(referenced_ids):  # the latest answered first
        pk = mail.case_pk_from_message_id(message_id)
        if pk:
            found.append(pk)
    return tuple(dict.fromkeys(found))


# --- Reading the message -----------------------------------------------------------------


def _header(message: EmailMessage, name: str) -> str:
    value = message.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _sender(message: EmailMessage) -> str:
    values = message.get_all("From") or []
    if len(values) != 1:
        raise MalformedMail("no From header" if not values else "more than one From header")
    addresses = getattr(values[0], "addresses", None)
    if addresses is not None:
        emails = [address.addr_spec for address in addresses]
    else:
        emails = [parseaddr(str(values[0]))[1]]
    if len(emails) != 1 or not emails[0]:
        raise MalformedMail(f"no single sender address in From: {str(values[0])[:100]!r}")
    sender = emails[0].strip().lower()
    try:
        validate_email(sender)
    except ValidationError:
        raise MalformedMail(f"the From address is not valid: {sender[:100]!r}") from None
    return sender


def _message_id(message: EmailMessage, raw: bytes) -> str:
    """The Message-ID as stored; a hash of the bytes when there is none, so a redelivery
    of the same bytes is still recognised, and a hash of an overlong one."""
    value = _header(message, "Message-ID")
    found = _MESSAGE_IDS.search(value)
    message_id = found.group(0) if found else value
    if not message_id:
        return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"
    if len(message_id) > MAX_MESSAGE_ID:
        return f"<{hashlib.sha256(message_id.encode()).hexdigest()}@long-message-id.invalid>"
    return message_id


def _own_addresses() -> set[str]:
    own = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1], parseaddr(settings.SERVER_EMAIL)[1]}
    if settings.SUPPORT_REPLY_TO:
        own.add(parseaddr(settings.SUPPORT_REPLY_TO)[1])
    return {address.lower() for address in own if address}


_ROBOT_LOCAL_PARTS = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+\-._].*)?$", re.I
)


def automatic_reason(message: EmailMessage, sender: str) -> str:
    """Why the message looks sent by a machine (RFC 3834 and common practice); empty
    when it looks written by a person."""
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _header(message, "Precedence").lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "List-Id", "List-Unsubscribe"):
        if message.get(name) is not None:
            return f"{name} header"
    return_path = message.get("Return-Path")
    if return_path is not None and not parseaddr(str(return_path))[1]:
        return "empty return path"
    if _ROBOT_LOCAL_PARTS.match(sender.partition("@")[0]):
        return f"sent by {sender}"
    if sender in _own_addresses():
        return "sent from our own address"
    return ""


def _asks_for_no_answer(message: EmailMessage) -> bool:
    suppress = _header(message, "X-Auto-Response-Suppress").lower()
    return any(word in suppress for word in ("all", "autoreply"))


def _part_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        # An unknown or wrong charset: read the bytes as UTF-8, else as Windows-1252.
        payload = part.get_payload(decode=True) or b""
        try:
            content = payload.decode("utf-8")
        except UnicodeDecodeError:
            content = payload.decode("cp1252", errors="replace")
    return content if isinstance(content, str) else ""


def _leaves(part: EmailMessage):
    if part.get_content_type() == "message/rfc822":
        yield part
    elif part.get_content_maintype() == "multipart":
        for sub in part.iter_parts():
            yield from _leaves(sub)
    else:
        yield part


def _file_from(part: EmailMessage, number: int) -> InboundFile:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        content = inner.as_bytes(policy=policy.SMTP) if hasattr(inner, "as_bytes") else b""
        default_suffix = ".eml"
    else:
        content = part.get_payload(decode=True) or b""
        default_suffix = mimetypes.guess_extension(content_type) or ".bin"
    name = part.get_filename() or f"attachment-{number}{default_suffix}"
    return InboundFile(name=attachment_rules.clean_name(str(name)), content=content)


def _body_and_files(message: EmailMessage) -> tuple[str, tuple[InboundFile, ...]]:
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    text = _part_text(plain) if plain is not None else ""
    if not text.strip() and html is not None:
        text = html_to_text(_part_text(html))
    body_parts = {id(part) for part in (plain, html) if part is not None}
    files = []
    for part in _leaves(message):
        if id(part) in body_parts:
            continue
        is_file = (
            part.get_filename()
            or part.get_content_disposition() == "attachment"
            or part.get_content_maintype() not in ("text", "multipart")
        )
        if is_file:
            files.append(_file_from(part, len(files) + 1))
    return text, tuple(files)


_BROKEN_STRUCTURE = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
)


def _check_structure(part: EmailMessage) -> None:
    """A multipart message whose parts cannot be found is refused rather than guessed at.
    A forwarded message inside it is a file like any other and is not looked into."""
    broken = [defect for defect in part.defects if isinstance(defect, _BROKEN_STRUCTURE)]
    if broken:
        raise MalformedMail(f"broken MIME structure: {type(broken[0]).__name__}")
    if part.get_content_maintype() == "multipart":
        for sub in part.iter_parts():
            _check_structure(sub)


def parse_mail(raw: bytes) -> ParsedMail:
    """Read one RFC 822 message. Raises MalformedMail when it cannot be used at all."""
    if not raw or not raw.strip():
        raise MalformedMail("empty input")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        sender = _sender(message)
        _check_structure(message)
        text, files = _body_and_files(message)
        subject = _header(message, "Subject")
        references = tuple(
            _MESSAGE_IDS.findall(_header(message, "References"))
            + _MESSAGE_IDS.findall(_header(message, "In-Reply-To"))
        )
        parsed = ParsedMail(
            sender=sender,
            subject=subject,
            message_id=_message_id(message, raw),
            references=references,
            text=trim_quoted(text),
            files=files,
            automatic=automatic_reason(message, sender),
            no_answer=_asks_for_no_answer(message),
            case_pks=case_pks_in(subject, references),
        )
    except MalformedMail:
        raise
    except Exception as error:  # the parser's and the MIME decoders' many ways to fail
        raise MalformedMail(f"unreadable: {type(error).__name__}: {error}") from error
    return parsed


# --- Deciding and writing ----------------------------------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _queue_answer(parsed: ParsedMail, kind: str, **context) -> bool:
    """Queue an automatic answer unless this message was answered already or the sender
    has had enough answers this hour."""
    from tickets.tasks import send_auto_reply

    if parsed.automatic or parsed.no_answer:
        return False
    answered_key = f"inbound:answered:{_digest(parsed.message_id)}"
    if cache.get(answered_key):
        return False
    count_key = f"inbound:answers:{_digest(parsed.sender)}"
    cache.add(count_key, 0, 3600)
    try:
        count = cache.incr(count_key)
    except ValueError:  # expired in between
        cache.set(count_key, 1, 3600)
        count = 1
    if count > ANSWERS_PER_SENDER_PER_HOUR:
        logger.warning("Not answering %s: %s answers this hour already", parsed.sender, count - 1)
        return False
    references = " ".join(parsed.references[-10:])
    transaction.on_commit(
        partial(
            send_auto_reply.delay,
            kind=kind,
            to=parsed.sender,
            in_reply_to=parsed.message_id,
            references=references,
            **context,
        )
    )
    cache.set(answered_key, 1, ANSWER_MEMORY_SECONDS)
    return True


def _find_ticket(case_pks: tuple[int, ...]) -> Ticket | None:
    for pk in case_pks:
        ticket = Ticket.objects.select_related("organisation").filter(pk=pk).first()
        if ticket is not None:
            return ticket
    return None


def _member(ticket: Ticket, address: str) -> User | None:
    return User.objects.filter(
        email__iexact=address, is_active=True, organisation_id=ticket.organisation_id
    ).first()


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


def handle_inbound(raw: bytes) -> InboundResult:
    """Decide what one incoming e-mail becomes (see the module's docstring). Never raises
    for anything in the mail itself; database and broker failures do propagate."""
    if len(raw) > MAX_BYTES:
        logger.warning("Refused an e-mail of %s bytes (the limit is %s)", len(raw), MAX_BYTES)
        return InboundResult(Outcome.TOO_LARGE, detail=f"{len(raw)} bytes")
    try:
        parsed = parse_mail(raw)
    except MalformedMail as error:
        logger.warning("Refused a malformed e-mail: %s", error)
        return InboundResult(Outcome.MALFORMED, detail=str(error))

    log_id = f"{parsed.message_id} from {parsed.sender}"
    if parsed.automatic:
        logger.info("Ignored automatic e-mail %s (%s)", log_id, parsed.automatic)
        return InboundResult(Outcome.AUTOMATIC, detail=parsed.automatic)

    existing = Message.objects.filter(email_message_id=parsed.message_id).first()
    if existing is not None:
        logger.info("E-mail %s is already stored as message %s", log_id, existing.pk)
        return _duplicate(existing)

    ticket = _find_ticket(parsed.case_pks)
    if ticket is None:
        answered = _queue_answer(parsed, "no_reference")
        logger.info("E-mail %s names no case; answered: %s", log_id, answered)
        return InboundResult(Outcome.NO_REFERENCE, answered=answered)

    author = _member(ticket, parsed.sender)
    if author is None:
        answered = _queue_answer(parsed, "refused_sender", case_number=ticket.number)
        logger.warning(
            "Refused e-mail %s for %s: not a member of its organisation", log_id, ticket.number
        )
        return InboundResult(Outcome.REFUSED_SENDER, case_number=ticket.number, answered=answered)

    if ticket.is_closed:
        return _closed(parsed, ticket, log_id)

    kept, dropped = _acceptable(parsed.files)
    body = _body(parsed.text, kept, dropped)
    if not body:
        answered = _queue_answer(parsed, "not_added", ticket_id=ticket.pk, dropped=dropped)
        logger.info("E-mail %s for %s had nothing to add", log_id, ticket.number)
        return InboundResult(
            Outcome.NOT_ADDED,
            case_number=ticket.number,
            answered=answered,
            dropped=tuple(dropped),
        )
    try:
        message = message_post(
            ticket=ticket,
            author=author,
            body=body,
            attachments=kept,
            channel=Message.Channel.EMAIL,
            email_message_id=parsed.message_id,
        )
    except TicketClosed:
        return _closed(parsed, ticket, log_id)  # closed while we were reading
    except IntegrityError:
        existing = Message.objects.filter(email_message_id=parsed.message_id).first()
        if existing is None:
            raise
        return _duplicate(existing)  # the same mail delivered twice at once
    except ValidationError as error:
        reasons = [str(reason) for reason in error.messages]
        logger.warning("E-mail %s for %s was not accepted: %s", log_id, ticket.number, reasons)
        answered = _queue_answer(parsed, "not_added", ticket_id=ticket.pk, dropped=reasons)
        return InboundResult(
            Outcome.NOT_ADDED, detail="; ".join(reasons), case_number=ticket.number
        )

    answered = False
    if dropped:
        answered = _queue_answer(parsed, "files_dropped", ticket_id=ticket.pk, dropped=dropped)
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


def _duplicate(existing: Message) -> InboundResult:
    return InboundResult(
        Outcome.DUPLICATE,
        case_number=Ticket(pk=existing.ticket_id).number,
        message_pk=existing.pk,
    )


def _closed(parsed: ParsedMail, ticket: Ticket, log_id: str) -> InboundResult:
    answered = _queue_answer(parsed, "case_closed", ticket_id=ticket.pk)
    logger.info("E-mail %s for closed %s not added; answered: %s", log_id, ticket.number, answered)
    return InboundResult(Outcome.CLOSED, case_number=ticket.number, answered=answered)
