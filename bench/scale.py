"""The desk at scale: pages and API calls over a million cases, through a real server.

python bench/scale.py [--sizes 10000,1000000 | --tickets N] [--duration 10] [--connections 4]
                      [--workers 3] [--only floor,me,queue,mycases,case,create,sweep]
                      [--keep] [--out-dir bench/results]

For each size, in a PostgreSQL database of its own next to the one DATABASE_URL names
(``<name>_scale_<size>``, created, migrated and dropped by the script), it fills about
2,000 organisations with two members each, twenty agents, and the cases: three years of
them, most closed or resolved and some new, open or waiting, in the terms' case types,
critical or standard, European or American, each with its SLA clocks (``next_breach_at``
kept as ``sla.services`` keeps it) and about three messages. One partner has an open case
with thirty messages and one with three. Then it starts gunicorn on loopback with
production settings, serving ``bench/floor_wsgi.py`` (the desk, plus a bare Django view at
``/_floor/``), and measures, with ``wrk``, the median, 95th and 99th percentile latency and
the requests per second on several connections and on one of

- the floor: ``/_floor/``, a function view returning a small JSON body through Django with
  no middleware at all, in the same processes as the desk: what any request costs;
- ``/api/me/``, the smallest authenticated JSON answer of the desk;
- the agent queue, page and API, in its default order and filtered (open Critical cases
  of one region; one organisation; a word), and a partner's "My cases";
- the case pages, staff (``/staff/cases/<pk>/``, an agent) and partner (``/cases/<pk>/``),
  each for a case with three messages and one with thirty;
- opening cases through the API with a token, on one connection and on several (cases per
  second; afterwards every case answered is looked for in the database with its clocks);

with the floor measured again just before each of them, and counts the SQL queries of one
request of each (``bench/scale_queries.py``: Django's test client in the server's settings
and ``connection.execute_wrapper``). It times the SLA sweep's queries over the clocks, as
``bench/sla_sweep.py`` does, with their plans. The report (JSON and a Markdown table) sets
each figure beside the floor, checks the targets (``TARGETS``), compares the largest size
with the smallest, and adds the latest credits benchmark (``bench/credits.py``, which
``make bench`` runs before this script).

``--keep`` leaves the databases in place and a later run with ``--keep`` measures them
again (after migrating them) instead of filling them anew: seed once, measure many times.
``--only`` measures some of the groups above, for a quick look. Needs PostgreSQL and
``wrk``; exits with 1 when a case the API accepted is missing or has no clocks.
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")

import django

django.setup()

import sla_sweep  # noqa: E402
from _common import (  # noqa: E402
    bench_database_exists,
    bench_database_name,
    create_bench_database,
    database_version,
    drop_bench_database,
    leave_bench_database,
    reset_sequences,
    template,
    use_bench_database,
    write,
)
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Max, Q  # noqa: E402
from django.utils import timezone  # noqa: E402
from floor_wsgi import FLOOR_PATH  # noqa: E402

from partners.models import CaseReason, CaseType, Organisation, PolicyVersion, User  # noqa: E402
from partners.roles import GROUP_NAMES, Role  # noqa: E402
from partners.services import api_token_issue  # noqa: E402
from sla.models import Clock  # noqa: E402
from tickets.models import Message, Ticket  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
ORGANISATIONS = 2_000
MEMBERS = 2  # partner users per organisation
AGENTS = 20
BATCH = 50_000  # cases per COPY
YEARS = 3
LONG_CASE_MESSAGES = 30
SHORT_CASE_MESSAGES = 3
SEARCH_WORD = "echo"  # in about one case subject in thirty

AGENT_EMAIL = "agent@scale.test"
PARTNER_EMAIL = "partner@scale.test"  # "My cases" and the long case
CREATOR_EMAIL = "creator@scale.test"  # opens cases through the API
LONG_CASE_SUBJECT = "Calls drop on the reception DECT handsets (long conversation)"

# What --only chooses from: the endpoints measured (and their queries counted), and the sweep.
GROUPS = ("floor", "me", "queue", "mycases", "case", "create", "sweep")
CASE_PAGES = {
    "staff case page, 3 messages": ("staff", SHORT_CASE_MESSAGES),
    "staff case page, 30 messages": ("staff", LONG_CASE_MESSAGES),
    "partner case page, 3 messages": ("partner", SHORT_CASE_MESSAGES),
    "partner case page, 30 messages": ("partner", LONG_CASE_MESSAGES),
}
FLOOR = "floor: bare Django view"
ME = "/api/me/ (trivial authenticated answer)"
CREATE = "open a case (API), {connections} connection{s}"
# (endpoint, figure, "<=" or ">=", limit): p95 over the floor's, queries of one request,
# cases opened per second.
TARGETS = [
    (ME, "p95_vs_floor", "<=", 1.3),
    *((name, "p95_vs_floor", "<=", 4) for name in CASE_PAGES),
    # "The desk's own floor" read the other way: its trivial authenticated answer.
    *((name, "p95_vs_me", "<=", 4) for name in CASE_PAGES),
    *((name, "queries", "<=", 12) for name in CASE_PAGES),
    (CREATE.format(connections=1, s=""), "tickets_per_second", ">=", 120),
    (CREATE.format(connections=4, s="s"), "tickets_per_second", ">=", 250),
    (CREATE.format(connections=1, s=""), "queries", "<=", 10),
]

Status, State, Metric = Ticket.Status, Clock.State, Clock.Metric
# Shares out of 1,000: mostly finished work, some in progress.
STATUS_SHARES = [
    (Status.CLOSED, 780),
    (Status.RESOLVED, 140),
    (Status.OPEN, 40),
    (Status.WAITING, 20),
    (Status.NEW, 20),
]
ACTIVE = {Status.NEW, Status.OPEN, Status.WAITING}
TIERS = [
    (Organisation.Tier.DIAMOND, 3),
    (Organisation.Tier.PLATINUM, 7),
    (Organisation.Tier.GOLD_PLUS, 10),
    (Organisation.Tier.GOLD, 35),
    (Organisation.Tier.SILVER, 25),
    (Organisation.Tier.BRONZE, 20),
]
COUNTRIES = {Organisation.Region.EU: ["IT", "DE", "FR", "ES", "AT", "NL"], "us": ["US"]}
# Wall-time stand-ins for the terms' targets: the figures measured here do not depend on
# the business-hours arithmetic, only on how the instants spread.
FIRST_RESPONSE = {"critical": timedelta(hours=1), "standard": timedelta(hours=8)}
RESTORATION = {"critical": timedelta(hours=4), "standard": timedelta(days=5)}

SUBJECTS = [
    "Calls drop after {n} seconds",
    "One-way audio on {device}",
    "Echo on calls to mobile numbers",
    "{device} does not register after the firmware update",
    "Voicemail greeting lost after restart",
    "Fax to {n} numbers fails",
    "Hunt group skips the first member",
    "SIP trunk down since this morning",
    "Call recording missing for {n} calls",
    "Add {n} users to the cloud PBX",
    "Question about the invoice of last month",
    "Request: CRM integration for click to dial",
    "Replace a broken {device}",
    "Return {n} desk phones at the end of the lease",
    "Night service does not switch on",
    "Music on hold plays silence",
    "Transfer to external numbers fails",
    "Presence shows everyone as busy",
    "Conference bridge drops the last participant",
    "Provisioning of {device} stuck at 80%",
    "Caller id shows the wrong number",
    "Call queue statistics are empty",
    "Noise and crackle on DECT handsets",
    "Onboarding training for a new site",
    "Porting of {n} numbers to the new trunk",
    "Emergency calls routed to the wrong location",
    "Mobile app loses calls on Wi-Fi",
    "Backup of the PBX configuration fails",
    "Outbound calls rejected with 403",
    "Auto attendant menu plays the old greeting",
]
DEVICES = ["DP-40", "DP-60", "DECT D10", "Cloud PBX Business", "Hybrid PBX 300", "Gateway G4"]
SENTENCES = [
    "It started after the maintenance window on Sunday.",
    "Only users at the main office are affected.",
    "We rebooted the PBX and the phones, nothing changed.",
    "The customer has about {n} extensions on this system.",
    "Logs and a packet capture are attached to the first reply.",
    "It happens several times an hour, mostly in the afternoon.",
    "The operator says their side is fine.",
    "Please call back the site manager before noon.",
    "Firmware on the handsets is the latest published release.",
    "This is the third time this month.",
    "No workaround so far; the reception is taking calls on mobiles.",
    "We need this before the customer's go-live next week.",
]
REPLIES = [
    "Thank you, we are looking into it.",
    "Could you send the exact time of a failed call and the numbers involved?",
    "Attached the capture from this morning.",
    "We pushed a configuration change; please test again and tell us.",
    "Still happening after the change, see the new example below.",
    "The trunk provider confirmed a routing fault on their side.",
    "Works again on all handsets, thanks.",
    "Checked the logs: the registrations expire too early, raising the interval.",
    "Escalated to the second line with the traces.",
    "Internal: same pattern as last week's outage at another partner.",
]


def weighted(rng: random.Random, shares: list[tuple]) -> object:
    return rng.choices([value for value, _ in shares], [share for _, share in shares])[0]


# --- Seeding ------------------------------------------------------------------------------


class Parties:
    """Who the cases belong to, and the terms they were opened under."""

    def __init__(self, *, now: datetime, rng: random.Random) -> None:
        call_command("load_policy", verbosity=0)
        self.policies = list(PolicyVersion.objects.order_by("effective_from"))
        self.types: dict[int, list[tuple[CaseType, list[int]]]] = {}
        for policy in self.policies:
            found = []
            for case_type in CaseType.objects.filter(policy=policy).order_by("position"):
                reasons = list(
                    CaseReason.objects.filter(case_type=case_type).values_list("pk", flat=True)
                )
                found.append((case_type, reasons))
            self.types[policy.pk] = found
        self.agents = self._agents(now)
        self.organisations, self.members = self._organisations(rng)

    @staticmethod
    def _agents(now: datetime) -> list[int]:
        group = Group.objects.get(name=GROUP_NAMES[Role.AGENT])
        agents = User.objects.bulk_create(
            User(
                email=AGENT_EMAIL if n == 0 else f"agent{n}@scale.test",
                full_name=f"Agent {n:02d}",
                password="!",  # unusable: sessions are made directly
                time_zone="UTC",
                # The seeding instant, so that a later run on a kept database can ask the
                # sweep's questions at the instant the clocks were made for.
                date_joined=now,
            )
            for n in range(AGENTS)
        )
        group.user_set.add(*agents)
        return [agent.pk for agent in agents]

    @staticmethod
    def _organisations(rng: random.Random) -> tuple[list[Organisation], dict[int, list[int]]]:
        made = []
        for n in range(ORGANISATIONS):
            # The first two, whose members are measured, are plain Gold partners in Europe.
            region = Organisation.Region.EU if n < 2 or rng.random() < 0.6 else "us"
            share = rng.random()
            kind = Organisation.Kind.PARTNER
            if n >= 2 and share > 0.97:
                kind = Organisation.Kind.END_CUSTOMER
            elif n >= 2 and share > 0.92:
                kind = Organisation.Kind.RESELLER
            tier = ""
            if kind == Organisation.Kind.PARTNER:
                tier = Organisation.Tier.GOLD if n < 2 else weighted(rng, TIERS)
            made.append(
                Organisation(
                    name=f"Scale Partner {n:04d} Ltd",
                    kind=kind,
                    tier=tier,
                    region=region,
                    country=rng.choice(COUNTRIES[region]),
                    contact_email=f"support{n}@scale.test",
                )
            )
        organisations = Organisation.objects.bulk_create(made)
        partners = [o for o in organisations if o.kind == Organisation.Kind.PARTNER]
        upstream = [o for o in partners if o.tier in Organisation.UPSTREAM_TIERS]
        for organisation in organisations:
            if organisation.kind == Organisation.Kind.RESELLER:
                organisation.upstream_partner = rng.choice(upstream)
            elif organisation.kind == Organisation.Kind.END_CUSTOMER:
                organisation.installer = rng.choice(partners)
        Organisation.objects.bulk_update(organisations, ["upstream_partner", "installer"])

        def email(n: int, k: int) -> str:
            if k == 0 and n < 2:
                return (PARTNER_EMAIL, CREATOR_EMAIL)[n]
            return f"user{n}-{k}@scale.test"

        users = User.objects.bulk_create(
            User(
                email=email(n, k),
                full_name=f"Member {k} of {organisation.name}",
                organisation=organisation,
                password="!",
            )
            for n, organisation in enumerate(organisations)
            for k in range(MEMBERS)
        )
        members: dict[int, list[int]] = {}
        for user in users:
            members.setdefault(user.organisation_id, []).append(user.pk)
        return organisations, members

    def policy_at(self, at: datetime) -> PolicyVersion:
        found = self.policies[0]
        for policy in self.policies:
            if policy.effective_from <= at.date():
                found = policy
        return found


def _secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """Indexes of ``tables`` that back no constraint: cheaper built once after the load
    than kept up to date row by row."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [tables],
        )
        return cursor.fetchall()


