"""Serve the whole product on this machine: web server, Celery worker and Celery beat.

``make run`` calls this after migrating and seeding. Ctrl-C stops every process it started.
The links in the e-mails they send point at the port it serves on (``SITE_URL``), and each
e-mail prints as one line (recipient, subject), so the start-up banner with the address and
the demo logins stays in view; either can be set otherwise in the environment.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from partners.demo import DEMO_PASSWORD, ORGANISATIONS, USERS

GRACE_SECONDS = 10
PID_FILE = Path(settings.VAR_DIR) / "run_local.json"
ONE_LINE_EMAIL_BACKEND = "core.email_console.OneLineConsoleBackend"
WILDCARD_HOSTS = {"", "0.0.0.0", "::"}  # noqa: S104 (names them, binds nothing)


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat together until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--noreload", action="store_true", help="Do not restart the web server on code changes."
        )

    def handle(self, *args, host: str, port: int, noreload: bool, **options):
        if not _port_free(host, port):
            raise CommandError(
                f"Port {port} on {host} is already in use. Stop what runs there, "
                f"or choose another port: make run PORT=8001"
            )
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "supportdesk"]
        web = [python, "manage.py", "runserver", f"{host}:{port}"]
        if noreload:
            web.append("--noreload")
        commands = {
            "web": web,
            "worker": [*celery, "worker", "--loglevel=WARNING", "--concurrency=2"],
            "beat": [*celery, "beat", "--loglevel=WARNING"],
        }
        processes: dict[str, subprocess.Popen] = {}
        stop_requested = threading.Event()

        def request_stop(signum, frame):
            # Only note it here; the main loop does the stopping, outside the handler.
            stop_requested.set()

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

        cwd = Path(settings.BASE_DIR)
        env = child_environment(os.environ, host=host, port=port)
        try:
            for name, command in commands.items():
                # Each in its own process group, so stopping one also stops what it spawned
                # (the reloader's server, the worker's pool).
                processes[name] = subprocess.Popen(  # noqa: S603
                    command, cwd=cwd, env=env, start_new_session=True
                )
            PID_FILE.write_text(json.dumps({name: p.pid for name, p in processes.items()}))

            url = f"http://{host}:{port}/"
            if _wait_for_health(url, processes, stop_requested, timeout=60):
                worker_seconds = _check_worker(stop_requested)
                if not stop_requested.is_set():
                    self._banner(url, worker_seconds)
            elif not stop_requested.is_set():
                self.stderr.write("The web server did not come up; see the output above.")
                stop_requested.set()

            while not stop_requested.is_set():
                exited = [name for name, p in processes.items() if p.poll() is not None]
                if exited:
                    code = processes[exited[0]].returncode
                    self.stderr.write(f"The {exited[0]} process exited ({code}).")
                    break
                stop_requested.wait(0.5)
        finally:
            self.stdout.write("\nStopping the web server, worker and beat…")
            _stop_all(processes)
        self.stdout.write("All processes stopped.")

    def _banner(self, url: str, worker_seconds: float | None) -> None:
        worker = (
            f"answered a test task in {worker_seconds:.1f} s"
            if worker_seconds is not None
            else "has not answered yet (it may still be starting)"
        )
        lines = [
            "",
            "=" * 64,
            f"  Support desk is running at {url}",
            f"  Worker {worker}; beat is scheduling.",
            f"  Demo accounts (password: {DEMO_PASSWORD}):",
            *(f"    {user.email:<22} {_describe(user)}" for user in USERS),
            "  Press Ctrl-C to stop everything.",
            "=" * 64,
            "",
        ]
        self.stdout.write("\n".join(lines))


def child_environment(environ, *, host: str, port: int) -> dict[str, str]:
    """The environment of the web server, worker and beat: e-mails link to this server
    and print one line each, unless the environment already says otherwise."""
    env = dict(environ)
    shown = "127.0.0.1" if host in WILDCARD_HOSTS else host
    if ":" in shown:
        shown = f"[{shown}]"
    env.setdefault("SITE_URL", f"http://{shown}:{port}")
    if "EMAIL_URL" not in env:
        env.setdefault("EMAIL_BACKEND", ONE_LINE_EMAIL_BACKEND)
    return env


def _describe(user) -> str:
    if user.roles:
        return ", ".join(role.label for role in user.roles)
    organisation = next(o for o in ORGANISATIONS if o.key == user.organisation)
    status = f"{organisation.tier.label} partner" if organisation.tier else organisation.kind.label
    return f"{status}, {organisation.name}"


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _wait_for_health(url: str, processes: dict, stop: threading.Event, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.is_set():
        if any(p.poll() is not None for p in processes.values()):
            return False
        try:
            with urllib.request.urlopen(url + "health/", timeout=2) as response:  # noqa: S310
                if json.load(response).get("database") == "ok":
                    return True
        except OSError:
            pass
        stop.wait(0.3)
    return False


def _check_worker(stop: threading.Event, timeout: float = 20) -> float | None:
    """Send a heartbeat through the broker and wait for the worker to record it."""
    from supportdesk import health
    from supportdesk.tasks import heartbeat

    started = time.monotonic()
    before = health.last_worker_heartbeat()
    heartbeat.delay()
    while time.monotonic() - started < timeout and not stop.is_set():
        latest = health.last_worker_heartbeat()
        if latest is not None and latest != before:
            return time.monotonic() - started
        stop.wait(0.3)
    return None


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def _stop_all(processes: dict[str, subprocess.Popen]) -> None:
    # The leader first, so the worker can shut its pool down warmly...
    for process in processes.values():
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
        # ...then anything it left behind (the reloader's server process).
        _signal_group(process, signal.SIGTERM)
    time.sleep(0.5)
    for process in processes.values():
        _signal_group(process, signal.SIGKILL)
    PID_FILE.unlink(missing_ok=True)
