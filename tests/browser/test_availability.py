"""Availability credits in a real browser (headless Chromium via Playwright), as the issue's
"Done when" describes it: a NOC engineer records a ten-hour outage of UC Cloud US two days
ago; the billing user finds the credit it earned for each subscription covering that
service, approves them and downloads the month as CSV; the status page shows the bad day.

Ten hours in a month of 28 to 31 days leaves between 98.5 % and 98.7 % availability: under
the 2023-10 and 2026-03 tables (90 % up to 99 %) a tenth of each monthly fee is credited.
The records' edits queue the recomputation; Celery runs it eagerly here, on commit, as a
worker would shortly after.
"""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from availability import services
from availability.models import Credit, Subscription
from partners.models import User
from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

TITLE = "UC Cloud US unreachable after a storage failure"


@pytest.fixture
def site(live_server, transactional_db, media_root):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    return live_server.url


def new_page(browser: Browser, site: str, email: str) -> Page:
    page = browser.new_context().new_page()
    log_in(page, site, email)
    return page


def test_outage_becomes_credits_billing_approves_and_exports(
    browser: Browser, site: str, eager_celery
):
    # The NOC engineer's demo account works in UTC, so the form's times are UTC.
    day = (datetime.now(UTC) - timedelta(days=2)).date()
    started = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)
    ended = started + timedelta(hours=10)
    affected = {
        subscription.organisation.name: subscription.monthly_fee
        for subscription in Subscription.objects.filter(services__code="uc-cloud-us")
    }
    assert len(affected) >= 2, "the demo data subscribes several partners to UC Cloud US"

    noc = new_page(browser, site, "noc@demo.test")
    noc.get_by_role("link", name="Incidents").click()
    noc.get_by_role("link", name="Record an incident").click()
    noc.get_by_label("Title").fill(TITLE)
    noc.get_by_label("Started").fill(f"{started:%Y-%m-%dT%H:%M}")
    noc.get_by_label("Ended").fill(f"{ended:%Y-%m-%dT%H:%M}")
    noc.get_by_label("UC Cloud US").check()
    noc.get_by_label("Full outage").check()
    noc.get_by_label("Public note").fill("Calls and the PBX web interface were unavailable.")
    noc.get_by_role("button", name="Record the incident").click()
    expect(noc.get_by_role("heading", level=1)).to_contain_text(TITLE)
    noc.context.close()

    billing = new_page(browser, site, "billing@demo.test")
    billing.get_by_role("textbox", name="Month").fill(f"{day:%Y-%m}")
    billing.get_by_label("Only credits above zero").check()
    billing.get_by_role("button", name="Show credits").click()
    for organisation, fee in affected.items():
        row = billing.get_by_role("row").filter(has_text=organisation)
        credit = (fee / 10).quantize(Decimal("0.01"))
        expect(row).to_contain_text(f"{credit} ")
        expect(row).to_contain_text("90 %")
        expect(row).to_contain_text("not met")
        row.get_by_role("checkbox").check()
    bulk = billing.get_by_role("group", name="With the ticked credits")
    bulk.get_by_role("button", name="Approve").click()
    for organisation in affected:
        expect(billing.get_by_role("row").filter(has_text=organisation)).to_contain_text("Approved")

    with billing.expect_download() as download:
        billing.get_by_role("link", name=re.compile("Download CSV")).click()
    rows = list(
        csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig")))
    )
    exported = {row["organisation"]: row for row in rows if row["organisation"] in affected}
    assert set(exported) == set(affected)
    for organisation, fee in affected.items():
        assert exported[organisation]["credit"] == str((fee / 10).quantize(Decimal("0.01")))
        assert exported[organisation]["payable_percent"] == "90"
        assert exported[organisation]["state"] == "approved"
        assert TITLE in exported[organisation]["incidents"]

    billing.get_by_role("link", name="Status").click()
    service = billing.locator("[data-service='uc-cloud-us']")
    bad_day = service.locator(f"[data-day='{day:%Y-%m-%d}']")
    expect(bad_day).to_have_attribute("data-level", "severe")
    # Ten of the day's twenty-four hours were down.
    expect(bad_day).to_have_attribute("data-availability", re.compile(r"^58\.33"))
    expect(service.locator("[data-day]").last).to_have_attribute("data-level", "ok")
    billing.context.close()


def test_the_billing_credits_fit_a_laptop_screen(browser: Browser, site: str):
    """At 1366×900 the demo's credits, in every state, fit the page and their card without
    sideways scrolling; applying credits of two organisations to one invoice asks first."""
    staff = User.objects.get(email="billing@demo.test")
    credits = list(Credit.objects.select_related("subscription__organisation").order_by("pk"))
    assert len(credits) >= 4, "the demo data has last month's credits"
    for credit in credits[:3]:
        services.credit_approve(credit=credit, actor=staff)
    services.credit_apply(credit=credits[0], actor=staff, invoice_number="INV-2026-000123")

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        log_in(page, site, "billing@demo.test")
        page.goto(site + "/billing/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Billing")
        table = page.locator(".credits-table")
        expect(table.get_by_role("row")).to_have_count(len(credits) + 1)
        credit_header = table.get_by_role("columnheader", name="Credit", exact=True)
        box = credit_header.bounding_box()
        assert box["x"] + box["width"] <= 1366, box
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        fits = "table => table.scrollWidth <= table.parentElement.clientWidth"
        assert table.evaluate(fits), table.evaluate(
            "table => [table.scrollWidth, table.parentElement.clientWidth]"
        )

        # Two approved credits of different organisations, one invoice: asked first.
        second, third = credits[1], credits[2]
        assert second.subscription.organisation_id != third.subscription.organisation_id
        for credit in (second, third):
            page.locator(f"#pick-{credit.pk}").check()
        bulk = page.get_by_role("group", name="With the ticked credits")
        bulk.get_by_label("Invoice number").fill("INV-2026-000200")
        bulk.get_by_role("button", name="Mark applied").click()
        expect(page.get_by_role("status")).to_contain_text("2 different organisations")
        expect(page.locator(f"#pick-{second.pk}")).to_be_checked()
        expect(bulk.get_by_label("Invoice number")).to_have_value("INV-2026-000200")
        assert Credit.objects.filter(state=Credit.State.APPLIED).count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        bulk.get_by_label("These credits of 2 organisations go on one invoice").check()
        bulk.get_by_role("button", name="Mark applied").click()
        expect(page.get_by_role("status")).to_contain_text(
            "2 credits marked applied to invoice INV-2026-000200"
        )
        assert set(
            Credit.objects.filter(invoice_number="INV-2026-000200").values_list("pk", flat=True)
        ) == {second.pk, third.pk}
    finally:
        context.close()
