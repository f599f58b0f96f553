"""Demo hardware for ``manage.py seed_demo``: a catalogue, an HWaaS agreement that Alpine
Unified Comms gives its customer Trattoria da Marco (lines delivered three and eight months
ago, one just ordered), and purchased devices whose warranties run, need the extended
contract, or have ended. Dates follow today, so the six-month rule always has a line on
each side of it. Safe to run again: records are found by their numbers and serials."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from hwaas import rules
from hwaas.models import CapexPurchase, HardwareModel, LeaseAgreement, LeaseLine
from partners.models import Device, Organisation

# code -> (name, description, casualty value, default fee per month)
CATALOGUE = {
    "desk-phone-dp40": ("Desk phone DP-40", "Colour desk phone, 12 lines", "180.00", "8.00"),
    "dect-handset-h1": ("DECT handset H1", "Office DECT handset", "120.00", "6.00"),
    "dect-rugged-r1": ("DECT handset R1", "Rugged DECT handset for shop floors", "210.00", "9.50"),
    "dect-base-db1": ("DECT base DB-1", "Single-cell DECT base station", "250.00", "10.00"),
    "hardware-pbx-hp200": ("Hardware PBX HP-200", "On-site PBX appliance", "900.00", "35.00"),
}

AGREEMENT = "HW-DEMO-0001"
LESSOR, LESSEE = "Alpine Unified Comms GmbH", "Trattoria da Marco"


def _months_ago(today: date, months: int) -> date:
    return rules.add_months(today, -months)


# (serial, model code, delivered how many months ago) of the agreement's delivered lines.
LEASED_UNITS = [
    ("TDM-DP40-0001", "desk-phone-dp40", 3),
    ("TDM-DP40-0002", "desk-phone-dp40", 3),
    ("TDM-DP40-0003", "desk-phone-dp40", 3),
    ("TDM-H1-0001", "dect-handset-h1", 8),
    ("TDM-H1-0002", "dect-handset-h1", 8),
    ("TDM-DB1-0001", "dect-base-db1", 8),
]


@transaction.atomic
def seed_hardware(today: date | None = None) -> int:
    today = today or timezone.localdate()
    models = _seed_catalogue()
    lessor = Organisation.objects.filter(name=LESSOR).first()
    lessee = Organisation.objects.filter(name=LESSEE).first()
    if lessor is None or lessee is None:
        return 0
    count = _seed_lease(models, lessor=lessor, lessee=lessee, today=today)
    return count + _seed_purchases(models, today=today)


def _seed_catalogue() -> dict[str, HardwareModel]:
    models = {}
    for code, (name, description, casualty, fee) in CATALOGUE.items():
        models[code], _ = HardwareModel.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "casualty_value": Decimal(casualty),
                "default_fee": Decimal(fee),
                "currency": "EUR",
            },
        )
    return models


def _seed_lease(
    models: dict[str, HardwareModel], *, lessor: Organisation, lessee: Organisation, today: date
) -> int:
    """The agreement, its delivered lines and one line ordered five days ago. Returns how
    many lines it has."""
    agreement, _ = LeaseAgreement.objects.update_or_create(
        number=AGREEMENT,
        defaults={
            "lessor": lessor,
            "lessee": lessee,
            "term": LeaseAgreement.Term.YEAR_TO_YEAR,
            "starts_on": _months_ago(today, 10),
            "ends_on": None,
            "currency": "EUR",
            "owner": rules.owner_entity(lessee.country),
        },
    )
    for serial, code, months in LEASED_UNITS:
        _seed_leased_unit(
            agreement, models[code], serial=serial, delivered=_months_ago(today, months)
        )
    ordered = today - timedelta(days=5)
    if not agreement.lines.filter(device__isnull=True).exists():
        LeaseLine.objects.create(
            agreement=agreement,
            hardware_model=models["dect-handset-h1"],
            fee=models["dect-handset-h1"].default_fee,
            ordered_on=ordered,
            invoicing_starts_on=rules.invoicing_starts(ordered),
        )
    return len(LEASED_UNITS) + 1


def _seed_leased_unit(
    agreement: LeaseAgreement, model: HardwareModel, *, serial: str, delivered: date
) -> None:
    device, _ = Device.objects.update_or_create(
        serial_number=serial,
        defaults={
            "organisation": agreement.lessee,
            "kind": Device.Kind.DEVICE,
            "model": model.name,
            "name": f"{model.name} (leased)",
        },
    )
    ordered = delivered - timedelta(days=3)
    LeaseLine.objects.update_or_create(
        agreement=agreement,
        device=device,
        defaults={
            "hardware_model": model,
            "fee": model.default_fee,
            "ordered_on": ordered,
            "invoicing_starts_on": rules.invoicing_starts(ordered),
            "delivered_on": delivered,
            "returned_on": None,
        },
    )


def _seed_purchases(models: dict[str, HardwareModel], *, today: date) -> int:
    """Purchased devices of the partners' own (from partners.demo), by serial. Returns how
    many were found."""
    purchases = [
        # Bought before July 2022 with the five-year agreement: covered, contract needed.
        ("GOLD-HPBX-0001", "hardware-pbx-hp200", date(2022, 3, 15), True, "INV-2022-0415"),
        # Bought four months ago: the standard year.
        ("GOLD-PH01-0001", "desk-phone-dp40", _months_ago(today, 4), False, "INV-DEMO-0912"),
        # Bought over five years ago: no warranty, no RMA.
        ("PLATINUM-PH02-0001", "dect-base-db1", date(2021, 5, 3), False, "US-INV-21-118"),
    ]
    count = 0
    for serial, code, bought, extended, invoice in purchases:
        device = Device.objects.filter(serial_number=serial).first()
        if device is None:
            continue
        CapexPurchase.objects.update_or_create(
            device=device,
            defaults={
                "hardware_model": models[code],
                "purchased_on": bought,
                "extended_warranty": extended,
                "invoice_number": invoice,
                "converted_on": None,
            },
        )
        count += 1
    return count
