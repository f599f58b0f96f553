"""Customer Care as the terms describe it (15.1–15.2, 17.4): who may open it directly in
each version, the same answer on the intake page, its early referral and the API; reached
through the ticketing system only (staff log it from a call only with a reason, written on
the timeline); in English, said on the form."""

import re
import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import OrganisationFactory, UserFactory, organisation_for_audience
from tickets.models import Event, Ticket

# An instant well inside each version's period, during European support hours.
INSIDE = {
    "2022-04": datetime(2022, 11, 16, 10, 30, tzinfo=UTC),
    "2023-10": datetime(2024, 6, 12, 13, 0, tzinfo=UTC),
    "2026-03": datetime(2026, 7, 8, 8, 0, tzinfo=UTC),
}
AUDIENCES = [
    "diamond",
    "platinum",
    "gold_plus",
    "gold",
    "silver",
    "bronze",
    "reseller",
    "end_customer",
]
TECHNICAL = {"2022-04": "technical", "2023-10": "technical", "2026-03": "tech_support"}

NEW = reverse("tickets:case_new")
TICKETS = "/api/tickets/"
STAFF_NEW = reverse("tickets:staff_case_new")


def may_open_customer_care(version: str, audience: str) -> bool:
    """15.2 refers Bronze partners and resellers upstream for technical support only; under
    2026-03, 15.1 limits a Bronze partner's every submission to three technical kinds."""
    if audience == "end_customer":
        return False
    if audience == "bronze":
        return version != "2026-03"
    return True


TABLE = [
    pytest.param(
        version, audience, may_open_customer_care(version, audience), id=f"{version}-{audience}"
    )
    for version in INSIDE
    for audience in AUDIENCES
]


@pytest.fixture
def upstream(policies):
    return OrganisationFactory(
        name="Hudson Voice Systems Inc.", tier="platinum", contact_email="support@hudson.test"
    )


@pytest.fixture
def member_of(policies, calendars, upstream):
    def member(audience: str):
        referrals = {}
        if audience in ("bronze", "reseller"):
            referrals["upstream_partner"] = upstream
        if audience == "end_customer":
            referrals["installer"] = upstream
        return UserFactory(organisation=organisation_for_audience(audience, **referrals))

    return member


def customer_care(**overrides) -> dict:
    return {
        "case_type": "customer_care",
        "reason": "billing",
        "category": "invoice",
        "subject": "Invoice 1142 charges twelve licences",
        "description": "We have ten licences; the invoice charges twelve.",
        "submission_key": str(uuid.uuid4()),
    } | overrides


def referred(response) -> bool:
    return "tickets/partner/referral.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(("version", "audience", "allowed"), TABLE)
def test_customer_care_through_the_intake_page(client, member_of, version, audience, allowed):
    client.force_login(member_of(audience))

    with time_machine.travel(INSIDE[version], tick=False):
        response = client.post(NEW, customer_care())

    if allowed:
        assert response.status_code == 302, response.content.decode()[:2000]
        ticket = Ticket.objects.get()
        assert (ticket.policy.code, ticket.case_type.code) == (version, "customer_care")
    else:
        assert response.status_code == 200
        assert referred(response)
        assert not Ticket.objects.exists()


@pytest.mark.parametrize(("version", "audience", "allowed"), TABLE)
def test_customer_care_eligibility_preview_on_an_unfinished_form(
    client, member_of, version, audience, allowed
):
    """Before the form is complete the page already says whether the partner is referred."""
    client.force_login(member_of(audience))

    with time_machine.travel(INSIDE[version], tick=False):
        response = client.post(NEW, customer_care(subject=""))

    assert response.status_code == 200
    assert referred(response) is not allowed
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(("version", "audience", "allowed"), TABLE)
def test_customer_care_through_the_api(member_of, version, audience, allowed):
    api = APIClient()
    api.force_login(member_of(audience))

    with time_machine.travel(INSIDE[version], tick=False):
        response = api.post(TICKETS, customer_care(), format="json")

    if allowed:
        assert response.status_code == 201, response.content
        assert response.json()["case_type"] == "customer_care"
    else:
        assert response.status_code == 403, response.content
        assert response.json()["refer_to"]["name"] == "Hudson Voice Systems Inc."


@pytest.mark.parametrize("version", list(INSIDE))
@pytest.mark.parametrize("audience", ["bronze", "reseller"])
def test_technical_support_still_goes_upstream(client, member_of, version, audience):
    client.force_login(member_of(audience))
    data = customer_care(
        case_type=TECHNICAL[version],
        reason="call-quality",
        category="",
        wms_version="7.02.1",
        firmware_versions="DP-40 1.9.0",
    )

    with time_machine.travel(INSIDE[version], tick=False):
        response = client.post(NEW, data)

    assert referred(response)
    assert not Ticket.objects.exists()
    # The referral says so when Customer Care is still theirs to open.
    told = re.search(
        r"You can still open [^<]*Customer Care[^<]* cases with us directly",
        response.content.decode(),
    )
    assert bool(told) is may_open_customer_care(version, audience)


