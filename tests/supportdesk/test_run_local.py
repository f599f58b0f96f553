"""The zero-setup path of ``make run``: SQLite, the filesystem broker, no servers to install.

Runs the same commands as the Makefile in a fresh VAR_DIR, with every URL that would point
at PostgreSQL or Redis removed from the environment.
"""

import contextlib
import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from partners.demo import DEMO_PASSWORD

pytestmark = pytest.mark.integration

ROOT = Path(settings.BASE_DIR)
MANAGE = [sys.executable, "manage.py"]
SERVER_ENV_VARS = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")


@pytest.fixture
def local_env(tmp_path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in SERVER_ENV_VARS}
    for name in ("CACHE_KEY_PREFIX", "PORT", "HOST"):
        env.pop(name, None)
    env.update(VAR_DIR=str(tmp_path / "var"), PYTHONUNBUFFERED="1")
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _port_bindable(port: int) -> bool:
    """What ``run_local`` itself checks before it starts (TIME_WAIT leftovers do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    completed = subprocess.run(
        [*MANAGE, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert completed.returncode == 0, f"manage.py {' '.join(args)}:\n{completed.stderr}"
    return completed.stdout


class Running:
    """A ``run_local`` process whose combined output a background thread collects."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.pid_file = Path(env["VAR_DIR"]) / "run_local.json"
        self.process = subprocess.Popen(
            [*MANAGE, "run_local", "--port", str(port), "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, *texts: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not all(text in self.output for text in texts):
            if self.process.poll() is not None:
                self._reader.join(timeout=5)
                pytest.fail(f"run_local exited ({self.process.returncode}):\n{self.output}")
            if time.monotonic() > deadline:
                pytest.fail(f"No {texts!r} within {timeout} s. Output:\n{self.output}")
            time.sleep(0.2)

    def recorded_groups(self) -> dict[str, int]:
        """The process groups ``run_local`` started, as it records them while it runs."""
        return json.loads(self.pid_file.read_text())

    def stop(self, timeout: float) -> float:
        """Ctrl-C, as a person would press it; return how long it took to exit."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"run_local did not stop within {timeout} s of Ctrl-C:\n{self.output}")
        self._reader.join(timeout=5)
        return time.monotonic() - started

    def cleanup(self, groups: dict[str, int]) -> None:
        """Whatever the test's outcome, leave no process behind."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        if self.pid_file.exists():
            groups = {**groups, **self.recorded_groups()}
        for pgid in [*groups.values(), self.process.pid]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self._reader.join(timeout=5)


def _log_in(base_url: str, email: str, password: str) -> str:
    """Log in like a browser without JavaScript would; return the URL the user ends on."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_url = base_url + "accounts/login/"
    with opener.open(login_url, timeout=10) as response:
        assert response.status == 200
    token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    data = urllib.parse.urlencode(
        {"username": email, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(login_url, data=data, headers={"Referer": login_url})
    with opener.open(request, timeout=30) as response:
        assert response.status == 200
        return response.geturl()


def test_make_run_works_without_any_server(local_env, tmp_path):
    _manage(local_env, "migrate", "--noinput")
    assert "loaded" in _manage(local_env, "load_policy")
    _manage(local_env, "seed_demo")
    assert (tmp_path / "var" / "supportdesk.sqlite3").exists()

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/"
    running = Running(local_env, port)
    groups: dict[str, int] = {}
    try:
        running.wait_for(
            f"Support desk is running at {base_url}", "Worker answered a test task", timeout=60
        )
        groups = running.recorded_groups()
        assert set(groups) == {"web", "worker", "beat"}
        assert all(_group_alive(pgid) for pgid in groups.values())

        with urllib.request.urlopen(base_url + "health/", timeout=10) as response:
            assert json.load(response) == {"database": "ok", "cache": "ok", "worker": "ok"}
        assert _log_in(base_url, "diamond@demo.test", DEMO_PASSWORD) == base_url + "cases/"

        stopped_in = running.stop(timeout=20)

        assert running.process.returncode == 0, running.output
        assert "All processes stopped." in running.output
        alive = [name for name, pgid in groups.items() if _group_alive(pgid)]
        assert alive == [], f"still running {stopped_in:.1f} s after Ctrl-C: {alive}"
        assert not _port_accepts(port)
        assert _port_bindable(port)
        assert not running.pid_file.exists()
    finally:
        running.cleanup(groups)


def test_run_local_refuses_a_port_in_use(local_env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        completed = subprocess.run(
            [*MANAGE, "run_local", "--port", str(port), "--noreload"],
            cwd=ROOT,
            env=local_env,
            capture_output=True,
            text=True,
            timeout=60,
            start_new_session=True,
            check=False,
        )
    assert completed.returncode != 0
    assert f"Port {port}" in completed.stderr
    assert "already in use" in completed.stderr
    assert "Support desk is running" not in completed.stdout
