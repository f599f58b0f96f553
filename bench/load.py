"""A bounded load test of the whole desk, served the way production serves it.

python bench/load.py [--users 50] [--seconds 60] [--cases 200] [--keep]
                     [--out bench/results/<date>-load.json]

It needs PostgreSQL (``DATABASE_URL``) and Redis. It works in a database of its own next to
the one ``DATABASE_URL`` names (``<name>_load``: created, migrated, loaded with the support
policy, the holidays and the demo data, plus partner organisations and accounts for the
simulated people and ``--cases`` older cases for the queue; dropped at the end unless
``--keep``) and in Redis database 9 (``--redis-url``), which it empties first.

It starts gunicorn on the loopback with production settings (``DEBUG=false``, a random
``SECRET_KEY``), a Celery worker and Celery beat, so SLA timers, the sweep and the notices run
as they do in production. Then ``--users`` people work at once for ``--seconds`` seconds,
each after signing in through the login form once:

- partners open cases through the portal form (with its CSRF token and live fragments) and
  through the API, read and answer their cases on both;
- agents page the queue with filters (page and API), open cases, answer and take them;
- NOC engineers watch the board, the fragment it polls and the wall screen;
- monitoring systems post alerts with their API token: new problems, repeats of an open
  one, retries, and serials no PBX has.

Afterwards every case the desk accepted (a 302 from the form, a 201 from the API or the
alert intake, with the number it gave) is looked up in the database with its SLA clocks, as
are the replies and alerts. It prints a Markdown table (count, errors, 5xx and
p50/p95/p99 milliseconds per action, requests per second), writes the JSON report to
``--out`` and exits 0 on PASS: no 5xx, no unexpected answer, nothing lost. It exits 1 on
FAIL, 2 when PostgreSQL or Redis is missing.
"""

import argparse
import contextlib
import http.client
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "load-test-password-4711"
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 120  # seconds; a request slower than this is an error
IDLE_SECONDS = 1.5  # a connection idle for longer is opened again
GUNICORN_TIMEOUT = 30
START_TIMEOUT = 90
DRAIN_SECONDS = 30
CATCH_UP_SECONDS = 300
# Shares of the simulated people; monitoring systems take what is left.
SHARES = {"partner": 0.5, "agent": 0.26, "noc": 0.12}
PARTNERS_PER_ORGANISATION = 3


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50, help="people working at once")
    parser.add_argument("--seconds", type=float, default=60, help="how long they work")
    parser.add_argument("--cases", type=int, default=200, help="older cases in the queue")
    parser.add_argument("--think-ms", type=int, default=200, help="longest pause between actions")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn process")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--seed", type=int, default=4711, help="random seed of the mix")
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.users < 4:
        parser.error("--users must be at least 4: one of each kind of person")
    return args


