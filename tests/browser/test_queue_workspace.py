"""The agent queue as a workspace in a real browser: at 1366×900 at least 20 cases are on
the screen whole under the page header with the default view; the filter bar folds the
rarer filters away; a view is saved and opened again from its tab; j/k/x/Enter work the
list; the bulk bar appears and stays in view while cases are ticked; and on a 390×844 phone
nothing runs off the side and the first case is close to the top."""

import io
import re

import pytest
from django.core.management import call_command
from django.http import QueryDict
from playwright.sync_api import Browser, Page, expect

from partners.models import User
from tests.browser.helpers import log_in
from tests.tickets.factories import TicketFactory
from tickets.models import SavedView, Ticket
from tickets.workflow import ACTIVE

pytestmark = pytest.mark.browser

WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
ACTIVE_CASES = 30


@pytest.fixture
def site(live_server, transactional_db, media_root):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    # More active cases than one page shows, whatever the demo holds.
    missing = ACTIVE_CASES - Ticket.objects.filter(status__in=list(ACTIVE)).count()
    for n in range(max(missing, 0)):
        TicketFactory(subject=f"Extension {n} cannot transfer calls")
    return live_server.url


def queue_page(browser: Browser, site: str, viewport: dict) -> Page:
    page = browser.new_context(viewport=viewport).new_page()
    log_in(page, site, "agent@demo.test")  # agents land on the queue
    page.goto(site + "/queue/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Queue")
    page.wait_for_load_state("load")
    return page


def rows(page: Page):
    return page.locator("#queue-rows tr")


def whole_rows_on_screen(page: Page, height: int) -> int:
    boxes = [rows(page).nth(i).bounding_box() for i in range(rows(page).count())]
    return sum(1 for box in boxes if box and box["y"] >= 0 and box["y"] + box["height"] <= height)


def test_twenty_cases_fit_on_a_laptop_screen_under_a_one_line_filter_bar(
    browser: Browser, site: str
):
    page = queue_page(browser, site, WIDE)
    try:
        expect(
            page.get_by_role("navigation", name="Views").get_by_role("link", name="All active")
        ).to_have_attribute("aria-current", "page")
        expect(rows(page)).to_have_count(25)
        assert whole_rows_on_screen(page, WIDE["height"]) >= 20
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]
        # Every case on one line: no row is taller than the others.
        heights = {round(rows(page).nth(i).bounding_box()["height"]) for i in range(25)}
        assert max(heights) <= 34, heights

        # The filter bar: search, status chips, the rest folded under "More filters".
        search = page.get_by_label("Search", exact=True)
        chip = page.get_by_label("Resolved", exact=True)
        more = page.get_by_text("More filters")
        show = page.get_by_role("button", name="Show cases")
        for control in (search, chip, more, show):
            expect(control).to_be_visible()
        middles = [
            box["y"] + box["height"] / 2
            for box in (control.bounding_box() for control in (search, chip, more, show))
        ]
        assert max(middles) - min(middles) < 8, f"the bar is one line: {middles}"
        expect(page.get_by_label("Partner tier")).to_be_hidden()
        expect(page.locator("#queue-count")).to_have_text(re.compile(r"^\d+ cases$"))
        more.click()
        expect(page.get_by_label("Partner tier")).to_be_visible()
    finally:
        page.context.close()


def test_an_agent_filters_saves_a_view_and_opens_it_again(browser: Browser, site: str):
    page = queue_page(browser, site, WIDE)
    try:
        page.get_by_text("More filters").click()
        page.get_by_label("Class of service").select_option(label="Critical")
        page.get_by_label("Sort by").select_option(label="Newest first")
        page.get_by_role("button", name="Show cases").click()
        expect(page).to_have_url(re.compile(r"cos=critical"))
        critical = Ticket.objects.filter(cos="critical", status__in=list(ACTIVE))
        expected = [t.number for t in critical.order_by("-created_at", "-id")]
        expect(rows(page).locator("a.queue-case")).to_have_text(expected)

        page.get_by_text("Save view").first.click()
        page.get_by_label("View name").fill("Critical, newest first")
        page.get_by_label("The whole team").check()
        page.get_by_role("button", name="Save view").last.click()
        expect(page.get_by_role("status")).to_contain_text("View “Critical, newest first” saved")
        view = SavedView.objects.get(owner=User.objects.get(email="agent@demo.test"))
        assert view.visibility == "team"
        kept = QueryDict(view.query)
        assert kept["cos"] == "critical"
        assert kept["ordering"] == "-created_at"
        assert sorted(kept.getlist("status")) == sorted(ACTIVE)

        views = page.get_by_role("navigation", name="Views")
        views.get_by_role("link", name="All active").click()
        expect(rows(page)).to_have_count(25)
        views.get_by_role("link", name=re.compile("Critical, newest first")).click()
        expect(rows(page).locator("a.queue-case")).to_have_text(expected)
        expect(
            views.get_by_role("link", name=re.compile("Critical, newest first"))
        ).to_have_attribute("aria-current", "page")
        expect(page.get_by_label("Class of service")).to_have_value("critical")
    finally:
        page.context.close()


