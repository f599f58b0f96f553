"""A real Celery worker on Redis runs the heartbeat task and records it where /health/ looks.

The worker and this test share a Redis database of their own (not the one REDIS_URL names)
and a unique cache key prefix, so nothing else on that server is read or disturbed.
"""

import os
import time
import uuid
from datetime import datetime, timedelta

import pytest
from django.core.cache.backends.redis import RedisCache

from supportdesk import health
from supportdesk.celery import app
from supportdesk.tasks import heartbeat
from tests.celery_worker import Worker, reset_connections, separate_database

pytestmark = [pytest.mark.redis, pytest.mark.integration]

STARTUP_TIMEOUT = 30


@pytest.fixture
def redis_url() -> str:
    return separate_database(os.environ["REDIS_URL"])


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
    reset_connections()
    yield app
    app.control.purge()  # a message no worker took, if the test failed
    app.conf.update(saved)
    reset_connections()


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
    }
    # The heartbeat needs no database; keep the worker off the one the suite uses.
    env.pop("DATABASE_URL", None)
    running = Worker.start(
        env=env,
        queues=[queue_name],
        app_module="supportdesk",
        options=["--pool=solo", "--concurrency=1"],
    )
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
    result = heartbeat.apply_async(queue=queue_name, ignore_result=False)
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
