"""Running a real Celery worker from a test, on a Redis database of the test's own.

``celery -A tests.celery_worker worker`` runs the project's Celery app with every broker key
prefixed by ``BROKER_KEY_PREFIX``: the queues keep their names (``sla``, ``notifications``…)
but live under that prefix, so two test runs sharing a Redis server never take each other's
tasks. The test process sends its tasks with the same prefix (``use_broker``).
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis
from django.conf import settings

from supportdesk.celery import app

KEY_PREFIX_VARIABLE = "BROKER_KEY_PREFIX"
ROOT = Path(settings.BASE_DIR)


def redis_transport_options() -> dict:
    """The project's broker options for Redis (timeouts, visibility timeout), if it uses it."""
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        return dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    return {}


def prefixed(prefix: str) -> dict:
    """Settings that put the broker's and the result backend's keys under ``prefix``, on top
    of the project's own Redis transport options."""
    return {
        "broker_transport_options": {**redis_transport_options(), "global_keyprefix": prefix},
        "result_backend_transport_options": {"global_keyprefix": prefix},
    }


def delete_prefixed(redis_url: str, prefix: str) -> None:
    """Remove what a test's worker left in Redis: queues, bindings, results."""
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


if os.environ.get(KEY_PREFIX_VARIABLE):
    app.conf.update(prefixed(os.environ[KEY_PREFIX_VARIABLE]))


def separate_database(url: str) -> str:
    """REDIS_URL's server, but database 3 (or 2 when REDIS_URL already uses 3)."""
    parts = urlsplit(url)
    current = parts.path.strip("/") or "0"
    return urlunsplit(parts._replace(path="/2" if current == "3" else "/3"))


def reset_connections() -> None:
    """Forget the broker pool and result backend built from the previous configuration."""
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


class Worker:
    """A worker process (or any other a test runs) started in a session of its own, with
    its output collected."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def run(cls, command: list[str], *, env: dict[str, str] | None = None) -> "Worker":
        """Any program (gunicorn, nginx…) run from the project's folder the same way."""
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        return cls(process)

    @classmethod
    def start(cls, *, env: dict[str, str], queues: list[str], app_module: str, options=()):
        return cls.run(
            [
                sys.executable,
                *("-m", "celery", "-A", app_module, "worker"),
                *("--loglevel=INFO", "--without-heartbeat", "--without-gossip"),
                *("--without-mingle", "-Q", ",".join(queues)),
                *options,
            ],
            env=env,
        )

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_for(self, text: str, timeout: float = 5) -> bool:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if time.monotonic() > deadline or not self.alive:
                return text in self.output
            time.sleep(0.1)
        return True

    def kill(self) -> None:
        """SIGKILL to the worker and its pool, as the kernel's OOM killer or a lost host would
        end it: no warm shutdown, nothing acknowledged or handed back."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Warm shutdown; whatever of its session is left after that (pool children, an
        embedded beat) is killed, so no process outlives the test."""
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=5)
        self._reader.join(timeout=5)
