"""What the hardware request tests share: a Wednesday in support hours (opt in with the
``wednesday`` fixture), the lease agreement Alpine Unified Comms holds with its customer
(year to year from 1 January 2025: on that Wednesday two months of the year are left), and
Alpine's partner user."""

from datetime import UTC, datetime

import pytest
import time_machine

from tests.factories import UserFactory
from tests.hwaas.factories import LeaseAgreementFactory

# Wednesday 18 November 2026, 10:00 in Rome.
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


@pytest.fixture
def wednesday():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agreement(policies, calendars):
    return LeaseAgreementFactory(lessor__name="Alpine Unified Comms GmbH")


@pytest.fixture
def partner(agreement):
    return UserFactory(organisation=agreement.lessor, time_zone="Europe/Rome")
