"""A month's credit is worked out under the version of the terms in force at local midnight
on the month's first day in the subscription's reporting zone: for every zone, the version
dated on or before that day."""

from datetime import date

import pytest

from availability import services
from availability.models import Credit
from tests.availability.factories import ServiceFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

ZONES = ["UTC", "Europe/Rome", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago"]


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        (date(2023, 9, 1), "2022-04"),
        (date(2023, 10, 1), "2023-10"),
        (date(2026, 2, 1), "2023-10"),
        (date(2026, 3, 1), "2026-03"),
    ],
)
def test_every_reporting_zone_gets_the_version_dated_by_the_months_first_day(
    policies, month, expected
):
    cloud = ServiceFactory(code="uc-cloud", name="UC Cloud")
    subscriptions = [SubscriptionFactory(services=[cloud], reporting_time_zone=z) for z in ZONES]

    services.credits_compute(month=month)

    used = {
        s.reporting_time_zone: Credit.objects.get(
            subscription=s, month=month, adjusts=None
        ).policy.code
        for s in subscriptions
    }
    assert used == dict.fromkeys(ZONES, expected)
