"""The services a test starts for itself, and the waits and skips around them.

A ``redis-server`` of the test's own (``RedisServer``; the fixtures ``private_redis`` and
``desk_on_redis``, which puts this process's broker and cache on it), gunicorn on the test
database (``run_gunicorn``) or any other server that answers ``/health/`` (``serving``), and a
Celery worker (``run_worker``, see ``tests.celery_worker``). A module that uses one of the
fixtures imports it, with the fixtures it depends on.

``need`` skips a test when something it needs is missing, except under CI, where that fails
it.
"""

import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

import supportdesk.settings as project_settings
from tests.celery_worker import (
    KEY_PREFIX_VARIABLE,
    ROOT,
    Worker,
    app,
    delete_prefixed,
    prefixed,
    redis_transport_options,
    reset_connections,
    separate_database,
)

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
STARTUP_TIMEOUT = 30
REDIS_SERVER = shutil.which("redis-server")
DEGRADING_CACHE = "supportdesk.cache.DegradingRedisCache"
# The cache keys of this process and of a worker it runs on the private Redis: the same, so
# that each reads what the other wrote (the worker's heartbeat, say).
PRIVATE_CACHE_PREFIX = "private-redis"
QUEUES = ["default", "sla", "notifications"]


def need(available: bool, reason: str) -> None:
    """Skip with ``reason`` when something is missing, except under CI, where it fails."""
    if not available:
        (pytest.fail if CI else pytest.skip)(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Waited {timeout} s for {what}")
        time.sleep(0.1)


# --- Redis -------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of the test's own on a free port, without persistence: stopped and
    started again, it comes back empty on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, timeout=10, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def queued(self, queue: str) -> list[dict]:
        """The task messages waiting in ``queue``: name and arguments of each."""
        client = redis.Redis.from_url(self.url)
        try:
            raw = client.lrange(queue, 0, -1)
        finally:
            client.close()
        messages = [json.loads(item)["headers"] for item in raw]
        return [{"task": m["task"], "args": m["argsrepr"]} for m in messages]


@pytest.fixture
def private_redis():
    need(REDIS_SERVER is not None, "needs the redis-server program (apt-get install redis)")
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def desk_on_redis(private_redis, settings):
    """This process's broker and cache on the private Redis, as the project configures them
    for REDIS_URL; put back afterwards."""
    if project_settings.REDIS_URL:
        assert project_settings.CACHES["default"]["BACKEND"] == DEGRADING_CACHE
        cache = dict(project_settings.CACHES["default"])
    else:
        options = {"socket_connect_timeout": 1, "socket_timeout": 1}
        cache = {"BACKEND": DEGRADING_CACHE, "OPTIONS": options}
    settings.CACHES = {
        "default": {**cache, "LOCATION": private_redis.url, "KEY_PREFIX": PRIVATE_CACHE_PREFIX}
    }
    keys = ("broker_url", "result_backend", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=private_redis.url,
        result_backend=private_redis.url,
        broker_transport_options=redis_transport_options() or {"socket_connect_timeout": 2},
    )
    reset_connections()
    yield private_redis
    app.conf.update(saved)
    reset_connections()


# --- The test database, for the processes a test starts -----------------------------------


def database_url(*, reachable_by: str, port: int | None = None) -> str:
    """DATABASE_URL naming the test database, for the process ``reachable_by`` names; through
    a proxy on 127.0.0.1:``port`` when given. That process reads what the test commits, so
    the test runs outside a transaction."""
    need(
        connection.vendor == "postgresql",
        f"needs PostgreSQL, reachable by {reachable_by}: set DATABASE_URL",
    )
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"127.0.0.1:{port}" if port else f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def worker_database_url(transactional_db) -> str:
    return database_url(reachable_by="the worker")


# --- Web servers -------------------------------------------------------------------------


def answers(port: int) -> bool:
    """Whether the server on 127.0.0.1:``port`` answers ``/health/`` with 200."""
    with contextlib.suppress(OSError):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/health/")
            return conn.getresponse().status == 200
        finally:
            conn.close()
    return False


@contextlib.contextmanager
def serving(server: Worker, *, port: int, what: str):
    """``server`` once it answers ``/health/`` on ``port``; stopped when the block ends,
    passed or failed."""

    def ready() -> bool:
        if not server.alive:
            pytest.fail(f"{what} exited:\n{server.output}")
        return answers(port)

    try:
        wait_for(ready, timeout=STARTUP_TIMEOUT, what=f"{what} to answer /health/")
        yield server
    finally:
        server.stop()


def web_env(*, database_url: str, secret_key: str, var_dir: Path, **settings: str) -> dict:
    """The environment of the web server as production runs it (DEBUG off), plus
    ``settings``. Its cache and broker stay local to it, in ``var_dir``: a test shares only
    the database with it."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1",
        "VAR_DIR": str(var_dir),
    }
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    return {**env, **settings}


@contextlib.contextmanager
def run_gunicorn(*, env: dict, port: int, threads: int, workers: int = 1, access_log: str = ""):
    """gunicorn as the Dockerfile runs it, on 127.0.0.1:``port``, until the block ends. With
    ``access_log`` (a format) it logs each request through the image's access logger."""
    logging = []
    if access_log:
        logging = [
            *("--access-logfile", "-", "--access-logformat", access_log),
            *("--logger-class", "supportdesk.accesslog.AccessLogger"),
        ]
    server = Worker.run(
        [
            sys.executable,
            *("-m", "gunicorn", "supportdesk.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
            *("--threads", str(threads), "--timeout", "30"),
            *("--graceful-timeout", "2", "--error-logfile", "-"),
            *logging,
        ],
        env=env,
    )
    with serving(server, port=port, what="gunicorn"):
        yield server


def collect_static(env: dict) -> None:
    """The static files collected into ``env``'s VAR_DIR, as the image collects them."""
    collect = subprocess.run(
        [
            *(sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"),
            *("-i", "admin", "-i", "rest_framework", "-i", "drf_spectacular_sidecar"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collect.returncode == 0, collect.stderr


# --- Celery workers ----------------------------------------------------------------------


@pytest.fixture
def mailbox(tmp_path) -> Path:
    """The folder a worker writes its e-mails to, one file per connection."""
    path = tmp_path / "mail"
    path.mkdir()
    return path


def worker_env(
    *, database_url: str, redis_url: str, cache_key_prefix: str, mailbox: Path, var_dir: Path
) -> dict:
    """A worker's environment: the test database, one Redis for its broker, results and
    cache, and its e-mails written into ``mailbox``."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "CACHE_KEY_PREFIX": cache_key_prefix,
        "EMAIL_URL": f"filemail:///{mailbox}",
        "VAR_DIR": str(var_dir),
    }


def run_worker(*, env: dict, app_module: str, options: list[str]) -> Worker:
    """A Celery worker on ``QUEUES``, once it is ready; the test fails with its log when it
    does not start."""
    worker = Worker.start(env=env, queues=QUEUES, app_module=app_module, options=options)
    if not worker.wait_for(" ready.", timeout=STARTUP_TIMEOUT):
        worker.stop()
        pytest.fail(f"The worker did not start. Its log:\n{worker.output}")
    return worker


# --- A Celery worker of the test's own -----------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    return separate_database(os.environ["REDIS_URL"])


@pytest.fixture
def key_prefix() -> str:
    return f"test-worker-{uuid.uuid4().hex}:"


@pytest.fixture
def broker(redis_url, key_prefix):
    """This process sends its tasks where the test's worker listens; restored afterwards."""
    keys = ("broker_url", "result_backend")
    saved = {key: app.conf[key] for key in (*keys, *prefixed(key_prefix))}
    app.conf.update(broker_url=redis_url, result_backend=redis_url, **prefixed(key_prefix))
    reset_connections()
    yield app
    app.conf.update(saved)
    reset_connections()
    delete_prefixed(redis_url, key_prefix)


@pytest.fixture
def start_worker(worker_database_url, redis_url, key_prefix, broker, mailbox, tmp_path):
    """Start a worker (with beat if asked) on the test database and a Redis database and key
    prefix of the test's own; every worker started is stopped when the test ends, passed
    or failed."""
    started: list[Worker] = []
    env = worker_env(
        database_url=worker_database_url,
        redis_url=redis_url,
        cache_key_prefix=key_prefix,
        mailbox=mailbox,
        var_dir=tmp_path / "var",
    )

    def start(*, beat: bool = False, concurrency: int = 1, **settings: str) -> Worker:
        pool = ["--pool=solo"] if concurrency == 1 else ["--pool=prefork"]
        options = [*pool, f"--concurrency={concurrency}", *(["--beat"] if beat else [])]
        worker = run_worker(
            env={**env, KEY_PREFIX_VARIABLE: key_prefix, **settings},
            app_module="tests.celery_worker",
            options=options,
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
