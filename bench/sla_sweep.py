"""How long the SLA sweep's queries take on a large table of clocks.

python bench/sla_sweep.py [--rows 1000000] [--runs 50] [--out bench/results/<date>-sla-sweep.json]

Runs on the database DATABASE_URL names (PostgreSQL in production; without it, SQLite), in
a database of its own created next to it (``<name>_bench``, dropped at the end). It fills
``--rows`` clocks, two per case: about 2 % still running (most due in the coming hours, a
few already past their warning or breach) and the rest stopped, met or breached, over the
past two years. Then it times the sweep's questions, each as ``sla.services.sla_sweep``
asks it, and prints their query plans: the two for what is due should be answered from
the partial indexes ``clock_breach_pending`` and ``clock_warning_pending``.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")

import django

django.setup()

from _common import (  # noqa: E402
    create_bench_database,
    database_version,
    drop_bench_database,
    reset_sequences,
    template,
    write,
)
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from partners.models import CaseType, Organisation, PolicyVersion, User  # noqa: E402
from sla import selectors  # noqa: E402
from sla.models import Clock  # noqa: E402
from tickets.models import Ticket  # noqa: E402

RUNNING_SHARE = 50  # one case in 50 still in work, its clocks running
METRICS = [Clock.Metric.FIRST_RESPONSE, Clock.Metric.RESTORATION]
BATCH = 25_000  # cases per transaction
Status, State = Ticket.Status, Clock.State
TARGET = timedelta(hours=9)


# --- Seeding ------------------------------------------------------------------------------


def _case_parties() -> dict:
    call_command("load_policy", verbosity=0)
    policy = PolicyVersion.objects.order_by("-effective_from").first()
    organisation = Organisation.objects.create(
        name="Benchmark Partner Ltd",
        kind=Organisation.Kind.PARTNER,
        tier=Organisation.Tier.GOLD,
        region=Organisation.Region.EU,
        country="IT",
        contact_email="support@benchmark.test",
    )
    requester = User.objects.create_user(
        email="requester@benchmark.test", password=None, organisation=organisation
    )
    return {
        "organisation": organisation,
        "requester": requester,
        "created_by": requester,
        "policy": policy,
        "case_type": CaseType.objects.filter(policy=policy).first(),
    }


def seed(rows: int, *, now) -> dict:
    """``rows`` clocks on half as many cases: each case has a first-response and a
    restoration clock (the cases table, with its many indexes, fills slowest). Returns how
    many clocks are in each state at ``now``."""
    cases = -(-rows // len(METRICS))
    ticket_columns, ticket_values = template(
        Ticket, subject="Calls drop", description="Every call drops.", **_case_parties()
    )
    clock_columns, clock_values = template(
        Clock,
        calendar="24x7",
        target=TARGET,
        started_at=now,
        due_at=now,
        warn_at=now,
        breach_at=now,
    )
    ticket_at = {column: index for index, column in enumerate(ticket_columns)}
    clock_at = {column: index for index, column in enumerate(clock_columns)}
    counts = dict.fromkeys(["running", "due_warning", "due_breach", "met", "breached"], 0)
    span = timedelta(days=730) / cases

    def running_clock(number: int) -> dict:
        # Due within the next day, except a few the sweep has yet to catch: a warning or a
        # breach that has just fallen due.
        breach = now + timedelta(seconds=(number * 7919) % 86_400)
        if number % (RUNNING_SHARE * 500) == 0:
            breach, kind = now - timedelta(seconds=1 + number * 7919 % 50), "due_breach"
        elif number % (RUNNING_SHARE * 200) == 0:
            breach, kind = now + timedelta(minutes=30), "due_warning"
        else:
            kind = "running"
        warn = breach - timedelta(hours=2) if kind != "running" else breach - TARGET / 4
        counts[kind] += 1
        return {
            "state": State.RUNNING,
            "warn_at": warn,
            # A steady sweep has given the warnings that fell due before now.
            "warned_at": warn if kind == "running" and warn <= now else None,
            "breach_at": breach,
            "due_at": breach,
        }

    def stopped_clock(number: int, created) -> dict:
        met = number % 12 != 0
        breach = created + TARGET
        counts["met" if met else "breached"] += 1
        return {
            "state": State.MET if met else State.BREACHED,
            "warn_at": created + TARGET * 3 / 4,
            "warned_at": None if met else created + TARGET * 3 / 4,
            "breach_at": breach,
            "due_at": breach,
            "breached_at": None if met else breach,
            "stopped_at": created + (TARGET / 3 if met else TARGET * 2),
        }

    def case_and_clocks(case: int) -> tuple[list, list[list]]:
        active = case % RUNNING_SHARE == 0
        # The cases still in work are the newest.
        created = now - (timedelta(minutes=case % 600) if active else span * (cases - case))
        clocks = []
        for offset, metric in enumerate(METRICS):
            number = (case - 1) * len(METRICS) + offset + 1
            if number > rows:
                break
            values = running_clock(number) if active else stopped_clock(number, created)
            values |= {"ticket_id": case, "metric": metric, "started_at": created}
            clock = list(clock_values)
            for column, value in values.items():
                clock[clock_at[column]] = value
            clocks.append(clock)
        if active:
            nearest = min(clock[clock_at["breach_at"]] for clock in clocks)
            status = {"status": Status.OPEN, "next_breach_at": nearest}
        else:
            closed = max(clock[clock_at["stopped_at"]] for clock in clocks)
            status = {"status": Status.CLOSED, "resolved_at": closed, "closed_at": closed}
        status |= {"created_at": created, "updated_at": created}
        ticket = list(ticket_values)
        for column, value in status.items():
            ticket[ticket_at[column]] = value
        return [case, *ticket], clocks

    for first in range(1, cases + 1, BATCH):
        made = [case_and_clocks(case) for case in range(first, min(first + BATCH, cases + 1))]
        with transaction.atomic():
            write(Ticket, ["id", *ticket_columns], (ticket for ticket, _ in made))
            write(Clock, clock_columns, (clock for _, clocks in made for clock in clocks))
    reset_sequences(Ticket, Clock)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts


# --- The sweep's questions ----------------------------------------------------------------


def sweep_queries(now, lookahead: timedelta) -> dict:
    """The sweep's reads: the very querysets ``sla.services.sla_sweep`` runs."""
    return {
        "due_breaches": selectors.breaches_due(now=now),
        "due_warnings": selectors.warnings_due(now=now),
        "upcoming_timers": selectors.timers_coming(now=now, until=now + lookahead),
    }


