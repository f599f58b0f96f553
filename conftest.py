"""Suite-wide set-up: fast password hashing, a fresh cache per test, and the rules for tests
that need Redis or a browser (skipped with a reason locally, required under CI=true)."""

import os
import shutil
import uuid

import pytest

# live_server runs in a thread while Playwright's sync API holds an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def redis_available() -> bool:
    url = os.environ.get("REDIS_URL")
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def pytest_sessionstart(session):
    if not CI:
        return
    missing = []
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        missing.append("DATABASE_URL pointing at PostgreSQL")
    if not redis_available():
        missing.append("a reachable REDIS_URL")
    if not chromium_available():
        missing.append(f"Chromium at {CHROMIUM}")
    if missing:
        pytest.exit("CI=true but the suite lacks: " + "; ".join(missing), returncode=3)


def pytest_collection_modifyitems(config, items):
    if CI:
        return
    skip_browser = pytest.mark.skip(
        reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    )
    skip_redis = pytest.mark.skip(reason="needs REDIS_URL pointing at a running Redis")
    has_chromium, has_redis = chromium_available(), None
    for item in items:
        if "browser" in item.keywords and not has_chromium:
            item.add_marker(skip_browser)
        if "redis" in item.keywords:
            if has_redis is None:
                has_redis = redis_available()
            if not has_redis:
                item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4()}",
        }
    }


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