def seed(size: int, *, now: datetime, rng: random.Random) -> dict:
    """``size`` cases with their clocks and messages. Returns what was made."""
    parties = Parties(now=now, rng=rng)
    organisations = parties.organisations
    ticket_columns, ticket_values = template(
        Ticket,
        subject="",
        description="",
        organisation=organisations[0],
        policy=parties.policies[-1],
        case_type=parties.types[parties.policies[-1].pk][0][0],
    )
    clock_columns, clock_values = template(
        Clock,
        calendar="eu",
        target=timedelta(0),
        started_at=now,
        due_at=now,
        warn_at=now,
        breach_at=now,
    )
    message_columns, message_values = template(Message, body="", created_at=now)
    ticket_at = {column: i for i, column in enumerate(ticket_columns)}
    clock_at = {column: i for i, column in enumerate(clock_columns)}
    message_at = {column: i for i, column in enumerate(message_columns)}
    span = timedelta(days=365 * YEARS)
    counts = {"statuses": dict.fromkeys(Status.values, 0), "clocks": 0, "messages": 0}
    counts["clock_states"] = dict.fromkeys(State.values, 0)
    partner = User.objects.get(email=PARTNER_EMAIL)

    def clock(ticket_id, metric, *, target, started, region, cos, active, pausing=False):
        """One clock: stopped (met or breached) for finished work, else running, paused or
        breached and still waiting, as the sweep would have left it at ``now``."""
        values = list(clock_values)
        due = started + target
        warn = started + target * 3 / 4
        fields = {
            "ticket_id": ticket_id,
            "metric": metric,
            "calendar": "24x7" if cos == "critical" else region,
            "target": target,
            "pauses_while_waiting": metric == Metric.RESTORATION,
            "started_at": started,
            "due_at": due,
            "warn_at": warn,
            "breach_at": due,
        }
        if not active:
            met = rng.random() < 0.9
            stopped = started + target * (rng.uniform(0.1, 0.9) if met else rng.uniform(1.1, 3))
            fields |= {
                "state": State.MET if met else State.BREACHED,
                "stopped_at": stopped,
                "warned_at": warn if stopped > warn else None,
                "breached_at": None if met else due,
            }
        elif pausing:
            fields |= {"state": State.PAUSED, "paused_since": started + target / 5}
        elif due <= now and rng.random() < 0.002:
            # Fallen due since the last sweep: what the sweep's breach query finds.
            fields |= {"state": State.RUNNING, "warned_at": warn}
        elif due <= now:
            fields |= {"state": State.BREACHED, "warned_at": warn, "breached_at": due}
        else:
            warned = warn <= now and rng.random() < 0.98  # the rest: warnings the sweep owes
            fields |= {"state": State.RUNNING, "warned_at": warn if warned else None}
        counts["clock_states"][fields["state"]] += 1
        for column, value in fields.items():
            values[clock_at[column]] = value
        return values

    def message(ticket_id, *, author, at, internal=False):
        values = list(message_values)
        body = rng.choice(REPLIES)
        fields = {
            "ticket_id": ticket_id,
            "author_id": author,
            "visibility": Message.Visibility.INTERNAL if internal else Message.Visibility.PUBLIC,
            "body": f"{body}\n\n{rng.choice(SENTENCES).format(n=rng.randint(2, 400))}",
            "created_at": at,
        }
        for column, value in fields.items():
            values[message_at[column]] = value
        return values

    def case(ticket_id: int, conversation: int | None = None) -> tuple[list, list, list]:
        """A case; with ``conversation``, an open one of the measured partner with that many
        messages, all public."""
        showcase = conversation is not None
        if showcase:
            organisation, requester, status = organisations[0], partner.pk, Status.OPEN
        else:
            organisation = organisations[rng.randrange(len(organisations))]
            requester = rng.choice(parties.members[organisation.pk])
            status = weighted(rng, STATUS_SHARES)
        active = status in ACTIVE
        if active:
            created = now - timedelta(days=45) * rng.random() ** 2
        elif status == Status.RESOLVED:
            created = now - timedelta(days=60) * rng.random()
        else:
            created = now - span * rng.random()
        policy = parties.policy_at(created)
        types = parties.types[policy.pk]
        technical = [entry for entry in types if entry[0].is_technical]
        others = [entry for entry in types if not entry[0].is_technical]
        case_type, reasons = rng.choice(technical if rng.random() < 0.65 or showcase else others)
        cos = "critical" if case_type.is_technical and rng.random() < 0.08 else "standard"
        device = rng.choice(DEVICES)
        subject = rng.choice(SUBJECTS).format(n=rng.randint(2, 90), device=device)
        if conversation == LONG_CASE_MESSAGES:
            subject = LONG_CASE_SUBJECT
        description = " ".join(
            sentence.format(n=rng.randint(5, 300)) for sentence in rng.sample(SENTENCES, 3)
        )
        region = organisation.region
        assignee = rng.choice(parties.agents) if not active or rng.random() < 0.6 else None

        first_target = FIRST_RESPONSE[cos]
        clocks = [
            clock(
                ticket_id,
                Metric.FIRST_RESPONSE,
                target=first_target,
                started=created,
                region=region,
                cos=cos,
                active=status == Status.NEW,
            )
        ]
        if case_type.is_technical:
            clocks.append(
                clock(
                    ticket_id,
                    Metric.RESTORATION,
                    target=RESTORATION[cos],
                    started=created,
                    region=region,
                    cos=cos,
                    active=active,
                    pausing=status == Status.WAITING,
                )
            )
        waiting = [
            c[clock_at["breach_at"]]
            for c in clocks
            if c[clock_at["stopped_at"]] is None
            and c[clock_at["state"]] in (State.RUNNING, State.BREACHED)
        ]
        first_response = clocks[0][clock_at["stopped_at"]]
        finished = max(
            (c[clock_at["stopped_at"]] for c in clocks if c[clock_at["stopped_at"]]),
            default=created + first_target,
        )
        ticket = list(ticket_values)
        fields = {
            "organisation_id": organisation.pk,
            "requester_id": requester,
            "created_by_id": requester,
            "policy_id": policy.pk,
            "case_type_id": case_type.pk,
            "reason_id": rng.choice(reasons) if reasons else None,
            "subject": subject,
            "description": description,
            "wms_version": "7.02.1" if case_type.is_technical else "",
            "firmware_versions": f"{device} 1.9.0" if case_type.is_technical else "",
            "cos": cos,
            "cos_confirmed": status != Status.NEW,
            "status": status,
            "assignee_id": assignee,
            "channel": rng.choice(["portal", "portal", "portal", "api", "phone"]),
            "created_at": created,
            "updated_at": finished if not active else max(created, now - timedelta(hours=2)),
            "first_response_at": first_response,
            "resolved_at": finished if not active else None,
            "closed_at": finished if status == Status.CLOSED else None,
            "next_breach_at": min(waiting) if waiting else None,
        }
        for column, value in fields.items():
            ticket[ticket_at[column]] = value
        counts["statuses"][status] += 1

        replies = (
            conversation
            if showcase
            else rng.choice([0, 1] if status == Status.NEW else [1, 2, 3, 3, 4, 5])
        )
        last = now if active else finished
        step = (last - created) / (replies + 1)
        messages = []
        for k in range(replies):
            by_agent = k % 2 == 0 and bool(parties.agents)
            author = rng.choice(parties.agents) if by_agent else requester
            internal = by_agent and not showcase and rng.random() < 0.15
            messages.append(
                message(ticket_id, author=author, at=created + step * (k + 1), internal=internal)
            )
        return ticket, clocks, messages

    # The last two cases are the partner's whose pages are measured.
    measured = {size: LONG_CASE_MESSAGES, size - 1: SHORT_CASE_MESSAGES}
    tables = [Ticket._meta.db_table, Clock._meta.db_table, Message._meta.db_table]
    indexes = _secondary_indexes(tables)
    with connection.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        # The rows are made consistent here; checking each foreign key would only be slower.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET maintenance_work_mem = '256MB'")
    try:
        for first in range(1, size + 1, BATCH):
            made = [case(n, measured.get(n)) for n in range(first, min(first + BATCH, size + 1))]
            with transaction.atomic():
                write(
                    Ticket,
                    ["id", *ticket_columns],
                    ([n, *t] for n, (t, _, _) in enumerate(made, first)),
                )
                write(Clock, clock_columns, (c for _, clocks, _ in made for c in clocks))
                write(Message, message_columns, (m for _, _, msgs in made for m in msgs))
            counts["clocks"] += sum(len(clocks) for _, clocks, _ in made)
            counts["messages"] += sum(len(msgs) for _, _, msgs in made)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")
            for _, definition in indexes:
                cursor.execute(definition)
    reset_sequences(Ticket, Clock, Message)
    with connection.cursor() as cursor:
        for table in tables:
            # As a steady database would be: statistics gathered, visibility map set.
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
        cursor.execute("ANALYZE")
    counts["tickets"] = size
    counts["organisations"] = len(organisations)
    counts["users"] = User.objects.count()
    return counts


