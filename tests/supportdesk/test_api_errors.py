"""Under /api/ every error is JSON in the API's shape, ``{"detail": "…"}``, even the ones no
API view answers: an address no route matches, a request Django refuses before routing it,
a crash. A body nested without end is refused as unreadable, not a server error."""

import json

import pytest
from django.test import Client, RequestFactory
from rest_framework.parsers import JSONParser as DrfJSONParser
from rest_framework.test import APIClient
from rest_framework.views import APIView

from core.api import handlers
from core.api.parsers import MAX_DEPTH, JSONParser, nesting_depth
from supportdesk import unavailable
from supportdesk.urls import api_patterns
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/auth/token/"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def assert_api_error(response, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    detail = json.loads(response.content)["detail"]
    assert isinstance(detail, str)
    return detail


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_a_body_nested_without_end_is_refused_even_before_signing_in(depth):
    response = Client().post(TOKEN_URL, nested(depth), content_type="application/json")

    assert "nested deeper than" in assert_api_error(response, 400)


def test_an_object_nested_too_deep_inside_a_field_is_refused_too(policies):
    user = UserFactory()
    api = APIClient()
    api.force_authenticate(user)
    body = '{"subject": "Phones down", "description": ' + nested(MAX_DEPTH) + "}"

    response = api.post("/api/tickets/", body, content_type="application/json")

    assert "nested deeper than" in assert_api_error(response, 400)


def test_a_body_nested_as_deep_as_allowed_is_read():
    response = Client().post(TOKEN_URL, nested(MAX_DEPTH), content_type="application/json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json() or "email" in response.json()


def test_nesting_depth_counts_arrays_and_objects_without_recursing():
    assert nesting_depth("text") == 0
    assert nesting_depth({"a": [1, {"b": []}]}) == 4
    deep: list = []
    for _ in range(10_000):
        deep = [deep]
    assert nesting_depth(deep, limit=5) == 6  # stops counting past the limit


def test_an_unknown_api_address_is_a_json_404():
    assert assert_api_error(Client().get("/api/no-such-thing/"), 404) == handlers.NOT_FOUND


def test_an_unknown_page_is_still_the_html_404():
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_request_django_refuses_before_routing_is_a_json_400(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"field{n}=1" for n in range(20))

    response = Client().post(TOKEN_URL, body, content_type="application/x-www-form-urlencoded")

    assert assert_api_error(response, 400) == handlers.BAD_REQUEST


def test_a_crash_under_api_is_a_json_500_and_a_page_elsewhere():
    factory = RequestFactory()
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        api = unavailable.server_error(factory.get("/api/tickets/"))
        page = unavailable.server_error(factory.get("/tickets/"))

    assert assert_api_error(api, 500) == handlers.SERVER_ERROR
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


def test_every_api_view_reads_json_with_the_depth_limit():
    """A view that names its own parsers must name this one."""

    def views(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns)
            else:
                yield getattr(pattern.callback, "cls", None)

    for view in views(api_patterns):
        if view is None or not issubclass(view, APIView):
            continue
        for parser in view().get_parsers():
            if isinstance(parser, DrfJSONParser):
                assert isinstance(parser, JSONParser), view
