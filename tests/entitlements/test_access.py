"""Entitlements through the pages and services people use: an end customer's free window
after a purchase, support hours drawn down by agents, a maintenance contract's routing and
reseller status on the phone."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from entitlements import rules
from entitlements.models import Entitlement, EntitlementEvent, TimeEntry
from partners.roles import Role
from tests.entitlements.factories import EntitlementFactory
from tests.factories import DeviceFactory, OrganisationFactory, StaffFactory, UserFactory
from tests.tickets.factories import open_case
from tickets.errors import NotEligible
from tickets.models import Event, Notification, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # a Wednesday
NEW = reverse("tickets:case_new")


@pytest.fixture(autouse=True)
def wednesday():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def installer(policies):
    return OrganisationFactory(name="Alpine Unified Comms GmbH", tier="gold")


@pytest.fixture
def customer(installer):
    return OrganisationFactory(name="Trattoria da Marco", end_customer=True, installer=installer)


@pytest.fixture
def pbx(customer):
    return DeviceFactory(organisation=customer, serial_number="TDM-HPBX-0001", kind="hardware_pbx")


def purchase_window(customer, pbx, *, days_ago: int) -> Entitlement:
    bought = (NOW - timedelta(days=days_ago)).date()
    starts, ends = rules.purchase_window_bounds(bought, customer.time_zone)
    return EntitlementFactory(
        organisation=customer,
        kind=Entitlement.Kind.PURCHASE_WINDOW,
        purchased_on=bought,
        starts_at=starts,
        ends_at=ends,
        minutes_bought=None,
        devices=[pbx],
    )


def configuration_case(client, device, **overrides):
    fields = {
        "case_type": "tech_support",
        "reason": "devices",
        "category": "provisioning",
        "device": device.pk,
        "subject": "New PBX does not provision the phones",
        "description": "We unpacked the PBX last week; the desk phones do not register.",
        "wms_version": "7.02.1",
        "firmware_versions": "1.9.0",
        "submission_key": uuid.uuid4(),
    }
    return client.post(NEW, fields | overrides)


@pytest.fixture
def customer_client(client, customer):
    client.force_login(UserFactory(organisation=customer))
    return client


# --- The free window after a purchase ------------------------------------------------------


def test_an_end_customer_20_days_after_a_purchase_opens_a_configuration_case_for_that_device(
    customer_client, customer, pbx
):
    purchase_window(customer, pbx, days_ago=20)

    response = configuration_case(customer_client, pbx)

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.organisation == customer
    assert ticket.device == pbx


def test_the_same_request_31_days_after_the_purchase_is_refused_with_the_date_it_ended(
    customer_client, customer, pbx
):
    window = purchase_window(customer, pbx, days_ago=31)
    last_day = (window.ends_at - timedelta(microseconds=1)).astimezone(UTC).date()

    response = configuration_case(customer_client, pbx)

    page = response.content.decode()
    assert not Ticket.objects.exists()
    assert "Please contact Alpine Unified Comms GmbH" in page
    assert rules.format_day(last_day) in page
    assert "We unpacked the PBX last week" in page  # nothing typed is lost


def test_the_window_covers_configuration_not_dial_plans(customer_client, customer, pbx):
    purchase_window(customer, pbx, days_ago=5)

    response = configuration_case(
        customer_client, pbx, reason="pbx-configuration", category="dialplan"
    )

    assert not Ticket.objects.exists()
    assert "dial plan" in response.content.decode().lower()


def test_the_window_needs_the_purchased_device_named_on_the_case(customer_client, customer, pbx):
    purchase_window(customer, pbx, days_ago=5)
    other = DeviceFactory(organisation=customer, serial_number="TDM-OLD-0001")

    response = configuration_case(customer_client, other)

    assert not Ticket.objects.exists()
    assert "TDM-HPBX-0001" in response.content.decode()


# --- Support hours -------------------------------------------------------------------------


@pytest.fixture
def silver(policies):
    return OrganisationFactory(name="Baltic Office Telephony OÜ", tier="silver")


@pytest.fixture
def agent(policies):
    return StaffFactory(roles=[Role.AGENT], full_name="Sofia Marino", time_zone="Europe/Rome")


@pytest.fixture
def agent_client(agent):
    staff = Client()
    staff.force_login(agent)
    return staff


def log_time(client, ticket, **fields):
    return client.post(reverse("tickets:staff_case_time", args=[ticket.pk]), fields)


def test_ninety_minutes_against_a_two_hour_bundle_leave_thirty_the_organisation_can_see(
    agent_client, agent, silver, client
):
    partner = UserFactory(organisation=silver)
    bundle = EntitlementFactory(organisation=silver, minutes_bought=120)
    ticket = open_case(partner)

    response = log_time(agent_client, ticket, minutes=90, billable="on", entitlement=bundle.pk)

    assert response.status_code == 302
    client.force_login(partner)
    plan = client.get(reverse("entitlements:plan")).content.decode()
    assert 'data-minutes-left="30"' in plan
    assert "30 min of 120 min" in plan
    assert TimeEntry.objects.get().agent == agent


def test_a_case_cannot_draw_past_the_balance_without_a_recorded_override(
    agent_client, silver, eager_celery, django_capture_on_commit_callbacks
):
    manager = StaffFactory(roles=[Role.AGENT], email="manager@desk.test")
    bundle = EntitlementFactory(
        organisation=silver, minutes_bought=120, low_balance_minutes=30, account_manager=manager
    )
    ticket = open_case(UserFactory(organisation=silver))
    log_time(agent_client, ticket, minutes=90, billable="on", entitlement=bundle.pk)

    refused = log_time(agent_client, ticket, minutes=45, billable="on", entitlement=bundle.pk)
    assert refused.status_code == 400
    assert "override" in str(refused.context["case"].time.form.errors["override_reason"]).lower()
    assert TimeEntry.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        allowed = log_time(
            agent_client,
            ticket,
            minutes=45,
            billable="on",
            entitlement=bundle.pk,
            override_reason="Outage fix agreed with the customer by phone.",
        )
    assert allowed.status_code == 302
    entry = TimeEntry.objects.latest("pk")
    assert entry.override_reason == "Outage fix agreed with the customer by phone."


def test_crossing_the_low_balance_warns_the_organisation_and_its_account_manager(
    agent_client, silver, eager_celery, django_capture_on_commit_callbacks
):
    silver.contact_email = "support@baltic.test"
    silver.save()
    manager = StaffFactory(roles=[Role.AGENT], email="manager@desk.test")
    bundle = EntitlementFactory(
        organisation=silver, minutes_bought=120, low_balance_minutes=30, account_manager=manager
    )
    ticket = open_case(UserFactory(organisation=silver))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        log_time(agent_client, ticket, minutes=60, billable="on", entitlement=bundle.pk)
    assert not Notification.objects.filter(kind="bundle_low").exists()
    with django_capture_on_commit_callbacks(execute=True):
        log_time(agent_client, ticket, minutes=30, billable="on", entitlement=bundle.pk)

    assert Notification.objects.get(kind="bundle_low").recipient == manager
    assert any(m.to == ["support@baltic.test"] and "30 min" in m.subject for m in mail.outbox)
    assert EntitlementEvent.objects.filter(entitlement=bundle, kind="low_balance").count() == 1
    assert Event.objects.get(ticket=ticket, kind="bundle_low").public


def test_non_billable_time_does_not_draw_from_the_bundle(agent_client, silver):
    bundle = EntitlementFactory(organisation=silver, minutes_bought=120)
    ticket = open_case(UserFactory(organisation=silver))

    log_time(agent_client, ticket, minutes=200, entitlement=bundle.pk)

    assert TimeEntry.objects.get().billable is False
    assert (
        log_time(
            agent_client, ticket, minutes=120, billable="on", entitlement=bundle.pk
        ).status_code
        == 302
    )


def billable_box(page) -> str:
    form = page.content.decode()
    start = form.index('name="billable"')
    return form[form.rindex("<input", 0, start) : form.index(">", start)]


def test_the_billable_box_starts_unticked_without_a_maintenance_contract(agent_client, silver):
    ticket = open_case(UserFactory(organisation=silver))
    EntitlementFactory(organisation=silver, minutes_bought=120)

    box = billable_box(agent_client.get(reverse("tickets:staff_case", args=[ticket.pk])))

    assert "checked" not in box
    assert 'data-under-contract="false"' in box


def test_the_billable_box_starts_ticked_under_a_running_maintenance_contract(agent_client, silver):
    ticket = open_case(UserFactory(organisation=silver))
    EntitlementFactory(
        organisation=silver,
        kind=Entitlement.Kind.MAINTENANCE_CONTRACT,
        minutes_bought=None,
        technician=StaffFactory(roles=[Role.AGENT]),
    )

    box = billable_box(agent_client.get(reverse("tickets:staff_case", args=[ticket.pk])))

    assert "checked" in box
    assert 'data-under-contract="true"' in box


def test_time_logged_on_the_page_without_ticking_billable_is_not_billed(agent_client, silver):
    ticket = open_case(UserFactory(organisation=silver))

    assert log_time(agent_client, ticket, minutes=25, note="Checked the trunk").status_code == 302
    assert log_time(agent_client, ticket, minutes=5, billable="on").status_code == 302

    assert sorted(TimeEntry.objects.values_list("minutes", "billable")) == [
        (5, True),
        (25, False),
    ]


def test_a_bundle_of_another_organisation_cannot_be_drawn_from(agent_client, silver):
    foreign = EntitlementFactory(organisation=OrganisationFactory())
    ticket = open_case(UserFactory(organisation=silver))

    response = log_time(agent_client, ticket, minutes=30, billable="on", entitlement=foreign.pk)

    assert response.status_code == 400
    assert not TimeEntry.objects.exists()


def test_an_organisation_referred_by_its_tier_is_served_while_its_bundle_has_hours(policies):
    upstream = OrganisationFactory(tier="platinum")
    reseller = OrganisationFactory(reseller=True, upstream_partner=upstream)
    requester = UserFactory(organisation=reseller)
    with pytest.raises(NotEligible):
        open_case(requester)

    bundle = EntitlementFactory(organisation=reseller, minutes_bought=60)
    assert open_case(requester).organisation == reseller

    TimeEntry.objects.create(
        ticket=Ticket.objects.get(),
        organisation=reseller,
        agent=StaffFactory(roles=[Role.AGENT]),
        minutes=60,
        entitlement=bundle,
        worked_on=NOW.date(),
    )
    with pytest.raises(NotEligible) as refused:
        open_case(requester, subject="Another one")
    assert any("used up" in note for note in refused.value.decision.notes)


# --- Contracts and reseller status ---------------------------------------------------------


def test_a_maintenance_contract_routes_new_cases_to_its_technician(policies, silver):
    technician = StaffFactory(roles=[Role.AGENT], full_name="Luca Ferri")
    EntitlementFactory(
        organisation=silver,
        kind=Entitlement.Kind.MAINTENANCE_CONTRACT,
        minutes_bought=None,
        technician=technician,
    )

    ticket = open_case(UserFactory(organisation=silver))

    assert ticket.assignee == technician
    assert Event.objects.filter(ticket=ticket, kind="assigned", data__new=technician.pk).exists()


def test_reseller_status_opens_the_phone_channel_only(policies, agent):
    upstream = OrganisationFactory(tier="platinum")
    reseller = OrganisationFactory(reseller=True, upstream_partner=upstream)
    EntitlementFactory(
        organisation=reseller,
        kind=Entitlement.Kind.RESELLER_STATUS,
        minutes_bought=None,
        purchase_volume_eur="8200.00",
        contract_signed_on=NOW.date(),
    )
    requester = UserFactory(organisation=reseller)

    by_phone = open_case(requester, created_by=agent, channel=Ticket.Channel.PHONE)

    assert by_phone.channel == Ticket.Channel.PHONE
    with pytest.raises(NotEligible):
        open_case(requester, subject="On the portal")


# --- Reports and isolation -----------------------------------------------------------------


def test_the_time_report_totals_and_exports_per_organisation(agent_client, silver):
    bundle = EntitlementFactory(organisation=silver, minutes_bought=600)
    ticket = open_case(UserFactory(organisation=silver))
    log_time(agent_client, ticket, minutes=40, billable="on", entitlement=bundle.pk, note="=cmd")
    log_time(agent_client, ticket, minutes=15)

    page = agent_client.get(reverse("entitlements:time_report"), {"organisation": silver.pk})
    exported = b"".join(
        agent_client.get(
            reverse("entitlements:time_report_csv"), {"organisation": silver.pk}
        ).streaming_content
    ).decode("utf-8-sig")

    totals = {(row["billable"], row["minutes"]) for row in page.context["totals"]}
    assert totals == {(True, 40), (False, 15)}
    lines = exported.strip().splitlines()
    assert lines[0].startswith("worked_on,organisation,case,agent,minutes")
    assert len(lines) == 3
    assert "'=cmd" in exported  # a spreadsheet would run it as a formula


def test_partners_see_only_their_own_plan_and_never_the_staff_report(client, silver):
    EntitlementFactory(organisation=silver, reference="BND-OURS")
    EntitlementFactory(organisation=OrganisationFactory(), reference="BND-THEIRS")
    client.force_login(UserFactory(organisation=silver))

    plan = client.get(reverse("entitlements:plan")).content.decode()

    assert "BND-OURS" in plan
    assert "BND-THEIRS" not in plan
    assert client.get(reverse("entitlements:time_report")).status_code == 403
    assert client.get(reverse("entitlements:time_report_csv")).status_code == 403
