"""Demo entitlements for ``manage.py seed_demo``: Trattoria da Marco bought a hardware PBX
twenty days ago (free set-up support until day 30); Baltic Office Telephony has a two-hour
bundle of support hours; Prairie Phone Resellers has reseller status (the phone channel);
Lakeshore Networks has a maintenance contract whose cases go to the demo agent. Dates
follow today. Safe to run again: found by reference."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from entitlements import rules
from entitlements.models import Entitlement
from partners.models import Device, Organisation, User


@transaction.atomic
def seed_entitlements(now: datetime | None = None) -> int:
    now = now or timezone.now()
    found = {org.name: org for org in Organisation.objects.all()}
    agent = User.objects.filter(email="agent@demo.test").first()
    count = 0
    customer = found.get("Trattoria da Marco")
    if customer is not None:
        _seed_purchase_window(customer, now=now)
        count += 1
    silver = found.get("Baltic Office Telephony OÜ")
    if silver is not None:
        _seed_hour_bundle(silver, account_manager=agent, now=now)
        count += 1
    reseller = found.get("Prairie Phone Resellers Co.")
    if reseller is not None:
        _seed_reseller_status(reseller, now=now)
        count += 1
    contracted = found.get("Lakeshore Networks LLC")
    if contracted is not None and agent is not None:
        _seed_maintenance_contract(contracted, technician=agent, now=now)
        count += 1
    return count


def _seed_purchase_window(customer: Organisation, *, now: datetime) -> None:
    """A hardware PBX bought twenty days ago, with its free set-up support."""
    pbx, _ = Device.objects.update_or_create(
        serial_number="TDM-HPBX-0001",
        defaults={
            "organisation": customer,
            "kind": Device.Kind.HARDWARE_PBX,
            "model": "Hardware PBX HP-200",
            "name": "Restaurant PBX",
            "wms_version": "7.02.1",
        },
    )
    bought = timezone.localdate(now) - timedelta(days=20)
    starts, ends = rules.purchase_window_bounds(bought, customer.time_zone)
    window, _ = Entitlement.objects.update_or_create(
        organisation=customer,
        reference="INV-DEMO-2041",
        defaults={
            "kind": Entitlement.Kind.PURCHASE_WINDOW,
            "purchased_on": bought,
            "starts_at": starts,
            "ends_at": ends,
        },
    )
    window.devices.set([pbx])


def _seed_hour_bundle(
    organisation: Organisation, *, account_manager: User | None, now: datetime
) -> None:
    Entitlement.objects.update_or_create(
        organisation=organisation,
        reference="BND-DEMO-0001",
        defaults={
            "kind": Entitlement.Kind.HOUR_BUNDLE,
            "minutes_bought": 120,
            "low_balance_minutes": 30,
            "account_manager": account_manager,
            "starts_at": now - timedelta(days=60),
            "ends_at": now + timedelta(days=305),
        },
    )


def _seed_reseller_status(reseller: Organisation, *, now: datetime) -> None:
    # Phone support only: portal cases still go through its upstream partner.
    Entitlement.objects.update_or_create(
        organisation=reseller,
        reference="RES-DEMO-0001",
        defaults={
            "kind": Entitlement.Kind.RESELLER_STATUS,
            "purchase_volume_eur": Decimal("8200.00"),
            "contract_signed_on": timezone.localdate(now) - timedelta(days=90),
            "starts_at": now - timedelta(days=90),
            "ends_at": now + timedelta(days=275),
        },
    )


def _seed_maintenance_contract(
    organisation: Organisation, *, technician: User, now: datetime
) -> None:
    Entitlement.objects.update_or_create(
        organisation=organisation,
        reference="MC-DEMO-0001",
        defaults={
            "kind": Entitlement.Kind.MAINTENANCE_CONTRACT,
            "technician": technician,
            "starts_at": now - timedelta(days=120),
            "ends_at": now + timedelta(days=245),
        },
    )
