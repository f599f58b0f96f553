"""Every partner demo user against every other organisation's cases, messages and files:
each is a 404, exactly like an id that does not exist, and never appears in a list.

The demo data is seeded as in a demo installation, plus one case per organisation with a
public reply carrying a file and an internal note carrying another.
"""

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from desk.actions.reply import Reply, message_post
from partners.demo import USERS
from partners.models import Device, User
from tests.tickets.factories import TicketFactory
from tickets.models import Attachment, Feedback, Message, Ticket

pytestmark = pytest.mark.django_db

PARTNER_EMAILS = [spec.email for spec in USERS if spec.organisation]
MISSING_ID = 2**31 - 1


@dataclass
class Case:
    ticket: Ticket
    public_attachment: Attachment
    internal_attachment: Attachment


@pytest.fixture(scope="module")
def world(module_db, django_db_blocker) -> dict[int, Case]:
    """organisation id → its case, for every demo organisation with partner users. Written
    once for the module (``module_db``): each test's changes are rolled back after it."""
    with django_db_blocker.unblock():
        return _world()


def _world() -> dict[int, Case]:
    call_command("seed_demo", force=True, verbosity=0)
    agent = User.objects.get(email="agent@demo.test")
    cases = {}
    for email in PARTNER_EMAILS:
        partner = User.objects.get(email=email)
        organisation = partner.organisation
        ticket = TicketFactory(
            organisation=organisation,
            requester=partner,
            device=Device.objects.filter(organisation=organisation).first(),
            subject=f"Trunk down at {organisation.name}",
            status="resolved",
        )
        public = message_post(
            ticket=ticket,
            reply=Reply(
                author=agent,
                body=f"Fixed the trunk for {organisation.name}.",
                attachments=[SimpleUploadedFile("trace.pcap", b"\xd4\xc3\xb2\xa1 packets")],
            ),
        )
        internal = message_post(
            ticket=ticket,
            reply=Reply(
                author=agent,
                body=f"Internal: {organisation.name} misconfigured the SBC.",
                internal=True,
                attachments=[SimpleUploadedFile("notes.txt", b"internal notes")],
            ),
        )
        cases[organisation.pk] = Case(
            ticket=ticket,
            public_attachment=public.attachments.get(),
            internal_attachment=internal.attachments.get(),
        )
    return cases


def api_as(email: str) -> tuple[User, APIClient]:
    user = User.objects.get(email=email)
    api = APIClient()
    api.force_login(user)
    return user, api


def own_case_ids(user: User) -> set[int]:
    """The organisation's cases: the one made here plus any the demo seed opened."""
    return set(Ticket.objects.filter(organisation=user.organisation).values_list("pk", flat=True))


def listed_ids(api: APIClient) -> set[int]:
    seen, url, params = set(), "/api/tickets/", {"page_size": 200}
    while url:
        response = api.get(url, params)
        assert response.status_code == 200
        body = response.json()
        seen |= {item["id"] for item in body["results"]}
        url, params = body["next"], None
    return seen


@pytest.mark.parametrize("email", PARTNER_EMAILS)
def test_partner_reaches_no_other_organisations_case_through_the_api(world, email):
    user, api = api_as(email)
    own = world[user.organisation_id].ticket
    foreign = Ticket.objects.exclude(organisation=user.organisation)
    assert foreign.count() >= len(world) - 1
    messages_before = Message.objects.count()
    feedback_before = Feedback.objects.count()
    missing = api.get(f"/api/tickets/{MISSING_ID}/").json()

    for ticket in foreign:
        base = f"/api/tickets/{ticket.pk}/"
        detail = api.get(base)
        assert detail.status_code == 404, (email, base)
        assert detail.json() == missing
        assert api.get(f"{base}messages/").status_code == 404, (email, base)
        reply = api.post(f"{base}messages/", {"body": "Hello?"}, format="json")
        assert reply.status_code == 404, (email, base)
        upload = api.post(
            f"{base}messages/",
            {"body": "Hello?", "attachments": [SimpleUploadedFile("a.txt", b"a")]},
            format="multipart",
        )
        assert upload.status_code == 404, (email, base)
        feedback = api.post(f"{base}feedback/", {"rating": 5}, format="json")
        assert feedback.status_code == 404, (email, base)
        by_number = api.get("/api/tickets/", {"q": ticket.number})
        assert by_number.json()["results"] == [], (email, ticket.number)

    assert Message.objects.count() == messages_before
    assert Feedback.objects.count() == feedback_before
    assert listed_ids(api) == own_case_ids(user)
    # The partner still reaches its own case, and only its public side.
    assert api.get(f"/api/tickets/{own.pk}/").status_code == 200
    messages = api.get(f"/api/tickets/{own.pk}/messages/").json()["results"]
    assert [m["visibility"] for m in messages] == ["public"]
    attachment_ids = {a["id"] for m in messages for a in m["attachments"]}
    assert attachment_ids == {world[user.organisation_id].public_attachment.pk}


