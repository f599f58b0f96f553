"""The NOC board in a real browser (headless Chromium via Playwright), as the issue's "Done
when" describes it: a Critical case opened while its region's support hours are closed
appears on the board by itself, with a live countdown; the NOC engineer confirms it as
Critical with a reason, the row leaves the triage section, and the case's timeline shows
the decision. The wall-screen mode shows the same board without navigation.

The case is opened through the case service with an explicit instant (last Saturday, 03:00
UTC), so the test does not depend on the hour it runs at; the server's own "now" is real.
"""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from partners.models import Device, User
from tests.browser.helpers import log_in
from tests.tickets.factories import ticket_create
from tickets.models import Ticket

pytestmark = pytest.mark.browser

SUBJECT = "All outside calls drop after 30 seconds at head office"
REASON = "Every outside call drops at head office; confirmed with the partner by phone."


@pytest.fixture
def site(live_server, transactional_db, media_root):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    return live_server.url


def last_saturday_night() -> datetime:
    """03:00 UTC on the most recent Saturday at least a day ago: closed in both support
    regions, and its 30-minute triage target long past whenever the test runs."""
    day_ago = datetime.now(UTC) - timedelta(days=1)
    saturday = (day_ago - timedelta(days=(day_ago.weekday() - 5) % 7)).replace(
        hour=3, minute=0, second=0, microsecond=0
    )
    return saturday if saturday <= day_ago else saturday - timedelta(days=7)


def open_out_of_hours_case(subject: str = SUBJECT) -> Ticket:
    """A Diamond partner (direct support, region eu) asks for Critical on a Saturday night."""
    requester = User.objects.get(email="diamond@demo.test")
    ticket, _ = ticket_create(
        requester=requester,
        case_type="tech_support",
        reason="call-quality",
        subject=subject,
        description="Since 02:00 every outside call drops after about 30 seconds.",
        device=Device.objects.filter(organisation=requester.organisation).first(),
        wms_version="7.02.1",
        firmware_versions="DP-40 1.9.0",
        critical_criterion=Ticket.CriticalCriterion.CALL_DROPS,
        reproduced_with_other_operator=True,
        now=last_saturday_night(),
    )
    return ticket


def section(page: Page, title: str):
    return page.get_by_role("region", name=re.compile(rf"^{re.escape(title)} \(\d+\)$"))


@pytest.fixture
def noc_page(browser: Browser, site: str):
    context = browser.new_context()
    page = context.new_page()
    # Time in the page is Playwright's, so the test can move it on to watch the countdowns.
    page.clock.install()
    log_in(page, site, "noc@demo.test")
    yield page
    context.close()


def test_noc_engineer_confirms_an_out_of_hours_critical_case(noc_page: Page, eager_celery):
    page = noc_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="NOC board").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("NOC board")
    triage = section(page, "Awaiting out-of-hours triage")
    heading = triage.get_by_role("heading", level=2)
    # Demo cases opened while support hours were closed may already wait for triage.
    waiting = int(re.search(r"\((\d+)\)", heading.inner_text()).group(1))

    ticket = open_out_of_hours_case()

    # No reload: the board polls its sections and the case arrives by itself.
    row = triage.get_by_role("row").filter(has_text=ticket.number)
    expect(row).to_be_visible(timeout=25_000)
    expect(heading).to_have_text(f"Awaiting out-of-hours triage ({waiting + 1})")
    expect(row).to_contain_text("Dolomiti Telecom S.r.l.")
    expect(row).to_contain_text(SUBJECT)
    expect(row).to_contain_text("Calls drop and the operator is not the cause")
    # The 30-minute triage target ran out on Saturday night: the countdown counts up, live.
    countdown = row.locator("[data-countdown]")
    expect(countdown).to_have_text(re.compile(r"^breached \d+ d \d+ h ago$"))
    before = countdown.inner_text()
    page.clock.fast_forward("02:00:00")
    expect(countdown).not_to_have_text(before)

    reason = row.get_by_label(f"Reason for {ticket.number}")
    reason.fill(REASON)
    row.get_by_role("button", name="Confirm Critical").click()

    expect(page.get_by_role("status")).to_contain_text(f"{ticket.number} confirmed as Critical.")
    expect(heading).to_have_text(f"Awaiting out-of-hours triage ({waiting})")
    expect(triage.get_by_role("row").filter(has_text=ticket.number)).to_have_count(0)
    critical = section(page, "Open Critical cases")
    expect(critical.get_by_role("row").filter(has_text=ticket.number)).to_be_visible()

    critical.get_by_role("link", name=ticket.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Class of service confirmed as Critical")
    expect(timeline).to_contain_text(REASON)
    expect(timeline).to_contain_text("Ravi Menon")


def test_writing_a_reason_holds_the_refresh_and_a_refusal_says_why(noc_page: Page, site: str):
    ticket = open_out_of_hours_case()
    page = noc_page
    page.goto(site + "/noc/")
    triage = section(page, "Awaiting out-of-hours triage")
    row = triage.get_by_role("row").filter(has_text=ticket.number)
    reason = row.get_by_label(f"Reason for {ticket.number}")
    reason.fill("Checking with the partner")

    # A refresh falls due while the engineer writes: the board waits, the text stays.
    later = open_out_of_hours_case("Second site down too")
    page.clock.fast_forward("00:00:20")
    page.wait_for_timeout(1500)
    expect(reason).to_have_value("Checking with the partner")
    expect(triage.get_by_role("row").filter(has_text=later.number)).to_have_count(0)

    # Only blanks: the browser lets it through, the server refuses it beside the row.
    reason.fill("   ")
    row.get_by_role("button", name="Downgrade to Standard").click()
    expect(row.get_by_role("alert")).to_contain_text("Give a reason")
    expect(row.get_by_label(f"Reason for {ticket.number}")).to_be_focused()
    expect(triage.get_by_role("row").filter(has_text=later.number)).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.cos == Ticket.ClassOfService.CRITICAL


def test_the_wall_screen_shows_the_board_without_navigation(noc_page: Page, site: str):
    ticket = open_out_of_hours_case()
    page = noc_page
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(site + "/noc/?wall=1")
    expect(page.get_by_role("heading", level=1)).to_have_text("NOC board")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    triage = section(page, "Awaiting out-of-hours triage")
    expect(triage.get_by_role("row").filter(has_text=ticket.number)).to_be_visible()
    expect(triage.get_by_role("button", name="Confirm Critical")).to_have_count(0)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(0, 0, 0)"
    # Nothing wider than the screen: no sideways scrolling on a TV.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
