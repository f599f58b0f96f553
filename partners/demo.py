"""Demo organisations, users and devices for ``manage.py seed_demo``. Safe to run repeatedly."""

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from partners.models import Device, Organisation, User
from partners.roles import GROUP_NAMES, Role
from partners.services import policy_versions_load_all, user_create

DEMO_PASSWORD = "supportdesk-demo"


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    name: str
    kind: str
    tier: str
    region: str
    country: str
    phone: str
    tax_id: str
    upstream: str = ""
    installer: str = ""


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    organisation: str = ""
    roles: tuple[Role, ...] = ()
    time_zone: str = ""


K, T = Organisation.Kind, Organisation.Tier
ORGANISATIONS = [
    DemoOrganisation(
        "diamond",
        "Dolomiti Telecom S.r.l.",
        K.PARTNER,
        T.DIAMOND,
        "eu",
        "IT",
        "+39 0461 555 010",
        "IT01234567890",
    ),
    DemoOrganisation(
        "platinum",
        "Hudson Voice Systems Inc.",
        K.PARTNER,
        T.PLATINUM,
        "us",
        "US",
        "+1 212 555 0100",
        "US-84-1234567",
    ),
    DemoOrganisation(
        "gold",
        "Alpine Unified Comms GmbH",
        K.PARTNER,
        T.GOLD,
        "eu",
        "DE",
        "+49 89 555 0200",
        "DE123456789",
    ),
    DemoOrganisation(
        "gold2",
        "Lakeshore Networks LLC",
        K.PARTNER,
        T.GOLD,
        "us",
        "US",
        "+1 312 555 0300",
        "US-36-7654321",
    ),
    DemoOrganisation(
        "silver",
        "Baltic Office Telephony OÜ",
        K.PARTNER,
        T.SILVER,
        "eu",
        "EE",
        "+372 555 0400",
        "EE102345678",
    ),
    DemoOrganisation(
        "bronze",
        "Iberia Voz S.L.",
        K.PARTNER,
        T.BRONZE,
        "eu",
        "ES",
        "+34 93 555 0500",
        "ESB12345678",
        upstream="platinum",
    ),
    DemoOrganisation(
        "reseller",
        "Prairie Phone Resellers Co.",
        K.RESELLER,
        "",
        "us",
        "US",
        "+1 402 555 0600",
        "US-47-1112223",
        upstream="gold2",
    ),
    DemoOrganisation(
        "customer",
        "Trattoria da Marco",
        K.END_CUSTOMER,
        "",
        "eu",
        "IT",
        "+39 06 555 0700",
        "IT09876543210",
        installer="gold",
    ),
]

USERS = [
    DemoUser("diamond@demo.test", "Giulia Conti", organisation="diamond"),
    DemoUser("platinum@demo.test", "Marcus Reed", organisation="platinum"),
    DemoUser("gold@demo.test", "Anna Weber", organisation="gold"),
    DemoUser("gold2@demo.test", "Dana Kowalski", organisation="gold2"),
    DemoUser("silver@demo.test", "Kristjan Tamm", organisation="silver"),
    DemoUser("bronze@demo.test", "Lucía Ortega", organisation="bronze"),
    DemoUser("reseller@demo.test", "Tom Hargrove", organisation="reseller"),
    DemoUser("customer@demo.test", "Marco Bellini", organisation="customer"),
    DemoUser(
        "agent@demo.test",
        "Sofia Marino",
        roles=(Role.AGENT, Role.LEAD),
        time_zone="Europe/Rome",
    ),
    DemoUser("noc@demo.test", "Ravi Menon", roles=(Role.NOC,), time_zone="UTC"),
    DemoUser("billing@demo.test", "Elena Rossi", roles=(Role.BILLING,), time_zone="Europe/Rome"),
    DemoUser("admin@demo.test", "Paul Admin", roles=(Role.ADMIN,), time_zone="UTC"),
]

# (suffix, kind, model, name): every partner and reseller gets these, serials prefixed by key.
DEVICES = [
    ("CPBX", Device.Kind.CLOUD_PBX, "Cloud PBX Business", "Main office cloud PBX", "7.02.1", ""),
    (
        "HPBX",
        Device.Kind.HARDWARE_PBX,
        "Hardware PBX HP-200",
        "Branch hardware PBX",
        "6.10.4",
        "2.3.1",
    ),
    ("PH01", Device.Kind.DEVICE, "Desk phone DP-40", "Reception desk phone", "", "1.9.0"),
    ("PH02", Device.Kind.DEVICE, "DECT base DB-1", "Warehouse DECT base", "", "4.2.7"),
]


@transaction.atomic
def seed_demo() -> dict[str, int]:
    policy_versions_load_all()
    organisations = _seed_organisations()
    devices = _seed_devices(organisations)
    users = _seed_users(organisations)
    return {"organisations": len(organisations), "devices": devices, "users": users}


def _seed_organisations() -> dict[str, Organisation]:
    found: dict[str, Organisation] = {}
    for spec in ORGANISATIONS:
        organisation, _ = Organisation.objects.update_or_create(
            name=spec.name,
            defaults={
                "kind": spec.kind,
                "tier": spec.tier,
                "region": spec.region,
                "country": spec.country,
                "contact_email": f"support@{spec.key}.demo.test",
                "contact_phone": spec.phone,
                "tax_id": spec.tax_id,
                "upstream_partner": found.get(spec.upstream),
                "installer": found.get(spec.installer),
            },
        )
        organisation.full_clean()
        found[spec.key] = organisation
    return found


def _seed_devices(organisations: dict[str, Organisation]) -> int:
    count = 0
    for key, organisation in organisations.items():
        if organisation.kind == Organisation.Kind.END_CUSTOMER:
            continue
        pbx = None
        for suffix, kind, model, name, wms, firmware in DEVICES:
            device, _ = Device.objects.update_or_create(
                serial_number=f"{key.upper()}-{suffix}-0001",
                defaults={
                    "organisation": organisation,
                    "kind": kind,
                    "model": model,
                    "name": name,
                    "wms_version": wms,
                    "firmware_version": firmware,
                    "pbx": pbx if kind == Device.Kind.DEVICE else None,
                },
            )
            if kind == Device.Kind.CLOUD_PBX:
                pbx = device
            count += 1
    return count


def _seed_users(organisations: dict[str, Organisation]) -> int:
    for spec in USERS:
        organisation = organisations.get(spec.organisation)
        user = User.objects.filter(email=spec.email).first()
        if user is None:
            user = user_create(
                email=spec.email,
                password=DEMO_PASSWORD,
                full_name=spec.full_name,
                organisation=organisation,
                roles=spec.roles,
                time_zone=spec.time_zone,
            )
        else:
            # Put the account back the way the README describes it.
            user.full_name = spec.full_name
            user.organisation = organisation
            user.time_zone = spec.time_zone or (
                organisation.member_time_zone if organisation else ""
            )
            user.is_active = True
            user.is_staff = Role.ADMIN in spec.roles
            user.set_password(DEMO_PASSWORD)
            user.groups.set(Group.objects.filter(name__in=[GROUP_NAMES[r] for r in spec.roles]))
        user.is_superuser = Role.ADMIN in spec.roles
        user.save()
    return len(USERS)
