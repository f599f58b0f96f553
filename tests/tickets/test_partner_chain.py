"""Handing a refused case up the chain, and installers following their customers' cases.

A Bronze partner refused by the desk sends what it typed, with its files, to its upstream
partner, which turns it into a case of its own (text and files carried over, the case
linked to the request, the sender told), answers it, or declines it. An installer reads
and answers its end customers' cases in a tab of its own, never their internal notes.
Everyone else gets 404, page and API alike.
"""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core.errors import IllegalTransition
from partners.models import Organisation
from tests.factories import OrganisationFactory, UserFactory
from tests.tickets.factories import MessageFactory, TicketFactory, open_case
from tickets import request_workflow
from tickets.models import Attachment, Message, OutgoingEmail, PartnerRequest, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

NEW = reverse("tickets:case_new")
TRACE = b"INVITE sip:100@pbx.iberia.test SIP/2.0\r\n"


@pytest.fixture(autouse=True)
def _mail(settings, eager_celery, policies, calendars):
    settings.SITE_URL = "https://desk.example.test"


@pytest.fixture
def hudson(policies):
    return OrganisationFactory(
        name="Hudson Voice Systems Inc.", tier="platinum", contact_email="support@hudson.test"
    )


@pytest.fixture
def hudson_user(hudson):
    return UserFactory(organisation=hudson, full_name="Marcus Reed")


@pytest.fixture
def bronze_user(hudson):
    bronze = OrganisationFactory(name="Iberia Voz S.L.", tier="bronze", upstream_partner=hudson)
    return UserFactory(organisation=bronze, full_name="Lucía Ortega", email="lucia@iberia.test")


@pytest.fixture
def stranger(policies):
    """A third partner, with a Bronze partner and an end customer of its own."""
    return UserFactory(organisation=OrganisationFactory(name="Lakeshore Networks LLC"))


def refused_form(**overrides) -> dict:
    """Customer Care: not one of the three kinds a Bronze partner opens itself (15.1)."""
    data = {
        "case_type": "customer_care",
        "reason": "billing",
        "category": "invoice",
        "subject": "Invoice 2026-1142 charges twelve licences",
        "description": "We were charged for twelve licences\nbut we only have ten.",
        "submission_key": str(uuid.uuid4()),
    }
    return data | overrides


def refuse(client, user, **overrides):
    client.force_login(user)
    data = refused_form(**overrides)
    data["attachments"] = SimpleUploadedFile("trace.txt", TRACE, "text/plain")
    response = client.post(NEW, data)
    assert "tickets/partner/referral.html" in [t.name for t in response.templates]
    return response


def sent_request(client, bronze_user) -> PartnerRequest:
    response = refuse(client, bronze_user)
    draft = response.context["hand_up"]
    client.post(reverse("tickets:partner_request_send", args=[draft.pk]))
    return PartnerRequest.objects.get(pk=draft.pk)


# --- The refusal keeps the request, and the partner sends it ---------------------------


def test_the_refusal_keeps_the_text_and_files_and_offers_to_send_them(client, bronze_user, hudson):
    response = refuse(client, bronze_user)

    assert not Ticket.objects.exists()
    draft = PartnerRequest.objects.get()
    assert draft.status == "draft"
    assert draft.recipient == hudson
    assert draft.subject == "Invoice 2026-1142 charges twelve licences"
    assert draft.description == "We were charged for twelve licences\nbut we only have ten."
    assert [f.original_name for f in draft.files.all()] == ["trace.txt"]
    assert draft.files.get().file.read() == TRACE
    text = response.content.decode()
    assert "Send to Hudson Voice Systems Inc." in text
    assert "were not kept" not in text
    # Not visible to the upstream partner until it is sent.
    assert not PartnerRequest.objects.filter(status="open").exists()


def test_refusing_the_same_form_twice_keeps_one_draft_with_the_latest_text(client, bronze_user):
    key = str(uuid.uuid4())
    refuse(client, bronze_user, submission_key=key)
    refuse(client, bronze_user, submission_key=key, subject="Invoice 2026-1142, corrected")

    assert PartnerRequest.objects.get().subject == "Invoice 2026-1142, corrected"


