"""The reverse proxy of the production shape (``deploy/nginx.conf``) in front of gunicorn.

Slow clients (connections that send a request a header line or a few bytes of body every
few seconds, never finishing) hold a gunicorn thread each: a handful of them take bare
gunicorn down, ``/health/`` included. Debian's nginx, running the repository's own
configuration with this test's port, gunicorn address and folders, reads whole requests
before gunicorn sees them: under the same attack the site answers at once. The same proxy
passes on the host, the client's address and scheme, serves the static files itself and
sends attachment downloads (checked by the app, handed over with X-Accel-Redirect); the app
without a proxy (as ``make run`` serves it) sends them itself.
"""

import gzip
import http.client
import json
import os
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

import supportdesk.settings as project_settings
from tests.celery_worker import ROOT, Worker
from tests.factories import OrganisationFactory, UserFactory
from tests.services import (
    answers,
    collect_static,
    database_url,
    free_port,
    need,
    run_gunicorn,
    serving,
    wait_for,
    web_env,
)
from tests.tickets.factories import TicketFactory
from tickets.models import Attachment, Ticket

NGINX = Path("/usr/sbin/nginx")
CONFIG = ROOT / "deploy" / "nginx.conf"
MEDIA_PREFIX = "/_media/"
# The production image's gunicorn (Dockerfile), with one process: its two threads are all
# there is to hold, whatever the kernel's spreading of connections over processes.
GUNICORN_WORKERS, GUNICORN_THREADS = 1, 2
SLOW_CLIENTS = 8
PROMPT = 3.0  # seconds: an answer slower than this under attack counts as down
# What gunicorn received: the client as the desk counts it (the production image's access
# logger), then the request and the headers the proxy sets.
ACCESS_LOG = "|".join(
    (
        *("%(h)s", "%(r)s", "%({host}i)s"),
        *("%({x-forwarded-for}i)s", "%({x-forwarded-proto}i)s", "%({x-forwarded-host}i)s"),
    )
)
TRACE = b"\xd4\xc3\xb2\xa1 a packet trace"


def render(*, port: int, upstream: int, static: Path, media: Path) -> str:
    """deploy/nginx.conf with this test's port, gunicorn and folders: nothing else changes."""
    text = CONFIG.read_text()
    for production, here in {
        "listen 8080 default_server;": f"listen 127.0.0.1:{port} default_server;",
        "set $gunicorn http://web:8000;": f"set $gunicorn http://127.0.0.1:{upstream};",
        "alias /app/var/static/;": f"alias {static}/;",
        "alias /app/var/media/;": f"alias {media}/;",
    }.items():
        assert text.count(production) == 1, f"deploy/nginx.conf no longer says {production!r}"
        text = text.replace(production, here)
    return text


def get(port: int, path: str, headers: dict | None = None, *, timeout: float = 10):
    """A GET on 127.0.0.1:port; the response with its body read, and the seconds it took."""
    return request(port, "GET", path, headers=headers, timeout=timeout)


