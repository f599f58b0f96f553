"""Entitlements and logged time through the REST API, as a partner's integration, a support
agent's tool and billing use it: who sees what, drawing time from a bundle, and what a page
of rows costs."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from entitlements.models import Entitlement, TimeEntry
from partners.roles import Role
from tests.entitlements.factories import EntitlementFactory
from tests.factories import DeviceFactory, OrganisationFactory, StaffFactory, UserFactory
from tests.tickets.factories import open_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # a Wednesday

ENTITLEMENTS = "/api/entitlements/"
TIME_ENTRIES = "/api/time-entries/"


@pytest.fixture(autouse=True)
def wednesday():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def silver(policies):
    return OrganisationFactory(name="Baltic Office Telephony OÜ", tier="silver")


@pytest.fixture
def other(policies):
    return OrganisationFactory(name="Alpine Unified Comms GmbH", tier="gold")


@pytest.fixture
def partner(silver):
    return UserFactory(organisation=silver)


@pytest.fixture
def bundle(silver):
    return EntitlementFactory(organisation=silver, reference="BND-SILVER", minutes_bought=120)


@pytest.fixture
def case(partner):
    return open_case(partner)


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def partner_api(partner):
    return signed_in(partner)


@pytest.fixture
def agent_api(agent):
    return signed_in(agent)


def staff_api(*roles: Role) -> APIClient:
    return signed_in(StaffFactory(roles=list(roles)))


def case_time(case) -> str:
    return f"/api/cases/{case.pk}/time/"


def entitlement_url(entitlement) -> str:
    return f"{ENTITLEMENTS}{entitlement.pk}/"


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response) -> set[int]:
    return {row["id"] for row in rows(response)}


def log(client, case, **fields):
    return client.post(case_time(case), fields, format="json")


# --- Who sees which entitlements -------------------------------------------------------------


def test_anonymous_callers_get_401_everywhere(case, bundle):
    anonymous = APIClient()

    for url in (ENTITLEMENTS, entitlement_url(bundle), case_time(case), TIME_ENTRIES):
        assert anonymous.get(url).status_code == 401, url
    assert log(anonymous, case, minutes=30).status_code == 401
    assert not TimeEntry.objects.exists()


def test_a_partner_sees_its_own_bundle_with_the_minutes_left(partner_api, bundle, other):
    EntitlementFactory(organisation=other)

    listed = rows(partner_api.get(ENTITLEMENTS))

    assert [row["id"] for row in listed] == [bundle.pk]
    assert listed[0] == {
        "id": bundle.pk,
        "organisation": "Baltic Office Telephony OÜ",
        "organisation_id": bundle.organisation_id,
        "kind": "hour_bundle",
        "reference": "BND-SILVER",
        "starts_at": "2026-01-01T01:00:00+01:00",
        "ends_at": "2027-01-01T01:00:00+01:00",
        "active": True,
        "serials": [],
        "minutes_bought": 120,
        "minutes_left": 120,
        "technician": None,
        "purchase_volume_eur": None,
        "contract_signed_on": None,
        "qualifies": None,
        "channels": ["email", "phone", "portal"],
    }
    assert partner_api.get(entitlement_url(bundle)).json() == listed[0]


def test_a_partner_asking_for_another_organisation_gets_nothing_of_it(partner_api, bundle, other):
    foreign = EntitlementFactory(organisation=other)

    assert ids(partner_api.get(ENTITLEMENTS, {"organisation": other.pk})) == set()
    assert partner_api.get(entitlement_url(foreign)).status_code == 404


def test_a_stranger_gets_404_for_the_bundle(bundle, other):
    stranger = signed_in(UserFactory(organisation=other))

    response = stranger.get(entitlement_url(bundle))

    assert response.status_code == 404
    assert stranger.get(f"{ENTITLEMENTS}{bundle.pk + 1000}/").status_code == 404


def test_an_agent_sees_every_organisation_and_can_narrow_to_one(agent_api, bundle, other):
    foreign = EntitlementFactory(organisation=other)

    assert ids(agent_api.get(ENTITLEMENTS)) == {bundle.pk, foreign.pk}
    assert ids(agent_api.get(ENTITLEMENTS, {"organisation": other.pk})) == {foreign.pk}
    assert agent_api.get(entitlement_url(foreign)).json()["organisation"] == other.name


def test_an_organisation_that_is_not_an_id_is_a_field_error(agent_api, bundle):
    response = agent_api.get(ENTITLEMENTS, {"organisation": "baltic"})

    assert response.status_code == 400
    assert list(response.json()) == ["organisation"]


def test_billing_sees_the_list(bundle, other):
    foreign = EntitlementFactory(organisation=other)

    assert ids(staff_api(Role.BILLING).get(ENTITLEMENTS)) == {bundle.pk, foreign.pk}


def test_the_list_runs_from_the_latest_end(agent_api, silver):
    ended = EntitlementFactory(
        organisation=silver,
        starts_at=datetime(2025, 1, 1, tzinfo=UTC),
        ends_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    running = EntitlementFactory(organisation=silver)
    upcoming = EntitlementFactory(
        organisation=silver,
        starts_at=datetime(2026, 12, 1, tzinfo=UTC),
        ends_at=datetime(2027, 12, 1, tzinfo=UTC),
    )

    listed = rows(agent_api.get(ENTITLEMENTS))

    assert [row["id"] for row in listed] == [upcoming.pk, running.pk, ended.pk]
    assert [row["active"] for row in listed] == [False, True, False]


def test_each_kind_shows_its_own_terms(agent_api, silver):
    devices = [DeviceFactory(organisation=silver, serial_number=s) for s in ("SN-B", "SN-A")]
    window = EntitlementFactory(
        organisation=silver,
        kind=Entitlement.Kind.PURCHASE_WINDOW,
        purchased_on=date(2026, 11, 2),
        starts_at=datetime(2026, 11, 2, tzinfo=UTC),
        ends_at=datetime(2026, 12, 2, tzinfo=UTC),
        minutes_bought=None,
        devices=devices,
    )
    technician = StaffFactory(roles=[Role.AGENT], full_name="Jonas Berg")
    contract = EntitlementFactory(
        organisation=silver,
        kind=Entitlement.Kind.MAINTENANCE_CONTRACT,
        minutes_bought=None,
        technician=technician,
    )
    reseller = EntitlementFactory(
        organisation=silver,
        kind=Entitlement.Kind.RESELLER_STATUS,
        minutes_bought=None,
        purchase_volume_eur=Decimal("7500.00"),
        contract_signed_on=date(2026, 2, 1),
    )
    unsigned = EntitlementFactory(
        organisation=silver,
        kind=Entitlement.Kind.RESELLER_STATUS,
        minutes_bought=None,
        purchase_volume_eur=Decimal("9000.00"),
    )

    def get(entitlement):
        response = agent_api.get(entitlement_url(entitlement))
        assert response.status_code == 200, response.content
        return response.json()

    shown = get(window)
    assert (shown["serials"], shown["channels"]) == (["SN-A", "SN-B"], ["email", "portal"])
    assert (shown["minutes_bought"], shown["minutes_left"]) == (None, None)
    assert get(contract)["technician"] == "Jonas Berg"
    shown = get(reseller)
    assert (shown["purchase_volume_eur"], shown["contract_signed_on"]) == ("7500.00", "2026-02-01")
    assert (shown["qualifies"], shown["channels"]) == (True, ["phone"])
    assert get(unsigned)["qualifies"] is False


# --- Logging time on a case -------------------------------------------------------------------


def test_ninety_minutes_of_a_two_hour_bundle_leave_thirty(
    agent_api, partner_api, agent, case, bundle
):
    response = log(agent_api, case, minutes=90, entitlement=bundle.pk, note="Trunk re-registered")

    assert response.status_code == 201, response.content
    entry = TimeEntry.objects.get()
    assert response.json() == {
        "id": entry.pk,
        "minutes": 90,
        "billable": True,
        "entitlement": bundle.pk,
        "entitlement_reference": "BND-SILVER",
        "agent": "Sofia Marino",
        "note": "Trunk re-registered",
        "override_reason": "",
        "worked_on": "2026-11-18",
        "created_at": "2026-11-18T09:00:00Z",
    }
    assert (entry.ticket, entry.agent, entry.organisation_id) == (case, agent, case.organisation_id)
    assert partner_api.get(entitlement_url(bundle)).json()["minutes_left"] == 30
    assert rows(agent_api.get(case_time(case))) == [response.json()]


def test_past_the_balance_without_an_override_is_400_and_writes_nothing(agent_api, case, bundle):
    assert log(agent_api, case, minutes=90, entitlement=bundle.pk).status_code == 201

    refused = log(agent_api, case, minutes=45, entitlement=bundle.pk)

    assert refused.status_code == 400
    errors = refused.json()
    assert list(errors) == ["override_reason"]
    assert errors["override_reason"][0].startswith("Only 30 minutes are left")
    assert TimeEntry.objects.count() == 1
    assert agent_api.get(entitlement_url(bundle)).json()["minutes_left"] == 30


def test_past_the_balance_with_an_override_is_logged_and_overdraws(agent_api, case, bundle):
    log(agent_api, case, minutes=90, entitlement=bundle.pk)

    allowed = log(
        agent_api,
        case,
        minutes=45,
        entitlement=bundle.pk,
        override_reason="Outage fix agreed with the customer by phone.",
    )

    assert allowed.status_code == 201, allowed.content
    assert allowed.json()["override_reason"] == "Outage fix agreed with the customer by phone."
    assert agent_api.get(entitlement_url(bundle)).json()["minutes_left"] == -15


def test_non_billable_time_leaves_the_bundle_alone(agent_api, case, bundle):
    response = log(agent_api, case, minutes=200, billable=False, entitlement=bundle.pk)

    assert response.status_code == 201, response.content
    assert response.json()["billable"] is False
    assert agent_api.get(entitlement_url(bundle)).json()["minutes_left"] == 120


def running_contract(organisation) -> Entitlement:
    return EntitlementFactory(
        organisation=organisation,
        kind=Entitlement.Kind.MAINTENANCE_CONTRACT,
        minutes_bought=None,
        technician=StaffFactory(roles=[Role.AGENT]),
    )


def test_time_from_no_bundle_and_no_contract_is_not_billable_unless_asked(agent_api, case):
    unsaid = log(agent_api, case, minutes=20)
    asked = log(agent_api, case, minutes=10, billable=True)

    assert (unsaid.status_code, asked.status_code) == (201, 201)
    assert (unsaid.json()["billable"], asked.json()["billable"]) == (False, True)


def test_time_drawn_from_a_bundle_is_billable_unless_said_otherwise(agent_api, case, bundle):
    response = log(agent_api, case, minutes=20, entitlement=bundle.pk)

    assert response.json()["billable"] is True
    assert agent_api.get(entitlement_url(bundle)).json()["minutes_left"] == 100


def test_time_under_a_running_maintenance_contract_is_billable_unless_said_otherwise(
    agent_api, case, silver
):
    running_contract(silver)

    unsaid = log(agent_api, case, minutes=20)
    declined = log(agent_api, case, minutes=10, billable=False)

    assert (unsaid.json()["billable"], declined.json()["billable"]) == (True, False)


def test_an_ended_maintenance_contract_does_not_make_time_billable(agent_api, case, silver):
    EntitlementFactory(
        organisation=silver,
        kind=Entitlement.Kind.MAINTENANCE_CONTRACT,
        minutes_bought=None,
        technician=StaffFactory(roles=[Role.AGENT]),
        starts_at=datetime(2025, 1, 1, tzinfo=UTC),
        ends_at=datetime(2026, 1, 1, tzinfo=UTC),
    )

    assert log(agent_api, case, minutes=20).json()["billable"] is False


def test_a_bundle_of_another_organisation_is_a_field_error(agent_api, case, other):
    foreign = EntitlementFactory(organisation=other)

    response = log(agent_api, case, minutes=30, entitlement=foreign.pk)

    assert response.status_code == 400
    assert list(response.json()) == ["entitlement"]
    assert not TimeEntry.objects.exists()


def test_an_entitlement_that_is_not_a_bundle_is_a_field_error(agent_api, case, silver):
    contract = EntitlementFactory(
        organisation=silver,
        kind=Entitlement.Kind.MAINTENANCE_CONTRACT,
        minutes_bought=None,
        technician=StaffFactory(roles=[Role.AGENT]),
    )

    response = log(agent_api, case, minutes=30, entitlement=contract.pk)

    assert response.status_code == 400
    assert list(response.json()) == ["entitlement"]
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize("minutes", [0, 24 * 60 + 1])
def test_minutes_out_of_range_are_a_field_error(agent_api, case, minutes):
    response = log(agent_api, case, minutes=minutes)

    assert response.status_code == 400
    assert list(response.json()) == ["minutes"]
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize("role", [Role.PARTNER, Role.BILLING])
def test_partners_and_billing_may_not_log_or_read_a_cases_time(partner, case, bundle, role):
    client = signed_in(partner) if role is Role.PARTNER else staff_api(role)

    assert log(client, case, minutes=30, entitlement=bundle.pk).status_code == 403
    assert client.get(case_time(case)).status_code == 403
    assert not TimeEntry.objects.exists()


def test_a_missing_case_is_404(agent_api, case):
    missing = f"/api/cases/{case.pk + 1000}/time/"

    assert agent_api.get(missing).status_code == 404
    assert agent_api.post(missing, {"minutes": 30}, format="json").status_code == 404


def test_a_cases_time_lists_only_that_case(agent_api, partner, case):
    other_case = open_case(partner, subject="Another one")
    log(agent_api, other_case, minutes=10)
    mine = log(agent_api, case, minutes=20).json()

    assert rows(agent_api.get(case_time(case))) == [mine]


# --- The time report ------------------------------------------------------------------------


def log_on(client, case, day: int, **fields):
    """Log time at 09:00 UTC on ``day`` November 2026."""
    with time_machine.travel(datetime(2026, 11, day, 9, 0, tzinfo=UTC), tick=False):
        response = log(client, case, **fields)
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def logged(agent_api, partner, other):
    """Time on a case of each organisation on three days of November."""
    case = open_case(partner, at=datetime(2026, 11, 2, 8, tzinfo=UTC))
    foreign_case = open_case(
        UserFactory(organisation=other), at=datetime(2026, 11, 2, 8, tzinfo=UTC)
    )
    return {
        "early": log_on(agent_api, case, 2, minutes=15),
        "middle": log_on(agent_api, case, 10, minutes=25, billable=False),
        "late": log_on(agent_api, case, 18, minutes=35),
        "foreign": log_on(agent_api, foreign_case, 10, minutes=45),
    }


def test_the_time_report_filters_by_days_and_organisation(agent_api, logged, other):
    window = {"from": "2026-11-03", "to": "2026-11-17"}

    assert ids(agent_api.get(TIME_ENTRIES, window)) == {logged["middle"], logged["foreign"]}
    assert ids(agent_api.get(TIME_ENTRIES, {"to": "2026-11-02"})) == {logged["early"]}
    assert ids(agent_api.get(TIME_ENTRIES, {"organisation": other.pk})) == {logged["foreign"]}
    listed = rows(agent_api.get(TIME_ENTRIES))
    assert [row["id"] for row in listed] == [
        logged["late"],
        logged["foreign"],
        logged["middle"],
        logged["early"],
    ]
    assert listed[0]["organisation"] == "Baltic Office Telephony OÜ"
    assert listed[0]["case"].startswith("SD-")


def test_billing_sees_the_time_report(logged):
    assert ids(staff_api(Role.BILLING).get(TIME_ENTRIES)) == set(logged.values())


def test_a_partner_sees_its_own_time_billable_or_not(partner_api, logged, other):
    own = {logged["early"], logged["middle"], logged["late"]}

    assert ids(partner_api.get(TIME_ENTRIES)) == own
    assert ids(partner_api.get(TIME_ENTRIES, {"organisation": other.pk})) == own


def test_agents_notes_on_time_stay_internal(partner_api, agent_api, logged):
    TimeEntry.objects.filter(pk=logged["late"]).update(
        note="Customer's firewall blocks SIP", override_reason="Agreed with the manager"
    )

    for_partner = {row["id"]: row for row in rows(partner_api.get(TIME_ENTRIES))}
    for_agent = {row["id"]: row for row in rows(agent_api.get(TIME_ENTRIES))}

    assert for_partner[logged["late"]]["note"] == ""
    assert for_partner[logged["late"]]["override_reason"] == ""
    assert for_agent[logged["late"]]["note"] == "Customer's firewall blocks SIP"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "18/11/2026"}, "to"),
        ({"from": "2026-11-18", "to": "2026-11-01"}, "to"),
    ],
)
def test_a_bad_day_is_a_field_error(agent_api, query, field):
    response = agent_api.get(TIME_ENTRIES, query)

    assert response.status_code == 400
    assert list(response.json()) == [field]


# --- What a page costs ---------------------------------------------------------------------


def add_entitlements(organisation, count: int) -> None:
    """Bundles, purchase windows with a device and maintenance contracts, in turn."""
    technician = StaffFactory(roles=[Role.AGENT])
    for n in range(count):
        if n % 3 == 0:
            EntitlementFactory(organisation=organisation)
        elif n % 3 == 1:
            EntitlementFactory(
                organisation=organisation,
                kind=Entitlement.Kind.PURCHASE_WINDOW,
                purchased_on=date(2026, 11, 2),
                minutes_bought=None,
                devices=[DeviceFactory(organisation=organisation)],
            )
        else:
            EntitlementFactory(
                organisation=organisation,
                kind=Entitlement.Kind.MAINTENANCE_CONTRACT,
                minutes_bought=None,
                technician=technician,
            )


def test_the_entitlement_list_costs_the_same_for_three_rows_or_thirty(
    agent_api, silver, django_assert_max_num_queries
):
    add_entitlements(silver, 3)
    with django_assert_max_num_queries(10) as few:
        assert len(rows(agent_api.get(ENTITLEMENTS))) == 3
    # Counted now: each request the client makes below clears the connection's query log.
    budget = len(few)

    add_entitlements(silver, 27)
    with django_assert_max_num_queries(budget):
        listed = rows(agent_api.get(ENTITLEMENTS))
    assert len(listed) == 30
    assert {row["kind"] for row in listed} == {
        "hour_bundle",
        "purchase_window",
        "maintenance_contract",
    }


def test_the_time_lists_cost_the_same_for_three_rows_or_thirty(
    agent_api, case, bundle, django_assert_max_num_queries
):
    for _ in range(3):
        log(agent_api, case, minutes=1, entitlement=bundle.pk)
    with django_assert_max_num_queries(10) as few_report:
        assert len(rows(agent_api.get(TIME_ENTRIES))) == 3
    report_budget = len(few_report)
    with django_assert_max_num_queries(10) as few_case:
        assert len(rows(agent_api.get(case_time(case)))) == 3
    case_budget = len(few_case)

    for _ in range(27):
        log(agent_api, case, minutes=1, billable=False)
    with django_assert_max_num_queries(report_budget):
        assert len(rows(agent_api.get(TIME_ENTRIES))) == 30
    with django_assert_max_num_queries(case_budget):
        assert len(rows(agent_api.get(case_time(case)))) == 30
