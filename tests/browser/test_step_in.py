"""Staff stepping in with an end customer (14.5) in a real browser: on a demo case about the
Trattoria's PBX that has waited on its installer for a month, the agent writes to the
restaurant from the case page; the installer reads the message on its case timeline, and
the restaurant's own account finds it under its messages from support."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, expect

from desk.actions.open_case import CaseRequest, case_open
from desk.actions.status import ticket_set_status
from partners.models import Device, User
from tests.browser.helpers import signed_in
from tickets.models import Event, Ticket

pytestmark = pytest.mark.browser

MESSAGE = "Your calls drop after 30 seconds. Could you call us so we can test it together?"


@pytest.fixture
def waiting_case(transactional_db, media_root) -> Ticket:
    call_command("seed_demo", force=True, stdout=io.StringIO())
    gold = User.objects.get(email="gold@demo.test")
    agent = User.objects.get(email="agent@demo.test")
    own = Device.objects.filter(organisation=gold.organisation, kind="cloud_pbx").first()
    month_ago = timezone.now() - timedelta(days=31)
    with time_machine.travel(month_ago, tick=False):
        ticket, _ = case_open(
            CaseRequest(
                requester=gold,
                case_type="tech_support",
                reason="call-quality",
                subject="Trattoria: calls drop after 30 seconds",
                description="The restaurant's outgoing calls drop after about 30 seconds.",
                wms_version="7.02",
                firmware_versions="1.9.0",
                device=own,
            )
        )
    # A case the vendor's monitoring would open about the restaurant's own PBX.
    Ticket.objects.filter(pk=ticket.pk).update(
        device=Device.objects.get(name="Restaurant PBX"), assignee=agent
    )
    with time_machine.travel(month_ago + timedelta(hours=1), tick=False):
        ticket_set_status(ticket=ticket, actor=agent, status=Ticket.Status.WAITING)
    return ticket


def test_the_agent_writes_to_the_end_customer_and_both_sides_see_it(
    browser: Browser, live_server, waiting_case
):
    site = live_server.url
    agent = signed_in(browser, site, "agent@demo.test")
    agent.goto(f"{site}/staff/cases/{waiting_case.pk}/")
    panel = agent.get_by_role("region", name="Write to the end customer")
    expect(panel).to_contain_text("customer@demo.test")
    panel.get_by_text("Write a message").click()
    panel.get_by_role("checkbox", name="Trattoria da Marco").uncheck()
    panel.get_by_label("Message").fill(MESSAGE)
    panel.get_by_role("button", name="Send to the end customer").click()
    expect(agent.get_by_text("Message sent to customer@demo.test")).to_be_visible()
    agent.context.close()

    event = Event.objects.get(ticket=waiting_case, kind="vendor_stepped_in")
    assert event.data["recipients"] == ["customer@demo.test"]

    installer = signed_in(browser, site, "gold@demo.test")
    installer.goto(f"{site}/cases/{waiting_case.pk}/")
    timeline = installer.get_by_role("complementary", name="Timeline")
    expect(timeline).to_contain_text("wrote to Trattoria da Marco directly")
    expect(timeline).to_contain_text(MESSAGE)
    installer.context.close()

    customer = signed_in(browser, site, "customer@demo.test")
    customer.goto(f"{site}/cases/from-support/")
    expect(customer.get_by_role("main")).to_contain_text(MESSAGE)
    customer.context.close()
