"""Building the e-mails about a case, and the automatic answers to e-mail we cannot take.

Every e-mail about a case carries the case number in its subject ("[SD-000123] …", built
only by ``numbered_subject``, which names it once) and in its Message-ID, so a reply finds
its way back to the case (see ``desk.inbound``).
Internal notes never leave the desk: no builder here renders anything but the public
message it is given, and each refuses an internal one.
"""

import re
import string
from contextlib import nullcontext
from dataclasses import dataclass
from email.utils import make_msgid, parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.formatting import local_datetime_text
from tickets.models import NUMBER_PREFIX, Message, Ticket, parse_number

# Asks Exchange and Outlook not to send out-of-office or other automatic answers back.
SUPPRESS_AUTO_RESPONSES = "OOF, AutoReply"


@dataclass(frozen=True)
class Kind:
    headline: str
    to_assignee: bool = False
    # Sent by the desk on an event rather than written by a person (RFC 3834).
    auto_generated: bool = True
    carries_message: bool = False


KINDS = {
    "case_opened": Kind("Case received"),
    "staff_replied": Kind("New reply", auto_generated=False, carries_message=True),
    "partner_replied": Kind("Partner replied", to_assignee=True, carries_message=True),
    "status_changed": Kind("Status changed"),
    "hardware_step": Kind("Hardware request update"),
    "waiting_reminder": Kind("We are still waiting for you"),
}

STATUS_HEADLINES = {
    Ticket.Status.OPEN: "Case in progress",
    Ticket.Status.WAITING: "Waiting for you",
    Ticket.Status.RESOLVED: "Case resolved",
    Ticket.Status.CLOSED: "Case closed",
}

AUTO_REPLY_SUBJECTS = {
    "no_reference": "New cases are opened in the support portal",
    "case_closed": "Your case is closed: open a follow-up case",
    "refused_sender": "Your e-mail could not be added to a case",
    "not_added": "Your e-mail could not be added to your case",
    "files_dropped": "Some files in your e-mail were not kept",
}


# --- Addresses, links and identifiers ----------------------------------------------------


def site_url(path: str = "/") -> str:
    return settings.SITE_URL.rstrip("/") + path


def partner_case_url(ticket: Ticket) -> str:
    return site_url(reverse("tickets:case_detail", args=[ticket.pk]))


def staff_case_url(ticket: Ticket) -> str:
    return site_url(reverse("tickets:staff_case", args=[ticket.pk]))


def new_case_url(*, follow_up_of: Ticket | None = None) -> str:
    query = f"?follow_up={follow_up_of.pk}" if follow_up_of is not None else ""
    return site_url(reverse("tickets:case_new") + query)


def message_id_domain() -> str:
    """The right-hand side of our Message-IDs: the domain we send from."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    domain = address.rpartition("@")[2].strip().lower()
    return domain or "supportdesk.invalid"


def case_thread_id(ticket: Ticket) -> str:
    """One id per case, referenced by every e-mail about it so mail clients thread them."""
    return f"<{ticket.number}@{message_id_domain()}>"


def new_message_id(ticket: Ticket | None = None) -> str:
    return make_msgid(idstring=ticket.number if ticket else "auto", domain=message_id_domain())


_OUR_MESSAGE_ID = re.compile(
    rf"^<?(?:[^<>@\s]*\.)?{re.escape(NUMBER_PREFIX)}(\d{{1,18}})@([^<>@\s]+)>?$", re.IGNORECASE
)


def case_pk_from_message_id(message_id: str) -> int | None:
    """The case an id of ours refers to (``<….SD-000123@our.domain>``); None for others'."""
    match = _OUR_MESSAGE_ID.match(message_id.strip())
    if not match or match.group(2).lower() != message_id_domain():
        return None
    return parse_number(match.group(1))


def _one_line(text: str) -> str:
    return " ".join(text.split())  # a line break would be a header injection


