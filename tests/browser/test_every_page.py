"""Every page of every role, at a desk's width (1366×900) and a phone's (390×844), in a real
browser: the browser reports no error in its console (a refusal under the Content Security
Policy included), nothing is wider than a phone's screen, and axe-core finds nothing to fault
under WCAG 2.1 A and AA.

The demo installation is written once for the module, committed, and served by a live
server of the module's own; each person signs in once and goes from page to page in one tab.
The pages are only looked at, never used, so they all see the same rows.

axe-core comes from the npm registry, pinned in package-lock.json (``make test`` runs
``npm ci``). The browser runs it in each page as the page opens, as its developer tools run
a script, outside the page's own policy: the policy stays on for every page checked, and a
script tag of ours added to the page would be refused by it, as it should be.
"""

import io
import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page
from pytest_django.live_server_helper import LiveServer

from partners.demo import DEMO_PASSWORD
from tests.tickets.factories import RefusedMailFactory

# Each test only reads, in a transaction of its own that the live server never sees; the
# demo rows it reads are committed once for the module (``desk``).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = {"desk": (1366, 900), "phone": (390, 844)}


@dataclass(frozen=True)
class Visit:
    """One page: who looks at it (a demo e-mail, or "" for someone not signed in), and its
    path, where ``{name}`` stands for the id of a demo row (see ``demo_ids``)."""

    who: str
    name: str
    path: str
    status: int = 200


PARTNER = "gold@demo.test"
CUSTOMER = "customer@demo.test"
AGENT = "agent@demo.test"
NOC = "noc@demo.test"
BILLING = "billing@demo.test"
ADMIN = "admin@demo.test"

PAGES = [
    # Not signed in.
    Visit("", "login", "/accounts/login/"),
    Visit("", "password reset", "/accounts/password_reset/"),
    Visit("", "password reset sent", "/accounts/password_reset/done/"),
    Visit("", "password reset link used", "/accounts/reset/MQ/used-link/"),
    Visit("", "password reset done", "/accounts/reset/done/"),
    Visit("", "status", "/status/"),
    Visit("", "public status", "/status/public/"),
    Visit("", "not found", "/no-such-page/", status=404),
    # A partner.
    Visit(PARTNER, "my cases", "/cases/"),
    Visit(PARTNER, "case", "/cases/{partner_case}/"),
    Visit(PARTNER, "open a case", "/cases/new/"),
    Visit(PARTNER, "article", "/kb/{article}/"),
    Visit(PARTNER, "intervention request", "/cases/{partner_case}/intervention/"),
    Visit(PARTNER, "status", "/status/"),
    Visit(PARTNER, "status incident", "/status/incidents/{incident}/"),
    Visit(PARTNER, "devices", "/hardware/"),
    Visit(PARTNER, "device", "/hardware/devices/{device}/"),
    Visit(PARTNER, "agreement", "/hardware/agreements/{agreement}/"),
    Visit(PARTNER, "hardware request", "/hardware/requests/new/"),
    Visit(PARTNER, "plan", "/support/plan/"),
    Visit(PARTNER, "profile", "/profile/"),
    Visit(PARTNER, "forbidden", "/queue/", status=403),
    Visit(PARTNER, "password change", "/accounts/password_change/"),
    Visit(PARTNER, "password changed", "/accounts/password_change/done/"),
    Visit(PARTNER, "customers' cases", "/cases/customers/"),
    Visit(PARTNER, "requests", "/requests/"),
    Visit(PARTNER, "status e-mails", "/status/subscriptions/"),
    # An end customer.
    Visit(CUSTOMER, "my cases", "/cases/"),
    Visit(CUSTOMER, "open a case", "/cases/new/"),
    Visit(CUSTOMER, "devices", "/hardware/"),
    Visit(CUSTOMER, "plan", "/support/plan/"),
    Visit(CUSTOMER, "profile", "/profile/"),
    # A support agent.
    Visit(AGENT, "queue", "/queue/"),
    Visit(AGENT, "case", "/staff/cases/{staff_case}/"),
    Visit(AGENT, "saved views", "/queue/views/"),
    Visit(AGENT, "new case", "/staff/cases/new/"),
    Visit(AGENT, "macros", "/staff/macros/"),
    Visit(AGENT, "new macro", "/staff/macros/new/"),
    Visit(AGENT, "callers found", "/staff/cases/new/?who=weber"),
    Visit(AGENT, "new case for a partner", "/staff/cases/new/?requester={requester}"),
    Visit(AGENT, "refused mail", "/staff/refused-mail/"),
    Visit(AGENT, "refused mail detail", "/staff/refused-mail/{refused_mail}/"),
    Visit(AGENT, "hardware requests", "/staff/hardware/requests/"),
    Visit(AGENT, "hardware request", "/staff/hardware/requests/{hardware_request}/"),
    Visit(AGENT, "time", "/staff/time/"),
    Visit(AGENT, "inbox", "/inbox/"),
    Visit(AGENT, "profile", "/profile/"),
    # A NOC engineer.
    Visit(NOC, "inbox", "/inbox/"),
    Visit(NOC, "board", "/noc/"),
    Visit(NOC, "wall", "/noc/?wall=1"),
    Visit(NOC, "incidents", "/noc/incidents/"),
    Visit(NOC, "new incident", "/noc/incidents/new/"),
    Visit(NOC, "incident", "/noc/incidents/{incident}/"),
    Visit(NOC, "edit incident", "/noc/incidents/{incident}/edit/"),
    Visit(NOC, "maintenance", "/noc/maintenance/"),
    Visit(NOC, "new maintenance", "/noc/maintenance/new/"),
    Visit(NOC, "maintenance window", "/noc/maintenance/{maintenance}/"),
    Visit(NOC, "edit maintenance", "/noc/maintenance/{maintenance}/edit/"),
    # Billing.
    Visit(BILLING, "billing", "/billing/"),
    Visit(BILLING, "time", "/staff/time/"),
    # An administrator.
    Visit(ADMIN, "administration", "/administration/"),
    Visit(ADMIN, "Django admin", "/admin/"),
]


