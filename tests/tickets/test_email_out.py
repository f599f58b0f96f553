"""E-mails the desk sends about a case: who gets what, what never leaves the desk, nothing
for a change that was rolled back, and a mail server that fails (through the outbox)."""

import smtplib
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import time_machine
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.utils import timezone

from desk.actions.reply import Reply, message_post
from desk.actions.status import ticket_set_status
from partners.roles import Role
from supportdesk.celery import app as celery_app
from tests.factories import DeviceFactory, StaffFactory, UserFactory
from tests.tickets.factories import TicketFactory, ticket_create
from tickets import mail
from tickets.models import OutgoingEmail, Ticket
from tickets.services import MAX_SEND_ATTEMPTS
from tickets.tasks import deliver_email, deliver_pending_emails, send_ticket_mail

NOTE = "Internal: the partner's contract lapsed last month, be careful what you promise."


pytestmark = pytest.mark.usefixtures("mail_setup")


@pytest.fixture
def agent():
    return StaffFactory(roles=[Role.AGENT], full_name="Anna Agent")


@pytest.fixture
def ticket(agent):
    return TicketFactory(assignee=agent, subject="Calls drop on the Milan trunk")


def readable(email) -> str:
    """Everything the recipient can read: headers, text body and HTML alternatives."""
    raw = email.message().as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    parts = [str(value) for value in parsed.values()]
    parts += [part.get_content() for part in parsed.walk() if part.get_content_maintype() == "text"]
    return "\n".join(parts)


def test_a_public_staff_reply_mails_the_requester_once(ticket, agent, mailoutbox, on_commit):
    with on_commit():
        message_post(
            ticket=ticket,
            reply=Reply(author=agent, body="Please restart the trunk <b>now</b> & retry."),
        )

    (email,) = mailoutbox
    assert email.to == [ticket.requester.email]
    assert email.subject == f"[{ticket.number}] New reply: Calls drop on the Milan trunk"
    assert "Please restart the trunk <b>now</b> & retry." in email.body
    assert f"https://desk.example.test/cases/{ticket.pk}/" in email.body
    assert email.reply_to == ["replies@supportdesk.test"]
    assert email.extra_headers["X-Support-Case"] == ticket.number
    assert email.extra_headers["Message-ID"].endswith(f".{ticket.number}@supportdesk.test>")
    assert mail.case_pk_from_message_id(email.extra_headers["Message-ID"]) == ticket.pk
    assert "Auto-Submitted" not in email.extra_headers  # a person wrote it
    html, mime = email.alternatives[0]
    assert mime == "text/html"
    assert "Please restart the trunk &lt;b&gt;now&lt;/b&gt; &amp; retry." in html
    assert "<b>now</b>" not in html


def test_no_reply_to_header_without_a_reply_mailbox(ticket, agent, mailoutbox, on_commit, settings):
    settings.SUPPORT_REPLY_TO = ""
    with on_commit():
        message_post(ticket=ticket, reply=Reply(author=agent, body="Done."))
    assert mailoutbox[0].reply_to == []
    assert "Reply-To" not in readable(mailoutbox[0])


def test_an_internal_note_sends_nothing_and_never_appears_in_any_mail(
    ticket, agent, mailoutbox, on_commit
):
    with on_commit() as queued:
        message_post(ticket=ticket, reply=Reply(author=agent, body=NOTE, internal=True))
    assert queued == []
    assert mailoutbox == []

    # Everything that does send mail afterwards still leaves the note out.
    partner = UserFactory(organisation=ticket.organisation)
    with on_commit():
        message_post(ticket=ticket, reply=Reply(author=agent, body="We are on it."))
        message_post(ticket=ticket, reply=Reply(author=partner, body="Thanks."))
        ticket_set_status(ticket=ticket, actor=agent, status="resolved")
        ticket_set_status(ticket=ticket, actor=agent, status="closed")
    assert len(mailoutbox) == 4
    for email in mailoutbox:
        assert NOTE not in readable(email)
        assert "contract lapsed" not in readable(email)


def test_the_mail_builder_refuses_an_internal_note(ticket, agent, mailoutbox):
    with transaction.atomic():
        note = message_post(ticket=ticket, reply=Reply(author=agent, body=NOTE, internal=True))
    # Even if someone queues it by mistake:
    assert (
        send_ticket_mail.delay(kind="staff_replied", ticket_id=ticket.pk, message_id=note.pk).get()
        is False
    )
    assert mail.build("partner_replied", ticket, note) is None
    assert mailoutbox == []


def test_a_status_change_mails_the_requester(ticket, agent, mailoutbox, on_commit):
    with on_commit():
        ticket_set_status(ticket=ticket, actor=agent, status="waiting_on_partner")
    (email,) = mailoutbox
    assert email.to == [ticket.requester.email]
    assert email.subject == f"[{ticket.number}] Waiting for you: Calls drop on the Milan trunk"
    assert "is now: Waiting on partner (it was: New)" in email.body
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"

    mailoutbox.clear()
    with on_commit():
        ticket_set_status(ticket=ticket, actor=agent, status="resolved")
        ticket_set_status(ticket=ticket, actor=agent, status="closed")
    assert [m.subject.split(":")[0] for m in mailoutbox] == [
        f"[{ticket.number}] Case resolved",
        f"[{ticket.number}] Case closed",
    ]
    assert f"/cases/new/?follow_up={ticket.pk}" in mailoutbox[1].body


