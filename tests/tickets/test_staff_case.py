"""The staff side of a case, through the pages an agent uses: what it shows, replies and
internal notes, assignment, status, class of service, the timeline, and opening a case for
a partner who calls."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desk.actions.documents import documents_request
from desk.actions.reply import Reply, message_post
from desk.actions.status import ticket_change_cos, ticket_set_status
from entitlements.rules import REMOTE_ACCESS, Platform
from entitlements.services import intervention_request, time_log
from partners.models import Organisation
from partners.roles import Role
from tests.entitlements.factories import EntitlementFactory
from tests.factories import (
    DeviceFactory,
    OrganisationFactory,
    PhoneFactory,
    StaffFactory,
    UserFactory,
)
from tests.partners.pages import Page
from tests.tickets.factories import MessageFactory, TicketFactory, open_case, ticket_create
from tickets import services
from tickets.models import Message, Ticket
from tickets.services.documents import ItemSpec

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

INTERNAL_LABEL = "Internal note — not visible to the partner"


@pytest.fixture
def agent(agent, client):
    client.force_login(agent)
    return agent


def case_url(ticket: Ticket, action: str = "") -> str:
    name = f"tickets:staff_case_{action}" if action else "tickets:staff_case"
    return reverse(name, args=[ticket.pk])


def flash(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def facts(response, section: str = "") -> dict[str, str]:
    """The fact lists (<dt>term</dt><dd>value</dd>) of the page, or of the section headed
    ``section``, as a reader hears them."""
    html = response.content.decode()
    if section:
        heading = re.search(rf'<h2 id="([\w-]+)">{section}</h2>', html).group(1)
        html = re.search(rf'aria-labelledby="{heading}">(.*?)</section>', html, re.S).group(1)
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S)
    return {words(term): words(value) for term, value in pairs}


def timeline(response) -> list[str]:
    """The timeline entries as a reader gets them, one string each."""
    html = response.content.decode()
    section = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1)
    items = re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


# --- What the page shows -------------------------------------------------------------------


def test_the_page_shows_the_case_its_organisation_and_device(agent, client):
    upstream = OrganisationFactory(
        name="Hudson Voice Systems",
        tier=Organisation.Tier.PLATINUM,
        contact_email="support@hudson.test",
        contact_phone="+1 212 555 0100",
    )
    bronze = OrganisationFactory(
        name="Iberia Voz",
        tier=Organisation.Tier.BRONZE,
        region="eu",
        country="ES",
        upstream_partner=upstream,
    )
    pbx = DeviceFactory(organisation=bronze, name="Main office PBX", serial_number="IB-CPBX-1")
    phone = PhoneFactory(
        organisation=bronze,
        pbx=pbx,
        name="Reception phone",
        serial_number="IB-PH-1",
        model="Desk phone DP-40",
        firmware_version="1.9.0",
    )
    ticket = TicketFactory(
        organisation=bronze,
        device=phone,
        subject="Reception phone reboots",
        critical_criterion=Ticket.CriticalCriterion.CALL_DROPS,
        cos=Ticket.ClassOfService.CRITICAL,
        wms_version="7.02.1",
        firmware_versions="DP-40 1.9.0",
    )

    response = client.get(case_url(ticket))

    assert response.status_code == 200
    text = Page(response).text()
    assert f"{ticket.number} Reception phone reboots" in text
    assert "Critical requested: Calls drop and the operator is not the cause" in text
    shown = facts(response, "Organisation")
    assert shown["Name"] == "Iberia Voz"
    assert shown["Tier"] == "Bronze partner"
    assert shown["Region"].startswith("Europe")
    assert shown["Country"] == "ES"
    assert shown["Upstream partner"] == "Hudson Voice Systems support@hudson.test +1 212 555 0100"
    shown = facts(response, "Requester")
    assert shown["E-mail"] == ticket.requester.email
    assert shown["Channel"] == "Portal"
    shown = facts(response, "PBX or device")
    assert shown["Name"] == "Reception phone"
    assert shown["Serial"] == "IB-PH-1"
    assert shown["Model"] == "Desk phone DP-40 (Phone or device)"
    assert shown["PBX"] == "Main office PBX ( IB-CPBX-1 )"
    assert shown["On record"] == "firmware 1.9.0"
    assert shown["WMS (reported)"] == "7.02.1"
    assert shown["Firmware (reported)"] == "DP-40 1.9.0"
    assert facts(response, "Requester")["Terms"] == "Version 2026-03"


def test_a_phone_case_says_who_logged_it(agent, client):
    ticket = TicketFactory(channel=Ticket.Channel.PHONE, created_by=agent)

    shown = facts(client.get(case_url(ticket)), "Requester")

    assert shown["Channel"] == "Phone, logged by Sofia Marino"


def test_internal_notes_are_shown_to_staff_and_marked(agent, client):
    ticket = TicketFactory()
    MessageFactory(ticket=ticket, author=agent, body="We answered by phone.")
    MessageFactory(
        ticket=ticket,
        author=agent,
        body="Customer is on the old firmware, do not promise a fix date.",
        visibility=Message.Visibility.INTERNAL,
    )

    response = client.get(case_url(ticket))
    html = response.content.decode()

    note = re.search(r'<li class="post post--internal">(.*?)</li>', html, re.S).group(1)
    assert INTERNAL_LABEL in note
    assert "do not promise a fix date" in note
    assert html.count(INTERNAL_LABEL) == 1
    assert "We answered by phone." in html


def test_a_missing_case_is_404(agent, client):
    assert client.get(reverse("tickets:staff_case", args=[999999])).status_code == 404


def test_page_query_count_does_not_grow_with_the_conversation(
    agent, client, django_assert_max_num_queries
):
    ticket = TicketFactory()
    message_post(ticket=ticket, reply=Reply(author=agent, body="First answer."))
    with CaptureQueriesContext(connection) as short:
        client.get(case_url(ticket))
    for n in range(15):
        message_post(
            ticket=ticket,
            reply=Reply(
                author=agent,
                body=f"Note {n}",
                internal=n % 2 == 0,
                attachments=[SimpleUploadedFile(f"log{n}.txt", b"trace")],
            ),
        )
        services.ticket_assign(ticket=ticket, actor=agent, assignee=StaffFactory(roles=[Role.NOC]))

    with django_assert_max_num_queries(len(short.captured_queries)):
        response = client.get(case_url(ticket))

    assert "Note 14" in response.content.decode()


# The signed-in user with their roles, the case with what it refers to, its messages, their
# files, its timeline, clocks, time entries, the bundles time may be drawn from, its
# interventions, the documents asked for, the cases of the queue view it was opened from,
# the unread notifications of the header.
PAGE_QUERIES = 12


@pytest.mark.usefixtures("calendars")
def test_a_case_opened_from_the_queue_takes_a_dozen_queries_for_three_or_thirty_messages(
    agent, client, django_assert_max_num_queries
):
    partner = UserFactory(
        organisation=OrganisationFactory(
            tier=Organisation.Tier.GOLD, region=Organisation.Region.EU
        ),
        full_name="Anna Weber",
    )
    bundle = EntitlementFactory(organisation=partner.organisation, reference="BND-ALPINE")
    ticket = open_case(partner)
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    time_log(ticket=ticket, actor=agent, minutes=25, billable=True, entitlement=bundle)
    time_log(ticket=ticket, actor=agent, minutes=10, billable=False, note="Read the trace.")
    documents_request(
        ticket=ticket,
        actor=agent,
        due_date=timezone.localdate() + timedelta(days=10),
        note="For the porting.",
        items=[ItemSpec(kind="authorisation"), ItemSpec(kind="other", label="Phone bill")],
        now=timezone.now(),
    )
    intervention_request(
        ticket=ticket,
        actor=partner,
        platform="3cx",
        checklist=list(REMOTE_ACCESS[Platform.THREECX]),
        access_description="3CX web admin at https://pbx.alpine.test:5001.",
        slots=[timezone.now() + timedelta(days=2)],
    )
    url = case_url(ticket) + "?" + urlencode({"from": "status=new&status=open&assignee=me"})

    def converse(first: int, last: int) -> None:
        for n in range(first, last):
            message_post(
                ticket=ticket,
                reply=Reply(
                    author=agent if n % 2 else partner,
                    body=f"Message {n}",
                    internal=n % 4 == 1,
                    attachments=[SimpleUploadedFile(f"trace{n}.txt", b"trace")],
                ),
            )

    converse(0, 3)
    client.get(url)
    with django_assert_max_num_queries(PAGE_QUERIES) as short:
        client.get(url)
    converse(3, 30)
    client.get(url)
    with django_assert_max_num_queries(PAGE_QUERIES) as long:
        response = client.get(url)

    assert len(long.captured_queries) == len(short.captured_queries)
    html = response.content.decode()
    assert all(f"Message {n}" in html and f">trace{n}.txt</a>" in html for n in range(30))
    assert html.count(INTERNAL_LABEL) == 8
    assert 'class="intervention"' in html
    assert "Phone bill" in html
    assert "BND-ALPINE (1 h 35 min left)" in html


# --- Replies and internal notes ------------------------------------------------------------


def reply_form(response) -> dict:
    page = Page(response)
    return {
        "public": page.field_labelled("Public reply: the partner sees it and gets an e-mail"),
        "internal": page.field_labelled("Internal note: support staff only"),
        "body": page.field_labelled("Message"),
        "files": page.field_labelled("Attachments"),
    }


def test_the_reply_form_makes_the_choice_explicit_and_defaults_to_public(agent, client):
    form = reply_form(client.get(case_url(TicketFactory())))

    assert form["public"].attrs["type"] == form["internal"].attrs["type"] == "radio"
    assert "checked" in form["public"].attrs
    assert "checked" not in form["internal"].attrs
    assert "multiple" in form["files"].attrs


def test_a_public_reply_takes_a_new_case_into_work(agent, client):
    ticket = TicketFactory()

    response = client.post(
        case_url(ticket, "reply"),
        {
            "visibility": "public",
            "body": "Please send us a trace of a failing call.",
            "attachments": [SimpleUploadedFile("howto.pdf", b"%PDF-1.4 howto")],
        },
    )

    assert response.status_code == 302
    assert "Reply sent to the partner" in flash(response)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.first_response_at is not None
    message = ticket.messages.get()
    assert message.visibility == Message.Visibility.PUBLIC
    assert message.attachments.get().original_name == "howto.pdf"
    page = client.get(case_url(ticket))
    assert reverse("tickets:attachment_download", args=[message.attachments.get().pk]) in (
        page.content.decode()
    )


def test_an_internal_note_changes_neither_status_nor_first_response(agent, client):
    ticket = TicketFactory()

    response = client.post(
        case_url(ticket, "reply"), {"visibility": "internal", "body": "Escalating to R&D."}
    )

    assert "Internal note added. The partner cannot see it." in flash(response)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW
    assert ticket.first_response_at is None
    assert ticket.messages.get().visibility == Message.Visibility.INTERNAL
    assert INTERNAL_LABEL in client.get(case_url(ticket)).content.decode()


def test_a_reply_without_text_comes_back_with_an_error(agent, client):
    ticket = TicketFactory()

    response = client.post(case_url(ticket, "reply"), {"visibility": "public", "body": "   "})

    assert response.status_code == 200
    page = Page(response)
    assert page.errors_for(page.field_labelled("Message"))
    assert ticket.messages.count() == 0


def test_a_refused_file_keeps_the_typed_text(agent, client):
    ticket = TicketFactory()

    response = client.post(
        case_url(ticket, "reply"),
        {
            "visibility": "internal",
            "body": "Long analysis that must not be lost.",
            "attachments": [SimpleUploadedFile("tool.exe", b"MZ")],
        },
    )

    assert response.status_code == 200
    page = Page(response)
    assert "tool.exe" in page.errors_for(page.field_labelled("Attachments"))
    assert page.field_labelled("Message").text == "Long analysis that must not be lost."
    assert "checked" in page.field_labelled("Internal note: support staff only").attrs
    assert ticket.messages.count() == 0


def test_a_closed_case_refuses_a_reply_and_keeps_the_text(agent, client):
    ticket = TicketFactory(status=Ticket.Status.CLOSED)

    response = client.post(
        case_url(ticket, "reply"), {"visibility": "public", "body": "One more thing."}
    )

    assert response.status_code == 200
    page = Page(response)
    assert f"{ticket.number} is closed" in page.alerts()
    assert "One more thing." in response.content.decode()
    assert ticket.messages.count() == 0


def test_a_closed_case_offers_no_reply_form(agent, client):
    ticket = TicketFactory(status=Ticket.Status.CLOSED)

    response = client.get(case_url(ticket))

    assert "takes no more messages" in Page(response).text()
    assert not Page(response).find_all("textarea", name="body")


# --- Assignment ----------------------------------------------------------------------------


def test_assign_to_a_colleague_then_take_it_back(agent, client):
    colleague = StaffFactory(roles=[Role.NOC], full_name="Ravi Menon")
    ticket = TicketFactory()
    select = Page(client.get(case_url(ticket))).field_labelled("Assign to")

    response = client.post(case_url(ticket, "assign"), {select.attrs["name"]: str(colleague.pk)})

    assert response.status_code == 302
    assert f"{ticket.number} is now assigned to Ravi Menon" in flash(response)
    ticket.refresh_from_db()
    assert ticket.assignee == colleague

    response = client.post(case_url(ticket, "take"))
    assert f"{ticket.number} is now assigned to you" in flash(response)
    ticket.refresh_from_db()
    assert ticket.assignee == agent

    entries = timeline(client.get(case_url(ticket)))
    assert any("Assigned to Ravi Menon by Sofia Marino" in e for e in entries)
    assert any("Reassigned from Ravi Menon to Sofia Marino by Sofia Marino" in e for e in entries)


def test_unassign(agent, client):
    ticket = TicketFactory(assignee=agent)

    client.post(case_url(ticket, "assign"), {"assign-assignee": "none"})

    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_assigning_to_someone_who_is_not_staff_is_refused(agent, client):
    ticket = TicketFactory()
    partner = UserFactory(organisation=ticket.organisation)

    response = client.post(case_url(ticket, "assign"), {"assign-assignee": str(partner.pk)})

    assert response.status_code == 200
    page = Page(response)
    assert "Select a valid choice" in page.errors_for(page.field_labelled("Assign to"))
    ticket.refresh_from_db()
    assert ticket.assignee is None


# --- Status --------------------------------------------------------------------------------


def options_of(page: Page, label: str) -> list[str]:
    name = page.field_labelled(label).attrs["name"]
    select = re.search(rf'<select name="{name}".*?</select>', page.html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"', select)


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (Ticket.Status.NEW, ["open", "waiting_on_partner", "resolved"]),
        (Ticket.Status.WAITING, ["open", "resolved"]),
        (Ticket.Status.RESOLVED, ["open", "closed"]),
    ],
)
def test_the_status_form_offers_only_allowed_moves(agent, client, status, offered):
    page = Page(client.get(case_url(TicketFactory(status=status))))

    assert options_of(page, "New status") == offered


def test_status_change_through_an_allowed_move_with_a_note(agent, client):
    ticket = TicketFactory()

    response = client.post(
        case_url(ticket, "status"),
        {"status-status": "resolved", "status-note": "Fixed by the 7.03 update."},
    )

    assert response.status_code == 302
    assert f"{ticket.number} is now Resolved" in flash(response)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    assert ticket.resolved_at is not None
    entries = timeline(client.get(case_url(ticket)))
    assert any(
        "Status changed from New to Resolved by Sofia Marino Fixed by the 7.03 update." in e
        for e in entries
    )


def test_an_illegal_move_is_refused_with_an_explanation(agent, client):
    ticket = TicketFactory()

    response = client.post(
        case_url(ticket, "status"), {"status-status": "closed", "status-note": "Done"}
    )

    assert response.status_code == 200
    page = Page(response)
    error = page.errors_for(page.field_labelled("New status"))
    assert f"{ticket.number} is New and cannot go to Closed" in error
    assert "From New it can go to Open or Waiting on partner or Resolved" in error
    assert page.field_labelled("Note for the timeline").text == "Done"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW


def test_a_closed_case_has_no_status_form(agent, client):
    ticket = TicketFactory(status=Ticket.Status.CLOSED)

    response = client.get(case_url(ticket))

    assert "Closed is final" in Page(response).text()
    assert not Page(response).find_all("select", name="status-status")


# --- Class of service ----------------------------------------------------------------------


def test_class_of_service_needs_a_reason(agent, client):
    ticket = TicketFactory(
        critical_criterion=Ticket.CriticalCriterion.CLOUD_UNREACHABLE,
        cos=Ticket.ClassOfService.CRITICAL,
    )

    response = client.post(case_url(ticket, "cos"), {"cos-cos": "standard", "cos-reason": " "})

    assert response.status_code == 200
    page = Page(response)
    assert "Say why" in page.errors_for(page.field_labelled("Why"))
    ticket.refresh_from_db()
    assert ticket.cos == Ticket.ClassOfService.CRITICAL
    assert not ticket.cos_confirmed


def test_downgrading_a_requested_critical_is_recorded_with_its_reason(agent, client):
    ticket = TicketFactory(
        critical_criterion=Ticket.CriticalCriterion.CLOUD_UNREACHABLE,
        cos=Ticket.ClassOfService.CRITICAL,
    )
    assert "Critical requested" in Page(client.get(case_url(ticket))).text()

    response = client.post(
        case_url(ticket, "cos"),
        {"cos-cos": "standard", "cos-reason": "Only one user affected; a workaround exists."},
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.cos == Ticket.ClassOfService.STANDARD
    assert ticket.cos_confirmed
    after = client.get(case_url(ticket))
    assert "Critical requested" not in Page(after).text()
    assert any(
        "Class of service changed from Critical to Standard by Sofia Marino "
        "Only one user affected; a workaround exists." in e
        for e in timeline(after)
    )


def test_confirming_the_requested_critical(agent, client):
    ticket = TicketFactory(
        critical_criterion=Ticket.CriticalCriterion.CALL_DROPS, cos=Ticket.ClassOfService.CRITICAL
    )

    client.post(case_url(ticket, "cos"), {"cos-cos": "critical", "cos-reason": "All calls drop."})

    ticket.refresh_from_db()
    assert ticket.cos_confirmed
    assert any(
        "Class of service confirmed as Critical" in e
        for e in timeline(client.get(case_url(ticket)))
    )


# --- Timeline ------------------------------------------------------------------------------


# A Wednesday afternoon in Rome, morning in New York: support hours on both sides, so no
# out-of-hours triage joins the timeline.
@time_machine.travel(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
def test_the_timeline_lists_every_change_with_its_actor(agent, client):
    partner = UserFactory(full_name="Giulia Conti")
    ticket, _ = ticket_create(
        requester=partner,
        case_type="tech_support",
        reason="call-quality",
        subject="Calls drop",
        description="Since this morning.",
        wms_version="7.02.1",
        firmware_versions="1.9.0",
    )
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    message_post(ticket=ticket, reply=Reply(author=agent, body="Looking.", internal=True))
    message_post(ticket=ticket, reply=Reply(author=agent, body="Send a trace please."))
    ticket_set_status(ticket=ticket, actor=agent, status="waiting_on_partner")
    message_post(ticket=ticket, reply=Reply(author=partner, body="Trace attached."))
    ticket_change_cos(ticket=ticket, actor=agent, cos="critical", reason="All sites.")
    ticket_set_status(ticket=ticket, actor=agent, status="resolved", note="Fixed.")
    services.feedback_give(ticket=ticket, author=partner, rating=5, comment="Quick, thanks")
    ticket_set_status(ticket=ticket, actor=partner, status="closed")
    follow_up, _ = ticket_create(
        requester=partner,
        case_type="tech_support",
        reason="call-quality",
        subject="Calls drop again",
        description="It is back.",
        wms_version="7.02.1",
        firmware_versions="1.9.0",
        follow_up_of=ticket,
    )

    response = client.get(case_url(ticket))

    entries = timeline(response)
    expected = [
        "Case opened (Portal) by Giulia Conti",
        "Assigned to Sofia Marino by Sofia Marino",
        "Internal note (not visible to the partner) by Sofia Marino",
        "Public reply by Sofia Marino",
        "First response target met by Sofia Marino",
        "Status changed from New to Open by Sofia Marino",
        "Status changed from Open to Waiting on partner by Sofia Marino",
        "Public reply by Giulia Conti",
        "Status changed from Waiting on partner to Open by Giulia Conti",
        "Class of service changed from Standard to Critical by Sofia Marino All sites.",
        "SLA clocks recomputed for Critical by Sofia Marino",
        "Status changed from Open to Resolved by Sofia Marino Fixed.",
        "Feedback given: 5 out of 5 by Giulia Conti",
        "Status changed from Resolved to Closed by Giulia Conti",
        f"Follow-up case {follow_up.number} opened by Giulia Conti",
    ]
    assert len(entries) == len(expected) == ticket.events.count()
    for entry, wanted in zip(entries, expected, strict=True):
        assert wanted in entry
        assert re.search(r"\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d", entry), entry
    assert response.content.decode().count("<time datetime=") >= len(expected)
    text = Page(response).text()
    assert "Feedback from the partner 5 out of 5" in text
    assert "Quick, thanks" in text
    assert f"Follow-up cases: {follow_up.number}" in text


# --- Attachments ---------------------------------------------------------------------------


def test_staff_download_attachments_including_those_on_internal_notes(agent, client):
    ticket = TicketFactory()
    note = message_post(
        ticket=ticket,
        reply=Reply(
            author=agent,
            body="Our own capture.",
            internal=True,
            attachments=[SimpleUploadedFile("capture.pcap", b"\xd4\xc3\xb2\xa1")],
        ),
    )

    response = client.get(reverse("tickets:attachment_download", args=[note.attachments.get().pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\xd4\xc3\xb2\xa1"
    assert 'filename="capture.pcap"' in response["Content-Disposition"]
    assert client.get(reverse("tickets:attachment_download", args=[999999])).status_code == 404


# --- Opening a case on behalf of a partner user --------------------------------------------

NEW = reverse("tickets:staff_case_new")


def test_find_the_caller_by_email_or_organisation(agent, client):
    organisation = OrganisationFactory(name="Dolomiti Telecom")
    caller = UserFactory(organisation=organisation, email="giulia@dolomiti.test")
    StaffFactory(roles=[Role.AGENT], email="giulia.staff@vendor.test")

    by_email = Page(client.get(NEW, {"who": "giulia"}))
    by_organisation = Page(client.get(NEW, {"who": "dolomiti"}))

    for page in (by_email, by_organisation):
        links = [
            a.attrs["href"] for a in page.find_all("a") if a.text.startswith("Open a case for")
        ]
        assert links == [f"?requester={caller.pk}"]
    assert "Nobody matches" in Page(client.get(NEW, {"who": "nobody-here"})).text()


def on_behalf_data(page: Page, **fields) -> dict:
    data = {
        page.field_labelled("Case type").attrs["name"]: "tech_support",
        page.field_labelled("Reason").attrs["name"]: "call-quality",
        page.field_labelled("Subject").attrs["name"]: "Calls drop at reception",
        page.field_labelled("Description").attrs["name"]: "Caller says calls drop after 30 s.",
        page.field_labelled("WMS version").attrs["name"]: "7.02.1",
        page.field_labelled("Firmware versions").attrs["name"]: "DP-40 1.9.0",
    }
    for element in page.find_all("input", type="hidden"):
        data.setdefault(element.attrs["name"], element.attrs.get("value", ""))
    data.update(fields)
    return data


def test_open_a_case_by_phone_for_a_partner_user(agent, client):
    caller = UserFactory(organisation=OrganisationFactory(tier=Organisation.Tier.GOLD))
    pbx = DeviceFactory(organisation=caller.organisation)
    DeviceFactory()  # another organisation's: not offered
    page = Page(client.get(NEW, {"requester": caller.pk}))
    device_select = page.field_labelled("PBX or device")
    offered = re.findall(
        r'<option value="(\d+)"',
        re.search(r'<select name="device".*?</select>', page.html, re.S).group(0),
    )
    assert offered == [str(pbx.pk)]
    data = on_behalf_data(
        page,
        device=str(pbx.pk),
        critical_criterion="call_drops",
        reproduced_with_other_operator="yes",
        attachments=[SimpleUploadedFile("trace.pcap", b"\xd4\xc3\xb2\xa1")],
    )
    assert device_select.attrs["name"] == "device"

    response = client.post(NEW, data)

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == case_url(ticket)
    assert ticket.channel == Ticket.Channel.PHONE
    assert ticket.created_by == agent
    assert ticket.requester == caller
    assert ticket.organisation == caller.organisation
    assert ticket.device == pbx
    assert ticket.cos == Ticket.ClassOfService.CRITICAL
    assert ticket.attachments.get().original_name == "trace.pcap"
    assert ticket.events.get(kind="created").actor == agent

    data["attachments"] = [SimpleUploadedFile("trace.pcap", b"\xd4\xc3\xb2\xa1")]
    again = client.post(NEW, data)  # a double submit opens one case
    assert again["Location"] == case_url(ticket)
    assert Ticket.objects.count() == 1


def test_an_ineligible_caller_is_referred_and_nothing_is_lost(agent, client):
    upstream = OrganisationFactory(
        name="Lakeshore Networks",
        tier=Organisation.Tier.GOLD,
        contact_email="help@lakeshore.test",
        contact_phone="+1 312 555 0300",
    )
    reseller = OrganisationFactory(reseller=True, upstream_partner=upstream)
    caller = UserFactory(organisation=reseller)
    page = Page(client.get(NEW, {"requester": caller.pk}))

    response = client.post(NEW, on_behalf_data(page))

    assert response.status_code == 200
    assert Ticket.objects.count() == 0
    result = Page(response)
    alert = result.alerts()
    assert "cannot open this case with us" in alert
    assert "Lakeshore Networks" in alert
    assert "help@lakeshore.test" in alert
    assert "+1 312 555 0300" in alert
    assert result.field_labelled("Subject").attrs["value"] == "Calls drop at reception"
    assert result.field_labelled("Description").text == "Caller says calls drop after 30 s."


def test_a_bronze_caller_is_told_what_they_may_still_open(agent, client):
    bronze = OrganisationFactory(
        tier=Organisation.Tier.BRONZE,
        upstream_partner=OrganisationFactory(tier=Organisation.Tier.PLATINUM),
    )
    caller = UserFactory(organisation=bronze)
    page = Page(client.get(NEW, {"requester": caller.pk}))

    response = client.post(NEW, on_behalf_data(page))

    assert "Tech Support: Cloud PBX unreachable" in Page(response).alerts()
    assert Ticket.objects.count() == 0

    allowed = client.post(NEW, on_behalf_data(page, reason="cloud-pbx-unreachable"))
    assert allowed.status_code == 302
    assert Ticket.objects.get().requester == caller


def test_missing_fields_come_back_with_errors(agent, client):
    caller = UserFactory()
    page = Page(client.get(NEW, {"requester": caller.pk}))

    response = client.post(
        NEW, on_behalf_data(page, wms_version="", firmware_versions="", reason="nonsense")
    )

    assert response.status_code == 200
    result = Page(response)
    assert result.errors_for(result.field_labelled("Reason"))
    assert result.field_labelled("Subject").attrs["value"] == "Calls drop at reception"
    assert Ticket.objects.count() == 0

    response = client.post(NEW, on_behalf_data(page, wms_version="", firmware_versions=""))
    result = Page(response)
    assert "WMS version" in result.errors_for(result.field_labelled("WMS version"))
    assert Ticket.objects.count() == 0


def test_staff_cannot_be_chosen_as_the_caller(agent, client):
    response = client.get(NEW, {"requester": agent.pk}, follow=True)

    assert "could not be found" in Page(response).text()
    assert Page(response).field_labelled("Find the caller")


# --- Service levels and "Service restored" -------------------------------------------------


def rome(*parts):
    return datetime(*parts, tzinfo=ZoneInfo("Europe/Rome"))


def open_case_in(at, *, region="eu", **overrides):
    """A case from a new organisation in ``region``, opened through the service at ``at``."""
    requester = UserFactory(organisation=OrganisationFactory(region=region))
    return open_case(requester, at, **overrides)


def clock_rows(response) -> dict[str, dict[str, str]]:
    """The "Service levels" table: metric → {column: text as read}."""
    html = response.content.decode()
    section = re.search(r'<section[^>]*id="service-levels".*?</section>', html, re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr class=\"clock[^\"]*\"[^>]*>(.*?)</tr>", section, re.S):
        metric = words(re.search(r"<th[^>]*>(.*?)<br>", row, re.S).group(1))
        cells = re.findall(r'<td data-label="([^"]+)">(.*?)</td>', row, re.S)
        rows[metric] = {label: words(value) for label, value in cells}
        rows[metric]["Target"] = words(re.search(r"<small[^>]*>(.*?)</small>", row, re.S).group(1))
    return rows


def restored_button(response) -> bool:
    return "Service restored</button>" in response.content.decode()


def test_the_case_page_lists_every_clock_with_its_state(agent, client):
    # Saturday night in Rome: a Critical request gets the out-of-hours triage clock too.
    ticket = open_case_in(
        datetime(2026, 11, 28, 3, 0, tzinfo=UTC),
        critical_criterion="call_drops",
        reason="classound-outage",
    )

    with time_machine.travel(datetime(2026, 11, 28, 3, 25, tzinfo=UTC), tick=False):
        response = client.get(case_url(ticket))

    rows = clock_rows(response)
    assert list(rows) == ["Out-of-hours triage", "Service restoration", "First response"]
    triage = rows["Out-of-hours triage"]
    assert triage["State"] == "Running at risk"  # past 75 % of its 30 minutes
    assert triage["Due"] == "due Sat 03:30 UTC"
    assert triage["Target"] == "30 minutes, around the clock"
    assert triage["Left or over"] == "5 minutes of business time left"
    assert triage["Stopped"] == "still waiting"
    restoration = rows["Service restoration"]
    assert restoration["State"] == "Running"
    assert restoration["Due"] == "due Sat 07:00 UTC"
    assert restoration["Target"] == "4 hours, around the clock"
    assert restoration["Left or over"] == "3 h 35 min of business time left"
    first = rows["First response"]
    # 30 minutes of support hours from Monday's opening; nothing counted over the weekend.
    assert first["Due"] == "due Mon 08:30 UTC"
    assert first["Target"] == "30 business minutes, EU support hours"
    assert first["Left or over"] == "30 minutes of business time left"
    assert restored_button(response)


def test_met_and_breached_clocks_show_when_and_by_how_much(agent, client):
    ticket = open_case_in(rome(2026, 11, 24, 10, 0), reason="classound-outage")
    with time_machine.travel(rome(2026, 11, 24, 10, 20), tick=False):
        message_post(ticket=ticket, reply=Reply(author=agent, body="Looking at the trunk now."))
    with time_machine.travel(rome(2026, 11, 24, 14, 30), tick=False):
        client.post(case_url(ticket, "restored"), {"restored-note": ""})
        response = client.get(case_url(ticket))

    rows = clock_rows(response)
    assert rows["First response"]["State"] == "Met"
    assert rows["First response"]["Left or over"] == "Within target"
    assert rows["First response"]["Stopped"] == "Tue 09:20 UTC"
    assert rows["Service restoration"]["State"] == "Breached"
    assert rows["Service restoration"]["Left or over"] == "30 minutes over"
    assert rows["Service restoration"]["Breached"] == "Tue 13:00 UTC"
    assert rows["Service restoration"]["Due"] == (
        "due Tue 13:00 UTC · breached Tue 13:00 UTC, 30 min ago"
    )
    assert not restored_button(response)


def test_service_restored_stops_the_restoration_clock(agent, client):
    ticket = open_case_in(rome(2026, 11, 24, 10, 0), reason="classound-outage")

    with time_machine.travel(rome(2026, 11, 24, 12, 0), tick=False):
        page = client.get(case_url(ticket))
        assert restored_button(page)
        response = client.post(
            case_url(ticket, "restored"), {"restored-note": "Trunk re-registered."}
        )

    assert response.status_code == 302
    assert response["Location"] == case_url(ticket) + "#service-levels"
    assert "service marked restored" in flash(response)
    restoration = ticket.clocks.get(metric="restoration")
    assert restoration.state == "met"
    assert restoration.stopped_at == rome(2026, 11, 24, 12, 0)
    page = client.get(case_url(ticket))
    assert "Service restored by Sofia Marino Trunk re-registered." in " ".join(timeline(page))
    assert clock_rows(page)["Service restoration"]["State"] == "Met"
    assert not restored_button(page)


def test_service_restored_twice_is_refused_and_keeps_the_note(agent, client):
    ticket = open_case_in(rome(2026, 11, 24, 10, 0), reason="classound-outage")
    with time_machine.travel(rome(2026, 11, 24, 12, 0), tick=False):
        client.post(case_url(ticket, "restored"))
        response = client.post(case_url(ticket, "restored"), {"restored-note": "Back again."})

    assert response.status_code == 200
    assert "no restoration clock running" in flash(response)
    assert Page(response).field_labelled("Note (optional)").text == "Back again."
    assert ticket.events.filter(kind="service_restored").count() == 1


def test_a_case_without_restoration_offers_no_button(agent, client):
    ticket = open_case_in(rome(2026, 11, 24, 10, 0))

    with time_machine.travel(rome(2026, 11, 24, 11, 0), tick=False):
        response = client.get(case_url(ticket))
        refused = client.post(case_url(ticket, "restored"))

    assert list(clock_rows(response)) == ["First response"]
    assert not restored_button(response)
    assert "no restoration clock running" in flash(refused)


def test_a_case_without_clocks_says_so(agent, client):
    response = client.get(case_url(TicketFactory()))

    assert "No service-level clocks run for this case." in Page(response).text()


def test_partners_and_billing_cannot_mark_a_service_restored(policies, client):
    ticket = open_case_in(rome(2026, 11, 24, 10, 0), reason="classound-outage")
    for user in (ticket.requester, StaffFactory(roles=[Role.BILLING])):
        client.force_login(user)
        assert client.post(case_url(ticket, "restored")).status_code == 403
    assert ticket.clocks.get(metric="restoration").stopped_at is None
