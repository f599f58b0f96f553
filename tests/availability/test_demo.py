"""The demo gives billing something to look at (last month's credits from a real outage) and
the status page a figure for every day it shows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from availability.demo import SERVICES
from availability.models import Credit, Incident, ServiceDay, Subscription
from partners.roles import Role
from tests.factories import StaffFactory
from tests.partners.pages import Page

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # twice: nothing is duplicated


def test_last_months_outage_earns_the_eu_subscriptions_a_credit(seeded):
    assert Subscription.objects.count() == 5
    assert Incident.objects.count() == 2
    credits = {
        credit.subscription.organisation.name: credit
        for credit in Credit.objects.select_related("subscription__organisation")
    }
    assert len(credits) == 5
    dolomiti = credits["Dolomiti Telecom S.r.l."]
    assert (dolomiti.payable_percent, dolomiti.amount) == (90, Decimal("480.00"))
    assert dolomiti.incidents.get().title == "UC Cloud EU: calls fail to connect"
    hudson = credits["Hudson Voice Systems Inc."]  # only a degraded console in the US
    assert (hudson.availability, hudson.amount) == (100, 0)


def test_every_day_on_the_status_page_has_a_figure_and_the_outage_shows(seeded, client):
    client.force_login(StaffFactory(roles=[Role.AGENT]))

    page = Page(client.get(reverse("availability:status")))

    bars = [e for e in page.elements if "data-day" in e.attrs]
    assert len(bars) == 90 * len(SERVICES)
    assert [e.attrs["title"] for e in bars if e.attrs["data-level"] == "none"] == []
    outage = Incident.objects.get(title="UC Cloud EU: calls fail to connect")
    row = next(e for e in page.elements if e.attrs.get("data-service") == "uc-cloud-eu")
    outage_day = next(
        e
        for e in page.elements[page.elements.index(row) :]
        if e.attrs.get("data-day") == f"{outage.started_at:%Y-%m-%d}"
    )
    assert outage_day.attrs["data-level"] == "severe"
    assert Decimal(outage_day.attrs["data-availability"]) < 100
    # Stored, as the nightly run leaves them: every past day shown, every service.
    today = timezone.now().date()
    stored = ServiceDay.objects.filter(day__gte=today - timedelta(days=89), day__lt=today)
    assert stored.count() == 89 * len(SERVICES)
