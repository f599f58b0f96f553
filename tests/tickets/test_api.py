"""The cases API through HTTP, as a partner's integration or a staff tool would use it."""

import json
import uuid
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from desk.actions.reply import Reply, message_post
from desk.actions.status import ticket_set_status
from partners.models import CaseReason, CaseType, Organisation
from partners.roles import Role
from tests.factories import (
    DeviceFactory,
    OrganisationFactory,
    StaffFactory,
    UserFactory,
    organisation_for_audience,
)
from tests.tickets.factories import (
    ArticleFactory,
    MessageFactory,
    TicketFactory,
    tech_support_body,
    ticket_create,
)
from tickets.models import Message, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

TICKETS = "/api/tickets/"
PASSWORD = "correct horse battery staple"


def ticket_url(ticket, suffix: str = "") -> str:
    return f"{TICKETS}{ticket.pk}/{suffix}"


@pytest.fixture
def org(policies):
    return OrganisationFactory(name="Alpine Unified Comms GmbH", tier=Organisation.Tier.GOLD)


@pytest.fixture
def partner(org):
    return UserFactory(organisation=org, full_name="Anna Weber")


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


# --- Who sees which cases ----------------------------------------------------------------


def test_partner_lists_only_its_organisations_cases(partner, org):
    colleague_case = TicketFactory(organisation=org)
    own_case = TicketFactory(organisation=org, requester=partner)
    foreign = TicketFactory()

    listed = ids(client_for(partner).get(TICKETS))

    assert listed == [own_case.pk, colleague_case.pk]
    assert foreign.pk not in listed


@pytest.mark.parametrize("role", [Role.AGENT, Role.NOC, Role.ADMIN])
def test_support_staff_list_every_case(policies, role):
    tickets = [TicketFactory(), TicketFactory(), TicketFactory()]

    listed = ids(client_for(StaffFactory(roles=[role])).get(TICKETS))

    assert sorted(listed) == sorted(t.pk for t in tickets)


def test_billing_staff_have_no_access_to_cases(policies):
    ticket = TicketFactory()
    api = client_for(StaffFactory(roles=[Role.BILLING]))

    assert api.get(TICKETS).status_code == 403
    assert api.get(ticket_url(ticket)).status_code == 403
    assert api.get(ticket_url(ticket, "messages/")).status_code == 403
    assert api.post(TICKETS, tech_support_body(), format="json").status_code == 403


def test_anonymous_caller_is_asked_to_authenticate(policies):
    response = APIClient().get(TICKETS)

    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


