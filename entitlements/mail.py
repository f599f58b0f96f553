"""Building the e-mails about entitlements: a support-hour bundle running low, to the
organisation, and the steps and reminders of a remote intervention, to the partner who
asked for it. The words are templates under ``templates/entitlements/email/``; the
services write what these build to the outbox (``tickets.services.outbox``) with the change
it tells of."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from core.formatting import duration_text, local_datetime_text
from entitlements.models import Entitlement, Intervention
from tickets import mail as case_mail

State = Intervention.State

INTERVENTION_HEADLINES = {
    "confirmed": "Remote intervention confirmed",
    "rescheduled": "Remote intervention: a new time",
    "declined": "Remote intervention declined",
    "reminder_24h": "Reminder: remote intervention in 24 hours",
    "reminder_1h": "Reminder: remote intervention in 1 hour",
}


def low_balance_mail(bundle: Entitlement, remaining_minutes: int) -> EmailMessage | None:
    """Tell the organisation its support hours are running low (or gone); None when it has
    no contact address."""
    if not bundle.organisation.contact_email:
        return None
    left = duration_text(timedelta(minutes=max(remaining_minutes, 0)), "compact")
    context = {"bundle": bundle, "left": left, "overdrawn": remaining_minutes < 0}
    return EmailMessage(
        subject=f"Support hours running low: {left} left",
        body=render_to_string("entitlements/email/low_balance.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[bundle.organisation.contact_email],
    )


def _still_holds(intervention: Intervention, kind: str, start: str | None) -> bool:
    """The step the e-mail is about is where the intervention stands: declined, or booked
    at the start the e-mail was queued for."""
    if kind == "declined":
        return intervention.state == State.DECLINED
    return (
        intervention.state == State.CONFIRMED
        and start is not None
        and intervention.confirmed_start == datetime.fromisoformat(start)
    )


def intervention_mail(
    intervention: Intervention, kind: str, start: str | None
) -> EmailMessage | None:
    """The partner's e-mail about a step; None when the step no longer holds (the
    intervention moved on since it was queued) or nobody can receive it."""
    person = intervention.requested_by
    if not person.is_active or not person.email or not _still_holds(intervention, kind, start):
        return None
    ticket = intervention.ticket
    context = {
        "kind": kind,
        "person": person,
        "intervention": intervention,
        "ticket": ticket,
        "subject": " ".join(ticket.subject.split()),
        "case_url": case_mail.partner_case_url(ticket),
    }
    if kind == "declined":
        template = "intervention_declined"
    else:
        template = "intervention_booked"
        context["when"] = local_datetime_text(
            intervention.confirmed_start, tz=person.effective_time_zone
        )
    return EmailMessage(
        subject=case_mail.subject_for(ticket, INTERVENTION_HEADLINES[kind]),
        body=render_to_string(f"entitlements/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[person.email],
        headers={
            "Message-ID": case_mail.new_message_id(ticket),
            "References": case_mail.case_thread_id(ticket),
            "X-Support-Case": ticket.number,
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": case_mail.SUPPRESS_AUTO_RESPONSES,
        },
    )