@pytest.mark.parametrize("email", PARTNER_EMAILS)
def test_staff_filters_do_not_widen_a_partners_list(world, email):
    user, api = api_as(email)
    own = world[user.organisation_id].ticket

    for organisation_id in world:
        response = api.get("/api/tickets/", {"organisation": organisation_id, "page_size": 200})
        assert {item["id"] for item in response.json()["results"]} == own_case_ids(user)
    assert own.pk in own_case_ids(user)


def attachment_page(pk: int) -> str:
    return reverse("tickets:attachment_download", kwargs={"pk": pk})


@pytest.mark.parametrize("email", PARTNER_EMAILS)
def test_partner_downloads_no_other_organisations_file(world, email):
    user = User.objects.get(email=email)
    browser = Client()
    browser.force_login(user)
    own = world[user.organisation_id]

    # An installer reads its end customers' cases too (their public files included).
    foreign = Attachment.objects.exclude(ticket__organisation=user.organisation).exclude(
        ticket__organisation__installer=user.organisation
    )
    for attachment in foreign:
        response = browser.get(attachment_page(attachment.pk))
        assert response.status_code == 404, (email, attachment.pk)
    assert browser.get(attachment_page(MISSING_ID)).status_code == 404
    # An internal note's file stays hidden from the partner of the case as well.
    assert browser.get(attachment_page(own.internal_attachment.pk)).status_code == 404
    download = browser.get(attachment_page(own.public_attachment.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\xd4\xc3\xb2\xa1 packets"
    download.close()


@pytest.mark.parametrize("email", PARTNER_EMAILS)
def test_partner_reaches_no_other_organisations_case_through_the_pages(world, email):
    user = User.objects.get(email=email)
    browser = Client()
    browser.force_login(user)
    # Its end customers' cases an installer reads and answers (tests/tickets/test_partner_chain).
    foreign = Ticket.objects.exclude(organisation=user.organisation).exclude(
        organisation__installer=user.organisation
    )
    messages_before, feedback_before = Message.objects.count(), Feedback.objects.count()
    statuses_before = dict(foreign.values_list("pk", "status"))

    for ticket in foreign:
        assert browser.get(reverse("tickets:case_detail", args=[ticket.pk])).status_code == 404
        for name in ("case_reply", "case_close", "case_feedback"):
            url = reverse(f"tickets:{name}", args=[ticket.pk])
            response = browser.post(url, {"body": "Hello?", "rating": "5", "comment": "x"})
            assert response.status_code == 404, (email, url)
        follow_up = browser.get(reverse("tickets:case_new"), {"follow_up": ticket.pk})
        assert follow_up.status_code == 404, (email, ticket.number)
        listed = browser.get(reverse("tickets:my_cases"), {"q": ticket.number})
        assert reverse("tickets:case_detail", args=[ticket.pk]) not in listed.content.decode()
        assert ticket.subject not in listed.content.decode()

    assert Message.objects.count() == messages_before
    assert Feedback.objects.count() == feedback_before
    assert dict(foreign.values_list("pk", "status")) == statuses_before
    own = world[user.organisation_id].ticket
    assert browser.get(reverse("tickets:case_detail", args=[own.pk])).status_code == 200
