"""The REST API's account endpoints, schema and docs, through HTTP as a client uses them."""

import json
import re
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from partners.api import MeSerializer
from partners.roles import GROUP_NAMES, Role
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.partners.pages import Page

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
TOKEN_URL = "/api/auth/token/"
ME_URL = "/api/me/"


@pytest.fixture
def api():
    return APIClient()


def obtain_token(api, email: str, password: str = PASSWORD) -> str:
    response = api.post(TOKEN_URL, {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_token_for_email_and_password(api):
    user = UserFactory(password=PASSWORD)

    response = api.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "id", "name", "starts_with", "created", "expiry"}
    assert isinstance(body["token"], str)
    assert len(body["token"]) >= 20
    assert body["starts_with"] == body["token"][:8]


def test_each_request_gives_a_new_token_and_each_works(api):
    """Only a hash of a token is kept, so the same one cannot be handed out twice."""
    user = UserFactory(password=PASSWORD)

    first, second = obtain_token(api, user.email), obtain_token(api, user.email)

    assert first != second
    for token in (first, second):
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get(ME_URL).json()["email"] == user.email


def test_token_accepts_form_encoded_body_and_email_in_capitals(api):
    user = UserFactory(email="anna.weber@example.test", password=PASSWORD)

    response = api.post(TOKEN_URL, {"email": "Anna.Weber@EXAMPLE.test", "password": PASSWORD})

    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get(ME_URL).json()["email"] == user.email


def test_token_wrong_password_is_400_with_non_field_errors(api):
    user = UserFactory(password=PASSWORD)

    response = api.post(TOKEN_URL, {"email": user.email, "password": "wrong"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["non_field_errors"]
    assert all(isinstance(message, str) and message for message in body["non_field_errors"])
    assert "token" not in body


def test_token_for_inactive_user_is_refused(api):
    user = UserFactory(password=PASSWORD, is_active=False)

    response = api.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"email", "password"}),
        ({"email": "someone@example.test"}, {"password"}),
        ({"password": PASSWORD}, {"email"}),
        ({"email": "not-an-email", "password": PASSWORD}, {"email"}),
    ],
)
def test_token_missing_or_bad_fields_are_400_with_field_errors(api, payload, fields):
    response = api.post(TOKEN_URL, payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert set(body) == fields
    for field in fields:
        assert body[field]
        assert all(isinstance(m, str) for m in body[field])


def test_token_guessing_is_locked_out_like_the_login_page(api, settings):
    user = UserFactory(password=PASSWORD)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        api.post(TOKEN_URL, {"email": user.email, "password": f"guess {attempt}"}, format="json")

    response = api.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

    assert response.status_code != 200
    assert "token" not in response.json()


def test_token_endpoint_refuses_get(api):
    assert api.get(TOKEN_URL).status_code == 405


# --- /api/me/ ---------------------------------------------------------------------------------


def test_me_for_a_partner(api):
    organisation = OrganisationFactory(
        name="Alpine Unified Comms GmbH", tier="gold", region="eu", country="DE"
    )
    user = UserFactory(organisation=organisation, full_name="Anna Weber", password=PASSWORD)
    api.credentials(HTTP_AUTHORIZATION=f"Token {obtain_token(api, user.email)}")

    response = api.get(ME_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == user.email
    assert body["full_name"] == "Anna Weber"
    assert body["role"] == "partner"
    assert body["roles"] == ["partner"]
    assert body["time_zone"] == "Europe/Berlin"  # the organisation's country's
    organisation_body = body["organisation"]
    assert organisation_body["id"] == organisation.pk
    assert organisation_body["name"] == "Alpine Unified Comms GmbH"
    assert organisation_body["tier"] == "gold"
    assert organisation_body["region"] == "eu"
    assert organisation_body["country"] == "DE"


def test_me_time_zone_follows_a_us_organisation(api):
    user = UserFactory(
        organisation=OrganisationFactory(region="us", country="US"), password=PASSWORD
    )
    api.credentials(HTTP_AUTHORIZATION=f"Token {obtain_token(api, user.email)}")

    assert api.get(ME_URL).json()["time_zone"] == "America/New_York"


def test_me_time_zone_is_the_users_own_when_set(api):
    user = UserFactory(time_zone="Asia/Tokyo", password=PASSWORD)
    api.credentials(HTTP_AUTHORIZATION=f"Token {obtain_token(api, user.email)}")

    assert api.get(ME_URL).json()["time_zone"] == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("role", "value"),
    [(Role.AGENT, "agent"), (Role.NOC, "noc"), (Role.BILLING, "billing"), (Role.ADMIN, "admin")],
)
def test_me_for_staff(api, role, value):
    user = StaffFactory(roles=[role], password=PASSWORD, time_zone="Europe/Rome")
    api.credentials(HTTP_AUTHORIZATION=f"Token {obtain_token(api, user.email)}")

    body = api.get(ME_URL).json()

    assert body["role"] == value
    assert body["roles"] == [value]
    assert body["organisation"] is None
    assert body["time_zone"] == "Europe/Rome"


def test_me_lists_every_role_of_a_staff_member_with_several(api):
    user = StaffFactory(roles=[Role.NOC, Role.AGENT], password=PASSWORD)
    api.credentials(HTTP_AUTHORIZATION=f"Token {obtain_token(api, user.email)}")

    body = api.get(ME_URL).json()

    assert sorted(body["roles"]) == ["agent", "noc"]
    assert body["role"] in body["roles"]


def test_me_with_a_session(client):
    user = UserFactory()
    client.force_login(user)

    response = client.get(ME_URL, HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_me_without_credentials_is_refused(api):
    response = api.get(ME_URL)

    assert response.status_code in (401, 403)
    assert "email" not in response.json()


def test_me_with_a_bad_token_is_refused(api):
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert api.get(ME_URL).status_code in (401, 403)


def test_token_of_a_deactivated_user_stops_working(api):
    user = UserFactory(password=PASSWORD)
    api.credentials(HTTP_AUTHORIZATION=f"Token {obtain_token(api, user.email)}")
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert api.get(ME_URL).status_code in (401, 403)


@pytest.mark.parametrize("kind", ["partner", "staff with two roles"])
def test_me_is_one_query_with_a_token_or_a_session(api, client, kind, django_assert_num_queries):
    """The user, their organisation and their groups are read together, the session comes
    from the cache, and knox's reading of the user's other tokens is not paid for."""
    if kind == "partner":
        user = UserFactory(password=PASSWORD)
    else:
        user = StaffFactory(roles=[Role.AGENT, Role.LEAD], password=PASSWORD)
    api.credentials(HTTP_AUTHORIZATION=f"Token {obtain_token(api, user.email)}")
    client.force_login(user)
    client.get(ME_URL)  # the first request after signing in caches the session

    with django_assert_num_queries(1):
        by_token = api.get(ME_URL)
    with django_assert_num_queries(1):
        by_session = client.get(ME_URL)

    assert by_token.status_code == by_session.status_code == 200
    assert by_token.json() == by_session.json()
    expected = ["partner"] if kind == "partner" else ["agent", "lead"]
    assert by_token.json()["roles"] == expected


def test_a_role_granted_counts_from_the_next_request(api):
    user = StaffFactory(roles=[Role.AGENT], password=PASSWORD)
    api.credentials(HTTP_AUTHORIZATION=f"Token {obtain_token(api, user.email)}")
    assert api.get(ME_URL).json()["roles"] == ["agent"]

    user.groups.add(Group.objects.get(name=GROUP_NAMES[Role.NOC]))

    assert api.get(ME_URL).json()["roles"] == ["agent", "noc"]


@pytest.mark.parametrize(
    "make",
    [
        lambda: UserFactory(organisation=OrganisationFactory(tier="gold", country="DE")),
        lambda: StaffFactory(roles=[Role.NOC, Role.AGENT], time_zone="Asia/Tokyo"),
        lambda: StaffFactory(roles=[], is_superuser=True),
    ],
    ids=["partner", "staff", "superuser"],
)
def test_the_me_answer_is_what_its_schema_serializer_gives(api, make):
    user = make()
    api.force_authenticate(user)

    assert api.get(ME_URL).json() == json.loads(json.dumps(MeSerializer(user).data))


# --- Schema and docs --------------------------------------------------------------------------


def test_schema_is_an_openapi_document_with_the_account_paths(api):
    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/me/" in schema["paths"]
    assert "get" in schema["paths"]["/api/me/"]
    assert "/api/auth/token/" in schema["paths"]
    assert "post" in schema["paths"]["/api/auth/token/"]


def test_schema_default_format_is_served_too(api):
    response = api.get("/api/schema/")

    assert response.status_code == 200
    assert b"/api/me/" in response.content
    assert b"/api/auth/token/" in response.content


def test_docs_render_with_local_assets_only(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = Page(response)
    references = [e.attrs.get("src", "") for e in page.find_all("script")] + [
        e.attrs.get("href", "") for e in page.find_all("link")
    ]
    assert any(ref for ref in references), "the docs page loads no assets at all"
    for reference in references:
        host = urlparse(reference).netloc
        assert not host or host == "testserver", reference
        assert not re.match(r"(https?:)?//", reference), reference
    # The page's own script is a file too (the Content Security Policy allows no inline
    # script); it points Swagger UI at the schema.
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()
