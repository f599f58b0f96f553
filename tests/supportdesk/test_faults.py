"""The desk while Redis or PostgreSQL is down, and after it is back.

Redis: a private ``redis-server`` of the test's own (never the shared one) carries the
broker and the cache and is stopped and started again on the same port. Cases are still
opened through the portal and the API, pages render without the cache, and once Redis is
back the SLA sweep records the breaches that fell due during the outage, once.

PostgreSQL: gunicorn serves the test database through a TCP proxy the test runs; closing
the proxy is what a client sees while PostgreSQL restarts (open connections dropped, new
ones refused). Pages and the API answer 503 meanwhile, and 200 again afterwards without a
restart of the web server. (The worker's faults are in ``tests/sla/test_timers_worker.py``.)
"""

import contextlib
import http.client
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

import supportdesk.settings as project_settings
from partners.models import ResponseTarget
from partners.roles import Role
from partners.selectors import policy_in_force
from sla import tasks
from sla.models import Clock
from tests.celery_worker import ROOT, Worker, app, redis_transport_options, reset_connections
from tests.factories import OrganisationFactory, StaffFactory, UserFactory, api_token
from tickets.models import Event, Notification, Ticket

pytestmark = [pytest.mark.fault, pytest.mark.integration]

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
STARTUP_TIMEOUT = 30
REDIS_SERVER = shutil.which("redis-server")
DEGRADING_CACHE = "supportdesk.cache.DegradingRedisCache"


