"""Demo services, subscriptions, last month's incidents and their credits, and the daily
figures of every day the status page shows, for ``manage.py seed_demo``. Safe to run
repeatedly: records are found by name before they are created, and credits and daily figures
are worked out again."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from availability.models import Incident, Maintenance, Service, Subscription
from availability.services import credits_compute, days_compute, month_start
from availability.status import DAYS_SHOWN
from partners.models import Organisation, User

SERVICES = [
    ("uc-cloud-eu", "UC Cloud EU", "Cloud PBXs hosted in Europe"),
    ("uc-cloud-us", "UC Cloud US", "Cloud PBXs hosted in the United States"),
    ("classound-eu", "CLASSOUND EU", "SIP trunking in Europe"),
    ("classound-us", "CLASSOUND US", "SIP trunking in the United States"),
    ("partner-portal", "Partner portal", "This support portal and the partner web tools"),
]

# organisation name -> (reference, monthly fee, currency, reporting zone, service codes)
SUBSCRIPTIONS = {
    "Dolomiti Telecom S.r.l.": (
        "DT-2024-001",
        "4800.00",
        "EUR",
        "Europe/Rome",
        ["uc-cloud-eu", "classound-eu"],
    ),
    "Hudson Voice Systems Inc.": (
        "HV-2023-014",
        "6250.00",
        "USD",
        "America/New_York",
        ["uc-cloud-us", "classound-us"],
    ),
    "Alpine Unified Comms GmbH": ("AU-2025-007", "2100.00", "EUR", "UTC", ["uc-cloud-eu"]),
    "Lakeshore Networks LLC": ("LN-2024-031", "1750.00", "USD", "UTC", ["uc-cloud-us"]),
    "Baltic Office Telephony OÜ": ("BO-2026-002", "900.00", "EUR", "UTC", ["uc-cloud-eu"]),
}
# The demo services and subscriptions all began then.
LAUNCHED_ON = date(2024, 1, 1)


def _previous_month(today: date) -> date:
    return month_start(month_start(today) - timedelta(days=1))


@transaction.atomic
def seed_availability(now: datetime | None = None) -> int:
    """Returns how many credits last month has."""
    now = now or timezone.now()
    services = _seed_services()
    _seed_subscriptions(services)
    noc = User.objects.filter(email="noc@demo.test").first()
    month = _previous_month(now.date())
    if noc is not None:
        _seed_records(services, month=month, noc=noc)
    _seed_days(now)
    if noc is None:
        return 0
    result = credits_compute(month=month)
    return result.created + result.updated + result.unchanged


def _seed_days(now: datetime) -> None:
    """The stored figures of every past day on the status page, as the scheduled run and the
    records' recomputations would have left them."""
    today = now.astimezone(UTC).date()
    days_compute(
        first=today - timedelta(days=DAYS_SHOWN - 1), last=today - timedelta(days=1), now=now
    )


def _seed_services() -> dict[str, Service]:
    services = {}
    for code, name, description in SERVICES:
        service, _ = Service.objects.get_or_create(
            code=code,
            defaults={"name": name, "description": description, "launched_on": LAUNCHED_ON},
        )
        if service.launched_on > LAUNCHED_ON:
            service.launched_on = LAUNCHED_ON
            service.save(update_fields=["launched_on"])
        services[code] = service
    return services


def _seed_subscriptions(services: dict[str, Service]) -> None:
    for organisation in Organisation.objects.filter(name__in=SUBSCRIPTIONS):
        reference, fee, currency, zone, codes = SUBSCRIPTIONS[organisation.name]
        subscription, created = Subscription.objects.get_or_create(
            organisation=organisation,
            reference=reference,
            defaults={
                "monthly_fee": Decimal(fee),
                "currency": currency,
                "starts_on": LAUNCHED_ON,
                "reporting_time_zone": zone,
            },
        )
        if created:
            subscription.services.set([services[code] for code in codes])


def _seed_records(services: dict[str, Service], *, month: date, noc: User) -> None:
    """``month``'s outage, slow console and announced maintenance, recorded by ``noc``."""
    first = datetime(month.year, month.month, 1, tzinfo=UTC)
    outage_start = first + timedelta(days=11, hours=7, minutes=40)
    outage, created = Incident.objects.get_or_create(
        title="UC Cloud EU: calls fail to connect",
        defaults={
            "started_at": outage_start,
            "ended_at": outage_start + timedelta(hours=9, minutes=25),
            "public_note": "A storage fault in one data centre stopped call set-up.",
            "created_by": noc,
        },
    )
    if created:
        outage.services.set([services["uc-cloud-eu"]])
    degraded, created = Incident.objects.get_or_create(
        title="UC Cloud US: slow web console",
        defaults={
            "started_at": first + timedelta(days=4, hours=14),
            "ended_at": first + timedelta(days=4, hours=16),
            "impact": Incident.Impact.DEGRADED,
            "public_note": "The web console answered slowly; calls were not affected.",
            "created_by": noc,
        },
    )
    if created:
        degraded.services.set([services["uc-cloud-us"]])
    window_start = first + timedelta(days=20, hours=1)
    window, created = Maintenance.objects.get_or_create(
        title="CLASSOUND EU: core router upgrade",
        defaults={
            "starts_at": window_start,
            "ends_at": window_start + timedelta(hours=2),
            "notified_at": window_start - timedelta(days=5),
            "note": "Calls may drop once during the window.",
            "created_by": noc,
        },
    )
    if created:
        window.services.set([services["classound-eu"]])
