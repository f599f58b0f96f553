"""What equipment not handed back costs (21.24), on the pages and in the API, and what
recording it does: only delivered units count, fees run to the end of the current term
period, every part is shown, and the lessee then owns the units."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from hwaas.models import HardwareRequest, LeaseAgreement, LeaseLine
from partners.roles import Role
from tests.factories import StaffFactory
from tests.hwaas.factories import HardwareModelFactory, LeaseAgreementFactory, LeaseLineFactory
from tickets.models import Event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wednesday")]

TODAY = date(2026, 11, 18)
NEW = reverse("hwaas:request_new")
CHECK = "/api/hwaas/requests/check/"


@pytest.fixture
def lines(agreement):
    """Two delivered desk phones and one ordered but not delivered yet."""
    model = HardwareModelFactory(name="W-AIR Office", casualty_value=Decimal("180.00"))
    delivered = [
        LeaseLineFactory(
            agreement=agreement,
            hardware_model=model,
            device__serial_number=serial,
            fee=Decimal("8.00"),
            delivered_on=date(2026, 2, 1),
        )
        for serial in ("SN-A1", "SN-A2")
    ]
    on_order = LeaseLineFactory(
        agreement=agreement,
        hardware_model=HardwareModelFactory(name="Vision XL", casualty_value=Decimal("400")),
        device=None,
        delivered_on=None,
        ordered_on=date(2026, 11, 16),
    )
    return [*delivered, on_order]


@pytest.fixture
def partner_client(client, partner):
    client.force_login(partner)
    return client


@pytest.fixture
def api(partner):
    client = APIClient()
    client.force_login(partner)
    return client


@pytest.fixture
def agent_client(policies):
    staff = Client()
    staff.force_login(StaffFactory(roles=[Role.AGENT], time_zone="Europe/Rome"))
    return staff


def step(client, hardware_request, step, **fields):
    return client.post(
        reverse("hwaas:staff_request_step", args=[hardware_request.pk]), {"step": step, **fields}
    )


EXPECTED_LINE = {
    "quantity": 1,
    "monthly_fee": "8.00",
    "months_left": 2,
    "unpaid_fees": "16.00",
    "casualty_value": "180.00",
    "surcharge": "18.00",
    "amount": "214.00",
}


def assert_charge_body(charge: dict) -> None:
    assert charge["currency"] == "EUR"
    assert charge["term"] == "year_to_year"
    assert (charge["period_starts_on"], charge["period_ends_on"]) == ("2026-01-01", "2026-12-31")
    assert [line["device"] for line in charge["lines"]] == [
        "W-AIR Office SN-A1",
        "W-AIR Office SN-A2",
    ]
    for line in charge["lines"]:
        assert {key: line[key] for key in EXPECTED_LINE} == EXPECTED_LINE
    assert (charge["unpaid_fees"], charge["casualty_value"], charge["surcharge"]) == (
        "32.00",
        "360.00",
        "36.00",
    )
    assert charge["total"] == "428.00"


# --- The charge, shown with its parts ----------------------------------------------------------


def test_the_agreement_page_shows_the_charge_of_the_delivered_units_only(
    partner_client, agreement, lines
):
    page = partner_client.get(reverse("hwaas:agreement", args=[agreement.pk]))

    assert page.status_code == 200
    charge = page.context["charge"]
    assert [line.device for line in charge.lines] == ["W-AIR Office SN-A1", "W-AIR Office SN-A2"]
    assert charge.total == Decimal("428.00")
    section = page.content.decode().split('id="not-returned-charge"')[1]
    assert "31 December 2026" in section
    assert "W-AIR Office SN-A1" in section
    assert "Vision XL" not in section
    assert "16.00 EUR" in section
    assert "214.00 EUR" in section
    assert 'data-charge-total="428.00"' in section


def test_the_agreement_api_gives_the_charge_with_its_parts(api, agreement, lines):
    response = api.get(f"/api/hwaas/agreements/{agreement.pk}/")

    assert response.status_code == 200, response.content
    assert_charge_body(response.json()["not_returned_charge"])


def test_checking_a_return_gives_the_charge_with_its_parts(api, agreement, lines):
    response = api.post(CHECK, {"kind": "return", "agreement": agreement.pk}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["allowed"] is True
    assert body["amount"] == "428.00"
    assert "31 December 2026" in body["reason"]
    assert "2 delivered devices" in body["reason"]
    assert_charge_body(body["charge"])


def test_the_return_form_shows_the_charge_before_anything_is_sent(partner_client, agreement, lines):
    fragment = partner_client.post(
        reverse("hwaas:request_check"), {"kind": "return", "agreement": agreement.pk}
    )

    text = fragment.content.decode()
    assert fragment.status_code == 200
    assert 'data-charge-total="428.00"' in text
    assert "W-AIR Office SN-A2" in text
    assert "Vision XL" not in text


@pytest.mark.parametrize(
    ("term", "starts_on", "months_left", "period_ends_on", "total"),
    [
        # Month to month: to the end of November.
        (LeaseAgreement.Term.MONTH_TO_MONTH, date(2025, 1, 31), 1, "2026-11-30", "206.00"),
        # Year to year from 29 February 2024: the anniversary is 28 February in 2027.
        (LeaseAgreement.Term.YEAR_TO_YEAR, date(2024, 2, 29), 4, "2027-02-27", "230.00"),
        # Year to year, today the anniversary: a whole new year.
        (LeaseAgreement.Term.YEAR_TO_YEAR, date(2025, 11, 18), 12, "2027-11-17", "294.00"),
        # Five years from 1 June 2024: to 31 May 2029.
        (LeaseAgreement.Term.FIVE_YEAR, date(2024, 6, 1), 31, "2029-05-31", "446.00"),
    ],
)
def test_the_fees_run_to_the_end_of_the_current_term_period(
    api, partner, term, starts_on, months_left, period_ends_on, total
):
    agreement = LeaseAgreementFactory(lessor=partner.organisation, term=term, starts_on=starts_on)
    LeaseLineFactory(agreement=agreement, fee=Decimal("8.00"), delivered_on=date(2026, 2, 1))

    body = api.post(CHECK, {"kind": "return", "agreement": agreement.pk}, format="json").json()

    assert body["charge"]["months_left"] == months_left
    assert body["charge"]["lines"][0]["months_left"] == months_left
    assert body["charge"]["period_ends_on"] == period_ends_on
    assert body["charge"]["total"] == total


# --- Recording that the units were not returned ----------------------------------------------


def test_units_not_returned_pass_to_the_lessee_with_the_charge_on_the_timeline(
    partner_client, agreement, lines, agent_client
):
    sent = partner_client.post(NEW, {"kind": "return", "agreement": agreement.pk})
    assert sent.status_code == 302
    hardware_request = HardwareRequest.objects.get()
    step(agent_client, hardware_request, "approved")

    staff_page = agent_client.get(reverse("hwaas:staff_request", args=[hardware_request.pk]))
    assert 'value="unreturned"' in staff_page.content.decode()
    response = step(agent_client, hardware_request, "unreturned", note="Nobody at the site.")

    assert response.status_code == 302
    hardware_request.refresh_from_db()
    assert hardware_request.state == "unreturned"
    assert hardware_request.decision["charged"]["total"] == "428.00"
    kept, on_order = lines[:2], lines[2]
    for line in kept:
        line.refresh_from_db()
        assert line.ownership_passed_on == TODAY
        assert line.returned_on is None
        assert not line.is_active
    on_order.refresh_from_db()
    assert on_order.ownership_passed_on is None
    agreement.refresh_from_db()
    assert agreement.ends_on == TODAY

    event = Event.objects.get(ticket=hardware_request.ticket, kind="hwaas_not_returned")
    assert event.public
    assert event.data["total"] == "428.00"
    assert event.data["serials"] == ["SN-A1", "SN-A2"]
    case_page = partner_client.get(
        reverse("tickets:case_detail", args=[hardware_request.ticket_id])
    ).content.decode()
    assert "Units not returned: 428.00 EUR charged" in case_page
    assert 'data-charged="428.00"' in case_page

    device_page = partner_client.get(reverse("hwaas:device", args=[kept[0].device_id]))
    assert "owned by the lessee since 18 November 2026" in device_page.content.decode()
    inventory = partner_client.get(reverse("hwaas:inventory"), {"holding": "owned"})
    assert "SN-A1" in inventory.content.decode()

    assert step(agent_client, hardware_request, "closed").status_code == 302
    hardware_request.refresh_from_db()
    assert hardware_request.state == "closed"


def test_not_returned_is_no_step_of_other_requests(partner_client, agreement, lines, agent_client):
    partner_client.post(
        NEW, {"kind": "reduce", "line": lines[0].pk, "description": "One phone fewer."}
    )
    hardware_request = HardwareRequest.objects.get()
    step(agent_client, hardware_request, "approved")

    response = step(agent_client, hardware_request, "unreturned")

    assert response.status_code == 400
    hardware_request.refresh_from_db()
    assert hardware_request.state == "approved"
    assert LeaseLine.objects.filter(ownership_passed_on__isnull=False).count() == 0


def test_a_unit_the_lessee_kept_is_no_longer_on_lease(api, agreement, lines):
    kept = lines[0]
    kept.ownership_passed_on = date(2026, 11, 1)
    kept.save(update_fields=["ownership_passed_on"])

    response = api.post(
        "/api/hwaas/requests/",
        {"kind": "replace", "line": kept.pk, "cause": "defect", "label_readable": True},
        format="json",
    )

    assert response.status_code == 400
    assert "belongs to the lessee" in response.json()["line"][0]
    body = api.get(f"/api/hwaas/agreements/{agreement.pk}/").json()
    charge = body["not_returned_charge"]
    assert [line["device"] for line in charge["lines"]] == ["W-AIR Office SN-A2"]
    kept_row = next(line for line in body["lines"] if line["id"] == kept.pk)
    assert kept_row["ownership_passed_on"] == "2026-11-01"
