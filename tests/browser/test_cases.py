"""A case's whole life in a real browser (headless Chromium via Playwright), as the issue's
"Done when" describes it: a partner opens a Tech Support case with an attachment while
knowledge-base suggestions appear beside the form; an agent finds it in the queue, takes it,
writes an internal note and a public reply; the partner sees the reply and never the note;
the case is resolved, rated, closed, refuses replies and offers a follow-up. A Bronze partner
asking for a case outside its allowed three is sent to its upstream partner with its text
kept, and "this solved it" on a suggestion ends the intake without a case.

Every step goes through the pages, by labels, roles and the keyboard; the database is only
read, to check what the pages claim.
"""

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, Page, expect

from partners.demo import DEMO_PASSWORD
from partners.models import Organisation
from supportdesk.celery import app as celery_app
from tests.browser.helpers import open_intake
from tickets.models import Deflection, Message, Ticket

pytestmark = pytest.mark.browser

SUBJECT = "One-way audio on calls from the Lindenhof branch"
DESCRIPTION = (
    "Since Monday callers at the Lindenhof branch cannot hear us on outside calls,\n"
    "we hear them fine. Internal calls are not affected. Router was replaced last week."
)
KB_TITLE = "One-way audio: one side cannot hear the other"
NOTE = "Internal only: their new router ships with SIP ALG on, and they were warned in 2024."
REPLY = "Please turn off SIP ALG on the new router and try an outside call again."
RESOLVE_NOTE = "Audio works both ways after SIP ALG was turned off."
FEEDBACK = "Quick and to the point, thank you."
TRACE = b"\xd4\xc3\xb2\xa1" + b"\x00" * 60  # a pcap header's magic number, then padding


@pytest.fixture
def demo(transactional_db, media_root):
    # The test runner turns DEBUG off, where the command wants to be told it is a demo.
    call_command("seed_demo", force=True, stdout=io.StringIO())


@pytest.fixture
def site(live_server, demo):
    return live_server.url


@pytest.fixture
def eager_celery():
    """E-mails are sent in the server thread as soon as a change commits, so the test can
    read them (the locmem outbox); restored afterwards. The values are read before any
    change: Celery loads its configuration from the settings on first use."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


class Visitor:
    """One person's browser: its own context (cookies, session) and the URLs it asked for."""

    def __init__(self, browser: Browser, site: str):
        self.site = site
        self.requests: list[str] = []
        self.context: BrowserContext = browser.new_context()
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page: Page = self.context.new_page()

    def log_in(self, email: str) -> Page:
        page = self.page
        page.goto(self.site + "/accounts/login/")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_label("Password", exact=True).press("Enter")
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        return page

    def assert_only_own_host(self) -> None:
        assert self.requests, "the browser made no requests at all"
        outside = [url for url in self.requests if not url.startswith(self.site + "/")]
        assert outside == [], f"loaded from outside hosts: {outside}"


@pytest.fixture
def visitors(browser: Browser, site: str):
    opened: list[Visitor] = []

    def open_one() -> Visitor:
        opened.append(Visitor(browser, site))
        return opened[-1]

    yield open_one
    for visitor in opened:
        visitor.context.close()


def flash(page: Page):
    return page.get_by_role("status")


def choose_case(page: Page, case_type: str, reason: str, category: str = "") -> None:
    """Pick the case type, then the reason and category lists that appear for it."""
    page.get_by_label("Case type").select_option(label=case_type)
    reason_list = page.get_by_label("Reason", exact=True)
    expect(reason_list).to_be_visible()
    reason_list.select_option(label=reason)
    if category:
        category_list = page.get_by_label("Category", exact=True)
        expect(category_list).to_be_visible()
        category_list.select_option(label=category)
        expect(page.get_by_label("Category", exact=True)).to_have_value(re.compile(r".+"))


def kb_query(url: str) -> dict[str, str]:
    """What a request for knowledge-base suggestions asked with (empty for other URLs)."""
    parts = urlsplit(url)
    if parts.path != "/cases/new/suggestions/":
        return {}
    return {
        key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()
    }


def suggestion_titles(page: Page):
    aside = page.get_by_role("complementary", name="Articles that may help")
    return aside.locator(".kb-item__title")


# --- The whole life of a case --------------------------------------------------------------


