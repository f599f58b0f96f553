"""Documents asked of a partner in a real browser (headless Chromium via Playwright), as the
issue's "Done when" describes it: document request → upload → due date passed →
non-responsive. An agent records the activation date of a CLASSOUND porting case and asks
the partner for two documents; the partner sees the checklist and uploads one; the due date
passes with the other missing: the partner sees the request overdue, the agent sees the
partner recorded non-responsive and has a notice about it.

The case is opened through the case service. The sweep that records the partner
non-responsive runs here at an instant just after the due date (on the real worker and beat
it is tested in tests/tickets/test_documents_worker.py).
"""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from partners.models import User
from tests.browser.helpers import signed_in
from tests.tickets.factories import open_case
from tickets.models import DocumentRequest, Ticket
from tickets.services import documents

pytestmark = pytest.mark.browser

SUBJECT = "Port our six numbers to CLASSOUND"
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture
def site(live_server, transactional_db, media_root):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    return live_server.url


@pytest.fixture
def porting_case(site) -> Ticket:
    return open_case(
        User.objects.get(email="gold@demo.test"),
        case_type="customer_care",
        reason="classound",
        category="order-status",
        wms_version="",
        firmware_versions="",
        subject=SUBJECT,
        description="Please port our six numbers from the old carrier.",
    )


def documents_panel(page: Page):
    return page.get_by_role("region", name=re.compile("^Documents"))


def test_document_request_upload_due_date_passed_non_responsive(
    browser: Browser, site: str, porting_case: Ticket
):
    case = porting_case
    due = timezone.localdate() + timedelta(days=10)

    # The agent records the activation date and asks for two documents.
    agent = signed_in(browser, site, "agent@demo.test")
    agent.goto(f"{site}/staff/cases/{case.pk}/")
    panel = documents_panel(agent)
    panel.get_by_label("Activation date").fill("2026-12-14")
    panel.get_by_role("button", name="Save activation date").click()
    expect(agent.get_by_text("Activation date saved.")).to_be_visible()

    panel = documents_panel(agent)
    panel.get_by_text("Ask the partner for documents").click()
    panel.get_by_label("Letter of authorisation").check()
    panel.get_by_label("Identity evidence").check()
    panel.get_by_label("Due by the end of").fill(due.isoformat())
    panel.get_by_label("Note to the partner").fill("Signed by the account holder, please.")
    panel.get_by_role("button", name="Ask for documents").click()
    expect(agent.get_by_text("Asked the partner for 2 documents.")).to_be_visible()
    expect(documents_panel(agent)).to_contain_text(f"Due by the end of {due:%a %-d %b %Y}")
    expect(documents_panel(agent)).to_contain_text("0 of 2 in")

    # The partner sees the checklist and uploads the letter of authorisation.
    partner = signed_in(browser, site, "gold@demo.test")
    partner.goto(f"{site}/cases/{case.pk}/")
    panel = documents_panel(partner)
    expect(panel).to_contain_text("Activation date: Mon 14 Dec 2026")
    expect(panel).to_contain_text("0 of 2 uploaded")
    expect(panel).to_contain_text("Signed by the account holder, please.")
    panel.get_by_label("File for “Letter of authorisation”").set_input_files(
        files=[{"name": "loa.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    item = panel.get_by_role("listitem").filter(has_text="Letter of authorisation")
    item.get_by_role("button", name="Upload").click()
    expect(partner.get_by_text("thank you, we have your document")).to_be_visible()
    panel = documents_panel(partner)
    expect(panel).to_contain_text("1 of 2 uploaded")
    expect(panel.get_by_role("link", name="loa.pdf")).to_be_visible()
    expect(panel.get_by_label("File for “Identity evidence”")).to_be_visible()

    # The due date passes with the identity evidence missing.
    request = DocumentRequest.objects.get(ticket=case)
    result = documents.documents_sweep(now=request.due_at + timedelta(minutes=1))
    assert result.overdue == 1

    partner.reload()
    panel = documents_panel(partner)
    expect(panel.get_by_text("Overdue", exact=True)).to_be_visible()
    expect(panel).to_contain_text("The due date has passed")
    expect(partner.get_by_text("Partner non-responsive")).to_have_count(0)

    agent.reload()
    expect(documents_panel(agent)).to_contain_text("Overdue: partner non-responsive")
    expect(agent.get_by_text(re.compile("^Partner non-responsive: documents due"))).to_be_visible()
    agent.goto(f"{site}/inbox/")
    expect(
        agent.get_by_text(f"{case.number} partner non-responsive: documents overdue", exact=True)
    ).to_be_visible()

    agent.context.close()
    partner.context.close()
