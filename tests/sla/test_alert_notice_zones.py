"""A monitoring alert no case matches tells each NOC engineer when it occurred in their own
zone, written as the pages write instants; the note on a case, read by everyone, keeps UTC."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail

from partners.roles import Role
from tests.factories import StaffFactory
from tests.sla.test_alerts import ALERTS, alert_body, token_client
from tickets.models import Notification

pytestmark = pytest.mark.django_db

# Wednesday 4 March 2026, 09:00 UTC; the alert occurred at 08:55 UTC.
NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def engineers(policies):
    return {
        "Europe/Rome": StaffFactory(roles=[Role.NOC], time_zone="Europe/Rome"),
        "America/New_York": StaffFactory(roles=[Role.NOC], time_zone="America/New_York"),
    }


@pytest.fixture
def integration(policies):
    return StaffFactory(roles=[Role.INTEGRATION], full_name="Zabbix EU")


def test_each_engineer_reads_when_the_alert_occurred_in_their_own_zone(
    engineers, integration, django_capture_on_commit_callbacks, eager_celery
):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = token_client(integration).post(
            ALERTS, alert_body(pbx_serial="XX-404"), format="json"
        )
    assert response.status_code == 422

    rome = Notification.objects.get(recipient=engineers["Europe/Rome"]).body
    new_york = Notification.objects.get(recipient=engineers["America/New_York"]).body
    assert "Occurred at: Wed 4 Mar 2026, 09:55 CET" in rome
    assert "Occurred at: Wed 4 Mar 2026, 03:55 EST" in new_york
    assert "UTC" not in rome + new_york
    assert "PBX serial: XX-404" in rome

    to_rome = next(m for m in mail.outbox if engineers["Europe/Rome"].email in m.to)
    assert "09:55 CET" in to_rome.body
