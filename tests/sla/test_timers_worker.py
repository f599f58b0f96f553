"""SLA timers on a real Celery worker and Redis: a breach is recorded on time, announced once
and e-mailed once, whether its timer fires, the worker holding the timers is killed and
another takes over, the sweep finds it after the worker was down, or the breach task is
delivered twice.

The worker reads the test database (so these tests need PostgreSQL: SQLite's test database
lives in this process's memory) and writes its e-mails as files the test reads. Its broker
keys carry a prefix of the test's own on a Redis database apart from REDIS_URL's, so no
other worker on that server takes these tasks and this worker takes no one else's.
"""

import email
import json
import re
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from partners.roles import Role
from sla import tasks
from sla.models import Clock
from tests.celery_worker import (
    Worker,
)
from tests.factories import DeviceFactory, StaffFactory, UserFactory, only_first_response_within
from tests.tickets.factories import ticket_create
from tickets import services
from tickets.models import Event, Notification, OutgoingEmail, Ticket

pytestmark = [pytest.mark.redis, pytest.mark.integration]

# How late after its breach instant a breach may be recorded and still count as on time.
ON_TIME = timedelta(seconds=5)


@pytest.fixture
def desk(calendars, policies):
    """A partner who opens the case, the agent it is assigned to, and a team lead."""
    return {
        "requester": UserFactory(),
        "agent": StaffFactory(roles=[Role.AGENT], email="agent@vendor.test"),
        "lead": StaffFactory(roles=[Role.LEAD], email="lead@vendor.test"),
    }


def open_case(desk, *, first_response_within: timedelta) -> tuple[Ticket, Clock]:
    """An assigned Standard case under terms whose first response is due ``within`` around
    the clock."""
    only_first_response_within(first_response_within)
    requester = desk["requester"]
    ticket, _ = ticket_create(
        requester=requester,
        case_type="tech_support",
        reason="call-quality",
        subject="Calls drop",
        description="Every outgoing call drops after 30 seconds.",
        wms_version="7.02",
        firmware_versions="1.9.0",
        device=DeviceFactory(organisation=requester.organisation),
    )
    services.ticket_assign(ticket=ticket, actor=desk["agent"], assignee=desk["agent"])
    clock = ticket.clocks.get()
    assert clock.metric == Clock.Metric.FIRST_RESPONSE
    assert clock.breach_at - ticket.created_at == first_response_within
    return ticket, clock


