"""A real Celery worker while its Redis stops and starts again, and ``/health/`` about a
worker that died.

Each test runs a ``redis-server`` of its own, without persistence, so it comes back empty:
the broker and the cache of this process and of the worker. The worker also runs beat, so
the heartbeat and the SLA sweep run as in production, on short intervals. It reads the test
database, so these tests need PostgreSQL.
"""

import os
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from partners.roles import Role
from sla.models import Clock
from supportdesk import health
from tests.celery_worker import Worker, app, redis_transport_options, reset_connections
from tests.factories import StaffFactory, UserFactory
from tests.sla.test_timers_worker import (
    assert_breach_announced_once,
    assert_warned_once,
    open_case,
    timers_held,
    wait_until,
)
from tests.supportdesk.test_faults import DEGRADING_CACHE, REDIS_SERVER, RedisServer, need
from tickets.models import Notification

pytestmark = [pytest.mark.fault, pytest.mark.integration]

QUEUES = ["default", "sla", "notifications"]
STARTUP_TIMEOUT = 30
CACHE_PREFIX = "worker-faults"


@pytest.fixture
def redis_server():
    need(REDIS_SERVER is not None, "needs the redis-server program (apt-get install redis)")
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def desk_on_redis(redis_server, settings):
    """This process's broker and cache on the test's Redis, as the project configures them
    for REDIS_URL; put back afterwards."""
    settings.CACHES = {
        "default": {
            "BACKEND": DEGRADING_CACHE,
            "LOCATION": redis_server.url,
            "KEY_PREFIX": CACHE_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    keys = ("broker_url", "result_backend", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=redis_server.url,
        result_backend=redis_server.url,
        broker_transport_options=redis_transport_options() or {"socket_connect_timeout": 2},
    )
    reset_connections()
    yield redis_server
    app.conf.update(saved)
    reset_connections()


@pytest.fixture
def worker_database_url(transactional_db) -> str:
    """DATABASE_URL naming the test database, for the worker process, which reads what this
    test commits (so the test runs outside a transaction)."""
    need(
        connection.vendor == "postgresql",
        "needs PostgreSQL, reachable by the worker: set DATABASE_URL",
    )
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return (
        f"postgres://{credentials}@{db['HOST'] or 'localhost'}{port}/{quote(db['NAME'], safe='')}"
    )


@pytest.fixture
def mailbox(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def worker(desk_on_redis, worker_database_url, mailbox, tmp_path):
    """A worker with beat (the heartbeat every second, the SLA sweep every two), started on
    the test's Redis; stopped when the test ends, passed or failed."""
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url,
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": desk_on_redis.url,
        "CELERY_BROKER_URL": desk_on_redis.url,
        "CELERY_RESULT_BACKEND": desk_on_redis.url,
        "CACHE_KEY_PREFIX": CACHE_PREFIX,
        "EMAIL_URL": f"filemail:///{mailbox}",
        "VAR_DIR": str(tmp_path / "var"),
        "WORKER_HEARTBEAT_SECONDS": "1",
        "SLA_SWEEP_SECONDS": "2",
    }
    running = Worker.start(
        env=env,
        queues=QUEUES,
        app_module="supportdesk",
        options=["--pool=prefork", "--concurrency=1", "--beat"],
    )
    try:
        if not running.wait_for(" ready.", timeout=STARTUP_TIMEOUT):
            pytest.fail(f"The worker did not start. Its log:\n{running.output}")
        yield running
    finally:
        running.stop()


@pytest.fixture
def desk(calendars, policies):
    return {
        "requester": UserFactory(),
        "agent": StaffFactory(roles=[Role.AGENT], email="agent@vendor.test"),
        "lead": StaffFactory(roles=[Role.LEAD], email="lead@vendor.test"),
    }


def worker_health(browser: Client) -> str:
    return browser.get("/health/").json()["worker"]


def test_a_worker_holding_sla_timers_outlives_a_redis_restart_and_each_breach_is_recorded_once(
    worker, desk_on_redis, desk, mailbox
):
    redis_server = desk_on_redis
    cases = [open_case(desk, first_response_within=timedelta(seconds=20)) for _ in range(2)]
    # The worker holds each case's warning and breach timers: ETA tasks it keeps in memory,
    # unacknowledged, until they are due.
    wait_until(
        lambda: len(timers_held(worker)) == 2 * len(cases),
        timeout=10,
        worker=worker,
        what="the worker to take the SLA timers",
    )

    redis_server.stop()
    # Its connection lost, the worker closes it and tries again, and again, while Redis is
    # down: it does not end.
    wait_until(
        lambda: worker.output.count("Trying again in") >= 2,
        timeout=20,
        worker=worker,
        what="the worker to retry its connection to Redis",
    )
    assert "Unrecoverable error" not in worker.output, worker.output

    redis_server.start()  # the same port, empty
    wait_until(
        lambda: worker.output.count("Connected to redis") >= 2,
        timeout=20,
        worker=worker,
        what="the worker to reconnect",
    )
    browser = Client()
    wait_until(
        lambda: worker_health(browser) == "ok",
        timeout=10,
        worker=worker,
        what="/health/ to see the worker's heartbeat again",
    )

    def all_announced() -> bool:
        for ticket, _ in cases:
            sent = Notification.objects.filter(ticket=ticket).exclude(emailed_at=None)
            if sent.count() < 3:  # the warning to the assignee, the breach to them and the lead
                return False
        return not Clock.objects.filter(
            pk__in=[clock.pk for _, clock in cases], state=Clock.State.RUNNING
        ).exists()

    last_breach = max(clock.breach_at for _, clock in cases)
    wait_until(
        all_announced,
        timeout=(last_breach - timezone.now()).total_seconds() + 20,
        worker=worker,
        what="the cases to be warned, breached and e-mailed",
    )
    time.sleep(2)  # room for a late duplicate: a held timer racing the sweep
    assert worker.alive, worker.output
    for ticket, clock in cases:
        clock.refresh_from_db()
        assert clock.state == Clock.State.BREACHED
        assert clock.breached_at == clock.breach_at
        assert_breach_announced_once(ticket, desk, mailbox, worker)
        assert_warned_once(ticket, desk, mailbox, worker)
    assert "Unrecoverable error" not in worker.output


def test_health_reports_a_dead_worker_as_stale_within_its_heartbeat_limit(
    worker, desk_on_redis, settings
):
    settings.WORKER_HEARTBEAT_MAX_AGE = 3
    browser = Client()
    wait_until(
        lambda: worker_health(browser) == "ok",
        timeout=10,
        worker=worker,
        what="/health/ to see the worker's heartbeat",
    )

    worker.kill()
    last_beat = health.last_worker_heartbeat()
    wait_until(
        lambda: worker_health(browser) == "stale",
        timeout=settings.WORKER_HEARTBEAT_MAX_AGE + 5,
        worker=None,
        what="/health/ to report the dead worker",
    )
    reported_after = timezone.now() - last_beat
    assert reported_after <= timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE + 1)
    response = browser.get("/health/")
    assert response.status_code == 200  # documented: a stale worker keeps the web server in
    assert response.json() == {"database": "ok", "cache": "ok", "worker": "stale"}

    # Redis restarts empty, forgetting the heartbeat: still stale once the limit has passed
    # without one, not "unknown" for ever.
    desk_on_redis.stop()
    desk_on_redis.start()
    assert worker_health(browser) == "unknown"
    restarted = time.monotonic()
    wait_until(
        lambda: worker_health(browser) == "stale",
        timeout=settings.WORKER_HEARTBEAT_MAX_AGE + 5,
        worker=None,
        what="/health/ to report the dead worker after Redis restarted",
    )
    assert time.monotonic() - restarted <= settings.WORKER_HEARTBEAT_MAX_AGE + 1
