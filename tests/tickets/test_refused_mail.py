"""E-mails the mailbox refuses are answered as before and kept: support staff find them
under "Refused mail" and open a case with one, add it to a case, or discard it."""

import io
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django.urls import reverse

from partners.models import Organisation
from partners.roles import Role
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.tickets import mail_samples as samples
from tests.tickets.factories import (
    RefusedMailFactory,
    RefusedMailFileFactory,
    TicketFactory,
    open_case,
)
from tickets import notifications
from tickets.models import Message, RefusedMail, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

LIST_URL = reverse("tickets:refused_mail_list")
REMINDER = "within 3 days"


@pytest.fixture(autouse=True)
def _mail_setup(settings, eager_celery, policies, calendars):
    settings.SITE_URL = "https://desk.example.test"
    settings.DEFAULT_FROM_EMAIL = samples.DESK
    settings.SUPPORT_REPLY_TO = "replies@supportdesk.test"


@pytest.fixture
def ingest(monkeypatch, django_capture_on_commit_callbacks):
    def run(raw: bytes) -> str:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("ingest_email", stdout=out)
        return out.getvalue().strip()

    return run


@pytest.fixture
def member(policies):
    organisation = OrganisationFactory(tier=Organisation.Tier.GOLD, region=Organisation.Region.EU)
    return UserFactory(organisation=organisation, email="mario.rossi@acme.test")


@pytest.fixture
def staff_client(agent, client):
    client.force_login(agent)
    return client


def new_case_mail(sender: str) -> bytes:
    return samples.gmail_reply(
        sender=sender,
        subject="PBX down in Turin",
        text="Our PBX in Turin is down, please help.",
        attachments=[("screenshot.png", samples.PNG, "image/png")],
    )


def detail_url(mail: RefusedMail, action: str = "") -> str:
    name = f"tickets:refused_mail_{action}" if action else "tickets:refused_mail_detail"
    return reverse(name, kwargs={"pk": mail.pk})


# --- Kept when refused ---------------------------------------------------------------------


def test_a_new_case_by_e_mail_is_still_answered_and_now_kept(ingest, member, mailoutbox):
    assert ingest(new_case_mail(member.email)) == "no_reference answered"

    (answer,) = mailoutbox
    assert answer.to == [member.email]
    assert "/cases/new/" in answer.body
    mail = RefusedMail.objects.get()
    assert mail.reason == RefusedMail.Reason.NO_REFERENCE
    assert mail.sender == member.email
    assert mail.subject == "PBX down in Turin"
    assert mail.text == "Our PBX in Turin is down, please help."
    assert mail.received_at is not None
    assert not mail.is_handled
    (kept,) = mail.files.all()
    assert (kept.original_name, kept.file.read()) == ("screenshot.png", samples.PNG)


def test_a_reply_to_a_closed_case_is_kept_with_its_case_number(ingest, member, mailoutbox):
    ticket = TicketFactory(organisation=member.organisation, status=Ticket.Status.CLOSED)
    raw = samples.plain(sender=member.email, subject=f"Re: [{ticket.number}] x", text="Back again")

    assert ingest(raw) == f"closed {ticket.number} answered"

    mail = RefusedMail.objects.get()
    assert (mail.reason, mail.case_number) == (RefusedMail.Reason.CLOSED, ticket.number)
    assert len(mailoutbox) == 1


def test_no_answer_no_row_the_two_are_written_together(ingest, member, monkeypatch):
    """An answer that cannot be written leaves nothing behind, so the MTA's retry finds
    the message new."""

    def broken(*args, **kwargs):
        raise OperationalError("outbox unavailable")

    monkeypatch.setattr(notifications, "email_queue", broken)
    with pytest.raises(CommandError) as failed:
        ingest(new_case_mail(member.email))

    assert failed.value.returncode == 75
    assert not RefusedMail.objects.exists()


def test_the_same_refused_message_twice_is_kept_once(ingest, member):
    raw = new_case_mail(member.email)
    ingest(raw)
    ingest(raw)
    assert RefusedMail.objects.count() == 1


# --- The list --------------------------------------------------------------------------------


