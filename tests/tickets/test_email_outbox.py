"""The outbox every e-mail goes through: written in the transaction of the change that
causes it, sent once that commits, and sent by the beat sweep when the broker or the mail
server was away at the time, once."""

import contextlib
import logging
from datetime import timedelta

import pytest
import time_machine
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.utils import timezone

from supportdesk.celery import app as celery_app
from supportdesk.celery import route_by_task_name
from tests.celery_worker import reset_connections
from tests.factories import UserFactory
from tests.services import free_port
from tests.tickets.factories import TicketFactory, open_case
from tickets import mail, services
from tickets.models import OutgoingEmail
from tickets.tasks import deliver_email, deliver_pending_emails, send_ticket_mail

pytestmark = pytest.mark.usefixtures("mail_setup")


@contextlib.contextmanager
def broker_down():
    """The Celery broker at a port nobody listens on, as the web side finds Redis while it
    is down; the broker is back (eager: a worker runs each task as it is queued) after."""
    keys = ("broker_url", "broker_transport_options", "task_always_eager")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(
        broker_url=f"redis://127.0.0.1:{free_port()}/0",
        broker_transport_options={"socket_connect_timeout": 1},
        task_always_eager=False,
    )
    reset_connections()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        reset_connections()


def test_cases_opened_while_the_broker_is_down_are_each_mailed_once_it_is_back(
    mailoutbox, on_commit, caplog
):
    requesters = [UserFactory(full_name=f"Partner {n}") for n in range(3)]
    caplog.set_level(logging.ERROR)

    with broker_down():
        cases = []
        for requester in requesters:
            with on_commit():
                cases.append(open_case(requester, subject="Calls drop after 30 seconds"))

    assert mailoutbox == []
    assert any("Could not queue tickets.deliver_email" in r.getMessage() for r in caplog.records)
    emails = OutgoingEmail.objects.filter(kind="case_opened")
    assert sorted(email.ticket_id for email in emails) == sorted(case.pk for case in cases)
    assert [(email.sent_at, email.attempts) for email in emails] == [(None, 0)] * 3

    # Beat's sweep, once the broker is back, then again, and a task delivered twice.
    assert deliver_pending_emails.delay().get() == 3
    assert deliver_pending_emails.delay().get() == 0
    for email in emails:
        assert deliver_email.delay(email.pk).get() is False

    assert sorted(m.to for m in mailoutbox) == sorted([r.email] for r in requesters)
    assert sorted(m.subject for m in mailoutbox) == sorted(
        f"[{case.number}] Case received: Calls drop after 30 seconds" for case in cases
    )
    assert all(email.sent_at and email.attempts == 1 for email in emails.all())


class Oops(Exception):
    pass


def test_no_email_is_written_for_a_change_that_is_rolled_back(mailoutbox, on_commit):
    requester = UserFactory()

    def open_and_fail():
        with transaction.atomic():
            open_case(requester)
            raise Oops

    with on_commit() as queued, pytest.raises(Oops):
        open_and_fail()

    assert queued == []
    assert not OutgoingEmail.objects.exists()
    assert mailoutbox == []


def test_an_email_of_a_rolled_back_savepoint_is_gone_and_the_rest_is_sent(mailoutbox, on_commit):
    ticket = TicketFactory(subject="Calls drop")
    requester = UserFactory()

    with on_commit(), transaction.atomic():
        case = open_case(requester, subject="Kept")
        with contextlib.suppress(Oops), transaction.atomic():
            services.email_queue(mail.build("status_changed", ticket), kind="status_changed")
            raise Oops

    assert [email.ticket for email in OutgoingEmail.objects.all()] == [case]
    assert [m.subject for m in mailoutbox] == [f"[{case.number}] Case received: Kept"]


class MailServerDown(EmailBackend):
    """The locmem backend behind a mail server that refuses connections while ``down``."""

    down = False
    attempts = 0

    def send_messages(self, messages):
        MailServerDown.attempts += 1
        if MailServerDown.down:
            raise ConnectionRefusedError(111, "Connection refused")
        return super().send_messages(messages)


