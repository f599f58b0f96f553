"""Hardware through the REST API, as a partner's integration or a staff tool uses it: the
rules' answer, opening requests, what each caller may see, and what a page of rows costs."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from hwaas.models import HardwareRequest, RequestDocument
from hwaas.views import ANNEX_COLUMNS
from partners.roles import Role
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.hwaas.factories import (
    CapexPurchaseFactory,
    HardwareModelFactory,
    LeaseAgreementFactory,
    LeaseLineFactory,
)
from tickets.models import Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "wednesday")]


DEVICES = "/api/hwaas/devices/"
AGREEMENTS = "/api/hwaas/agreements/"
REQUESTS = "/api/hwaas/requests/"
CHECK = "/api/hwaas/requests/check/"


@pytest.fixture
def api(partner):
    client = APIClient()
    client.force_login(partner)
    return client


@pytest.fixture
def foreign_agreement(policies):
    """Another partner's lease to its own customer."""
    return LeaseAgreementFactory(lessor__name="Baltic Voice OÜ")


@pytest.fixture
def stranger_api(foreign_agreement):
    """Signed in as the other partner, which has nothing to do with ``agreement``."""
    client = APIClient()
    client.force_login(UserFactory(organisation=foreign_agreement.lessor))
    return client


def staff_api(*roles: Role) -> APIClient:
    client = APIClient()
    client.force_login(StaffFactory(roles=list(roles)))
    return client


def line_delivered(agreement, delivered_on, **fields):
    return LeaseLineFactory(agreement=agreement, delivered_on=delivered_on, **fields)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def police_report() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "police-report.pdf", b"%PDF-1.4 theft of a desk phone", "application/pdf"
    )


def nothing_created() -> bool:
    return not Ticket.objects.exists() and not HardwareRequest.objects.exists()


# --- The answer without opening a case -----------------------------------------------------


