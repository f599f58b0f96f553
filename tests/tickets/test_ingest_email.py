"""``manage.py ingest_email`` fed real multipart e-mails on standard input, as an MTA pipe
delivers them: replies, new-case attempts, closed cases, foreign senders, duplicates,
malformed mail and robots."""

import io
import logging
import os
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError

from desk import inbound
from desk.actions.reply import Reply, message_post
from desk.actions.status import ticket_set_status
from partners.roles import Role
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.tickets import mail_samples as samples
from tests.tickets.factories import MessageFactory, TicketFactory
from tickets import selectors
from tickets.models import Message, Ticket

ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture(autouse=True)
def _mail_setup(settings, media_root, eager_celery, policies):
    settings.SITE_URL = "https://desk.example.test"
    settings.DEFAULT_FROM_EMAIL = samples.DESK
    settings.SUPPORT_REPLY_TO = "replies@supportdesk.test"


@pytest.fixture
def ingest(monkeypatch, django_capture_on_commit_callbacks):
    """Pipe ``raw`` into the command on standard input; returns what it printed."""

    def run(raw: bytes) -> str:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("ingest_email", stdout=out)
        return out.getvalue().strip()

    return run


@pytest.fixture
def agent():
    return StaffFactory(roles=[Role.AGENT], full_name="Anna Agent")


@pytest.fixture
def ticket(agent):
    return TicketFactory(
        assignee=agent,
        subject="Calls drop on the Milan trunk",
        description="Confidential: the Milan office loses calls after 30 seconds.",
    )


@pytest.fixture
def member(ticket):
    """Another user of the case's organisation: every member may answer its cases."""
    return UserFactory(organisation=ticket.organisation, email="mario.rossi@acme.test")


def subject_of(ticket: Ticket) -> str:
    return f"Re: [{ticket.number}] New reply: {ticket.subject}"


def all_text(email) -> str:
    """Everything a recipient could read: subject, text body and HTML alternatives."""
    parts = [email.subject, email.body, *(content for content, _ in email.alternatives)]
    return "\n".join(parts)


# --- Replies become public messages ------------------------------------------------------


def test_a_reply_is_added_with_the_quote_trimmed_and_the_files_kept(
    ingest, ticket, member, agent, mailoutbox
):
    ticket_set_status(ticket=ticket, actor=agent, status="resolved")
    mailoutbox.clear()
    text = "The problem is back since this morning.\nHere are a trace and the invoice."
    raw = samples.gmail_reply(
        sender=f"Mario Rossi <{member.email.upper()}>",
        subject=subject_of(ticket),
        text=text,
        quoted="Please send a trace of a failing call.",
        attachments=[
            ("failing-call.pcap", samples.PCAP, "application/vnd.tcpdump.pcap"),
            ("invoice 2025-03.pdf", samples.PDF, "application/pdf"),
        ],
    )

    assert ingest(raw) == f"posted {ticket.number}"

    message = Message.objects.get(ticket=ticket)
    assert message.body == text
    assert message.author == member
    assert message.channel == Message.Channel.EMAIL
    assert message.visibility == Message.Visibility.PUBLIC
    assert message.email_message_id == message_from_bytes(raw, policy=policy.default)["Message-ID"]
    stored = {a.original_name: a.file.read() for a in message.attachments.all()}
    assert stored == {"failing-call.pcap": samples.PCAP, "invoice 2025-03.pdf": samples.PDF}
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN  # the partner's reply reopened it
    assert ticket.resolved_at is None
    assert list(selectors.messages_visible_to(member, ticket)) == [message]
    # The assignee hears of it; nobody gets an automatic answer.
    assert [m.to for m in mailoutbox] == [[agent.email]]
    assert text in mailoutbox[0].body


@pytest.mark.parametrize("style", ["headers", "original"])
def test_outlook_quoting_is_trimmed(ingest, ticket, member, style):
    raw = samples.outlook_reply(
        sender=member.email,
        subject=f"RE: {ticket.number} trunk",
        text="Rebooted, still failing.",
        style=style,
    )

    assert ingest(raw) == f"posted {ticket.number}"

    body = Message.objects.get(ticket=ticket).body
    assert body == "Rebooted, still failing.\n\nBest regards\nMario"


