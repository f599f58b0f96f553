"""Every operation of the published OpenAPI schema, as an agent and as a partner: fed
generated input, valid and invalid, and the refusals every client meets sooner or later (a
body that is not JSON or nests too deep, a type the operation does not read, an Accept it
cannot meet, a method the address does not take). Never a server error, and every answer,
status, content type, headers and body, is one the schema describes; invalid input is
refused and valid input is not."""

from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from core.api.parsers import MAX_DEPTH
from supportdesk.wsgi import application
from tests.supportdesk.world import AGENT, PARTNER, PASSWORD, world_fixture

pytestmark = pytest.mark.django_db

ROLES = (AGENT, PARTNER)
BOUNDED = settings(
    max_examples=10,  # per generation mode: valid input, then invalid input
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
# Valid input refused by design: positive_data_acceptance expects it taken, but here the
# schema cannot say everything that makes input acceptable.
RIGHTLY_REFUSED = {
    # Wrong credentials are a 400, as DRF's own token view answers; generated ones always are.
    "POST /api/auth/token/": [positive_data_acceptance],
    # Codes of the support policy in force for the organisation's tier, a device of its
    # own, versions required for Tech Support only.
    "POST /api/tickets/": [positive_data_acceptance],
    # Which fields a request needs depends on its kind; it names an agreement and a model
    # of the organisation's own.
    "POST /api/hwaas/requests/": [positive_data_acceptance],
    "POST /api/hwaas/requests/check/": [positive_data_acceptance],
    # The first day may not come after the last.
    "GET /api/time-entries/": [positive_data_acceptance],
    # A due date must leave the partner a whole working day, counted from today.
    "POST /api/tickets/{id}/document-requests/": [positive_data_acceptance],
}
# Which object of the world a path's identifier names, by the path's first words.
PATH_OBJECTS = {
    "/api/tickets/": "ticket",
    "/api/cases/": "ticket",
    "/api/availability/incidents/": "incident",
    "/api/availability/maintenance/": "maintenance",
    "/api/entitlements/": "entitlement",
    "/api/hwaas/agreements/": "agreement",
    "/api/hwaas/devices/": "device",
    "/api/hwaas/requests/": "hardware_request",
}
METHODS = ("get", "post", "put", "patch", "delete")


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
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    # The token is sent by the test, not drawn: leave the security parameters alone. A NUL
    # is refused in any text (core.middleware), which the schema cannot say of each string:
    # valid input holds none (tests/supportdesk/test_hostile_inputs.py sends them).
    schema.config.generation.update(with_security_parameters=False, allow_x00=False)
    return schema


class NewTokens:
    """``tokens[role]``: a new API token for ``role``, obtained the way a script obtains one.
    Each operation is fuzzed with a token of its own: one of them revokes tokens, and must
    not take the operations after it down with it."""

    def __init__(self, world, client) -> None:
        self.world, self.client = world, client

    def __getitem__(self, role: str) -> str:
        response = self.client.post(
            "/api/auth/token/",
            {"email": self.world.users[role].email, "password": PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        return response.json()["token"]


@pytest.fixture
def tokens(world, client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": None}}
    return NewTokens(world, client)


def operations(api_schema):
    return [result.ok() for result in api_schema.get_all_operations()]


def exercise(operation, *, mode: GenerationMode, headers: dict) -> None:
    """Generated input of ``mode`` for ``operation``, every answer checked."""
    excluded = RIGHTLY_REFUSED.get(operation.label, [])

    @BOUNDED
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        # Some checks send requests of their own (without the token, say).
        with same_connection():
            response = case.call(headers=headers)
            case.validate_response(response, excluded_checks=excluded, headers=headers)

    run()


def takes_input(operation) -> bool:
    """Whether there is anything to send wrong: an operation without parameters or a body
    has no invalid input."""
    parts = (operation.path_parameters, operation.query, operation.headers, operation.body)
    return any(len(part) for part in parts)


def fuzz(api_schema, *, new_token) -> None:
    """Run every operation with valid and invalid input and every check schemathesis has;
    collect what fails and report it all at once."""
    failures = []
    for operation in operations(api_schema):
        headers = {"Authorization": f"Token {new_token()}"}
        modes = [GenerationMode.POSITIVE]
        if takes_input(operation):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            try:
                exercise(operation, mode=mode, headers=headers)
            except (Exception, BaseExceptionGroup) as failure:  # reported all together below
                failures.append(f"{operation.label} ({mode.value}):\n{failure}")
    assert not failures, f"{len(failures)} runs failed:\n\n" + "\n\n".join(failures)


def test_every_operation_as_an_agent(api_schema, tokens):
    fuzz(api_schema, new_token=lambda: tokens[AGENT])


def test_every_operation_as_a_partner(api_schema, tokens):
    fuzz(api_schema, new_token=lambda: tokens[PARTNER])


# --- The refusals every client meets -------------------------------------------------------


def path_parameters(operation, world) -> dict[str, int]:
    """The world's object for each identifier in the path, so the request gets as far as
    reading its body."""
    names = [p.name for p in operation.iter_parameters() if p.location == "path"]
    found = next(
        (name for prefix, name in PATH_OBJECTS.items() if operation.path.startswith(prefix)), None
    )
    return {name: world.pk(found) if found else 1 for name in names}


def refusals(operation, world):
    """The requests a client gets wrong most often, as cases of ``operation``."""
    path = path_parameters(operation, world)
    yield operation.Case(path_parameters=path, headers={"Accept": "application/xml"})
    if operation.method.upper() in ("POST", "PUT", "PATCH"):
        deep = b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)
        for body, media_type in (
            (b'{"subject": ', "application/json"),
            (deep, "application/json"),
            (b"[" * 100_000 + b"]" * 100_000, "application/json"),
            (b"subject=Phones down", "text/plain"),
        ):
            yield operation.Case(path_parameters=path, body=body, media_type=media_type)


def test_every_refusal_is_documented(api_schema, tokens, world):
    """Each answer has a status, content type and body the operation declares."""
    failures = []
    for operation in operations(api_schema):
        for role in ROLES:
            headers = {"Authorization": f"Token {tokens[role]}"}
            for case in refusals(operation, world):
                with same_connection():
                    response = case.call(headers=headers)
                    try:
                        case.validate_response(response, headers=headers)
                    except (Exception, BaseExceptionGroup) as failure:
                        failures.append(f"{operation.label} as {role}:\n{failure}")
    assert not failures, f"{len(failures)} answers undocumented:\n\n" + "\n\n".join(failures)


def test_a_method_an_address_does_not_take_gets_405_with_allow(api_schema, tokens):
    """As JSON in the documented shape, like every other refusal; 401, 403 and 404 come
    first where the role has no access or there is no such object."""
    seen = set()
    for role in ROLES:
        client = Client(HTTP_AUTHORIZATION=f"Token {tokens[role]}")
        for path, item in api_schema.raw_schema["paths"].items():
            declared = {method for method in item if method in METHODS}
            method = next(method for method in METHODS if method not in declared)
            url = path.replace("{id}", "1").replace("{case_id}", "1")

            response = getattr(client, method)(url)

            where = (role, method, path)
            assert response.status_code in (401, 403, 404, 405), where
            assert response["Content-Type"] == "application/json", where
            assert isinstance(response.json()["detail"], str), where
            if response.status_code == 405:
                allowed = {m.strip().lower() for m in response["Allow"].split(",")}
                assert declared <= allowed, where
                seen.add(path)
    assert len(seen) > len(api_schema.raw_schema["paths"]) / 2