def test_check_says_a_line_delivered_three_months_ago_may_be_reduced_from_february(api, agreement):
    line = line_delivered(agreement, date(2026, 8, 18))

    response = api.post(CHECK, {"kind": "reduce", "line": line.pk}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["allowed"] is False
    assert body["from_date"] == "2027-02-18"
    assert "18 February 2027" in body["reason"]
    assert nothing_created()


def test_check_without_the_line_is_a_field_error(api, agreement):
    response = api.post(CHECK, {"kind": "reduce"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"line": ["Choose the leased device."]}


# --- Opening a request -----------------------------------------------------------------------


def test_a_reduction_too_early_is_400_under_line_and_opens_no_case(api, agreement):
    line = line_delivered(agreement, date(2026, 8, 18))

    response = api.post(REQUESTS, {"kind": "reduce", "line": line.pk}, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == ["line"]
    assert "18 February 2027" in errors["line"][0]
    assert nothing_created()


def test_a_reduction_after_six_months_opens_a_case(api, partner, agreement):
    line = line_delivered(agreement, date(2026, 5, 18))

    response = api.post(REQUESTS, {"kind": "reduce", "line": line.pk}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    hardware_request = HardwareRequest.objects.get()
    assert body["id"] == hardware_request.pk
    assert body["case"] == hardware_request.ticket.number
    assert body["case_id"] == hardware_request.ticket_id
    assert (body["kind"], body["state"], body["line"]) == ("reduce", "submitted", line.pk)
    assert (body["agreement"], body["hardware_model"]) == (agreement.pk, None)
    assert body["decision"]["allowed"] is True
    assert body["decision"]["from_date"] is None
    assert hardware_request.ticket.requester == partner
    assert hardware_request.ticket.reason.code == "reduce-quantity"


def test_a_replacement_after_a_theft_needs_the_police_report(api, agreement):
    line = line_delivered(agreement, date(2026, 10, 1))

    refused = api.post(
        REQUESTS, {"kind": "replace", "line": line.pk, "cause": "theft"}, format="json"
    )

    assert refused.status_code == 400
    assert "police report" in refused.json()["police_report"][0].lower()
    assert nothing_created()

    accepted = api.post(
        REQUESTS,
        {"kind": "replace", "line": line.pk, "cause": "theft", "police_report": police_report()},
        format="multipart",
    )

    assert accepted.status_code == 201, accepted.content
    body = accepted.json()
    assert (body["kind"], body["cause"], body["state"]) == ("replace", "theft", "submitted")
    assert body["decision"]["documents"] == ["police_report"]
    document = RequestDocument.objects.get()
    assert document.request_id == body["id"]
    assert document.kind == "police_report"
    assert document.attachment.ticket_id == body["case_id"]
    assert document.attachment.original_name == "police-report.pdf"


# --- Isolation -----------------------------------------------------------------------------


def test_a_line_of_another_organisation_is_a_field_error_and_opens_nothing(stranger_api, agreement):
    line = line_delivered(agreement, date(2026, 5, 18))

    response = stranger_api.post(REQUESTS, {"kind": "reduce", "line": line.pk}, format="json")
    check = stranger_api.post(CHECK, {"kind": "reduce", "line": line.pk}, format="json")

    assert response.status_code == 400
    assert response.json() == {"line": [f"No line with id {line.pk} that you may use."]}
    assert check.status_code == 400
    assert list(check.json()) == ["line"]
    assert nothing_created()


def test_another_organisation_s_device_agreement_and_request_are_404(api, stranger_api, agreement):
    line = line_delivered(agreement, date(2026, 5, 18))
    created = api.post(REQUESTS, {"kind": "reduce", "line": line.pk}, format="json")
    assert created.status_code == 201, created.content
    request_id = created.json()["id"]
    missing_id = 2**31 - 1

    for collection, pk in (
        (DEVICES, line.device_id),
        (AGREEMENTS, agreement.pk),
        (REQUESTS, request_id),
    ):
        foreign = stranger_api.get(f"{collection}{pk}/")
        missing = stranger_api.get(f"{collection}{missing_id}/")
        assert foreign.status_code == 404, collection
        assert foreign.json() == missing.json(), collection
        assert api.get(f"{collection}{pk}/").json()["id"] == pk


def test_the_lists_of_a_stranger_hold_only_its_own(api, stranger_api, agreement, foreign_agreement):
    line = line_delivered(agreement, date(2026, 5, 18))
    foreign_line = line_delivered(foreign_agreement, date(2026, 5, 18))
    assert api.post(REQUESTS, {"kind": "reduce", "line": line.pk}, format="json").status_code == 201

    assert ids(stranger_api.get(DEVICES)) == {foreign_line.device_id}
    assert ids(stranger_api.get(AGREEMENTS)) == {foreign_agreement.pk}
    assert ids(stranger_api.get(REQUESTS)) == set()
    assert ids(api.get(DEVICES)) == {line.device_id}
    assert ids(api.get(AGREEMENTS)) == {agreement.pk}


# --- Staff and other callers -----------------------------------------------------------------


def test_staff_who_work_cases_see_every_organisation_s_hardware(api, agreement, foreign_agreement):
    line = line_delivered(agreement, date(2026, 5, 18))
    foreign_line = line_delivered(foreign_agreement, date(2026, 5, 18))
    purchase = CapexPurchaseFactory(device__organisation=OrganisationFactory())
    created = api.post(REQUESTS, {"kind": "reduce", "line": line.pk}, format="json").json()
    agent = staff_api(Role.AGENT)

    assert ids(agent.get(DEVICES)) == {line.device_id, foreign_line.device_id, purchase.device_id}
    assert ids(agent.get(AGREEMENTS)) == {agreement.pk, foreign_agreement.pk}
    assert ids(agent.get(REQUESTS)) == {created["id"]}
    assert agent.get(f"{AGREEMENTS}{foreign_agreement.pk}/").status_code == 200


def test_staff_cannot_open_or_check_a_request(agreement):
    line = line_delivered(agreement, date(2026, 5, 18))
    agent = staff_api(Role.AGENT)

    response = agent.post(REQUESTS, {"kind": "reduce", "line": line.pk}, format="json")
    check = agent.post(CHECK, {"kind": "reduce", "line": line.pk}, format="json")

    assert response.status_code == 403
    assert "partner" in response.json()["detail"]
    assert check.status_code == 403
    assert nothing_created()


@pytest.mark.parametrize("url", [DEVICES, AGREEMENTS, REQUESTS])
def test_billing_staff_may_not_list_hardware(policies, url):
    response = staff_api(Role.BILLING).get(url)

    assert response.status_code == 403


@pytest.mark.parametrize("url", [DEVICES, AGREEMENTS, REQUESTS])
def test_anonymous_callers_are_401(db, url):
    response = APIClient().get(url)

    assert response.status_code == 401
    assert response.has_header("WWW-Authenticate")


def test_anonymous_check_and_post_are_401(agreement):
    line = line_delivered(agreement, date(2026, 5, 18))

    for url in (CHECK, REQUESTS):
        response = APIClient().post(url, {"kind": "reduce", "line": line.pk}, format="json")
        assert response.status_code == 401, url
    assert nothing_created()


# --- Agreements and devices ----------------------------------------------------------------


def test_an_agreement_shows_its_annex_a_lines(api, agreement):
    first = line_delivered(agreement, date(2026, 5, 18), fee=Decimal("8.00"))
    # 31 August plus six months is the last day of February.
    second = line_delivered(agreement, date(2026, 8, 31), fee=Decimal("12.50"))

    response = api.get(f"{AGREEMENTS}{agreement.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["lessor"]) == (agreement.number, "Alpine Unified Comms GmbH")
    lines = {line["id"]: line for line in body["lines"]}
    assert set(lines) == {first.pk, second.pk}
    assert lines[first.pk]["serial_number"] == first.device.serial_number
    assert lines[first.pk]["fee"] == "8.00"
    assert lines[first.pk]["change_possible_from"] == "2026-11-18"
    assert lines[second.pk]["serial_number"] == second.device.serial_number
    assert lines[second.pk]["fee"] == "12.50"
    assert lines[second.pk]["change_possible_from"] == "2027-02-28"


def test_a_device_is_found_by_part_of_its_serial(api, agreement):
    wanted = line_delivered(agreement, date(2026, 5, 18), device__serial_number="WX-7741-ABCD")
    other = line_delivered(agreement, date(2026, 5, 18), device__serial_number="WX-1200-EFGH")

    response = api.get(DEVICES, {"q": "7741"})

    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [wanted.device_id]
    assert rows[0]["serial_number"] == "WX-7741-ABCD"
    assert rows[0]["holding"] == "leased"
    assert rows[0]["lease"]["agreement"] == agreement.number
    assert rows[0]["purchase"] is None
    assert other.device_id in ids(api.get(DEVICES))


def test_a_purchased_device_shows_its_warranty(api, partner):
    purchase = CapexPurchaseFactory(
        device__organisation=partner.organisation, purchased_on=date(2026, 6, 1)
    )
    expired = CapexPurchaseFactory(
        device__organisation=partner.organisation, purchased_on=date(2025, 6, 1)
    )

    rows = {row["id"]: row for row in api.get(DEVICES).json()["results"]}

    bought = rows[purchase.device_id]
    assert bought["holding"] == "owned"
    assert bought["lease"] is None
    assert bought["purchase"]["id"] == purchase.pk
    assert bought["purchase"]["purchased_on"] == "2026-06-01"
    assert bought["purchase"]["under_warranty"] is True
    assert bought["purchase"]["warranty_until"] == "2027-05-31"
    assert rows[expired.device_id]["purchase"]["under_warranty"] is False
    assert rows[expired.device_id]["purchase"]["warranty_until"] == "2026-05-31"


# --- What a page costs ---------------------------------------------------------------------


def add_devices(agreement, count: int) -> None:
    """Leased and purchased devices, about half of each."""
    for number in range(count):
        if number % 2:
            CapexPurchaseFactory(device__organisation=agreement.lessor)
        else:
            line_delivered(agreement, date(2026, 5, 18))


def open_requests(api, agreement, count: int) -> None:
    """Reductions, additions and replacements, so every related row a row shows is used."""
    model = HardwareModelFactory(code="desk-x9")
    for number in range(count):
        line = line_delivered(agreement, date(2026, 5, 18))
        fields = [
            {"kind": "reduce", "line": line.pk},
            {"kind": "add", "agreement": agreement.pk, "hardware_model": model.code},
            {"kind": "replace", "line": line.pk, "cause": "defect", "label_readable": True},
        ][number % 3]
        response = api.post(REQUESTS, fields, format="json")
        assert response.status_code == 201, response.content


def test_the_device_list_costs_the_same_queries_for_three_rows_or_thirty(
    api, agreement, django_assert_max_num_queries
):
    add_devices(agreement, 3)
    with django_assert_max_num_queries(10) as few:
        assert len(api.get(DEVICES).json()["results"]) == 3
    budget = len(few)

    add_devices(agreement, 27)
    with django_assert_max_num_queries(budget):
        response = api.get(DEVICES)
    rows = response.json()["results"]
    assert len(rows) == 30
    assert {row["holding"] for row in rows} == {"leased", "owned"}


def test_the_request_list_costs_the_same_queries_for_three_rows_or_thirty(
    api, agreement, django_assert_max_num_queries
):
    open_requests(api, agreement, 3)
    with django_assert_max_num_queries(10) as few:
        assert len(api.get(REQUESTS).json()["results"]) == 3
    # Counted now: each request the client makes below clears the connection's query log.
    budget = len(few)

    open_requests(api, agreement, 27)
    with django_assert_max_num_queries(budget):
        response = api.get(REQUESTS)
    rows = response.json()["results"]
    assert len(rows) == 30
    assert {row["kind"] for row in rows} == {"reduce", "add", "replace"}
    assert {row["hardware_model"] for row in rows if row["kind"] == "add"} == {"desk-x9"}
    assert all(row["case"] for row in rows)


# --- Annex A as CSV ------------------------------------------------------------------------


def test_annex_a_csv_has_the_columns_and_one_row_per_line(client, partner, agreement):
    lines = [
        line_delivered(agreement, date(2026, 5, 18), fee=Decimal("8.00")),
        line_delivered(agreement, date(2026, 6, 2), fee=Decimal("15.25")),
    ]
    client.force_login(partner)

    response = client.get(reverse("hwaas:annex_csv", args=[agreement.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"annex-a-{agreement.number}.csv" in response["Content-Disposition"]
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == list(ANNEX_COLUMNS)
    assert len(rows) == len(lines)
    by_serial = {row[ANNEX_COLUMNS.index("serial_number")]: row for row in rows}
    assert set(by_serial) == {line.device.serial_number for line in lines}
    for line in lines:
        row = dict(zip(ANNEX_COLUMNS, by_serial[line.device.serial_number], strict=True))
        assert row["agreement"] == agreement.number
        assert row["fee"] == str(line.fee)
        assert row["delivered_on"] == line.delivered_on.isoformat()
        assert row["returned_on"] == ""
