"""The NOC's incidents and maintenance through the REST API."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from availability.models import Credit, Event, Incident, Maintenance
from partners.roles import Role
from tests.availability.factories import IncidentFactory, ServiceFactory, SubscriptionFactory
from tests.factories import OrganisationFactory, StaffFactory
from tests.tickets.factories import TicketFactory

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/availability/incidents/"
MAINTENANCE = "/api/availability/maintenance/"


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture(autouse=True)
def december():
    with time_machine.travel(utc(2026, 12, 5, 12), tick=False):
        yield


@pytest.fixture
def cloud(policies):
    return ServiceFactory(code="uc-cloud-eu", name="UC Cloud EU")


@pytest.fixture
def api(noc):
    client = APIClient()
    client.force_authenticate(noc)
    return client


def outage(**fields):
    return {
        "title": "UC Cloud EU unreachable",
        "started_at": "2026-11-10T00:00:00Z",
        "ended_at": "2026-11-11T00:00:00Z",
        "services": ["uc-cloud-eu"],
        **fields,
    }


def test_an_outage_posted_by_the_noc_makes_the_credit_appear(
    api, noc, cloud, django_capture_on_commit_callbacks, eager_celery
):
    subscription = SubscriptionFactory(services=[cloud], monthly_fee=Decimal("1000.00"))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(INCIDENTS, outage(), format="json")
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["services"] == ["uc-cloud-eu"]
    assert (body["scope"], body["impact"], body["cause"], body["counts"]) == (
        "service",
        "outage",
        "vendor",
        True,
    )
    incident = Incident.objects.get(pk=body["id"])
    assert incident.created_by == noc
    assert Event.objects.get(incident=incident).kind == "incident_opened"
    credit = Credit.objects.get(subscription=subscription, month=date(2026, 11, 1))
    assert credit.amount == Decimal("100.00")


def test_patch_changes_only_what_is_sent(api, cloud):
    ticket = TicketFactory()
    organisation = OrganisationFactory()
    incident_id = api.post(INCIDENTS, outage(), format="json").json()["id"]
    response = api.patch(
        f"{INCIDENTS}{incident_id}/",
        {"scope": "organisations", "organisations": [organisation.pk], "tickets": [ticket.pk]},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert response.json()["organisations"] == [organisation.pk]
    assert response.json()["tickets"] == [ticket.pk]
    assert response.json()["title"] == "UC Cloud EU unreachable"
    changes = Incident.objects.get().events.last().data["changes"]
    assert set(changes) == {"scope", "organisations", "tickets"}


def test_an_ongoing_incident_is_ended_by_patching_its_end(api, cloud):
    incident_id = api.post(INCIDENTS, outage(ended_at=None), format="json").json()["id"]
    assert Incident.objects.get().is_ongoing
    response = api.patch(
        f"{INCIDENTS}{incident_id}/", {"ended_at": "2026-11-10T02:00:00+01:00"}, format="json"
    )
    assert response.json()["ended_at"] == "2026-11-10T01:00:00Z"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ended_at": "2026-11-09T00:00:00Z"}, "ended_at"),
        ({"services": []}, "services"),
        ({"services": ["no-such-service"]}, "services"),
        ({"scope": "organisations"}, "organisations"),
        ({"started_at": "2026-11-10T00:00:00"}, "started_at"),  # no offset
        ({"impact": "meh"}, "impact"),
    ],
)
def test_bad_input_is_400_with_field_errors(api, cloud, fields, field):
    response = api.post(INCIDENTS, outage(**fields), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists()


def test_a_bad_patch_is_400_and_changes_nothing(api, cloud):
    incident_id = api.post(INCIDENTS, outage(), format="json").json()["id"]
    response = api.patch(
        f"{INCIDENTS}{incident_id}/", {"started_at": "2026-11-12T00:00:00Z"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"ended_at": ["The end must be after the start."]}
    assert Incident.objects.get().started_at == utc(2026, 11, 10)


def test_list_and_retrieve(api, cloud, django_assert_max_num_queries):
    for day in range(1, 11):
        IncidentFactory(services=[cloud], started_at=utc(2026, 11, day))
    with django_assert_max_num_queries(8):
        response = api.get(INCIDENTS)
    results = response.json()["results"]
    assert len(results) == 10
    assert results[0]["started_at"] == "2026-11-10T00:00:00Z"
    detail = api.get(f"{INCIDENTS}{results[0]['id']}/")
    assert detail.json()["title"] == results[0]["title"]
    assert api.get(f"{INCIDENTS}999999/").status_code == 404
    assert api.put(f"{INCIDENTS}{results[0]['id']}/", outage(), format="json").status_code == 405


def test_maintenance_create_and_change(api, cloud):
    response = api.post(
        MAINTENANCE,
        {
            "title": "Database upgrade",
            "starts_at": "2026-12-12T22:00:00Z",
            "ends_at": "2026-12-13T00:00:00Z",
            "services": ["uc-cloud-eu"],
            "notified_at": "2026-12-05T12:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    window_id = response.json()["id"]
    response = api.patch(
        f"{MAINTENANCE}{window_id}/", {"ends_at": "2026-12-12T21:00:00Z"}, format="json"
    )
    assert response.status_code == 400
    assert "ends_at" in response.json()
    response = api.patch(
        f"{MAINTENANCE}{window_id}/", {"note": "Expect short drops."}, format="json"
    )
    assert response.json()["note"] == "Expect short drops."
    assert Maintenance.objects.get().events.count() == 2
    assert api.get(MAINTENANCE).json()["results"][0]["id"] == window_id


@pytest.mark.parametrize("roles", [[Role.AGENT], [Role.BILLING], [Role.INTEGRATION]])
def test_only_the_noc(policies, roles):
    client = APIClient()
    client.force_authenticate(StaffFactory(roles=roles))
    assert client.get(INCIDENTS).status_code == 403
    assert client.post(MAINTENANCE, {}, format="json").status_code == 403


def test_anonymous_is_401(policies):
    assert APIClient().get(INCIDENTS).status_code == 401
