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
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework.test import APIClient

from partners.roles import Role
from sla import tasks
from sla.models import Clock
from tests.factories import (
    OrganisationFactory,
    StaffFactory,
    UserFactory,
    api_token,
    only_first_response_within,
)
from tests.services import collect_static, database_url, free_port, need, run_gunicorn, web_env
from tests.tickets.factories import tech_support_body
from tickets.models import Event, Notification, OutgoingEmail, Ticket

pytestmark = [pytest.mark.fault, pytest.mark.integration]


# --- Redis stopped -----------------------------------------------------------------------


def broker_failures(caplog, task_name: str) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.levelno >= logging.ERROR and task_name in record.getMessage()
    ]


def test_with_redis_stopped_cases_are_still_opened_and_the_sweep_catches_up_after(
    desk_on_redis, transactional_db, policies, calendars, media_root, caplog, settings
):
    # Logins must outlive Redis: sessions are written through to the database.
    engine = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    assert issubclass(engine, DatabaseSessionStore)
    redis_server = desk_on_redis
    organisation = OrganisationFactory(name="Alpine Unified Comms GmbH")
    partner = UserFactory(organisation=organisation)
    lead = StaffFactory(roles=[Role.LEAD], email="lead@vendor.test")
    only_first_response_within(timedelta(seconds=2))
    browser = Client()
    browser.force_login(partner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(partner)}")

    redis_server.stop()
    caplog.set_level(logging.INFO)

    # The portal form: saved with its clocks, the partner sent to the new case.
    started = time.monotonic()
    response = browser.post(
        reverse("tickets:case_new"), tech_support_body(subject="Opened from the portal")
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
    response = api.post("/api/tickets/", tech_support_body(subject="Opened by API"), format="json")
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
    # Their e-mails are in the outbox and queued for the workers, now that the broker
    # answers again.
    emails = OutgoingEmail.objects.filter(kind="notice_sla_breach")
    assert sorted(e.ticket_id for e in emails) == sorted([portal_case.pk, api_case.pk])
    assert {tuple(e.to) for e in emails} == {(lead.email,)}
    queued = redis_server.queued("notifications")
    assert sorted(m["args"] for m in queued) == sorted(f"({e.pk},)" for e in emails)
    assert {m["task"] for m in queued} == {"tickets.deliver_email"}

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
    # The sessions this process writes must be readable there: one key for both.
    settings.SECRET_KEY = "fault-test-" + "k" * 50
    port = free_port()
    # The cache and the broker stay local to it: only the database fails.
    env = web_env(
        database_url=database_url(reachable_by="the web server", port=database_proxy.port),
        secret_key=settings.SECRET_KEY,
        var_dir=tmp_path / "var",
        DB_CONN_MAX_AGE="60",
        SECURE_COOKIES="false",
    )
    collect_static(env)

    def get(path: str, headers: dict | None = None) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            response.body = response.read().decode()
            return response
        finally:
            conn.close()

    with run_gunicorn(env=env, port=port, threads=1) as server:
        get.server = server
        yield get


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