def test_the_keyboard_works_the_list(browser: Browser, site: str):
    page = queue_page(browser, site, WIDE)
    try:
        links = rows(page).locator("a.queue-case")
        first, second = links.nth(0).inner_text(), links.nth(1).inner_text()
        bar = page.get_by_role("region", name="With the ticked cases")
        expect(bar).to_be_hidden()

        page.keyboard.press("j")
        expect(links.nth(0)).to_be_focused()
        page.keyboard.press("j")
        expect(links.nth(1)).to_be_focused()
        expect(rows(page).nth(1)).to_have_class(re.compile("is-cursor"))
        page.keyboard.press("k")
        expect(links.nth(0)).to_be_focused()
        page.keyboard.press("x")
        expect(rows(page).nth(0).get_by_role("checkbox")).to_be_checked()
        expect(bar).to_be_visible()
        expect(bar).to_contain_text("1 case ticked")
        page.keyboard.press("x")
        expect(rows(page).nth(0).get_by_role("checkbox")).not_to_be_checked()
        expect(bar).to_be_hidden()

        # Typing in the search box is typing, not moving.
        page.get_by_label("Search", exact=True).press("j")
        expect(page.get_by_label("Search", exact=True)).to_have_value("j")
        page.get_by_label("Search", exact=True).fill("")

        page.keyboard.press("Escape")
        links.nth(1).focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_contain_text(second)
        assert first != second
    finally:
        page.context.close()


def test_the_bulk_bar_appears_stays_in_view_and_assigns(browser: Browser, site: str):
    page = queue_page(browser, site, WIDE)
    try:
        bar = page.get_by_role("region", name="With the ticked cases")
        expect(bar).to_be_hidden()
        rows(page).nth(0).get_by_role("checkbox").check()
        expect(bar).to_be_visible()
        expect(bar).to_be_in_viewport()
        box = bar.bounding_box()
        assert box["y"] + box["height"] <= WIDE["height"]
        # The list goes on below the screen; the bar stays at its bottom edge.
        assert rows(page).nth(24).bounding_box()["y"] > WIDE["height"]
        page.mouse.wheel(0, 300)
        expect(bar).to_be_in_viewport()

        page.get_by_label("Select every case on this page").check()
        expect(bar).to_contain_text("25 cases ticked")
        page.get_by_role("button", name="Untick all").click()
        expect(bar).to_be_hidden()

        picked = [rows(page).nth(i).locator("a.queue-case").inner_text() for i in (2, 3)]
        for i in (2, 3):
            rows(page).nth(i).get_by_role("checkbox").check()
        expect(bar).to_contain_text("2 cases ticked")
        bar.get_by_label("Assign to").select_option(label="Me")
        bar.get_by_role("button", name="Assign").click()
        expect(page.get_by_role("status")).to_contain_text("2 cases now assigned to Sofia Marino")
        agent = User.objects.get(email="agent@demo.test")
        for number in picked:
            assert Ticket.objects.get(pk=int(number.removeprefix("SD-"))).assignee == agent
    finally:
        page.context.close()


def test_on_a_phone_nothing_runs_off_the_side_and_the_first_case_is_near_the_top(
    browser: Browser, site: str
):
    page = queue_page(browser, site, PHONE)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        first = rows(page).nth(0).bounding_box()
        assert first["y"] < PHONE["height"] / 2
        assert first["x"] >= 0
        assert first["x"] + first["width"] <= PHONE["width"]
        # A case is a compact card: number, subject and organisation in a few lines.
        assert first["height"] < 110
        page.get_by_text("More filters").click()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        page.context.close()