def test_the_signature_is_left_out(ingest, ticket, member):
    raw = samples.with_signature(
        sender=member.email, subject=subject_of(ticket), text="Firmware updated to 1.9.2."
    )
    ingest(raw)
    assert Message.objects.get(ticket=ticket).body == "Firmware updated to 1.9.2."


def test_an_html_only_reply_is_read_as_text(ingest, ticket, member):
    raw = samples.html_only(
        sender=member.email,
        subject=subject_of(ticket),
        html=(
            "<html><head><style>p {color: red}</style></head><body>"
            "<p>Calls work again &amp; the trunk is <b>registered</b>.</p>"
            "<ul><li>Milan: ok</li><li>Rome: ok</li></ul>"
            "<div>On Mon, 3 Mar 2025, Support desk wrote:</div>"
            "<blockquote>Please restart the PBX.</blockquote></body></html>"
        ),
    )
    ingest(raw)
    body = Message.objects.get(ticket=ticket).body
    assert body == "Calls work again & the trunk is registered.\n\n- Milan: ok\n- Rome: ok"


def test_an_iso_8859_1_body_and_an_encoded_subject_are_decoded(ingest, ticket, member):
    text = "Le problème est résolu après la mise à jour. Merci beaucoup, ½ journée perdue."
    raw = samples.latin1_reply(sender=member.email, case_number=ticket.number, text=text)
    assert b"=E8" in raw  # really sent as quoted-printable ISO-8859-1

    assert ingest(raw) == f"posted {ticket.number}"
    assert Message.objects.get(ticket=ticket).body == text