def test_a_partner_reply_mails_the_assignee_not_the_partner(ticket, agent, mailoutbox, on_commit):
    partner = UserFactory(organisation=ticket.organisation, full_name="Mario Rossi")
    with on_commit():
        message_post(ticket=ticket, reply=Reply(author=partner, body="The trace is attached."))
    (email,) = mailoutbox
    assert email.to == [agent.email]
    assert email.subject.startswith(f"[{ticket.number}] Partner replied")
    assert "The trace is attached." in email.body
    assert f"/staff/cases/{ticket.pk}/" in email.body
    assert email.reply_to == []  # staff answer on the case page


def test_a_partner_reply_to_an_unassigned_case_mails_nobody(mailoutbox, on_commit):
    ticket = TicketFactory()
    with on_commit():
        message_post(ticket=ticket, reply=Reply(author=ticket.requester, body="Any news?"))
    assert mailoutbox == []


def test_opening_a_case_sends_an_acknowledgement(mailoutbox, on_commit):
    requester = UserFactory(full_name="Mario Rossi")
    with on_commit():
        ticket, _ = ticket_create(
            requester=requester,
            case_type="tech_support",
            reason="call-quality",
            subject="One-way audio\non the Rome site",
            description="Callers cannot hear us.",
            device=DeviceFactory(organisation=requester.organisation),
            wms_version="7.02.1",
            firmware_versions="DP-40 1.9.0",
        )
    (email,) = mailoutbox
    assert email.to == [requester.email]
    # The line break typed in the subject does not break the header.
    assert email.subject == f"[{ticket.number}] Case received: One-way audio on the Rome site"
    assert "Hello Mario," in email.body
    assert f"https://desk.example.test/cases/{ticket.pk}/" in email.body


def test_an_inactive_requester_gets_no_mail(ticket, agent, mailoutbox, on_commit):
    ticket.requester.is_active = False
    ticket.requester.save(update_fields=["is_active"])
    with on_commit():
        message_post(ticket=ticket, reply=Reply(author=agent, body="Done."))
    assert mailoutbox == []


def test_nothing_is_sent_for_a_change_that_is_rolled_back(ticket, agent, mailoutbox, on_commit):
    class Oops(Exception):
        pass

    def reply_resolve_and_fail():
        with transaction.atomic():
            message_post(ticket=ticket, reply=Reply(author=agent, body="This never happened."))
            ticket_set_status(ticket=ticket, actor=agent, status="resolved")
            raise Oops

    with on_commit() as queued, pytest.raises(Oops):
        reply_resolve_and_fail()

    assert queued == []
    assert mailoutbox == []
    assert not OutgoingEmail.objects.exists()
    assert not ticket.messages.exists()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW


class FlakyBackend(EmailBackend):
    """The locmem backend behind a mail server that drops the first connections."""

    failures_left = 0
    attempts = 0

    def send_messages(self, messages):
        FlakyBackend.attempts += 1
        if FlakyBackend.failures_left:
            FlakyBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class RefusingBackend(EmailBackend):
    attempts = 0

    def send_messages(self, messages):
        RefusingBackend.attempts += 1
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"No such user")})


def test_smtp_errors_are_retried_until_the_mail_goes(
    ticket, agent, mailoutbox, settings, on_commit
):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures_left, FlakyBackend.attempts = 2, 0
    celery_app.conf.task_eager_propagates = False  # let the eager retries run (restored)

    # Eager mode runs each retry at once instead of after the backoff.
    with on_commit():
        message_post(ticket=ticket, reply=Reply(author=agent, body="Retry me."))

    assert FlakyBackend.attempts == 3
    assert [email.body.count("Retry me.") for email in mailoutbox] == [1]
    sent = OutgoingEmail.objects.get()
    assert (sent.attempts, sent.last_error) == (3, "")
    assert sent.sent_at is not None


def test_the_retries_give_up_in_the_end(ticket, agent, mailoutbox, settings, on_commit):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures_left, FlakyBackend.attempts = 1000, 0
    celery_app.conf.task_eager_propagates = False

    with time_machine.travel(timezone.now(), tick=False) as clock:
        with on_commit():
            message_post(ticket=ticket, reply=Reply(author=agent, body="Retry me."))
        assert FlakyBackend.attempts == deliver_email.max_retries + 1
        # Then the sweep's tries, an hour apart at most, until the e-mail is given up.
        for _ in range(MAX_SEND_ATTEMPTS):
            clock.shift(timedelta(hours=1))
            deliver_pending_emails.delay()

    email = OutgoingEmail.objects.get()
    assert FlakyBackend.attempts == email.attempts == MAX_SEND_ATTEMPTS
    assert email.failed_at is not None
    assert "Connection unexpectedly closed" in email.last_error
    assert mailoutbox == []


def test_a_recipient_refused_for_good_is_not_retried(
    ticket, agent, mailoutbox, settings, caplog, on_commit
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.attempts = 0

    with on_commit():
        message_post(ticket=ticket, reply=Reply(author=agent, body="Hello?"))

    assert RefusingBackend.attempts == 1
    assert "refused" in caplog.text
    email = OutgoingEmail.objects.get()
    assert email.failed_at is not None
    assert deliver_email.delay(email.pk).get() is False
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert deliver_pending_emails.delay().get() == 0
    assert RefusingBackend.attempts == 1
    assert mailoutbox == []
