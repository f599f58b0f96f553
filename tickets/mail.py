"""Building the e-mails about a case. The subject carries the case number, so a reply to
the e-mail finds its way back to the case (see ``ingest_email``)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from tickets.models import Message, Ticket


def subject_for(ticket: Ticket, headline: str) -> str:
    return f"[{ticket.number}] {headline}: {ticket.subject}"[:250]


HEADLINES = {
    "case_opened": "Case received",
    "staff_replied": "New reply",
    "partner_replied": "Partner replied",
    "status_changed": "Status changed",
}


def build(kind: str, ticket: Ticket, message: Message | None, **extra) -> EmailMessage | None:
    if message is not None and message.is_internal:
        return None  # internal notes never leave the desk
    if kind == "partner_replied":
        if ticket.assignee is None:
            return None
        recipients = [ticket.assignee.email]
    else:
        recipients = [ticket.requester.email]
    context = {
        "ticket": ticket,
        "message": message,
        "site_url": settings.SITE_URL.rstrip("/"),
        **extra,
    }
    body = render_to_string(f"tickets/email/{kind}.txt", context)
    return EmailMessage(
        subject=subject_for(ticket, HEADLINES[kind]),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        reply_to=[settings.SUPPORT_REPLY_TO] if settings.SUPPORT_REPLY_TO else None,
        headers={"X-Support-Case": ticket.number},
    )
