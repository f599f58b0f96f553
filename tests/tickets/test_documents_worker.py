"""The timers of document requests on a real Celery worker with beat and Redis: each
reminder and the non-responsive record happen on time and exactly once, with their notices
and e-mails sent once, whether beat's sweep finds them as they come due or after the worker
was down; two sweeps running at the same moment act once between them.

The worker reads the test database (so these tests need PostgreSQL) and writes its e-mails
as files the test reads; its broker keys carry a prefix of the test's own.
"""

import time
from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from partners.roles import Role
from tests.celery_worker import (
    Worker,
)
from tests.factories import StaffFactory, UserFactory
from tests.sla.test_timers_worker import sent_mail, wait_until
from tests.tickets.factories import open_case
from tickets import tasks
from tickets.models import DocumentRequest, Event, Notification, OutgoingEmail
from tickets.services import documents

pytestmark = [pytest.mark.redis, pytest.mark.integration]

# How late after its instant a step may be taken with a sweep every second.
ON_TIME = timedelta(seconds=4)


@pytest.fixture
def desk(calendars, policies):
    requester = UserFactory(email="partner@example.test")
    return {
        "requester": requester,
        "agent": StaffFactory(roles=[Role.AGENT], email="agent@vendor.test"),
        "lead": StaffFactory(roles=[Role.LEAD], email="lead@vendor.test"),
        "case": open_case(requester),
    }


def ask(desk, *, first: timedelta, last: timedelta, due: timedelta) -> DocumentRequest:
    """A request whose reminders and due instant come ``first``, ``last`` and ``due`` from
    now (the calendar rules are tested elsewhere: here only the timers)."""
    now = timezone.now()
    return documents.document_request_create(
        ticket=desk["case"],
        actor=desk["agent"],
        due_date=timezone.localdate(now + due),
        due_at=now + due,
        reminders={"first": now + first, "last": now + last},
        note="",
        items=[documents.ItemSpec(kind="authorisation")],
        now=now,
    )


def mails_to(mailbox, address: str, subject_part: str) -> list:
    return [
        message
        for message in sent_mail(mailbox)
        if message["To"] == address and subject_part in message["Subject"]
    ]


def documents_mail(case):
    """The outbox rows of the documents' steps: to the partner, and the staff notices."""
    kinds = ["documents_requested", "documents_reminder", "documents_overdue"]
    return OutgoingEmail.objects.filter(ticket=case).filter(
        Q(kind__in=kinds) | Q(kind="notice_documents_overdue")
    )


def assert_everything_once(desk, request: DocumentRequest, mailbox, worker: Worker) -> None:
    case = desk["case"]
    wait_until(
        lambda: documents_mail(case).exclude(sent_at=None).count() == 6,
        timeout=20,
        worker=worker,
        what="the request, two reminders, the overdue notice and two staff notices e-mailed",
    )
    time.sleep(2)  # room for a duplicate that should not come
    request.refresh_from_db()
    assert request.state == DocumentRequest.State.OVERDUE
    assert request.non_responsive_at == request.due_at
    reminders = Event.objects.filter(ticket=case, kind="documents_reminded")
    assert sorted(event.data["reminder"] for event in reminders) == ["first", "last"]
    assert Event.objects.filter(ticket=case, kind="partner_non_responsive").count() == 1
    notices = Notification.objects.filter(ticket=case, kind=Notification.Kind.DOCUMENTS_OVERDUE)
    assert sorted(n.recipient.email for n in notices) == ["agent@vendor.test", "lead@vendor.test"]
    assert documents_mail(case).count() == 6
    assert all(row.attempts == 1 for row in documents_mail(case)), worker.output
    partner = desk["requester"].email
    assert len(mails_to(mailbox, partner, "Reminder: documents needed")) == 2
    assert len(mails_to(mailbox, partner, "Documents overdue")) == 1
    for staff in ("agent@vendor.test", "lead@vendor.test"):
        assert len(mails_to(mailbox, staff, "non-responsive")) == 1, worker.output


