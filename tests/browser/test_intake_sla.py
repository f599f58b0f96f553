"""The intake form tells a partner when to expect the first response, before submitting, in
a real browser (headless Chromium via Playwright): the time appears as the case type is
picked and changes when the partner asks for Critical handling or picks another type.

The server's clock is pinned to a working Tuesday morning in Rome a few days ahead (never in
the past, so the browser keeps the session cookie), so the expected times do not depend on
when the test runs.
"""

import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import Page, expect

from sla.models import ClosedDate
from tests.browser.helpers import log_in, open_intake

pytestmark = pytest.mark.browser

ROME = ZoneInfo("Europe/Rome")
TUESDAY = 1


@pytest.fixture
def demo(transactional_db, media_root):
    # The test runner turns DEBUG off, where the command wants to be told it is a demo.
    call_command("seed_demo", force=True, stdout=io.StringIO())


def working_tuesday_ahead() -> date:
    """The first Tuesday from tomorrow on when Rome's support hours open on the Tuesday and
    on the Wednesday after it."""
    closed = set(ClosedDate.objects.filter(calendar__code="eu").values_list("date", flat=True))
    day = date.today() + timedelta(days=1)  # noqa: DTZ011 (a calendar date is meant)
    while day.weekday() != TUESDAY or {day, day + timedelta(days=1)} & closed:
        day += timedelta(days=1)
    return day


def test_intake_shows_the_response_time_as_the_case_takes_shape(live_server, demo, page: Page):
    tuesday_morning = datetime.combine(working_tuesday_ahead(), time(10, 0), tzinfo=ROME)
    with time_machine.travel(tuesday_morning, tick=True):
        log_in(page, live_server.url, "gold@demo.test")
        open_intake(page)
        expected = page.locator("#response-time")
        # Nothing is promised before a case type is picked.
        expect(expected).to_have_text("")

        page.get_by_label("Case type").select_option(label="Tech Support")
        expect(expected).to_contain_text("First response by Tue 18:00 CET")

        page.get_by_label("Reason", exact=True).select_option(
            label="Call quality and dropped calls"
        )
        expect(expected).to_contain_text("First response by Tue 18:00 CET")

        page.get_by_label("Calls drop and the operator is not the cause").check()
        expect(expected).to_contain_text("First response by Tue 10:30 CET")

        page.get_by_label("No, standard handling is fine").check()
        expect(expected).to_contain_text("First response by Tue 18:00 CET")

        page.get_by_label("Case type").select_option(label="Customer Care")
        expect(expected).to_contain_text("First response by Wed 10:00 CET")
