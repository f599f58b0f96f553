"""How long a month of credits takes to compute.

python bench/credits.py [--subscriptions 10000] [--incidents 2000] [--month 2026-10]
                        [--out bench/results/<date>-credits.json]

Runs on the database DATABASE_URL names (PostgreSQL in production; without it, SQLite), in
a database of its own created next to it (``<name>_bench``, dropped at the end). It fills
one organisation for every five subscriptions, five services, the subscriptions (one to
three services each, EUR or USD, reporting in UTC, Europe/Rome or America/New_York),
``--incidents`` incidents in the month (mostly full outages of the vendor's making, some
degraded or caused by an operator; four in five affect the whole service, the rest one to
three organisations) and 100 maintenance windows, half of them announced in time. Then it
times ``availability.services.credits_compute`` for the month twice: the first run creates
every credit, the second finds nothing changed.
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")

import django

django.setup()

from _common import create_bench_database, database_version, drop_bench_database  # noqa: E402
from django.db import connection  # noqa: E402

from availability import services  # noqa: E402
from availability.models import (  # noqa: E402
    Credit,
    Incident,
    Maintenance,
    Service,
    Subscription,
)
from partners.models import Organisation, User  # noqa: E402
from partners.services import policy_versions_load_all  # noqa: E402

BATCH = 5_000
SUBSCRIPTIONS_PER_ORGANISATION = 5
MAINTENANCE_WINDOWS = 100
ZONES = ["UTC", "Europe/Rome", "America/New_York"]
CURRENCIES = ["EUR", "USD"]


# --- Seeding ------------------------------------------------------------------------------


def _through(model, field: str):
    return getattr(model, field).through


def seed(*, subscriptions: int, incidents: int, month: date, rng: random.Random) -> dict:
    """Everything the month's credits are computed from. Returns what was made."""
    policy_versions_load_all()
    staff = User.objects.create_user(email="noc@benchmark.test", password=None)
    service_list = Service.objects.bulk_create(
        Service(code=f"uc-cloud-{n}", name=f"UC Cloud {n}") for n in range(1, 6)
    )
    organisations = Organisation.objects.bulk_create(
        (
            Organisation(
                name=f"Benchmark Partner {n:05d}",
                kind=Organisation.Kind.PARTNER,
                tier=Organisation.Tier.GOLD,
                region=Organisation.Region.EU,
                country="IT",
                contact_email=f"support{n}@benchmark.test",
            )
            for n in range(max(1, subscriptions // SUBSCRIPTIONS_PER_ORGANISATION))
        ),
        batch_size=BATCH,
    )

    made = Subscription.objects.bulk_create(
        (
            Subscription(
                organisation=organisations[n % len(organisations)],
                reference=f"BENCH-{n:06d}",
                monthly_fee=Decimal(rng.randrange(5_000, 500_000)) / 100,
                currency=CURRENCIES[n % len(CURRENCIES)],
                starts_on=month - timedelta(days=rng.randrange(30, 900)),
                reporting_time_zone=ZONES[n % len(ZONES)],
            )
            for n in range(subscriptions)
        ),
        batch_size=BATCH,
    )
    links = _through(Subscription, "services")
    links.objects.bulk_create(
        (
            links(subscription_id=subscription.pk, service_id=service.pk)
            for subscription in made
            for service in rng.sample(service_list, rng.randint(1, 3))
        ),
        batch_size=BATCH,
    )

    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    span = (services.next_month(month) - month).total_seconds()
    kinds = {"counting": 0, "degraded": 0, "operator": 0, "scoped": 0}

    def duration() -> timedelta:
        # Most outages are over within minutes; a few last hours.
        roll = rng.random()
        if roll < 0.7:
            return timedelta(minutes=rng.randint(2, 30))
        if roll < 0.95:
            return timedelta(minutes=rng.randint(30, 120))
        return timedelta(minutes=rng.randint(120, 360))

    def incident(n: int) -> Incident:
        began = start + timedelta(seconds=rng.uniform(0, span - 6 * 3600))
        roll = rng.random()
        if roll < 0.1:
            impact, cause = Incident.Impact.DEGRADED, Incident.Cause.VENDOR
            kinds["degraded"] += 1
        elif roll < 0.2:
            impact, cause = Incident.Impact.OUTAGE, Incident.Cause.OPERATOR
            kinds["operator"] += 1
        else:
            impact, cause = Incident.Impact.OUTAGE, Incident.Cause.VENDOR
            kinds["counting"] += 1
        scoped = n % 5 == 0
        kinds["scoped"] += scoped
        return Incident(
            title=f"Benchmark incident {n}",
            started_at=began,
            ended_at=began + duration(),
            scope=Incident.Scope.ORGANISATIONS if scoped else Incident.Scope.SERVICE,
            impact=impact,
            cause=cause,
            created_by=staff,
        )

    recorded = Incident.objects.bulk_create(
        (incident(n) for n in range(incidents)), batch_size=BATCH
    )
    incident_services = _through(Incident, "services")
    incident_services.objects.bulk_create(
        (
            incident_services(incident_id=row.pk, service_id=service.pk)
            for row in recorded
            for service in rng.sample(service_list, rng.choice([1, 1, 1, 2]))
        ),
        batch_size=BATCH,
    )
    incident_organisations = _through(Incident, "organisations")
    incident_organisations.objects.bulk_create(
        (
            incident_organisations(incident_id=row.pk, organisation_id=organisation.pk)
            for row in recorded
            if row.scope == Incident.Scope.ORGANISATIONS
            for organisation in rng.sample(
                organisations, rng.randint(1, min(3, len(organisations)))
            )
        ),
        batch_size=BATCH,
    )

    def window(n: int) -> Maintenance:
        begins = start + timedelta(seconds=rng.uniform(0, span - 4 * 3600))
        # Half announced a fortnight ahead, half on the day (too late to count as available).
        notice = timedelta(days=14) if n % 2 == 0 else timedelta(hours=2)
        return Maintenance(
            title=f"Benchmark maintenance {n}",
            starts_at=begins,
            ends_at=begins + timedelta(minutes=rng.choice([30, 60, 120, 240])),
            notified_at=begins - notice,
            created_by=staff,
        )

    windows = Maintenance.objects.bulk_create(window(n) for n in range(MAINTENANCE_WINDOWS))
    window_services = _through(Maintenance, "services")
    window_services.objects.bulk_create(
        window_services(maintenance_id=row.pk, service_id=rng.choice(service_list).pk)
        for row in windows
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "organisations": len(organisations),
        "services": len(service_list),
        "subscriptions": len(made),
        "incidents": len(recorded),
        "incident_kinds": kinds,
        "maintenance_windows": len(windows),
    }


# --- The computation ----------------------------------------------------------------------


class QueryCounter:
    """Counts statements sent to the database without keeping them."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed_run(month: date) -> dict:
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        began = time.perf_counter()
        result = services.credits_compute(month=month)
        seconds = time.perf_counter() - began
    subscriptions = result.created + result.updated + result.unchanged
    return {
        "seconds": round(seconds, 2),
        "subscriptions_per_second": round(subscriptions / seconds, 1),
        "queries": counter.count,
        "queries_per_subscription": round(counter.count / max(subscriptions, 1), 2),
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "adjustments": result.adjustments,
    }


def last_month() -> date:
    today = datetime.now(tz=UTC).date().replace(day=1)
    return (today - timedelta(days=1)).replace(day=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--incidents", type=int, default=2_000)
    parser.add_argument(
        "--month",
        type=lambda text: date.fromisoformat(f"{text}-01"),
        default=last_month(),
        help="YYYY-MM; the last complete month unless given",
    )
    parser.add_argument("--seed", type=int, default=5, help="random seed for the data")
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
        began = time.perf_counter()
        seeded = seed(
            subscriptions=args.subscriptions,
            incidents=args.incidents,
            month=args.month,
            rng=random.Random(args.seed),
        )
        seeded_in = time.perf_counter() - began
        first = timed_run(args.month)
        first["credits_per_second"] = round(first["created"] / first["seconds"], 1)
        owed = Credit.objects.filter(month=args.month, amount__gt=0).count()
        second = timed_run(args.month)
        version = database_version()
    finally:
        drop_bench_database(original)

    report = {
        "benchmark": "credits",
        "database": version,
        "month": f"{args.month:%Y-%m}",
        "seeded": seeded,
        "seed_seconds": round(seeded_in, 1),
        "credits_with_an_amount": owed,
        "first_run": first,
        "second_run": second,
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
