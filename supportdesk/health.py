"""What the health endpoint reports: can we reach the database, the cache, and is a worker alive."""

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection

HEARTBEAT_KEY = "health:worker-heartbeat"


def record_worker_heartbeat(at: datetime) -> datetime:
    cache.set(HEARTBEAT_KEY, at.isoformat(), timeout=None)
    return at


def last_worker_heartbeat() -> datetime | None:
    value = cache.get(HEARTBEAT_KEY)
    return datetime.fromisoformat(value) if value else None


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
        beat = last_worker_heartbeat()
    except Exception:
        report["cache"] = "down"
        beat = None
    if beat is None:
        report["worker"] = "unknown"
    elif (now - beat).total_seconds() <= settings.WORKER_HEARTBEAT_MAX_AGE:
        report["worker"] = "ok"
    else:
        report["worker"] = "stale"
    return report
