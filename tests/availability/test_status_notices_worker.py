"""Announced maintenance on a real Celery worker: each follower's e-mail is sent exactly
once, even when its delivery task reaches the worker twice (a redelivered message, or the
sweep racing the send queued on commit)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from availability.services import records
from tests.availability.factories import (
    MaintenanceFactory,
    ServiceFactory,
    StatusSubscriptionFactory,
    SubscriptionFactory,
)
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.services import mailbox, worker_database_url  # noqa: F401
from tests.sla.test_timers_worker import (
    sent_mail,
    wait_until,
)
from tickets.models import OutgoingEmail
from tickets.tasks import deliver_email

pytestmark = [pytest.mark.redis, pytest.mark.integration]


def test_each_follower_gets_the_announcement_once_from_the_worker(
    policies,
    start_worker,
    mailbox,  # noqa: F811
):
    service = ServiceFactory(code="uc-cloud-eu", name="UC Cloud EU")
    organisation = OrganisationFactory(name="Alpha Ltd")
    SubscriptionFactory(organisation=organisation, services=[service])
    followers = [
        UserFactory(organisation=organisation, email=f"ops{n}@alpha.test") for n in range(3)
    ]
    for follower in followers:
        StatusSubscriptionFactory(user=follower, service=service)
    start = timezone.now() + timedelta(days=3)
    window = MaintenanceFactory(
        title="Core upgrade",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        services=[service],
    )

    records.maintenance_announce(maintenance=window, actor=StaffFactory())
    emails = list(OutgoingEmail.objects.filter(kind="status_maintenance"))
    for email in emails:
        deliver_email.delay(email.pk)  # the same delivery, a second time
    worker = start_worker()

    wait_until(
        lambda: OutgoingEmail.objects.filter(kind="status_maintenance", sent_at=None).count() == 0,
        timeout=30,
        worker=worker,
        what="the announcement e-mails to be sent",
    )
    time.sleep(1)  # room for a second copy that should not come
    received = sorted(message["To"] for message in sent_mail(mailbox))
    assert received == sorted(follower.email for follower in followers), worker.output
    assert all(
        message["Subject"] == "Planned maintenance: Core upgrade" for message in sent_mail(mailbox)
    )
    assert {
        email.attempts for email in OutgoingEmail.objects.filter(kind="status_maintenance")
    } == {1}
