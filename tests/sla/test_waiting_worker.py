"""Waiting on the partner on a real Celery worker and beat (Redis, PostgreSQL): the beat's
sweep reminds the partner once and resolves the case once, e-mailed once each, however many
sweeps run, on two worker processes at once.

The limits are business days; the test cannot wait that long, so once the case waits it
moves the episode's due instants to a few seconds ahead, as the calendar would have after
five business days. Everything else is the production path.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from desk.actions.status import ticket_set_status
from sla.models import Clock, WaitingEpisode
from tests.factories import DeviceFactory
from tests.sla.test_timers_worker import (  # noqa: F401  (fixtures)
    desk,
    sent_mail,
    wait_until,
)
from tests.tickets.factories import ticket_create
from tickets import services
from tickets.models import Event, Notification, OutgoingEmail, Ticket

pytestmark = [pytest.mark.redis, pytest.mark.integration]


def subjects(mailbox, ticket: Ticket) -> list[str]:
    return [m["Subject"] for m in sent_mail(mailbox) if ticket.number in (m["Subject"] or "")]


def test_the_beat_reminds_once_then_resolves_once(start_worker, desk, mailbox):  # noqa: F811
    requester = desk["requester"]
    ticket, _ = ticket_create(
        requester=requester,
        case_type="tech_support",
        reason="classound-outage",
        subject="No calls on the trunk",
        description="Outbound calls fail since this morning.",
        wms_version="7.02",
        firmware_versions="1.9.0",
        device=DeviceFactory(organisation=requester.organisation),
    )
    services.ticket_assign(ticket=ticket, actor=desk["agent"], assignee=desk["agent"])
    ticket_set_status(ticket=ticket, actor=desk["agent"], status=Ticket.Status.WAITING)
    assert Clock.objects.filter(ticket=ticket, state=Clock.State.PAUSED).exists()
    episode = WaitingEpisode.objects.get(ticket=ticket, ended_at=None)
    soon = timezone.now() + timedelta(seconds=3)
    WaitingEpisode.objects.filter(pk=episode.pk).update(remind_at=soon, resolve_at=soon)

    worker = start_worker(beat=True, concurrency=2, WAITING_SWEEP_SECONDS="1")
    wait_until(
        lambda: (
            OutgoingEmail.objects.filter(ticket=ticket, kind="waiting_reminder")
            .exclude(sent_at=None)
            .exists()
        ),
        timeout=30,
        worker=worker,
        what="the reminder to be e-mailed",
    )
    episode.refresh_from_db()
    assert episode.reminded_at is not None
    # The reminder moved the resolution to ten business days after it; bring it near.
    soon = timezone.now() + timedelta(seconds=2)
    WaitingEpisode.objects.filter(pk=episode.pk).update(resolve_at=soon)
    wait_until(
        lambda: (
            Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED
            and OutgoingEmail.objects.filter(ticket=ticket, kind="status_changed")
            .exclude(sent_at=None)
            .filter(body__contains="no answer from you")
            .exists()
        ),
        timeout=30,
        worker=worker,
        what="the case to be resolved and the partner told",
    )
    sweeps = worker.output.count("Task desk.waiting_sweep[")
    wait_until(
        lambda: worker.output.count("Task desk.waiting_sweep[") >= sweeps + 4,
        timeout=20,
        worker=worker,
        what="two more sweeps",
    )

    assert Event.objects.filter(ticket=ticket, kind="waiting_reminder").count() == 1
    resolved = Event.objects.filter(ticket=ticket, kind="status_changed", data__new="resolved")
    assert resolved.count() == 1
    assert resolved.get().actor is None
    assert not Clock.objects.filter(ticket=ticket, stopped_at=None).exists()
    assert Notification.objects.filter(ticket=ticket, kind="waiting_resolved").count() == 1
    mail = subjects(mailbox, ticket)
    assert sum("still waiting for you" in s for s in mail) == 1
    assert sum("Case resolved" in s for s in mail) == 1