def test_a_failing_mail_server_is_counted_and_tried_again_later_until_the_mail_goes(
    mailoutbox, on_commit, settings
):
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"
    MailServerDown.down, MailServerDown.attempts = True, 0
    celery_app.conf.task_eager_propagates = False  # let the eager retries run (restored)
    requester = UserFactory()

    with time_machine.travel(timezone.now(), tick=False) as clock:
        with on_commit():
            case = open_case(requester, subject="Kept")
        email = OutgoingEmail.objects.get()
        tries = deliver_email.max_retries + 1
        assert (email.attempts, email.sent_at, email.failed_at) == (tries, None, None)
        assert email.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
        # Then the sweep: one try each time the wait is over, each wait twice the last.
        assert email.next_attempt_at - timezone.now() == timedelta(minutes=4)
        assert deliver_pending_emails.delay().get() == 0  # not yet
        clock.shift(timedelta(minutes=4))
        assert deliver_pending_emails.delay().get() == 1
        email.refresh_from_db()
        assert email.attempts == tries + 1
        assert email.next_attempt_at - timezone.now() == timedelta(minutes=8)

        MailServerDown.down = False
        clock.shift(timedelta(minutes=8))
        assert deliver_pending_emails.delay().get() == 1
        assert deliver_pending_emails.delay().get() == 0

    tries += 2
    assert MailServerDown.attempts == tries
    (sent,) = mailoutbox
    assert sent.subject == f"[{case.number}] Case received: Kept"
    # The same e-mail as written, Message-ID included, however many tries it took.
    email.refresh_from_db()
    assert sent.extra_headers["Message-ID"] == email.headers["Message-ID"]
    assert (email.attempts, email.last_error) == (tries, "")


def test_what_is_sent_is_what_was_built_headers_and_files_included(mailoutbox, on_commit):
    built = mail.build_auto_reply(
        "no_reference",
        to="mario.rossi@acme.test",
        in_reply_to="<CAF1@mail.acme.test>",
        references="<CAF0@mail.acme.test>",
    )
    built.attach("trace.pcap", b"\x00\x01\xfe\xff", "application/vnd.tcpdump.pcap")
    built.attach("notes.txt", "Zeile 1 – äöü", "text/plain")
    plain = EmailMessage(subject="Plain", body="Text only.", to=["a@acme.test"], cc=["b@acme.test"])

    with on_commit():
        services.email_queue(built, kind="auto_no_reference")
        services.email_queue(plain, kind="test")

    fields = ("subject", "body", "from_email", "to", "cc", "bcc", "reply_to", "extra_headers")
    for original, sent in zip([built, plain], mailoutbox, strict=True):
        assert [getattr(sent, f) for f in fields] == [getattr(original, f) for f in fields]
        assert sent.attachments == original.attachments
        assert sent.alternatives == getattr(original, "alternatives", [])
    assert built.extra_headers["In-Reply-To"] == "<CAF1@mail.acme.test>"


def test_a_case_email_queued_as_a_task_goes_through_the_outbox(mailoutbox, on_commit):
    ticket = TicketFactory(subject="Calls drop")

    with on_commit():
        assert send_ticket_mail.delay(kind="case_opened", ticket_id=ticket.pk).get() is True

    (sent,) = mailoutbox
    assert sent.subject == f"[{ticket.number}] Case received: Calls drop"
    assert OutgoingEmail.objects.get().sent_at is not None


def test_beat_runs_the_sweep_every_minute_on_the_notifications_queue(settings):
    assert settings.CELERY_BEAT_SCHEDULE["emails-pending"] == {
        "task": "tickets.deliver_pending_emails",
        "schedule": 60.0,
    }
    for name in ("tickets.deliver_pending_emails", "tickets.deliver_email"):
        assert route_by_task_name(name, (), {}, {}) == {"queue": "notifications"}