# --- The server and the load --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def server_env(database: str, *, secret_key: str, var_dir: str) -> dict:
    """The environment of the server: production settings on the bench database."""
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings",
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(database),
        "REDIS_URL": os.environ.get("SCALE_REDIS_URL", "redis://127.0.0.1:6379/7"),
        "CACHE_KEY_PREFIX": "scale-bench",
        # Collected static files and uploads stay out of the working tree's var/.
        "VAR_DIR": var_dir,
    }
    env.pop("CELERY_BROKER_URL", None)
    return env


class Server:
    """gunicorn serving the bench database with production settings: the desk, and the
    bare floor at ``/_floor/`` (``bench/floor_wsgi.py``)."""

    def __init__(self, env: dict, *, workers: int, threads: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        var_dir = env["VAR_DIR"]
        if not (Path(var_dir) / "static" / "staticfiles.json").exists():
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            f"--pythonpath={BENCH_DIR}",
            "floor_wsgi:application",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{self.port}",
            "--log-level=warning",
            "--timeout=120",
        ]
        if threads > 1:
            command += ["--worker-class=gthread", f"--threads={threads}"]
        self.log = tempfile.NamedTemporaryFile(prefix="scale-gunicorn-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {Path(self.log.name).read_text()}")
            try:
                urllib.request.urlopen(f"{self.base}/health/", timeout=2)  # noqa: S310
                return
            except urllib.error.HTTPError:
                return  # answering, even if a dependency is reported unhealthy
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within a minute")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def session_cookie(user: User) -> str:
    """A signed-in session for ``user``, as the login form would leave it."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


LUA_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK-REPORT %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""

LUA_CREATE = """
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format(
    '{"case_type": "tech_support", "reason": "call-quality", "category": "dropped", '
    .. '"subject": "Calls drop after %d seconds", '
    .. '"description": "Every outgoing call drops since this morning (load %d).", '
    .. '"wms_version": "7.02.1", "firmware_versions": "DP-40 1.9.0"}', counter % 90, counter)
  return wrk.format("POST", nil, nil, body)
