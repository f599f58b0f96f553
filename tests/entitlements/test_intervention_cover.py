"""Who pays for a remote intervention: free only under a free entitlement on record (a
maintenance contract, or the purchase window covering the case), else drawn from a bundle
with enough hours, else refused with what would cover it. The rule by example and by
property, then through the page and the API."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from entitlements.models import Entitlement, Intervention
from entitlements.rules import (
    FREE_KINDS,
    INTERVENTION_MINUTES,
    Grant,
    Kind,
    Topic,
    intervention_cover,
)
from partners.models import CaseReason
from partners.roles import Role
from tests.entitlements.factories import EntitlementFactory
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.tickets.factories import TicketFactory

# Tuesday 1 December 2026, 10:00 in Rome (CET, UTC+1).
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DEVICES = Topic("tech_support", "devices")
SERIAL = "W01-5521"


def grant(kind, *, pk=1, days_left=10, remaining=None, serials=()):
    return Grant(
        pk=pk,
        kind=kind,
        label=f"{kind.value}-{pk}",
        starts_at=NOW - timedelta(days=10),
        ends_at=NOW + timedelta(days=days_left),
        serials=frozenset(serials),
        remaining_minutes=remaining,
    )


def cover(*grants, topic=DEVICES, serial=SERIAL, at=NOW):
    return intervention_cover(grants=grants, topic=topic, serial=serial, at=at)


# --- The rule by example ---------------------------------------------------------------------


def test_a_maintenance_contract_makes_it_free_even_beside_a_bundle():
    contract = grant(Kind.MAINTENANCE_CONTRACT, pk=2)
    answer = cover(grant(Kind.HOUR_BUNDLE, pk=1, remaining=600), contract)
    assert (answer.allowed, answer.free, answer.grant) == (True, True, contract)


def test_a_purchase_window_makes_it_free_only_for_its_devices_and_topics():
    window = grant(Kind.PURCHASE_WINDOW, serials=[SERIAL])
    assert cover(window).free
    other_device = cover(window, serial="W01-0000")
    dial_plan = cover(window, topic=Topic("tech_support", "pbx-configuration", "dialplan"))
    for answer in (other_device, dial_plan):
        assert not answer.allowed
        assert any("purchase" in line or "not one of" in line for line in answer.suggestions)


def test_an_ended_contract_or_window_does_not_make_it_free():
    ended = grant(Kind.MAINTENANCE_CONTRACT, days_left=-1)
    answer = cover(ended, grant(Kind.HOUR_BUNDLE, pk=2, remaining=60))
    assert (answer.allowed, answer.free, answer.grant.kind) == (True, False, Kind.HOUR_BUNDLE)


def test_a_bundle_with_just_enough_hours_pays_and_one_with_less_is_refused():
    assert cover(grant(Kind.HOUR_BUNDLE, remaining=INTERVENTION_MINUTES)).allowed
    short = cover(grant(Kind.HOUR_BUNDLE, remaining=INTERVENTION_MINUTES - 1))
    assert not short.allowed
    assert short.suggestions[0] == (
        "hour_bundle-1 has 0 h 59 min left; an intervention needs 1 hour. Top it up through "
        "your sales contact."
    )


def test_the_oldest_bundle_with_enough_hours_pays():
    answer = cover(
        grant(Kind.HOUR_BUNDLE, pk=3, remaining=120),
        grant(Kind.HOUR_BUNDLE, pk=1, remaining=30),
        grant(Kind.HOUR_BUNDLE, pk=2, remaining=90),
    )
    assert answer.grant.pk == 2


def test_nothing_on_record_is_refused_with_what_would_cover_it():
    answer = cover(grant(Kind.RESELLER_STATUS))
    assert not answer.allowed
    assert answer.suggestions == (
        "Buy a bundle of support hours through your sales contact.",
        "An annual maintenance contract makes interventions free; ask your sales contact.",
    )


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        cover(at=NOW.replace(tzinfo=None))


# --- The rule by property ----------------------------------------------------------------------

grants = st.lists(
    st.builds(
        grant,
        kind=st.sampled_from(list(Kind)),
        pk=st.integers(min_value=1, max_value=50),
        days_left=st.integers(min_value=-5, max_value=5).filter(bool),
        remaining=st.one_of(st.none(), st.integers(min_value=-60, max_value=600)),
        serials=st.sampled_from([(), (SERIAL,), ("W01-0000",)]),
    ),
    max_size=6,
)


@given(grants=grants)
def test_free_only_under_a_free_entitlement_else_a_bundle_with_enough_else_refused(grants):
    answer = cover(*grants)
    active = [g for g in grants if g.active(NOW)]
    if answer.free:
        assert answer.allowed
        assert answer.grant.kind in FREE_KINDS
        assert answer.grant.active(NOW)
    elif answer.allowed:
        assert answer.grant.kind is Kind.HOUR_BUNDLE
        assert answer.grant.active(NOW)
        assert answer.grant.remaining_minutes >= INTERVENTION_MINUTES
        assert not any(g.kind is Kind.MAINTENANCE_CONTRACT for g in active)
    else:
        assert answer.grant is None
        assert answer.suggestions
        assert not any(g.kind is Kind.MAINTENANCE_CONTRACT for g in active)
        assert not any(
            g.kind is Kind.HOUR_BUNDLE and (g.remaining_minutes or 0) >= INTERVENTION_MINUTES
            for g in active
        )


@given(grants=grants)
def test_adding_a_running_maintenance_contract_always_makes_it_free(grants):
    contract = grant(Kind.MAINTENANCE_CONTRACT, pk=99)
    assert cover(*grants, contract).free


# --- Through the page and the API ----------------------------------------------------------------

pytest_db = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def organisation(policies, calendars, clock):
    return OrganisationFactory(name="Alpine Unified Comms GmbH", tier="gold", region="eu")


@pytest.fixture
def partner(organisation):
    return UserFactory(organisation=organisation, full_name="Anna Weber")


@pytest.fixture
def ticket(partner):
    return TicketFactory(
        organisation=partner.organisation,
        requester=partner,
        reason=CaseReason.objects.get(
            case_type__policy__code="2026-03", case_type__code="tech_support", code="devices"
        ),
        device__serial_number=SERIAL,
    )


@pytest.fixture
def api(partner):
    client = APIClient()
    client.force_login(partner)
    return client


def form_url(ticket) -> str:
    return reverse("entitlements:intervention_new", args=[ticket.pk])


def api_url(ticket) -> str:
    return f"/api/cases/{ticket.pk}/interventions/"


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


ACCESS = "3CX web admin at https://pbx.alpine.test:5001, account support-tech."


def page_data(**changes) -> dict:
    return {
        "platform": "3cx",
        "checklist": ["3cx-0", "all-0"],
        "access_description": ACCESS,
        "slot_1": "2026-12-01T11:00",
        **changes,
    }


def api_data(**changes) -> dict:
    return {
        "platform": "3cx",
        "checklist": ["3cx-0", "all-0"],
        "access_description": ACCESS,
        "slots": ["2026-12-01T11:00:00+01:00"],
        **changes,
    }


def bundle(organisation, minutes=120, **fields):
    return EntitlementFactory(organisation=organisation, minutes_bought=minutes, **fields)


@pytest_db
def test_the_page_refuses_an_intervention_nothing_pays_for_and_keeps_what_was_typed(
    client, partner, ticket
):
    client.force_login(partner)

    shown = client.get(form_url(ticket))
    sent = client.post(form_url(ticket), page_data())

    assert 'data-cover="refused"' in shown.content.decode()
    assert "Buy a bundle of support hours" in text(shown)
    assert sent.status_code == 400
    errors = " ".join(sent.context["form"].non_field_errors())
    assert "Nothing on record pays for a remote intervention" in errors
    assert "maintenance contract" in errors
    assert ACCESS in sent.content.decode()
    assert not Intervention.objects.exists()


@pytest_db
def test_the_api_refuses_it_under_cover_even_when_the_partner_says_free(api, ticket):
    response = api.post(api_url(ticket), api_data(free=True), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["cover"]
    assert "Buy a bundle of support hours" in response.json()["cover"][0]
    assert not Intervention.objects.exists()


@pytest_db
def test_a_bundle_with_too_few_hours_is_refused_saying_to_top_it_up(api, organisation, ticket):
    bundle(organisation, minutes=30, reference="BND-SMALL")

    response = api.post(api_url(ticket), api_data(), format="json")

    assert response.status_code == 400
    assert "BND-SMALL has 0 h 30 min left" in response.json()["cover"][0]


@pytest_db
def test_with_a_bundle_it_is_paid_and_may_be_sooner_whatever_the_partner_says(
    api, organisation, ticket
):
    paying = bundle(organisation, reference="BND-ALPINE")

    response = api.post(api_url(ticket), api_data(free=True), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["free"], body["covered_by"], body["state"]) == (False, paying.pk, "requested")
    assert Intervention.objects.get().covered_by == paying


@pytest_db
def test_under_a_maintenance_contract_it_is_free_with_eight_hours_notice(
    api, client, partner, organisation, ticket
):
    bundle(organisation)
    contract = EntitlementFactory(
        organisation=organisation,
        kind=Entitlement.Kind.MAINTENANCE_CONTRACT,
        minutes_bought=None,
        technician=StaffFactory(roles=[Role.AGENT]),
    )

    too_soon = api.post(api_url(ticket), api_data(), format="json")
    client.force_login(partner)
    too_soon_page = client.post(form_url(ticket), page_data())
    in_time = api.post(
        api_url(ticket), api_data(slots=["2026-12-01T18:00:00+01:00"]), format="json"
    )

    assert too_soon.status_code == 400
    assert list(too_soon.json()) == ["slots"]
    assert "at least 8 hours ahead" in too_soon.json()["slots"][0]
    assert too_soon_page.status_code == 400
    assert "at least 8 hours ahead" in str(too_soon_page.context["form"].errors["slot_1"])
    assert in_time.status_code == 201, in_time.content
    assert (in_time.json()["free"], in_time.json()["covered_by"]) == (True, contract.pk)


@pytest_db
def test_the_purchase_window_of_the_case_s_device_makes_it_free_on_the_page(
    client, partner, organisation, ticket
):
    window = EntitlementFactory(
        organisation=organisation,
        kind=Entitlement.Kind.PURCHASE_WINDOW,
        reference="INV-2211",
        minutes_bought=None,
        starts_at=NOW - timedelta(days=5),
        ends_at=NOW + timedelta(days=25),
        purchased_on=(NOW - timedelta(days=5)).date(),
        devices=[ticket.device],
    )
    client.force_login(partner)

    shown = client.get(form_url(ticket))
    sent = client.post(form_url(ticket), page_data(slot_1="2026-12-01T18:00"))

    assert 'data-cover="free"' in shown.content.decode()
    assert "Free: this case is covered by INV-2211" in text(shown)
    assert sent.status_code == 302
    intervention = Intervention.objects.get()
    assert (intervention.free, intervention.covered_by) == (True, window)


@pytest_db
def test_another_organisation_s_case_is_404_and_staff_are_403(api, ticket):
    stranger = APIClient()
    stranger.force_login(UserFactory(organisation=OrganisationFactory(tier="gold")))
    staff = APIClient()
    staff.force_login(StaffFactory(roles=[Role.AGENT]))

    assert stranger.post(api_url(ticket), api_data(), format="json").status_code == 404
    assert staff.post(api_url(ticket), api_data(), format="json").status_code == 403
    assert api.post(api_url(ticket), {"platform": "3cx"}, format="json").status_code == 400
