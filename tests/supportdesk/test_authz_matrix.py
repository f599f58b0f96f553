"""Every route of the URL conf, asked by every role: exactly the access the matrix in
``access_matrix.py`` declares. All mismatches are reported together."""

import pytest
from django.test import Client

from tests.supportdesk import access_matrix as matrix
from tests.supportdesk.world import ANONYMOUS, ROLES, world_fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from world_fixture(django_db_blocker)


@pytest.fixture
def clients(world):
    signed_in = {}
    for role in ROLES:
        client = Client()
        if role != ANONYMOUS:
            client.force_login(world.users[role])
        signed_in[role] = client
    return signed_in


def outcome(response) -> str:
    """The matrix's name for what a response did."""
    status = response.status_code
    location = response.get("Location", "")
    if 300 <= status < 400:
        if location.startswith("/accounts/login/"):
            return matrix.LOGIN
        if location.startswith("/admin/login/"):
            return matrix.ADMIN_LOGIN
        return matrix.REDIRECT
    if 200 <= status < 300:
        return matrix.OK
    return str(status)


def matches(expected: str, actual: str) -> bool:
    # An allowed route may answer with a redirect to somewhere that is not a login page.
    return actual == expected or (expected == matrix.OK and actual == matrix.REDIRECT)


def test_the_matrix_lists_every_route_of_the_url_conf_and_nothing_else():
    patterns = {pattern for pattern, _ in matrix.url_patterns()}
    outside_admin = {pattern for pattern in patterns if not pattern.startswith("admin/")}
    assert sorted(outside_admin - matrix.ROUTES.keys()) == [], "routes the matrix lacks"
    assert sorted(matrix.ROUTES.keys() - outside_admin) == [], "matrix rows with no route"
    assert matrix.registered_admin_models() == matrix.ADMIN_MODELS


def test_every_role_gets_exactly_its_access_to_every_route(world, clients):
    mismatches = []
    for route in matrix.routes():
        url = matrix.url_for(route, world)
        for role in route.rule.probe:
            expected = route.rule.expected(role)
            response = clients[role].get(url)
            actual = outcome(response)
            if not matches(expected, actual):
                mismatches.append(f"GET {url} as {role}: expected {expected}, got {actual}")
    report(mismatches)


def test_roles_refused_a_route_are_refused_on_post_too(world, clients):
    """POST, with a valid CSRF token so the refusal is the access rule's, from every role
    the matrix refuses. Nothing is posted as an allowed role, so nothing changes."""
    mismatches = []
    for route in matrix.routes():
        url = matrix.url_for(route, world)
        for role in route.rule.probe:
            expected = route.rule.expected(role, method="POST")
            if expected not in matrix.REFUSALS:
                continue
            actual = outcome(clients[role].post(url, {}))
            # A view that takes only GET refuses any POST with 405 before anything else.
            if actual not in (expected, matrix.S405):
                mismatches.append(f"POST {url} as {role}: expected {expected}, got {actual}")
    report(mismatches)


def report(mismatches: list[str]) -> None:
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)
