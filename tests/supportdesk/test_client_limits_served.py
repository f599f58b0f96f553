"""The token endpoint's rate limit as the production server applies it: gunicorn with DEBUG
off, behind one trusted reverse proxy (``PROXY_COUNT=1``; this test plays the proxy, which
appends the address it heard from to ``X-Forwarded-For``), with the image's access log
(``supportdesk.accesslog``). A client that invents a new address in front of its own on
every request is still one client: to the limit and in the log."""

import http.client
import itertools
import json
import os
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.db import connection

from tests.celery_worker import ROOT, Worker
from tests.supportdesk.test_faults import STARTUP_TIMEOUT, free_port, need, wait_for

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
    need(connection.vendor == "postgresql", "needs PostgreSQL, reachable by gunicorn")
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}",
        "DEBUG": "false",
        "SECRET_KEY": "limits-test-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "VAR_DIR": str(tmp_path / "var"),
        "PROXY_COUNT": "1",
        "API_AUTH_RATE": f"{RATE}/min",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)  # the cache is a folder of this test's own
    env.pop("CELERY_BROKER_URL", None)
    server = Worker(
        subprocess.Popen(
            [
                sys.executable,
                *("-m", "gunicorn", "supportdesk.wsgi:application"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"),
                *("--timeout", "30", "--graceful-timeout", "2", "--error-logfile", "-"),
                *("--access-logfile", "-", "--access-logformat", ACCESS_LOG),
                *("--logger-class", "supportdesk.accesslog.AccessLogger"),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    )

    def ready() -> bool:
        if not server.alive:
            pytest.fail(f"gunicorn exited:\n{server.output}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health/")
            return conn.getresponse().status == 200
        except OSError:
            return False

    try:
        wait_for(ready, timeout=STARTUP_TIMEOUT, what="gunicorn to answer /health/")
        yield port, server
    finally:
        server.stop()


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
