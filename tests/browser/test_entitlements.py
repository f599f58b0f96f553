"""Entitlements in a real browser (headless Chromium via Playwright), as the issue's "Done
when" describes them, on the demo data:

- Trattoria da Marco, an end customer, bought a hardware PBX 20 days ago and opens a
  configuration case for it: accepted;
- the same 31 days after the purchase: refused, with the day the free support ended;
- an agent logs 90 minutes against Baltic Office Telephony's two-hour bundle, and the
  organisation sees 30 minutes left.
"""

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from entitlements import rules
from entitlements.models import Entitlement
from partners.models import User
from tests.browser.helpers import open_intake, signed_in
from tests.tickets.factories import open_case
from tickets.models import Ticket

pytestmark = pytest.mark.browser

SUBJECT = "The new PBX does not provision our desk phones"


@pytest.fixture
def site(live_server, transactional_db, media_root):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    return live_server.url


def bought_days_ago(days: int) -> Entitlement:
    """Move the demo purchase of Trattoria's PBX to ``days`` ago."""
    window = Entitlement.objects.get(reference="INV-DEMO-2041")
    bought = timezone.localdate() - timedelta(days=days)
    window.purchased_on = bought
    window.starts_at, window.ends_at = rules.purchase_window_bounds(
        bought, window.organisation.time_zone
    )
    window.save()
    return window


def open_configuration_case(page: Page) -> None:
    open_intake(page)
    page.get_by_label("Case type").select_option(label="Tech Support")
    expect(page.get_by_label("Reason", exact=True)).to_be_visible()
    page.get_by_label("Reason", exact=True).select_option(label="Phones and devices")
    page.get_by_label("Category", exact=True).select_option(label="Provisioning")
    page.get_by_label("Find by serial number or name").fill("HPBX")
    devices = page.get_by_label("PBX or device", exact=True)
    expect(devices.locator("option", has_text="TDM-HPBX-0001")).to_have_count(1)
    devices.select_option(label=devices.locator("option", has_text="TDM-HPBX-0001").inner_text())
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Description").fill("Bought three weeks ago; the phones never register.")
    page.get_by_label("WMS version").fill("7.02.1")
    page.get_by_label("Firmware versions").fill("DP-40 1.9.0")
    page.get_by_role("button", name="Open the case").click()


def test_an_end_customer_20_days_after_buying_a_pbx_opens_a_configuration_case(
    browser: Browser, site: str
):
    bought_days_ago(20)
    page = signed_in(browser, site, "customer@demo.test")

    open_configuration_case(page)

    expect(page.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    ticket = Ticket.objects.get(subject=SUBJECT)
    assert ticket.organisation.name == "Trattoria da Marco"
    assert ticket.device.serial_number == "TDM-HPBX-0001"
    page.context.close()


def test_the_same_case_31_days_after_the_purchase_is_refused_with_the_reason(
    browser: Browser, site: str
):
    window = bought_days_ago(31)
    zone = ZoneInfo(window.organisation.time_zone)
    last_day = rules.format_day(
        (window.ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    )
    page = signed_in(browser, site, "customer@demo.test")

    open_configuration_case(page)

    plan = page.get_by_role("region", name="Your support plan")
    expect(plan).to_contain_text(f"ended on {last_day}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alpine Unified Comms")
    expect(page.get_by_text("Bought three weeks ago; the phones never register.")).to_be_visible()
    assert not Ticket.objects.filter(subject=SUBJECT).exists()
    page.context.close()


def test_an_agent_logs_90_minutes_and_the_organisation_sees_30_minutes_left(
    browser: Browser, site: str
):
    requester = User.objects.get(email="silver@demo.test")
    ticket = open_case(requester, subject="Help configuring hunt groups")

    agent = signed_in(browser, site, "agent@demo.test")
    agent.goto(f"{site}/staff/cases/{ticket.pk}/")
    time = agent.get_by_role("region", name="Time spent")
    time.get_by_label("Minutes").fill("90")
    time.get_by_label("Draw from bundle").select_option(label="BND-DEMO-0001 (2 h left)")
    time.get_by_label("What was done").fill("Hunt groups and night service set up together")
    time.get_by_role("button", name="Log time").click()
    expect(agent.get_by_role("region", name="Time spent")).to_contain_text("90")
    agent.context.close()

    partner = signed_in(browser, site, "silver@demo.test")
    partner.get_by_role("link", name="Your support plan").click()
    bundle = partner.locator("[data-kind='hour_bundle']")
    expect(bundle.locator("[data-minutes-left]")).to_have_attribute("data-minutes-left", "30")
    expect(bundle).to_contain_text("30 min of 120 min")
    partner.context.close()


def test_picking_a_bundle_ticks_billable_unless_the_agent_set_it(browser: Browser, site: str):
    ticket = open_case(User.objects.get(email="silver@demo.test"), subject="Hunt groups")

    agent = signed_in(browser, site, "agent@demo.test")
    agent.goto(f"{site}/staff/cases/{ticket.pk}/")
    time = agent.get_by_role("region", name="Time spent")
    billable, bundle = time.get_by_label("Billable"), time.get_by_label("Draw from bundle")
    expect(billable).not_to_be_checked()  # no bundle, no maintenance contract

    bundle.select_option(label="BND-DEMO-0001 (2 h left)")
    expect(billable).to_be_checked()
    bundle.select_option(label="No bundle")
    expect(billable).not_to_be_checked()

    billable.check()  # the agent's own choice stays
    bundle.select_option(label="BND-DEMO-0001 (2 h left)")
    bundle.select_option(label="No bundle")
    expect(billable).to_be_checked()
    agent.context.close()
