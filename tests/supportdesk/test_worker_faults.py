"""A real Celery worker while its Redis stops and starts again, and ``/health/`` about a
worker that died.

Each test runs a ``redis-server`` of its own, without persistence, so it comes back empty:
the broker and the cache of this process and of the worker. The worker also runs beat, so
the heartbeat and the SLA sweep run as in production, on short intervals. It reads the test
database, so these tests need PostgreSQL.
"""

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sla.models import Clock
from supportdesk import health
from tests.services import PRIVATE_CACHE_PREFIX, run_worker, worker_env
from tests.sla.test_timers_worker import (  # noqa: F401 (fixtures)
    assert_breach_announced_once,
    assert_warned_once,
    desk,
    notice_emails,
    open_case,
    timers_held,
    wait_until,
)

pytestmark = [pytest.mark.fault, pytest.mark.integration]


@pytest.fixture
def worker(desk_on_redis, worker_database_url, mailbox, tmp_path):
    """A worker with beat (the heartbeat every second, the SLA sweep every two), started on
    the test's Redis; stopped when the test ends, passed or failed."""
    env = worker_env(
        database_url=worker_database_url,
        redis_url=desk_on_redis.url,
        cache_key_prefix=PRIVATE_CACHE_PREFIX,
        mailbox=mailbox,
        var_dir=tmp_path / "var",
    )
    running = run_worker(
        env={**env, "WORKER_HEARTBEAT_SECONDS": "1", "SLA_SWEEP_SECONDS": "2"},
        app_module="supportdesk",
        options=["--pool=prefork", "--concurrency=1", "--beat"],
    )
    try:
        yield running
    finally:
        running.stop()


def worker_health(browser: Client) -> str:
    return browser.get("/health/").json()["worker"]


def test_a_worker_holding_sla_timers_outlives_a_redis_restart_and_each_breach_is_recorded_once(
    worker,
    desk_on_redis,
    desk,  # noqa: F811
    mailbox,
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
            sent = notice_emails(ticket).exclude(sent_at=None)
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
