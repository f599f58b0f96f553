"""A real Celery worker on Redis runs the heartbeat task and records it where /health/ looks.

The worker and this test share a Redis database of their own (not the one REDIS_URL names)
and a unique cache key prefix, so nothing else on that server is read or disturbed.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache

from supportdesk import health
from supportdesk.celery import app
from supportdesk.tasks import heartbeat

pytestmark = [pytest.mark.redis, pytest.mark.integration]

ROOT = Path(settings.BASE_DIR)
STARTUP_TIMEOUT = 30


def _separate_database(url: str) -> str:
    """REDIS_URL's server, but database 3 (or 2 when REDIS_URL already uses 3)."""
    parts = urlsplit(url)
    current = parts.path.strip("/") or "0"
    return urlunsplit(parts._replace(path="/2" if current == "3" else "/3"))


def _reset_connections() -> None:
    """Forget the broker pool and result backend built from the previous configuration."""
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def redis_url() -> str:
    return _separate_database(os.environ["REDIS_URL"])


@pytest.fixture
def worker_cache(redis_url):
    prefix = f"test-worker-{uuid.uuid4().hex}"
    cache = RedisCache(redis_url, {"KEY_PREFIX": prefix})
    yield prefix, cache
    cache.delete(health.HEARTBEAT_KEY)
    cache.close()


@pytest.fixture
def celery_on(redis_url):
    """Point this process's Celery app at the test's Redis database; restore it afterwards."""
    keys = ("broker_url", "result_backend", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=redis_url, result_backend=redis_url, broker_transport_options={})
    _reset_connections()
    yield app
    app.control.purge()  # a message no worker took, if the test failed
    app.conf.update(saved)
    _reset_connections()


class Worker:
    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 5) -> bool:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._reader.join(timeout=5)


@pytest.fixture
def queue_name() -> str:
    """A queue no other worker listens to, so a parallel run cannot take our task."""
    return f"test-heartbeat-{uuid.uuid4().hex}"


@pytest.fixture
def worker(redis_url, worker_cache, queue_name, tmp_path):
    prefix, _ = worker_cache
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "CACHE_KEY_PREFIX": prefix,
        "VAR_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    # The heartbeat needs no database; keep the worker off the one the suite uses.
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            *("-m", "celery", "-A", "supportdesk", "worker"),
            *("--pool=solo", "--concurrency=1", "--loglevel=INFO", "--without-heartbeat"),
            *("--without-gossip", "--without-mingle", "-Q", queue_name),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    running = Worker(process)
    try:
        yield running
    finally:
        running.stop()


def _wait_until_ready(worker: Worker, result) -> None:
    """Wait for the result, failing at once (with the worker's log) if the worker dies."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not result.ready():
        if worker.process.poll() is not None:
            pytest.fail(f"The worker exited ({worker.process.returncode}):\n{worker.output}")
        if time.monotonic() > deadline:
            pytest.fail(f"No worker answered in {STARTUP_TIMEOUT} s. Its log:\n{worker.output}")
        time.sleep(0.2)


def test_worker_runs_heartbeat_and_records_it_in_the_cache(
    worker, worker_cache, celery_on, queue_name
):
    _, cache = worker_cache
    assert cache.get(health.HEARTBEAT_KEY) is None

    sent_at = datetime.now().astimezone()
    result = heartbeat.apply_async(queue=queue_name)
    try:
        _wait_until_ready(worker, result)
        value = result.get(timeout=30)
    except Exception as error:
        pytest.fail(f"The task failed ({error!r}). The worker's log:\n{worker.output}")
    finally:
        result.forget()

    answered = datetime.fromisoformat(value)
    assert answered.tzinfo is not None
    assert timedelta(seconds=-1) < answered - sent_at < timedelta(seconds=STARTUP_TIMEOUT)
    # The worker process wrote it to the shared Redis cache, where /health/ reads it.
    assert cache.get(health.HEARTBEAT_KEY) == value
    assert worker.wait_for(f"Task supportdesk.heartbeat[{result.id}] succeeded"), worker.output