def test_case_from_intake_to_follow_up(visitors, site, eager_celery, mailoutbox):
    partner = visitors()
    page = partner.log_in("gold@demo.test")
    open_intake(page)

    # What it is about: Tech Support → call quality → one-way audio.
    choose_case(page, "Tech Support", "Call quality and dropped calls", "One-way or choppy audio")

    # The device, found by part of its serial number.
    page.get_by_label("Find by serial number or name").fill("HPBX")
    device_list = page.get_by_label("PBX or device", exact=True)
    expect(device_list.locator("option")).to_have_count(2)  # "None" and the one match
    device_id = device_list.locator("option", has_text="GOLD-HPBX-0001").get_attribute("value")
    # Picking it refreshes the suggestions too: articles for the reason and kind of PBX.
    with page.expect_response(lambda response: kb_query(response.url).get("device") == device_id):
        device_list.select_option(value=device_id)
    expect(suggestion_titles(page)).not_to_have_count(0)
    expect(suggestion_titles(page).first).not_to_contain_text(KB_TITLE)

    # Typing the subject asks again, once the typing pauses (debounced), and the article
    # about one-way audio comes first.
    asked: list[str] = []
    page.on(
        "request",
        lambda request: asked.append(request.url) if kb_query(request.url) else None,
    )
    with page.expect_response(lambda response: kb_query(response.url).get("subject") == SUBJECT):
        page.get_by_label("Subject").press_sequentially(SUBJECT, delay=15)
    expect(suggestion_titles(page).first).to_contain_text(KB_TITLE)
    assert 1 <= len(asked) <= 3, f"{len(SUBJECT)} key presses asked {len(asked)} times"
    assert kb_query(asked[-1]) == {
        "subject": SUBJECT,
        "case_type": "tech_support",
        "reason": "call-quality",
        "device": device_id,
    }

    page.get_by_label("Description").fill(DESCRIPTION)
    page.get_by_label("WMS version").fill("6.10.4")
    page.get_by_label("Firmware versions").fill("HP-200 2.3.1")
    page.get_by_label("Attachments").set_input_files(
        files=[
            {"name": "lindenhof-call.pcap", "mimeType": "application/octet-stream", "buffer": TRACE}
        ]
    )
    page.get_by_role("button", name="Open the case").click()

    # The case page: its number, the message, the attachment.
    expect(page).to_have_url(re.compile(re.escape(site) + r"/cases/\d+/$"))
    ticket = Ticket.objects.get(subject=SUBJECT)
    number = ticket.number
    assert re.fullmatch(r"SD-\d{6}", number)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{number} {SUBJECT}")
    expect(flash(page)).to_contain_text(f"Case {number} is open")
    files = page.get_by_role("list", name="Files attached when the case was opened")
    expect(files.get_by_role("link", name="lindenhof-call.pcap")).to_be_visible()
    with page.expect_download() as download:
        files.get_by_role("link", name="lindenhof-call.pcap").click()
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == TRACE
    assert ticket.organisation.name == "Alpine Unified Comms GmbH"
    assert (ticket.case_type.code, ticket.reason.code, ticket.category.code) == (
        "tech_support",
        "call-quality",
        "audio",
    )
    assert ticket.device.serial_number == "GOLD-HPBX-0001"
    assert (ticket.wms_version, ticket.firmware_versions) == ("6.10.4", "HP-200 2.3.1")
    assert ticket.status == "new"
    assert [a.original_name for a in ticket.attachments.all()] == ["lindenhof-call.pcap"]

    # The agent finds it in the queue by organisation and words of the subject.
    agent = visitors()
    desk = agent.log_in("agent@demo.test")
    expect(desk.get_by_role("heading", level=1)).to_have_text("Queue")
    desk.wait_for_load_state("load")
    # Typing part of the name narrows the organisation list to the organisations so named
    # (under "More filters" in the queue's filter bar).
    desk.get_by_text("More filters").click()
    desk.get_by_label("Organisation name").fill("alpine")
    organisations = desk.get_by_label("Organisation", exact=True)
    expect(organisations.locator("option")).to_have_text(
        ["Any organisation", "Alpine Unified Comms GmbH"]
    )
    organisations.select_option(label="Alpine Unified Comms GmbH")
    desk.get_by_label("Search").fill("Lindenhof audio")
    desk.get_by_role("button", name="Show cases").click()
    rows = desk.locator(".queue-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(SUBJECT)
    expect(rows).to_contain_text("Nobody")
    rows.get_by_role("link", name=number).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"{number} {SUBJECT}")

    desk.get_by_role("button", name="Assign to me").click()
    expect(flash(desk)).to_contain_text(f"{number} is now assigned to you")
    expect(desk.get_by_role("region", name="Requester")).to_contain_text("Sofia Marino")

    desk.get_by_label("Internal note: support staff only").check()
    desk.get_by_label("Message", exact=True).fill(NOTE)
    desk.get_by_role("button", name="Send", exact=True).click()
    expect(flash(desk)).to_contain_text("Internal note added")

    desk.get_by_label("Public reply", exact=False).check()
    desk.get_by_label("Message", exact=True).fill(REPLY)
    desk.get_by_role("button", name="Send", exact=True).click()
    expect(flash(desk)).to_contain_text("Reply sent to the partner")
    conversation = desk.get_by_role("region", name="Conversation")
    expect(conversation).to_contain_text(NOTE)
    expect(conversation).to_contain_text(REPLY)
    ticket.refresh_from_db()
    assert ticket.assignee.email == "agent@demo.test"
    assert ticket.status == "open"  # the first public answer takes the case into work

    # The partner sees the reply and nothing of the note, on the page or in any e-mail.
    page.reload()
    expect(page.get_by_role("region", name="Conversation")).to_contain_text(REPLY)
    expect(page.locator("body")).not_to_contain_text("SIP ALG on, and they were warned")
    assert NOTE not in page.content()
    sent_to_partner = [m for m in mailoutbox if "gold@demo.test" in m.to]
    assert any(REPLY in m.body for m in sent_to_partner), [m.subject for m in mailoutbox]
    for message in mailoutbox:
        texts = [message.subject, message.body, *(body for body, _ in message.alternatives)]
        assert not any(NOTE in text for text in texts), f"the note went out in {message.subject}"

    # The agent resolves the case.
    desk.get_by_label("New status").select_option(label="Resolved")
    desk.get_by_label("Note for the timeline").fill(RESOLVE_NOTE)
    desk.get_by_role("button", name="Change status").click()
    expect(flash(desk)).to_contain_text(f"{number} is now Resolved")

    # The partner sees it resolved, with the agent's word on it, and rates it once.
    page.reload()
    expect(page.get_by_role("region", name="Details")).to_contain_text("Resolved")
    expect(page.get_by_role("complementary", name="Timeline")).to_contain_text(RESOLVE_NOTE)
    feedback = page.get_by_role("region", name="How did we do?")
    feedback.get_by_label("4 – good").check()
    feedback.get_by_label("Comment (optional)").fill(FEEDBACK)
    feedback.get_by_role("button", name="Send feedback").click()
    expect(flash(page)).to_contain_text("Thank you for your feedback")
    expect(page.get_by_role("region", name="Your feedback")).to_contain_text(f"4/5: {FEEDBACK}")
    expect(page.get_by_role("button", name="Send feedback")).to_have_count(0)
    assert (ticket.feedback.rating, ticket.feedback.comment) == (4, FEEDBACK)

    # A second tab still shows the reply form from before the case was closed.
    stale = partner.context.new_page()
    stale.goto(page.url)
    expect(stale.get_by_label("Your reply")).to_be_visible()

    # The partner closes the case: no reply form any more, a follow-up is offered instead.
    page.get_by_role("button", name="Close this case").click()
    expect(flash(page)).to_contain_text(f"{number} is closed")
    closed = page.get_by_role("region", name="This case is closed")
    expect(closed).to_be_visible()
    expect(page.get_by_label("Your reply")).to_have_count(0)
    expect(page.get_by_role("button", name="Send reply")).to_have_count(0)
    ticket.refresh_from_db()
    assert ticket.status == "closed"

    # Replying from the old tab is refused, and the text comes back to copy.
    messages_before = Message.objects.filter(ticket=ticket).count()
    late = "One more thing: the Lindenhof fax line is silent too."
    stale.get_by_label("Your reply").fill(late)
    stale.get_by_role("button", name="Send reply").click()
    expect(flash(stale)).to_contain_text(f"{number} is closed, so your reply was not added")
    expect(stale.get_by_role("region", name="This case is closed")).to_contain_text(late)
    assert Message.objects.filter(ticket=ticket).count() == messages_before
    stale.close()

    # The staff page of the closed case takes no messages either, and shows the rating.
    desk.reload()
    expect(desk.get_by_text("This case is closed and takes no more messages")).to_be_visible()
    expect(desk.get_by_label("Message", exact=True)).to_have_count(0)
    expect(desk.get_by_role("region", name="Feedback from the partner")).to_contain_text(
        "4 out of 5"
    )

    # The follow-up: the intake opens prefilled and tied to the old case.
    closed.get_by_role("link", name="Open a follow-up case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case")
    expect(page.get_by_text(f"This case follows up {number}")).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value(f"Follow-up to {number}: {SUBJECT}")
    expect(page.get_by_label("Case type")).to_have_value("tech_support")
    expect(page.get_by_label("Reason", exact=True)).to_have_value("call-quality")
    expect(page.get_by_label("PBX or device", exact=True)).to_have_value(str(ticket.device_id))
    expect(page.get_by_label("WMS version")).to_have_value("6.10.4")
    expect(page.get_by_label("Firmware versions")).to_have_value("HP-200 2.3.1")
    page.get_by_label("Description").fill("The fax line at Lindenhof has no audio either.")
    # A double click opens one case. (Chromium sends the form once; the submission key that
    # makes a resent form harmless is tested in tests/tickets/test_intake.py.)
    page.get_by_role("button", name="Open the case").dblclick()

    expect(page).to_have_url(re.compile(re.escape(site) + r"/cases/\d+/$"))
    follow_up = Ticket.objects.get(follow_up_of=ticket)
    expect(page.get_by_role("heading", level=1)).to_contain_text(follow_up.number)
    details = page.get_by_role("region", name="Details")
    expect(details.get_by_role("link", name=number)).to_be_visible()
    assert follow_up.subject == f"Follow-up to {number}: {SUBJECT}"

    partner.assert_only_own_host()
    agent.assert_only_own_host()