def numbered_subject(ticket: Ticket | None, text: str) -> str:
    """The subject of an e-mail: ``[SD-000123] text`` for one about a case, the case number
    in front and nowhere else. A notice's title or the case's own subject that already
    names the number ("SD-000123 First response breached") loses it, so a mail client's
    list never reads it twice."""
    text = _one_line(text)
    if ticket is None:
        return text[:250]
    # The number's digits are matched as they are, whatever the case: without them in the
    # text there is nothing to take out, and no pattern to build for this one number.
    if ticket.number.lstrip(string.ascii_letters) in text:
        number = re.compile(rf"\[?{re.escape(ticket.number)}(?!\d)\]?[\s:]*", re.IGNORECASE)
        text = _one_line(number.sub(" ", text))
    text = text.strip(" :")
    text = text[:1].upper() + text[1:]
    return f"[{ticket.number}] {text}".strip()[:250]


def subject_for(ticket: Ticket, headline: str) -> str:
    """``[SD-000123] headline: the case's subject``."""
    return numbered_subject(ticket, f"{headline}: {ticket.subject}")


def _headers(
    *, ticket: Ticket | None, auto: str | None, in_reply_to: str, references: str
) -> dict[str, str]:
    headers = {
        "Message-ID": new_message_id(ticket),
        "X-Auto-Response-Suppress": SUPPRESS_AUTO_RESPONSES,
    }
    if ticket is not None:
        headers["X-Support-Case"] = ticket.number
    if auto:
        headers["Auto-Submitted"] = auto
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
    if references:
        headers["References"] = references
    return headers


def _email(
    *, subject, template, context, to, headers, reply_to=None, reader=None
) -> EmailMultiAlternatives:
    """Render both parts. Times in them read in the zone of ``reader`` (the recipient, when
    the desk knows them), whoever's change sent the e-mail, as the pages would show them."""
    zone = ZoneInfo(reader.effective_time_zone) if reader is not None else None
    with timezone.override(zone) if zone else nullcontext():
        text = render_to_string(f"tickets/email/{template}.txt", context)
        html = render_to_string(f"tickets/email/{template}.html", context)
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    return email


# --- Notifications about a case ----------------------------------------------------------


def recipient_for(kind: str, ticket: Ticket):
    """Who hears of ``kind``: the assignee or the requester; None when nobody can."""
    person = ticket.assignee if KINDS[kind].to_assignee else ticket.requester
    if person is None or not person.is_active or not person.email:
        return None
    return person


def recipients_for(kind: str, ticket: Ticket) -> list[str]:
    person = recipient_for(kind, ticket)
    return [person.email] if person is not None else []


def _status_label(value: str | None) -> str:
    return Ticket.Status(value).label if value in Ticket.Status.values else ""


