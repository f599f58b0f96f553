"""A monitoring alert on an end customer's PBX opens the case for the partner that installed
the system (terms 18.2: the partner is contacted by a ticket), naming the customer and its
PBX; the end customer and other partners do not see it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from partners.models import Device, Organisation
from partners.roles import Role
from sla.models import MonitoringAlert
from tests.factories import DeviceFactory, OrganisationFactory, StaffFactory, UserFactory, api_token
from tickets.models import Notification, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendars")]

ALERTS = "/api/noc/alerts/"
TICKETS = "/api/tickets/"
OPEN_HOURS = datetime(2026, 3, 4, 10, 0, tzinfo=ZoneInfo("Europe/Rome"))
CUSTOMER_PBX = "PBX-TRATTORIA-1"
PARTNER_PBX = "PBX-ALPINE-1"


@pytest.fixture(autouse=True)
def open_hours():
    with time_machine.travel(OPEN_HOURS, tick=False):
        yield


@pytest.fixture
def installer(policies):
    return OrganisationFactory(
        name="Alpine Unified Comms GmbH", tier=Organisation.Tier.GOLD, region="eu"
    )


@pytest.fixture
def installer_user(installer):
    return UserFactory(
        organisation=installer, full_name="Anna Weber", date_joined=OPEN_HOURS - timedelta(days=400)
    )


@pytest.fixture
def customer(installer):
    return OrganisationFactory(
        name="Trattoria da Marco", end_customer=True, installer=installer, region="eu"
    )


@pytest.fixture
def customer_user(customer):
    return UserFactory(organisation=customer, full_name="Marco Bellini")


@pytest.fixture
def customer_pbx(customer, customer_user):
    return DeviceFactory(
        organisation=customer,
        serial_number=CUSTOMER_PBX,
        name="Trattoria kitchen PBX",
        kind=Device.Kind.HARDWARE_PBX,
        wms_version="6.05",
    )


@pytest.fixture
def stranger(policies):
    other = OrganisationFactory(name="Lakeshore Networks LLC", tier=Organisation.Tier.GOLD)
    return UserFactory(organisation=other)


@pytest.fixture
def api(policies):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token(StaffFactory(roles=[Role.INTEGRATION]))}"
    )
    return client


def post_alert(api, serial=CUSTOMER_PBX, **overrides):
    body = {
        "source": "zabbix",
        "pbx_serial": serial,
        "severity": "critical",
        "summary": "PBX does not answer SIP OPTIONS",
        "details": "No reply for 5 minutes.",
        "fingerprint": "zbx-trigger-1",
        "occurred_at": "2026-03-04T08:55:00Z",
        **overrides,
    }
    return api.post(ALERTS, body, format="json")


def ticket_of(response) -> Ticket:
    assert response.status_code in (200, 201), response.content
    return Ticket.objects.get(pk=int(response.json()["ticket"].removeprefix("SD-")))


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_the_case_is_filed_under_the_installer_naming_the_customer_and_its_pbx(
    api, installer, installer_user, customer, customer_pbx
):
    response = post_alert(api)

    assert response.status_code == 201, response.content
    ticket = ticket_of(response)
    assert ticket.organisation == installer
    assert ticket.requester == installer_user
    assert ticket.device == customer_pbx
    assert ticket.channel == Ticket.Channel.MONITORING
    assert ticket.cos == Ticket.ClassOfService.CRITICAL
    assert "Trattoria da Marco" in ticket.subject
    assert "Trattoria da Marco" in ticket.description
    assert CUSTOMER_PBX in ticket.description
    alert = MonitoringAlert.objects.get(pk=response.json()["alert"])
    assert (alert.organisation, alert.device) == (customer, customer_pbx)


def test_the_installers_user_sees_the_case_in_its_list_and_opens_it(
    client, api, installer_user, customer_pbx
):
    ticket = ticket_of(post_alert(api))
    client.force_login(installer_user)

    listed = client.get(reverse("tickets:my_cases"))
    page = client.get(reverse("tickets:case_detail", args=[ticket.pk]))

    assert listed.status_code == 200
    assert ticket.number in listed.content.decode()
    assert page.status_code == 200
    body = page.content.decode()
    assert "Trattoria da Marco" in body
    assert CUSTOMER_PBX in body
    assert "Trattoria kitchen PBX" in body


def test_the_installers_user_gets_the_case_through_the_api(api, installer_user, customer_pbx):
    ticket = ticket_of(post_alert(api))
    partner_api = session(installer_user)

    listed = partner_api.get(TICKETS)
    detail = partner_api.get(f"{TICKETS}{ticket.pk}/")

    assert listed.status_code == 200
    assert ticket.pk in [item["id"] for item in listed.json()["results"]]
    assert detail.status_code == 200
    assert detail.json()["device"] == CUSTOMER_PBX
    assert "Trattoria da Marco" in detail.json()["subject"]


@pytest.mark.parametrize("who", ["customer_user", "stranger"])
def test_the_end_customer_and_other_partners_do_not_see_it(
    request, client, api, installer_user, customer_pbx, who
):
    ticket = ticket_of(post_alert(api))
    user = request.getfixturevalue(who)
    client.force_login(user)
    user_api = session(user)

    listed = client.get(reverse("tickets:my_cases"))
    assert listed.status_code == 200
    assert ticket.number not in listed.content.decode()
    assert client.get(reverse("tickets:case_detail", args=[ticket.pk])).status_code == 404
    assert ticket.pk not in [item["id"] for item in user_api.get(TICKETS).json()["results"]]
    assert user_api.get(f"{TICKETS}{ticket.pk}/").status_code == 404


def test_the_same_problem_again_joins_the_installers_case(api, installer_user, customer_pbx):
    first = ticket_of(post_alert(api))

    again = post_alert(api, occurred_at="2026-03-04T09:10:00Z", severity="major")

    assert again.status_code == 200, again.content
    assert ticket_of(again) == first
    assert Ticket.objects.count() == 1


def test_an_alert_on_the_partners_own_pbx_is_filed_under_the_partner(
    api, installer, installer_user, customer_pbx
):
    DeviceFactory(organisation=installer, serial_number=PARTNER_PBX)

    ticket = ticket_of(post_alert(api, serial=PARTNER_PBX, fingerprint="zbx-own"))

    assert ticket.organisation == installer
    assert ticket.subject == "PBX does not answer SIP OPTIONS"


def test_an_end_customer_without_an_installer_waits_for_the_noc(api, noc):
    orphan = OrganisationFactory(name="Pizzeria Sola", end_customer=True)
    UserFactory(organisation=orphan)
    DeviceFactory(organisation=orphan, serial_number="PBX-ORPHAN-1")

    response = post_alert(api, serial="PBX-ORPHAN-1")

    assert response.status_code == 422, response.content
    assert "Pizzeria Sola" in response.json()["pbx_serial"][0]
    assert "installer" in response.json()["pbx_serial"][0]
    assert not Ticket.objects.exists()
    alert = MonitoringAlert.objects.get(pk=response.json()["alert"])
    assert alert.outcome == MonitoringAlert.Outcome.UNMATCHED
    assert Notification.objects.filter(recipient=noc, kind=Notification.Kind.MONITORING).exists()


def test_an_installer_without_active_users_waits_for_the_noc(api, installer, customer_pbx, noc):
    UserFactory(organisation=installer, is_active=False)

    response = post_alert(api)

    assert response.status_code == 422, response.content
    message = response.json()["pbx_serial"][0]
    assert "Trattoria da Marco" in message
    assert "Alpine Unified Comms GmbH" in message
    assert not Ticket.objects.exists()