# --- Eligibility: referred upstream, nothing lost --------------------------------------------


def test_bronze_partner_is_referred_upstream_and_keeps_its_text(visitors):
    subject = "Invoice 2026/0412 charges 12 licences & we have 10"
    description = (
        "The March invoice lists 12 user licences <and> a DECT base we returned.\n"
        "Our order confirmation says 10 licences."
    )
    bronze = Organisation.objects.get(name="Iberia Voz S.L.")
    upstream = Organisation.objects.get(name="Hudson Voice Systems Inc.")
    assert bronze.upstream_partner == upstream
    cases_before = Ticket.objects.filter(organisation=bronze).count()

    visitor = visitors()
    page = visitor.log_in("bronze@demo.test")
    open_intake(page)
    choose_case(page, "Customer Care", "Billing", "Invoice question")
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Description").fill(description)
    page.get_by_role("button", name="Open the case").click()

    # Referred to Hudson Voice Systems, with how to reach them and what was typed.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Please contact Hudson Voice Systems Inc. for this case"
    )
    why = page.get_by_role("region", name="Why you are seeing this")
    expect(why.get_by_role("link", name=upstream.contact_email)).to_have_attribute(
        "href", f"mailto:{upstream.contact_email}"
    )
    expect(why.get_by_role("link", name=upstream.contact_phone)).to_be_visible()
    expect(why).to_contain_text("Customer Care: Billing")
    typed = page.get_by_role("region", name="What you typed")
    expect(typed.get_by_label("Subject")).to_have_text(subject)
    expect(typed.get_by_label("Description")).to_have_text(description)
    assert Ticket.objects.filter(organisation=bronze).count() == cases_before

    # "Change the case type" brings everything back into the form.
    page.get_by_role("button", name="Change the case type").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case")
    expect(page.get_by_label("Subject")).to_have_value(subject)
    expect(page.get_by_label("Description")).to_have_value(description)
    expect(page.get_by_label("Case type")).to_have_value("customer_care")
    expect(page.get_by_label("Reason", exact=True)).to_have_value("billing")

    assert Ticket.objects.filter(organisation=bronze).count() == cases_before
    assert not Ticket.objects.filter(subject=subject).exists()
    visitor.assert_only_own_host()


