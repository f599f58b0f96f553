"""``/health/``: what load balancers and ``make run`` poll."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

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
