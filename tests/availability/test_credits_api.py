"""GET /api/availability/credits/: a month's credits for billing, as the CSV export has them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from availability import services
from partners.roles import Role
from tests.availability.factories import SubscriptionFactory
from tests.availability.test_billing_page import NOVEMBER, adjustment_for, make_books
from tests.factories import StaffFactory, UserFactory, api_token

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
        "availability": "98.997",
        "commitment": "99.99",
        "commitment_met": False,
        "payable_percent": 90,
        "monthly_fee": "1000.00",
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


def test_the_schema_documents_the_endpoint(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    operation = response.json()["paths"][URL]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"month", "cursor"}
    assert {"200", "400", "403"} <= set(operation["responses"])