def test_reminders_and_the_overdue_record_come_on_time_once(start_worker, desk, mailbox):
    worker = start_worker(beat=True, DOCUMENT_SWEEP_SECONDS="1")
    request = ask(
        desk, first=timedelta(seconds=3), last=timedelta(seconds=6), due=timedelta(seconds=9)
    )

    wait_until(
        lambda: DocumentRequest.objects.get(pk=request.pk).state == DocumentRequest.State.OVERDUE,
        timeout=30,
        worker=worker,
        what="the request to be recorded overdue",
    )
    request.refresh_from_db()
    assert timedelta(0) <= request.reminded_first_at - request.remind_first_at <= ON_TIME
    assert timedelta(0) <= request.reminded_last_at - request.remind_last_at <= ON_TIME
    recorded = Event.objects.get(ticket=desk["case"], kind="partner_non_responsive").at
    assert timedelta(0) <= recorded - request.due_at <= ON_TIME
    assert "Task tickets.documents_sweep[" in worker.output
    assert_everything_once(desk, request, mailbox, worker)


def test_a_due_date_passed_while_no_worker_ran_is_caught_up_once(start_worker, desk, mailbox):
    request = ask(
        desk, first=timedelta(seconds=1), last=timedelta(seconds=2), due=timedelta(seconds=3)
    )
    time.sleep(4)  # everything fell due with nobody to act

    worker = start_worker(beat=True, DOCUMENT_SWEEP_SECONDS="1")
    wait_until(
        lambda: DocumentRequest.objects.get(pk=request.pk).state == DocumentRequest.State.OVERDUE,
        timeout=20,
        worker=worker,
        what="the sweep to catch up",
    )
    sweeps = worker.output.count("Task tickets.documents_sweep[")
    wait_until(
        lambda: worker.output.count("Task tickets.documents_sweep[") >= sweeps + 4,
        timeout=15,
        worker=worker,
        what="two more sweeps",
    )
    request.refresh_from_db()
    # Found after its due instant: recorded, and the reminders that came too late dropped.
    assert request.reminded_first_at is None
    assert request.reminded_last_at is None
    assert Event.objects.filter(ticket=desk["case"], kind="partner_non_responsive").count() == 1
    assert not Event.objects.filter(ticket=desk["case"], kind="documents_reminded").exists()
    notices = Notification.objects.filter(kind=Notification.Kind.DOCUMENTS_OVERDUE)
    assert notices.count() == 2
    wait_until(
        lambda: (
            OutgoingEmail.objects.filter(kind="documents_overdue").exclude(sent_at=None).exists()
        ),
        timeout=15,
        worker=worker,
        what="the overdue e-mail",
    )
    assert len(mails_to(mailbox, desk["requester"].email, "Documents overdue")) == 1


def test_two_sweeps_at_the_same_moment_act_once(start_worker, desk, mailbox):
    request = ask(
        desk,
        first=timedelta(days=2),
        last=timedelta(days=3),
        due=timedelta(milliseconds=500),
    )
    time.sleep(1)
    worker = start_worker(concurrency=2)

    first = tasks.documents_sweep.apply_async(ignore_result=False)
    second = tasks.documents_sweep.apply_async(ignore_result=False)
    try:
        outcomes = [first.get(timeout=30), second.get(timeout=30)]
    except Exception as error:
        pytest.fail(f"The sweep failed ({error!r}). The worker's log:\n{worker.output}")
    finally:
        first.forget()
        second.forget()

    assert sorted(outcome["overdue"] for outcome in outcomes) == [0, 1]
    request.refresh_from_db()
    assert request.state == DocumentRequest.State.OVERDUE
    assert Event.objects.filter(kind="partner_non_responsive").count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.DOCUMENTS_OVERDUE).count() == 2
    wait_until(
        lambda: (
            OutgoingEmail.objects.filter(ticket=desk["case"], kind__startswith="notice_")
            .exclude(sent_at=None)
            .count()
            == 2
        ),
        timeout=20,
        worker=worker,
        what="the staff notices to be e-mailed",
    )
    assert OutgoingEmail.objects.filter(kind="documents_overdue").count() == 1
