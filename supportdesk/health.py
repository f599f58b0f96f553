"""What the health endpoint reports: can we reach the database, the cache, and is a worker alive.

A worker proves it is alive by running the heartbeat task beat sends every
``WORKER_HEARTBEAT_SECONDS``; it records when in the cache. The heartbeat lives in Redis, so
a Redis that restarted empty has forgotten it, and a worker that died meanwhile never
writes it again. So the check also notes when it first found no heartbeat (a heartbeat
clears the note): one still missing ``WORKER_HEARTBEAT_MAX_AGE`` later means no worker is
running, and reads as stale, like a heartbeat that is too old.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection

HEARTBEAT_KEY = "health:worker-heartbeat"
MISSING_SINCE_KEY = "health:worker-heartbeat-missing-since"


def record_worker_heartbeat(at: datetime) -> datetime:
    cache.set(HEARTBEAT_KEY, at.isoformat(), timeout=None)
    cache.delete(MISSING_SINCE_KEY)
    return at


def last_worker_heartbeat() -> datetime | None:
    value = cache.get(HEARTBEAT_KEY)
    return datetime.fromisoformat(value) if value else None


def heartbeat_missing_since(now: datetime) -> datetime | None:
    """When a check first found no heartbeat (``now`` if this is the first), or None when
    the cache cannot say."""
    cache.add(MISSING_SINCE_KEY, now.isoformat(), timeout=None)
    value = cache.get(MISSING_SINCE_KEY)
    return datetime.fromisoformat(value) if value else None


def worker_state(now: datetime) -> str:
    """``ok`` with a heartbeat younger than ``WORKER_HEARTBEAT_MAX_AGE``; ``stale`` with an
    older one, or with none for that long; ``unknown`` until then, or while the cache is
    unreachable."""
    beat = last_worker_heartbeat()
    if beat is None:
        missing_since = heartbeat_missing_since(now)
        if missing_since is None or now - missing_since <= _max_age():
            return "unknown"
        return "stale"
    return "ok" if now - beat <= _max_age() else "stale"


def _max_age() -> timedelta:
    return timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE)


def check(now: datetime) -> dict[str, str]:
    report = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
    except Exception:  # any failure means "down" to a probe
        report["database"] = "down"
    try:
        cache.set("health:probe", "1", timeout=10)
        report["cache"] = "ok" if cache.get("health:probe") == "1" else "down"
        report["worker"] = worker_state(now) if report["cache"] == "ok" else "unknown"
    except Exception:
        report["cache"] = "down"
        report["worker"] = "unknown"
    return report
