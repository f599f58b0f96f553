"""GET /api/availability/credits/: a month's credits for billing, as the CSV export has them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from availability import services
from partners.roles import Role
from tests.availability.factories import SubscriptionFactory
from tests.availability.test_billing_page import (
    NOVEMBER,
    adjustment_for,
    late_starter,
    make_books,
)
from tests.factories import StaffFactory, UserFactory, api_token
from tests.tickets.test_api import NOT_PAGE_SIZES

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(policies):
    return make_books()


@pytest.fixture
def billing_user(policies):
    return StaffFactory(roles=[Role.BILLING])


URL = "/api/availability/credits/"


@pytest.fixture
def api(billing_user):
    client = APIClient()
    client.force_authenticate(billing_user)
    return client


def test_lists_the_months_credits_with_the_export_fields(api, books):
    response = api.get(URL, {"month": "2026-11"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["subscription_reference"] for row in results] == [
        "SUB-ACME",
        "SUB-BOLT",
        "SUB-CALM",
    ]
    acme = results[0]
    assert acme == {
        "id": acme["id"],
        "month": "2026-11",
        "organisation": "Acme Spa",
        "organisation_id": books["acme"].organisation_id,
        "tax_id": "IT01234567890",
        "subscription": books["acme"].pk,
        "subscription_reference": "SUB-ACME",
        "services": ["UC Cloud EU"],
        "active_from": "2026-11-01",
        "active_until": "2026-11-30",
        "availability": "98.997",
        "commitment": "99.99",
        "commitment_met": False,
        "payable_percent": 90,
        "monthly_fee": "1000.00",
        "prorated_fee": "1000.00",
        "credit": "100.00",
        "currency": "EUR",
        "state": "draft",
        "invoice_number": "",
        "policy": "2026-03",
        "incidents": [{"id": books["outage"].pk, "title": "Cloud EU database failover"}],
        "adjusts_month": None,
    }


def test_filters_and_adjustment_lines(api, books, billing_user):
    adjustment_for(books["acme"], books["cloud"], billing_user)
    results = api.get(URL, {"month": "2026-12"}).json()["results"]
    assert [(row["subscription_reference"], row["adjusts_month"]) for row in results] == [
        ("SUB-ACME", "2026-11")
    ]
    results = api.get(URL, {"month": "2026-11", "state": "applied"}).json()["results"]
    assert [(row["subscription_reference"], row["invoice_number"]) for row in results] == [
        ("SUB-ACME", "INV-2026-0042")
    ]


@pytest.mark.parametrize("month", ["", "2026-13", "November", "2026-1", "1999-12"])
def test_a_missing_or_bad_month_is_a_400_with_a_field_error(api, books, month):
    response = api.get(URL, {"month": month} if month else {})
    assert response.status_code == 400
    assert list(response.json()) == ["month"]


def test_token_authentication(books, billing_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(billing_user)}")
    assert client.get(URL, {"month": "2026-11"}).status_code == 200


@pytest.mark.parametrize(
    "make_user",
    [lambda: UserFactory(), lambda: StaffFactory(roles=[Role.AGENT])],
)
def test_non_billing_users_get_403(books, make_user):
    client = APIClient()
    client.force_authenticate(make_user())
    assert client.get(URL, {"month": "2026-11"}).status_code == 403


def test_anonymous_gets_401():
    assert APIClient().get(URL, {"month": "2026-11"}).status_code == 401


def test_pages_by_cursor_with_flat_query_counts(api, books):
    def queries(**params) -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as captured:
            response = api.get(URL, {"month": "2026-11", **params})
        assert response.status_code == 200
        return len(captured), response.json()

    queries()  # the user's roles are read once per user object
    few, _ = queries()
    for number in range(30):
        SubscriptionFactory(services=[books["cloud"]], reference=f"SUB-Z{number:03d}")
    services.credits_compute(month=NOVEMBER)
    many, body = queries()
    assert many == few
    assert len(body["results"]) == 33
    assert body["next"] is None

    first = api.get(URL, {"month": "2026-11", "page_size": 20}).json()
    second = api.get(first["next"]).json()
    assert len(first["results"]) == 20
    assert len(second["results"]) == 13
    assert not {row["id"] for row in first["results"]} & {row["id"] for row in second["results"]}
    assert {row["month"] for row in second["results"]} == {"2026-11"}


@pytest.mark.parametrize("size", ["0", "-1", "501", *NOT_PAGE_SIZES])
def test_a_bad_page_size_is_a_400_naming_it(api, books, size):
    response = api.get(URL, {"month": "2026-11", "page_size": size})

    assert response.status_code == 400
    assert response.json() == {"page_size": ["Give a whole number from 1 to 500."]}


def test_page_sizes_up_to_500_are_taken(api, books):
    one = api.get(URL, {"month": "2026-11", "page_size": "1"}).json()
    most = api.get(URL, {"month": "2026-11", "page_size": "500"}).json()

    assert len(one["results"]) == 1
    assert len(most["results"]) == 3


def test_the_schema_documents_the_endpoint(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    operation = response.json()["paths"][URL]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"month", "cursor"}
    assert {"200", "400", "403"} <= set(operation["responses"])


def test_a_partly_active_subscription_gives_its_active_days_and_prorated_fee(api, books):
    late_starter(books)
    results = api.get(URL, {"month": "2026-11"}).json()["results"]
    dune = next(row for row in results if row["subscription_reference"] == "SUB-DUNE")
    assert (dune["active_from"], dune["active_until"]) == ("2026-11-20", "2026-11-30")
    assert (dune["monthly_fee"], dune["prorated_fee"], dune["credit"]) == (
        "1000.00",
        "366.67",
        "0.00",
    )
    assert (dune["availability"], dune["incidents"]) == ("100.000", [])