# --- "This solved it" ------------------------------------------------------------------------


def test_this_solved_it_ends_the_intake_without_a_case(visitors):
    typed = "SIP trunk not registered after provider change"
    title = "SIP trunk does not register"
    cases_before = Ticket.objects.count()

    visitor = visitors()
    page = visitor.log_in("silver@demo.test")
    open_intake(page)
    with page.expect_response(lambda response: kb_query(response.url).get("subject") == typed):
        page.get_by_label("Subject").press_sequentially(typed, delay=10)
    suggestion = (
        page.get_by_role("complementary", name="Articles that may help")
        .get_by_role("listitem")
        .filter(has=page.get_by_role("link", name=title))
    )
    expect(suggestion).to_have_count(1)
    suggestion.get_by_role("button", name="This solved it").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Glad that helped")
    expect(page.get_by_text("no case was opened")).to_be_visible()
    deflection = Deflection.objects.get()
    assert deflection.article.title == title
    assert deflection.user.email == "silver@demo.test"
    assert deflection.organisation.name == "Baltic Office Telephony OÜ"
    assert deflection.query == typed
    assert Ticket.objects.count() == cases_before

    # Reloading the thank-you page counts nothing twice.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Glad that helped")
    assert Deflection.objects.count() == 1
    visitor.assert_only_own_host()