def test_a_reply_to_our_notification_finds_the_case_by_its_message_id(
    ingest, ticket, member, agent, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message_post(ticket=ticket, reply=Reply(author=agent, body="Which firmware runs there?"))
    (notification,) = mailoutbox
    our_id = notification.extra_headers["Message-ID"]
    raw = samples.plain(
        sender=member.email,
        subject="Re: your question",  # the number was edited out of the subject
        text="Firmware 1.9.0 on every phone.",
        In_Reply_To=our_id,
        References=our_id,
    )

    assert ingest(raw) == f"posted {ticket.number}"
    assert ticket.messages.filter(author=member, body="Firmware 1.9.0 on every phone.").exists()


def test_a_file_the_rules_refuse_is_dropped_and_the_sender_told(ingest, ticket, member, mailoutbox):
    mailoutbox.clear()
    raw = samples.gmail_reply(
        sender=member.email,
        subject=subject_of(ticket),
        text="The installer and the log are attached.",
        attachments=[
            ("setup.exe", b"MZ\x90\x00binary", "application/octet-stream"),
            ("pbx.log", b"10:02 trunk down\n", "text/plain"),
        ],
    )

    assert ingest(raw) == f"posted {ticket.number} answered 1 file(s) dropped"

    message = Message.objects.get(ticket=ticket)
    assert [a.original_name for a in message.attachments.all()] == ["pbx.log"]
    assert message.body.startswith("The installer and the log are attached.")
    assert "setup.exe" in message.body  # the team sees what was left out
    (answer,) = [m for m in mailoutbox if m.to == [member.email]]
    assert "setup.exe" in answer.body
    assert "not accepted" in answer.body
    assert answer.extra_headers["Auto-Submitted"] == "auto-replied"


def test_a_forwarded_e_mail_is_kept_as_an_eml_file(ingest, ticket, member):
    forwarded = samples.plain(
        sender="noc@carrier.test", subject="Trunk maintenance tonight", text="Expect drops."
    )
    raw = samples.with_forwarded_mail(
        sender=member.email,
        subject=subject_of(ticket),
        text="Our carrier warned us, see the forwarded mail.",
        forwarded=forwarded,
    )

    assert ingest(raw) == f"posted {ticket.number}"

    (attachment,) = Message.objects.get(ticket=ticket).attachments.all()
    assert attachment.original_name.endswith(".eml")
    assert b"Trunk maintenance tonight" in attachment.file.read()


def test_a_pasted_screenshot_is_kept(ingest, ticket, member):
    raw = samples.with_inline_screenshot(
        sender=member.email, subject=subject_of(ticket), text="This is the error we see."
    )

    assert ingest(raw) == f"posted {ticket.number}"

    message = Message.objects.get(ticket=ticket)
    assert message.body == "This is the error we see.\n[image: screenshot.png]"
    (attachment,) = message.attachments.all()
    assert (attachment.original_name, attachment.file.read()) == ("screenshot.png", samples.PNG)


@pytest.mark.parametrize(
    ("raw_name", "stored"),
    [
        ('"r\xe9sum\xe9 r\xe9seau.pdf"', "résumé réseau.pdf"),  # Latin-1 bytes, quoted
        ("r\xe9sum\xe9.pdf", "résumé.pdf"),  # and unquoted
        ('"r\xc3\xa9sum\xc3\xa9.pdf"', "résumé.pdf"),  # raw UTF-8 bytes
    ],
)
def test_a_file_named_in_raw_8_bit_bytes_is_kept_under_its_name_read_as_windows_1252(
    ingest, ticket, member, raw_name, stored
):
    raw = samples.gmail_reply(
        sender=member.email,
        subject=subject_of(ticket),
        text="The invoice.",
        attachments=[("PLACEHOLDER.pdf", samples.PDF, "application/pdf")],
    )
    raw = raw.replace(b'filename="PLACEHOLDER.pdf"', b"filename=" + raw_name.encode("latin-1"))

    assert ingest(raw) == f"posted {ticket.number}"

    (attachment,) = Message.objects.get(ticket=ticket).attachments.all()
    assert (attachment.original_name, attachment.file.read()) == (stored, samples.PDF)


# --- Refusals we answer ourselves --------------------------------------------------------


def test_a_new_case_by_e_mail_gets_pointed_to_the_portal(ingest, member, mailoutbox):
    tickets_before = Ticket.objects.count()
    raw = samples.gmail_reply(
        sender=member.email,
        subject="PBX down in Turin",
        text="Our PBX in Turin is down, please help.",
        attachments=[("screenshot.png", samples.PNG, "image/png")],
    )

    assert ingest(raw) == "no_reference answered"

    assert Ticket.objects.count() == tickets_before
    assert not Message.objects.exists()
    (answer,) = mailoutbox
    assert answer.to == [member.email]
    assert "https://desk.example.test/cases/new/" in answer.body
    assert 'href="https://desk.example.test/cases/new/"' in answer.alternatives[0][0]
    assert answer.extra_headers["Auto-Submitted"] == "auto-replied"
    original_id = message_from_bytes(raw, policy=policy.default)["Message-ID"]
    assert answer.extra_headers["In-Reply-To"] == original_id


def test_an_unknown_case_number_is_treated_as_no_reference(ingest, member, mailoutbox):
    raw = samples.plain(sender=member.email, subject="Re: [SD-987654] hello", text="Any news?")
    assert ingest(raw) == "no_reference answered"
    assert not Message.objects.exists()
    assert "/cases/new/" in mailoutbox[0].body


def test_a_reply_to_a_closed_case_is_offered_a_follow_up(ingest, ticket, member, agent, mailoutbox):
    ticket_set_status(ticket=ticket, actor=agent, status="resolved")
    ticket_set_status(ticket=ticket, actor=agent, status="closed")
    mailoutbox.clear()
    raw = samples.plain(sender=member.email, subject=subject_of(ticket), text="It broke again.")

    assert ingest(raw) == f"closed {ticket.number} answered"

    assert not Message.objects.filter(ticket=ticket).exists()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    (answer,) = mailoutbox
    assert answer.to == [member.email]
    assert f"https://desk.example.test/cases/new/?follow_up={ticket.pk}" in answer.body
    assert answer.subject.startswith(f"[{ticket.number}]")


@pytest.mark.parametrize(
    "who", ["other_organisation", "unknown_address", "staff_address", "inactive_member"]
)
def test_a_sender_outside_the_organisation_is_refused_and_learns_nothing(
    ingest, ticket, agent, mailoutbox, who
):
    MessageFactory(ticket=ticket, author=agent, body="Secret detail: trunk password is 1234.")
    address = {
        "other_organisation": lambda: UserFactory(organisation=OrganisationFactory()).email,
        "unknown_address": lambda: "stranger@elsewhere.test",
        "staff_address": lambda: agent.email,
        "inactive_member": lambda: (
            UserFactory(organisation=ticket.organisation, is_active=False).email
        ),
    }[who]()
    raw = samples.plain(
        sender=address, subject=f"[{ticket.number}] status?", text="Please close this case."
    )

    assert ingest(raw) == f"refused_sender {ticket.number} answered"

    assert ticket.messages.count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW
    (answer,) = mailoutbox
    assert answer.to == [address]
    readable = all_text(answer)
    assert "cannot post to that case" in readable
    for secret in (ticket.subject, ticket.description, "trunk password", ticket.organisation.name):
        assert secret not in readable
    assert "X-Support-Case" not in answer.extra_headers


def test_a_reply_with_nothing_new_is_not_added(ingest, ticket, member, mailoutbox):
    raw = samples.gmail_reply(sender=member.email, subject=subject_of(ticket), text="")
    assert ingest(raw) == f"not_added {ticket.number} answered"
    assert not Message.objects.filter(ticket=ticket).exists()
    assert "found nothing in it to add" in mailoutbox[0].body


# --- Duplicates, robots, malformed mail --------------------------------------------------


def test_the_same_message_id_twice_is_stored_once(ingest, ticket, member, agent, mailoutbox):
    raw = samples.gmail_reply(
        sender=member.email,
        subject=subject_of(ticket),
        text="Trace attached.",
        attachments=[("call.pcap", samples.PCAP, "application/vnd.tcpdump.pcap")],
    )
    assert ingest(raw) == f"posted {ticket.number}"
    assert ingest(raw) == f"duplicate {ticket.number}"

    assert ticket.messages.count() == 1
    assert ticket.attachments.count() == 1
    assert len([m for m in mailoutbox if m.to == [agent.email]]) == 1


def test_the_same_unanswerable_message_twice_is_answered_once(ingest, member, mailoutbox):
    raw = samples.plain(sender=member.email, subject="New problem", text="Help")
    assert ingest(raw) == "no_reference answered"
    assert ingest(raw) == "no_reference"
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Auto_Submitted": "auto-generated"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"Precedence": "list"},
        {"Return_Path": "<>"},
        {"List_Id": "Partners <partners.lists.acme.test>"},
    ],
)
@pytest.mark.parametrize("with_reference", [False, True])
def test_robots_get_no_answer_and_are_not_stored(
    ingest, ticket, member, mailoutbox, headers, with_reference
):
    subject = f"Out of office: {subject_of(ticket)}" if with_reference else "Out of office"
    raw = samples.plain(
        sender=member.email, subject=subject, text="I am away until Monday.", **headers
    )
    assert ingest(raw).startswith("automatic ")
    assert mailoutbox == []
    assert not Message.objects.exists()


