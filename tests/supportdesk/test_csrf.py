"""Every route that takes a POST (or PUT, PATCH, DELETE) from a signed-in browser refuses
one without a CSRF token. The routes come from the URL conf through the access matrix, as
a user the matrix allows there."""

import pytest
from django.test import Client

from tests.supportdesk import access_matrix as matrix
from tests.supportdesk.world import ANONYMOUS, PARTNER, world_fixture

pytestmark = pytest.mark.django_db

# Exchanges a password for a token: it reads no session, so there is nothing a forged
# cross-site request could borrow.
NO_SESSION = {
    "api/auth/token/",
    # One-click unsubscribe (RFC 8058): mail programs post to the signed link without a
    # token of ours; the signature in the address is the authority, not a session.
    "status/unsubscribe/<str:token>/",
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from world_fixture(django_db_blocker)


def allowed_role(rule: matrix.Rule) -> str | None:
    """Someone the route is for: the first role the matrix lets POST there."""
    return next(
        (role for role in rule.probe if rule.expected(role, method="POST") == matrix.OK), None
    )


def browser_for(world, role: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    return client


def test_every_unsafe_request_without_a_token_is_refused(world):
    browsers: dict[str, Client] = {}
    checked, failures = 0, []
    for route in matrix.routes():
        role = allowed_role(route.rule)
        if route.pattern in NO_SESSION or role is None:
            continue
        browser = browsers.get(role) or browsers.setdefault(role, browser_for(world, role))
        url = matrix.url_for(route, world)
        for method in route.accepts_unsafe_methods:
            response = getattr(browser, method)(url, {})
            checked += 1
            if response.status_code != 403 or b"CSRF" not in response.content:
                failures.append(f"{method.upper()} {url} as {role}: {response.status_code}")
    assert not failures, "accepted without a CSRF token:\n" + "\n".join(failures)
    # Every page and API route that takes a write from a browser, and the admin site.
    assert checked > 300


def test_a_post_with_the_token_gets_through(world):
    """The same browser passes the check when it sends the token, so a 403 above is the
    CSRF check's and not something else's."""
    browser = browser_for(world, PARTNER)
    browser.get("/profile/")
    token = browser.cookies["csrftoken"].value
    page = browser.post("/profile/", {"csrfmiddlewaretoken": token, "full_name": "A. Partner"})
    assert page.status_code == 302
    ticket = world.objects["ticket"]
    api = browser.post(
        f"/api/tickets/{ticket.pk}/messages/",
        {"body": "Still dropping."},
        HTTP_X_CSRFTOKEN=token,
    )
    assert api.status_code == 201, api.content
