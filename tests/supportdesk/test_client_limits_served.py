"""The token endpoint's rate limit as the production server applies it: gunicorn with DEBUG
off, behind one trusted reverse proxy (``PROXY_COUNT=1``; this test plays the proxy, which
appends the address it heard from to ``X-Forwarded-For``), with the image's access log
(``supportdesk.accesslog``). A client that invents a new address in front of its own on
every request is still one client: to the limit and in the log."""

import http.client
import itertools
import json

import pytest

from tests.services import database_url, free_port, run_gunicorn, wait_for, web_env

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ATTACKER, OWNER = "203.0.113.7", "198.51.100.20"
RATE = 3
ACCESS_LOG = "access %(h)s %(s)s"


def post_token(port: int, forwarded: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        body = json.dumps({"email": "nobody@example.test", "password": "guess"})
        headers = {"Content-Type": "application/json", "X-Forwarded-For": forwarded}
        conn.request("POST", "/api/auth/token/", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.fixture
def served(tmp_path):
    """gunicorn as the Dockerfile runs it, on the test database."""
    port = free_port()
    env = web_env(
        database_url=database_url(reachable_by="gunicorn"),
        secret_key="limits-test-" + "k" * 50,
        var_dir=tmp_path / "var",  # the cache is a folder of this test's own
        PROXY_COUNT="1",
        API_AUTH_RATE=f"{RATE}/min",
    )
    with run_gunicorn(env=env, port=port, threads=2, access_log=ACCESS_LOG) as server:
        yield port, server


def test_a_new_made_up_address_each_time_neither_dodges_the_limit_nor_enters_the_log(served):
    port, server = served
    made_up = (f"100.64.{n // 250}.{n % 250 + 1}" for n in itertools.count())

    statuses = [post_token(port, f"{next(made_up)}, {ATTACKER}") for _ in range(RATE + 2)]
    owner = post_token(port, OWNER)

    assert statuses == [400] * RATE + [429, 429]
    assert owner == 400

    def logged() -> list[list[str]]:
        """(address, status) of each token request in the access log."""
        lines = [line.split() for line in server.lines if line.startswith("access ")]
        return [line[1:] for line in lines if line[1] != "127.0.0.1"]  # not the probes

    wait_for(lambda: len(logged()) >= RATE + 3, timeout=5, what="the access log")
    assert logged() == [[ATTACKER, "400"]] * RATE + [[ATTACKER, "429"]] * 2 + [[OWNER, "400"]]