def load_database_url(url: str) -> str:
    """``url`` with ``_load`` appended to the database name."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path=f"/{name}_load"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def desk_environment(args, *, var_dir: Path, port: int) -> dict[str, str]:
    """The production settings for every process of the run (database aside)."""
    return {
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "SITE_URL": f"http://{HOST}:{port}",
        "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": args.redis_url,
        "CELERY_RESULT_BACKEND": args.redis_url,
        "CACHE_KEY_PREFIX": "supportdesk-load",
        "VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(var_dir / "media"),
        "EMAIL_URL": "consolemail://",
        # Plain HTTP on the loopback, where no TLS proxy sits in front.
        "SECURE_COOKIES": "false",
        "SECURE_SSL_REDIRECT": "false",
        # Every simulated client comes from 127.0.0.1, so the per-address limit of the token
        # endpoint would count them all as one.
        "API_AUTH_RATE": "10000/min",
        "GUNICORN_WORKERS": str(args.workers),
        "PYTHONUNBUFFERED": "1",
    }


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print(
            "bench/load.py needs PostgreSQL: set DATABASE_URL, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/supportdesk (and a Redis server "
            "for --redis-url).",
            file=sys.stderr,
        )
        sys.exit(2)
    VAR_DIR = Path(tempfile.mkdtemp(prefix="supportdesk-load-"))
    PORT = free_port()
    ENVIRONMENT = desk_environment(ARGS, var_dir=VAR_DIR, port=PORT)
    DATABASE_URL = load_database_url(os.environ["DATABASE_URL"])
    os.environ.update(ENVIRONMENT)

    import django

    django.setup()

from _common import create_bench_database, database_version, drop_bench_database  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from desk.actions.open_case import CaseRequest, case_open  # noqa: E402
from partners.models import Device, Organisation, User  # noqa: E402
from partners.roles import Role  # noqa: E402
from partners.services import user_create  # noqa: E402
from sla.models import Clock, MonitoringAlert  # noqa: E402
from sla.selectors import deadlines_for  # noqa: E402
from tickets.models import Message, Notification, OutgoingEmail, Ticket, parse_number  # noqa: E402

# --- The database, the data and the people --------------------------------------------------


@dataclass
class Person:
    role: str
    email: str
    organisation_id: int | None = None
    # (id, serial, kind, WMS version, firmware version) of the organisation's devices.
    devices: list[tuple] = field(default_factory=list)
    cases: list[int] = field(default_factory=list)


TIERS = [Organisation.Tier.DIAMOND, Organisation.Tier.PLATINUM, Organisation.Tier.GOLD]
TIERS += [Organisation.Tier.SILVER]
REGIONS = [("eu", "IT"), ("us", "US"), ("eu", "DE"), ("us", "US")]
DEVICES = [
    ("CPBX", Device.Kind.CLOUD_PBX, "Cloud PBX Business", "Head office cloud PBX", "7.02.1", ""),
    ("HPBX", Device.Kind.HARDWARE_PBX, "Hardware PBX HP-200", "Branch PBX", "6.10.4", "2.3.1"),
    ("PH01", Device.Kind.DEVICE, "Desk phone DP-40", "Reception phone", "", "1.9.0"),
]


def _organisation(number: int) -> tuple[Organisation, list[tuple]]:
    region, country = REGIONS[number % len(REGIONS)]
    organisation = Organisation(
        name=f"Load Partner {number:02d} Ltd",
        kind=Organisation.Kind.PARTNER,
        tier=TIERS[number % len(TIERS)],
        region=region,
        country=country,
        contact_email=f"support@partner{number:02d}.load.test",
    )
    organisation.full_clean()
    organisation.save()
    devices, pbx = [], None
    for suffix, kind, model, name, wms, firmware in DEVICES:
        device = Device(
            organisation=organisation,
            serial_number=f"LOAD{number:02d}-{suffix}-0001",
            kind=kind,
            model=model,
            name=name,
            wms_version=wms,
            firmware_version=firmware,
            pbx=pbx if kind == Device.Kind.DEVICE else None,
        )
        device.full_clean()
        device.save()
        pbx = device if kind == Device.Kind.CLOUD_PBX else pbx
        devices.append(
            (device.pk, device.serial_number, kind, wms or "7.02.1", firmware or "2.3.1")
        )
    return organisation, devices


def _account(email: str, *, organisation=None, roles=()) -> User:
    user = user_create(
        email=email,
        password=None,
        full_name=email.split("@")[0].replace(".", " ").title(),
        organisation=organisation,
        roles=roles,
    )
    # One hash for every account: hashing 50 passwords would only slow the set-up.
    user.password = HASHED_PASSWORD
    user.save(update_fields=["password"])
    return user


HASHED_PASSWORD = ""


def people_create(users: int) -> list[Person]:
    global HASHED_PASSWORD
    HASHED_PASSWORD = make_password(PASSWORD)
    counts = {role: max(1, round(users * share)) for role, share in SHARES.items()}
    counts["monitor"] = max(1, users - sum(counts.values()))
    counts["partner"] = users - counts["agent"] - counts["noc"] - counts["monitor"]
    people: list[Person] = []
    organisations = math.ceil(counts["partner"] / PARTNERS_PER_ORGANISATION)
    made = [_organisation(number) for number in range(1, organisations + 1)]
    for index in range(counts["partner"]):
        organisation, devices = made[index % organisations]
        email = f"partner{index + 1:02d}@load.test"
        _account(email, organisation=organisation)
        people.append(Person("partner", email, organisation.pk, devices))
    for role, kind in (("agent", Role.AGENT), ("noc", Role.NOC), ("monitor", Role.INTEGRATION)):
        for index in range(counts[role]):
            email = f"{role}{index + 1:02d}@load.test"
            _account(email, roles=(kind, Role.LEAD) if role == "agent" and index == 0 else (kind,))
            people.append(Person(role, email))
    return people


# What partners open: (case type, reason, category, subcategory, device suffix, critical).
CASE_KINDS = [
    ("tech_support", "call-quality", "dropped", "", "CPBX", ""),
    ("tech_support", "call-quality", "audio", "", "CPBX", "call_drops"),
    ("tech_support", "classound-outage", "all-calls", "", "CPBX", "severe_impact"),
    ("tech_support", "pbx-configuration", "trunks", "sip", "HPBX", ""),
    ("tech_support", "devices", "firmware", "", "PH01", ""),
    ("customer_care", "billing", "invoice", "", "", ""),
    ("feature_request", "new-feature", "", "", "", ""),
    ("customer_success", "onboarding", "", "", "", ""),
]
SUBJECTS = [
    "Calls drop after 30 seconds",
    "One-way audio on outbound calls",
    "No calls at all since this morning",
    "SIP trunk registration fails",
    "Desk phones lost their provisioning",
    "Question about the November invoice",
    "Please add call recording export",
    "Training for our new staff",
]


def background_cases(people: list[Person], count: int, *, now: datetime, rng) -> int:
    """Older cases, opened through the service over the past fortnight, so the queue has
    pages and the sweep has breaches to find."""
    partners = [person for person in people if person.role == "partner"]
    users = {user.email: user for user in User.objects.filter(email__endswith="@load.test")}
    devices = {pk: Device.objects.get(pk=pk) for p in partners for pk, *_ in p.devices}
    for number in range(count):
        person = partners[number % len(partners)]
        kind = rng.randrange(len(CASE_KINDS))
        case_type, reason, category, subcategory, suffix, critical = CASE_KINDS[kind]
        device = next((d for d in person.devices if d[1].split("-")[1] == suffix), None)
        ticket, _ = case_open(
            CaseRequest(
                requester=users[person.email],
                case_type=case_type,
                reason=reason,
                category=category or None,
                subcategory=subcategory or None,
                device=devices[device[0]] if device else None,
                subject=f"{SUBJECTS[kind]} (earlier case {number + 1})",
                description="Opened before the load test so that the queue has pages to show.",
                wms_version=device[3] if device and case_type == "tech_support" else "",
                firmware_versions=device[4] if device and case_type == "tech_support" else "",
                critical_criterion=critical,
                reproduced_with_other_operator=True if critical == "call_drops" else None,
            ),
            now=now - timedelta(minutes=rng.randrange(5, 14 * 24 * 60)),
        )
        person.cases.append(ticket.pk)
    return count


# --- The processes ------------------------------------------------------------------------


class Processes:
    """gunicorn, the worker and beat, each in a session of its own with its log in VAR_DIR."""

    def __init__(self, args, environment: dict[str, str]) -> None:
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "supportdesk"]
        self.commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "supportdesk.wsgi:application",
                "--bind",
                f"{HOST}:{PORT}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--timeout",
                str(GUNICORN_TIMEOUT),
                "--error-logfile",
                "-",
            ],
            "worker": [
                *celery,
                "worker",
                "--loglevel=INFO",
                f"--concurrency={args.concurrency}",
                "--hostname=load@%h",
            ],
            "beat": [
                *celery,
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(VAR_DIR / "celerybeat-schedule"),
            ],
        }
        self.environment = environment
        self.running: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    def start(self) -> None:
        for name, command in self.commands.items():
            self.logs[name] = VAR_DIR / f"{name}.log"
            with self.logs[name].open("wb") as log:
                self.running[name] = subprocess.Popen(  # noqa: S603
                    command,
                    cwd=ROOT,
                    env=self.environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )

    def exited(self) -> list[str]:
        return [name for name, process in self.running.items() if process.poll() is not None]

    def stop(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 15
        for process in self.running.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            # Whatever the leader left behind (gunicorn's workers, the worker's pool).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

    def log_text(self, name: str) -> str:
        path = self.logs.get(name)
        return path.read_text(errors="replace") if path and path.exists() else ""


def health(timeout: float = 5) -> dict | None:
    conn = http.client.HTTPConnection(HOST, PORT, timeout=timeout)
    try:
        conn.request("GET", "/health/", headers={"Host": f"{HOST}:{PORT}"})
        response = conn.getresponse()
        return json.loads(response.read())
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def wait_until_up(processes: Processes) -> dict:
    """The web server answers and a worker has run a heartbeat sent through the broker."""
    from supportdesk.tasks import heartbeat

    deadline = time.monotonic() + START_TIMEOUT
    sent = False
    while time.monotonic() < deadline:
        if processes.exited():
            raise RuntimeError(f"{processes.exited()[0]} exited while starting")
        report = health()
        if report and report.get("database") == "ok":
            if not sent:
                heartbeat.delay()
                sent = True
            if report.get("worker") == "ok":
                return report
        time.sleep(0.5)
    raise RuntimeError(f"the desk did not come up within {START_TIMEOUT} s: {health()}")


# --- A simulated browser or API client ------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)

    def location(self) -> str:
        return self.headers.get("Location", "")


@dataclass
class Sample:
    action: str
    status: int  # 0: no answer (connection failed or timed out)
    ms: float
    ok: bool
    at: float


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: list[Sample] = []
        self.problems: dict[str, list[str]] = defaultdict(list)
        # What the desk said it accepted: (kind, ticket id, e-mail of who asked).
        self.accepted_cases: list[tuple[str, int, str]] = []
        self.accepted_replies: list[tuple[str, int | None, str]] = []
        self.answered_alerts: list[tuple[int, int, str]] = []

    def add(self, sample: Sample, problem: str = "") -> None:
        with self.lock:
            self.samples.append(sample)
            if problem and len(self.problems[sample.action]) < 3:
                self.problems[sample.action].append(problem)

    def note(self, kind: str, item: tuple) -> None:
        with self.lock:
            getattr(self, kind).append(item)


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SUBMISSION_KEY = re.compile(r'name="submission_key" value="([^"]*)"')
PARTNER_CASE = re.compile(r'href="/cases/(\d+)/"')
STAFF_CASE = re.compile(r'href="/staff/cases/(\d+)/"')


class Client:
    """One person's keep-alive connection and cookies; every request is timed and judged."""

    def __init__(self, recorder: Recorder, role: str) -> None:
        self.recorder = recorder
        self.role = role
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.conn: http.client.HTTPConnection | None = None
        self.used = 0.0

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        if self.conn is not None and time.monotonic() - self.used > IDLE_SECONDS:
            # gunicorn closes a kept-alive connection after two idle seconds.
            self.conn.close()
            self.conn = None
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, PORT, timeout=REQUEST_TIMEOUT)
            return self.conn, True
        return self.conn, False

    def _headers(self, extra: dict | None, *, api: bool) -> dict:
        headers = {"Host": f"{HOST}:{PORT}", "User-Agent": "supportdesk-load/1"}
        if api and self.token:
            headers["Authorization"] = f"Token {self.token}"
        elif self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    def _keep_cookies(self, message: http.client.HTTPMessage) -> None:
        for header in message.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)

    def send(
        self,
        action: str,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict | None = None,
        expect: tuple[int, ...] = (200,),
        api: bool = False,
    ) -> Answer | None:
        label = f"{self.role}: {action}"
        began = time.perf_counter()
        answer = None
        for attempt in range(2):
            conn, fresh = self._connection()
            try:
                conn.request(method, path, body=body, headers=self._headers(headers, api=api))
                response = conn.getresponse()
                answer = Answer(response.status, response.msg, response.read())
                self.used = time.monotonic()
                break
            except (http.client.HTTPException, OSError) as error:
                conn.close()
                self.conn = None
                # A kept-alive connection the server closed while idle: the request never
                # reached it, so asking again once is what a browser does. Only for reads.
                if fresh or attempt or method != "GET":
                    elapsed = (time.perf_counter() - began) * 1000
                    problem = f"{method} {path}: {type(error).__name__}: {error}"
                    self.recorder.add(Sample(label, 0, elapsed, False, time.time()), problem)
                    return None
        elapsed = (time.perf_counter() - began) * 1000
        self._keep_cookies(answer.headers)
        ok = answer.status in expect
        problem = ""
        if not ok:
            problem = f"{method} {path} → {answer.status}: {_gist(answer)}"
        self.recorder.add(Sample(label, answer.status, elapsed, ok, time.time()), problem)
        return answer

    def get(self, action: str, path: str, **kwargs) -> Answer | None:
        return self.send(action, "GET", path, **kwargs)

    def post_form(self, action: str, path: str, fields: dict, **kwargs) -> Answer | None:
        body = urlencode(fields, doseq=True).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://{HOST}:{PORT}",
            **kwargs.pop("headers", {}),
        }
        return self.send(action, "POST", path, body=body, headers=headers, **kwargs)

    def post_multipart(self, action: str, path: str, fields: dict, files=(), **kwargs):
        body, content_type = multipart(fields, files)
        headers = {"Content-Type": content_type, "Origin": f"http://{HOST}:{PORT}"}
        return self.send(action, "POST", path, body=body, headers=headers, **kwargs)

    def post_json(self, action: str, path: str, data: dict, **kwargs) -> Answer | None:
        headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
        body = json.dumps(data).encode()
        return self.send(action, "POST", path, body=body, headers=headers, api=True, **kwargs)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def _gist(answer: Answer) -> str:
    text = answer.text
    if "<html" in text[:500].lower():
        found = re.search(r'class="(?:errorlist|error|messages?)[^"]*"[^>]*>(.{0,300})', text, re.S)
        text = found.group(1) if found else text
        text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(text.split())[:300]