def demo_ids() -> dict[str, object]:
    """The ids of the demo rows the pages above show, read once the demo is written. The
    demo has no hardware request and no refused e-mail: the partner asks for one more
    device through the form, and one e-mail from a stranger is refused."""
    from availability.models import Incident, Maintenance
    from hwaas.models import HardwareModel, HardwareRequest, LeaseAgreement
    from partners.models import Device, Organisation
    from tickets.models import Article, RefusedMail, Ticket

    gold = Organisation.objects.get(members__email=PARTNER)
    partner = Client()
    partner.force_login(gold.members.get(email=PARTNER))
    asked = partner.post(
        "/hardware/requests/new/",
        {
            "kind": "add",
            "agreement": LeaseAgreement.objects.filter(lessor=gold).first().pk,
            "hardware_model": HardwareModel.objects.order_by("pk").first().pk,
            "quantity": 1,
            "description": "One more desk phone for the new waiter station.",
        },
    )
    assert asked.status_code == 302, asked.content.decode()[:2000]
    RefusedMailFactory()
    partner_case = Ticket.objects.filter(organisation=gold).order_by("-created_at").first()
    return {
        "partner_case": partner_case.pk,
        "staff_case": Ticket.objects.order_by("-created_at").first().pk,
        "requester": gold.members.get(email=PARTNER).pk,
        "article": Article.objects.filter(is_published=True).order_by("pk").first().slug,
        "incident": Incident.objects.order_by("pk").first().pk,
        "maintenance": Maintenance.objects.order_by("pk").first().pk,
        "device": Device.objects.filter(organisation=gold, purchase__isnull=False)
        .order_by("pk")
        .first()
        .pk,
        "agreement": LeaseAgreement.objects.filter(lessor=gold).first().pk,
        "hardware_request": HardwareRequest.objects.order_by("pk").first().pk,
        "refused_mail": RefusedMail.objects.order_by("pk").first().pk,
    }


def _params():
    for visit in PAGES:
        for width in WIDTHS:
            who = visit.who.split("@")[0] if visit.who else "visitor"
            yield pytest.param(visit, width, id=f"{who}-{visit.name}-{width}")


@pytest.fixture(scope="module")
def desk(django_db_setup, django_db_blocker):
    """The demo installation, written once and committed, and a live server that reads it;
    the database is emptied again when the module is done, as after any test that commits."""
    overrides = override_settings(
        PUBLIC_STATUS_PAGE=True,  # off by default: an installation chooses to show it
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"every-page-{uuid.uuid4()}",
            }
        },
    )
    overrides.enable()
    with django_db_blocker.unblock():
        # The test runner turns DEBUG off, where the command wants to be told it is a demo.
        call_command("seed_demo", force=True, stdout=io.StringIO())
        ids = demo_ids()
        server = LiveServer("localhost")
        try:
            yield server.url, ids
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
            overrides.disable()


