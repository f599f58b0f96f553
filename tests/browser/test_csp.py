"""The Content Security Policy in a real browser: the main pages of each role, htmx updates
included, work without the browser reporting a single violation."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

CSP = "Content Security Policy"


@pytest.fixture
def site(live_server, transactional_db):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    return live_server.url


@pytest.fixture
def violations(page: Page) -> list[str]:
    """What the browser says it refused under the policy, from the console."""
    seen: list[str] = []
    page.on("console", lambda message: CSP in message.text and seen.append(message.text))
    return seen


def visit(page: Page, site: str, path: str) -> None:
    response = page.goto(site + path)
    assert response is not None, path
    assert response.ok, f"{path}: {response.status}"
    page.wait_for_load_state("networkidle")


def first_link(page: Page, pattern: str) -> str:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    return next(href for href in hrefs if re.fullmatch(pattern, href))


def test_an_inline_script_is_refused_and_reported(page: Page, site, violations):
    """The listener sees what the policy blocks, so an empty list below means something."""
    visit(page, site, "/accounts/login/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineRan = true'; document.head.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.inlineRan") is None
    assert violations, "the browser reported no violation for an inline script"


def test_partner_pages_and_the_intake_as_it_updates(page: Page, site, violations):
    log_in(page, site, "gold@demo.test")
    for path in ("/cases/", "/status/", "/hardware/", "/support/plan/", "/profile/"):
        visit(page, site, path)
    visit(page, site, "/cases/")
    visit(page, site, first_link(page, r"/cases/\d+/"))

    visit(page, site, "/cases/new/")
    page.get_by_label("Case type").select_option(label="Tech Support")
    expect(page.get_by_label("Reason", exact=True)).to_be_enabled()
    page.get_by_label("Reason", exact=True).select_option(index=1)
    expect(page.locator("#response-time")).not_to_be_empty()
    page.get_by_label("Find by serial number or name").fill("PBX")
    page.get_by_label("Find by serial number or name").press("Enter")
    page.get_by_label("Subject").fill("Calls drop after thirty seconds")
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/cases/new/$"))  # Enter did not submit the form
    assert violations == []


def test_staff_pages_admin_and_api_docs(page: Page, site, violations):
    log_in(page, site, "admin@demo.test")
    for path in (
        "/administration/",
        "/queue/",
        "/inbox/",
        "/noc/",
        "/noc/incidents/",
        "/noc/maintenance/",
        "/billing/",
        "/staff/time/",
        "/staff/hardware/requests/",
        "/staff/cases/new/",
        "/status/",
        "/admin/",
        "/admin/tickets/ticket/",
    ):
        visit(page, site, path)
    visit(page, site, "/queue/")
    visit(page, site, first_link(page, r"/staff/cases/\d+/(\?.*)?"))
    visit(page, site, "/api/docs/")
    expect(page.get_by_text("Support desk API").first).to_be_visible()
    assert violations == []
