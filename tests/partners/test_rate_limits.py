"""Limits that a client cannot dodge by sending a different ``X-Forwarded-For`` each time:
the token endpoint's rate limit, the login and token lockout, and password-reset requests,
through HTTP as a client sends them (directly, and behind one trusted proxy)."""

import itertools
from collections.abc import Iterator

import pytest
from django.test import Client, TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.partners.pages import Page

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
TOKEN_URL = "/api/auth/token/"
PROXY = "10.0.0.2"  # the reverse proxy in front of the desk, as the desk sees it
ATTACKER, OWNER = "203.0.113.7", "198.51.100.20"


def spoofed() -> Iterator[str]:
    """A new made-up address for every request."""
    return (f"192.0.2.{n % 250 + 1}, 100.64.{n // 250}.{n % 250}" for n in itertools.count())


def via_proxy(made_up: Iterator[str]) -> str:
    """The attacker's ``X-Forwarded-For`` as the proxy passes it on: what it made up, then
    the address the proxy heard it from."""
    return f"{next(made_up)}, {ATTACKER}"


@pytest.fixture
def auth_rate(settings):
    """The token endpoint allows three requests a minute per client."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": "3/min"},
    }
    return 3


def ask_token(api, email: str, *, forwarded: str | None = None, password: str = "wrong"):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return api.post(TOKEN_URL, {"email": email, "password": password}, format="json", **headers)


# --- The token endpoint's rate limit --------------------------------------------------------


def test_token_rate_limit_ignores_x_forwarded_for_without_a_trusted_proxy(auth_rate):
    api, made_up = APIClient(REMOTE_ADDR=ATTACKER), spoofed()
    for n in range(auth_rate):
        assert ask_token(api, f"guess{n}@example.test", forwarded=next(made_up)).status_code == 400

    response = ask_token(api, "guess@example.test", forwarded=next(made_up))

    assert response.status_code == 429
    assert "detail" in response.json()
    assert int(response["Retry-After"]) > 0


def test_token_rate_limit_behind_a_proxy_counts_the_address_the_proxy_saw(settings, auth_rate):
    """The proxy appends the address it received the request from; whatever the client
    wrote before that is its own invention."""
    settings.PROXY_COUNT = 1
    api, made_up = APIClient(REMOTE_ADDR=PROXY), spoofed()
    for n in range(auth_rate):
        response = ask_token(api, f"guess{n}@example.test", forwarded=via_proxy(made_up))
        assert response.status_code == 400

    assert ask_token(api, "x@example.test", forwarded=via_proxy(made_up)).status_code == 429
    # Someone else behind the same proxy is counted apart.
    assert ask_token(api, "x@example.test", forwarded=OWNER).status_code == 400


def test_token_rate_limit_treats_a_whole_ipv6_network_as_one_client(auth_rate):
    """An IPv6 client usually holds a whole /64: each of its addresses is the same client."""
    api = APIClient()
    for n in range(auth_rate):
        api.defaults["REMOTE_ADDR"] = f"2001:db8:5:6::{n + 1:x}"
        assert ask_token(api, f"guess{n}@example.test").status_code == 400

    api.defaults["REMOTE_ADDR"] = "2001:db8:5:6:ffff:1:2:3"
    assert ask_token(api, "guess@example.test").status_code == 429
    api.defaults["REMOTE_ADDR"] = "2001:db8:5:7::1"
    assert ask_token(api, "guess@example.test").status_code == 400


# --- Login and token lockout ----------------------------------------------------------------


def log_in(client, email: str, password: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client.post(reverse("login"), {"username": email, "password": password}, **headers)


def test_lockout_ignores_x_forwarded_for_without_a_trusted_proxy(settings):
    user = UserFactory(password=PASSWORD)
    client, made_up = Client(REMOTE_ADDR=ATTACKER), spoofed()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, user.email, f"guess {attempt}", forwarded=next(made_up))

    assert log_in(client, user.email, PASSWORD, forwarded=next(made_up)).status_code == 429


def test_lockout_behind_a_proxy_is_of_the_client_the_proxy_saw(settings, policies):
    """Behind a proxy every request comes from the proxy's address: the lockout must still
    be of the attacker's address only, and the attacker cannot leave it by inventing
    addresses in front of its own."""
    settings.PROXY_COUNT = 1
    user = UserFactory(password=PASSWORD)
    attacker, owner, made_up = Client(REMOTE_ADDR=PROXY), Client(REMOTE_ADDR=PROXY), spoofed()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(attacker, user.email, f"guess {attempt}", forwarded=via_proxy(made_up))

    assert log_in(attacker, user.email, PASSWORD, via_proxy(made_up)).status_code == 429
    token = ask_token(
        APIClient(REMOTE_ADDR=PROXY), user.email, password=PASSWORD, forwarded=ATTACKER
    )
    assert token.status_code != 200
    assert "token" not in token.json()
    response = log_in(owner, user.email, PASSWORD, forwarded=OWNER)
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(user.pk)


def test_token_lockout_behind_a_proxy_is_of_the_client_the_proxy_saw(settings):
    settings.PROXY_COUNT = 1
    user = UserFactory(password=PASSWORD)
    api, made_up = APIClient(REMOTE_ADDR=PROXY), spoofed()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        ask_token(api, user.email, password=f"guess {attempt}", forwarded=via_proxy(made_up))

    refused = ask_token(api, user.email, password=PASSWORD, forwarded=via_proxy(made_up))
    assert refused.status_code != 200
    assert "token" not in refused.json()
    assert ask_token(api, user.email, password=PASSWORD, forwarded=OWNER).status_code == 200


# --- Password reset requests ----------------------------------------------------------------


@pytest.fixture
def reset_rates(settings, eager_celery):
    settings.PASSWORD_RESET_ADDRESS_RATE = "4/hour"
    settings.PASSWORD_RESET_EMAIL_RATE = "2/hour"


def ask_reset(client, email: str, forwarded: str | None = None):
    """Ask for a reset; its e-mail is sent once the request commits, as a worker sends it."""
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("password_reset"), {"email": email}, **headers)


def assert_limited(response) -> str:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    text = Page(response).text()
    assert "Too many password reset requests" in text
    assert Page(response).find_all("input", name="email")  # the form is still there
    return text


def test_password_reset_is_limited_per_email_from_any_address(reset_rates, mailoutbox):
    user = UserFactory()
    addresses = (f"198.51.100.{n}" for n in range(1, 100))
    for _ in range(2):
        assert ask_reset(Client(REMOTE_ADDR=next(addresses)), user.email).status_code == 302
    assert len(mailoutbox) == 2

    assert_limited(ask_reset(Client(REMOTE_ADDR=next(addresses)), user.email.upper()))
    assert len(mailoutbox) == 2
    # Another account is not affected.
    assert ask_reset(Client(REMOTE_ADDR=next(addresses)), "other@example.test").status_code == 302


def test_password_reset_is_limited_per_address_whatever_the_email(reset_rates, mailoutbox):
    UserFactory(email="last@example.test")
    client, made_up = Client(REMOTE_ADDR=ATTACKER), spoofed()
    for n in range(4):
        assert ask_reset(client, f"someone{n}@example.test", next(made_up)).status_code == 302

    assert_limited(ask_reset(client, "last@example.test", next(made_up)))
    assert mailoutbox == []
    assert ask_reset(Client(REMOTE_ADDR=OWNER), "last@example.test").status_code == 302
    assert len(mailoutbox) == 1


def test_a_limited_reset_says_the_same_for_known_and_unknown_emails(reset_rates, mailoutbox):
    UserFactory(email="known@example.test")
    for email in ("known@example.test", "unknown@example.test"):
        for _ in range(2):
            ask_reset(Client(REMOTE_ADDR=OWNER), email)
        mailoutbox.clear()

    known = assert_limited(ask_reset(Client(REMOTE_ADDR=ATTACKER), "known@example.test"))
    unknown = assert_limited(ask_reset(Client(REMOTE_ADDR=ATTACKER), "unknown@example.test"))

    assert known.replace("known@", "") == unknown.replace("unknown@", "")
    assert mailoutbox == []