end
"""


def preflight(url: str, headers: dict) -> None:
    """The endpoint answers 200 to this user: a redirect to the login page would otherwise
    be timed as a fast success."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise RuntimeError(f"{url} answered {status}, not 200")


def run_wrk(url: str, *, headers: dict, duration: int, connections: int, script: str) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script + LUA_REPORT)
    try:
        command = [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout=30s",
            "-s",
            lua.name,
        ]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        output = subprocess.run(  # noqa: S603
            [*command, url], capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(lua.name)
    line = next(line for line in output.splitlines() if line.startswith("WRK-REPORT"))
    requests, duration_us, p50, p95, p99, worst, non_2xx, socket_errors = map(int, line.split()[1:])
    seconds = duration_us / 1e6
    return {
        "requests": requests,
        "seconds": round(seconds, 2),
        "rps": round(requests / seconds, 1),
        "p50_ms": round(p50 / 1000, 1),
        "p95_ms": round(p95 / 1000, 1),
        "p99_ms": round(p99 / 1000, 1),
        "max_ms": round(worst / 1000, 1),
        "errors": non_2xx + socket_errors,
        "non_2xx": non_2xx,
    }


# Opening a case counted by bench/scale_queries.py: the body LUA_CREATE sends.
CREATE_BODY = {
    "case_type": "tech_support",
    "reason": "call-quality",
    "category": "dropped",
    "subject": "Calls drop after 0 seconds",
    "description": "Every outgoing call drops since this morning (load 0).",
    "wms_version": "7.02.1",
    "firmware_versions": "DP-40 1.9.0",
}


def measured_cases(partner: User) -> dict[int, Ticket]:
    """The partner's cases whose pages are measured, by their number of messages: the long
    conversation the seed makes, and the latest case with three messages, all public: the
    open one the seed makes, or on a kept database without it another, open if one is."""
    long_case = Ticket.objects.filter(requester=partner, subject=LONG_CASE_SUBJECT).latest("pk")
    public = Q(messages__visibility=Message.Visibility.PUBLIC)
    short = (
        Ticket.objects.filter(organisation_id=partner.organisation_id)
        .annotate(total=Count("messages"), public=Count("messages", filter=public))
        .filter(total=SHORT_CASE_MESSAGES, public=SHORT_CASE_MESSAGES)
        .order_by("-pk")
    )
    short_case = short.filter(status=Status.OPEN).first() or short.first()
    if short_case is None:
        raise RuntimeError(
            f"No case of {partner.organisation} has {SHORT_CASE_MESSAGES} messages: seed anew."
        )
    return {SHORT_CASE_MESSAGES: short_case, LONG_CASE_MESSAGES: long_case}


def endpoints(*, agent_cookie, partner_cookie, organisation_id, cases) -> list[tuple]:
    """(group, name, path, headers) of every read measured."""
    agent = {"Cookie": agent_cookie}
    partner = {"Cookie": partner_cookie}
    critical = {"status": "open", "cos": "critical", "region": "eu"}
    reads = [
        # The same request as the next, which the bare view does not read.
        ("floor", FLOOR, FLOOR_PATH, agent),
        ("me", ME, "/api/me/", agent),
        ("queue", "queue page", "/queue/", agent),
        ("queue", "queue page: open Critical EU", "/queue/?" + urlencode(critical), agent),
        ("queue", "queue page: one organisation", f"/queue/?organisation={organisation_id}", agent),
        ("queue", "queue page: search", f"/queue/?q={SEARCH_WORD}", agent),
        ("queue", "queue API", "/api/tickets/", agent),
        ("queue", "queue API: open Critical EU", "/api/tickets/?" + urlencode(critical), agent),
        (
            "queue",
            "queue API: one organisation",
            f"/api/tickets/?organisation={organisation_id}",
            agent,
        ),
        ("queue", "queue API: search", f"/api/tickets/?q={SEARCH_WORD}", agent),
        ("mycases", "my cases", "/cases/", partner),
    ]
    for name, (side, messages) in CASE_PAGES.items():
        pk = cases[messages].pk
        if side == "staff":
            reads.append(("case", name, f"/staff/cases/{pk}/", agent))
        else:
            reads.append(("case", name, f"/cases/{pk}/", partner))
    return reads


def count_queries(env: dict, requests: list[dict]) -> dict:
    """The queries of one request of each, counted by ``bench/scale_queries.py`` with the
    server's environment."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        done = subprocess.run(  # noqa: S603
            [sys.executable, str(BENCH_DIR / "scale_queries.py"), out.name],
            input=json.dumps(requests),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"counting queries failed:\n{done.stderr[-5000:]}")
        counted = json.load(out)
    for spec in requests:
        status = counted[spec["name"]]["status"]
        if status != spec["status"]:
            raise RuntimeError(f"{spec['name']} answered {status}, not {spec['status']}")
    return counted


def opened_cases(creator: User, *, after: int, answered: int) -> dict:
    """The cases ``creator`` opened since case ``after``, as the database has them: each
    answered 201 must be there with its clocks (a few more may have been in flight when
    the load stopped)."""
    opened = Ticket.objects.filter(pk__gt=after, created_by=creator)
    cases = opened.count()
    without_clocks = opened.filter(clocks__isnull=True).count()
    clocks = Clock.objects.filter(ticket__in=opened).count()
    return {
        "cases_answered": answered,
        "tickets_created": cases,
        "clocks": clocks,
        "cases_without_clocks": without_clocks,
        "verified": cases >= answered and without_clocks == 0,
    }


def measure_server(database: str, args) -> dict:
    agent = User.objects.get(email=AGENT_EMAIL)
    partner = User.objects.get(email=PARTNER_EMAIL)
    creator = User.objects.get(email=CREATOR_EMAIL)
    cases = measured_cases(partner)
    # Sessions are signed, and their user hash keyed, with the server's key.
    settings.SECRET_KEY = secret_key = "scale-benchmark-" + os.urandom(24).hex()
    _, token = api_token_issue(user=creator)
    agent_cookie = session_cookie(agent)
    reads = [
        read
        for read in endpoints(
            agent_cookie=agent_cookie,
            partner_cookie=session_cookie(partner),
            organisation_id=partner.organisation_id,
            cases=cases,
        )
        if read[0] in args.only
    ]
    create_headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    creations = [
        CREATE.format(connections=n, s="" if n == 1 else "s")
        for n in sorted({1, args.connections})
        if "create" in args.only
    ]
    counted = [
        {"name": name, "path": path, "headers": headers, "status": 200}
        for _, name, path, headers in reads
    ]
    if creations:
        counted.append(
            {
                "name": creations[0],
                "method": "POST",
                "path": "/api/tickets/",
                "headers": create_headers,
                "body": json.dumps(CREATE_BODY),
                "status": 201,
            }
        )
    env = server_env(database, secret_key=secret_key, var_dir=args.var_dir)
    server = Server(env, workers=args.workers, threads=args.threads)
    results: dict = {}

    def floor_p95(connections: int = args.connections) -> float:
        # The machine is shared: the floor measured just before each endpoint, on as many
        # connections, is the one its figures are compared with.
        return run_wrk(
            server.base + FLOOR_PATH,
            headers={"Cookie": agent_cookie},
            duration=args.floor_duration,
            connections=connections,
            script="",
        )["p95_ms"]

    try:
        for _, _, path, headers in reads:
            try:
                preflight(server.base + path, headers)
            except RuntimeError:
                print(Path(server.log.name).read_text()[-5000:], file=sys.stderr)
                raise
        queries = count_queries(env, counted)
        for group, name, path, headers in reads:
            url = server.base + path
            found = {"path": path}
            if group != "floor":
                found["floor_p95_ms"] = floor_p95()
            run_wrk(url, headers=headers, duration=2, connections=args.connections, script="")
            found |= run_wrk(
                url,
                headers=headers,
                duration=args.duration,
                connections=args.connections,
                script="",
            )
            if args.serial_duration:
                # One connection: no request waits for another, so this is what one
                # request costs, the figure that says how an endpoint grows with the data.
                serial = run_wrk(
                    url, headers=headers, duration=args.serial_duration, connections=1, script=""
                )
                found |= {
                    "serial_p50_ms": serial["p50_ms"],
                    "serial_p95_ms": serial["p95_ms"],
                    "serial_rps": serial["rps"],
                }
            results[name] = found | queries[name]
            print(f"  {name}: {_brief(results[name])}", file=sys.stderr)
        for name in creations:
            connections = 1 if name == creations[0] else args.connections
            found = {"path": "POST /api/tickets/", "connections": connections}
            found["floor_p95_ms"] = floor_p95(connections)
            after = Ticket.objects.aggregate(last=Max("pk"))["last"] or 0
            created = run_wrk(
                server.base + "/api/tickets/",
                headers=create_headers,
                duration=args.create_duration,
                connections=connections,
                script=LUA_CREATE,
            )
            answered = created["requests"] - created["non_2xx"]
            found |= created | {"tickets_per_second": round(answered / created["seconds"], 1)}
            found |= opened_cases(creator, after=after, answered=answered)
            found |= queries[creations[0]]
            results[name] = found
            print(f"  {name}: {_brief(found)}", file=sys.stderr)
    finally:
        server.stop()
    shown = {n: {"pk": c.pk, "status": c.status} for n, c in cases.items()}
    return {"cases": shown if "case" in args.only else {}, "endpoints": results}


def _brief(found: dict) -> dict:
    return {key: value for key, value in found.items() if key != "statements"}


def sweep(now: datetime, runs: int) -> dict:
    measured = sla_sweep.measure(runs, now=now)
    return {
        name: {key: found[key] for key in ("rows_returned", "median_ms", "p95_ms", "plan")}
        | ({"uses_index": found["uses_index"]} if "uses_index" in found else {})
        for name, found in measured.items()
    }


# --- One size -----------------------------------------------------------------------------


def run_size(size: int, args) -> dict:
    suffix = f"scale_{size}"
    database = bench_database_name(suffix)
    reused = args.keep and bench_database_exists(suffix)
    if reused:
        original = use_bench_database(suffix)
        call_command("migrate", verbosity=0)
    else:
        original = create_bench_database(suffix)
    try:
        if reused:
            now = User.objects.get(email=AGENT_EMAIL).date_joined
            counts = {"tickets": Ticket.objects.count(), "reused": True}
            seeded_in = None
        else:
            now = timezone.now()
            began = time.perf_counter()
            try:
                counts = seed(size, now=now, rng=random.Random(args.seed))
            except BaseException:
                args.keep = False  # half a database is no use to a later run
                raise
            seeded_in = round(time.perf_counter() - began, 1)
            print(f"seeded {size} cases in {seeded_in} s: {counts}", file=sys.stderr)
        sweep_results = sweep(now, args.sweep_runs) if "sweep" in args.only else {}
        http = measure_server(database, args)
    finally:
        if args.keep:
            leave_bench_database(original)
        else:
            drop_bench_database(original)
    for found in http["endpoints"].values():
        if found.get("floor_p95_ms"):
            found["p95_vs_floor"] = round(found["p95_ms"] / found["floor_p95_ms"], 2)
    me_p95 = http["endpoints"].get(ME, {}).get("p95_ms")
    for name in CASE_PAGES:
        found = http["endpoints"].get(name)
        if me_p95 and found and found.get("p95_ms"):
            found["p95_vs_me"] = round(found["p95_ms"] / me_p95, 2)
    return {
        "tickets": size,
        "seeded": counts,
        "seed_seconds": seeded_in,
        "measured_cases": http["cases"],
        "endpoints": http["endpoints"],
        "targets": check_targets(http["endpoints"]),
        "sla_sweep": sweep_results,
    }


def check_targets(endpoints: dict) -> list[dict]:
    """Each target whose figure was measured: met or missed, and by how much (to spare when
    met, short when missed)."""
    checked = []
    for name, figure, sense, limit in TARGETS:
        measured = endpoints.get(name, {}).get(figure)
        if measured is None:
            continue
        gap = limit - measured if sense == "<=" else measured - limit
        checked.append(
            {
                "endpoint": name,
                "figure": figure,
                "target": f"{sense} {limit}",
                "limit": limit,
                "measured": measured,
                "met": gap >= 0,
                "by": round(abs(gap), 2),
                "by_percent": round(abs(gap) / limit * 100),
            }
        )
    return checked


# --- The report ---------------------------------------------------------------------------


def latest_credits() -> dict | None:
    found = sorted((BENCH_DIR / "results").glob("*-credits.json"))
    if not found:
        return None
    report = json.loads(found[-1].read_text())
    return {
        "file": found[-1].name,
        "subscriptions": report["seeded"]["subscriptions"],
        "incidents": report["seeded"]["incidents"],
        "first_run_seconds": report["first_run"]["seconds"],
        "first_run_queries": report["first_run"]["queries"],
        "second_run_seconds": report["second_run"]["seconds"],
    }


def compare(sizes: list[dict]) -> dict:
    """Each figure at the largest size over the same figure at the smallest: p95 under load,
    and the median of one request at a time."""
    if len(sizes) < 2:
        return {}
    small, large = sizes[0]["endpoints"], sizes[-1]["endpoints"]
    growth = {}
    for name in large:
        if name not in small:
            continue
        growth[name] = {
            key: round(large[name][key] / small[name][key], 2)
            for key in ("p95_ms", "serial_p50_ms")
            if small[name].get(key) and large[name].get(key)
        }
    return growth


FIGURES = {
    "p95_vs_floor": ("p95 / floor p95", "×"),
    "p95_vs_me": ("p95 / p95 of /api/me/", "×"),
    "queries": ("SQL queries of one request", ""),
    "tickets_per_second": ("cases opened per second", "/s"),
}


def markdown(report: dict) -> str:
    lines = []
    columns = [
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "req/s",
        "1 conn. p50 ms",
        "1 conn. p95 ms",
        "1 conn. req/s",
        "floor p95 ms",
        "p95/floor",
        "p95 / me",
        "queries",
    ]
    for size in report["sizes"]:
        lines += [
            f"{size['tickets']:,} cases, {report['load']['connections']} connections; the "
            "floor is a bare Django view (no middleware) in the same server, measured just "
            "before each row on as many connections:",
            "",
            "| Endpoint | " + " | ".join(columns) + " |",
            "|---|" + "---:|" * len(columns),
        ]
        for name, found in size["endpoints"].items():
            rate = found.get("tickets_per_second", found.get("rps", ""))
            cells = [found.get(key, "") for key in ("p50_ms", "p95_ms", "p99_ms")]
            cells += [f"{rate} cases/s" if "tickets_per_second" in found else rate]
            cells += [
                found.get(key, "")
                for key in (
                    "serial_p50_ms",
                    "serial_p95_ms",
                    "serial_rps",
                    "floor_p95_ms",
                    "p95_vs_floor",
                    "p95_vs_me",
                    "queries",
                )
            ]
            lines.append(f"| {name} | " + " | ".join(str(cell) for cell in cells) + " |")
        lines.append("")
        cases = size.get("measured_cases") or {}
        if cases:
            shown = ", ".join(
                f"{messages} messages: case {case['pk']} ({case['status']})"
                for messages, case in cases.items()
            )
            lines += [f"Case pages measured: {shown}.", ""]
        for name, found in size["endpoints"].items():
            if "tickets_created" in found:
                clocks = (
                    "each with its clocks"
                    if not found["cases_without_clocks"]
                    else f"{found['cases_without_clocks']} WITHOUT CLOCKS"
                )
                lines.append(
                    f"- {name}: {found['cases_answered']} answered 201, "
                    f"{found['tickets_created']} in the database, {clocks} "
                    f"({found['clocks']} clocks){'' if found['verified'] else ': FAILED'}"
                )
        if size["targets"]:
            if lines[-1]:
                lines.append("")
            lines += [
                f"Targets at {size['tickets']:,} cases:",
                "",
                "| Endpoint | Figure | Target | Measured | Result |",
                "|---|---|---:|---:|---|",
            ]
            for target in size["targets"]:
                label, unit = FIGURES[target["figure"]]
                sense = "≤" if target["target"].startswith("<=") else "≥"
                result = (
                    f"met, {target['by']}{unit} ({target['by_percent']} %) to spare"
                    if target["met"]
                    else f"missed by {target['by']}{unit} ({target['by_percent']} %)"
                )
                lines.append(
                    f"| {target['endpoint']} | {label} | {sense} {target['limit']}{unit} | "
                    f"{target['measured']}{unit} | {result} |"
                )
        lines.append("")
    if report["growth"]:
        first, last = report["sizes"][0]["tickets"], report["sizes"][-1]["tickets"]
        lines += [
            f"Growth from {first:,} to {last:,} cases:",
            "",
            "| Endpoint | p95 | 1 conn. p50 |",
            "|---|---:|---:|",
        ]
        for name, found in report["growth"].items():
            p95, serial = found.get("p95_ms", ""), found.get("serial_p50_ms", "")
            lines.append(f"| {name} | {p95} | {serial} |")
        lines.append("")
    for size in report["sizes"]:
        for name, found in size["sla_sweep"].items():
            index = f", index used: {found['uses_index']}" if "uses_index" in found else ""
            lines.append(
                f"- SLA sweep `{name}` ({size['tickets']:,} cases): median "
                f"{found['median_ms']} ms, p95 {found['p95_ms']} ms{index}"
            )
    credits = report.get("credits")
    if credits:
        lines.append(
            f"- Credits for a month of {credits['subscriptions']:,} subscriptions and "
            f"{credits['incidents']:,} incidents ({credits['file']}): "
            f"{credits['first_run_seconds']} s first run ({credits['first_run_queries']} "
            f"queries), {credits['second_run_seconds']} s unchanged rerun"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,1000000", help="comma-separated case counts")
    parser.add_argument("--tickets", type=int, help="a single size instead of --sizes")
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--create-duration", type=int, default=20)
    parser.add_argument(
        "--floor-duration", type=int, default=5, help="seconds of floor before each endpoint"
    )
    parser.add_argument(
        "--serial-duration", type=int, default=5, help="seconds on one connection; 0: none"
    )
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="over 1: gthread workers")
    parser.add_argument("--sweep-runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7, help="random seed for the data")
    parser.add_argument("--keep", action="store_true", help="keep and reuse the databases")
    parser.add_argument(
        "--only",
        default=",".join(GROUPS),
        help=f"comma-separated, of {','.join(GROUPS)} (the floor before each is always measured)",
    )
    parser.add_argument("--out-dir", type=Path, default=BENCH_DIR / "results")
    args = parser.parse_args()
    args.only = {group.strip() for group in args.only.split(",") if group.strip()}
    if unknown := args.only - set(GROUPS):
        parser.error(f"--only: unknown {', '.join(sorted(unknown))}; choose from {GROUPS}")

    if connection.vendor != "postgresql":
        print("bench/scale.py needs PostgreSQL: set DATABASE_URL. Skipped.", file=sys.stderr)
        return
    if shutil.which("wrk") is None:
        print("bench/scale.py needs wrk (apt-get install wrk). Skipped.", file=sys.stderr)
        return
    sizes = [args.tickets] if args.tickets else sorted(int(n) for n in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="scale-var-") as args.var_dir:
        measured = [run_size(size, args) for size in sizes]
    report = {
        "benchmark": "scale",
        "database": database_version(),
        "at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "server": {"workers": args.workers, "threads": args.threads},
        "load": {
            "connections": args.connections,
            "seconds_per_endpoint": args.duration,
            "floor_seconds": args.floor_duration,
            "serial_seconds": args.serial_duration,
            "create_seconds": args.create_duration,
        },
        "measured": [group for group in GROUPS if group in args.only],
        "sizes": measured,
        "growth": compare(measured),
        "credits": latest_credits(),
    }
    table = markdown(report)
    print(json.dumps(report, indent=2))
    print(table)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / f"{datetime.now(tz=UTC):%F}-scale"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    stem.with_suffix(".md").write_text(table)
    lost = [
        f"{size['tickets']:,} cases, {name}"
        for size in measured
        for name, found in size["endpoints"].items()
        if found.get("verified") is False
    ]
    if lost:
        sys.exit(f"Cases the API accepted are missing or have no clocks: {'; '.join(lost)}")


if __name__ == "__main__":
    main()
