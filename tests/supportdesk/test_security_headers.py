"""Security headers on every kind of response, and production settings that pass Django's
deployment checks with secrets taken only from the environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from partners.roles import Role
from tests.factories import StaffFactory, UserFactory

BASE_DIR = Path(__file__).resolve().parents[2]
YEAR = 365 * 24 * 3600


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_common_headers(response):
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    return policy


@pytest.mark.django_db
def test_pages_allow_only_their_own_scripts_and_styles(client):
    for response in (client.get("/accounts/login/"), client.get("/api/me/")):
        policy = assert_common_headers(response)
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["img-src"] == ["'self'"]


@pytest.mark.django_db
def test_signed_in_pages_partners_and_staff_carry_the_headers(client):
    client.force_login(UserFactory())
    assert_common_headers(client.get("/cases/new/"))
    client.force_login(StaffFactory(roles=[Role.NOC]))
    assert_common_headers(client.get("/noc/"))


@pytest.mark.django_db
def test_the_api_docs_load_their_script_from_a_file_and_only_they_relax_styles(client):
    page = client.get("/api/docs/")
    policy = assert_common_headers(page)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy["style-src"]
    html = page.content.decode()
    assert "<script>" not in html
    assert 'src="/api/docs/?script="' in html or "/api/docs/?script=" in html


@pytest.mark.django_db
def test_hsts_is_sent_on_https_only(client, settings):
    settings.SECURE_HSTS_SECONDS = YEAR
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    secure = client.get("/accounts/login/", secure=True)
    assert secure["Strict-Transport-Security"] == f"max-age={YEAR}; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/accounts/login/")


@pytest.mark.django_db
def test_behind_a_tls_proxy_the_forwarded_protocol_counts_as_https(client, settings):
    settings.SECURE_HSTS_SECONDS = YEAR
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"].startswith(f"max-age={YEAR}")


# --- Production settings ------------------------------------------------------------------


# Set by the test run itself (see conftest.py), never in a deployment.
TEST_ONLY = ("DJANGO_ALLOW_ASYNC_UNSAFE",)


def production_env(**changes) -> dict[str, str]:
    """The test run's environment (database, Redis) with production's settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", *TEST_ONLY))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="desk.example.com",
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS=str(YEAR),
    )
    env.update(changes)
    return {key: value for key, value in env.items() if value is not None}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def setting(name: str, env: dict[str, str]) -> str:
    done = run(["-c", f"import supportdesk.settings as s; print(s.{name})"], env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_production_settings_pass_the_deployment_checks():
    done = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout + done.stderr


def test_the_deployment_checks_do_fail_on_an_insecure_setting():
    done = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(SECURE_SSL_REDIRECT="false"),
    )
    assert done.returncode != 0
    assert "security.W008" in done.stdout + done.stderr


def test_without_a_secret_key_production_settings_refuse_to_load():
    done = run(["-c", "import supportdesk.settings"], production_env(SECRET_KEY=None))
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "SECRET_KEY" in done.stderr


def test_hsts_defaults_to_a_year_with_debug_off_and_to_nothing_locally():
    assert setting("SECURE_HSTS_SECONDS", production_env(SECURE_HSTS_SECONDS=None)) == str(YEAR)
    local = production_env(DEBUG="true", SECURE_HSTS_SECONDS=None, SECRET_KEY=None)
    assert setting("SECURE_HSTS_SECONDS", local) == "0"