def test_bronze_2026_is_not_told_it_may_open_customer_care(client, member_of):
    client.force_login(member_of("bronze"))
    data = customer_care(
        case_type="tech_support",
        reason="call-quality",
        category="",
        wms_version="7.02.1",
        firmware_versions="DP-40 1.9.0",
    )

    with time_machine.travel(INSIDE["2026-03"], tick=False):
        response = client.post(NEW, data)

    assert referred(response)
    assert "data-also-direct" not in response.content.decode()


def test_api_refusal_of_technical_support_names_customer_care(member_of):
    api = APIClient()
    api.force_login(member_of("reseller"))
    body = customer_care(
        case_type="tech_support",
        reason="call-quality",
        category="",
        wms_version="7.02.1",
        firmware_versions="DP-40 1.9.0",
    )

    with time_machine.travel(INSIDE["2026-03"], tick=False):
        response = api.post(TICKETS, body, format="json")

    assert response.status_code == 403, response.content
    # 15.2 refers a reseller for technical support only: every other kind is its own.
    assert (
        "You can still open Customer Care, Customer Success, Feature Request and HWaaS "
        "Management cases yourself." in response.json()["detail"]
    )


def test_reseller_2026_opens_a_feature_request_itself(member_of):
    api = APIClient()
    api.force_login(member_of("reseller"))
    body = customer_care(
        case_type="feature_request",
        reason="new-feature",
        category="",
        subject="Export call recordings to our archive",
    )

    with time_machine.travel(INSIDE["2026-03"], tick=False):
        response = api.post(TICKETS, body, format="json")

    assert response.status_code == 201, response.content
    assert Ticket.objects.get().case_type.code == "feature_request"


def test_reseller_home_page_says_which_cases_are_open_to_it(client, member_of):
    client.force_login(member_of("reseller"))

    with time_machine.travel(INSIDE["2026-03"], tick=False):
        page = client.get(reverse("tickets:my_cases")).content.decode()

    assert (
        "You can still open these with us directly: Customer Care, Customer Success, "
        "Feature Request, HWaaS Management." in page
    )


@pytest.mark.parametrize("version", list(INSIDE))
def test_intake_says_customer_care_is_in_english_only(client, member_of, version):
    client.force_login(member_of("gold"))

    with time_machine.travel(INSIDE[version], tick=False):
        chosen = client.get(reverse("tickets:intake_options"), {"case_type": "customer_care"})
        technical = client.get(reverse("tickets:intake_options"), {"case_type": TECHNICAL[version]})

    assert "data-english-only" in chosen.content.decode()
    assert "English only" in chosen.content.decode()
    assert "data-english-only" not in technical.content.decode()


# --- Not by phone: the staff form ---------------------------------------------------------


@pytest.fixture
def caller(member_of):
    return member_of("gold")


def on_behalf(caller, **overrides) -> dict:
    return {
        "requester": caller.pk,
        "case_type": "customer_care",
        "reason": "billing",
        "subject": "Invoice 1142 charges twelve licences",
        "description": "The caller says the invoice charges twelve licences, not ten.",
        "submission_key": str(uuid.uuid4()),
    } | overrides


def test_customer_care_by_phone_is_refused_without_a_reason(client, agent, caller):
    client.force_login(agent)

    response = client.post(STAFF_NEW, on_behalf(caller))

    assert response.status_code == 200
    assert not Ticket.objects.exists()
    page = response.content.decode()
    assert "opened in the portal, not by phone" in page
    # What the agent typed is kept.
    assert "The caller says the invoice charges twelve licences" in page


def test_customer_care_by_phone_with_a_reason_is_opened_and_the_reason_recorded(
    client, agent, caller
):
    client.force_login(agent)
    reason = "Portal login locked for the caller, and the invoice is due today."

    response = client.post(STAFF_NEW, on_behalf(caller, phone_override_reason=reason))

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.case_type.code, ticket.channel) == ("customer_care", "phone")
    event = Event.objects.get(ticket=ticket, kind="phone_override")
    assert event.data["reason"] == reason
    assert not event.public
    staff_page = client.get(reverse("tickets:staff_case", args=[ticket.pk])).content.decode()
    assert reason in staff_page
    assert "Logged by phone although Customer Care is opened in the portal" in staff_page


def test_a_blank_reason_does_not_count(client, agent, caller):
    client.force_login(agent)

    client.post(STAFF_NEW, on_behalf(caller, phone_override_reason="   "))

    assert not Ticket.objects.exists()


def test_technical_support_by_phone_needs_no_reason(client, agent, caller):
    client.force_login(agent)
    data = on_behalf(
        caller,
        case_type="tech_support",
        reason="call-quality",
        wms_version="7.02.1",
        firmware_versions="DP-40 1.9.0",
    )

    response = client.post(STAFF_NEW, data)

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert not Event.objects.filter(ticket=ticket, kind="phone_override").exists()


def test_the_partner_does_not_see_the_override_on_its_case(client, agent, caller):
    client.force_login(agent)
    client.post(STAFF_NEW, on_behalf(caller, phone_override_reason="Portal login locked."))
    ticket = Ticket.objects.get()

    client.force_login(caller)
    page = client.get(reverse("tickets:case_detail", args=[ticket.pk])).content.decode()

    assert "Portal login locked." not in page
