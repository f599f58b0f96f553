"""Hardware requests in a real browser (headless Chromium via Playwright), as the issue's
"Done when" describes them, on the demo data (Alpine Unified Comms leases devices to its
customer Trattoria da Marco; three desk phones were delivered three months ago):

- the partner asks to reduce a line delivered three months ago and is told from which date
  it becomes possible;
- asks for a replacement after a theft and is asked for the police report;
- an agent approves a replacement and the ship-by time shows, to the agent and the partner.
"""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from hwaas import rules
from hwaas.models import HardwareRequest, LeaseLine
from tests.browser.helpers import follow, signed_in

pytestmark = pytest.mark.browser

SERIAL = "TDM-DP40-0001"


@pytest.fixture
def site(live_server, transactional_db, media_root):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    return live_server.url


def open_device(page: Page, serial: str) -> None:
    page.get_by_role("link", name="Devices").click()
    page.get_by_label("Serial, model or name").fill(serial)
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=serial).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(serial)


def answer(page: Page):
    return page.locator("#hw-answer")


def test_a_reduction_three_months_after_delivery_is_refused_with_the_date_it_becomes_possible(
    browser: Browser, site: str
):
    line = LeaseLine.objects.get(device__serial_number=SERIAL)
    possible_from = rules.change_possible_from(line.delivered_on)
    page = signed_in(browser, site, "gold@demo.test")

    open_device(page, SERIAL)
    follow(page, page.get_by_role("link", name="Reduce"))

    expect(answer(page)).to_contain_text("Not possible yet")
    expect(answer(page)).to_contain_text(rules.format_day(possible_from))
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(answer(page)).to_contain_text(rules.format_day(possible_from))
    assert not HardwareRequest.objects.exists()
    page.context.close()


def test_a_replacement_after_a_theft_asks_for_the_police_report(browser: Browser, site: str):
    page = signed_in(browser, site, "gold@demo.test")
    open_device(page, SERIAL)
    follow(page, page.get_by_role("link", name="Replace"))

    page.get_by_label("What happened").select_option(label="Theft")

    expect(answer(page)).to_contain_text("Possible with these documents")
    expect(answer(page)).to_contain_text("Police report")
    expect(page.get_by_label("Police report")).to_be_visible()
    # The ownership question does not apply to a stolen unit, and is not in the way.
    expect(page.get_by_label("Does the device still work?")).to_be_hidden()
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".field--error")).to_contain_text("police report")
    assert not HardwareRequest.objects.exists()

    page.get_by_label("Police report").set_input_files(
        files=[{"name": "report.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"}]
    )
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Replace")
    assert HardwareRequest.objects.get().documents.get().kind == "police_report"
    page.context.close()


def test_an_agent_approves_a_replacement_and_the_ship_by_time_shows(browser: Browser, site: str):
    partner = signed_in(browser, site, "gold@demo.test")
    open_device(partner, SERIAL)
    follow(partner, partner.get_by_role("link", name="Replace"))
    partner.get_by_label("What happened").select_option(label="Accidental damage")
    partner.get_by_label("Yes").first.check()
    expect(answer(partner)).to_contain_text("free of charge")
    partner.get_by_role("button", name="Send the request").click()
    expect(partner.locator("#hardware-request")).to_contain_text("Submitted")
    case_url = partner.url

    agent = signed_in(browser, site, "agent@demo.test")
    agent.get_by_role("link", name="Hardware").click()
    agent.get_by_role("link", name=re.compile(r"^SD-")).first.click()
    agent.get_by_role("button", name="Approve").click()

    hardware_request = HardwareRequest.objects.get()
    assert hardware_request.ship_by is not None
    ships_by = agent.locator("[data-ship-by]")
    expect(ships_by).to_be_visible()
    expect(agent.locator("[data-hw-state]")).to_have_text("Approved")

    partner.goto(case_url)
    expect(partner.locator("#hardware-request [data-ship-by]")).to_have_attribute(
        "data-ship-by", re.compile(r"^\d{4}-\d\d-\d\dT")
    )
    expect(partner.get_by_text("Request approved")).to_be_visible()
    partner.context.close()
    agent.context.close()
