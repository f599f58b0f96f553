"""The intake form in a real browser (headless Chromium via Playwright), on a laptop and on a
phone: choosing a case type the organisation may not open names, at once, whom the case goes
to instead; a device search with one match chooses the device and fills in its versions; a
file picked survives a form that comes back with an error and ends up on the case; the page
never scrolls sideways on a phone.
"""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from partners.models import Device
from tests.browser.helpers import log_in, open_intake
from tickets.models import Ticket

pytestmark = pytest.mark.browser

SIZES = {"laptop": (1366, 900), "phone": (390, 844)}
PDF = b"%PDF-1.4 signed delivery note for the Lindenhof branch"


@pytest.fixture
def demo(transactional_db, media_root):
    # The test runner turns DEBUG off, where the command wants to be told it is a demo.
    call_command("seed_demo", force=True, stdout=io.StringIO())


@pytest.fixture(params=list(SIZES))
def size(request):
    return SIZES[request.param]


def signed_in(browser: Browser, site: str, email: str, size) -> Page:
    width, height = size
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    log_in(page, site, email)
    open_intake(page)
    return page


def assert_no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_case_type_the_organisation_may_not_open_names_whom_it_goes_to(
    live_server, demo, browser: Browser, size
):
    page = signed_in(browser, live_server.url, "bronze@demo.test", size)
    place = page.locator("#response-time")

    page.get_by_label("Case type").select_option(label="Customer Care")
    expect(place).to_contain_text("This case goes to Hudson Voice Systems Inc.")
    expect(place).not_to_contain_text("When we answer")

    page.get_by_label("Case type").select_option(label="Tech Support")
    expect(place).to_contain_text("can open these Tech Support cases with us")
    expect(place).to_contain_text("Password reset")

    page.get_by_label("Reason", exact=True).select_option(label="Password reset")
    expect(place).to_contain_text("When we answer")
    expect(place).not_to_contain_text("goes to")
    assert_no_sideways_scroll(page)

    customer = signed_in(browser, live_server.url, "customer@demo.test", size)
    customer.get_by_label("Case type").select_option(label="Tech Support")
    expect(customer.locator("#response-time")).to_contain_text(
        "This case goes to Alpine Unified Comms GmbH"
    )
    expect(customer.locator("#response-time")).not_to_contain_text("When we answer")
    assert_no_sideways_scroll(customer)


def test_a_search_with_one_match_chooses_the_device_and_fills_its_versions(
    live_server, demo, browser: Browser, size
):
    page = signed_in(browser, live_server.url, "gold@demo.test", size)

    page.get_by_label("Find by serial number or name").fill("Warehouse DECT")
    page.get_by_label("Find by serial number or name").press("Enter")

    warehouse = Device.objects.get(
        name="Warehouse DECT base", organisation__name="Alpine Unified Comms GmbH"
    )
    expect(page.get_by_label("PBX or device", exact=True)).to_have_value(str(warehouse.pk))
    expect(page.get_by_label("Firmware versions")).to_have_value("DECT base DB-1 4.2.7")
    # Still the form: Enter chose the device, it did not send anything.
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case")
    page.get_by_label("Firmware versions").fill("DECT base DB-1 4.2.8")
    expect(page.get_by_label("Firmware versions")).to_have_value("DECT base DB-1 4.2.8")


def test_articles_appear_where_they_are_seen_while_typing(
    live_server, demo, browser: Browser, size
):
    page = signed_in(browser, live_server.url, "gold@demo.test", size)

    page.get_by_label("Subject").press_sequentially("one-way audio")

    title = "One-way audio: one side cannot hear the other"
    if size == SIZES["phone"]:
        # Under the subject, above the description, not at the foot of the form.
        inline = page.locator("#kb-inline")
        expect(inline.get_by_role("link", name=title)).to_be_visible()
        expect(page.get_by_role("complementary")).to_be_hidden()
        subject = page.get_by_label("Subject").bounding_box()
        found = inline.bounding_box()
        description = page.get_by_label("Description").bounding_box()
        assert subject["y"] < found["y"] < description["y"]
    else:
        aside = page.get_by_role("complementary", name="Articles that may help")
        expect(aside.get_by_role("link", name=title)).to_be_visible()
        expect(page.locator("#kb-inline")).to_be_hidden()
    assert_no_sideways_scroll(page)


def test_a_file_picked_survives_an_error_and_ends_up_on_the_case(
    live_server, demo, browser: Browser, size, tmp_path
):
    page = signed_in(browser, live_server.url, "gold@demo.test", size)
    delivery = tmp_path / "delivery-note.pdf"
    delivery.write_bytes(PDF)

    page.get_by_label("Case type").select_option(label="Customer Care")
    page.get_by_label("Reason", exact=True).select_option(label="Billing")
    page.get_by_label("Subject").fill("Delivery note does not match the invoice")
    page.get_by_label("Attachments").set_input_files(str(delivery))
    page.get_by_role("button", name="Open the case").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Describe the problem or request.")).to_be_visible()
    expect(page.locator("[data-kept-file]")).to_contain_text("Kept: delivery-note.pdf")
    expect(page.get_by_label("Subject")).to_have_value("Delivery note does not match the invoice")
    assert_no_sideways_scroll(page)

    summary.get_by_role("link", name="Describe the problem or request.").click()
    expect(page.get_by_label("Description")).to_be_focused()
    page.get_by_label("Description").fill("The note lists ten handsets, the invoice twelve.")
    page.get_by_role("button", name="Open the case").click()

    expect(page.get_by_text("is open. We will answer here")).to_be_visible()
    ticket = Ticket.objects.get(subject="Delivery note does not match the invoice")
    assert [a.original_name for a in ticket.attachments.all()] == ["delivery-note.pdf"]
    expect(page.get_by_text("delivery-note.pdf")).to_be_visible()
    assert_no_sideways_scroll(page)
