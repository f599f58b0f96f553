"""Public updates on an incident: the NOC posts them from the incident's page or through the
API; partners read them on the status page."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from availability.models import Event, IncidentUpdate
from partners.roles import Role
from tests.availability.factories import (
    IncidentFactory,
    IncidentUpdateFactory,
    ServiceFactory,
    SubscriptionFactory,
)
from tests.factories import StaffFactory, UserFactory
from tests.partners.pages import Page

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cloud(policies):
    return ServiceFactory(code="uc-cloud-eu", name="UC Cloud EU")


@pytest.fixture
def noc(policies):
    return StaffFactory(roles=[Role.NOC], full_name="Nora Noc")


@pytest.fixture
def incident(cloud):
    return IncidentFactory(
        title="UC Cloud EU unreachable", services=[cloud], started_at=NOW - timedelta(hours=1)
    )


def post_url(incident) -> str:
    return reverse("availability:noc_incident_update_post", args=[incident.pk])


def api_url(incident) -> str:
    return f"/api/availability/incidents/{incident.pk}/updates/"


# --- From the NOC incident page ------------------------------------------------------------


def test_a_noc_engineer_posts_an_update_that_partners_read_on_the_status_page(
    client, noc, cloud, incident
):
    client.force_login(noc)

    response = client.post(
        post_url(incident), {"status": "identified", "body": "  A database node failed.  "}
    )

    assert response.status_code == 302
    assert response.url == reverse("availability:noc_incident", args=[incident.pk])
    update = IncidentUpdate.objects.get(incident=incident)
    assert (update.status, update.body, update.posted_by) == (
        "identified",
        "A database node failed.",
        noc,
    )
    event = Event.objects.get(incident=incident, kind="update_posted")
    assert event.actor == noc
    assert event.data["body"] == "A database node failed."
    # The NOC page shows it on the timeline and in the updates.
    noc_page = Page(client.get(response.url)).text()
    assert "Public update posted" in noc_page
    assert "Cause identified" in noc_page
    # A partner subscribed to the service reads it on the incident's status page.
    partner = UserFactory()
    SubscriptionFactory(organisation=partner.organisation, services=[cloud])
    client.force_login(partner)
    status_page = Page(
        client.get(reverse("availability:status_incident", args=[incident.pk]))
    ).text()
    assert "Cause identified" in status_page
    assert "A database node failed." in status_page
    assert "Nora Noc" not in status_page


def test_posting_resolved_does_not_end_the_incident_and_the_form_says_so(client, noc, incident):
    client.force_login(noc)
    form_text = Page(client.get(reverse("availability:noc_incident", args=[incident.pk]))).text()
    assert "it does not end the incident" in form_text

    client.post(post_url(incident), {"status": "resolved", "body": "Calls go through again."})

    incident.refresh_from_db()
    assert incident.ended_at is None
    assert incident.updates.get().status == "resolved"


def test_an_empty_update_comes_back_with_errors_and_what_was_typed(client, noc, incident):
    client.force_login(noc)

    response = client.post(post_url(incident), {"status": "monitoring", "body": "   "})

    assert response.status_code == 200
    page = Page(response)
    assert "Write what partners should know." in page.text()
    assert "Please correct the fields marked below." in page.alerts()
    checked = [
        e.attrs["value"] for e in page.find_all("input", name="status") if "checked" in e.attrs
    ]
    assert checked == ["monitoring"]
    assert not IncidentUpdate.objects.exists()


def test_an_unknown_status_comes_back_with_the_text_kept(client, noc, incident):
    client.force_login(noc)

    response = client.post(post_url(incident), {"status": "fixed", "body": "Half done."})

    page = Page(response)
    assert response.status_code == 200
    assert page.field_labelled("Update for partners").text == "Half done."
    assert "Select a valid choice" in page.text()
    assert not IncidentUpdate.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.BILLING, Role.PARTNER])
def test_only_noc_engineers_post_updates(client, incident, role):
    user = UserFactory() if role == Role.PARTNER else StaffFactory(roles=[role])
    client.force_login(user)

    response = client.post(post_url(incident), {"status": "identified", "body": "Hello."})

    assert response.status_code == 403
    assert not IncidentUpdate.objects.exists()


def test_posting_on_a_missing_incident_is_404(client, noc, incident):
    client.force_login(noc)

    response = client.post(
        reverse("availability:noc_incident_update_post", args=[incident.pk + 1000]),
        {"status": "identified", "body": "Hello."},
    )

    assert response.status_code == 404


# --- Through the API -----------------------------------------------------------------------


@pytest.fixture
def api(noc):
    client = APIClient()
    client.force_authenticate(noc)
    return client


def test_the_api_posts_an_update_and_lists_them_newest_first(api, noc, incident):
    IncidentUpdateFactory(incident=incident, posted_at=NOW - timedelta(minutes=30))

    response = api.post(
        api_url(incident),
        {"status": "monitoring", "body": "Fix in place."},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["status"] == "monitoring"
    assert response.json()["posted_by"] == noc.email
    assert Event.objects.filter(incident=incident, kind="update_posted").count() == 1
    listed = api.get(api_url(incident)).json()
    assert [update["status"] for update in listed] == ["monitoring", "investigating"]
    assert listed[0]["body"] == "Fix in place."


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "monitoring"}, "body"),
        ({"status": "monitoring", "body": "   "}, "body"),
        ({"status": "fixed", "body": "Done."}, "status"),
        ({"body": "Done."}, "status"),
    ],
)
def test_the_api_refuses_bad_input_with_400(api, incident, payload, field):
    response = api.post(api_url(incident), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not IncidentUpdate.objects.exists()


def test_the_api_answers_404_for_a_missing_incident_and_403_to_others(api, incident):
    assert (
        api.post(
            f"/api/availability/incidents/{incident.pk + 1000}/updates/",
            {"status": "monitoring", "body": "Fix in place."},
            format="json",
        ).status_code
        == 404
    )

    agent = APIClient()
    agent.force_authenticate(StaffFactory(roles=[Role.AGENT]))
    response = agent.post(
        api_url(incident), {"status": "monitoring", "body": "Fix in place."}, format="json"
    )
    assert response.status_code == 403