def wait_until(condition, *, timeout: float, worker: Worker | None, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if worker is not None and not worker.alive:
            pytest.fail(f"The worker exited while waiting for {what}. Its log:\n{worker.output}")
        if time.monotonic() > deadline:
            log = worker.output if worker is not None else "(no worker running)"
            pytest.fail(f"Waited {timeout} s for {what}. The worker's log:\n{log}")
        time.sleep(0.2)


def sleep_until(instant: datetime) -> None:
    time.sleep(max(0.0, (instant - timezone.now()).total_seconds()))


def breach_notices(ticket: Ticket):
    return Notification.objects.filter(ticket=ticket, kind=Notification.Kind.SLA_BREACH)


def notice_emails(ticket: Ticket, kind: str = ""):
    """The e-mail copies of the case's notices (of ``kind``) in the outbox."""
    return OutgoingEmail.objects.filter(ticket=ticket, kind__startswith=f"notice_{kind}")


def notice_email(notice: Notification) -> OutgoingEmail:
    """The e-mail copy of one notice."""
    return notice_emails(notice.ticket, notice.kind).get(to=[notice.recipient.email])


def sent_mail(mailbox: Path) -> list[email.message.Message]:
    """Every message the worker's file e-mail backend wrote."""
    messages = []
    for path in sorted(mailbox.iterdir()):
        for part in path.read_bytes().split(b"-" * 79 + b"\n"):
            if part.strip():
                messages.append(email.message_from_bytes(part))
    return messages


def emailed_subject(ticket: Ticket, notice: Notification) -> str:
    """The notice's title behind the case number, which it names only once."""
    return f"[{ticket.number}] {notice.title.removeprefix(ticket.number).strip()}"


def assert_breach_announced_once(ticket: Ticket, desk, mailbox: Path, worker: Worker) -> None:
    """One timeline event; one notice each for the assignee and the team lead, each e-mailed
    exactly once."""
    wait_until(
        lambda: (
            breach_notices(ticket).count() == 2
            and notice_emails(ticket, "sla_breach").exclude(sent_at=None).count() == 2
        ),
        timeout=20,
        worker=worker,
        what="the breach notices to be e-mailed",
    )
    time.sleep(1)  # room for a second e-mail that should not come
    breaches = Event.objects.filter(ticket=ticket, kind="sla_breached")
    assert [event.data["metric"] for event in breaches] == [Clock.Metric.FIRST_RESPONSE]
    notices = list(breach_notices(ticket).select_related("recipient"))
    assert sorted(notice.recipient.email for notice in notices) == [
        desk["agent"].email,
        desk["lead"].email,
    ]
    mail = sent_mail(mailbox)
    for notice in notices:
        sent = notice_email(notice)
        assert sent.sent_at is not None
        assert sent.attempts == 1
        copies = [
            message
            for message in mail
            if message["To"] == notice.recipient.email
            and message["Subject"] == emailed_subject(ticket, notice)
        ]
        assert len(copies) == 1, worker.output


def notices(ticket: Ticket, kind: str):
    return Notification.objects.filter(ticket=ticket, kind=kind).select_related("recipient")


def assert_warned_once(ticket: Ticket, desk, mailbox: Path, worker: Worker) -> None:
    """One warning event; one notice, for the assignee, e-mailed exactly once."""
    assert Event.objects.filter(ticket=ticket, kind="sla_warning").count() == 1
    (warning,) = notices(ticket, Notification.Kind.SLA_WARNING)
    assert warning.recipient == desk["agent"]
    sent = notice_email(warning)
    assert sent.sent_at is not None
    assert sent.attempts == 1
    copies = [
        message
        for message in sent_mail(mailbox)
        if message["To"] == desk["agent"].email
        and message["Subject"] == emailed_subject(ticket, warning)
    ]
    assert len(copies) == 1, worker.output


TASK_LOG = re.compile(r"Task (sla\.\w+)\[([0-9a-f-]+)\] (received|succeeded)")


def timers_held(worker: Worker) -> set[str]:
    """Ids of the SLA timers the worker has taken but not yet run: ETA tasks it keeps in
    memory, unacknowledged, until they are due."""
    found = TASK_LOG.findall(worker.output)
    received = {task_id for _, task_id, what in found if what == "received"}
    return received - {task_id for _, task_id, what in found if what == "succeeded"}


def unacknowledged(redis_url: str, key_prefix: str) -> set[str]:
    """Ids of the tasks Redis holds as delivered to a worker and not acknowledged."""
    client = redis.Redis.from_url(redis_url)
    try:
        held = client.hvals(f"{key_prefix}unacked")
    finally:
        client.close()
    return {json.loads(value)[0]["headers"]["id"] for value in held}


@pytest.mark.fault
def test_timers_fire_on_time_and_a_killed_worker_loses_and_repeats_none(
    start_worker, desk, mailbox, redis_url, key_prefix
):
    # What a dead worker had taken goes back to the queue after the visibility timeout: a
    # few seconds here rather than the hour of production, so the restarted worker gets
    # those timers again while its sweep also finds them due.
    visibility = {"CELERY_VISIBILITY_TIMEOUT": "4"}
    first = start_worker(concurrency=2, **visibility)
    later = [open_case(desk, first_response_within=timedelta(seconds=25)) for _ in range(3)]
    ticket, clock = open_case(desk, first_response_within=timedelta(seconds=6))

    # The short case on the running worker: its timers warn and breach on time, once.
    wait_until(
        lambda: Clock.objects.get(pk=clock.pk).state == Clock.State.BREACHED,
        timeout=(clock.breach_at - timezone.now()).total_seconds() + 15,
        worker=first,
        what="the breach",
    )
    clock.refresh_from_db()
    assert clock.breached_at == clock.breach_at
    recorded = Event.objects.get(ticket=ticket, kind="sla_breached").at
    assert timedelta(0) <= recorded - clock.breach_at <= ON_TIME
    assert "Task sla.breach_clock[" in first.output
    assert_breach_announced_once(ticket, desk, mailbox, first)
    assert clock.warned_at is not None
    assert timedelta(0) <= clock.warned_at - clock.warn_at <= ON_TIME
    assert_warned_once(ticket, desk, mailbox, first)

    # The worker holds the later cases' six timers, taken from Redis and not acknowledged,
    # when it is killed: nothing is handed back.
    held = timers_held(first)
    assert len(held) == 2 * len(later), first.output
    assert unacknowledged(redis_url, key_prefix) == held
    first.kill()
    assert all(Clock.objects.get(pk=c.pk).state == Clock.State.RUNNING for _, c in later)

    second = start_worker(beat=True, concurrency=2, SLA_SWEEP_SECONDS="1", **visibility)

    def all_announced() -> bool:
        for case, _ in later:
            sent = notice_emails(case).exclude(sent_at=None)
            if sent.count() < 3:  # the warning to the assignee, the breach to them and the lead
                return False
        return not Clock.objects.filter(
            pk__in=[c.pk for _, c in later], state=Clock.State.RUNNING
        ).exists()

    last_breach = max(c.breach_at for _, c in later)
    wait_until(
        all_announced,
        timeout=(last_breach - timezone.now()).total_seconds() + 20,
        worker=second,
        what="the later cases to be warned, breached and e-mailed",
    )
    # The killed worker's timers came back to the new one.
    assert all(f"[{task_id}] received" in second.output for task_id in held), second.output
    time.sleep(2)  # room for a late duplicate: a redelivered timer racing the sweep
    for case, case_clock in later:
        case_clock.refresh_from_db()
        assert case_clock.state == Clock.State.BREACHED
        assert case_clock.breached_at == case_clock.breach_at
        assert case_clock.warned_at is not None
        assert_breach_announced_once(case, desk, mailbox, second)
        assert_warned_once(case, desk, mailbox, second)


def test_the_sweep_catches_a_breach_that_fell_due_while_no_worker_ran(
    start_worker, desk, mailbox, settings
):
    # No timer is queued when the case opens (as if the broker had lost them): only the
    # sweep of a worker started later can find the breach.
    settings.SLA_TIMER_HORIZON = 0
    ticket, clock = open_case(desk, first_response_within=timedelta(seconds=5))
    sleep_until(clock.breach_at + timedelta(seconds=1))
    clock.refresh_from_db()
    assert clock.state == Clock.State.RUNNING

    worker = start_worker(beat=True, SLA_SWEEP_SECONDS="2", SLA_TIMER_HORIZON="10")
    wait_until(
        lambda: Clock.objects.get(pk=clock.pk).state == Clock.State.BREACHED,
        timeout=20,
        worker=worker,
        what="the sweep to record the breach",
    )
    # The sweep's own report, logged once its task has finished.
    assert worker.wait_for("'breached': 1", timeout=5), worker.output
    assert "Task sla.breach_clock[" not in worker.output
    assert_breach_announced_once(ticket, desk, mailbox, worker)

    # Later sweeps find nothing more to do; a clock found past its breach is not warned.
    sweeps = worker.output.count("Task sla.sweep[")
    wait_until(
        lambda: worker.output.count("Task sla.sweep[") >= sweeps + 4,  # received and succeeded
        timeout=15,
        worker=worker,
        what="two more sweeps",
    )
    assert Event.objects.filter(ticket=ticket, kind="sla_breached").count() == 1
    assert breach_notices(ticket).count() == 2
    assert not Notification.objects.filter(ticket=ticket, kind=Notification.Kind.SLA_WARNING)
    clock.refresh_from_db()
    assert clock.warned_at is None


def test_a_breach_task_delivered_twice_acts_once(start_worker, desk, mailbox, settings):
    settings.SLA_TIMER_HORIZON = 0  # the two deliveries below are the only breach tasks
    worker = start_worker(concurrency=2)
    ticket, clock = open_case(desk, first_response_within=timedelta(seconds=5))
    sleep_until(clock.breach_at + timedelta(milliseconds=500))
    clock.refresh_from_db()
    assert clock.state == Clock.State.RUNNING

    # Two pool processes take them at the same moment.
    first = tasks.breach_clock.apply_async(args=[clock.pk], ignore_result=False)
    second = tasks.breach_clock.apply_async(args=[clock.pk], ignore_result=False)
    try:
        outcomes = sorted([first.get(timeout=30), second.get(timeout=30)])
    except Exception as error:
        pytest.fail(f"The task failed ({error!r}). The worker's log:\n{worker.output}")
    finally:
        first.forget()
        second.forget()

    assert outcomes == [False, True]
    clock.refresh_from_db()
    assert clock.state == Clock.State.BREACHED
    assert clock.breached_at == clock.breach_at
    assert_breach_announced_once(ticket, desk, mailbox, worker)
