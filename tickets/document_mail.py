"""The e-mails of a document request to the partner who opened the case: the request, the
reminders and the notice that the due date has passed. Written to the outbox by
``tickets.services.documents``; times read in the recipient's own zone."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from core.formatting import local_datetime_text
from tickets import mail
from tickets.models import DocumentRequest

HEADLINES = {
    "documents_requested": "Documents needed",
    "documents_reminder": "Reminder: documents needed",
    "documents_overdue": "Documents overdue",
}


def due_words(request: DocumentRequest, *, tz: str) -> str:
    """ "by the end of Thu 12 Mar 2026", the due date being a day in the partner's zone; read
    where that day ends at another hour, with the partner's city and the instant it ends
    there too ("by the end of Thu 12 Mar 2026, Berlin time (Fri 13 Mar, 07:00 JST)")."""
    day = request.due_date.strftime("%a %-d %b %Y")
    local = request.due_at.astimezone(ZoneInfo(tz))
    if local.time() == time(0) and local.date() == request.due_date + timedelta(days=1):
        return f"by the end of {day}"
    city = request.ticket.organisation.member_time_zone.rsplit("/", 1)[-1].replace("_", " ")
    there = local_datetime_text(request.due_at, "short", tz=tz)
    return f"by the end of {day}, {city} time ({there})"


def build(
    kind: str, request: DocumentRequest, *, missing: list[str]
) -> EmailMultiAlternatives | None:
    """The ``kind`` e-mail (one of ``HEADLINES``) about ``request``, or None when the case's
    requester cannot receive it."""
    ticket = request.ticket
    reader = ticket.requester
    if reader is None or not reader.is_active or not reader.email:
        return None
    headline = HEADLINES[kind]
    context = {
        "kind": kind,
        "headline": headline,
        "ticket": ticket,
        "request": request,
        "missing": missing,
        "due": due_words(request, tz=reader.effective_time_zone),
        "case_url": mail.partner_case_url(ticket) + "#documents",
        "now": timezone.now(),
    }
    return mail._email(
        subject=mail.subject_for(ticket, headline),
        template="documents",
        context=context,
        to=[reader.email],
        reader=reader,
        headers=mail._headers(
            ticket=ticket,
            auto="auto-generated",
            in_reply_to="",
            references=mail.case_thread_id(ticket),
        ),
    )
