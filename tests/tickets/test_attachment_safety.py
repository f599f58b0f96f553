"""Files attached to a case from the browser: limits, hostile names, and who may download."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners.roles import Role
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.tickets.factories import TicketFactory
from tickets.attachments import clean_name
from tickets.models import Attachment, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

TRACE = b"\xd4\xc3\xb2\xa1 a packet trace"


@pytest.fixture
def ticket(partner):
    return TicketFactory(organisation=partner.organisation, status=Ticket.Status.OPEN)


def reply_with(client, ticket, *files):
    url = reverse("tickets:case_reply", args=[ticket.pk])
    return client.post(url, {"body": "The file you asked for.", "attachments": list(files)})


def download(client, attachment):
    return client.get(reverse("tickets:attachment_download", args=[attachment.pk]))


def test_an_oversized_file_is_refused_and_nothing_is_stored(client, partner, ticket, settings):
    settings.TICKET_ATTACHMENT_MAX_BYTES = 1024
    client.force_login(partner)

    response = reply_with(client, ticket, SimpleUploadedFile("big.log", b"x" * 1025))

    assert response.status_code == 200
    assert "the limit is 1.0\xa0KB per file" in response.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("name", ["setup.exe", "page.html", "script.js", "trace", "log.txt.exe"])
def test_a_type_not_on_the_list_is_refused(client, partner, ticket, name):
    client.force_login(partner)

    response = reply_with(client, ticket, SimpleUploadedFile(name, TRACE))

    assert response.status_code == 200
    assert "this type of file is not accepted" in response.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
        ("re\x00po\trt\x07.txt", "report.txt"),
        ("invoice\u202etxt.exe.log", "invoicetxt.exe.log"),  # no right-to-left override
        (".hidden.log", "hidden.log"),
        ("a" * 300 + ".pcap", "a" * 195 + ".pcap"),
        ('<img src=x onerror="alert(1)">.txt', '<img src=x onerror="alert(1)">.txt'),
    ],
)
def test_hostile_names_are_stored_plainly_and_served_as_a_download(
    client, partner, ticket, sent, stored
):
    client.force_login(partner)

    response = reply_with(client, ticket, SimpleUploadedFile(sent, TRACE))

    assert response.status_code == 302, response.content.decode()[:2000]
    attachment = Attachment.objects.get()
    assert attachment.original_name == stored
    # Stored under the case's own folder, whatever the name said.
    assert attachment.file.name.startswith("attachments/")
    assert f"/{ticket.pk}/" in attachment.file.name
    assert ".." not in attachment.file.name
    served = download(client, attachment)
    assert served.status_code == 200
    disposition = served["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert not any(char in disposition for char in "\r\n\x00")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == TRACE
    page = client.get(reverse("tickets:case_detail", args=[ticket.pk])).content.decode()
    assert "<img src=x" not in page


def test_line_breaks_in_a_name_never_reach_a_header():
    # A browser cannot send these in a form; an e-mail or API client might.
    assert clean_name("report\r\nSet-Cookie: x=1.txt") == "reportSet-Cookie: x=1.txt"
    assert clean_name("..") == clean_name("") == "attachment"


def test_the_type_served_comes_from_the_name_not_from_the_browser(client, partner, ticket):
    client.force_login(partner)
    upload = SimpleUploadedFile("notes.txt", b"<script>alert(1)</script>", "text/html")

    reply_with(client, ticket, upload)

    served = download(client, Attachment.objects.get())
    assert served["Content-Type"].startswith("text/plain")
    assert served["Content-Disposition"].startswith("attachment;")


def test_only_those_who_may_see_the_case_may_download(client, partner, ticket):
    client.force_login(partner)
    reply_with(client, ticket, SimpleUploadedFile("trace.pcap", TRACE))
    attachment = Attachment.objects.get()
    url = reverse("tickets:attachment_download", args=[attachment.pk])

    assert client.get(url).status_code == 200
    client.force_login(UserFactory(organisation=OrganisationFactory(tier="gold")))
    assert client.get(url).status_code == 404
    client.force_login(StaffFactory(roles=[Role.BILLING]))
    assert client.get(url).status_code == 404
    client.force_login(StaffFactory(roles=[Role.AGENT]))
    assert client.get(url).status_code == 200
    client.logout()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
