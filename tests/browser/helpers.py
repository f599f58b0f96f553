"""What several browser tests do the same way."""

from playwright.sync_api import Browser, Page, expect

from partners.demo import DEMO_PASSWORD


def log_in(page: Page, site: str, email: str) -> None:
    """Sign in as a demo account through the login page and wait for the signed-in header."""
    page.goto(site + "/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def signed_in(browser: Browser, site: str, email: str) -> Page:
    """A page in a browser context of its own, signed in as ``email``; close its context."""
    page = browser.new_context().new_page()
    log_in(page, site, email)
    return page


def open_intake(page: Page) -> None:
    """Follow the main menu to the intake form and wait until its lists react to choices.

    The lists that depend on the case type are fetched when it changes; a choice made
    before the page's scripts have started would go unanswered, so wait for them first."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Open a case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case")
    page.wait_for_load_state("load")
