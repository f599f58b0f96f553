"""The partner chain in a real browser (headless Chromium via Playwright), on the demo data
(Iberia Voz, Bronze, is supported by Hudson Voice Systems; Alpine Unified Comms installed
Trattoria da Marco's system):

- the Bronze partner is refused a Customer Care case, sends it with its file to Hudson
  Voice Systems, whose user turns it into a case of its own (text and file carried over),
  and the Bronze partner sees it taken up;
- Alpine's user finds Trattoria da Marco's case under "Our customers' cases" and replies.
"""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from desk.demo_partner_chain import CUSTOMER_CASE_SUBJECT
from tests.browser.helpers import follow, open_intake, signed_in
from tickets.models import Attachment, Message, PartnerRequest, Ticket

pytestmark = pytest.mark.browser

SUBJECT = "Invoice 2026/0588 lists a DECT base we returned"
DESCRIPTION = "The April invoice still charges the DECT base returned on 3 March (RMA 7741)."
FILE = b"RMA 7741 returned 2026-03-03\n"


@pytest.fixture
def site(live_server, transactional_db, media_root):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    return live_server.url


def go_to(page: Page, label: str) -> None:
    follow(page, page.get_by_role("navigation", name="Main").get_by_role("link", name=label))


def test_a_refused_bronze_request_is_sent_up_and_becomes_the_partners_case(
    browser: Browser, site: str, tmp_path
):
    attachment = tmp_path / "rma-7741.txt"
    attachment.write_bytes(FILE)

    bronze = signed_in(browser, site, "bronze@demo.test")
    open_intake(bronze)
    bronze.get_by_label("Case type").select_option(label="Customer Care")
    bronze.get_by_label("Reason", exact=True).select_option(label="Billing")
    bronze.get_by_label("Category", exact=True).select_option(label="Invoice question")
    bronze.get_by_label("Subject").fill(SUBJECT)
    bronze.get_by_label("Description").fill(DESCRIPTION)
    bronze.get_by_label("Attachments").set_input_files(str(attachment))
    bronze.get_by_role("button", name="Open the case").click()

    hand_up = bronze.get_by_role("region", name="Send it to Hudson Voice Systems Inc.")
    expect(hand_up).to_contain_text("rma-7741.txt")
    hand_up.get_by_role("button", name="Send to Hudson Voice Systems Inc.").click()
    expect(bronze.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    expect(bronze.get_by_role("heading", name="Status: Waiting for an answer")).to_be_visible()
    assert not Ticket.objects.filter(subject=SUBJECT).exists()

    platinum = signed_in(browser, site, "platinum@demo.test")
    go_to(platinum, "Requests")
    received = platinum.get_by_role("region", name="Requests from your partners and customers")
    row = received.get_by_role("row").filter(has_text=SUBJECT)
    expect(row).to_contain_text("Iberia Voz S.L.")
    expect(row).to_contain_text("Lucía Ortega")
    follow(platinum, row.get_by_role("link", name=SUBJECT))
    convert = platinum.get_by_role("region", name="Open a case with the vendor")
    expect(convert.get_by_label("Case type and reason")).to_have_value("customer_care|billing")
    convert.get_by_role("button", name="Open the case").click()

    expect(platinum.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    expect(platinum.get_by_role("link", name="rma-7741.txt")).to_be_visible()
    ticket = Ticket.objects.get(subject=SUBJECT)
    assert ticket.organisation.name == "Hudson Voice Systems Inc."
    assert ticket.description == DESCRIPTION
    assert Attachment.objects.get(ticket=ticket).file.read() == FILE
    assert PartnerRequest.objects.get(subject=SUBJECT).ticket == ticket

    bronze.reload()
    expect(bronze.get_by_role("heading", name="Status: Taken up as a case")).to_be_visible()
    go_to(bronze, "Requests")
    sent = bronze.get_by_role("region", name="Requests you passed on")
    expect(sent.get_by_role("row").filter(has_text=SUBJECT)).to_contain_text("Taken up as a case")
    for page in (bronze, platinum):
        page.context.close()


def test_an_installer_replies_on_its_customers_case_from_its_own_tab(browser: Browser, site: str):
    reply = "Our technician will re-provision the bar phone at 15:00."
    gold = signed_in(browser, site, "gold@demo.test")
    go_to(gold, "My cases")
    expect(gold.get_by_text(CUSTOMER_CASE_SUBJECT)).to_have_count(0)
    follow(
        gold,
        gold.get_by_role("navigation", name="Case lists").get_by_role(
            "link", name="Our customers' cases"
        ),
    )
    row = gold.get_by_role("row").filter(has_text=CUSTOMER_CASE_SUBJECT)
    expect(row).to_contain_text("Trattoria da Marco")
    follow(gold, row.get_by_role("link", name=CUSTOMER_CASE_SUBJECT))
    expect(gold.get_by_text("A case of your customer Trattoria da Marco")).to_be_visible()

    gold.get_by_label("Your reply").fill(reply)
    gold.get_by_role("button", name="Send reply").click()

    expect(gold.get_by_role("status")).to_contain_text("Your reply has been added.")
    expect(gold.get_by_text(reply)).to_be_visible()
    message = Message.objects.get(body=reply)
    assert message.author.email == "gold@demo.test"
    assert message.ticket.organisation.name == "Trattoria da Marco"

    customer = signed_in(browser, site, "customer@demo.test")
    go_to(customer, "My cases")
    follow(customer, customer.get_by_role("link", name=CUSTOMER_CASE_SUBJECT))
    expect(customer.get_by_text(reply)).to_be_visible()
    for page in (gold, customer):
        page.context.close()
