"""What several browser tests do the same way."""

from playwright.sync_api import Page, expect

from partners.demo import DEMO_PASSWORD


def log_in(page: Page, site: str, email: str) -> None:
    """Sign in as a demo account through the login page and wait for the signed-in header."""
    page.goto(site + "/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
