"""What opening a case through the API costs in queries, with everything opening a case
does really done: eligibility (by tier, or by an hour bundle the terms' tier rule does not
give), the SLA clocks, the timeline and the notice in the outbox. Session and API-token
callers alike."""

import json

import pytest
from django.core.cache import cache
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from desk.api.serializers import (
    TicketCreateSerializer,
    TicketDetailSerializer,
    ticket_detail_data,
)
from entitlements.models import Entitlement
from partners.models import Organisation
from sla.models import Clock
from tests.entitlements.factories import EntitlementFactory
from tests.factories import OrganisationFactory, UserFactory, api_token
from tests.tickets.factories import tech_support_body
from tickets.models import Event, OutgoingEmail, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

TICKETS = "/api/tickets/"

# Who is asking (the session, or the token with its user: one query either way, the
# organisation and roles come with the user); the case with its nearest breach, its
# "created" event, the maintenance contract that would assign it, its clocks and its
# e-mail in the outbox; and the savepoint around them and its release, which in production
# are the transaction's BEGIN and COMMIT. The terms in force, the taxonomy, the tier's rule
# and the response targets come from the cache.
OPEN_CASE_QUERIES = 8
# A case the tier's rule refers upstream reads the organisation's entitlements too, and
# their devices: ten in all.
OPEN_ON_ENTITLEMENT_QUERIES = OPEN_CASE_QUERIES + 2


def session_client(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def token_client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api


CLIENTS = {"session": session_client, "token": token_client}


def assert_opened_in_full(answer, user) -> Ticket:
    assert answer.status_code == 201, answer.content
    ticket = Ticket.objects.get(pk=answer.json()["id"])
    assert ticket.requester == user
    assert (ticket.reason.code, ticket.category.code) == ("call-quality", "dropped")
    assert Event.objects.filter(ticket=ticket, kind="created").exists()
    clocks = set(Clock.objects.filter(ticket=ticket).values_list("metric", flat=True))
    assert Clock.Metric.FIRST_RESPONSE in clocks
    assert {clock["metric"] for clock in answer.json()["clocks"]} <= clocks
    notice = OutgoingEmail.objects.get(ticket=ticket, kind="case_opened")
    assert notice.to == [user.email]
    assert ticket.number in notice.subject
    return ticket


@pytest.mark.parametrize("auth", CLIENTS)
def test_a_partner_opens_a_case_in_eight_queries(policies, auth, django_assert_max_num_queries):
    user = UserFactory(organisation=OrganisationFactory(tier=Organisation.Tier.GOLD))
    api = CLIENTS[auth](user)
    assert api.post(TICKETS, tech_support_body(), format="json").status_code == 201

    with django_assert_max_num_queries(OPEN_CASE_QUERIES):
        answer = api.post(TICKETS, tech_support_body(subject="Calls drop again"), format="json")

    assert_opened_in_full(answer, user)
    # Answered from what was just written, it says what reading the case back says.
    assert answer.json() == api.get(f"{TICKETS}{answer.json()['id']}/").json()


@pytest.mark.parametrize("auth", CLIENTS)
def test_a_case_the_tier_refers_upstream_opens_on_an_hour_bundle_in_ten_queries(
    policies, auth, django_assert_max_num_queries
):
    upstream = OrganisationFactory(tier=Organisation.Tier.PLATINUM)
    bronze = OrganisationFactory(tier=Organisation.Tier.BRONZE, upstream_partner=upstream)
    user = UserFactory(organisation=bronze)
    api = CLIENTS[auth](user)
    refused = api.post(TICKETS, tech_support_body(), format="json")
    assert refused.status_code == 403, refused.content
    EntitlementFactory(organisation=bronze, kind=Entitlement.Kind.HOUR_BUNDLE)
    assert api.post(TICKETS, tech_support_body(), format="json").status_code == 201

    with django_assert_max_num_queries(OPEN_ON_ENTITLEMENT_QUERIES):
        answer = api.post(TICKETS, tech_support_body(subject="Calls drop again"), format="json")

    assert_opened_in_full(answer, user)


def test_the_cost_holds_with_a_cold_cache_only_once(policies, django_assert_max_num_queries):
    """The terms' rows are read from the database by the first case after the cache is
    emptied, not by every case."""
    user = UserFactory(organisation=OrganisationFactory(tier=Organisation.Tier.GOLD))
    api = token_client(user)
    api.post(TICKETS, tech_support_body(), format="json")
    cache.clear()
    api.post(TICKETS, tech_support_body(), format="json")

    with django_assert_max_num_queries(OPEN_CASE_QUERIES):
        answer = api.post(TICKETS, tech_support_body(), format="json")

    assert_opened_in_full(answer, user)


def test_the_answer_is_what_the_case_serializer_writes_for_partners_and_staff(policies, agent, rf):
    """The answer to opening a case comes from a serializer built once and kept; what it
    writes is what a serializer built for the request writes, whoever asked last."""
    user = UserFactory(organisation=OrganisationFactory(tier=Organisation.Tier.GOLD))
    opened = token_client(user).post(TICKETS, tech_support_body(), format="json").json()
    ticket = Ticket.objects.get(pk=opened["id"])
    Clock.objects.filter(ticket=ticket).update(warned_at=ticket.created_at)
    ticket.assignee = agent
    ticket.save(update_fields=["assignee"])

    for reader in (user, agent, user, agent):
        request = rf.get(TICKETS)
        request.user, request.accepted_renderer = reader, JSONRenderer()
        fresh = Ticket.objects.get(pk=ticket.pk)
        full = TicketDetailSerializer(fresh, context={"request": request}).data

        assert ticket_detail_data(fresh, request) == full
    assert full["assignee"] == agent.pk
    assert full["clocks"][0]["warned_at"] is not None


@pytest.mark.parametrize(
    "body",
    [
        {"subject": "x" * 201, "case_type": "not a slug!", "follow_up_of": 0},
        {"case_type": "tech_support", "critical_criterion": "fire", "submission_key": "no"},
        [{"case_type": "tech_support"}],
    ],
    ids=["fields", "choices", "not-an-object"],
)
def test_a_malformed_case_is_refused_with_the_create_serializers_errors(policies, body):
    """The shape of a new case is checked by a serializer built once and kept; its errors
    are those of a serializer built for the request."""
    user = UserFactory(organisation=OrganisationFactory(tier=Organisation.Tier.GOLD))
    api = token_client(user)

    for _ in range(2):
        answer = api.post(TICKETS, body, format="json")

        assert answer.status_code == 400
        fresh = TicketCreateSerializer(data=body)
        assert not fresh.is_valid()
        assert answer.json() == json.loads(json.dumps(fresh.errors))
    assert not Ticket.objects.exists()


def test_the_browsable_api_still_shows_the_new_case_and_the_errors_on_its_form(policies):
    user = UserFactory(organisation=OrganisationFactory(tier=Organisation.Tier.GOLD))
    api = token_client(user)

    opened = api.post(TICKETS, tech_support_body(), format="json", HTTP_ACCEPT="text/html")
    refused = api.post(TICKETS, {"subject": ""}, format="json", HTTP_ACCEPT="text/html")

    assert opened.status_code == 201
    assert "Calls drop after 30 seconds" in opened.content.decode()
    assert refused.status_code == 400
    assert "This field may not be blank." in refused.content.decode()