@pytest.fixture(scope="module")
def pages(browser: Browser, desk, axe_source):
    """One browser context per person, signed in on first use, and one tab in it that
    goes from page to page, with axe-core loaded into each page as it opens."""
    site, _ = desk
    opened: dict[str, BrowserContext] = {}
    tabs: dict[str, Page] = {}

    def page_for(who: str) -> Page:
        if who not in tabs:
            opened[who] = browser.new_context()
            opened[who].add_init_script(axe_source)
            page = tabs[who] = opened[who].new_page()
            if who:
                page.goto(site + "/accounts/login/")
                page.get_by_label("E-mail").fill(who)
                page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
                with page.expect_navigation():
                    page.get_by_label("Password", exact=True).press("Enter")
                assert "/accounts/login/" not in page.url, f"{who} could not sign in"
        return tabs[who]

    yield page_for
    for context in opened.values():
        context.close()


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        message = f"needs axe-core at {AXE} (npm ci)"
        if CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return AXE.read_text()


def run_axe(page: Page, source: str) -> list[dict]:
    """What axe-core finds on the page under the WCAG 2.1 A and AA rules, one entry a rule
    with the elements it faults. ``source`` is loaded first if the page has no axe yet."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source + "\n;undefined")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: "
        "['violations']}).then(r => r.violations.map(v => ({id: v.id, help: v.help, "
        "nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)"
        "})))",
        WCAG,
    )
    return result


def wider_than_screen(page: Page) -> list[str]:
    """What pushes the page wider than the screen, if it scrolls sideways: the innermost
    elements past the right edge, with the width each takes."""
    return page.evaluate(
        """() => {
        const width = window.innerWidth;
        if (document.documentElement.scrollWidth <= width) return [];
        const over = el => el.getBoundingClientRect().right > width + 1;
        const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
          + (typeof el.className === 'string' && el.className.trim()
             ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
        return [...document.querySelectorAll('body *')]
          .filter(el => over(el) && ![...el.children].some(over))
          .slice(0, 8)
          .map(el => name(el) + ' in ' + name(el.parentElement) + ' ('
            + Math.round(el.getBoundingClientRect().width) + ' px wide)');
        }"""
    )


def test_the_checks_find_what_they_look_for(page: Page, axe_source):
    """axe-core is loaded and reports a fault, and a page too wide for a phone is noticed,
    so the empty lists in the checks below mean something."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.set_content(
        '<html lang="en"><title>Check</title><main><h1>Check</h1>'
        '<input type="text"><div style="width: 600px">Wide</div></main></html>'
    )
    assert "label" in {violation["id"] for violation in run_axe(page, axe_source)}
    assert wider_than_screen(page) == ["div in main (600 px wide)"]


@pytest.mark.parametrize(("visit", "width"), list(_params()))
def test_page(visit: Visit, width: str, desk, pages, axe_source):
    site, ids = desk
    page = pages(visit.who)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and not _expected_status(message.text, visit.status):
            errors.append(message.text)

    def uncaught(error: Error) -> None:
        errors.append(f"uncaught: {error}")

    page.on("console", console)
    page.on("pageerror", uncaught)
    try:
        path = visit.path.format(**ids)
        response = page.goto(site + path)
        assert response is not None
        assert response.status == visit.status, f"{path} answered {response.status}"
        # What a page fetches as it opens (htmx, hx-trigger="load") is part of it.
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
        violations = run_axe(page, axe_source)
        overflow = wider_than_screen(page) if width == "phone" else []
    finally:
        page.remove_listener("console", console)
        page.remove_listener("pageerror", uncaught)
    assert errors == [], f"console errors on {path}: " + "; ".join(errors)
    assert overflow == [], f"{path} is wider than the screen: " + "; ".join(overflow)
    assert violations == [], f"axe-core on {path}:\n" + json.dumps(violations, indent=1)


def _expected_status(text: str, status: int) -> bool:
    """The browser logs a page answered with an error status as a failed load; for the
    403 and 404 pages that answer is the point."""
    return status >= 400 and bool(re.search(rf"status of {status}\b", text))