INDEXES = {"due_breaches": "clock_breach_pending", "due_warnings": "clock_warning_pending"}


def measure(runs: int, *, now) -> dict:
    """Each query as a sweep at ``now`` makes it (the instant the clocks were seeded for,
    so that what is due is what ``seed`` counted)."""
    lookahead = timedelta(seconds=settings.SLA_SWEEP_SECONDS * 1.5)
    results = {}
    for name, query in sweep_queries(now, lookahead).items():
        plan = query.explain()
        found = len(list(query))  # warm the cache once, as a steady sweep finds it
        timings = []
        for _ in range(runs):
            began = time.perf_counter()
            list(query.all())
            timings.append((time.perf_counter() - began) * 1000)
        results[name] = {
            "rows_returned": found,
            "median_ms": round(statistics.median(timings), 3),
            "p95_ms": round(statistics.quantiles(timings, n=20)[18], 3),
            "plan": plan.splitlines(),
        }
        if name in INDEXES:
            results[name]["uses_index"] = INDEXES[name] in plan
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="clocks to create")
    parser.add_argument("--runs", type=int, default=50, help="timed runs of each query")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    if connection.vendor == "sqlite":
        print(
            "Note: running on SQLite. Production and CI use PostgreSQL: set DATABASE_URL "
            "for figures that matter.",
            file=sys.stderr,
        )
    original = create_bench_database()
    try:
        now = timezone.now()
        began = time.perf_counter()
        counts = seed(args.rows, now=now)
        seeded_in = time.perf_counter() - began
        queries = measure(args.runs, now=now)
        version = database_version()
    finally:
        drop_bench_database(original)

    report = {
        "benchmark": "sla_sweep",
        "database": version,
        "clocks": args.rows,
        "clock_states": counts,
        "seed_seconds": round(seeded_in, 1),
        "runs": args.runs,
        "queries": queries,
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
