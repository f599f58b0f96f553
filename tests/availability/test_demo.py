"""The demo gives billing something to look at: last month's credits from a real outage."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from availability.models import Credit, Incident, Subscription

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