def test_token_authentication_lists_cases(partner, org):
    ticket = TicketFactory(organisation=org)
    api = APIClient()
    token = api.post(
        "/api/auth/token/", {"email": partner.email, "password": PASSWORD}, format="json"
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert ids(api.get(TICKETS)) == [ticket.pk]


def test_list_item_shape(partner, org):
    device = DeviceFactory(organisation=org, serial_number="GOLD-CPBX-0042")
    ticket = TicketFactory(
        organisation=org,
        device=device,
        critical_criterion="call_drops",
        cos="critical",
        assignee=StaffFactory(roles=[Role.AGENT]),
    )

    item = client_for(partner).get(TICKETS).json()["results"][0]

    assert set(item) == {
        "id", "number", "status", "cos", "case_type", "reason", "category", "subcategory",
        "subject", "device", "organisation", "created_at", "updated_at", "first_response_at",
        "resolved_at", "closed_at", "critical_criterion", "assignee", "channel", "next_breach_at",
        "clocks",
    }  # fmt: skip
    assert item["id"] == ticket.pk
    assert item["number"] == f"SD-{ticket.pk:06d}"
    assert item["status"] == "new"
    assert item["cos"] == "critical"
    assert item["case_type"] == "tech_support"
    assert item["reason"] == "call-quality"
    assert item["category"] is None
    assert item["device"] == "GOLD-CPBX-0042"
    assert item["organisation"] == {"id": org.pk, "name": "Alpine Unified Comms GmbH"}
    assert item["critical_criterion"] == "call_drops"
    assert item["channel"] == "portal"
    assert item["resolved_at"] is None
    assert item["assignee"] is None  # who works a case is the support team's business


def test_case_without_device_or_reason_shows_nulls(partner, org):
    TicketFactory(organisation=org, device=None, reason=None)

    item = client_for(partner).get(TICKETS).json()["results"][0]

    assert item["device"] is None
    assert item["reason"] is None


# --- Staff filters -----------------------------------------------------------------------


@pytest.fixture
def varied_cases(agent):
    """A handful of cases that differ in one filterable way each from the baseline."""
    gold_eu = OrganisationFactory(tier=Organisation.Tier.GOLD, region="eu")
    bronze = OrganisationFactory(tier=Organisation.Tier.BRONZE, region="eu")
    us_org = OrganisationFactory(tier=Organisation.Tier.GOLD, region="us")
    other_agent = StaffFactory(roles=[Role.AGENT])
    customer_care = CaseType.objects.get(policy__code="2026-03", code="customer_care")
    tech = CaseType.objects.get(policy__code="2026-03", code="tech_support")
    return {
        "baseline": TicketFactory(organisation=gold_eu, subject="Baseline case"),
        "resolved": TicketFactory(organisation=gold_eu, status="resolved"),
        "customer_care": TicketFactory(
            organisation=gold_eu,
            case_type=customer_care,
            reason=CaseReason.objects.filter(case_type=customer_care).first(),
        ),
        "pbx_config": TicketFactory(
            organisation=gold_eu,
            reason=CaseReason.objects.get(case_type=tech, code="pbx-configuration"),
        ),
        "critical": TicketFactory(organisation=gold_eu, cos="critical"),
        "bronze": TicketFactory(organisation=bronze),
        "us": TicketFactory(organisation=us_org),
        "mine": TicketFactory(organisation=gold_eu, assignee=agent),
        "theirs": TicketFactory(organisation=gold_eu, assignee=other_agent),
        "echo": TicketFactory(organisation=gold_eu, subject="Echo on every call to Berlin"),
    }


def test_staff_filter_by_status(agent, varied_cases):
    listed = ids(client_for(agent).get(TICKETS, {"status": "resolved"}))

    assert listed == [varied_cases["resolved"].pk]


def test_staff_filter_by_several_statuses(agent, varied_cases):
    varied_cases["baseline"].status = "closed"
    varied_cases["baseline"].save(update_fields=["status"])

    listed = ids(client_for(agent).get(TICKETS, {"status": ["resolved", "closed"]}))

    assert sorted(listed) == sorted([varied_cases["resolved"].pk, varied_cases["baseline"].pk])


def test_staff_filter_by_case_type(agent, varied_cases):
    listed = ids(client_for(agent).get(TICKETS, {"case_type": "customer_care"}))

    assert listed == [varied_cases["customer_care"].pk]


def test_staff_filter_by_reason(agent, varied_cases):
    listed = ids(client_for(agent).get(TICKETS, {"reason": "pbx-configuration"}))

    assert listed == [varied_cases["pbx_config"].pk]


def test_staff_filter_by_class_of_service(agent, varied_cases):
    listed = ids(client_for(agent).get(TICKETS, {"cos": "critical"}))

    assert listed == [varied_cases["critical"].pk]


def test_staff_filter_by_tier(agent, varied_cases):
    listed = ids(client_for(agent).get(TICKETS, {"tier": "bronze"}))

    assert listed == [varied_cases["bronze"].pk]


def test_staff_filter_by_region(agent, varied_cases):
    listed = ids(client_for(agent).get(TICKETS, {"region": "us"}))

    assert listed == [varied_cases["us"].pk]


def test_staff_filter_by_assignee_id_me_and_none(agent, varied_cases):
    api = client_for(agent)
    theirs = varied_cases["theirs"]

    assert ids(api.get(TICKETS, {"assignee": theirs.assignee_id})) == [theirs.pk]
    mine = api.get(TICKETS, {"assignee": "me"})
    assert ids(mine) == [varied_cases["mine"].pk]
    assert mine.json()["results"][0]["assignee"] == agent.pk
    unassigned = ids(api.get(TICKETS, {"assignee": "none"}))
    assert len(unassigned) == len(varied_cases) - 2
    assert varied_cases["mine"].pk not in unassigned
    assert theirs.pk not in unassigned


def test_staff_filter_by_organisation(agent, varied_cases):
    us_case = varied_cases["us"]

    listed = ids(client_for(agent).get(TICKETS, {"organisation": us_case.organisation_id}))

    assert listed == [us_case.pk]


def test_staff_filter_by_text_and_by_number(agent, varied_cases):
    api = client_for(agent)
    echo = varied_cases["echo"]

    assert ids(api.get(TICKETS, {"q": "echo berlin"})) == [echo.pk]
    assert ids(api.get(TICKETS, {"q": echo.number})) == [echo.pk]


def test_filters_combine(agent, varied_cases):
    listed = ids(client_for(agent).get(TICKETS, {"region": "eu", "cos": "critical"}))

    assert listed == [varied_cases["critical"].pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"cos": "urgent"}, "cos"),
        ({"tier": "titanium"}, "tier"),
        ({"assignee": "somebody"}, "assignee"),
        ({"organisation": "acme"}, "organisation"),
        ({"ordering": "subject"}, None),
    ],
)
def test_bad_filter_values_are_400_with_the_field(agent, varied_cases, params, field):
    response = client_for(agent).get(TICKETS, params)

    if field is None:
        # Unknown ordering fields are ignored, as DRF does: the default order applies.
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert field in response.json()


def test_out_of_range_ids_are_refused_or_find_nothing(agent, varied_cases):
    api = client_for(agent)

    assert api.get(TICKETS, {"organisation": 2**70}).status_code == 400
    assert ids(api.get(TICKETS, {"assignee": "9" * 18})) == []
    assert api.get(f"{TICKETS}{2**70}/").status_code == 404


def test_partner_cannot_use_staff_filters_to_reach_other_organisations(partner, org, agent):
    own = TicketFactory(organisation=org, assignee=agent)
    foreign = TicketFactory()
    api = client_for(partner)

    assert ids(api.get(TICKETS, {"organisation": foreign.organisation_id})) == [own.pk]
    assert ids(api.get(TICKETS, {"assignee": "none"})) == [own.pk]
    assert ids(api.get(TICKETS, {"status": "new"})) == [own.pk]


def test_staff_may_order_oldest_first(agent, policies):
    now = timezone.now()
    older = TicketFactory(created_at=now - timedelta(days=2))
    newer = TicketFactory(created_at=now - timedelta(days=1))
    api = client_for(agent)

    assert ids(api.get(TICKETS, {"ordering": "-created_at"})) == [newer.pk, older.pk]
    assert ids(api.get(TICKETS, {"ordering": "created_at"})) == [older.pk, newer.pk]


# --- Pagination and query counts ---------------------------------------------------------


def test_cursor_pagination_walks_every_case_once_without_a_count(partner, org):
    now = timezone.now()
    tickets = [
        TicketFactory(organisation=org, created_at=now - timedelta(minutes=i)) for i in range(7)
    ]
    api = client_for(partner)

    seen, url, params, pages = [], TICKETS, {"page_size": 3}, 0
    while url:
        body = api.get(url, params).json()
        assert "count" not in body
        seen += [item["id"] for item in body["results"]]
        url, params, pages = body["next"], None, pages + 1

    assert pages == 3
    assert seen == [t.pk for t in tickets]