def request(port: int, method: str, path: str, *, headers=None, body=None, timeout=10.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        response.body = response.read()
        response.seconds = time.monotonic() - started
        return response
    finally:
        conn.close()


# Half the slow clients never finish their headers; the others send whole headers, then a
# form body a few bytes at a time (with a CSRF cookie, so that Django reads the body).
SLOW_HEADERS = b"GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
SLOW_BODY = (
    b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Cookie: csrftoken=" + b"c" * 32 + b"\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
)


class SlowClients:
    """``count`` connections that each start a request and then send a little more of it every
    ``interval`` seconds, never finishing. One the server closes is opened again at once, as
    an attacker would."""

    def __init__(self, port: int, *, count: int = SLOW_CLIENTS, interval: float = 2.0) -> None:
        self.port = port
        self.count = count
        self.interval = interval
        self.sent = 0  # pieces sent after the start of a request
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._connected = threading.Semaphore(0)
        self._threads = [
            threading.Thread(target=self._attack, args=(n % 2 == 0,), daemon=True)
            for n in range(count)
        ]

    def __enter__(self) -> "SlowClients":
        for thread in self._threads:
            thread.start()
        for _ in range(self.count):
            assert self._connected.acquire(timeout=10), "a slow client could not connect"
        time.sleep(0.5)  # the server has read each start and waits for more
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def _attack(self, in_headers: bool) -> None:
        while not self._stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    sock.sendall(SLOW_HEADERS if in_headers else SLOW_BODY)
                    self._connected.release()
                    piece = 0
                    while not self._stop.wait(self.interval):
                        piece += 1
                        sock.sendall(f"X-Slow-{piece}: x\r\n".encode() if in_headers else b"a=1&")
                        with self._lock:
                            self.sent += 1
            except OSError:
                self._stop.wait(0.1)


# --- The servers -------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    process: Worker


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    """A VAR_DIR with the static files collected as the image collects them."""
    var = tmp_path_factory.mktemp("var")
    collect_static({**os.environ, "DEBUG": "false", "VAR_DIR": str(var), "SECRET_KEY": "s" * 50})
    return var


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def gunicorn(django_db_setup, var_dir, media_dir):
    """gunicorn as the production image runs it (DEBUG off, threads, persistent database
    connections) on the test database, with the settings docker-compose.yml gives it behind
    the proxy; its output is its access log. One for the module, as starting it is slow:
    the tests that use it are all transactional (it reads what they commit), which also
    keeps them together when pytest-django orders the suite."""
    secret_key = "proxy-test-" + "k" * 50
    port = free_port()
    # The cache and broker stay local: this is about the web tier.
    env = web_env(
        database_url=database_url(reachable_by="gunicorn"),
        secret_key=secret_key,
        var_dir=var_dir,
        DB_CONN_MAX_AGE="60",
        SECURE_COOKIES="false",
        MEDIA_ROOT=str(media_dir),
        MEDIA_X_ACCEL_REDIRECT=MEDIA_PREFIX,
        PROXY_COUNT="1",
    )
    served = run_gunicorn(
        env=env,
        port=port,
        workers=GUNICORN_WORKERS,
        threads=GUNICORN_THREADS,
        access_log=ACCESS_LOG,
    )
    # Sessions made here are read there.
    with override_settings(SECRET_KEY=secret_key), served as server:
        yield Server(port, server)


@pytest.fixture(scope="module")
def proxy(gunicorn, var_dir, media_dir, tmp_path_factory):
    """Debian's nginx running deploy/nginx.conf in front of ``gunicorn``."""
    need(NGINX.exists(), "needs nginx: apt-get install nginx-light (.ci/run installs it)")
    prefix = tmp_path_factory.mktemp("nginx")
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(
        render(port=port, upstream=gunicorn.port, static=var_dir / "static", media=media_dir)
    )
    # As root, nginx would hand requests to workers running as `nobody`, which cannot read
    # the test's folders; the image runs it as an ordinary user.
    user = "user root;" if os.geteuid() == 0 else ""
    server = Worker.run(
        [
            *(str(NGINX), "-p", f"{prefix}/", "-c", str(conf), "-e", "stderr"),
            *("-g", f"daemon off; pid {prefix}/nginx.pid; error_log stderr; {user}"),
        ]
    )
    with serving(server, port=port, what="nginx"):
        yield Server(port, server)


def signed_in(user) -> dict:
    browser = Client()
    browser.force_login(user)
    cookie = django_settings.SESSION_COOKIE_NAME
    return {"Cookie": f"{cookie}={browser.cookies[cookie].value}"}


# --- Slow clients ------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_slow_clients_take_bare_gunicorn_down(gunicorn):
    """Why the proxy is there: every thread waits for a request that never ends."""
    with SlowClients(gunicorn.port), pytest.raises(TimeoutError):
        get(gunicorn.port, "/health/", timeout=5)

    wait_for(lambda: answers(gunicorn.port), timeout=10, what="gunicorn to answer again")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_behind_the_proxy_slow_clients_cannot_take_the_site_down(proxy, partner):
    page_headers = signed_in(partner)

    with SlowClients(proxy.port) as attack:
        answered = []
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            health = get(proxy.port, "/health/", timeout=PROMPT + 2)
            page = get(proxy.port, "/cases/", page_headers, timeout=PROMPT + 2)
            answered += [("health", health.status, health.seconds)]
            answered += [("page", page.status, page.seconds)]
            assert b"My cases" in page.body
            time.sleep(0.5)
        assert attack.sent >= SLOW_CLIENTS  # the attack was going on all along

    summary = [(what, status, round(seconds, 2)) for what, status, seconds in answered]
    assert all(status == 200 and seconds < PROMPT for _, status, seconds in answered), summary


# --- What the proxy passes on and serves -------------------------------------------------


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields.items():
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    for name, (filename, content) in files.items():
        body += (
            (
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@dataclass
class Received:
    client: str
    request: str
    host: str
    forwarded_for: str
    forwarded_proto: str
    forwarded_host: str


def gunicorn_saw(gunicorn: Server, path_start: str) -> list[Received]:
    """The requests gunicorn received for paths starting with ``path_start``."""
    fields = len(ACCESS_LOG.split("|"))
    lines = [line.split("|") for line in gunicorn.process.lines if line.count("|") == fields - 1]
    received = [Received(*line) for line in lines]
    return [seen for seen in received if seen.request.split(" ")[1].startswith(path_start)]


SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


def parts(header: str | None) -> set[str]:
    """A header's directives, in any order (the app does not keep one)."""
    assert header, "header missing"
    return {part.strip() for part in header.split(";")}


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_proxy_passes_the_client_on_and_serves_static_files(proxy, gunicorn, var_dir):
    response = get(
        proxy.port,
        "/health/?probe=forwarded",
        {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Host": "attacker.example"},
    )
    assert response.status == 200
    wait_for(lambda: gunicorn_saw(gunicorn, "/health/?probe"), timeout=5, what="the log line")
    [seen] = gunicorn_saw(gunicorn, "/health/?probe")
    assert seen.host == f"127.0.0.1:{proxy.port}"
    # The address nginx saw comes last, where PROXY_COUNT=1 reads it; what the client
    # claimed stays in front of it, unbelieved.
    assert seen.forwarded_for == "203.0.113.7, 127.0.0.1"
    assert seen.client == "127.0.0.1"
    assert seen.forwarded_proto == "http"
    assert seen.forwarded_host == "-"  # dropped: only Host says which site was asked for

    manifest = json.loads((var_dir / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/app.css"]
    stylesheet = get(proxy.port, f"/static/{hashed}")
    assert stylesheet.status == 200
    assert stylesheet.body == (var_dir / "static" / hashed).read_bytes()
    assert "immutable" in stylesheet.getheader("Cache-Control")
    page = get(proxy.port, "/accounts/login/")
    assert page.status == 200
    for header in SECURITY_HEADERS:  # the same as on the app's own pages
        assert parts(stylesheet.getheader(header)) == parts(page.getheader(header)), header
    compressed = get(proxy.port, f"/static/{hashed}", {"Accept-Encoding": "gzip"})
    assert compressed.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(compressed.body) == stylesheet.body
    unhashed = get(proxy.port, "/static/css/app.css")
    assert unhashed.status == 200
    assert unhashed.getheader("Cache-Control") == "public, max-age=60"
    assert get(proxy.port, "/static/nothing-here.css").status == 404
    assert not gunicorn_saw(gunicorn, "/static/")  # nginx answered all of them itself


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_uploads_go_through_and_downloads_are_checked_by_the_app_and_sent_by_nginx(
    proxy, gunicorn, partner, calendars
):
    ticket = TicketFactory(organisation=partner.organisation, status=Ticket.Status.OPEN)
    headers = signed_in(partner)
    case_page = get(proxy.port, f"/cases/{ticket.pk}/", headers)
    assert case_page.status == 200
    token = re.search(r"csrftoken=([^;]+)", case_page.getheader("Set-Cookie")).group(1)
    # A pcap header (uploads are checked by content), then more than nginx's in-memory
    # body buffer.
    content = b"\xd4\xc3\xb2\xa1" + os.urandom(2 * 1024 * 1024)
    body, content_type = multipart(
        {"body": "The trace you asked for."}, {"attachments": ("trace été.pcap", content)}
    )
    reply = request(
        proxy.port,
        "POST",
        f"/cases/{ticket.pk}/reply/",
        headers={
            "Cookie": f"{headers['Cookie']}; csrftoken={token}",
            "X-CSRFToken": token,
            "Content-Type": content_type,
        },
        body=body,
    )
    assert reply.status == 302, reply.body[:2000]
    attachment = Attachment.objects.get()

    download = get(proxy.port, f"/attachments/{attachment.pk}/", headers)

    assert download.status == 200
    assert download.body == content
    assert download.getheader("Content-Type") == "application/vnd.tcpdump.pcap"
    assert download.getheader("Content-Disposition").startswith("attachment;")
    assert "trace%20%C3%A9t%C3%A9.pcap" in download.getheader("Content-Disposition")
    assert download.getheader("X-Content-Type-Options") == "nosniff"
    assert download.getheader("X-Accel-Redirect") is None
    wait_for(lambda: gunicorn_saw(gunicorn, "/attachments/"), timeout=5, what="the log line")
    [seen] = gunicorn_saw(gunicorn, "/attachments/")
    assert seen.request == f"GET /attachments/{attachment.pk}/ HTTP/1.0"
    stranger = UserFactory(organisation=OrganisationFactory(tier="gold"))
    assert get(proxy.port, f"/attachments/{attachment.pk}/", signed_in(stranger)).status == 404
    assert get(proxy.port, f"/attachments/{attachment.pk}/").status == 302  # sign in first
    # The files themselves are never reachable by their path.
    stored = quote(attachment.file.name)
    assert get(proxy.port, f"{MEDIA_PREFIX}{stored}", headers).status == 404
    assert get(proxy.port, f"/media/{stored}", headers).status == 404


# --- Without a proxy, and the limits -----------------------------------------------------


def test_without_a_proxy_the_app_sends_files_itself():
    """``make run`` has no nginx: nothing in the default settings hands files over."""
    assert project_settings.MEDIA_X_ACCEL_REDIRECT == ""


@pytest.mark.django_db
@pytest.mark.usefixtures("media_root")
def test_with_x_accel_redirect_on_the_app_checks_and_nginx_sends(client, partner, settings):
    settings.MEDIA_X_ACCEL_REDIRECT = MEDIA_PREFIX
    ticket = TicketFactory(organisation=partner.organisation, status=Ticket.Status.OPEN)
    client.force_login(partner)
    client.post(
        reverse("tickets:case_reply", args=[ticket.pk]),
        {"body": "Trace attached.", "attachments": [_upload("trace été.pcap")]},
    )
    attachment = Attachment.objects.get()
    url = reverse("tickets:attachment_download", args=[attachment.pk])

    response = client.get(url)

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == MEDIA_PREFIX + quote(attachment.file.name)
    assert response.content == b""
    assert response["Content-Type"] == "application/vnd.tcpdump.pcap"
    assert response["Content-Disposition"].startswith("attachment;")
    client.force_login(UserFactory(organisation=OrganisationFactory(tier="gold")))
    assert client.get(url).status_code == 404
    client.force_login(partner)
    attachment.file.delete(save=False)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.usefixtures("media_root")
def test_with_x_accel_redirect_off_the_app_sends_the_file(client, partner, settings):
    settings.MEDIA_X_ACCEL_REDIRECT = ""
    ticket = TicketFactory(organisation=partner.organisation, status=Ticket.Status.OPEN)
    client.force_login(partner)
    client.post(
        reverse("tickets:case_reply", args=[ticket.pk]),
        {"body": "Trace attached.", "attachments": [_upload("trace.pcap")]},
    )

    response = client.get(
        reverse("tickets:attachment_download", args=[Attachment.objects.get().pk])
    )

    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == TRACE


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, TRACE)


def test_the_proxy_takes_the_largest_request_the_app_accepts():
    limit = re.search(r"client_max_body_size (\d+)m;", CONFIG.read_text())
    assert limit, "deploy/nginx.conf sets no client_max_body_size"
    largest = (
        project_settings.TICKET_ATTACHMENT_MAX_COUNT * project_settings.TICKET_ATTACHMENT_MAX_BYTES
        + project_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )
    assert int(limit.group(1)) * 1024 * 1024 >= largest
