"""Monitoring alerts through HTTP, as a monitoring system posts them with its token."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from desk.actions.status import ticket_set_status
from partners.roles import Role
from sla.models import Clock, MonitoringAlert
from tests.factories import DeviceFactory, OrganisationFactory, StaffFactory, UserFactory, api_token
from tickets.models import Message, Notification, Ticket

pytestmark = pytest.mark.django_db

ALERTS = "/api/noc/alerts/"
ROME = ZoneInfo("Europe/Rome")
# A Wednesday: support hours in the EU are open at 10:00 and closed at 22:00.
OPEN_HOURS = datetime(2026, 3, 4, 10, 0, tzinfo=ROME)
CLOSED_HOURS = datetime(2026, 3, 4, 22, 0, tzinfo=ROME)
SERIAL = "PBX-EU-0001"


@pytest.fixture
def open_hours():
    with time_machine.travel(OPEN_HOURS, tick=False):
        yield


@pytest.fixture
def org(policies):
    return OrganisationFactory(name="Alpine Unified Comms GmbH", region="eu")


@pytest.fixture
def first_member(org):
    return UserFactory(
        organisation=org, full_name="Anna Weber", date_joined=OPEN_HOURS - timedelta(days=400)
    )


@pytest.fixture
def pbx(org, first_member):
    # A later member, so the case must be opened for the longest-standing one.
    UserFactory(organisation=org, date_joined=OPEN_HOURS - timedelta(days=10))
    return DeviceFactory(organisation=org, serial_number=SERIAL, wms_version="7.02.1")


@pytest.fixture
def integration(policies):
    return StaffFactory(roles=[Role.INTEGRATION], full_name="Zabbix EU")


def token_client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api


@pytest.fixture
def api(integration):
    return token_client(integration)


def alert_body(**overrides) -> dict:
    body = {
        "source": "zabbix",
        "pbx_serial": SERIAL,
        "severity": "critical",
        "summary": "PBX does not answer SIP OPTIONS",
        "details": "No reply from 10.20.0.5:5060 for 5 minutes.",
        "fingerprint": "zbx-trigger-18231",
        "occurred_at": "2026-03-04T08:55:00Z",
    }
    body.update(overrides)
    return body


def post(api, **overrides):
    return api.post(ALERTS, alert_body(**overrides), format="json")


def ticket_of(response) -> Ticket:
    number = response.json()["ticket"]
    return Ticket.objects.get(pk=int(number.removeprefix("SD-")))


# --- Opening proactive cases ---------------------------------------------------------------


def test_critical_alert_opens_a_critical_proactive_case(
    api, pbx, org, first_member, integration, open_hours
):
    response = post(api, pbx_serial="  pbx-eu-0001 ")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    assert body["ticket"].startswith("SD-")
    ticket = ticket_of(response)
    assert ticket.channel == Ticket.Channel.MONITORING
    assert ticket.cos == Ticket.ClassOfService.CRITICAL
    assert ticket.critical_criterion
    assert ticket.organisation == org
    assert ticket.device == pbx
    assert ticket.requester == first_member
    assert ticket.created_by == integration
    assert ticket.subject == "PBX does not answer SIP OPTIONS"
    assert "No reply from 10.20.0.5:5060 for 5 minutes." in ticket.description
    assert ticket.case_type.code == "tech_support"
    assert ticket.reason.code == "cloud-pbx-unreachable"

    clock = ticket.clocks.get(metric=Clock.Metric.FIRST_RESPONSE)
    assert clock.state == Clock.State.RUNNING
    assert clock.due_at == OPEN_HOURS + timedelta(minutes=30)
    assert not ticket.clocks.filter(metric=Clock.Metric.OUT_OF_HOURS_TRIAGE).exists()

    alert = MonitoringAlert.objects.get(pk=body["alert"])
    assert alert.outcome == MonitoringAlert.Outcome.OPENED
    assert alert.ticket == ticket
    assert alert.device == pbx
    assert alert.organisation == org
    assert alert.received_by == integration
    assert alert.pbx_serial == "pbx-eu-0001"


def test_major_alert_opens_a_standard_case_due_by_the_days_close(api, pbx, open_hours):
    response = post(api, severity="major")

    assert response.status_code == 201, response.content
    ticket = ticket_of(response)
    assert ticket.cos == Ticket.ClassOfService.STANDARD
    assert ticket.critical_criterion == ""
    clock = ticket.clocks.get(metric=Clock.Metric.FIRST_RESPONSE)
    assert clock.due_at == OPEN_HOURS.replace(hour=18)


def test_critical_alert_out_of_hours_gets_the_triage_clock_and_tells_the_noc(api, pbx, noc):
    with time_machine.travel(CLOSED_HOURS, tick=False):
        response = post(api)

    assert response.status_code == 201, response.content
    ticket = ticket_of(response)
    assert ticket.clocks.filter(
        metric=Clock.Metric.OUT_OF_HOURS_TRIAGE, state=Clock.State.RUNNING
    ).exists()
    assert Notification.objects.filter(
        recipient=noc, ticket=ticket, kind=Notification.Kind.OUT_OF_HOURS
    ).exists()


def test_noc_engineer_may_post_with_a_session(pbx, noc, open_hours):
    api = APIClient()
    api.force_login(noc)

    response = post(api)

    assert response.status_code == 201, response.content
    assert ticket_of(response).created_by == noc


# --- Same problem again --------------------------------------------------------------------


def test_same_fingerprint_is_added_to_the_open_case_as_an_internal_note(
    api, pbx, first_member, integration, open_hours
):
    first = post(api)
    ticket = ticket_of(first)

    again = post(
        api,
        severity="minor",
        summary="PBX answers SIP OPTIONS slowly",
        details="Round trip 2.4 s.",
        occurred_at="2026-03-04T09:40:00+01:00",
    )

    assert again.status_code == 200, again.content
    assert again.json() == {
        "ticket": ticket.number,
        "created": False,
        "alert": again.json()["alert"],
    }
    assert Ticket.objects.count() == 1
    note = Message.objects.get(ticket=ticket)
    assert note.visibility == Message.Visibility.INTERNAL
    assert note.author == integration
    assert "Minor" in note.body
    assert "PBX answers SIP OPTIONS slowly" in note.body
    assert "Round trip 2.4 s." in note.body
    assert "2026-03-04 08:40:00 UTC" in note.body
    assert ticket.events.filter(kind="internal_note").exists()
    alert = MonitoringAlert.objects.get(pk=again.json()["alert"])
    assert alert.outcome == MonitoringAlert.Outcome.APPENDED
    assert alert.ticket == ticket

    # The partner does not see the note.
    partner_api = APIClient()
    partner_api.force_login(first_member)
    messages = partner_api.get(f"/api/tickets/{ticket.pk}/messages/")
    assert messages.status_code == 200
    assert messages.json()["results"] == []


def test_after_the_case_is_resolved_the_same_fingerprint_opens_a_new_case(api, pbx, open_hours):
    agent = StaffFactory(roles=[Role.AGENT])
    first = ticket_of(post(api))
    ticket_set_status(ticket=first, actor=agent, status=Ticket.Status.RESOLVED)

    response = post(api, occurred_at="2026-03-04T09:30:00Z")

    assert response.status_code == 201, response.content
    second = ticket_of(response)
    assert second != first
    assert not Message.objects.filter(ticket=first).exists()


def test_the_same_alert_sent_twice_is_stored_as_a_duplicate_and_changes_nothing(
    api, pbx, open_hours
):
    first = post(api)
    ticket = ticket_of(first)

    retry = post(api, pbx_serial=SERIAL.lower())

    assert retry.status_code == 200, retry.content
    assert retry.json()["ticket"] == ticket.number
    assert retry.json()["created"] is False
    assert retry.json()["alert"] != first.json()["alert"]
    assert Ticket.objects.count() == 1
    assert not Message.objects.filter(ticket=ticket).exists()
    duplicate = MonitoringAlert.objects.get(pk=retry.json()["alert"])
    assert duplicate.outcome == MonitoringAlert.Outcome.DUPLICATE


# --- Alerts that match no case -------------------------------------------------------------


def test_unknown_serial_is_422_kept_as_unmatched_and_the_noc_is_told(api, pbx, noc, open_hours):
    response = post(api, pbx_serial="XX-404")

    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"pbx_serial", "alert"}
    assert "XX-404" in body["pbx_serial"][0]
    alert = MonitoringAlert.objects.get(pk=body["alert"])
    assert alert.outcome == MonitoringAlert.Outcome.UNMATCHED
    assert alert.organisation is None
    assert alert.summary == "PBX does not answer SIP OPTIONS"
    assert not Ticket.objects.exists()
    notice = Notification.objects.get(recipient=noc)
    assert notice.kind == Notification.Kind.MONITORING
    assert notice.ticket is None
    assert "XX-404" in notice.body


def test_a_retry_of_an_unmatched_alert_does_not_tell_the_noc_again(api, pbx, noc, open_hours):
    first = post(api, pbx_serial="XX-404")
    retry = post(api, pbx_serial="XX-404")

    assert first.status_code == retry.status_code == 422
    assert MonitoringAlert.objects.get(pk=retry.json()["alert"]).outcome == (
        MonitoringAlert.Outcome.DUPLICATE
    )
    assert Notification.objects.filter(recipient=noc).count() == 1


def test_organisation_without_active_users_is_422_and_the_alert_is_kept(api, noc, open_hours):
    lonely = OrganisationFactory(name="Empty Office Srl")
    UserFactory(organisation=lonely, is_active=False)
    DeviceFactory(organisation=lonely, serial_number="PBX-EMPTY-1")

    response = post(api, pbx_serial="PBX-EMPTY-1")

    assert response.status_code == 422
    body = response.json()
    assert "Empty Office Srl" in body["pbx_serial"][0]
    assert "no active user" in body["pbx_serial"][0]
    alert = MonitoringAlert.objects.get(pk=body["alert"])
    assert alert.outcome == MonitoringAlert.Outcome.UNMATCHED
    assert alert.organisation == lonely
    assert not Ticket.objects.exists()
    assert Notification.objects.filter(recipient=noc, kind=Notification.Kind.MONITORING).exists()


# --- Bad input and access ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"severity": "disaster"}, "severity"),
        ({"occurred_at": "2026-03-04T08:55:00"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": 1772614500}, "occurred_at"),
        ({"summary": {"text": "down"}}, "summary"),
        ({"pbx_serial": ["PBX-EU-0001"]}, "pbx_serial"),
        ({"fingerprint": ""}, "fingerprint"),
        ({"summary": "x" * 201}, "summary"),
    ],
)
def test_bad_input_is_400_with_field_errors_and_nothing_stored(api, pbx, overrides, field):
    response = post(api, **overrides)

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert isinstance(response.json()[field], list)
    assert not MonitoringAlert.objects.exists()


def test_a_time_without_offset_is_refused_with_a_clear_message(api, pbx):
    response = post(api, occurred_at="2026-03-04T08:55:00")

    assert response.status_code == 400
    assert "offset from UTC" in response.json()["occurred_at"][0]


def test_missing_fields_are_each_named(api, pbx):
    response = api.post(ALERTS, {"details": "only details"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {
        "source",
        "pbx_serial",
        "severity",
        "summary",
        "fingerprint",
        "occurred_at",
    }
    assert not MonitoringAlert.objects.exists()


def test_a_body_that_is_not_an_object_is_400(api, pbx):
    response = api.post(ALERTS, json.dumps([alert_body()]), content_type="application/json")

    assert response.status_code == 400
    assert not MonitoringAlert.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.BILLING])
def test_other_staff_are_refused(pbx, role):
    response = post(token_client(StaffFactory(roles=[role])))

    assert response.status_code == 403
    assert not MonitoringAlert.objects.exists()


def test_partner_is_refused(pbx, first_member):
    response = post(token_client(first_member))

    assert response.status_code == 403
    assert not MonitoringAlert.objects.exists()


def test_anonymous_is_401(pbx):
    response = post(APIClient())

    assert response.status_code == 401
    assert not MonitoringAlert.objects.exists()


def test_schema_documents_the_endpoint():
    response = APIClient().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    operation = json.loads(response.content)["paths"][ALERTS]["post"]
    assert {"200", "201", "400", "422"} <= set(operation["responses"])
    assert "requestBody" in operation


# --- NOC review in the admin ---------------------------------------------------------------


def test_noc_lists_alerts_by_outcome_and_marks_unmatched_ones_reviewed(
    api, pbx, open_hours, django_assert_max_num_queries
):
    opened = post(api).json()["alert"]
    unmatched = [post(api, pbx_serial=f"XX-{n}").json()["alert"] for n in range(3)]
    noc = StaffFactory(roles=[Role.NOC], is_staff=True)
    admin_client = APIClient()
    admin_client.force_login(noc)
    url = "/admin/sla/monitoringalert/"

    with django_assert_max_num_queries(15):
        listing = admin_client.get(url, {"outcome__exact": "unmatched"})
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "XX-0" in page
    assert "XX-2" in page
    assert "SIP OPTIONS" in page
    assert SERIAL not in page

    done = admin_client.post(
        url, {"action": "mark_reviewed", "_selected_action": [opened, *unmatched]}
    )

    assert done.status_code == 302
    reviewed = MonitoringAlert.objects.filter(outcome=MonitoringAlert.Outcome.REVIEWED)
    assert sorted(reviewed.values_list("pk", flat=True)) == sorted(unmatched)
    assert all(alert.reviewed_by == noc for alert in reviewed)
    assert MonitoringAlert.objects.get(pk=opened).outcome == MonitoringAlert.Outcome.OPENED
