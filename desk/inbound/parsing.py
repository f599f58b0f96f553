"""Reading one e-mail: bytes in, a ``ParsedMail`` out (and settings for our own addresses
and Message-ID domain). Nothing is looked up or written here."""

import hashlib
import mimetypes
import re
from email import errors as email_errors
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from desk.inbound.matching import case_pks_in
from desk.inbound.text import html_to_text, trim_quoted
from desk.inbound.values import InboundFile, MalformedMail, ParsedMail
from tickets import attachments as attachment_rules

MAX_MESSAGE_ID = 300  # the width of Message.email_message_id

_MESSAGE_IDS = re.compile(r"<[^<>\s]+>")


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


def _file_name(part: EmailMessage) -> str | None:
    """The file's name. One sent as raw 8-bit bytes that are not UTF-8 (rather than encoded
    as RFC 2231 asks) comes out of the parser with "�" for each such byte: those bytes are
    read again from the header as received, as Windows-1252 (which Latin-1 is part of)."""
    name = part.get_filename()
    if name is None or "\ufffd" not in name:
        return name
    for header, parameter in (("content-disposition", "filename"), ("content-type", "name")):
        for raw_header, raw_value in part.raw_items():
            if raw_header.lower() != header:
                continue
            # Bytes the parser could not decode are kept in the raw value as surrogates.
            text = str(raw_value).encode("utf-8", "surrogateescape").decode("cp1252", "replace")
            found = policy.default.header_factory(header, text).params.get(parameter)
            if found:
                return str(found)
    return name


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
    name = _file_name(part) or f"attachment-{number}{default_suffix}"
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
