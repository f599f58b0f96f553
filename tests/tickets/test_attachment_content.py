"""A file is checked by what it holds, not only by its name: a program renamed to
``invoice.pdf`` is refused, on the partner's pages, through the API and by e-mail."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from tests.tickets.factories import TicketFactory
from tickets.attachments import content_matches
from tickets.models import Attachment, Ticket

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
GIF = b"GIF89a\x01\x00\x01\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "
PCAP = b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + b"\x00" * 16
PCAPNG = b"\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a"
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00"
EMPTY_ZIP = b"PK\x05\x06" + b"\x00" * 18
GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00"
SEVEN_ZIP = b"7z\xbc\xaf\x27\x1c\x00\x04"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
RTF = b"{\\rtf1\\ansi Hello}"
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8
LOG = b"2026-11-10 10:00:01 INVITE sip:100@pbx.example SIP/2.0\r\n"

GOOD = [
    ("invoice.pdf", PDF),
    ("invoice.pdf", b"\xef\xbb\xbf" + PDF),  # a byte-order mark some tools write first
    ("invoice.pdf", b"\r\n" + PDF),  # the header may come within the first kilobyte
    ("screen.png", PNG),
    ("screen.jpg", JPEG),
    ("screen.JPEG", JPEG),
    ("screen.gif", GIF),
    ("screen.webp", WEBP),
    ("call.pcap", PCAP),
    ("call.pcap", b"\xa1\xb2\xc3\xd4" + b"\x00" * 20),  # big-endian
    ("call.pcap", b"\x4d\x3c\xb2\xa1" + b"\x00" * 20),  # nanosecond resolution
    ("call.pcapng", PCAPNG),
    ("logs.zip", ZIP),
    ("logs.zip", EMPTY_ZIP),
    ("logs.gz", GZIP),
    ("logs.tgz", GZIP),
    ("logs.7z", SEVEN_ZIP),
    ("sheet.xlsx", ZIP),
    ("letter.docx", ZIP),
    ("letter.odt", ZIP),
    ("sheet.ods", ZIP),
    ("sheet.xls", OLE2),
    ("sheet.xls", b"Serial\tModel\r\nA1\tP310\r\n"),  # a tab-separated export named .xls
    ("letter.doc", OLE2),
    ("letter.doc", RTF),
    ("pbx.log", LOG),
    ("notes.txt", "Grüße, l'été: ça marche".encode()),
    ("notes.txt", "Grüße".encode("cp1252")),  # text in a Windows code page
    ("notes.txt", "\ufeffUTF-16 notes".encode("utf-16")),
    ("calls.csv", b"number,duration\r\n100,35\r\n"),
    ("report.json", b'{"calls": 3}'),
    ("session.har", b'{"log": {"entries": []}}'),
    ("config.xml", b"<?xml version='1.0'?><config/>"),
    ("forwarded.eml", b"From: a@example.test\r\nSubject: hi\r\n\r\nbody\r\n"),
    ("ansi.log", b"\x1b[31mERROR\x1b[0m trunk down\n"),
]

BAD = [
    ("invoice.pdf", PROGRAM),
    ("invoice.pdf", b"<html><script>alert(1)</script></html>"),
    ("screen.png", JPEG),
    ("screen.jpg", PNG),
    ("screen.gif", PDF),
    ("screen.webp", b"RIFF\x24\x00\x00\x00WAVEfmt "),
    ("call.pcap", LOG),
    ("call.pcapng", PCAP),
    ("logs.zip", PROGRAM),
    ("logs.gz", ZIP),
    ("logs.7z", ZIP),
    ("sheet.xlsx", OLE2),
    ("letter.docx", PDF),
    ("letter.doc", PROGRAM),
    ("sheet.xls", ELF),
    ("notes.txt", PROGRAM),
    ("pbx.log", ELF),
    ("calls.csv", PNG),
    ("report.json", b"\x00\x01\x02\x03"),
]


@pytest.mark.parametrize(("name", "head"), GOOD)
def test_a_file_that_holds_what_its_name_says_is_accepted(name, head):
    assert content_matches(name, head)


@pytest.mark.parametrize(("name", "head"), BAD)
def test_a_file_that_holds_something_else_is_refused(name, head):
    assert not content_matches(name, head)


# --- Through the desk ----------------------------------------------------------------------


@pytest.fixture
def ticket(partner):
    return TicketFactory(organisation=partner.organisation, status=Ticket.Status.OPEN)


@pytest.mark.django_db
@pytest.mark.usefixtures("media_root")
def test_the_partner_page_refuses_a_renamed_program_and_keeps_the_reply(client, partner, ticket):
    client.force_login(partner)

    response = client.post(
        reverse("tickets:case_reply", args=[ticket.pk]),
        {
            "body": "The invoice you asked for.",
            "attachments": [SimpleUploadedFile("invoice.pdf", PROGRAM)],
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "invoice.pdf does not hold what its name says (a PDF document)" in page
    assert "The invoice you asked for." in page
    assert not Attachment.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("media_root")
def test_the_api_refuses_a_renamed_file_with_a_field_error(partner, ticket):
    api = APIClient()
    api.force_authenticate(partner)

    response = api.post(
        f"/api/tickets/{ticket.pk}/messages/",
        {"body": "Screenshot.", "attachments": [SimpleUploadedFile("screen.png", PROGRAM)]},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {
        "attachments": ["screen.png does not hold what its name says (a PNG image)."]
    }
    assert not Attachment.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("media_root")
def test_a_real_file_is_still_stored_whole(client, partner, ticket):
    client.force_login(partner)

    client.post(
        reverse("tickets:case_reply", args=[ticket.pk]),
        {"body": "Invoice.", "attachments": [SimpleUploadedFile("invoice.pdf", PDF * 500)]},
    )

    attachment = Attachment.objects.get()
    with attachment.file.open("rb") as stored:
        assert stored.read() == PDF * 500
