"""What ``make run`` hands its web server, worker and beat: e-mails that link to the port
it serves on, printed one line each (recipient and subject) so the start-up banner with the
address and the logins stays in view."""

import io
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from supportdesk.management.commands.run_local import ONE_LINE_EMAIL_BACKEND, child_environment
from tests.tickets.factories import TicketFactory
from tickets import mail as case_mail


def test_the_processes_link_to_the_port_served_and_print_mail_on_one_line():
    env = child_environment({"PATH": "/usr/bin"}, host="127.0.0.1", port=8123)

    assert env["SITE_URL"] == "http://127.0.0.1:8123"
    assert env["EMAIL_BACKEND"] == ONE_LINE_EMAIL_BACKEND
    assert env["PATH"] == "/usr/bin"
    assert child_environment({}, host="0.0.0.0", port=8001)["SITE_URL"] == ("http://127.0.0.1:8001")


def test_what_the_environment_already_says_is_kept():
    given = {"SITE_URL": "https://desk.example.test", "EMAIL_URL": "smtp://mail.example.test"}

    env = child_environment(given, host="127.0.0.1", port=8123)

    assert env["SITE_URL"] == "https://desk.example.test"
    assert "EMAIL_BACKEND" not in env


def test_the_settings_take_both_from_the_environment():
    env = child_environment({"PATH": "/usr/bin:/bin"}, host="127.0.0.1", port=8123)
    env["VAR_DIR"] = str(settings.VAR_DIR)
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'supportdesk.settings'; "
            "django.setup(); from django.conf import settings as s; "
            "print(s.SITE_URL, s.EMAIL_BACKEND)",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()

    assert shown == ["http://127.0.0.1:8123", ONE_LINE_EMAIL_BACKEND]


def test_each_email_prints_as_one_line_with_recipient_and_subject():
    out = io.StringIO()
    connection = mail.get_connection(ONE_LINE_EMAIL_BACKEND, stream=out)
    emails = [
        EmailMultiAlternatives("[SD-000123] Case received:\n Müller", "Long body\n" * 50, to=[to])
        for to in ("anna@alpine.test", "sofia@desk.test")
    ]

    assert connection.send_messages(emails) == 2

    assert out.getvalue().splitlines() == [
        "E-mail to anna@alpine.test: [SD-000123] Case received: Müller",
        "E-mail to sofia@desk.test: [SD-000123] Case received: Müller",
    ]


@pytest.mark.django_db
def test_a_demo_email_links_to_the_port_served(policies, settings):
    settings.SITE_URL = child_environment({}, host="127.0.0.1", port=8123)["SITE_URL"]
    ticket = TicketFactory()

    email = case_mail.build("case_opened", ticket)

    assert f"http://127.0.0.1:8123/cases/{ticket.pk}/" in email.body
