"""Hardware requests through the pages, as partners and staff use them: the rules' answer
before anything is sent, the case it opens, the staff steps and what each does to the lease."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hwaas.models import HardwareRequest, LeaseLine, RequestDocument
from partners.models import Device
from partners.roles import Role
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.hwaas.factories import (
    CapexPurchaseFactory,
    HardwareModelFactory,
    LeaseAgreementFactory,
    LeaseLineFactory,
)
from tickets.models import Event, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wednesday")]

TODAY = date(2026, 11, 18)
NEW = reverse("hwaas:request_new")


@pytest.fixture
def agent(policies):
    return StaffFactory(roles=[Role.AGENT], time_zone="Europe/Rome")


@pytest.fixture
def agent_client(agent):
    """A browser of its own, so the partner's stays signed in beside it."""
    staff = Client()
    staff.force_login(agent)
    return staff


@pytest.fixture
def partner_client(client, partner):
    client.force_login(partner)
    return client


def line_delivered(agreement, delivered_on, **fields):
    return LeaseLineFactory(agreement=agreement, delivered_on=delivered_on, **fields)


def submit(client, **fields):
    return client.post(NEW, fields)


def step(client, hardware_request, step, **fields):
    return client.post(
        reverse("hwaas:staff_request_step", args=[hardware_request.pk]), {"step": step, **fields}
    )


# --- The answer before submitting ----------------------------------------------------------


def test_a_line_delivered_three_months_ago_cannot_be_reduced_and_the_page_says_from_when(
    partner_client, agreement
):
    line = line_delivered(agreement, date(2026, 8, 18))

    page = partner_client.get(NEW, {"kind": "reduce", "line": line.pk})

    assert page.status_code == 200
    assert page.context["answer"]["decision"].allowed is False
    assert 'data-from="2027-02-18"' in page.content.decode()
    assert "18 February 2027" in page.content.decode()


def test_sending_a_refused_reduction_opens_no_case_and_keeps_what_was_typed(
    partner_client, agreement
):
    line = line_delivered(agreement, date(2026, 8, 18))

    response = submit(
        partner_client, kind="reduce", line=line.pk, description="Two staff left the restaurant."
    )

    assert response.status_code == 400
    assert "18 February 2027" in str(response.context["form"].errors["line"])
    assert "Two staff left the restaurant." in response.content.decode()
    assert not Ticket.objects.exists()
    assert not HardwareRequest.objects.exists()


def test_the_check_fragment_answers_while_the_form_is_filled_in(partner_client, agreement):
    line = line_delivered(agreement, date(2026, 5, 18))

    fragment = partner_client.post(
        reverse("hwaas:request_check"), {"kind": "reduce", "line": line.pk}
    )

    assert fragment.status_code == 200
    assert 'data-allowed="yes"' in fragment.content.decode()


def test_a_lost_device_is_replaced_at_the_lessee_cost_of_its_casualty_value(
    partner_client, agreement
):
    model = HardwareModelFactory(casualty_value=Decimal("123.45"))
    line = line_delivered(agreement, date(2026, 1, 10), hardware_model=model)

    fragment = partner_client.post(
        reverse("hwaas:request_check"), {"kind": "replace", "line": line.pk, "cause": "lost"}
    )

    text = fragment.content.decode()
    assert "at the lessee&#x27;s cost: 123.45" in text or "at the lessee's cost: 123.45" in text


# --- Opening the case ----------------------------------------------------------------------


def test_a_reduction_after_six_months_opens_an_hwaas_case_with_the_answer_on_its_timeline(
    partner_client, partner, agreement
):
    line = line_delivered(agreement, date(2026, 5, 18))

    response = submit(partner_client, kind="reduce", line=line.pk)

    hardware_request = HardwareRequest.objects.get()
    ticket = hardware_request.ticket
    assert response.status_code == 302
    assert response.url == reverse("tickets:case_detail", args=[ticket.pk])
    assert (ticket.case_type.code, ticket.reason.code) == ("hwaas_management", "reduce-quantity")
    assert ticket.requester == partner
    assert hardware_request.line == line
    assert hardware_request.decision["allowed"] is True
    requested = Event.objects.get(ticket=ticket, kind="hwaas_requested")
    assert requested.public
    case_page = partner_client.get(response.url).content.decode()
    assert "Reduce quantity requested" in case_page
    assert 'data-hw-state="submitted"' in case_page


