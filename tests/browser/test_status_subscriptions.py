"""Status notices in a real browser: a partner follows a service's maintenance, the NOC
engineer records maintenance and announces it, and the partner receives the e-mail, whose
link stops the next ones without signing in."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, expect

from availability.models import Maintenance, StatusSubscription
from tests.browser.helpers import signed_in

pytestmark = pytest.mark.browser

TITLE = "Core switch replacement in Frankfurt"


@pytest.fixture
def site(live_server, transactional_db, media_root):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    return live_server.url


def test_subscription_then_maintenance_announced_then_email_received(
    browser: Browser, site: str, eager_celery, mailoutbox
):
    partner = signed_in(browser, site, "gold@demo.test")
    partner.goto(site + "/status/")
    partner.get_by_role("link", name="E-mails and feeds").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Status e-mails and feeds")
    row = partner.locator("[data-service=uc-cloud-eu]")
    row.get_by_label("Maintenance").check()
    partner.get_by_role("button", name="Save").click()
    expect(partner.get_by_text("Your status e-mails are saved.")).to_be_visible()
    expect(row.get_by_label("Maintenance")).to_be_checked()
    expect(row.get_by_label("Incidents")).not_to_be_checked()

    # The NOC engineer's demo account works in UTC, so the form's times are UTC.
    start = (datetime.now(UTC) + timedelta(days=4)).replace(hour=22, minute=0)
    noc = signed_in(browser, site, "noc@demo.test")
    noc.goto(site + "/noc/maintenance/new/")
    noc.get_by_label("Title").fill(TITLE)
    noc.get_by_label("Starts").fill(f"{start:%Y-%m-%dT%H:%M}")
    noc.get_by_label("Ends").fill(f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M}")
    noc.get_by_label("UC Cloud EU").check()
    noc.get_by_label("Note for partners").fill("Calls may drop once for a few seconds.")
    expect(noc.get_by_label("Announce it now to the followers of these services")).to_be_checked()
    noc.get_by_role("button", name="Record the maintenance").click()
    expect(noc.get_by_text(f"Maintenance “{TITLE}” recorded and announced.")).to_be_visible()
    expect(noc.locator("#announcement")).to_contain_text("to 1 follower of UC Cloud EU")
    expect(noc.locator("[data-notified]")).to_contain_text("In time: counts as available")

    window = Maintenance.objects.get(title=TITLE)
    assert window.notified_at == window.notices.get().sent_at
    received = [message for message in mailoutbox if message.to == ["gold@demo.test"]]
    assert [message.subject for message in received] == [f"Planned maintenance: {TITLE}"]
    body = received[0].body
    assert "Calls may drop once for a few seconds." in body

    # The e-mail's link stops the next ones, in a browser that is not signed in.
    link = next(line for line in body.splitlines() if line.startswith("Stop these e-mails: "))
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    stranger = browser.new_context().new_page()
    stranger.goto(site + path)
    stranger.get_by_role("button", name="Stop these e-mails").click()
    expect(stranger.locator("[data-unsubscribed]")).to_contain_text("UC Cloud EU")
    assert not StatusSubscription.objects.filter(user__email="gold@demo.test").exists()
    for page in (partner, noc, stranger):
        page.context.close()