def test_sending_hands_it_to_the_upstream_partner_and_tells_them(client, bronze_user, hudson_user):
    found = sent_request(client, bronze_user)

    assert found.status == "open"
    assert found.sent_at is not None
    told = OutgoingEmail.objects.get(kind="partner_request_received")
    assert told.to == ["support@hudson.test"]
    assert "Iberia Voz" in told.subject
    client.force_login(hudson_user)
    page = client.get(reverse("tickets:partner_requests")).content.decode()
    assert "Requests from your partners and customers" in page
    assert "Invoice 2026-1142 charges twelve licences" in page
    assert "Iberia Voz S.L." in page
    assert "Lucía Ortega" in page


def test_a_request_is_sent_once(client, bronze_user):
    found = sent_request(client, bronze_user)
    response = client.post(reverse("tickets:partner_request_send", args=[found.pk]), follow=True)

    assert "was sent already" in response.content.decode()
    assert PartnerRequest.objects.get().status == "open"


def test_a_refusal_naming_nobody_on_file_offers_nothing_to_send(client, policies):
    lonely = UserFactory(organisation=OrganisationFactory(tier="bronze", upstream_partner=None))
    client.force_login(lonely)
    response = client.post(NEW, refused_form())

    assert "hand_up" not in response.context
    assert not PartnerRequest.objects.exists()


# --- The upstream partner deals with it ------------------------------------------------