def test_a_replacement_after_a_theft_asks_for_the_police_report(partner_client, agreement):
    line = line_delivered(agreement, date(2026, 10, 1))

    refused = submit(partner_client, kind="replace", line=line.pk, cause="theft")

    assert refused.status_code == 400
    assert "police report" in str(refused.context["form"].errors["police_report"]).lower()
    assert not Ticket.objects.exists()

    report = SimpleUploadedFile("police-report.pdf", b"%PDF-1.4 report", "application/pdf")
    accepted = partner_client.post(
        NEW, {"kind": "replace", "line": line.pk, "cause": "theft", "police_report": report}
    )

    assert accepted.status_code == 302
    document = RequestDocument.objects.get()
    assert document.kind == "police_report"
    assert document.attachment.ticket == document.request.ticket
    assert document.attachment.original_name == "police-report.pdf"


def test_a_disallowed_file_type_for_a_document_is_refused_before_anything_is_written(
    partner_client, agreement
):
    line = line_delivered(agreement, date(2026, 10, 1))
    script = SimpleUploadedFile("report.exe", b"MZ", "application/octet-stream")

    response = partner_client.post(
        NEW, {"kind": "replace", "line": line.pk, "cause": "theft", "police_report": script}
    )

    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_fields_of_another_kind_are_not_kept_on_the_request(partner_client, agreement):
    """A line picked before switching to "add devices" stays in the form's data but not on
    the request."""
    line = line_delivered(agreement, date(2026, 1, 10))
    model = HardwareModelFactory()

    submit(
        partner_client,
        kind="add",
        agreement=agreement.pk,
        hardware_model=model.pk,
        quantity=2,
        line=line.pk,
    )

    hardware_request = HardwareRequest.objects.get()
    assert hardware_request.line is None
    assert hardware_request.quantity == 2


def test_a_bronze_partner_is_referred_to_its_upstream_partner(client, agreement):
    upstream = OrganisationFactory(tier="platinum", name="Upstream Platinum Ltd")
    bronze = OrganisationFactory(tier="bronze", upstream_partner=upstream)
    own_agreement = LeaseAgreementFactory(lessor=bronze)
    line = line_delivered(own_agreement, date(2026, 1, 10))
    client.force_login(UserFactory(organisation=bronze))

    response = submit(client, kind="reduce", line=line.pk)

    assert response.status_code == 403
    assert "Upstream Platinum Ltd" in response.content.decode()
    assert not Ticket.objects.exists()


# --- Isolation -----------------------------------------------------------------------------


def test_partners_never_see_or_use_another_organisation_s_devices(client, agreement):
    line = line_delivered(agreement, date(2026, 1, 10))
    stranger = UserFactory(organisation=OrganisationFactory())
    client.force_login(stranger)

    assert client.get(reverse("hwaas:device", args=[line.device_id])).status_code == 404
    assert client.get(reverse("hwaas:agreement", args=[agreement.pk])).status_code == 404
    assert client.get(reverse("hwaas:annex_csv", args=[agreement.pk])).status_code == 404
    listing = client.get(reverse("hwaas:inventory")).content.decode()
    assert line.device.serial_number not in listing
    response = submit(client, kind="reduce", line=line.pk)
    assert response.status_code == 400
    assert "line" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_the_lessee_customer_and_its_installer_both_see_the_leased_device(client, agreement):
    line = line_delivered(agreement, date(2026, 1, 10))
    for organisation in (agreement.lessor, agreement.lessee):
        client.force_login(UserFactory(organisation=organisation))
        page = client.get(reverse("hwaas:inventory"), {"q": line.device.serial_number[-4:]})
        assert line.device.serial_number in page.content.decode()


def test_the_inventory_costs_the_same_queries_for_three_devices_or_thirty(
    partner_client, agreement, django_assert_max_num_queries
):
    for _ in range(3):
        line_delivered(agreement, date(2026, 1, 10))
    with django_assert_max_num_queries(14) as few:
        partner_client.get(reverse("hwaas:inventory"))
    # Read now: the next request starts a fresh query log.
    queries_for_three = len(few.captured_queries)
    for _ in range(20):
        line_delivered(agreement, date(2026, 1, 10))
    for _ in range(7):
        CapexPurchaseFactory(device__organisation=agreement.lessor)
    with django_assert_max_num_queries(queries_for_three):
        page = partner_client.get(reverse("hwaas:inventory"))
    assert page.content.decode().count("data-serial=") == 30