def need(available: bool, reason: str) -> None:
    """Skip with ``reason`` when something is missing, except under CI, where it fails."""
    if not available:
        (pytest.fail if CI else pytest.skip)(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Waited {timeout} s for {what}")
        time.sleep(0.1)


def tech_support(**overrides) -> dict:
    return {
        "case_type": "tech_support",
        "reason": "call-quality",
        "category": "dropped",
        "subject": "Calls drop after 30 seconds",
        "description": "Every outgoing call drops after about 30 seconds since this morning.",
        "wms_version": "7.02.1",
        "firmware_versions": "DP-40 1.9.0",
        **overrides,
    }


def first_response_within(duration: timedelta) -> None:
    """Terms whose first response is due ``duration`` after opening, around the clock."""
    ResponseTarget.objects.filter(
        policy=policy_in_force(timezone.now()), metric=ResponseTarget.Metric.FIRST_RESPONSE
    ).update(
        kind=ResponseTarget.Kind.BUSINESS_TIME,
        target=duration,
        calendar=ResponseTarget.Calendar.ALWAYS,
    )


# --- Redis stopped -----------------------------------------------------------------------


class RedisServer:
    """A redis-server of the test's own on a free port, without persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, timeout=10, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def queued(self, queue: str) -> list[dict]:
        """The task messages waiting in ``queue``: name and arguments of each."""
        client = redis.Redis.from_url(self.url)
        try:
            raw = client.lrange(queue, 0, -1)
        finally:
            client.close()
        messages = [json.loads(item)["headers"] for item in raw]
        return [{"task": m["task"], "args": m["argsrepr"]} for m in messages]


@pytest.fixture
def private_redis():
    need(REDIS_SERVER is not None, "needs the redis-server program (apt-get install redis)")
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def desk_on(private_redis, settings):
    """This process's broker and cache on the private Redis, as the project configures them
    for REDIS_URL; put back afterwards."""
    if project_settings.REDIS_URL:
        assert project_settings.CACHES["default"]["BACKEND"] == DEGRADING_CACHE
        cache = dict(project_settings.CACHES["default"])
    else:
        cache = {"BACKEND": DEGRADING_CACHE, "OPTIONS": {"socket_connect_timeout": 1}}
    settings.CACHES = {"default": {**cache, "LOCATION": private_redis.url, "KEY_PREFIX": "f"}}
    keys = ("broker_url", "result_backend", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}
    options = redis_transport_options() or {"socket_connect_timeout": 2}
    app.conf.update(
        broker_url=private_redis.url,
        result_backend=private_redis.url,
        broker_transport_options=options,
    )
    reset_connections()
    yield private_redis
    app.conf.update(saved)
    reset_connections()


def broker_failures(caplog, task_name: str) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.levelno >= logging.ERROR and task_name in record.getMessage()
    ]


def test_with_redis_stopped_cases_are_still_opened_and_the_sweep_catches_up_after(
    desk_on, transactional_db, policies, calendars, media_root, caplog, settings
):
    assert "cache" not in settings.SESSION_ENGINE  # logins must outlive Redis
    redis_server = desk_on
    organisation = OrganisationFactory(name="Alpine Unified Comms GmbH")
    partner = UserFactory(organisation=organisation)
    lead = StaffFactory(roles=[Role.LEAD], email="lead@vendor.test")
    first_response_within(timedelta(seconds=2))
    browser = Client()
    browser.force_login(partner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(partner)}")

    redis_server.stop()
    caplog.set_level(logging.INFO)

    # The portal form: saved with its clocks, the partner sent to the new case.
    started = time.monotonic()
    response = browser.post(
        reverse("tickets:case_new"), tech_support(subject="Opened from the portal")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    portal_case = Ticket.objects.get(subject="Opened from the portal")
    assert response["Location"] == reverse("tickets:case_detail", args=[portal_case.pk])
    assert portal_case.clocks.filter(state=Clock.State.RUNNING).count() == 1
    # What could not be queued is logged, quickly: the case's e-mail and its SLA timers.
    assert time.monotonic() - started < 10
    assert broker_failures(caplog, "tickets.deliver_email")
    assert any("SLA timers not queued" in record.getMessage() for record in caplog.records)

    # Pages that read the cache still render (the calendars come from the database).
    page = browser.get(reverse("tickets:case_detail", args=[portal_case.pk]))
    assert page.status_code == 200
    assert portal_case.number in page.content.decode()
    assert browser.get(reverse("tickets:case_new")).status_code == 200

    # The API, the same.
    caplog.clear()
    response = api.post("/api/tickets/", tech_support(subject="Opened by API"), format="json")
    assert response.status_code == 201, response.content
    api_case = Ticket.objects.get(subject="Opened by API")
    assert [clock["state"] for clock in response.json()["clocks"]] == [Clock.State.RUNNING]
    assert broker_failures(caplog, "tickets.deliver_email")

    # The web server stays in the load balancer; the cache shows as down.
    health = browser.get("/health/")
    assert health.status_code == 200
    assert health.json()["cache"] == "down"

    # Both first responses fall due while Redis is down; nothing can record them yet.
    clocks = Clock.objects.filter(ticket__in=[portal_case, api_case])
    time.sleep(max(0.0, (max(c.breach_at for c in clocks) - timezone.now()).total_seconds()))
    time.sleep(0.5)
    assert not clocks.exclude(state=Clock.State.RUNNING).exists()

    redis_server.start()  # the same port, empty: the outage's timers are gone for good

    # Beat sends the sweep again, and a worker runs it.
    assert tasks.sweep.delay() is not None
    assert [m["task"] for m in redis_server.queued("sla")] == ["sla.sweep"]
    assert tasks.sweep.apply().get() == {"breached": 2, "warned": 0, "armed": 0}

    for ticket in (portal_case, api_case):
        clock = ticket.clocks.get()
        assert clock.state == Clock.State.BREACHED
        assert clock.breached_at == clock.breach_at
        assert Event.objects.filter(ticket=ticket, kind="sla_breached").count() == 1
    breach_notices = Notification.objects.filter(kind=Notification.Kind.SLA_BREACH)
    assert sorted(n.ticket_id for n in breach_notices) == sorted([portal_case.pk, api_case.pk])
    assert {n.recipient for n in breach_notices} == {lead}
    # Their e-mails are queued for the workers, now that the broker answers again.
    queued = redis_server.queued("notifications")
    assert sorted(m["args"] for m in queued) == sorted(f"({n.pk},)" for n in breach_notices)
    assert {m["task"] for m in queued} == {"tickets.deliver_notification"}

    # A second sweep finds nothing more: nothing is recorded or announced twice.
    assert tasks.sweep.apply().get()["breached"] == 0
    assert Event.objects.filter(kind="sla_breached").count() == 2
    assert breach_notices.count() == 2
    assert browser.get("/health/").json()["cache"] == "ok"


# --- PostgreSQL down ---------------------------------------------------------------------


class TcpProxy:
    """Forwards a local port to ``target``. ``stop`` closes the listener and drops every
    open connection, as a restarting PostgreSQL does; ``start`` listens again on the same
    port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.1)
        self._acceptor = threading.Thread(target=self._accept, args=(self._listener,))
        self._acceptor.daemon = True
        self._acceptor.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by stop()
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        self._drop(source, sink)

    def _drop(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
            with self._lock:
                self._sockets.discard(sock)

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._acceptor.join(timeout=5)
            self._listener = None
        with self._lock:
            open_sockets = list(self._sockets)
        self._drop(*open_sockets)


@pytest.fixture
def database_proxy(transactional_db):
    """A proxy to the test database's server. gunicorn reads what the test commits, so the
    test runs outside a transaction."""
    db = connection.settings_dict
    need(
        connection.vendor == "postgresql",
        "needs PostgreSQL, reachable by the web server: set DATABASE_URL",
    )
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture
def web(database_proxy, settings, tmp_path):
    """gunicorn, configured as in production (DEBUG off, persistent connections), on the
    test database through the proxy. Yields a function that sends it a GET."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    database_url = (
        f"postgres://{credentials}@127.0.0.1:{database_proxy.port}/{quote(db['NAME'], safe='')}"
    )
    # The sessions this process writes must be readable there: one key for both.
    settings.SECRET_KEY = "fault-test-" + "k" * 50
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DB_CONN_MAX_AGE": "60",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "SECURE_COOKIES": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)  # the cache and the broker stay local: only the database fails
    env.pop("CELERY_BROKER_URL", None)
    collect = subprocess.run(
        [
            *(sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"),
            *("-i", "admin", "-i", "rest_framework", "-i", "drf_spectacular_sidecar"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collect.returncode == 0, collect.stderr
    server = Worker(
        subprocess.Popen(
            [
                sys.executable,
                *("-m", "gunicorn", "supportdesk.wsgi:application"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "1"),
                *("--timeout", "30", "--graceful-timeout", "2", "--error-logfile", "-"),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    )

    def get(path: str, headers: dict | None = None) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            response.body = response.read().decode()
            return response
        finally:
            conn.close()

    def ready() -> bool:
        if not server.alive:
            pytest.fail(f"gunicorn exited:\n{server.output}")
        with contextlib.suppress(OSError):
            return get("/health/").status == 200
        return False

    try:
        wait_for(ready, timeout=STARTUP_TIMEOUT, what="gunicorn to answer /health/")
        get.server = server
        yield get
    finally:
        server.stop()


def test_during_a_database_outage_pages_and_the_api_answer_503_and_recover_unrestarted(
    web, database_proxy, policies
):
    partner = UserFactory(organisation=OrganisationFactory(name="Alpine Unified Comms GmbH"))
    browser = Client()
    browser.force_login(partner)
    cookie = django_settings.SESSION_COOKIE_NAME
    page_headers = {"Cookie": f"{cookie}={browser.cookies[cookie].value}"}
    api_headers = {"Authorization": f"Token {api_token(partner)}"}

    def requests() -> dict[str, http.client.HTTPResponse]:
        return {
            "page": web("/cases/", page_headers),
            "api": web("/api/tickets/", api_headers),
            "health": web("/health/"),
        }

    before = requests()
    assert {name: r.status for name, r in before.items()} == {
        "page": 200,
        "api": 200,
        "health": 200,
    }
    assert "My cases" in before["page"].body

    database_proxy.stop()  # PostgreSQL restarting: connections dropped, then refused
    during = requests()

    page = during["page"]
    assert page.status == 503
    assert page.getheader("Content-Type").startswith("text/html")
    assert int(page.getheader("Retry-After")) > 0
    assert "briefly unavailable" in page.body
    assert "<main" in page.body  # our layout, not a bare error
    assert "Traceback" not in page.body
    assert "OperationalError" not in page.body
    api = during["api"]
    assert api.status == 503
    assert api.getheader("Content-Type").startswith("application/json")
    assert int(api.getheader("Retry-After")) > 0
    assert "briefly unavailable" in json.loads(api.body)["detail"]
    health = during["health"]
    assert health.status == 503
    assert json.loads(health.body)["database"] == "down"

    database_proxy.start()
    after = requests()
    assert {name: r.status for name, r in after.items()} == {
        "page": 200,
        "api": 200,
        "health": 200,
    }
    assert "My cases" in after["page"].body
    assert json.loads(after["api"].body)["results"] == []
    # The same gunicorn worker served all of it: nothing was restarted.
    assert web.server.alive
    assert web.server.output.count("Booting worker") == 1, web.server.output