def multipart(fields: dict, files=()) -> tuple[bytes, str]:
    """A form as a browser sends it when the form can carry files."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    chunks = [part.encode() for part in parts]
    for name, filename, content in files:
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/plain\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def csrf_of(answer: Answer | None) -> str | None:
    found = CSRF_INPUT.search(answer.text) if answer is not None else None
    return found.group(1) if found else None


# --- What each kind of person does ----------------------------------------------------------


class Simulated:
    def __init__(self, person: Person, recorder: Recorder, rng: random.Random, think: float):
        self.person = person
        self.client = Client(recorder, person.role)
        self.recorder = recorder
        self.rng = rng
        self.think = think
        self.sent = 0

    def log_in(self) -> bool:
        page = self.client.get("login form", "/accounts/login/")
        token = csrf_of(page)
        if token is None:
            return False
        answer = self.client.post_form(
            "log in",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": self.person.email, "password": PASSWORD},
            expect=(302,),
        )
        return answer is not None and answer.status == 302 and "sessionid" in self.client.cookies

    def api_token(self) -> bool:
        answer = self.client.post_json(
            "API token", "/api/auth/token/", {"email": self.person.email, "password": PASSWORD}
        )
        if answer is None or answer.status != 200:
            return False
        self.client.token = answer.json()["token"]
        return True

    def start(self) -> bool:
        return self.log_in()

    def actions(self) -> list[tuple[int, callable]]:
        raise NotImplementedError

    def run(self, until: float) -> None:
        choices = self.actions()
        weights = [weight for weight, _ in choices]
        while time.monotonic() < until:
            (_, action), *_ = self.rng.choices(choices, weights=weights)
            try:
                action()
            except Exception as error:  # a bug of the simulation must not stop the others
                self.recorder.add(
                    Sample(f"{self.person.role}: client error", 0, 0, False, time.time()),
                    f"{type(error).__name__}: {error}",
                )
            time.sleep(self.rng.uniform(0, self.think))
        self.client.close()


class Partner(Simulated):
    def start(self) -> bool:
        return self.log_in() and self.api_token()

    def actions(self):
        return [
            (14, self.my_cases),
            (14, self.case_page),
            (10, self.open_in_portal),
            (8, self.reply_in_portal),
            (8, self.open_through_api),
            (8, self.cases_through_api),
            (5, self.case_through_api),
            (5, self.reply_through_api),
        ]

    def _learn(self, answer: Answer | None) -> None:
        if answer is not None and answer.status == 200:
            for pk in PARTNER_CASE.findall(answer.text):
                if int(pk) not in self.person.cases:
                    self.person.cases.append(int(pk))

    def _a_case(self) -> int | None:
        cases = self.person.cases
        # Mostly the latest cases, as people follow what they have just opened.
        return self.rng.choice(cases[-10:]) if cases else None

    def my_cases(self):
        query = self.rng.choice(
            ["", "?status=active", "?q=calls", "?page=2", "?case_type=tech_support"]
        )
        self._learn(self.client.get("my cases", f"/cases/{query}"))

    def case_page(self):
        if (pk := self._a_case()) is not None:
            self.client.get("case page", f"/cases/{pk}/")

    def _case(self) -> tuple[tuple, tuple | None, str]:
        kind = self.rng.randrange(len(CASE_KINDS))
        spec = CASE_KINDS[kind]
        device = next((d for d in self.person.devices if d[1].split("-")[1] == spec[4]), None)
        return spec, device, SUBJECTS[kind]

    def open_in_portal(self):
        form = self.client.get("new case form", "/cases/new/")
        token, key = csrf_of(form), SUBMISSION_KEY.search(form.text if form else "")
        if token is None or key is None:
            return
        (case_type, reason, category, subcategory, _, critical), device, subject = self._case()
        # What the page asks for while the partner picks and types (htmx).
        fragment = {"HX-Request": "true"}
        self.client.get(
            "intake fragments",
            f"/cases/new/options/?{urlencode({'case_type': case_type, 'reason': reason})}",
            headers=fragment,
        )
        query = urlencode({"subject": subject, "case_type": case_type, "reason": reason})
        self.client.get("intake fragments", f"/cases/new/suggestions/?{query}", headers=fragment)
        query = urlencode(
            {"case_type": case_type, "reason": reason, "critical_criterion": critical}
        )
        self.client.get("intake fragments", f"/cases/new/response-time/?{query}", headers=fragment)
        fields = {
            "csrfmiddlewaretoken": token,
            "submission_key": key.group(1),
            "case_type": case_type,
            "reason": reason,
            "category": category,
            "subcategory": subcategory,
            "device": device[0] if device else "",
            "subject": f"{subject} ({self.person.email.split('@')[0]})",
            "description": "Since this morning. We restarted the PBX; no change. Ten users.",
            "wms_version": device[3] if device and case_type == "tech_support" else "",
            "firmware_versions": device[4] if device and case_type == "tech_support" else "",
            "critical_criterion": critical,
            "reproduced_with_other_operator": "yes" if critical == "call_drops" else "",
        }
        files = []
        if self.rng.random() < 0.2:
            files = [("attachments", "pbx.log", b"12:00:01 SIP/2.0 408 Request Timeout\n" * 400)]
        answer = self.client.post_multipart(
            "open case (portal)", "/cases/new/", fields, files, expect=(302,)
        )
        if answer is not None and answer.status == 302:
            found = re.fullmatch(r"/cases/(\d+)/", answer.location())
            if found is None:
                self.recorder.add(
                    Sample("partner: open case (portal)", 302, 0, False, time.time()),
                    f"redirected to {answer.location()!r}, not to a case",
                )
                return
            pk = int(found.group(1))
            self.person.cases.append(pk)
            self.recorder.note("accepted_cases", ("portal", pk, self.person.email))
            self.client.get("case page", f"/cases/{pk}/")

    def reply_in_portal(self):
        if (pk := self._a_case()) is None:
            return
        token = csrf_of(self.client.get("case page", f"/cases/{pk}/"))
        if token is None:
            return
        answer = self.client.post_form(
            "reply (portal)",
            f"/cases/{pk}/reply/",
            {"csrfmiddlewaretoken": token, "body": "Still happening, see the attached times."},
            expect=(302,),
        )
        if answer is not None and answer.status == 302:
            self.recorder.note("accepted_replies", ("web", None, self.person.email))

    def open_through_api(self):
        (case_type, reason, category, subcategory, _, critical), device, subject = self._case()
        data = {
            "case_type": case_type,
            "reason": reason,
            "subject": f"{subject} (API, {self.person.email.split('@')[0]})",
            "description": "Reported by our monitoring script through the API.",
        }
        if category:
            data["category"] = category
        if subcategory:
            data["subcategory"] = subcategory
        if device:
            data["device"] = device[1]
        if case_type == "tech_support":
            data |= {"wms_version": device[3], "firmware_versions": device[4]}
            if critical:
                data["critical_criterion"] = critical
            if critical == "call_drops":
                data["reproduced_with_other_operator"] = True
        answer = self.client.post_json(
            "open case (API)",
            "/api/tickets/",
            data,
            headers={"Idempotency-Key": str(uuid.uuid4())},
            expect=(201,),
        )
        if answer is not None and answer.status == 201:
            body = answer.json()
            if parse_number(body["number"]) != body["id"]:
                raise ValueError(f"case {body['id']} came back numbered {body['number']}")
            self.person.cases.append(body["id"])
            self.recorder.note("accepted_cases", ("api", body["id"], self.person.email))

    def cases_through_api(self):
        query = self.rng.choice(["", "?status=open", "?status=new&status=open", "?q=calls"])
        answer = self.client.get("cases (API)", f"/api/tickets/{query}", api=True)
        if answer is not None and answer.status == 200:
            for case in answer.json()["results"]:
                if case["id"] not in self.person.cases:
                    self.person.cases.append(case["id"])

    def case_through_api(self):
        if (pk := self._a_case()) is not None:
            self.client.get("case (API)", f"/api/tickets/{pk}/", api=True)

    def reply_through_api(self):
        if (pk := self._a_case()) is None:
            return
        answer = self.client.post_json(
            "reply (API)",
            f"/api/tickets/{pk}/messages/",
            {"body": "Adding the call IDs from our side: 4411, 4412."},
            expect=(201,),
        )
        if answer is not None and answer.status == 201:
            self.recorder.note("accepted_replies", ("api", answer.json()["id"], self.person.email))


QUEUE_FILTERS = [
    "",
    "?status=new&status=open",
    "?cos=critical",
    "?region=eu&ordering=-created_at",
    "?region=us",
    "?assignee=none",
    "?assignee=me",
    "?q=calls",
    "?case_type=tech_support&tier=gold",
    "?ordering=-updated_at&page_size=50",
]
API_FILTERS = [
    "",
    "?status=open",
    "?cos=critical",
    "?assignee=none",
    "?region=us&status=new",
    "?q=trunk",
    "?ordering=-created_at",
    "?case_type=tech_support&tier=diamond",
]


class Agent(Simulated):
    cases: list[int]

    def actions(self):
        self.cases = []
        return [
            (24, self.queue),
            (8, self.queue_next_page),
            (16, self.queue_through_api),
            (24, self.case_page),
            (6, self.reply),
            (4, self.take),
            (4, self.inbox),
        ]

    def _learn(self, answer: Answer | None) -> None:
        if answer is not None and answer.status == 200:
            found = [int(pk) for pk in STAFF_CASE.findall(answer.text)]
            if found:
                self.cases = found[:50]

    def queue(self):
        self._learn(self.client.get("queue", f"/queue/{self.rng.choice(QUEUE_FILTERS)}"))

    def queue_next_page(self):
        query = self.rng.choice(QUEUE_FILTERS)
        joiner = "&" if query else "?"
        self.client.get("queue page 2", f"/queue/{query}{joiner}page=2")

    def queue_through_api(self):
        answer = self.client.get("queue (API)", f"/api/tickets/{self.rng.choice(API_FILTERS)}")
        if answer is None or answer.status != 200:
            return
        page = answer.json()
        if page["results"]:
            self.cases = [case["id"] for case in page["results"]][:50]
        if page.get("next") and self.rng.random() < 0.5:
            parts = urlsplit(page["next"])
            self.client.get("queue next page (API)", f"{parts.path}?{parts.query}")

    def _a_case(self) -> int | None:
        return self.rng.choice(self.cases) if self.cases else None

    def case_page(self):
        if (pk := self._a_case()) is not None:
            self.client.get("staff case page", f"/staff/cases/{pk}/")

    def reply(self):
        if (pk := self._a_case()) is None:
            return
        token = csrf_of(self.client.get("staff case page", f"/staff/cases/{pk}/"))
        if token is None:
            return
        answer = self.client.post_form(
            "reply",
            f"/staff/cases/{pk}/reply/",
            {
                "csrfmiddlewaretoken": token,
                "visibility": "public",
                "body": "Thank you. We are looking at the traces and will call you back.",
            },
            expect=(302,),
        )
        if answer is not None and answer.status == 302:
            self.recorder.note("accepted_replies", ("web", None, self.person.email))

    def take(self):
        if (pk := self._a_case()) is None:
            return
        token = csrf_of(self.client.get("staff case page", f"/staff/cases/{pk}/"))
        if token is not None:
            self.client.post_form(
                "assign to me",
                f"/staff/cases/{pk}/take/",
                {"csrfmiddlewaretoken": token},
                expect=(302,),
            )

    def inbox(self):
        self.client.get("inbox", "/inbox/")


class Noc(Simulated):
    def actions(self):
        return [
            (20, lambda: self.client.get("board", "/noc/")),
            (60, lambda: self.client.get("board fragment", "/noc/sections/", headers=HTMX)),
            (10, lambda: self.client.get("wall board", "/noc/?wall=1")),
            (10, lambda: self.client.get("inbox", "/inbox/")),
        ]


HTMX = {"HX-Request": "true"}


class Monitor(Simulated):
    """A monitoring system: signs in for its API token once, then posts alerts."""

    serials: list[str]

    def start(self) -> bool:
        return self.api_token()

    def actions(self):
        self.sent_alerts: list[dict] = []
        return [
            (45, self.new_problem),
            (25, self.same_problem),
            (15, self.retry),
            (15, self.unknown_pbx),
        ]

    def _post(self, action: str, alert: dict, expect: tuple[int, ...]) -> None:
        answer = self.client.post_json(action, "/api/noc/alerts/", alert, expect=expect)
        if answer is None or answer.status not in (200, 201, 422):
            return
        body = answer.json()
        self.recorder.note("answered_alerts", (body["alert"], answer.status, self.person.email))
        if answer.status == 201:
            self.sent_alerts.append(alert)
            pk = parse_number(body["ticket"] or "")
            self.recorder.note("accepted_cases", ("alert", pk, self.person.email))

    def _alert(self, serial: str, fingerprint: str) -> dict:
        self.sent += 1
        return {
            "source": "zabbix",
            "pbx_serial": serial,
            "severity": self.rng.choice(["critical", "major", "minor"]),
            "summary": f"PBX {serial} does not answer SIP OPTIONS",
            "details": "3 of 3 probes failed from two locations.",
            "fingerprint": fingerprint,
            "occurred_at": datetime.now(UTC).isoformat(),
        }

    def new_problem(self):
        fingerprint = f"{self.person.email.split('@')[0]}-{self.sent}-{uuid.uuid4().hex[:8]}"
        self._post(
            "alert: new problem", self._alert(self.rng.choice(self.serials), fingerprint), (201,)
        )

    def same_problem(self):
        if not self.sent_alerts:
            return self.new_problem()
        earlier = self.rng.choice(self.sent_alerts[-5:])
        self._post(
            "alert: same problem again",
            self._alert(earlier["pbx_serial"], earlier["fingerprint"]),
            (200,),
        )

    def retry(self):
        if not self.sent_alerts:
            return self.new_problem()
        self._post("alert: retry", self.rng.choice(self.sent_alerts[-5:]), (200,))

    def unknown_pbx(self):
        serial = f"UNKNOWN-{self.rng.randrange(10**6):06d}"
        self._post("alert: unknown PBX", self._alert(serial, f"unknown-{serial}"), (422,))


KINDS = {"partner": Partner, "agent": Agent, "noc": Noc, "monitor": Monitor}


def simulate(people: list[Person], args, recorder: Recorder) -> dict:
    rng = random.Random(args.seed)
    serials = [d[1] for p in people if p.role == "partner" for d in p.devices if "PBX" in d[1]]
    simulated = []
    for person in people:
        one = KINDS[person.role](
            person, recorder, random.Random(rng.random()), args.think_ms / 1000
        )
        if isinstance(one, Monitor):
            one.serials = sorted(set(serials))
        simulated.append(one)

    # People arrive in no particular order; everyone signs in at once, then works for the
    # same window.
    rng.shuffle(simulated)
    signed_in: dict[str, bool] = {}
    began = time.monotonic()
    threads = [
        threading.Thread(target=lambda s=s: signed_in.__setitem__(s.person.email, s.start()))
        for s in simulated
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sign_in_seconds = time.monotonic() - began
    failed = [s.person.email for s in simulated if not signed_in.get(s.person.email)]

    first_sample = len(recorder.samples)
    started, started_at = time.monotonic(), timezone.now()
    until = started + args.seconds
    threads = [
        threading.Thread(target=s.run, args=(until,))
        for s in simulated
        if signed_in.get(s.person.email)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "sign_in_seconds": round(sign_in_seconds, 1),
        "sign_in_failed": failed,
        "window_started_at": started_at,
        "window_seconds": time.monotonic() - started,
        "first_sample": first_sample,
    }


# --- Results --------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summarise(samples: list[Sample]) -> dict:
    by_action: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_action[sample.action].append(sample)
    table = {}
    for action in sorted(by_action):
        rows = by_action[action]
        ms = [row.ms for row in rows]
        table[action] = {
            "count": len(rows),
            "errors": sum(not row.ok for row in rows),
            "server_errors": sum(row.status >= 500 for row in rows),
            "no_answer": sum(row.status == 0 for row in rows),
            "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1),
            "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(max(ms), 1),
        }
    return table


def verify(recorder: Recorder, people: list[Person], *, since: datetime) -> dict:
    """Every case, reply and alert the desk said it took is in the database."""
    emails = {person.email for person in people}
    users = dict(User.objects.filter(email__in=emails).values_list("email", "pk"))
    organisation_of = dict(User.objects.filter(email__in=emails).values_list("pk", "organisation"))
    accepted = {pk: (kind, email) for kind, pk, email in recorder.accepted_cases}
    tickets = {
        ticket.pk: ticket
        for ticket in Ticket.objects.filter(pk__in=list(accepted)).select_related(
            "organisation", "case_type", "reason", "policy"
        )
    }
    clocks: dict[int, set[str]] = defaultdict(set)
    for ticket_id, metric in Clock.objects.filter(ticket__in=list(accepted)).values_list(
        "ticket_id", "metric"
    ):
        clocks[ticket_id].add(metric)

    missing, without_clocks, wrong_clocks, wrong_organisation = [], [], [], []
    for pk, (kind, email) in sorted(accepted.items(), key=lambda item: item[0] or 0):
        ticket = tickets.get(pk)
        if ticket is None:
            missing.append(pk)
            continue
        if not clocks[pk]:
            without_clocks.append(ticket.number)
            continue
        _, deadlines = deadlines_for(
            region=ticket.organisation.region,
            case_type=ticket.case_type.code,
            reason=ticket.reason.code if ticket.reason_id else None,
            cos=ticket.cos,
            at=ticket.created_at,
            policy=ticket.policy,
        )
        if clocks[pk] != {deadline.metric for deadline in deadlines}:
            wrong_clocks.append(f"{ticket.number}: {sorted(clocks[pk])}")
        if kind != "alert" and ticket.organisation_id != organisation_of[users[email]]:
            wrong_organisation.append(ticket.number)

    # Cases opened in the window that nobody was told of (an answer lost on the way).
    opened = set(
        Ticket.objects.filter(created_at__gte=since, created_by__in=users.values()).values_list(
            "pk", flat=True
        )
    )
    untold = sorted(opened - set(accepted))

    web_replies: dict[str, int] = defaultdict(int)
    for channel, _, email in recorder.accepted_replies:
        if channel == "web":
            web_replies[email] += 1
    stored_web = defaultdict(int)
    for author_id in Message.objects.filter(
        created_at__gte=since, author__in=users.values(), channel=Message.Channel.WEB
    ).values_list("author_id", flat=True):
        stored_web[author_id] += 1
    web_mismatch = {
        email: {"accepted": count, "stored": stored_web[users[email]]}
        for email, count in web_replies.items()
        if stored_web[users[email]] != count
    }
    api_ids = [pk for channel, pk, _ in recorder.accepted_replies if channel == "api"]
    stored_api = set(Message.objects.filter(pk__in=api_ids).values_list("pk", flat=True))
    alert_ids = [pk for pk, _, _ in recorder.answered_alerts]
    stored_alerts = set(
        MonitoringAlert.objects.filter(pk__in=alert_ids).values_list("pk", flat=True)
    )
    alerts_in_window = MonitoringAlert.objects.filter(
        received_at__gte=since, received_by__in=users.values()
    ).count()

    result = {
        "cases_accepted": len(accepted),
        "by_channel": {
            kind: sum(k == kind for k, _ in accepted.values())
            for kind in ("portal", "api", "alert")
        },
        "cases_missing": missing,
        "cases_without_clocks": without_clocks,
        "cases_with_wrong_clocks": wrong_clocks[:20],
        "cases_in_wrong_organisation": wrong_organisation,
        "cases_opened_but_not_answered": untold,
        "replies_accepted": len(recorder.accepted_replies),
        "web_replies_mismatch": web_mismatch,
        "api_replies_missing": sorted(set(api_ids) - stored_api),
        "alerts_answered": len(alert_ids),
        "alerts_missing": sorted(set(alert_ids) - stored_alerts),
        "alerts_stored_in_window": alerts_in_window,
    }
    result["passed"] = not any(
        [
            missing,
            without_clocks,
            wrong_clocks,
            wrong_organisation,
            untold,
            web_mismatch,
            result["api_replies_missing"],
            result["alerts_missing"],
            alerts_in_window != len(alert_ids),
        ]
    )
    return result


def broker_backlog(redis_client) -> int:
    return sum(redis_client.llen(name) for name in ("default", "sla", "notifications"))


def drain(redis_client, *, timeout: float) -> float:
    """Wait until the worker has taken every queued task (or ``timeout``); the seconds it took."""
    began = time.monotonic()
    quiet = 0
    while quiet < 3 and time.monotonic() - began < timeout:
        quiet = quiet + 1 if broker_backlog(redis_client) == 0 else 0
        time.sleep(1)
    return round(time.monotonic() - began, 1)


def worker_figures(redis_client, *, since: datetime) -> dict:
    """What the worker and beat did in the window: the notices written and e-mailed."""
    backlog = broker_backlog(redis_client)
    drained_in = drain(redis_client, timeout=DRAIN_SECONDS)
    notices = Notification.objects.filter(created_at__gte=since)
    notice_emails = OutgoingEmail.objects.filter(kind__startswith="notice_", created_at__gte=since)
    by_kind = defaultdict(int)
    for kind in notices.values_list("kind", flat=True):
        by_kind[kind] += 1
    return {
        "notifications": notices.count(),
        "notifications_by_kind": dict(by_kind),
        "notifications_emailed": notice_emails.exclude(sent_at=None).count(),
        "clocks_breached": Clock.objects.filter(state=Clock.State.BREACHED).count(),
        "clocks_warned": Clock.objects.exclude(warned_at=None).count(),
        "backlog_at_end_of_window": backlog,
        "drained_in_seconds": drained_in,
        "broker_backlog": broker_backlog(redis_client),
        "health": health(),
    }


def server_log_problems(processes: Processes) -> dict:
    web, worker = processes.log_text("web"), processes.log_text("worker")
    tracebacks = web.count("Traceback (most recent call last)")
    first = ""
    if tracebacks:
        start = web.index("Traceback (most recent call last)")
        first = web[max(0, start - 300) : start + 3000]
    return {
        "web_tracebacks": tracebacks,
        "web_worker_timeouts": web.count("WORKER TIMEOUT"),
        "deadlocks": web.count("deadlock detected") + worker.count("deadlock detected"),
        "worker_errors": worker.count("ERROR/"),
        "first_web_traceback": first,
    }


def markdown(report: dict) -> str:
    lines = [
        f"Load test: {report['users']} people for {report['seconds']:.0f} s "
        f"({', '.join(f'{n} {role}' for role, n in report['people'].items())}); "
        f"gunicorn {report['server']['workers']}×{report['server']['threads']} threads, "
        f"Celery worker ×{report['server']['concurrency']} and beat.",
        "",
        "| Action | Count | Errors | 5xx | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for action, row in report["actions"].items():
        lines.append(
            f"| {action} | {row['count']} | {row['errors']} | {row['server_errors']} | "
            f"{row['p50_ms']:.0f} | {row['p95_ms']:.0f} | {row['p99_ms']:.0f} |"
        )
    total = report["total"]
    lines += [
        f"| **all** | **{total['count']}** | **{total['errors']}** | "
        f"**{total['server_errors']}** | {total['p50_ms']:.0f} | {total['p95_ms']:.0f} | "
        f"{total['p99_ms']:.0f} |",
        "",
        f"{total['count']} requests in {report['window_seconds']:.1f} s: "
        f"**{report['rps']:.1f} requests per second**. Signing everyone in took "
        f"{report['sign_in']['seconds']} s ({report['sign_in']['requests']} requests, not counted "
        "above).",
    ]
    integrity = report["integrity"]
    lines.append(
        f"Cases accepted: {integrity['cases_accepted']} ({integrity['by_channel']}); replies "
        f"{integrity['replies_accepted']}; alerts answered {integrity['alerts_answered']}."
    )
    worker = report["worker"]
    lines.append(
        f"Worker: {worker['notifications']} notices written in the window, "
        f"{worker['notifications_emailed']} e-mailed; {worker['backlog_at_end_of_window']} tasks "
        f"queued when the window closed, {worker['broker_backlog']} after "
        f"{worker['drained_in_seconds']} s more; health {worker['health']}."
    )
    lines.append("")
    lines.append(f"**{'PASS' if report['passed'] else 'FAIL'}**: " + "; ".join(report["verdict"]))
    return "\n".join(lines)


# --- The run --------------------------------------------------------------------------------


def main() -> int:
    import redis

    args = ARGS
    redis_client = redis.Redis.from_url(args.redis_url)
    try:
        redis_client.ping()
    except redis.RedisError as error:
        print(f"bench/load.py needs Redis at {args.redis_url}: {error}", file=sys.stderr)
        return 2
    redis_client.flushdb()

    original = create_bench_database("load")
    processes = Processes(args, {**os.environ, "DATABASE_URL": DATABASE_URL})
    try:
        began = time.perf_counter()
        call_command("load_policy", verbosity=0)
        call_command("refresh_holidays", verbosity=0)
        call_command("seed_demo", force=True, verbosity=0)
        people = people_create(args.users)
        background_cases(people, args.cases, now=timezone.now(), rng=random.Random(args.seed))
        call_command("collectstatic", interactive=False, verbosity=0)
        seeded_in = time.perf_counter() - began
        connection.close()
        print(f"Seeded {connection.settings_dict['NAME']} in {seeded_in:.0f} s.", file=sys.stderr)

        processes.start()
        wait_until_up(processes)
        # The older cases' warnings and breaches fall due at once when the worker starts;
        # the window measures a desk that has caught up with them.
        caught_up_in = drain(redis_client, timeout=CATCH_UP_SECONDS)
        print(
            f"Desk up at http://{HOST}:{PORT}/ (worker caught up in {caught_up_in:.0f} s); "
            f"{args.users} people for {args.seconds:.0f} s…",
            file=sys.stderr,
        )
        recorder = Recorder()
        run = simulate(people, args, recorder)
        figures = worker_figures(redis_client, since=run["window_started_at"])
        integrity = verify(recorder, people, since=run["window_started_at"])
        exited = processes.exited()
        version = database_version()
    finally:
        processes.stop()
        logs = server_log_problems(processes)
        connection.close()
        if args.keep:
            print(
                f"Kept the database {settings.DATABASES['default']['NAME']} and the logs in "
                f"{VAR_DIR}.",
                file=sys.stderr,
            )
        else:
            drop_bench_database(original)
            shutil.rmtree(VAR_DIR, ignore_errors=True)
        redis_client.flushdb()

    window = recorder.samples[run["first_sample"] :]
    actions = summarise(window)
    all_ms = [sample.ms for sample in window]
    total = {
        "count": len(window),
        "errors": sum(not s.ok for s in window),
        "server_errors": sum(s.status >= 500 for s in window),
        "p50_ms": round(percentile(all_ms, 50), 1) if all_ms else 0,
        "p95_ms": round(percentile(all_ms, 95), 1) if all_ms else 0,
        "p99_ms": round(percentile(all_ms, 99), 1) if all_ms else 0,
    }
    sign_in = recorder.samples[: run["first_sample"]]
    verdict = []
    if total["server_errors"]:
        verdict.append(f"{total['server_errors']} answers were 5xx")
    if total["errors"] - total["server_errors"]:
        verdict.append(f"{total['errors'] - total['server_errors']} other unexpected answers")
    if run["sign_in_failed"] or any(not s.ok for s in sign_in):
        verdict.append(f"{len(run['sign_in_failed'])} people could not sign in")
    if not integrity["passed"]:
        verdict.append("accepted work is missing or incomplete in the database")
    if logs["web_tracebacks"] or logs["deadlocks"]:
        verdict.append(f"{logs['web_tracebacks']} tracebacks, {logs['deadlocks']} deadlocks logged")
    if exited:
        verdict.append(f"{', '.join(exited)} exited during the run")
    passed = not verdict
    if passed:
        verdict.append(
            "no 5xx, every answer as expected, every accepted case is stored with its SLA clocks"
        )
    counts = defaultdict(int)
    for person in people:
        counts[person.role] += 1
    report = {
        "benchmark": "load",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": version,
        "users": args.users,
        "seconds": args.seconds,
        "people": dict(counts),
        "think_ms": [0, args.think_ms],
        "server": {
            "workers": args.workers,
            "threads": args.threads,
            "concurrency": args.concurrency,
            "gunicorn_timeout": GUNICORN_TIMEOUT,
        },
        "seed_seconds": round(seeded_in, 1),
        "worker_catch_up_seconds": caught_up_in,
        "background_cases": args.cases,
        "sign_in": {
            "seconds": run["sign_in_seconds"],
            "requests": len(sign_in),
            "summary": summarise(sign_in),
            "failed": run["sign_in_failed"],
        },
        "window_seconds": round(run["window_seconds"], 2),
        "rps": round(len(window) / run["window_seconds"], 1),
        "total": total,
        "actions": actions,
        "problems": dict(recorder.problems),
        "integrity": integrity,
        "worker": figures,
        "logs": logs,
        "passed": passed,
        "verdict": verdict,
    }
    text = json.dumps(report, indent=2, default=str)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(markdown(report))
    if recorder.problems:
        print("\nUnexpected answers (first of each kind):")
        for action, problems in recorder.problems.items():
            for problem in problems:
                print(f"- {action}: {problem}")
    if logs["first_web_traceback"]:
        print("\nFirst traceback in the web server's log:\n" + logs["first_web_traceback"])
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