def test_cursor_pagination_next_link_keeps_filters(agent, policies):
    for _ in range(3):
        TicketFactory(status="resolved")
    TicketFactory(status="new")
    api = client_for(agent)

    first = api.get(TICKETS, {"status": "resolved", "page_size": 2}).json()
    query = parse_qs(urlparse(first["next"]).query)
    second = api.get(first["next"]).json()

    assert query["status"] == ["resolved"]
    assert "cursor" in query
    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert second["next"] is None


# Page sizes every list refuses: no whole number in ASCII digits ("²" int() cannot read,
# "٣" it reads as 3), or too many digits for int() to read.
NOT_PAGE_SIZES = ["ten", "2.5", "1e2", " 5", "+5", "5_0", "²", "٣", "9" * 5000]
BAD_PAGE_SIZES = ["0", "-1", "201", *NOT_PAGE_SIZES]


def assert_page_size_refused(response, largest: int) -> None:
    assert response.status_code == 400, response.content
    assert response.json() == {"page_size": [f"Give a whole number from 1 to {largest}."]}


@pytest.mark.parametrize("size", BAD_PAGE_SIZES)
def test_a_bad_page_size_of_the_case_list_is_a_400_naming_it(partner, org, size):
    TicketFactory(organisation=org)

    response = client_for(partner).get(TICKETS, {"page_size": size})

    assert_page_size_refused(response, 200)


@pytest.mark.parametrize("size", ["0", "201", "x", "²"])
def test_a_bad_page_size_is_refused_in_the_breach_order_too(agent, size):
    TicketFactory()

    response = client_for(agent).get(TICKETS, {"page_size": size, "ordering": "next_breach_at"})

    assert_page_size_refused(response, 200)


@pytest.mark.parametrize("ordering", ["-created_at", "next_breach_at"])
def test_page_sizes_from_1_to_200_are_taken(agent, ordering):
    TicketFactory.create_batch(3)
    api = client_for(agent)

    assert len(ids(api.get(TICKETS, {"page_size": "1", "ordering": ordering}))) == 1
    assert len(ids(api.get(TICKETS, {"page_size": "200", "ordering": ordering}))) == 3
    # Sent empty, it counts as not sent.
    assert len(ids(api.get(TICKETS, {"page_size": "", "ordering": ordering}))) == 3


@pytest.mark.parametrize("size", BAD_PAGE_SIZES)
def test_a_bad_page_size_of_the_messages_is_a_400_naming_it(partner, org, size):
    ticket = TicketFactory(organisation=org)
    MessageFactory(ticket=ticket)

    response = client_for(partner).get(ticket_url(ticket, "messages/"), {"page_size": size})

    assert_page_size_refused(response, 200)


def test_the_messages_come_in_the_page_size_asked_for(partner, org):
    ticket = TicketFactory(organisation=org)
    MessageFactory.create_batch(3, ticket=ticket)
    api = client_for(partner)

    first = api.get(ticket_url(ticket, "messages/"), {"page_size": "2"}).json()
    everything = api.get(ticket_url(ticket, "messages/"), {"page_size": "200"}).json()

    assert len(first["results"]) == 2
    assert first["next"] is not None
    assert len(everything["results"]) == 3


def test_the_schema_states_the_page_size_range(agent):
    schema = client_for(agent).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in (TICKETS, "/api/tickets/{id}/messages/"):
        operation = schema["paths"][path]["get"]
        page_size = next(p for p in operation["parameters"] if p["name"] == "page_size")
        assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 200}
        assert "400" in operation["responses"]


# Session, user, organisation or staff roles, one page of cases, and for the whole page
# their reasons, categories, sub-categories, devices and clocks.
LIST_QUERIES = 9
# Session, user, organisation or staff roles, the case with what its pages show (its
# creator, version of the terms, category), its messages and their attachments.
MESSAGE_QUERIES = 10


@pytest.mark.parametrize("rows", [5, 40])
def test_partner_list_query_count_does_not_grow_with_rows(
    partner, org, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        TicketFactory(organisation=org, category=None, device=DeviceFactory(organisation=org))
    api = client_for(partner)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get(TICKETS, {"page_size": rows})

    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [5, 40])
