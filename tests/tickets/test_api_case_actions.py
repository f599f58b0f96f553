"""Working a case through the API, as an integration or a script of the support team would:
status, assignment, class of service and "service restored" follow the staff page's rules,
and every refusal says why in the documented shape."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from partners.roles import Role
from sla.models import Clock
from tests.factories import StaffFactory, UserFactory
from tests.tickets.factories import open_case
from tickets.models import Event, Ticket

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def url(ticket: Ticket, action: str) -> str:
    return f"/api/tickets/{ticket.pk}/{action}/"


@pytest.fixture
def case(partner):
    return open_case(partner)


def kinds(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("at", "id").values_list("kind", flat=True))


# --- Status --------------------------------------------------------------------------------


def test_agent_walks_a_case_through_its_life(agent, case):
    api = client_for(agent)

    waiting = api.post(url(case, "status"), {"status": "waiting_on_partner", "note": "Logs?"})
    assert waiting.status_code == 200, waiting.content
    assert waiting.json()["status"] == "waiting_on_partner"

    resolved = api.post(url(case, "status"), {"status": "resolved"}, format="json")
    assert resolved.status_code == 200
    assert resolved.json()["resolved_at"] is not None

    closed = api.post(url(case, "status"), {"status": "closed"}, format="json")
    assert closed.json()["status"] == "closed"
    case.refresh_from_db()
    assert case.status == Ticket.Status.CLOSED
    assert case.closed_at is not None
    status_events = Event.objects.filter(ticket=case, kind="status_changed")
    assert [e.data["new"] for e in status_events.order_by("at", "id")] == [
        "waiting_on_partner",
        "resolved",
        "closed",
    ]


def test_waiting_on_the_partner_pauses_what_the_page_pauses(agent, partner):
    ticket = open_case(partner, reason="classound-outage")
    client_for(agent).post(url(ticket, "status"), {"status": "waiting_on_partner"})

    restoration = Clock.objects.get(ticket=ticket, metric=Clock.Metric.RESTORATION)
    first_response = Clock.objects.get(ticket=ticket, metric=Clock.Metric.FIRST_RESPONSE)
    assert restoration.state == Clock.State.PAUSED
    assert first_response.state == Clock.State.RUNNING


def test_a_move_the_status_does_not_allow_is_a_conflict_that_says_where_it_can_go(agent, case):
    api = client_for(agent)
    api.post(url(case, "status"), {"status": "resolved"})
    api.post(url(case, "status"), {"status": "closed"})

    response = api.post(url(case, "status"), {"status": "open"})

    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "closed"
    assert body["allowed"] == []
    assert case.number in body["detail"]
    assert "final" in body["detail"]


def test_a_new_case_cannot_be_closed_and_the_answer_lists_the_moves(agent, case):
    response = client_for(agent).post(url(case, "status"), {"status": "closed"})

    assert response.status_code == 409
    assert set(response.json()["allowed"]) == {"open", "waiting_on_partner", "resolved"}
    case.refresh_from_db()
    assert case.status == Ticket.Status.NEW


def test_an_unknown_status_is_a_field_error(agent, case):
    response = client_for(agent).post(url(case, "status"), {"status": "done"}, format="json")

    assert response.status_code == 400
    assert "status" in response.json()


def test_partner_may_close_its_resolved_case_and_nothing_else(agent, partner, case):
    staff = client_for(agent)
    staff.post(url(case, "assignee"), {"assignee": agent.pk}, format="json")
    staff.post(url(case, "status"), {"status": "resolved"})
    own = client_for(partner)

    reopen = own.post(url(case, "status"), {"status": "open"})
    assert reopen.status_code == 403
    assert "close" in reopen.json()["detail"]

    closed = own.post(url(case, "status"), {"status": "closed"})
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["assignee"] is None  # who works it is the team's business


def test_another_organisations_case_is_not_found(case):
    outsider = UserFactory()  # a user of another partner organisation

    response = client_for(outsider).post(url(case, "status"), {"status": "closed"})

    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == Ticket.Status.NEW


def test_billing_staff_have_no_access(case):
    billing = StaffFactory(roles=[Role.BILLING])
    response = client_for(billing).post(url(case, "status"), {"status": "open"})
    assert response.status_code == 403


# --- Assignment ----------------------------------------------------------------------------


def test_agent_assigns_and_unassigns(agent, noc, case):
    api = client_for(agent)

    response = api.post(url(case, "assignee"), {"assignee": noc.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == noc.pk
    case.refresh_from_db()
    assert case.assignee == noc

    response = api.post(url(case, "assignee"), {"assignee": None}, format="json")
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.assignee is None
    assert kinds(case).count("assigned") == 2


def test_cases_go_only_to_support_staff(agent, partner, case):
    api = client_for(agent)

    for someone in (partner.pk, 999_999):
        response = api.post(url(case, "assignee"), {"assignee": someone}, format="json")
        assert response.status_code == 400
        assert "assignee" in response.json()
    case.refresh_from_db()
    assert case.assignee is None


def test_partners_cannot_assign(partner, agent, case):
    response = client_for(partner).post(url(case, "assignee"), {"assignee": agent.pk})
    assert response.status_code == 403


# --- Class of service ----------------------------------------------------------------------


def test_agent_confirms_critical_with_a_reason_and_the_clocks_follow(agent, partner):
    opened = datetime(2026, 11, 24, 10, 0, tzinfo=ROME)  # a Tuesday, support hours
    case = open_case(partner, opened)
    assert case.cos == Ticket.ClassOfService.STANDARD

    response = client_for(agent).post(
        url(case, "cos"),
        {"cos": "critical", "reason": "Every call of the site drops."},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["cos"] == "critical"
    first = Clock.objects.get(ticket=case, metric=Clock.Metric.FIRST_RESPONSE)
    assert first.due_at == opened + timedelta(minutes=30)
    event = Event.objects.get(ticket=case, kind="cos_changed")
    assert event.data["reason"] == "Every call of the site drops."


def test_class_of_service_needs_a_reason(agent, case):
    response = client_for(agent).post(url(case, "cos"), {"cos": "critical"}, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()
    case.refresh_from_db()
    assert case.cos == Ticket.ClassOfService.STANDARD


def test_partners_cannot_set_the_class_of_service(partner, case):
    response = client_for(partner).post(url(case, "cos"), {"cos": "critical", "reason": "Urgent"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.cos == Ticket.ClassOfService.STANDARD


# --- Service restored ----------------------------------------------------------------------


def test_service_restored_stops_the_restoration_clock(agent, partner):
    ticket = open_case(partner, reason="classound-outage")

    response = client_for(agent).post(url(ticket, "restored"), {"note": "Trunk reset."})

    assert response.status_code == 200, response.content
    clock = Clock.objects.get(ticket=ticket, metric=Clock.Metric.RESTORATION)
    assert clock.stopped_at is not None
    assert "service_restored" in kinds(ticket)


def test_service_restored_without_a_restoration_clock_is_a_field_error(agent, case):
    response = client_for(agent).post(url(case, "restored"), {})

    assert response.status_code == 400
    assert "restored" in response.json()