def test_staff_see_refused_mail_newest_first(ingest, member, staff_client):
    older = RefusedMailFactory(subject="The older one")
    ingest(new_case_mail(member.email))

    page = staff_client.get(LIST_URL).content.decode()

    assert "PBX down in Turin" in page
    assert member.email in page
    assert "No case number" in page
    assert page.index("PBX down in Turin") < page.index(older.subject)


def test_the_list_is_in_the_staff_navigation(staff_client):
    assert f'href="{LIST_URL}"' in staff_client.get(reverse("tickets:queue")).content.decode()


def test_the_list_query_count_does_not_grow_with_rows(staff_client, django_assert_max_num_queries):
    RefusedMailFactory.create_batch(2)
    with django_assert_max_num_queries(12) as few:
        staff_client.get(LIST_URL)
    RefusedMailFactory.create_batch(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff_client.get(LIST_URL).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff_client.get(LIST_URL + "?tab=handled").status_code == 200


def test_partners_are_refused_every_page(member, client):
    kept = RefusedMailFileFactory()
    client.force_login(member)
    for url in (
        LIST_URL,
        detail_url(kept.mail),
        detail_url(kept.mail, "open"),
        reverse("tickets:refused_mail_file", kwargs={"pk": kept.pk}),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(detail_url(kept.mail, "discard"), {"note": "spam"}).status_code == 403
    assert not RefusedMail.objects.get().is_handled


def test_staff_download_the_kept_file(staff_client):
    kept = RefusedMailFileFactory()
    page = staff_client.get(detail_url(kept.mail)).content.decode()
    assert kept.mail.text in page
    response = staff_client.get(reverse("tickets:refused_mail_file", kwargs={"pk": kept.pk}))
    assert b"".join(response.streaming_content) == b"INVITE sip:100@pbx"


# --- Open a case -----------------------------------------------------------------------------


def test_open_a_case_from_the_mail_with_its_text_and_file(ingest, member, agent, staff_client):
    ingest(new_case_mail(member.email))
    mail = RefusedMail.objects.get()

    form = staff_client.get(detail_url(mail, "open")).content.decode()
    assert "PBX down in Turin" in form  # the subject filled in
    assert "screenshot.png" in form
    response = staff_client.post(
        detail_url(mail, "open"),
        {
            "requester": member.pk,
            "case_type": "tech_support",
            "reason": "lost-credentials",
            "subject": "PBX down in Turin",
            "description": mail.text,
            "wms_version": "7.02",
            "firmware_versions": "1.9.0",
        },
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:staff_case", kwargs={"pk": ticket.pk})
    assert ticket.requester == member
    assert ticket.created_by == agent
    assert ticket.description == "Our PBX in Turin is down, please help."
    assert ticket.reason.code == "lost-credentials"
    assert [a.original_name for a in ticket.attachments.all()] == ["screenshot.png"]
    mail.refresh_from_db()
    assert (mail.handling, mail.ticket, mail.handled_by) == ("opened", ticket, agent)
    assert mail.handled_at is not None
    assert "PBX down in Turin" not in staff_client.get(LIST_URL).content.decode()
    assert "PBX down in Turin" in staff_client.get(LIST_URL + "?tab=handled").content.decode()
    # The case page reminds staff that the loss must also go to the authority.
    assert REMINDER in staff_client.get(response["Location"]).content.decode()


def test_an_unknown_sender_has_staff_pick_the_partner_user(member, staff_client):
    mail = RefusedMailFactory(sender="someone@elsewhere.test")

    assert "No single partner user" in staff_client.get(detail_url(mail, "open")).content.decode()
    search = staff_client.get(detail_url(mail, "open"), {"who": member.email}).content.decode()
    assert f"?requester={member.pk}" in search
    form = staff_client.get(detail_url(mail, "open"), {"requester": member.pk}).content.decode()
    assert f"Open a case for {member.get_full_name()}" in form


def test_an_incomplete_case_form_comes_back_and_the_mail_waits(member, staff_client):
    mail = RefusedMailFactory(sender=member.email)
    response = staff_client.post(
        detail_url(mail, "open"),
        {"requester": member.pk, "case_type": "tech_support", "reason": "", "subject": "x"},
    )
    assert response.status_code == 200
    assert not Ticket.objects.exists()
    assert not RefusedMail.objects.get().is_handled


# --- Attach to a case ------------------------------------------------------------------------


def test_attach_the_mail_to_a_case_as_the_senders_message(member, agent, staff_client):
    ticket = open_case(member)
    kept = RefusedMailFileFactory(mail__sender=member.email, mail__text="Here is the trace.")

    response = staff_client.post(detail_url(kept.mail, "attach"), {"case": ticket.number})

    assert response.status_code == 302
    message = Message.objects.get(ticket=ticket)
    assert (message.author, message.body) == (member, "Here is the trace.")
    assert [a.original_name for a in message.attachments.all()] == ["trace.txt"]
    mail = RefusedMail.objects.get()
    assert (mail.handling, mail.ticket, mail.handled_by) == ("attached", ticket, agent)


def test_attach_to_a_case_of_another_organisation_is_refused(member, staff_client):
    ticket = open_case(member)
    mail = RefusedMailFactory(sender="someone@elsewhere.test")

    response = staff_client.post(detail_url(mail, "attach"), {"case": ticket.number})

    assert response.status_code == 200
    assert "not a member of the organisation" in response.content.decode()
    assert not Message.objects.exists()
    assert not RefusedMail.objects.get().is_handled


def test_attach_a_mail_with_only_files(member, staff_client):
    ticket = open_case(member)
    kept = RefusedMailFileFactory(mail__sender=member.email, mail__text="")
    staff_client.post(detail_url(kept.mail, "attach"), {"case": ticket.number})
    message = Message.objects.get(ticket=ticket)
    assert message.body == "Files sent by e-mail: trace.txt"


def test_attach_to_a_case_that_does_not_exist(staff_client):
    mail = RefusedMailFactory()
    response = staff_client.post(detail_url(mail, "attach"), {"case": "SD-999999"})
    assert "no case with that number" in response.content.decode()
    assert not RefusedMail.objects.get().is_handled


# --- Discard ---------------------------------------------------------------------------------


def test_discard_needs_a_reason(staff_client, agent):
    mail = RefusedMailFactory()

    response = staff_client.post(detail_url(mail, "discard"), {"note": "  "})

    assert response.status_code == 200
    assert "Say why the e-mail is discarded." in response.content.decode()
    assert mail.text in response.content.decode()  # nothing lost
    mail.refresh_from_db()
    assert not mail.is_handled

    staff_client.post(detail_url(mail, "discard"), {"note": "Advertising"})
    mail.refresh_from_db()
    assert (mail.handling, mail.handled_note, mail.handled_by) == (
        "discarded",
        "Advertising",
        agent,
    )
    assert mail.subject not in staff_client.get(LIST_URL).content.decode()


def test_a_mail_handled_twice_is_handled_once(staff_client, noc):
    mail = RefusedMailFactory()
    staff_client.post(detail_url(mail, "discard"), {"note": "Spam"})
    staff_client.force_login(noc)
    staff_client.post(detail_url(mail, "discard"), {"note": "Spam again"})
    mail.refresh_from_db()
    assert mail.handled_note == "Spam"


# --- Lost or stolen credentials --------------------------------------------------------------


def test_the_partner_case_page_reminds_to_report_lost_credentials(member, client):
    client.force_login(member)
    lost = open_case(member, reason="lost-credentials")
    other = open_case(member)
    assert (
        REMINDER
        in client.get(reverse("tickets:case_detail", kwargs={"pk": lost.pk})).content.decode()
    )
    assert (
        REMINDER
        not in client.get(reverse("tickets:case_detail", kwargs={"pk": other.pk})).content.decode()
    )


def test_the_intake_shows_the_reminder_when_the_reason_is_chosen(member, client):
    client.force_login(member)
    url = reverse("tickets:intake_options")
    chosen = client.get(url, {"case_type": "tech_support", "reason": "lost-credentials"})
    assert REMINDER in chosen.content.decode()
    other = client.get(url, {"case_type": "tech_support", "reason": "call-quality"})
    assert REMINDER not in other.content.decode()


def test_staff_roles_reach_the_list(client, noc):
    admin = StaffFactory(roles=[Role.ADMIN])
    for user in (noc, admin):
        client.force_login(user)
        assert client.get(LIST_URL).status_code == 200
