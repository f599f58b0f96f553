"""Every operation of the published OpenAPI schema, fed generated input as an agent and as a
partner: never a server error, and every answer is one the schema describes."""

from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from supportdesk.wsgi import application
from tests.supportdesk.world import AGENT, PARTNER, PASSWORD, world_fixture

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BOUNDED = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    # Report the first failing input as generated: shrinking would multiply the run time.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from world_fixture(django_db_blocker)


@contextmanager
def same_connection():
    """Requests go straight to the WSGI application, in this thread: keep its database
    connection (and the test's transaction) open across them, as Django's test client does."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def api_schema(world):
    with same_connection():
        return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def tokens(world, client, settings):
    """API tokens, obtained the way a script obtains one."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": None}}
    found = {}
    for role in (AGENT, PARTNER):
        response = client.post(
            "/api/auth/token/",
            {"email": world.users[role].email, "password": PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        found[role] = response.json()["token"]
    return found


def fuzz(api_schema, *, token: str) -> None:
    """Run every operation; collect what fails and report it all at once."""
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @BOUNDED
        @given(case=operation.as_strategy())
        def exercise(case):
            with same_connection():
                response = case.call(headers={"Authorization": f"Token {token}"})
            case.validate_response(response, checks=CHECKS)

        try:
            exercise()
        except (Exception, BaseExceptionGroup) as failure:  # reported all together below
            failures.append(f"{operation.label}:\n{failure}")
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)


def test_every_operation_as_an_agent(api_schema, tokens):
    fuzz(api_schema, token=tokens[AGENT])


def test_every_operation_as_a_partner(api_schema, tokens):
    fuzz(api_schema, token=tokens[PARTNER])