# --- Staff steps ---------------------------------------------------------------------------


def open_request(client, **fields) -> HardwareRequest:
    response = submit(client, **fields)
    assert response.status_code == 302, response.context["form"].errors
    return HardwareRequest.objects.latest("pk")


def test_approving_a_replacement_on_a_friday_afternoon_ships_it_by_monday_afternoon(
    partner_client,
    partner,
    agreement,
    agent_client,
    eager_celery,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    line = line_delivered(agreement, date(2026, 10, 1))
    with time_machine.travel(datetime(2026, 11, 20, 16, 0, tzinfo=UTC), tick=False):
        hardware_request = open_request(
            partner_client, kind="replace", line=line.pk, cause="accident", label_readable="yes"
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = step(agent_client, hardware_request, "approved")

    hardware_request.refresh_from_db()
    assert response.status_code == 302
    # Friday 17:00 in Rome plus one working day (nine support hours): Monday 17:00.
    assert hardware_request.ship_by == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    page = agent_client.get(
        reverse("hwaas:staff_request", args=[hardware_request.pk])
    ).content.decode()
    assert 'data-ship-by="2026-11-23T17:00:00+01:00"' in page
    assert Event.objects.filter(ticket=hardware_request.ticket, kind="hwaas_approved").exists()
    (email,) = mailoutbox
    assert email.to == [partner.email]
    assert "ships by Mon 23 Nov 2026, 17:00 CET" in email.body


def test_a_replacement_ships_with_a_new_unit_and_ends_the_old_line_when_it_comes_back(
    partner_client, agreement, agent_client
):
    line = line_delivered(agreement, date(2026, 10, 1))
    hardware_request = open_request(
        partner_client, kind="replace", line=line.pk, cause="defect", label_readable="yes"
    )

    step(agent_client, hardware_request, "approved")
    missing = step(agent_client, hardware_request, "shipped", tracking_number="1Z999")
    assert missing.status_code == 400
    step(agent_client, hardware_request, "shipped", tracking_number="1Z999", serials="NEW-0001")
    step(agent_client, hardware_request, "received")
    step(agent_client, hardware_request, "closed")

    hardware_request.refresh_from_db()
    line.refresh_from_db()
    replacement = LeaseLine.objects.get(replaces=line)
    assert hardware_request.state == "closed"
    assert line.returned_on == TODAY
    assert replacement.device.serial_number == "NEW-0001"
    assert replacement.device.organisation == agreement.lessee
    assert replacement.invoicing_starts_on == line.invoicing_starts_on
    kinds = list(
        Event.objects.filter(ticket=hardware_request.ticket, kind__startswith="hwaas_")
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        "hwaas_requested",
        "hwaas_approved",
        "hwaas_shipped",
        "hwaas_received",
        "hwaas_closed",
    ]


def test_a_step_out_of_order_is_refused_with_a_message(partner_client, agreement, agent_client):
    line = line_delivered(agreement, date(2026, 5, 1))
    hardware_request = open_request(partner_client, kind="reduce", line=line.pk)

    too_early = step(agent_client, hardware_request, "received")
    step(agent_client, hardware_request, "approved")
    never = step(agent_client, hardware_request, "shipped", tracking_number="X")

    assert too_early.status_code == 400
    assert never.status_code == 400
    assert "cannot be" in never.content.decode()
    hardware_request.refresh_from_db()
    assert hardware_request.state == "approved"


def test_refusing_needs_a_reason_that_the_partner_then_reads(
    partner_client, agreement, agent_client
):
    line = line_delivered(agreement, date(2026, 5, 1))
    hardware_request = open_request(partner_client, kind="reduce", line=line.pk)

    assert step(agent_client, hardware_request, "refused").status_code == 400
    step(agent_client, hardware_request, "refused", note="The line is under a promotion.")

    case_page = partner_client.get(
        reverse("tickets:case_detail", args=[hardware_request.ticket_id])
    ).content.decode()
    assert "The line is under a promotion." in case_page


def test_partners_cannot_take_staff_steps(partner_client, agreement):
    line = line_delivered(agreement, date(2026, 5, 1))
    hardware_request = open_request(partner_client, kind="reduce", line=line.pk)

    assert step(partner_client, hardware_request, "approved").status_code == 403
    hardware_request.refresh_from_db()
    assert hardware_request.state == "submitted"


def test_added_devices_are_invoiced_from_fourteen_days_after_the_order(
    partner_client, agreement, agent_client
):
    model = HardwareModelFactory(default_fee=Decimal("6.00"))
    hardware_request = open_request(
        partner_client, kind="add", agreement=agreement.pk, hardware_model=model.pk, quantity=2
    )

    step(agent_client, hardware_request, "approved")
    step(agent_client, hardware_request, "shipped", tracking_number="T1", serials="A-1, A-2")

    lines = LeaseLine.objects.filter(agreement=agreement, hardware_model=model)
    assert [line.invoicing_starts_on for line in lines] == [date(2026, 12, 2)] * 2
    assert {line.device.serial_number for line in lines} == {"A-1", "A-2"}
    assert all(line.fee == Decimal("6.00") for line in lines)


def test_a_return_collects_every_unit_and_ends_the_agreement(
    partner_client, agreement, agent_client
):
    lines = [line_delivered(agreement, date(2026, 1, 10)) for _ in range(2)]
    hardware_request = open_request(partner_client, kind="return", agreement=agreement.pk)

    step(agent_client, hardware_request, "approved")
    step(agent_client, hardware_request, "received")

    agreement.refresh_from_db()
    assert agreement.ends_on == TODAY
    assert all(LeaseLine.objects.get(pk=line.pk).returned_on == TODAY for line in lines)


# --- Purchased devices ---------------------------------------------------------------------


def test_an_rma_for_an_old_extended_warranty_device_in_the_us_asks_for_contract_and_parcel(
    client, policies
):
    organisation = OrganisationFactory(country="US", region="us", tier="platinum")
    purchase = CapexPurchaseFactory(
        device__organisation=organisation, purchased_on=date(2022, 3, 15), extended_warranty=True
    )
    client.force_login(UserFactory(organisation=organisation))

    response = submit(
        client,
        kind="rma",
        purchase=purchase.pk,
        warranty_exclusion="none",
        fault_description="No power.",
    )

    errors = response.context["form"].errors
    assert response.status_code == 400
    assert {"warranty_contract", "proof_of_purchase", "parcel_weight_kg", "parcel_dimensions"} <= (
        set(errors)
    )


def test_no_rma_for_a_device_bought_more_than_five_years_ago(client, policies):
    organisation = OrganisationFactory()
    purchase = CapexPurchaseFactory(
        device__organisation=organisation, purchased_on=date(2021, 11, 17)
    )
    client.force_login(UserFactory(organisation=organisation))

    page = client.post(
        NEW, {"kind": "rma", "purchase": purchase.pk, "warranty_exclusion": "none", "_check": "1"}
    )

    assert page.context["answer"]["decision"].allowed is False


def test_an_operational_purchased_device_moves_to_hwaas_free_when_the_request_closes(
    partner_client, agreement, agent_client
):
    purchase = CapexPurchaseFactory(device__organisation=agreement.lessor)
    hardware_request = open_request(
        partner_client,
        kind="convert",
        purchase=purchase.pk,
        agreement=agreement.pk,
        operational="yes",
    )

    step(agent_client, hardware_request, "approved")
    step(agent_client, hardware_request, "closed")

    purchase.refresh_from_db()
    line = LeaseLine.objects.get(device=purchase.device)
    assert purchase.converted_on == TODAY
    assert line.agreement == agreement
    assert line.delivered_on == TODAY


def test_a_device_that_no_longer_works_cannot_move_to_hwaas(partner_client, agreement):
    purchase = CapexPurchaseFactory(device__organisation=agreement.lessor)

    response = submit(
        partner_client,
        kind="convert",
        purchase=purchase.pk,
        agreement=agreement.pk,
        operational="no",
    )

    assert response.status_code == 400
    assert "purchase" in response.context["form"].errors
    assert not Device.objects.filter(lease_lines__isnull=False, pk=purchase.device_id).exists()
