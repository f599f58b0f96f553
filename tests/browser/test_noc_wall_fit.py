"""The NOC wall screen on a 1920×1080 television: the demo's cases, a dozen Critical ones
and a few unmatched monitoring alerts fit on the screen without scrolling either way."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, expect

from desk.actions.monitoring_alert import alert_receive
from partners.models import User
from tests.browser.helpers import log_in
from tests.browser.test_noc import open_out_of_hours_case, site  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

CRITICAL_CASES = 12


def test_the_wall_screen_fits_a_full_hd_screen(browser: Browser, site: str):  # noqa: F811
    numbers = [
        open_out_of_hours_case(f"Site {n} cannot make outside calls since the night").number
        for n in range(1, CRITICAL_CASES + 1)
    ]
    # Alerts for PBXs not on record fill the last section too.
    monitor = User.objects.get(email="noc@demo.test")
    for n in range(1, 9):
        alert_receive(
            received_by=monitor,
            source="zabbix",
            pbx_serial=f"UNKNOWN-{n:04d}",
            severity="critical",
            summary="PBX does not answer SIP OPTIONS from the monitoring probe",
            fingerprint=f"zbx-{n}",
            occurred_at=datetime.now(UTC),
        )
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        log_in(page, site, "noc@demo.test")
        page.goto(site + "/noc/?wall=1")
        expect(page.get_by_role("heading", level=1)).to_have_text("NOC board")
        size = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert size[0] <= 1920, size
        assert size[1] <= 1080, size
        # The most urgent cases are on the screen, whole, and the headings count them all.
        first = page.get_by_role("link", name=numbers[0]).first
        expect(first).to_be_in_viewport()
        whole = "cell => cell.scrollWidth <= cell.clientWidth"
        row = page.get_by_role("row").filter(has_text=numbers[0]).first
        assert row.locator("td").first.evaluate(whole)  # the case number
        assert row.locator("td").last.evaluate(whole)  # the countdown
        heading = page.get_by_role("heading", name="Awaiting out-of-hours triage").inner_text()
        assert int(re.search(r"\((\d+)\)", heading).group(1)) >= CRITICAL_CASES
        expect(page.get_by_text("most urgent of").first).to_be_visible()
    finally:
        context.close()
