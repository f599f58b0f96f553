"""The partner's pages: the organisation's case list, the case page (conversation, reply,
close, feedback) and attachment downloads, always scoped to the partner's organisation."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desk.actions.documents import documents_request
from desk.actions.hardware_request import hardware_request_open
from desk.actions.reply import Reply, message_post
from entitlements.rules import REMOTE_ACCESS, Platform
from entitlements.services import intervention_request
from hwaas.services import RequestInput
from partners.models import CaseType
from tests.availability.factories import (
    IncidentFactory,
    IncidentUpdateFactory,
    ServiceFactory,
    SubscriptionFactory,
)
from tests.entitlements.factories import EntitlementFactory
from tests.factories import OrganisationFactory, UserFactory
from tests.hwaas.factories import LeaseAgreementFactory, LeaseLineFactory
from tests.partners.pages import Page
from tests.tickets.factories import MessageFactory, TicketFactory, policy_2026, ticket_create
from tickets import events
from tickets.models import Feedback, Message, Ticket
from tickets.services.documents import ItemSpec

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

MY_CASES = reverse("tickets:my_cases")


@pytest.fixture
def organisation(policies):
    return OrganisationFactory(name="Alpine Unified Comms GmbH", tier="gold")


@pytest.fixture
def partner(client, organisation):
    user = UserFactory(organisation=organisation, full_name="Anna Weber")
    client.force_login(user)
    return user


def case_url(ticket, name: str = "case_detail") -> str:
    return reverse(f"tickets:{name}", args=[ticket.pk])


def listed_numbers(response) -> list[str]:
    page = Page(response)
    return [
        a.text
        for a in page.find_all("a")
        if a.text.startswith("SD-") and a.attrs.get("href", "").startswith("/cases/")
    ]


def upload(
    name: str = "trace.pcap", content: bytes = b"\xd4\xc3\xb2\xa1trace"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


# --- My cases ----------------------------------------------------------------------------


def test_lists_every_case_of_the_organisation_and_nothing_else(client, partner):
    colleague = UserFactory(organisation=partner.organisation)
    mine = TicketFactory(organisation=partner.organisation, requester=partner)
    theirs = TicketFactory(organisation=partner.organisation, requester=colleague)
    foreign = TicketFactory(subject="Foreign secret subject")

    response = client.get(MY_CASES)

    assert set(listed_numbers(response)) == {mine.number, theirs.number}
    assert foreign.number not in response.content.decode()
    assert "Foreign secret subject" not in response.content.decode()


def test_rows_show_type_reason_status_class_of_service_and_last_update(client, partner):
    TicketFactory(
        organisation=partner.organisation,
        subject="Calls drop on trunk 2",
        status=Ticket.Status.WAITING,
        cos=Ticket.ClassOfService.CRITICAL,
    )

    page = Page(client.get(MY_CASES))

    rows = [row.text for row in page.find_all("tr") if "Calls drop on trunk 2" in row.text]
    assert len(rows) == 1
    for part in (
        "Tech Support",
        "Call quality and dropped calls",
        "Waiting on partner",
        "Critical",
    ):
        assert part in rows[0]
    assert page.find_all("time")


def test_newest_first_and_paginated(client, partner):
    now = timezone.now()
    cases = [
        TicketFactory(organisation=partner.organisation, created_at=now - timedelta(hours=n))
        for n in range(25)
    ]

    first = client.get(MY_CASES)
    second = client.get(MY_CASES, {"page": 2})

    assert listed_numbers(first) == [t.number for t in cases[:20]]
    assert listed_numbers(second) == [t.number for t in cases[20:]]
    assert "Page 2 of 2" in Page(second).text()


def test_pagination_links_keep_the_filters(client, partner):
    for _ in range(21):
        TicketFactory(organisation=partner.organisation, status=Ticket.Status.OPEN)

    page = Page(client.get(MY_CASES, {"status": "open"}))

    next_links = [a.attrs["href"] for a in page.find_all("a") if a.attrs.get("rel") == "next"]
    assert next_links == ["?status=open&page=2"]


def test_filters_by_status_and_case_type(client, partner):
    org = partner.organisation
    open_tech = TicketFactory(organisation=org, status=Ticket.Status.OPEN)
    resolved = TicketFactory(organisation=org, status=Ticket.Status.RESOLVED)
    care_type = CaseType.objects.get(policy=policy_2026(), code="customer_care")
    care = TicketFactory(
        organisation=org,
        case_type=care_type,
        reason=care_type.reasons.get(code="billing"),
        status=Ticket.Status.NEW,
    )

    assert listed_numbers(client.get(MY_CASES, {"status": "resolved"})) == [resolved.number]
    assert set(listed_numbers(client.get(MY_CASES, {"status": "active"}))) == {
        open_tech.number,
        care.number,
    }
    assert listed_numbers(client.get(MY_CASES, {"case_type": "customer_care"})) == [care.number]
    both = client.get(MY_CASES, {"case_type": "tech_support", "status": "open"})
    assert listed_numbers(both) == [open_tech.number]


def test_text_search_by_words_and_by_number(client, partner):
    org = partner.organisation
    audio = TicketFactory(organisation=org, subject="One-way audio on the branch PBX")
    TicketFactory(organisation=org, subject="Invoice question")
    foreign = TicketFactory(subject="One-way audio elsewhere")

    by_words = client.get(MY_CASES, {"q": "audio"})
    by_number = client.get(MY_CASES, {"q": audio.number})
    foreign_number = client.get(MY_CASES, {"q": foreign.number})

    assert listed_numbers(by_words) == [audio.number]
    assert listed_numbers(by_number) == [audio.number]
    assert listed_numbers(foreign_number) == []
    assert "No case matches these filters" in Page(foreign_number).text()


def test_filtering_with_htmx_returns_just_the_list(client, partner):
    TicketFactory(organisation=partner.organisation, subject="Echo on calls")

    response = client.get(
        MY_CASES, {"q": "echo"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="case-list"
    )

    html = response.content.decode()
    assert "Echo on calls" in html
    assert "<html" not in html
    assert "PBXs and devices" not in html


def test_page_keeps_the_support_overview_and_devices(client, partner):
    text = Page(client.get(MY_CASES)).text()

    assert "Direct support" in text
    assert "PBXs and devices" in text
    assert "Open a case" in text


def test_invalid_filters_are_ignored_not_an_error(client, partner):
    TicketFactory(organisation=partner.organisation)

    response = client.get(MY_CASES, {"status": "bogus", "page": "last"})

    assert response.status_code == 200
    assert len(listed_numbers(response)) == 1


def test_list_query_count_does_not_grow_with_cases(client, partner, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    TicketFactory.create_batch(2, organisation=partner.organisation)
    with CaptureQueriesContext(connection) as few:
        client.get(MY_CASES)

    TicketFactory.create_batch(18, organisation=partner.organisation)
    with django_assert_max_num_queries(len(few)):
        response = client.get(MY_CASES, {"q": "calls"})
    assert len(listed_numbers(response)) == 20


# --- The case page -----------------------------------------------------------------------


def test_case_page_shows_the_details_and_the_public_timeline(client, partner, agent):
    ticket = TicketFactory(
        organisation=partner.organisation,
        requester=partner,
        critical_criterion="call_drops",
        cos=Ticket.ClassOfService.CRITICAL,
    )
    events.created(ticket, actor=partner)
    events.assigned(ticket, actor=agent, old_id=None, new_id=agent.pk, new_name="Sofia Marino")

    text = Page(client.get(case_url(ticket))).text()

    for part in (
        ticket.number,
        ticket.subject,
        "New",
        "Tech Support",
        "Call quality and dropped calls",
        ticket.device.serial_number,
        "Critical requested: Calls drop and the operator is not the cause",
        "Anna Weber",
        "Case opened",
    ):
        assert part in text, part
    assert "Assigned to" not in text  # an internal event


def test_case_page_shows_public_replies_but_never_internal_notes(client, partner, agent):
    ticket = TicketFactory(organisation=partner.organisation)
    MessageFactory(ticket=ticket, author=agent, body="Please send us a trace of one call.")
    MessageFactory(
        ticket=ticket,
        author=agent,
        body="Internal: partner is on an old firmware, blame them.",
        visibility=Message.Visibility.INTERNAL,
    )
    message_post(
        ticket=ticket,
        reply=Reply(author=agent, body="Note with a file", internal=True, attachments=[upload()]),
    )

    html = client.get(case_url(ticket)).content.decode()

    assert "Please send us a trace of one call." in html
    assert "Internal: partner is on an old firmware" not in html
    assert "Note with a file" not in html
    assert "trace.pcap" not in html
    assert "Internal note" not in html


def test_another_organisations_case_is_404_like_a_missing_one(client, partner):
    foreign = TicketFactory(status=Ticket.Status.RESOLVED)

    for name in ("case_detail",):
        assert client.get(case_url(foreign, name)).status_code == 404
    for name in ("case_reply", "case_close", "case_feedback"):
        response = client.post(case_url(foreign, name), {"body": "hi", "rating": "5"})
        assert response.status_code == 404
    assert client.get(reverse("tickets:case_detail", args=[999_999])).status_code == 404
    assert not Message.objects.exists()
    assert not Feedback.objects.exists()
    foreign.refresh_from_db()
    assert foreign.status == Ticket.Status.RESOLVED


def test_case_page_is_for_partners(client, agent):
    ticket = TicketFactory()
    client.force_login(agent)

    assert client.get(case_url(ticket)).status_code == 403


def test_case_page_query_count_does_not_grow_with_the_conversation(
    client, partner, agent, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ticket = TicketFactory(organisation=partner.organisation)
    message_post(ticket=ticket, reply=Reply(author=agent, body="First", attachments=[upload()]))
    with CaptureQueriesContext(connection) as few:
        client.get(case_url(ticket))

    for n in range(10):
        message_post(
            ticket=ticket,
            reply=Reply(author=agent, body=f"Reply {n}", attachments=[upload(f"f{n}.log")]),
        )
        message_post(ticket=ticket, reply=Reply(author=partner, body=f"Answer {n}"))

    with django_assert_max_num_queries(len(few)):
        response = client.get(case_url(ticket))
    assert "f9.log" in response.content.decode()


# The whole page, however long the conversation: the signed-in user, the case, its messages,
# their files, its timeline, its clocks, and a query for each panel the case has
# (interventions, linked incidents, documents asked for, the hardware request).
CASE_PAGE_QUERIES = 12


def case_with_every_panel(partner, agent) -> Ticket:
    """A hardware request's case with a remote intervention asked for, an incident linked
    to it and documents asked for."""
    organisation = partner.organisation
    EntitlementFactory(organisation=organisation)
    agreement = LeaseAgreementFactory(lessor=organisation)
    LeaseLineFactory(agreement=agreement, delivered_on=date(2026, 2, 1))
    ticket = hardware_request_open(
        requester=partner, data=RequestInput(kind="return", agreement=agreement)
    ).ticket
    intervention_request(
        ticket=ticket,
        actor=partner,
        platform="3cx",
        checklist=list(REMOTE_ACCESS[Platform.THREECX]),
        access_description="3CX web admin, account support-tech.",
        slots=[timezone.now() + timedelta(days=2)],
    )
    service = ServiceFactory()
    SubscriptionFactory(organisation=organisation, services=[service])
    incident = IncidentFactory(
        title="Trunk outage in Milan", started_at=timezone.now(), services=[service]
    )
    IncidentUpdateFactory(incident=incident, body="The carrier is restoring the trunk.")
    incident.tickets.add(ticket)
    documents_request(
        ticket=ticket,
        actor=agent,
        due_date=timezone.localdate() + timedelta(days=10),
        note="For the return.",
        items=[ItemSpec(kind="authorisation"), ItemSpec(kind="other", label="Delivery note")],
        now=timezone.now(),
    )
    return ticket


def test_case_page_takes_a_dozen_queries_for_three_messages_or_thirty(
    client, partner, agent, calendars, django_assert_max_num_queries
):
    with time_machine.travel(datetime(2026, 11, 18, 10, 0, tzinfo=UTC), tick=False):
        ticket = case_with_every_panel(partner, agent)

        def converse(count: int) -> None:
            for n in range(count):
                author = agent if n % 2 else partner
                files = [upload(f"m{ticket.messages.count()}.log")] if n % 3 == 0 else []
                message_post(
                    ticket=ticket,
                    reply=Reply(author=author, body=f"Message {n}", attachments=files),
                )

        converse(3)
        client.get(case_url(ticket))  # warm whatever is cached per process
        with django_assert_max_num_queries(CASE_PAGE_QUERIES) as three:
            client.get(case_url(ticket))
        # Read now: the next request starts a fresh query log.
        queries_for_three = len(three.captured_queries)

        converse(27)
        with django_assert_max_num_queries(queries_for_three):
            response = client.get(case_url(ticket))

    html = response.content.decode()
    assert html.count('<li class="post ') == 31  # what the case was opened with, and 30 replies
    assert "m27.log" in html
    for panel in (
        'id="hardware-request"',
        'id="linked-incidents"',
        "data-intervention=",
        "data-document-request=",
    ):
        assert panel in html, panel
    assert "The carrier is restoring the trunk." in html


# --- Replying ----------------------------------------------------------------------------


def test_reply_with_an_attachment(client, partner):
    ticket = TicketFactory(organisation=partner.organisation, status=Ticket.Status.WAITING)

    response = client.post(
        case_url(ticket, "case_reply"),
        {"body": "Here is the trace you asked for.", "attachments": [upload()]},
        follow=True,
    )

    message = Message.objects.get()
    assert message.author == partner
    assert message.visibility == Message.Visibility.PUBLIC
    assert [a.original_name for a in message.attachments.all()] == ["trace.pcap"]
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    html = response.content.decode()
    assert "Here is the trace you asked for." in html
    assert reverse("tickets:attachment_download", args=[message.attachments.get().pk]) in html


def test_reply_to_a_resolved_case_reopens_it(client, partner):
    ticket = TicketFactory(organisation=partner.organisation, status=Ticket.Status.RESOLVED)

    client.post(case_url(ticket, "case_reply"), {"body": "It happened again this morning."})

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.resolved_at is None


def test_an_empty_reply_or_a_bad_file_comes_back_with_the_text(client, partner, settings):
    ticket = TicketFactory(organisation=partner.organisation)

    empty = Page(client.post(case_url(ticket, "case_reply"), {"body": "  "}))
    bad_file = Page(
        client.post(
            case_url(ticket, "case_reply"),
            {"body": "See the attached program", "attachments": [upload("tool.exe", b"MZ")]},
        )
    )

    assert "Write a message" in empty.errors_for(empty.field_labelled("Your reply"))
    reply = bad_file.field_labelled("Your reply")
    assert "See the attached program" in bad_file.html
    errors = bad_file.errors_for(bad_file.field_labelled("Attachments"))
    assert "tool.exe" in errors
    assert "attach them again" in errors
    assert reply.tag == "textarea"
    assert not Message.objects.exists()


def test_a_closed_case_refuses_replies_and_offers_a_follow_up(client, partner):
    ticket = TicketFactory(organisation=partner.organisation, status=Ticket.Status.CLOSED)
    follow_up = f"{reverse('tickets:case_new')}?follow_up={ticket.pk}"

    page = Page(client.get(case_url(ticket)))
    refused = Page(
        client.post(case_url(ticket, "case_reply"), {"body": "One more thing about this."})
    )

    assert not page.find_all("form", action=case_url(ticket, "case_reply"))
    assert "This case is closed. Need more help?" in page.text()
    assert page.find_all("a", href=follow_up)
    assert not Message.objects.exists()
    assert "was not added" in refused.text()
    assert "One more thing about this." in [e.text for e in refused.find_all("pre")]
    assert refused.find_all("a", href=follow_up)


# --- Closing and feedback ----------------------------------------------------------------


def test_partner_closes_a_resolved_case(client, partner):
    ticket = TicketFactory(organisation=partner.organisation, status=Ticket.Status.RESOLVED)
    assert Page(client.get(case_url(ticket))).find_all(
        "form", action=case_url(ticket, "case_close")
    )

    response = client.post(case_url(ticket, "case_close"), follow=True)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    assert ticket.closed_at is not None
    assert "is closed" in Page(response).text()


def test_only_a_resolved_case_can_be_closed(client, partner):
    ticket = TicketFactory(organisation=partner.organisation, status=Ticket.Status.OPEN)
    assert not Page(client.get(case_url(ticket))).find_all(
        "form", action=case_url(ticket, "case_close")
    )

    response = client.post(case_url(ticket, "case_close"), follow=True)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert "Only a resolved case can be closed" in Page(response).text()


def test_feedback_is_offered_once_resolved_and_given_once(client, partner):
    ticket = TicketFactory(organisation=partner.organisation, status=Ticket.Status.RESOLVED)
    page = Page(client.get(case_url(ticket)))
    ratings = [e for e in page.find_all("input") if e.attrs.get("name") == "rating"]
    assert sorted(e.attrs["value"] for e in ratings) == ["1", "2", "3", "4", "5"]
    assert all(e.attrs["type"] == "radio" for e in ratings)

    first = client.post(
        case_url(ticket, "case_feedback"), {"rating": "4", "comment": "Quick fix."}, follow=True
    )
    second = client.post(
        case_url(ticket, "case_feedback"),
        {"rating": "1", "comment": "Changed my mind"},
        follow=True,
    )

    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.comment, feedback.author) == (4, "Quick fix.", partner)
    assert "4/5" in Page(first).text()
    assert "already been given" in Page(second).text()
    assert not Page(second).find_all("form", action=case_url(ticket, "case_feedback"))


def test_feedback_is_not_offered_while_the_case_is_open(client, partner):
    ticket = TicketFactory(organisation=partner.organisation, status=Ticket.Status.OPEN)
    assert not Page(client.get(case_url(ticket))).find_all(
        "form", action=case_url(ticket, "case_feedback")
    )

    client.post(case_url(ticket, "case_feedback"), {"rating": "5"})

    assert not Feedback.objects.exists()


def test_feedback_on_a_closed_case_and_a_missing_rating(client, partner):
    ticket = TicketFactory(organisation=partner.organisation, status=Ticket.Status.CLOSED)

    missing = Page(client.post(case_url(ticket, "case_feedback"), {"comment": "Good work"}))
    client.post(case_url(ticket, "case_feedback"), {"rating": "5", "comment": "Good work"})

    assert "Choose a rating from 1 to 5" in missing.text()
    assert "Good work" in missing.html
    assert Feedback.objects.get().rating == 5


# --- Attachment downloads ----------------------------------------------------------------


def test_download_gives_the_file_with_its_stored_type(client, partner, agent):
    ticket = TicketFactory(organisation=partner.organisation)
    message = message_post(
        ticket=ticket,
        reply=Reply(
            author=agent,
            body="The fixed dial plan",
            attachments=[upload("dialplan.pdf", b"%PDF-1.4 plan")],
        ),
    )
    attachment = message.attachments.get()

    response = client.get(reverse("tickets:attachment_download", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="dialplan.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF-1.4 plan"


def test_download_of_another_organisations_file_is_404(client, partner):
    foreign = TicketFactory()
    foreign_user = foreign.requester
    message = message_post(
        ticket=foreign,
        reply=Reply(
            author=foreign_user,
            body="Our invoice",
            attachments=[upload("inv.pdf", b"%PDF-1.4 invoice")],
        ),
    )

    url = reverse("tickets:attachment_download", args=[message.attachments.get().pk])

    assert client.get(url).status_code == 404
    assert client.get(reverse("tickets:attachment_download", args=[999_999])).status_code == 404


def test_download_of_an_internal_notes_file_is_404_for_partners_not_staff(client, partner, agent):
    ticket = TicketFactory(organisation=partner.organisation)
    note = message_post(
        ticket=ticket,
        reply=Reply(author=agent, body="Log from our side", internal=True, attachments=[upload()]),
    )
    url = reverse("tickets:attachment_download", args=[note.attachments.get().pk])

    assert client.get(url).status_code == 404

    client.force_login(agent)
    assert client.get(url).status_code == 200


def test_download_needs_a_login(client, policies):
    ticket = TicketFactory()
    message = message_post(
        ticket=ticket, reply=Reply(author=ticket.requester, body="File", attachments=[upload()])
    )
    url = reverse("tickets:attachment_download", args=[message.attachments.get().pk])

    response = client.get(url)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_ids_too_large_for_the_database_are_404_not_an_error(client, partner):
    huge = 2**63

    assert client.get(f"/cases/{huge}/").status_code == 404
    assert client.post(f"/cases/{huge}/reply/", {"body": "hi"}).status_code == 404
    assert client.get(f"/attachments/{huge}/").status_code == 404
    assert client.get(reverse("tickets:case_new"), {"follow_up": str(huge)}).status_code == 404


# --- Response times on the case page -------------------------------------------------------

ROME = ZoneInfo("Europe/Rome")
TUESDAY_MORNING_ROME = datetime(2026, 11, 24, 10, 0, tzinfo=ROME)


def open_case(partner, *, reason: str = "call-quality", critical: str = "") -> Ticket:
    """A Tech Support case opened through the service, so its SLA clocks start."""
    ticket, _ = ticket_create(
        requester=partner,
        case_type="tech_support",
        reason=reason,
        subject="Calls drop after 30 seconds",
        description="Every outgoing call drops after about 30 seconds.",
        wms_version="7.02.1",
        firmware_versions="DP-40 1.9.0",
        critical_criterion=critical,
        reproduced_with_other_operator=True if critical else None,
    )
    return ticket


def response_times(client, ticket) -> str:
    page = Page(client.get(case_url(ticket)))
    found = [e for e in page.elements if e.attrs.get("id") == "response-times"]
    return found[0].text if found else ""


def test_case_page_shows_when_the_first_response_is_due(client, partner):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False):
        ticket = open_case(partner)
        shown = response_times(client, ticket)

    # Due at closing time: an answer before support hours open again is still on time.
    assert shown == "First response due Tue 18:00 CET · breaches Wed 09:00 CET"


def test_case_page_shows_the_first_response_answered_within_target(client, partner, agent):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False) as clock:
        ticket = open_case(partner)
        clock.shift(timedelta(hours=2))
        message_post(ticket=ticket, reply=Reply(author=agent, body="We are looking into it."))
        shown = response_times(client, ticket)

    assert shown == "Answered within target"


def test_case_page_shows_a_late_answer(client, partner, agent):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False) as clock:
        ticket = open_case(partner)
        clock.shift(timedelta(days=1))  # Wednesday 10:00, a working morning past the close
        message_post(ticket=ticket, reply=Reply(author=agent, body="Sorry for the wait."))
        shown = response_times(client, ticket)

    assert shown == "Answered late: due Tue 18:00 CET · breached Wed 09:00 CET, 1 h ago"


def test_case_page_shows_an_overdue_first_response_still_waiting(client, partner):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False) as clock:
        ticket = open_case(partner)
        clock.shift(timedelta(days=1))
        shown = response_times(client, ticket)

    assert shown == "First response due Tue 18:00 CET · breached Wed 09:00 CET, 1 h ago"


def test_case_page_shows_the_restoration_target_of_an_outage(client, partner):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False):
        ticket = open_case(partner, reason="classound-outage")
        shown = response_times(client, ticket)

    assert "First response due Tue 18:00 CET · breaches Wed 09:00 CET" in shown
    assert "Service restoration due Tue 14:00 CET" in shown


def test_partners_never_see_the_internal_triage_clock_or_warnings(client, partner):
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=ROME)
    with time_machine.travel(saturday, tick=False):
        ticket = open_case(partner, critical="call_drops")
        ticket.clocks.update(warned_at=saturday)
        page = Page(client.get(case_url(ticket)))

    assert ticket.clocks.filter(metric="out_of_hours_triage").exists()
    assert "First response due Mon 09:30 CET" in page.text()
    assert "riage" not in page.text()
    assert "warn" not in page.text().lower()


def test_case_page_shows_times_in_the_partners_own_zone(client, partner):
    partner.time_zone = "America/New_York"
    partner.save(update_fields=["time_zone"])
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False):
        ticket = open_case(partner)
        shown = response_times(client, ticket)

    assert shown == "First response due Tue 12:00 EST · breaches Wed 03:00 EST"


def test_a_case_without_clocks_shows_no_response_times(client, partner):
    ticket = TicketFactory(organisation=partner.organisation, requester=partner)

    assert response_times(client, ticket) == ""


def test_case_page_reads_the_clocks_in_one_query(client, partner):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False):
        outage = open_case(partner, reason="classound-outage")
        plain = open_case(partner)
        client.get(case_url(plain))  # warm whatever is cached per process

        with CaptureQueriesContext(connection) as one_clock:
            client.get(case_url(plain))
        with CaptureQueriesContext(connection) as two_clocks:
            client.get(case_url(outage))

    clock_queries = [q for q in two_clocks.captured_queries if '"sla_clock"' in q["sql"]]
    assert len(clock_queries) == 1
    assert len(two_clocks) == len(one_clock)
