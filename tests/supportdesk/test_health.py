"""``/health/``: what load balancers and ``make run`` poll."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone

import supportdesk.settings as project_settings
from supportdesk import health
from supportdesk.tasks import heartbeat

pytestmark = pytest.mark.django_db

URL = "/health/"


def test_health_reports_the_database_ok(client):
    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["database"] == "ok"
    assert body["cache"] == "ok"


def test_health_needs_no_login(client):
    assert client.get(URL).status_code == 200


def test_health_is_never_cached(client):
    cache_control = client.get(URL)["Cache-Control"]
    assert "no-cache" in cache_control or "no-store" in cache_control


def test_worker_unknown_without_a_heartbeat(client):
    assert client.get(URL).json()["worker"] == "unknown"


def test_worker_ok_after_a_heartbeat(client):
    health.record_worker_heartbeat(timezone.now())

    assert client.get(URL).json()["worker"] == "ok"


def test_worker_ok_after_the_beat_task_ran(client):
    heartbeat()

    assert client.get(URL).json()["worker"] == "ok"


def test_worker_stale_when_the_heartbeat_is_too_old(client, settings):
    settings.WORKER_HEARTBEAT_MAX_AGE = 180
    health.record_worker_heartbeat(timezone.now() - timedelta(seconds=181 + 5))

    response = client.get(URL)

    assert response.json()["worker"] == "stale"
    # A stale worker does not take the web server out of the load balancer.
    assert response.status_code == 200


def test_worker_ok_when_the_heartbeat_is_just_inside_the_limit(client, settings):
    settings.WORKER_HEARTBEAT_MAX_AGE = 180
    health.record_worker_heartbeat(timezone.now() - timedelta(seconds=170))

    assert client.get(URL).json()["worker"] == "ok"


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(0), "ok"),
        (timedelta(seconds=60), "ok"),
        (timedelta(seconds=60, microseconds=1), "stale"),
        (timedelta(hours=5), "stale"),
    ],
)
def test_worker_state_by_heartbeat_age(settings, age, expected):
    settings.WORKER_HEARTBEAT_MAX_AGE = 60
    now = timezone.now()
    health.record_worker_heartbeat(now - age)

    assert health.check(now)["worker"] == expected


def test_the_latest_heartbeat_wins(settings):
    settings.WORKER_HEARTBEAT_MAX_AGE = 60
    now = timezone.now()
    health.record_worker_heartbeat(now - timedelta(hours=1))
    health.record_worker_heartbeat(now - timedelta(seconds=5))

    assert health.check(now)["worker"] == "ok"


class _UnreachableDatabase:
    def cursor(self):
        raise OperationalError("connection refused")


def test_database_down_gives_503(client, monkeypatch):
    monkeypatch.setattr(health, "connection", _UnreachableDatabase())

    response = client.get(URL)

    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_no_heartbeat_for_longer_than_the_limit_is_stale(settings):
    # No worker has run since the check first looked (or since Redis restarted empty).
    settings.WORKER_HEARTBEAT_MAX_AGE = 60
    now = timezone.now()

    assert health.check(now)["worker"] == "unknown"
    assert health.check(now + timedelta(seconds=60))["worker"] == "unknown"
    assert health.check(now + timedelta(seconds=61))["worker"] == "stale"


def test_a_dead_worker_is_stale_after_redis_restarted_empty(settings):
    settings.WORKER_HEARTBEAT_MAX_AGE = 45
    now = timezone.now()
    health.record_worker_heartbeat(now)
    assert health.check(now)["worker"] == "ok"

    cache.clear()  # Redis restarted without its data; the worker died meanwhile
    back = now + timedelta(minutes=10)

    assert health.check(back)["worker"] == "unknown"
    assert health.check(back + timedelta(seconds=46))["worker"] == "stale"


def test_a_heartbeat_ends_the_wait_for_one(settings):
    settings.WORKER_HEARTBEAT_MAX_AGE = 60
    now = timezone.now()
    assert health.check(now)["worker"] == "unknown"

    health.record_worker_heartbeat(now + timedelta(seconds=100))
    assert health.check(now + timedelta(seconds=100))["worker"] == "ok"

    # The heartbeat alone lost (evicted): the wait starts again from the next check.
    cache.delete(health.HEARTBEAT_KEY)
    assert health.check(now + timedelta(seconds=101))["worker"] == "unknown"


class _UnreachableCache:
    """What the degrading Redis cache does while Redis is down: reads miss, writes are dropped."""

    def get(self, key, default=None):
        return default

    def set(self, key, value, timeout=None):
        pass

    def add(self, key, value, timeout=None):
        return False


def test_the_cache_down_leaves_the_worker_unknown(client, monkeypatch):
    monkeypatch.setattr(health, "cache", _UnreachableCache())

    body = client.get(URL).json()

    assert body["cache"] == "down"
    assert body["worker"] == "unknown"


def test_by_default_a_dead_worker_is_reported_within_a_minute():
    # Beat sends a heartbeat several times within the limit, so one late heartbeat is not
    # taken for a dead worker, and the limit is under a minute.
    assert project_settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]["schedule"] == (
        project_settings.WORKER_HEARTBEAT_SECONDS
    )
    assert (
        2 * project_settings.WORKER_HEARTBEAT_SECONDS <= project_settings.WORKER_HEARTBEAT_MAX_AGE
    )
    assert project_settings.WORKER_HEARTBEAT_MAX_AGE <= 60