def test_converting_opens_the_partners_own_case_with_text_and_files_and_tells_the_sender(
    client, bronze_user, hudson_user
):
    found = sent_request(client, bronze_user)
    client.force_login(hudson_user)

    response = client.post(
        reverse("tickets:partner_request_convert", args=[found.pk]),
        {"kind": "customer_care|billing"},
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:case_detail", args=[ticket.pk])
    case_page = client.get(response["Location"]).content.decode()
    assert "Opened from request" in case_page
    assert "Iberia Voz S.L." in case_page
    # The partner's own case, in its own name: nothing in the Bronze partner's name.
    assert ticket.organisation == hudson_user.organisation
    assert ticket.requester == hudson_user
    assert ticket.subject == found.subject
    assert ticket.description == found.description
    attachment = Attachment.objects.get(ticket=ticket)
    assert attachment.original_name == "trace.txt"
    assert attachment.file.read() == TRACE
    found.refresh_from_db()
    assert (found.status, found.ticket, found.handled_by) == ("converted", ticket, hudson_user)
    assert ticket.events.filter(kind="opened_from_request", public=True).exists()
    told = OutgoingEmail.objects.get(kind="partner_request_converted")
    assert told.to == ["lucia@iberia.test"]
    assert "taken up as a case" in told.subject
    # The sender sees it converted, but not the partner's case.
    client.force_login(bronze_user)
    page = client.get(reverse("tickets:partner_request", args=[found.pk])).content.decode()
    assert "Taken up as a case" in page
    assert ticket.number not in page
    assert client.get(reverse("tickets:case_detail", args=[ticket.pk])).status_code == 404


def test_converting_keeps_the_form_when_the_case_is_incomplete(client, bronze_user, hudson_user):
    found = sent_request(client, bronze_user)
    client.force_login(hudson_user)

    response = client.post(
        reverse("tickets:partner_request_convert", args=[found.pk]),
        {"kind": "tech_support|call-quality"},
    )

    assert response.status_code == 400
    assert response.context["convert_form"].errors
    assert not Ticket.objects.exists()
    assert PartnerRequest.objects.get().status == "open"


def test_answering_and_declining_tell_the_sender(client, bronze_user, hudson_user):
    first = sent_request(client, bronze_user)
    second = sent_request(client, bronze_user)
    client.force_login(hudson_user)

    client.post(
        reverse("tickets:partner_request_answer", args=[first.pk]),
        {"answer": "Licences 11 and 12 are the two trial users; we will credit them."},
    )
    empty = client.post(reverse("tickets:partner_request_decline", args=[second.pk]), {"note": ""})
    client.post(
        reverse("tickets:partner_request_decline", args=[second.pk]),
        {"note": "Same invoice as the one we answered."},
    )

    assert empty.status_code == 400
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("answered", "declined")
    assert second.reply == "Same invoice as the one we answered."
    subjects = [m.subject for m in OutgoingEmail.objects.filter(to=["lucia@iberia.test"])]
    assert any("answered" in s for s in subjects)
    assert any("declined" in s for s in subjects)
    assert not Ticket.objects.exists()
    # Dealt with: no second answer.
    again = client.post(
        reverse("tickets:partner_request_answer", args=[first.pk]), {"answer": "More"}, follow=True
    )
    assert "already dealt with" in again.content.decode()


# --- Isolation -------------------------------------------------------------------------


def test_a_third_partner_can_neither_see_nor_act_on_the_request(client, bronze_user, stranger):
    found = sent_request(client, bronze_user)
    kept = found.files.get()
    client.force_login(stranger)

    assert (
        "Invoice 2026-1142" not in client.get(reverse("tickets:partner_requests")).content.decode()
    )
    for name in ("partner_request",):
        assert client.get(reverse(f"tickets:{name}", args=[found.pk])).status_code == 404
    for name in ("send", "convert", "answer", "decline"):
        url = reverse(f"tickets:partner_request_{name}", args=[found.pk])
        assert (
            client.post(
                url, {"kind": "customer_care|billing", "answer": "x", "note": "x"}
            ).status_code
            == 404
        )
    assert client.get(reverse("tickets:partner_request_file", args=[kept.pk])).status_code == 404
    assert PartnerRequest.objects.get().status == "open"


def test_the_sender_cannot_deal_with_its_own_request(client, bronze_user):
    found = sent_request(client, bronze_user)

    response = client.post(
        reverse("tickets:partner_request_answer", args=[found.pk]), {"answer": "x"}
    )

    assert response.status_code == 404


def test_a_draft_is_its_authors_alone(client, bronze_user, hudson_user):
    draft = refuse(client, bronze_user).context["hand_up"]
    client.force_login(hudson_user)

    assert client.get(reverse("tickets:partner_request", args=[draft.pk])).status_code == 404
    assert draft.subject not in client.get(reverse("tickets:partner_requests")).content.decode()


def test_the_requests_page_reads_a_fixed_number_of_queries(
    client, bronze_user, hudson_user, django_assert_max_num_queries
):
    for _ in range(6):
        sent_request(client, bronze_user)
    client.force_login(hudson_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("tickets:partner_requests"))
    assert response.content.decode().count("Invoice 2026-1142") == 6


# --- The API ---------------------------------------------------------------------------


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_api_refusal_names_the_draft_and_the_chain_runs_through_the_api(
    bronze_user, hudson_user, stranger
):
    bronze_api = api_for(bronze_user)
    refused = bronze_api.post(
        "/api/tickets/",
        {k: v for k, v in refused_form().items() if k != "category"},
        format="json",
    )
    assert refused.status_code == 403
    hand_up = refused.json()["hand_up"]
    assert hand_up["recipient"]["name"] == "Hudson Voice Systems Inc."
    assert hand_up["status"] == "draft"

    sent = bronze_api.post(hand_up["send"])
    assert sent.status_code == 200
    assert sent.json()["status"] == "open"
    assert bronze_api.post(hand_up["send"]).status_code == 409

    hudson_api = api_for(hudson_user)
    listed = hudson_api.get("/api/partner-requests/").json()
    assert [item["id"] for item in listed["results"]] == [hand_up["request"]]
    assert listed["results"][0]["sender"]["name"] == "Iberia Voz S.L."
    assert api_for(stranger).get("/api/partner-requests/").json()["results"] == []
    assert api_for(stranger).get(f"/api/partner-requests/{hand_up['request']}/").status_code == 404
    for action in ("convert", "answer", "decline"):
        url = f"/api/partner-requests/{hand_up['request']}/{action}/"
        assert (
            api_for(stranger)
            .post(url, {"case_type": "customer_care", "answer": "x", "note": "x"})
            .status_code
            == 404
        )

    bad = hudson_api.post(f"/api/partner-requests/{hand_up['request']}/convert/", {}, format="json")
    assert bad.status_code == 400
    assert "case_type" in bad.json()
    converted = hudson_api.post(
        f"/api/partner-requests/{hand_up['request']}/convert/",
        {"case_type": "customer_care", "reason": "billing"},
        format="json",
    )
    assert converted.status_code == 201
    ticket = Ticket.objects.get(pk=converted.json()["ticket"])
    assert ticket.organisation == hudson_user.organisation
    assert ticket.channel == Ticket.Channel.API
    detail = bronze_api.get(f"/api/partner-requests/{hand_up['request']}/").json()
    assert detail["status"] == "converted"
    assert detail["ticket"] is None  # the sender does not learn the partner's case id


def test_api_answer_needs_text(client, bronze_user, hudson_user):
    found = sent_request(client, bronze_user)
    response = api_for(hudson_user).post(
        f"/api/partner-requests/{found.pk}/answer/", {"answer": ""}, format="json"
    )
    assert response.status_code == 400
    assert "answer" in response.json()


def test_the_schema_documents_the_request_endpoints(client, policies):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/partner-requests/", "/api/partner-requests/{id}/convert/", "hand_up"):
        assert path in schema


# --- The state machine -----------------------------------------------------------------

STATES = list(request_workflow.RequestStatus)


@given(st.sampled_from(STATES), st.sampled_from(STATES))
def test_only_a_sent_request_is_dealt_with_and_only_once(current, target):
    allowed = request_workflow.REQUEST.can_move(current, target)
    assert allowed == (
        (current == "draft" and target == "open")
        or (current == "open" and target in ("converted", "answered", "declined"))
    )
    if not allowed:
        with pytest.raises(IllegalTransition):
            request_workflow.check_move(current, target)


# --- Installers and their customers' cases ---------------------------------------------


@pytest.fixture
def installer(policies):
    return UserFactory(organisation=OrganisationFactory(name="Alpine Unified Comms GmbH"))


@pytest.fixture
def customer_user(installer):
    customer = OrganisationFactory(
        name="Trattoria da Marco", end_customer=True, installer=installer.organisation
    )
    return UserFactory(organisation=customer)


@pytest.fixture
def customer_case(customer_user, agent):
    ticket = TicketFactory(
        organisation=customer_user.organisation,
        requester=customer_user,
        subject="Bar phone does not register",
    )
    MessageFactory(ticket=ticket, author=agent, body="Checked the provisioning log.")
    MessageFactory(
        ticket=ticket,
        author=agent,
        body="Internal: their router blocks 5060.",
        visibility=Message.Visibility.INTERNAL,
    )
    return ticket


def test_installer_sees_its_customers_cases_in_their_own_tab(client, installer, customer_case):
    own = open_case(installer, subject="Our own trunk is down")
    client.force_login(installer)

    tab = client.get(reverse("tickets:customer_cases")).content.decode()
    mine = client.get(reverse("tickets:my_cases")).content.decode()

    assert "Bar phone does not register" in tab
    assert "Trattoria da Marco" in tab
    assert own.subject not in tab
    assert "Bar phone does not register" not in mine
    assert "Our customers&#x27; cases" in mine or "Our customers' cases" in mine


def test_installer_reads_and_replies_but_never_sees_internal_notes(
    client, installer, customer_case, customer_user
):
    client.force_login(installer)
    url = reverse("tickets:case_detail", args=[customer_case.pk])

    page = client.get(url).content.decode()
    assert "Checked the provisioning log." in page
    assert "their router blocks 5060" not in page
    assert "Close this case" not in page

    response = client.post(
        reverse("tickets:case_reply", args=[customer_case.pk]),
        {
            "body": "We re-provisioned the phone; try again.",
            "attachments": SimpleUploadedFile("provision.log", b"ok\n", "text/plain"),
        },
    )
    assert response.status_code == 302
    reply = Message.objects.get(body="We re-provisioned the phone; try again.")
    assert reply.author == installer
    attachment = reply.attachments.get()
    assert (
        client.get(reverse("tickets:attachment_download", args=[attachment.pk])).status_code == 200
    )
    # The end customer sees its own case as before, with the installer's reply.
    client.force_login(customer_user)
    assert "We re-provisioned the phone" in client.get(url).content.decode()


def test_installer_cannot_close_or_rate_its_customers_case(client, installer, customer_case):
    customer_case.status = Ticket.Status.RESOLVED
    customer_case.save()
    client.force_login(installer)

    assert client.post(reverse("tickets:case_close", args=[customer_case.pk])).status_code == 404
    feedback = client.post(reverse("tickets:case_feedback", args=[customer_case.pk]), {"rating": 5})
    assert feedback.status_code == 404


def test_another_partner_never_sees_someone_elses_customers(
    client, stranger, customer_case, installer
):
    client.force_login(stranger)

    assert "Bar phone" not in client.get(reverse("tickets:customer_cases")).content.decode()
    assert client.get(reverse("tickets:case_detail", args=[customer_case.pk])).status_code == 404
    reply = client.post(reverse("tickets:case_reply", args=[customer_case.pk]), {"body": "Hi"})
    assert reply.status_code == 404
    # Nor does the end customer see its installer's own cases.
    own = open_case(installer, subject="Our own trunk is down")
    customer = customer_case.requester
    client.force_login(customer)
    assert client.get(reverse("tickets:case_detail", args=[own.pk])).status_code == 404
    assert client.get(reverse("tickets:customer_cases")).content.decode().count("SD-") == 0


def test_monitoring_cases_about_a_customers_system_are_in_the_tab(client, installer, customer_user):
    from tests.factories import DeviceFactory

    pbx = DeviceFactory(organisation=customer_user.organisation)
    alert_case = TicketFactory(
        organisation=installer.organisation,
        requester=installer,
        device=pbx,
        channel=Ticket.Channel.MONITORING,
        subject="Trattoria da Marco: PBX does not answer",
    )
    client.force_login(installer)

    tab = client.get(reverse("tickets:customer_cases")).content.decode()

    assert alert_case.subject in tab
    assert "Monitoring alert" in tab


def test_the_customers_tab_reads_a_fixed_number_of_queries(
    client, installer, customer_user, django_assert_max_num_queries
):
    for n in range(8):
        TicketFactory(
            organisation=customer_user.organisation, requester=customer_user, subject=f"Case {n}"
        )
    client.force_login(installer)
    with django_assert_max_num_queries(10):
        client.get(reverse("tickets:customer_cases"))


def test_an_installer_must_be_the_customers_own(policies):
    """The service's own check, below the pages: a reply from a partner that did not
    install the customer is refused."""
    from django.core.exceptions import PermissionDenied

    from desk.actions.reply import Reply, message_post

    customer = OrganisationFactory(end_customer=True, installer=OrganisationFactory())
    ticket = TicketFactory(organisation=customer)
    outsider = UserFactory(organisation=OrganisationFactory(tier=Organisation.Tier.GOLD))
    with pytest.raises(PermissionDenied):
        message_post(ticket=ticket, reply=Reply(author=outsider, body="Hello"))


def test_installer_never_downloads_a_file_of_an_internal_note(
    client, installer, customer_case, agent
):
    note = customer_case.messages.get(visibility=Message.Visibility.INTERNAL)
    hidden = Attachment.objects.create(
        ticket=customer_case,
        message=note,
        file=SimpleUploadedFile("router.txt", b"5060 blocked"),
        original_name="router.txt",
        content_type="text/plain",
        size=12,
        uploaded_by=agent,
    )
    client.force_login(installer)

    assert client.get(reverse("tickets:attachment_download", args=[hidden.pk])).status_code == 404


def test_files_kept_with_the_form_go_with_a_second_refusal(client, bronze_user):
    key = str(uuid.uuid4())
    refuse(client, bronze_user, submission_key=key)
    # The form sent again without picking the file anew: the intake kept it.
    again = client.post(NEW, refused_form(submission_key=key, subject="Invoice 2026-1142 again"))

    draft = again.context["hand_up"]
    assert draft.subject == "Invoice 2026-1142 again"
    assert [f.original_name for f in draft.files.all()] == ["trace.txt"]


def test_a_receiver_that_may_not_open_the_case_either_is_told_on_the_form(client, policies):
    """A reseller installed an end customer; it is itself referred upstream for Tech
    Support, so it cannot take the customer's request to the vendor as its own case."""
    reseller = OrganisationFactory(reseller=True, upstream_partner=OrganisationFactory())
    reseller_user = UserFactory(organisation=reseller)
    customer = UserFactory(
        organisation=OrganisationFactory(end_customer=True, installer=reseller),
        email="marco@trattoria.test",
    )
    found = sent_request(client, customer)
    client.force_login(reseller_user)

    response = client.post(
        reverse("tickets:partner_request_convert", args=[found.pk]),
        {"kind": "tech_support|call-quality", "wms_version": "7.02", "firmware_versions": "1.9"},
    )

    assert response.status_code == 400
    assert "cannot open this kind of case with us directly" in response.content.decode()
    assert not Ticket.objects.exists()
    found.refresh_from_db()
    assert found.status == "open"
