"""What several browser tests do the same way."""

from playwright.sync_api import Browser, Locator, Page, expect

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


def follow(page: Page, link: Locator) -> None:
    """Click ``link`` and wait until the page it leads to has run its scripts.

    A form whose parts answer choices (htmx) only does so once its scripts have started; a
    choice made before that would go unanswered, as it would for a person's first click
    on a page still loading."""
    link.click()
    page.wait_for_load_state("load")


def open_intake(page: Page) -> None:
    """Follow the main menu to the intake form, ready for choices."""
    follow(
        page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Open a case")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case")
