"""Every e-mail the desk sends about a case names the case number once in its subject, in
brackets in front, however the rest of the subject came about: a notice's title, the
case's own subject or a step of a remote intervention."""

from datetime import UTC, datetime

import pytest

from entitlements import mail as entitlement_mail
from entitlements.models import Intervention
from partners.roles import Role
from tests.factories import StaffFactory
from tests.tickets.factories import MessageFactory, TicketFactory
from tickets import mail
from tickets.models import Notification, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mail_setup")]

START = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def agent():
    return StaffFactory(roles=[Role.AGENT])


@pytest.fixture
def ticket(agent) -> Ticket:
    ticket = TicketFactory(assignee=agent)
    # A partner who pasted the number into the subject, as people do.
    ticket.subject = f"Calls drop again ({ticket.number})"
    ticket.save(update_fields=["subject"])
    return ticket


def case_emails(ticket: Ticket, agent) -> dict:
    staff_reply = MessageFactory(ticket=ticket, author=agent)
    partner_reply = MessageFactory(ticket=ticket, author=ticket.requester)
    emails = {
        "case_opened": mail.build("case_opened", ticket),
        "staff_replied": mail.build("staff_replied", ticket, staff_reply),
        "partner_replied": mail.build("partner_replied", ticket, partner_reply),
        "status_changed": mail.build(
            "status_changed", ticket, old_status="new", new_status="waiting"
        ),
        "hardware_step": mail.build("hardware_step", ticket, update="Devices shipped"),
    }
    for kind in mail.AUTO_REPLY_SUBJECTS:
        emails[f"auto_{kind}"] = mail.build_auto_reply(
            kind, to=ticket.requester.email, ticket=ticket, dropped=["trace.exe"]
        )
    # In-app notices name the case in their title, the way the desk words them.
    titles = {
        "sla_warning": f"{ticket.number} First response at risk",
        "sla_breach": f"{ticket.number} First response breached",
        "triage": f"{ticket.number} Critical outside support hours: triage needed",
        "intervention": f"{ticket.number}: remote intervention requested (free)",
    }
    for kind, title in titles.items():
        notice = Notification(recipient=agent, ticket=ticket, kind=kind, title=title, body="…")
        emails[f"notice_{kind}"] = mail.build_notification(notice)
    for kind in entitlement_mail.INTERVENTION_HEADLINES:
        declined = kind == "declined"
        intervention = Intervention(
            ticket=ticket,
            organisation=ticket.organisation,
            requested_by=ticket.requester,
            platform=Intervention.Platform.THREECX,
            state=Intervention.State.DECLINED if declined else Intervention.State.CONFIRMED,
            confirmed_start=None if declined else START,
        )
        emails[f"intervention_{kind}"] = entitlement_mail.intervention_mail(
            intervention, kind, None if declined else START.isoformat()
        )
    return emails


def test_every_case_email_names_the_case_number_once_in_front(ticket, agent):
    emails = case_emails(ticket, agent)

    assert all(email is not None for email in emails.values()), emails
    for kind, email in emails.items():
        assert email.subject.startswith(f"[{ticket.number}] "), (kind, email.subject)
        assert email.subject.count(ticket.number) == 1, (kind, email.subject)
        assert "\n" not in email.subject


def test_the_number_is_taken_out_only_where_it_is_this_cases(ticket):
    follow_up = f"Follow-up to {ticket.number}7: calls drop"  # another case, a longer number

    subject = mail.numbered_subject(ticket, f"{ticket.number} {follow_up}")

    assert subject == f"[{ticket.number}] {follow_up}"
    assert mail.numbered_subject(None, "Choose a\nnew password") == "Choose a new password"