def test_staff_list_query_count_does_not_grow_with_rows(
    agent, policies, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        TicketFactory(assignee=agent)
    api = client_for(agent)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get(
            TICKETS, {"page_size": rows, "assignee": "me", "region": "eu", "q": "calls"}
        )

    assert len(response.json()["results"]) == rows


# --- Opening a case ----------------------------------------------------------------------


# The session with its user; a maintenance contract's technician; the case (with its
# nearest breach), its event, its clocks and its e-mail in the outbox; the transaction's
# BEGIN and COMMIT. (The support calendars and the terms' rows, versions, taxonomy, rules
# and targets, are read once, then cached: tests/tickets/test_api_opening_cost.py.)
OPEN_CASE_QUERIES = 8


def test_opening_a_case_costs_a_fixed_number_of_queries(
    partner, org, django_assert_max_num_queries
):
    api = client_for(partner)
    assert api.post(TICKETS, tech_support_body(), format="json").status_code == 201

    with django_assert_max_num_queries(OPEN_CASE_QUERIES):
        response = api.post(TICKETS, tech_support_body(), format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["reason"], response.json()["category"]) == ("call-quality", "dropped")
    assert "first_response" in {clock["metric"] for clock in response.json()["clocks"]}
    # Answered from what was just written, it says what reading the case back says.
    assert response.json() == api.get(f"{TICKETS}{response.json()['id']}/").json()


def test_partner_opens_a_case_naming_the_device_by_serial(partner, org):
    device = DeviceFactory(organisation=org, serial_number="GOLD-CPBX-0001")
    api = client_for(partner)

    response = api.post(TICKETS, tech_support_body(device), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == f"SD-{body['id']:06d}"
    assert body["status"] == "new"
    assert body["cos"] == "standard"
    assert body["case_type"] == "tech_support"
    assert body["reason"] == "call-quality"
    assert body["category"] == "dropped"
    assert body["device"] == "GOLD-CPBX-0001"
    assert body["channel"] == "api"
    assert body["wms_version"] == "7.02.1"
    assert body["organisation"]["id"] == org.pk
    fetched = api.get(f"{TICKETS}{body['id']}/").json()
    assert fetched["subject"] == "Calls drop after 30 seconds"
    assert fetched["description"].startswith("Every outgoing call")
    assert ids(api.get(TICKETS)) == [body["id"]]


def test_partner_asks_for_critical(partner, org):
    response = client_for(partner).post(
        TICKETS, tech_support_body(critical_criterion="cloud_unreachable"), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["cos"] == "critical"
    assert response.json()["critical_criterion"] == "cloud_unreachable"


def test_customer_care_case_needs_no_versions(partner):
    response = client_for(partner).post(
        TICKETS,
        {
            "case_type": "customer_care",
            "reason": CaseReason.objects.filter(
                case_type__policy__code="2026-03", case_type__code="customer_care"
            )
            .first()
            .code,
            "subject": "Invoice 2026-114 shows the wrong licence count",
            "description": "We have 40 licences, the invoice says 45.",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["case_type"] == "customer_care"


def test_follow_up_of_own_case(partner, org):
    closed = TicketFactory(organisation=org, status="closed")

    response = client_for(partner).post(
        TICKETS, tech_support_body(follow_up_of=closed.pk), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["follow_up_of"] == closed.pk


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": None}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"description": None}, "description"),
        ({"case_type": "plumbing"}, "case_type"),
        ({"case_type": None}, "case_type"),
        ({"reason": "add-devices"}, "reason"),
        ({"reason": None}, "reason"),
        ({"category": "echo-chamber"}, "category"),
        ({"wms_version": None}, "wms_version"),
        ({"firmware_versions": ""}, "firmware_versions"),
        ({"critical_criterion": "boss-is-angry"}, "critical_criterion"),
        ({"submission_key": "not-a-uuid"}, "submission_key"),
    ],
)
def test_invalid_case_is_400_with_the_field_and_saves_nothing(partner, change, field):
    body = tech_support_body()
    for key, value in change.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value

    response = client_for(partner).post(TICKETS, body, format="json")

    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors
    assert all(isinstance(message, str) and message for message in errors[field])
    assert not Ticket.objects.exists()


def test_foreign_device_serial_is_400_on_device(partner):
    foreign_device = DeviceFactory(serial_number="OTHER-CPBX-0001")

    response = client_for(partner).post(TICKETS, tech_support_body(foreign_device), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["device"]
    assert not Ticket.objects.exists()


def test_unknown_device_serial_is_400_on_device(partner):
    response = client_for(partner).post(
        TICKETS, {**tech_support_body(), "device": "NO-SUCH-SERIAL"}, format="json"
    )

    assert response.status_code == 400
    assert "device" in response.json()


def test_follow_up_of_a_foreign_case_is_400(partner):
    foreign = TicketFactory()

    response = client_for(partner).post(
        TICKETS, tech_support_body(follow_up_of=foreign.pk), format="json"
    )

    assert response.status_code == 400
    assert "follow_up_of" in response.json()
    assert Ticket.objects.count() == 1


def test_staff_cannot_open_cases_through_the_api(agent):
    response = client_for(agent).post(TICKETS, tech_support_body(), format="json")

    assert response.status_code == 403
    assert "partner" in response.json()["detail"]
    assert not Ticket.objects.exists()


def test_bronze_outside_its_three_reasons_is_referred_upstream(policies):
    upstream = OrganisationFactory(
        name="Hudson Voice Systems Inc.",
        tier=Organisation.Tier.PLATINUM,
        contact_email="support@hudson.test",
        contact_phone="+1 212 555 0100",
    )
    bronze = organisation_for_audience(Organisation.Tier.BRONZE, upstream_partner=upstream)
    user = UserFactory(organisation=bronze)

    response = client_for(user).post(TICKETS, tech_support_body(), format="json")

    assert response.status_code == 403
    body = response.json()
    assert body["refer_to"] == {
        "name": "Hudson Voice Systems Inc.",
        "email": "support@hudson.test",
        "phone": "+1 212 555 0100",
    }
    assert "Hudson Voice Systems Inc." in body["detail"]
    assert len(body["limited_to"]) == 3
    assert any("Password reset" in reason for reason in body["limited_to"])
    assert not Ticket.objects.exists()


def test_bronze_may_open_one_of_its_three_reasons(policies):
    upstream = OrganisationFactory(tier=Organisation.Tier.PLATINUM)
    bronze = organisation_for_audience(Organisation.Tier.BRONZE, upstream_partner=upstream)
    user = UserFactory(organisation=bronze)

    response = client_for(user).post(
        TICKETS, tech_support_body(reason="password-reset", category=""), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["reason"] == "password-reset"


def test_end_customer_is_referred_to_its_installer(policies):
    installer = OrganisationFactory(
        name="Alpine Installers GmbH", contact_email="help@alpine.test", contact_phone="+49 1"
    )
    customer = organisation_for_audience(Organisation.Kind.END_CUSTOMER, installer=installer)
    user = UserFactory(organisation=customer)

    response = client_for(user).post(TICKETS, tech_support_body(), format="json")

    assert response.status_code == 403
    body = response.json()
    assert body["refer_to"] == {
        "name": "Alpine Installers GmbH",
        "email": "help@alpine.test",
        "phone": "+49 1",
    }
    assert "installer" in body["detail"]
    assert body["limited_to"] == []


def test_reseller_without_upstream_gets_refer_to_null(policies):
    reseller = organisation_for_audience(Organisation.Kind.RESELLER)
    user = UserFactory(organisation=reseller)

    response = client_for(user).post(TICKETS, tech_support_body(), format="json")

    assert response.status_code == 403
    assert response.json()["refer_to"] is None
    assert response.json()["detail"]


def test_same_submission_key_opens_one_case(partner):
    api = client_for(partner)
    body = tech_support_body(submission_key=str(uuid.uuid4()))

    first = api.post(TICKETS, body, format="json")
    second = api.post(TICKETS, body, format="json")

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Ticket.objects.count() == 1


def test_idempotency_key_header_works_like_submission_key(partner):
    api = client_for(partner)
    key = str(uuid.uuid4())

    first = api.post(TICKETS, tech_support_body(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    second = api.post(TICKETS, tech_support_body(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    other = api.post(
        TICKETS, tech_support_body(), format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )

    assert (first.status_code, second.status_code, other.status_code) == (201, 200, 201)
    assert second.json()["id"] == first.json()["id"]
    assert other.json()["id"] != first.json()["id"]
    assert Ticket.objects.count() == 2


def test_idempotency_key_header_must_be_a_uuid(partner):
    response = client_for(partner).post(
        TICKETS, tech_support_body(), format="json", HTTP_IDEMPOTENCY_KEY="twice"
    )

    assert response.status_code == 400
    assert "submission_key" in response.json()
    assert not Ticket.objects.exists()


# --- One case ----------------------------------------------------------------------------


def test_case_detail_for_own_case_and_404_for_others(partner, org):
    own = TicketFactory(organisation=org, description="Trunk down since 9:00.")
    foreign = TicketFactory()
    api = client_for(partner)

    response = api.get(ticket_url(own))
    assert response.status_code == 200
    assert response.json()["description"] == "Trunk down since 9:00."
    assert api.get(ticket_url(foreign)).status_code == 404
    assert api.get(f"{TICKETS}999999/").status_code == 404
    assert api.get(ticket_url(foreign)).json() == api.get(f"{TICKETS}999999/").json()


# --- Messages ----------------------------------------------------------------------------


def test_partner_never_sees_internal_notes(partner, org, agent):
    ticket = TicketFactory(organisation=org)
    reply = MessageFactory(ticket=ticket, author=agent, body="We are on it.")
    MessageFactory(
        ticket=ticket,
        author=agent,
        body="Probably their SBC again.",
        visibility=Message.Visibility.INTERNAL,
    )

    response = client_for(partner).get(ticket_url(ticket, "messages/"))

    assert response.status_code == 200
    results = response.json()["results"]
    assert [m["id"] for m in results] == [reply.pk]
    assert results[0]["visibility"] == "public"
    assert results[0]["author"] == {"id": agent.pk, "name": "Sofia Marino", "is_staff_side": True}
    assert b"SBC" not in response.content


def test_staff_see_public_replies_and_internal_notes(agent, policies):
    ticket = TicketFactory()
    MessageFactory(ticket=ticket, author=agent)
    MessageFactory(ticket=ticket, author=agent, visibility=Message.Visibility.INTERNAL)

    results = client_for(agent).get(ticket_url(ticket, "messages/")).json()["results"]

    assert [m["visibility"] for m in results] == ["public", "internal"]


def test_partner_replies_with_attachments(partner, org):
    ticket = TicketFactory(organisation=org)
    api = client_for(partner)

    response = api.post(
        ticket_url(ticket, "messages/"),
        {
            "body": "Here is a trace and a screenshot.",
            "attachments": [
                SimpleUploadedFile("trace.pcap", b"\xd4\xc3\xb2\xa1trace"),
                SimpleUploadedFile("screen.png", b"\x89PNG\r\n\x1a\n fake"),
            ],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.content
    message = response.json()
    assert message["visibility"] == "public"
    assert message["channel"] == "api"
    assert message["author"]["is_staff_side"] is False
    names = {a["name"]: a for a in message["attachments"]}
    assert set(names) == {"trace.pcap", "screen.png"}
    pcap = names["trace.pcap"]
    assert pcap["size"] == 9
    assert pcap["content_type"] == "application/vnd.tcpdump.pcap"
    assert pcap["url"] == f"/attachments/{pcap['id']}/"
    listed = api.get(ticket_url(ticket, "messages/")).json()["results"]
    assert [a["name"] for a in listed[-1]["attachments"]] == ["trace.pcap", "screen.png"]


def test_unacceptable_attachment_is_400_and_saves_nothing(partner, org):
    ticket = TicketFactory(organisation=org)

    response = client_for(partner).post(
        ticket_url(ticket, "messages/"),
        {"body": "See attached.", "attachments": [SimpleUploadedFile("run.exe", b"MZ")]},
        format="multipart",
    )

    assert response.status_code == 400
    assert "run.exe" in response.json()["attachments"][0]
    assert not ticket.messages.exists()


def test_empty_reply_is_400_on_body(partner, org):
    ticket = TicketFactory(organisation=org)
    api = client_for(partner)

    assert "body" in api.post(ticket_url(ticket, "messages/"), {}, format="json").json()
    response = api.post(ticket_url(ticket, "messages/"), {"body": "   "}, format="json")
    assert response.status_code == 400
    assert "body" in response.json()


def test_partner_cannot_write_internal_notes(partner, org):
    ticket = TicketFactory(organisation=org)

    response = client_for(partner).post(
        ticket_url(ticket, "messages/"), {"body": "psst", "internal": True}, format="json"
    )

    assert response.status_code == 400
    assert "internal" in response.json()
    assert not ticket.messages.exists()


def test_staff_internal_note_stays_internal(partner, org, agent):
    ticket = TicketFactory(organisation=org)

    response = client_for(agent).post(
        ticket_url(ticket, "messages/"), {"body": "Check the SBC.", "internal": True}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["visibility"] == "internal"
    assert client_for(partner).get(ticket_url(ticket, "messages/")).json()["results"] == []


def test_reply_to_a_closed_case_is_409_with_a_follow_up_hint(partner, org):
    ticket = TicketFactory(organisation=org, status="closed")

    response = client_for(partner).post(
        ticket_url(ticket, "messages/"), {"body": "It happened again."}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert ticket.number in body["detail"]
    assert f"follow_up_of={ticket.pk}" in body["follow_up"]
    assert not ticket.messages.exists()


def test_partner_reply_reopens_a_resolved_case(partner, org):
    ticket = TicketFactory(organisation=org, status="resolved", resolved_at=timezone.now())
    api = client_for(partner)

    response = api.post(
        ticket_url(ticket, "messages/"), {"body": "Not fixed after all."}, format="json"
    )

    assert response.status_code == 201
    case = api.get(ticket_url(ticket)).json()
    assert case["status"] == "open"
    assert case["resolved_at"] is None


@pytest.mark.parametrize("rows", [5, 20])
def test_messages_query_count_does_not_grow(
    partner, org, agent, rows, django_assert_max_num_queries
):
    ticket = TicketFactory(organisation=org)
    for n in range(rows):
        message_post(
            ticket=ticket,
            reply=Reply(
                author=agent,
                body=f"Reply {n}",
                attachments=[SimpleUploadedFile(f"log{n}.txt", b"trace line")],
            ),
        )
    api = client_for(partner)

    with django_assert_max_num_queries(MESSAGE_QUERIES):
        response = api.get(ticket_url(ticket, "messages/"), {"page_size": rows})

    results = response.json()["results"]
    assert len(results) == rows
    assert all(len(message["attachments"]) == 1 for message in results)


# --- Feedback ----------------------------------------------------------------------------


def test_feedback_once_on_a_resolved_case(partner, org):
    ticket = TicketFactory(organisation=org, status="resolved")
    api = client_for(partner)

    first = api.post(
        ticket_url(ticket, "feedback/"), {"rating": 5, "comment": "Quick fix."}, format="json"
    )
    second = api.post(ticket_url(ticket, "feedback/"), {"rating": 1}, format="json")

    assert first.status_code == 201, first.content
    assert first.json()["rating"] == 5
    assert first.json()["comment"] == "Quick fix."
    assert second.status_code == 409
    assert second.json()["detail"]
    assert ticket.feedback.rating == 5


def test_feedback_on_a_closed_case(partner, org):
    ticket = TicketFactory(organisation=org, status="closed")

    response = client_for(partner).post(ticket_url(ticket, "feedback/"), {"rating": 3})

    assert response.status_code == 201


def test_feedback_waits_until_the_case_is_resolved(partner, org):
    ticket = TicketFactory(organisation=org, status="open")

    response = client_for(partner).post(ticket_url(ticket, "feedback/"), {"rating": 4})

    assert response.status_code == 409
    assert "resolved" in response.json()["detail"]


@pytest.mark.parametrize("rating", [0, 6, "great", None])
def test_feedback_rating_is_1_to_5(partner, org, rating):
    ticket = TicketFactory(organisation=org, status="resolved")
    body = {} if rating is None else {"rating": rating}

    response = client_for(partner).post(ticket_url(ticket, "feedback/"), body, format="json")

    assert response.status_code == 400
    assert "rating" in response.json()


def test_staff_do_not_give_feedback(agent, policies):
    ticket = TicketFactory(status="resolved")

    response = client_for(agent).post(ticket_url(ticket, "feedback/"), {"rating": 5})

    assert response.status_code == 403


# --- Knowledge base ----------------------------------------------------------------------


KB = "/api/kb/search/"


def test_kb_search_finds_published_articles(partner):
    trunk = ArticleFactory(
        title="SIP trunk does not register",
        slug="sip-trunk-registration",
        body="Check the registrar address. " * 20,
        tags="trunk, sip",
    )
    ArticleFactory(title="Unrelated", slug="unrelated", body="Invoices.", tags="billing")
    ArticleFactory(title="SIP trunk draft", slug="draft", is_published=False)

    response = client_for(partner).get(KB, {"q": "trunk"})

    assert response.status_code == 200
    results = response.json()
    assert [a["slug"] for a in results] == ["sip-trunk-registration"]
    article = results[0]
    assert article["id"] == trunk.pk
    assert article["title"] == "SIP trunk does not register"
    assert article["product"] == "PBX"
    assert article["tags"] == ["trunk", "sip"]
    assert article["url"] == "/kb/sip-trunk-registration/"
    assert article["excerpt"].startswith("Check the registrar address.")
    assert 100 < len(article["excerpt"]) <= 201
    assert article["excerpt"].endswith("…")


def test_kb_search_returns_at_most_ten(partner):
    for n in range(12):
        ArticleFactory(title=f"Voicemail setup {n}", body="Voicemail boxes.")

    response = client_for(partner).get(KB, {"q": "voicemail"})

    assert len(response.json()) == 10


def test_kb_search_ranks_articles_for_the_reason_first(partner):
    ArticleFactory(title="Echo on calls: a checklist", slug="a-general", reason_code="")
    ArticleFactory(
        title="Echo on calls with desk phones",
        slug="b-specific",
        case_type_code="tech_support",
        reason_code="call-quality",
    )

    api = client_for(partner)
    plain = [a["slug"] for a in api.get(KB, {"q": "echo"}).json()]
    ranked = [
        a["slug"]
        for a in api.get(
            KB, {"q": "echo", "case_type": "tech_support", "reason": "call-quality"}
        ).json()
    ]

    assert sorted(plain) == ["a-general", "b-specific"]
    assert ranked[0] == "b-specific"


def test_kb_search_needs_q(partner):
    api = client_for(partner)

    assert "q" in api.get(KB).json()
    assert api.get(KB).status_code == 400
    assert api.get(KB, {"q": ""}).status_code == 400


def test_kb_search_is_open_to_every_signed_in_user(policies):
    ArticleFactory(title="Password reset for the admin portal", body="Use the reset link.")

    response = client_for(StaffFactory(roles=[Role.BILLING])).get(KB, {"q": "password"})

    assert response.status_code == 200
    assert len(response.json()) == 1
    assert APIClient().get(KB, {"q": "password"}).status_code == 401


# --- Schema ------------------------------------------------------------------------------


def test_schema_documents_the_cases_api():
    response = APIClient().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    assert {"get", "post"} <= set(paths["/api/tickets/"])
    assert "get" in paths["/api/tickets/{id}/"]
    assert {"get", "post"} <= set(paths["/api/tickets/{id}/messages/"])
    assert "post" in paths["/api/tickets/{id}/feedback/"]
    assert "get" in paths["/api/kb/search/"]
    create = paths["/api/tickets/"]["post"]
    assert {"201", "400", "403"} <= set(create["responses"])
    list_params = {p["name"] for p in paths["/api/tickets/"]["get"]["parameters"]}
    assert {"status", "case_type", "reason", "cos", "tier", "region", "assignee"} <= list_params
    assert {"organisation", "q", "cursor"} <= list_params
    assert "409" in paths["/api/tickets/{id}/messages/"]["post"]["responses"]


# --- Odd input is a 400, never a 500 -----------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        [],
        ["tech_support"],
        "tech_support",
        {"case_type": 5, "subject": {"a": 1}, "description": ["x"]},
        {"case_type": None, "subject": None, "description": None, "device": None},
        {"case_type": "tech_support", "subject": "x" * 201, "description": "y"},
        {"case_type": "tech_support", "follow_up_of": "first", "subject": "s", "description": "d"},
        {"case_type": "tech_support", "follow_up_of": 2**70, "subject": "s", "description": "d"},
        {"case_type": "tech_support", "wms_version": "7" * 41, "subject": "s", "description": "d"},
    ],
)
def test_odd_case_bodies_are_400(partner, body):
    response = client_for(partner).post(TICKETS, body, format="json")

    assert response.status_code == 400, response.content
    assert not Ticket.objects.exists()


def test_nulls_for_optional_fields_are_accepted(partner):
    body = tech_support_body(
        category=None, subcategory=None, device=None, critical_criterion=None, follow_up_of=None
    )
    body["device"] = None

    response = client_for(partner).post(TICKETS, body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["device"] is None


@pytest.mark.parametrize(
    ("suffix", "body"),
    [
        ("messages/", []),
        ("messages/", {"body": None}),
        ("messages/", {"body": "x", "internal": "maybe"}),
        ("messages/", {"body": "x", "attachments": "not a file"}),
        ("feedback/", []),
        ("feedback/", {"rating": True}),
        ("feedback/", {"rating": 4.5}),
        ("feedback/", {"rating": 4, "comment": "x" * 5001}),
    ],
)
def test_odd_reply_and_feedback_bodies_are_400(partner, org, suffix, body):
    ticket = TicketFactory(organisation=org, status="resolved")

    response = client_for(partner).post(ticket_url(ticket, suffix), body, format="json")

    assert response.status_code == 400, response.content
    assert not ticket.messages.exists()


# --- SLA clocks ----------------------------------------------------------------------------

ROME = ZoneInfo("Europe/Rome")
TUESDAY_MORNING_ROME = datetime(2026, 11, 24, 10, 0, tzinfo=ROME)
SATURDAY_MORNING_ROME = datetime(2026, 11, 28, 10, 0, tzinfo=ROME)


def open_case(partner, **overrides) -> Ticket:
    """A case opened through the service, so its SLA clocks start."""
    fields = tech_support_body(reproduced_with_other_operator=True) | overrides
    ticket, _ = ticket_create(requester=partner, **fields)
    return ticket


def instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def clocks_by_metric(item: dict) -> dict[str, dict]:
    return {clock["metric"]: clock for clock in item["clocks"]}


def test_case_shows_its_first_response_clock(partner):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False):
        ticket = open_case(partner)
        item = client_for(partner).get(ticket_url(ticket)).json()

    assert list(clocks_by_metric(item)) == ["first_response"]
    clock = item["clocks"][0]
    assert set(clock) == {
        "metric", "state", "due_at", "breach_at", "warned_at", "breached_at", "stopped_at",
        "paused",
    }  # fmt: skip
    assert clock["state"] == "running"
    assert instant(clock["due_at"]) == datetime(2026, 11, 24, 18, 0, tzinfo=ROME)
    assert instant(clock["breach_at"]) == datetime(2026, 11, 25, 9, 0, tzinfo=ROME)
    assert (clock["warned_at"], clock["breached_at"], clock["stopped_at"]) == (None, None, None)
    assert clock["paused"] is False
    assert instant(item["next_breach_at"]) == datetime(2026, 11, 25, 9, 0, tzinfo=ROME)


def test_answered_clock_shows_when_it_stopped_and_nothing_left_to_breach(partner, agent):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False) as clock:
        ticket = open_case(partner)
        clock.shift(timedelta(hours=1))
        message_post(ticket=ticket, reply=Reply(author=agent, body="We are on it."))
        item = client_for(partner).get(ticket_url(ticket)).json()

    first = clocks_by_metric(item)["first_response"]
    assert first["state"] == "met"
    assert instant(first["stopped_at"]) == TUESDAY_MORNING_ROME + timedelta(hours=1)
    assert item["next_breach_at"] is None


def test_the_triage_clock_and_warnings_are_for_staff_only(partner, agent):
    with time_machine.travel(SATURDAY_MORNING_ROME, tick=False):
        ticket = open_case(partner, critical_criterion="call_drops")
        ticket.clocks.update(warned_at=SATURDAY_MORNING_ROME)
        as_partner = client_for(partner).get(ticket_url(ticket)).json()
        as_staff = client_for(agent).get(ticket_url(ticket)).json()
        partner_list = client_for(partner).get(TICKETS).json()["results"][0]
        staff_list = client_for(agent).get(TICKETS).json()["results"][0]

    triage_breach = SATURDAY_MORNING_ROME + timedelta(minutes=30)
    monday_0930 = datetime(2026, 11, 30, 9, 30, tzinfo=ROME)
    for item in (as_partner, partner_list):
        assert list(clocks_by_metric(item)) == ["first_response"]
        assert item["clocks"][0]["warned_at"] is None
        # The nearest breach a partner sees is its own promise, not the internal triage.
        assert instant(item["next_breach_at"]) == monday_0930
    for item in (as_staff, staff_list):
        assert list(clocks_by_metric(item)) == ["out_of_hours_triage", "first_response"]
        assert instant(item["clocks"][0]["warned_at"]) == SATURDAY_MORNING_ROME
        assert instant(item["next_breach_at"]) == triage_breach


def test_outage_case_shows_the_restoration_clock_and_its_pause(partner, agent):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False) as clock:
        ticket = open_case(partner, reason="classound-outage", category=None)
        clock.shift(timedelta(minutes=30))
        ticket_set_status(ticket=ticket, actor=agent, status=Ticket.Status.WAITING)
        item = client_for(partner).get(ticket_url(ticket)).json()

    restoration = clocks_by_metric(item)["restoration"]
    assert restoration["state"] == "paused"
    assert restoration["paused"] is True
    assert instant(restoration["due_at"]) == TUESDAY_MORNING_ROME + timedelta(hours=4)


def breach_case(when: datetime | None, created: datetime, **fields) -> Ticket:
    return TicketFactory(next_breach_at=when, created_at=created, **fields)


@pytest.fixture
def breach_cases(policies):
    """Cases in a known breach order: two sharing a breach instant, two with none."""
    now = timezone.now()
    return [
        breach_case(now + timedelta(minutes=5), now - timedelta(days=1)),
        breach_case(now + timedelta(hours=1), now - timedelta(days=3)),
        breach_case(now + timedelta(hours=1), now - timedelta(days=2)),
        breach_case(now + timedelta(days=2), now - timedelta(hours=1)),
        breach_case(None, now - timedelta(days=5)),
        breach_case(None, now - timedelta(minutes=1)),
    ]


def test_staff_list_puts_the_nearest_breach_first_by_default(agent, breach_cases):
    expected = [ticket.pk for ticket in breach_cases]
    api = client_for(agent)

    assert ids(api.get(TICKETS)) == expected
    assert ids(api.get(TICKETS, {"ordering": "next_breach_at"})) == expected


def test_partner_list_stays_newest_first_and_cannot_sort_by_breach(org, partner):
    now = timezone.now()
    older = breach_case(now + timedelta(minutes=5), now - timedelta(days=1), organisation=org)
    newer = breach_case(now + timedelta(days=1), now - timedelta(hours=1), organisation=org)
    api = client_for(partner)

    assert ids(api.get(TICKETS)) == [newer.pk, older.pk]
    assert ids(api.get(TICKETS, {"ordering": "next_breach_at"})) == [newer.pk, older.pk]


def walk(api, params: dict) -> tuple[list[int], list[dict]]:
    seen, pages, url = [], [], TICKETS
    while url:
        body = api.get(url, params).json()
        assert "count" not in body
        pages.append(body)
        seen += [item["id"] for item in body["results"]]
        url, params = body["next"], None
    return seen, pages


@pytest.mark.parametrize("page_size", [1, 2, 4])
def test_breach_order_pages_walk_every_case_once_both_ways(agent, breach_cases, page_size):
    api = client_for(agent)
    expected = [ticket.pk for ticket in breach_cases]

    seen, pages = walk(api, {"page_size": page_size})

    assert seen == expected
    assert pages[0]["previous"] is None
    # Back from the last page to the first, through the previous links.
    back, url = [], pages[-1]["previous"]
    while url:
        body = api.get(url).json()
        back = [item["id"] for item in body["results"]] + back
        url = body["previous"]
    assert back + [item["id"] for item in pages[-1]["results"]] == expected


def test_breach_order_pages_keep_the_filters(agent, breach_cases):
    TicketFactory(status="resolved", next_breach_at=None)
    api = client_for(agent)

    seen, pages = walk(api, {"page_size": 2, "status": "new"})

    assert seen == [ticket.pk for ticket in breach_cases]
    assert parse_qs(urlparse(pages[0]["next"]).query)["status"] == ["new"]


@pytest.mark.parametrize(
    "cursor", ["not base64!", "Yj0mYz14Jmk9MQ==", "Yj0mYz0yMDI2LTAxLTAxJmk9MQ=="]
)
def test_a_broken_breach_order_cursor_is_404(agent, breach_cases, cursor):
    response = client_for(agent).get(TICKETS, {"cursor": cursor})

    assert response.status_code == 404


@pytest.mark.parametrize("rows", [3, 12])
@pytest.mark.parametrize("who", ["partner", "agent"])
def test_list_with_clocks_query_count_does_not_grow_with_rows(
    partner, agent, rows, who, django_assert_max_num_queries
):
    with time_machine.travel(TUESDAY_MORNING_ROME, tick=False):
        for _ in range(rows):
            open_case(partner, reason="classound-outage", category=None)
    api = client_for(partner if who == "partner" else agent)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get(TICKETS, {"page_size": rows})

    results = response.json()["results"]
    assert len(results) == rows
    assert all(len(item["clocks"]) == 2 for item in results)


def test_schema_documents_the_clocks_and_the_breach_order():
    schema = json.loads(APIClient().get("/api/schema/", {"format": "json"}).content)

    ticket = schema["components"]["schemas"]["Ticket"]["properties"]
    assert {"next_breach_at", "clocks"} <= set(ticket)
    clock = schema["components"]["schemas"]["Clock"]["properties"]
    assert {"metric", "state", "due_at", "breach_at", "warned_at", "stopped_at", "paused"} <= set(
        clock
    )
    ordering = next(
        p for p in schema["paths"]["/api/tickets/"]["get"]["parameters"] if p["name"] == "ordering"
    )
    assert "next_breach_at" in ordering["description"]