def build(
    kind: str, ticket: Ticket, message: Message | None = None, **extra
) -> EmailMultiAlternatives | None:
    """The e-mail for ``kind`` about ``ticket``, or None when there is nothing to send."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"Unknown kind of case e-mail: {kind}")
    if message is not None and (message.is_internal or message.ticket_id != ticket.pk):
        return None  # internal notes never leave the desk
    if spec.carries_message:
        if message is None:
            return None
        if message.author.is_partner != spec.to_assignee:
            return None  # staff replies go to the partner, partner replies to staff
    else:
        message = None  # only replies quote a message, and only their own
    reader = recipient_for(kind, ticket)
    if reader is None:
        return None
    headline = spec.headline
    new_status = extra.get("new_status") or ticket.status
    if kind == "status_changed":
        headline = STATUS_HEADLINES.get(new_status, headline)
    context = {
        "kind": kind,
        "headline": headline,
        "ticket": ticket,
        "message": message,
        "case_url": staff_case_url(ticket) if spec.to_assignee else partner_case_url(ticket),
        "new_case_url": new_case_url(follow_up_of=ticket),
        "old_status": _status_label(extra.get("old_status")),
        "new_status": new_status,
        "new_status_label": _status_label(new_status),
        "update": extra.get("update", ""),
        "update_detail": extra.get("detail", ""),
        "notice": extra.get("notice", ""),
        "resolve_at": (
            local_datetime_text(extra["resolve_at"], tz=reader.effective_time_zone)
            if extra.get("resolve_at")
            else None
        ),
        "waited_days": extra.get("waited_days"),
    }
    return _email(
        subject=subject_for(ticket, headline),
        template=kind,
        context=context,
        to=[reader.email],
        reader=reader,
        # Partners answer by e-mail; staff answer on the case page.
        reply_to=[settings.SUPPORT_REPLY_TO]
        if settings.SUPPORT_REPLY_TO and not spec.to_assignee
        else None,
        headers=_headers(
            ticket=ticket,
            auto="auto-generated" if spec.auto_generated else None,
            in_reply_to="",
            references=case_thread_id(ticket),
        ),
    )


def build_end_customer_message(
    ticket: Ticket, *, to: list[str], body: str, sender
) -> EmailMultiAlternatives:
    """Staff writing to the end customer of a case about their system (14.5, 2026-03): the
    message as typed, who sent it, and why the vendor writes to them directly. Written by
    a person, so not marked as automatic; answers come back to the support inbox."""
    context = {
        "ticket": ticket,
        "body": body,
        "sender": sender,
        "installer": ticket.organisation,
        "headline": "A message from support about your system",
        "messages_url": site_url(reverse("tickets:support_messages")),
    }
    return _email(
        subject=numbered_subject(ticket, f"About your system: {ticket.subject}"),
        template="end_customer_message",
        context=context,
        to=to,
        reply_to=[settings.SUPPORT_REPLY_TO] if settings.SUPPORT_REPLY_TO else None,
        headers=_headers(
            ticket=ticket, auto=None, in_reply_to="", references=case_thread_id(ticket)
        ),
    )


# --- Automatic answers to incoming e-mail ------------------------------------------------


def build_auto_reply(
    kind: str,
    *,
    to: str,
    in_reply_to: str = "",
    references: str = "",
    ticket: Ticket | None = None,
    case_number: str = "",
    dropped: list[str] | tuple[str, ...] = (),
) -> EmailMultiAlternatives:
    """An answer to an e-mail the desk received, marked so that no robot answers it back.

    ``ticket`` is given only when the sender may see the case; a refused sender gets
    nothing about the case but the number it wrote itself (``case_number``).
    """
    if kind not in AUTO_REPLY_SUBJECTS:
        raise ValueError(f"Unknown kind of automatic answer: {kind}")
    context = {
        "kind": kind,
        "headline": AUTO_REPLY_SUBJECTS[kind],
        "ticket": ticket,
        "case_number": ticket.number if ticket is not None else case_number,
        "address": to,
        "dropped": list(dropped),
        "portal_url": site_url("/"),
        "new_case_url": new_case_url(),
        "follow_up_url": new_case_url(follow_up_of=ticket) if ticket is not None else "",
        "case_url": partner_case_url(ticket) if ticket is not None else "",
        "max_files": settings.TICKET_ATTACHMENT_MAX_COUNT,
    }
    subject = numbered_subject(ticket, AUTO_REPLY_SUBJECTS[kind])
    refs = " ".join(part for part in (references, in_reply_to) if part)
    return _email(
        subject=subject,
        template=f"auto_{kind}",
        context=context,
        to=[to],
        headers=_headers(
            ticket=ticket, auto="auto-replied", in_reply_to=in_reply_to, references=refs
        ),
    )


# --- Notices to staff --------------------------------------------------------------------


def build_notification(notification) -> EmailMultiAlternatives:
    """The e-mail copy of an in-app notice (SLA warning, breach, out-of-hours case…)."""
    ticket = notification.ticket
    return _email(
        subject=numbered_subject(ticket, notification.title),
        template="notice",
        context={
            "notification": notification,
            "ticket": ticket,
            "case_url": staff_case_url(ticket) if ticket is not None else site_url("/"),
        },
        to=[notification.recipient.email],
        reader=notification.recipient,
        headers=_headers(ticket=ticket, auto="auto-generated", in_reply_to="", references=""),
    )
