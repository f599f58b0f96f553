"""The staff case page as an agent's workspace, in a real browser: the reply box is in view
when the page opens, a macro fills it and is sent in one action, a colleague with the case
open is named, and a phone shows the page without sideways scrolling."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import log_in, signed_in
from tickets.models import Ticket

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db, media_root):
    call_command("seed_demo", force=True, stdout=io.StringIO())


@pytest.fixture
def site(live_server, demo):
    return live_server.url


def a_new_case() -> Ticket:
    return Ticket.objects.filter(status="new").select_related("requester").order_by("pk").first()


def open_case_page(page: Page, site: str, ticket: Ticket) -> None:
    page.goto(f"{site}/staff/cases/{ticket.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.number)
    page.wait_for_load_state("load")


def test_the_reply_box_is_in_view_when_the_page_opens(browser: Browser, site):
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    log_in(page, site, "agent@demo.test")
    open_case_page(page, site, a_new_case())

    expect(page.get_by_label("Message", exact=True)).to_be_in_viewport()
    expect(page.get_by_label("Macro")).to_be_in_viewport()
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_in_viewport()
    # The facts about the case sit beside it, not under it.
    side = page.get_by_role("complementary", name="Case details and actions")
    expect(side.get_by_role("heading", name="Status")).to_be_in_viewport()
    page.context.close()


def test_a_macro_fills_the_reply_box_and_is_sent_in_one_action(browser: Browser, site):
    ticket = a_new_case()
    page = signed_in(browser, site, "agent@demo.test")
    open_case_page(page, site, ticket)

    page.get_by_label("Macro").select_option(label="Ask for a trace")
    box = page.get_by_label("Message", exact=True)
    expect(box).to_have_value(re.compile(f"^Hello {ticket.requester.get_full_name()},"))
    expect(box).to_have_value(re.compile(re.escape(ticket.number)))
    expect(page.get_by_text("On sending, also: status becomes Waiting on partner")).to_be_visible()
    box.press("End")
    box.type(" Thank you!")
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Reply sent to the partner")
    expect(page.get_by_role("status")).to_contain_text("Macro “Ask for a trace”")
    ticket.refresh_from_db()
    assert ticket.status == "waiting_on_partner"
    assert ticket.assignee.email == "agent@demo.test"
    sent = ticket.messages.get(author__email="agent@demo.test", body__contains="pcap")
    assert sent.body.endswith("Thank you!")
    assert "{" not in sent.body
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("Status changed from Open to Waiting on partner")
    expect(page.get_by_role("region", name="Conversation")).to_contain_text("Thank you!")
    page.context.close()


def test_a_colleague_with_the_case_open_is_named(browser: Browser, site):
    ticket = a_new_case()
    agent = signed_in(browser, site, "agent@demo.test")
    open_case_page(agent, site, ticket)
    noc = signed_in(browser, site, "noc@demo.test")
    open_case_page(noc, site, ticket)

    presence = noc.locator("#case-presence")
    expect(presence).to_have_text("Sofia Marino is viewing")
    expect(agent.locator("#case-presence")).to_have_text("Ravi Menon is viewing", timeout=15000)

    agent.get_by_label("Message", exact=True).fill("Checking the trunk registration now.")
    expect(presence).to_have_text("Sofia Marino is writing a reply", timeout=15000)
    agent.context.close()
    noc.context.close()


def test_no_sideways_scrolling_on_a_phone(browser: Browser, site):
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, site, "agent@demo.test")
    for ticket in Ticket.objects.order_by("pk")[:3]:
        open_case_page(page, site, ticket)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, ticket.number
        # One column: the side column comes right under the reply box.
        reply = page.get_by_role("region", name="Reply or add a note").bounding_box()
        side = page.get_by_role("complementary", name="Case details and actions").bounding_box()
        if reply is not None:
            assert side["y"] >= reply["y"] + reply["height"]
            assert abs(side["x"] - reply["x"]) < 20
    page.context.close()