def test_auto_submitted_no_is_a_person(ingest, member, mailoutbox):
    raw = samples.plain(sender=member.email, subject="Hi", text="Hello", Auto_Submitted="no")
    assert ingest(raw) == "no_reference answered"
    assert len(mailoutbox) == 1


def test_our_own_automatic_answer_coming_back_is_not_answered(ingest, member, mailoutbox):
    ingest(samples.plain(sender=member.email, subject="New problem", text="Help"))
    (answer,) = mailoutbox
    bounced_back = answer.message().as_bytes()

    assert ingest(bounced_back).startswith("automatic ")
    assert len(mailoutbox) == 1


def test_a_robot_that_does_not_say_so_is_answered_a_few_times_an_hour_at_most(
    ingest, member, mailoutbox
):
    for number in range(inbound.ANSWERS_PER_SENDER_PER_HOUR + 3):
        ingest(samples.plain(sender=member.email, subject=f"Ticket {number}", text="Ping"))
    assert len(mailoutbox) == inbound.ANSWERS_PER_SENDER_PER_HOUR


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(samples.GARBAGE, id="garbage"),
        pytest.param(b"", id="empty"),
        pytest.param(samples.missing_from(subject="[SD-000001] hello"), id="missing-from"),
        pytest.param(
            samples.broken_boundary(sender="mario.rossi@acme.test", subject="[SD-000001] x"),
            id="broken-boundary",
        ),
        pytest.param(
            samples.plain(sender="not an address", subject="[SD-000001] x", text="x"),
            id="bad-from",
        ),
    ],
)
def test_malformed_mail_is_logged_and_refused_without_a_crash(
    ingest, ticket, member, mailoutbox, caplog, raw
):
    with (
        caplog.at_level(logging.WARNING, logger="desk.inbound"),
        pytest.raises(CommandError) as refused,
    ):
        ingest(raw)

    assert refused.value.returncode == 65
    assert any("malformed" in record.getMessage() for record in caplog.records)
    assert not Message.objects.exists()
    assert mailoutbox == []


