"""Logging in with the demo accounts in a real browser (headless Chromium via Playwright).

Each test seeds the demo data into a database the live server can see, drives the pages the
way a person would (by labels, roles and the keyboard), and checks that nothing is loaded
from any host but our own.
"""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from partners.demo import DEMO_PASSWORD, USERS, DemoUser
from partners.roles import Role

pytestmark = pytest.mark.browser

LOGIN_PATH = "/accounts/login/"
LOGIN_HEADING = "Log in to the support desk"
STAFF_NAV = [
    "Queue",
    "Hardware",
    "Refused mail",
    "NOC board",
    "Incidents",
    "Billing",
    "Time",
    "Status",
    "Administration",
]

# role -> (landing path, its h1, the navigation links that role sees, in order)
EXPECTED = {
    Role.PARTNER: (
        "/cases/",
        "My cases",
        ["My cases", "Open a case", "Requests", "Devices", "Status"],
    ),
    Role.AGENT: ("/queue/", "Queue", ["Queue", "Hardware", "Refused mail", "Time", "Status"]),
    Role.NOC: (
        "/noc/",
        "NOC board",
        ["Queue", "Refused mail", "NOC board", "Incidents", "Status"],
    ),
    Role.BILLING: ("/billing/", "Billing", ["Billing", "Time", "Status"]),
    # Administrators may act in every staff role, so they see every staff page.
    Role.ADMIN: ("/administration/", "Administration", STAFF_NAV),
}


def _role(user: DemoUser) -> Role:
    return user.roles[0] if user.roles else Role.PARTNER


@pytest.fixture
def demo(transactional_db):
    # The test runner turns DEBUG off, where the command wants to be told it is a demo.
    call_command("seed_demo", force=True, stdout=io.StringIO())


@pytest.fixture
def site(live_server, demo):
    return live_server.url


@pytest.fixture
def requests_made(page: Page) -> list[str]:
    """Every URL the page asks for, including scripts, styles, images and form posts."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def assert_only_own_host(requests_made: list[str], site: str) -> None:
    assert requests_made, "the page made no requests at all"
    outside = [url for url in requests_made if not url.startswith(site + "/")]
    assert outside == [], f"loaded from outside hosts: {outside}"


def log_in(page: Page, site: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(site + LOGIN_PATH)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def main_nav_links(page: Page) -> list[str]:
    return page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()


@pytest.mark.parametrize("user", USERS, ids=[user.email for user in USERS])
def test_each_demo_account_lands_on_its_role_page(page, site, requests_made, user):
    path, heading, nav = EXPECTED[_role(user)]

    log_in(page, site, user.email)

    expect(page).to_have_url(site + path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert main_nav_links(page) == nav
    current = page.get_by_role("navigation", name="Main").locator("[aria-current=page]")
    expect(current).to_have_text(heading)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert_only_own_host(requests_made, site)


def test_wrong_password_explains_and_keeps_the_email(page, site, requests_made):
    log_in(page, site, "gold@demo.test", password="not-the-password")

    expect(page).to_have_url(site + LOGIN_PATH)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("do not match an active account")
    expect(alert).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_value("gold@demo.test")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert_only_own_host(requests_made, site)


def test_log_out_returns_to_the_login_page(page, site, requests_made):
    log_in(page, site, "agent@demo.test")
    expect(page).to_have_url(site + "/queue/")

    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(site + LOGIN_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text(LOGIN_HEADING)
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    # The session is really gone: the queue asks for a login again.
    page.goto(site + "/queue/")
    expect(page).to_have_url(site + LOGIN_PATH + "?next=/queue/")
    assert_only_own_host(requests_made, site)


def _has_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth")


@pytest.mark.parametrize("email", ["bronze@demo.test", "customer@demo.test"])
def test_phone_sized_screen_needs_no_horizontal_scrolling(page, site, requests_made, email):
    page.set_viewport_size({"width": 375, "height": 740})

    page.goto(site + LOGIN_PATH)
    assert not _has_horizontal_scroll(page), "the login page scrolls sideways"

    log_in(page, site, email)
    expect(page).to_have_url(site + "/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    assert page.evaluate("window.innerWidth") == 375
    assert not _has_horizontal_scroll(page), "the partner landing page scrolls sideways"
    assert_only_own_host(requests_made, site)


def test_keyboard_only(page, site, requests_made):
    page.goto(site + LOGIN_PATH)
    # From the top of the page (the e-mail field has autofocus, so move the Tab starting
    # point to the document's top, as "#top" does), the first Tab stop is the skip link.
    page.evaluate("document.activeElement.blur(); location.hash = 'top'")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()

    # The e-mail field has the focus when the page opens; Enter submits the form.
    page.goto(site + LOGIN_PATH)
    expect(page.get_by_label("E-mail")).to_be_focused()
    page.keyboard.type("silver@demo.test")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(site + "/cases/")

    # On the landing page too, the skip link comes first and moves the focus to the content.
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert_only_own_host(requests_made, site)