def test_a_database_failure_asks_the_mta_to_retry(ingest, member, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(Ticket.objects, "select_related", broken)
    raw = samples.plain(sender=member.email, subject="[SD-000001] x", text="Hello")

    with pytest.raises(CommandError) as failed:
        ingest(raw)

    assert failed.value.returncode == 75
    assert "connection refused" in caplog.text


def test_the_command_reads_a_file_too(ticket, member, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "message.eml"
    path.write_bytes(samples.plain(sender=member.email, subject=subject_of(ticket), text="Hi"))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_email", "--file", str(path), stdout=out)
    assert out.getvalue().strip() == f"posted {ticket.number}"


def test_a_real_pipe_gets_an_exit_code_and_no_traceback():
    """As an MTA runs it: a separate process, bytes on stdin, only the exit code counts."""
    command = [sys.executable, str(ROOT / "manage.py"), "ingest_email"]
    env = {**os.environ, "LOG_LEVEL": "INFO"}

    garbage = subprocess.run(
        command, input=samples.GARBAGE, capture_output=True, env=env, timeout=60, check=False
    )
    assert garbage.returncode == 65
    assert b"Traceback" not in garbage.stderr
    assert b"malformed" in garbage.stderr

    robot = samples.plain(
        sender="mario.rossi@acme.test",
        subject="Automatic reply",
        text="Away",
        Auto_Submitted="auto-replied",
    )
    handled = subprocess.run(
        command, input=robot, capture_output=True, env=env, timeout=60, check=False
    )
    assert handled.returncode == 0, handled.stderr
    assert handled.stdout.startswith(b"automatic")


# --- The pure parts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Done.\n\nOn Tue, 4 Mar 2025, Desk wrote:\n> Did it work?\n> \n", "Done."),
        ("Done.\n\nOn Tue, 4 Mar 2025 at 10:00, Desk <\ndesk@x.test> wrote:\n> Q\n", "Done."),
        ("Fatto.\n\nIl giorno mar 4 mar 2025, Desk ha scritto:\n> Domanda\n", "Fatto."),
        ("Done.\n-----Original Message-----\nFrom: Desk\nOld text", "Done."),
        ("Done.\n\nFrom: Desk\nSent: Tuesday\nTo: Me\n\nOld text", "Done."),
        ("Done.\n\n-- \nMario\n+39 000", "Done."),
        ("Done.\n> trailing quote\n>\n", "Done."),
        # Answers written between the quoted lines are kept.
        (
            "See below.\n\nOn Tue, Desk wrote:\n> Which firmware?\n1.9.0\n> Which WMS?\n7.02\n",
            "See below.\n\nOn Tue, Desk wrote:\n> Which firmware?\n1.9.0\n> Which WMS?\n7.02",
        ),
        ("On Monday we rebooted.\nIt wrote nothing to the log.", None),
        ("From: the PBX log, line 3:\nerror 42", None),
    ],
)
def test_trim_quoted(text, expected):
    assert inbound.trim_quoted(text) == (text.strip() if expected is None else expected)


@pytest.mark.parametrize(
    ("subject", "references", "expected"),
    [
        ("Re: [SD-000123] New reply", (), (123,)),
        ("Re: about sd-42 and [SD-000007]", (), (7, 42)),
        ("Re: question", ("<1.2.3.SD-000055@supportdesk.test>",), (55,)),
        ("Re: question", ("<1.2.3.SD-000055@elsewhere.test>",), ()),
        ("Re: VSD-000123 or SD-12345678901234567890123", (), ()),
    ],
)
def test_case_numbers_in_subject_and_references(subject, references, expected):
    assert inbound.case_pks_in(subject, references) == expected
