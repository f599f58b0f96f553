"""SLA clocks through the case services: started with the case, paused while waiting on the
partner, stopped by what answers them, recomputed on a class-of-service change, and the two
timed transitions (warning, breach) acting once however often they are triggered."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction

from desk.actions.reply import Reply, message_post
from desk.actions.status import ticket_change_cos, ticket_set_status
from partners.roles import Role
from sla import services as sla
from sla import timers
from sla.models import Clock
from sla.tasks import warn_clock
from supportdesk.celery import app as celery_app
from tests.factories import StaffFactory
from tests.tickets.factories import open_case
from tickets import services
from tickets.models import Notification, OutgoingEmail, Ticket
from tickets.services.outbox import QUICK_TRIES
from tickets.tasks import deliver_email, deliver_pending_emails

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
FIRST, TRIAGE, RESTORATION = (
    Clock.Metric.FIRST_RESPONSE,
    Clock.Metric.OUT_OF_HOURS_TRIAGE,
    Clock.Metric.RESTORATION,
)


def rome(*parts):
    return datetime(*parts, tzinfo=ROME)


@pytest.fixture
def lead(policies):
    return StaffFactory(roles=[Role.AGENT, Role.LEAD])


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Timers are queued on commit; here they are only recorded."""
    queued = []
    monkeypatch.setattr(timers, "arm_many", lambda plan, **kw: queued.extend(plan))
    return queued


def clock(ticket, metric=FIRST) -> Clock:
    return Clock.objects.get(ticket=ticket, metric=metric)


def kinds(ticket) -> list[str]:
    return list(ticket.events.values_list("kind", flat=True))


# --- Starting ------------------------------------------------------------------------------


def test_a_standard_case_is_due_by_the_close_of_its_working_day(partner):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0))

    first = clock(ticket)
    assert first.state == Clock.State.RUNNING
    assert first.due_at == rome(2026, 11, 24, 18, 0)
    assert first.breach_at == rome(2026, 11, 25, 9, 0)
    assert first.warn_at == rome(2026, 11, 24, 16, 0)  # 75 % of the eight hours left that day
    ticket.refresh_from_db()
    assert ticket.next_breach_at == first.breach_at
    assert ticket.clocks.count() == 1


def test_the_warning_point_is_configurable(partner, settings):
    settings.SLA_WARNING_PERCENT = 50
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0))
    assert clock(ticket).warn_at == rome(2026, 11, 24, 14, 0)


def test_a_critical_case_out_of_hours_gets_a_triage_clock_and_the_noc_hears_at_once(
    partner, noc, agent, django_capture_on_commit_callbacks
):
    saturday_night = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=False):
        ticket = open_case(partner, saturday_night, critical_criterion="call_drops")

    assert clock(ticket, TRIAGE).due_at == saturday_night + timedelta(minutes=30)
    assert clock(ticket, TRIAGE).calendar == "24x7"
    assert clock(ticket).due_at == rome(2026, 11, 30, 9, 30)  # 30 business minutes
    notice = Notification.objects.get(ticket=ticket)
    assert (notice.recipient, notice.kind) == (noc, Notification.Kind.OUT_OF_HOURS)
    ticket.refresh_from_db()
    assert ticket.next_breach_at == saturday_night + timedelta(minutes=30)


def test_a_critical_case_in_hours_has_no_triage_clock(partner, noc):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0), critical_criterion="call_drops")
    assert list(ticket.clocks.values_list("metric", flat=True)) == [FIRST]
    assert clock(ticket).due_at == rome(2026, 11, 24, 10, 30)
    assert not Notification.objects.exists()


def test_timers_are_queued_once_the_case_is_committed(
    partner, no_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = open_case(partner, rome(2026, 11, 24, 10, 0))
        assert no_broker == []
    for callback in callbacks:
        callback()
    first = clock(ticket)
    assert (first.pk, first.warn_at, first.breach_at) in no_broker


# --- Stopping ------------------------------------------------------------------------------


def test_a_reply_in_the_evening_to_a_case_due_at_closing_is_on_time(partner, agent):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0))
    with time_machine.travel(rome(2026, 11, 24, 20, 0), tick=False):
        message_post(ticket=ticket, reply=Reply(author=agent, body="Looking into it."))

    first = clock(ticket)
    assert (first.state, first.stopped_at) == (Clock.State.MET, rome(2026, 11, 24, 20, 0))
    ticket.refresh_from_db()
    assert ticket.next_breach_at is None


def test_a_reply_the_next_morning_is_late(partner, agent):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0))
    with time_machine.travel(rome(2026, 11, 25, 9, 30), tick=False):
        message_post(ticket=ticket, reply=Reply(author=agent, body="Sorry for the wait."))

    first = clock(ticket)
    assert first.state == Clock.State.BREACHED
    assert first.breached_at == rome(2026, 11, 25, 9, 0)
    assert "sla_stopped" in kinds(ticket)


def test_internal_notes_and_partner_replies_do_not_stop_the_first_response(partner, agent):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0))
    with time_machine.travel(rome(2026, 11, 24, 11, 0), tick=False):
        message_post(ticket=ticket, reply=Reply(author=agent, body="Checking.", internal=True))
        message_post(ticket=ticket, reply=Reply(author=partner, body="Any news?"))
    assert clock(ticket).stopped_at is None


def test_resolving_stops_every_clock_still_counting(partner, agent):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0))
    with time_machine.travel(rome(2026, 11, 24, 11, 0), tick=False):
        ticket_set_status(ticket=ticket, actor=agent, status="resolved")
    assert clock(ticket).state == Clock.State.MET
    ticket.refresh_from_db()
    assert ticket.next_breach_at is None


# --- Restoration: pausing while waiting on the partner -----------------------------------


def test_restoration_pauses_while_waiting_and_resumes_with_the_time_left(partner, agent):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0), reason="classound-outage")
    restoration = clock(ticket, RESTORATION)
    assert restoration.due_at == rome(2026, 11, 24, 14, 0)  # four hours around the clock

    with time_machine.travel(rome(2026, 11, 24, 11, 0), tick=False):
        message_post(ticket=ticket, reply=Reply(author=agent, body="Can you test a call now?"))
        ticket_set_status(ticket=ticket, actor=agent, status="waiting_on_partner")
    assert clock(ticket, RESTORATION).state == Clock.State.PAUSED
    assert clock(ticket).state == Clock.State.MET  # first response never pauses

    with time_machine.travel(rome(2026, 11, 24, 13, 30), tick=False):
        message_post(ticket=ticket, reply=Reply(author=partner, body="Still no audio."))
    resumed = clock(ticket, RESTORATION)
    assert resumed.state == Clock.State.RUNNING
    assert resumed.paused_for == timedelta(hours=2, minutes=30)
    assert resumed.due_at == rome(2026, 11, 24, 16, 30)
    ticket.refresh_from_db()
    assert ticket.next_breach_at == resumed.breach_at
    assert [kind for kind in kinds(ticket) if kind in ("sla_paused", "sla_resumed")] == [
        "sla_paused",
        "sla_resumed",
    ]


def test_first_response_keeps_counting_while_waiting_on_the_partner(partner, agent):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0))
    with time_machine.travel(rome(2026, 11, 24, 11, 0), tick=False):
        ticket_set_status(ticket=ticket, actor=agent, status="waiting_on_partner")
    assert clock(ticket).state == Clock.State.RUNNING


def test_marking_the_service_restored_stops_the_restoration_clock(partner, agent):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0), reason="classound-outage")
    sla.service_mark_restored(
        ticket=ticket, actor=agent, note="Trunk re-registered.", at=rome(2026, 11, 24, 13, 0)
    )
    restoration = clock(ticket, RESTORATION)
    assert (restoration.state, restoration.stopped_at) == (
        Clock.State.MET,
        rome(2026, 11, 24, 13, 0),
    )
    assert ticket.events.get(kind="service_restored").data["note"] == "Trunk re-registered."
    with pytest.raises(ValidationError):
        sla.service_mark_restored(ticket=ticket, actor=agent, at=rome(2026, 11, 24, 13, 5))


def test_restoration_after_four_hours_is_breached(partner, agent):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0), reason="classound-outage")
    sla.service_mark_restored(ticket=ticket, actor=agent, at=rome(2026, 11, 24, 14, 1))
    assert clock(ticket, RESTORATION).state == Clock.State.BREACHED


# --- Class of service ----------------------------------------------------------------------


def test_raising_to_critical_recomputes_from_creation(partner, agent):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0))
    with time_machine.travel(rome(2026, 11, 24, 10, 10), tick=False):
        ticket_change_cos(ticket=ticket, actor=agent, cos="critical", reason="All sites")
    first = clock(ticket)
    assert first.due_at == rome(2026, 11, 24, 10, 30)
    recomputed = ticket.events.get(kind="sla_recomputed")
    assert recomputed.data["changes"][0]["new_due"] == "2026-11-24T09:30:00+00:00"
    assert not ticket.clocks.filter(metric=TRIAGE).exists()  # support hours are open


def test_downgrading_after_a_late_critical_reply_turns_it_into_a_met_standard_one(partner, agent):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0), critical_criterion="call_drops")
    with time_machine.travel(rome(2026, 11, 24, 11, 0), tick=False):
        message_post(ticket=ticket, reply=Reply(author=agent, body="On it."))
    assert clock(ticket).state == Clock.State.BREACHED

    with time_machine.travel(rome(2026, 11, 24, 11, 5), tick=False):
        ticket_change_cos(ticket=ticket, actor=agent, cos="standard", reason="One user")
    first = clock(ticket)
    assert (first.state, first.breached_at) == (Clock.State.MET, None)
    assert first.due_at == rome(2026, 11, 24, 18, 0)


def test_a_breach_undone_by_a_downgrade_runs_again(partner, agent):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0), critical_criterion="call_drops")
    sla.clock_breach(clock_id=clock(ticket).pk, now=rome(2026, 11, 24, 10, 31))
    with time_machine.travel(rome(2026, 11, 24, 10, 40), tick=False):
        ticket_change_cos(ticket=ticket, actor=agent, cos="standard", reason="One user")
    first = clock(ticket)
    assert (first.state, first.breached_at) == (Clock.State.RUNNING, None)
    ticket.refresh_from_db()
    assert ticket.next_breach_at == rome(2026, 11, 25, 9, 0)


def test_the_noc_decision_on_an_out_of_hours_case_stops_its_triage_clock(partner, noc):
    saturday_night = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    ticket = open_case(partner, saturday_night, critical_criterion="call_drops")
    with time_machine.travel(saturday_night + timedelta(minutes=12), tick=False):
        ticket_change_cos(ticket=ticket, actor=noc, cos="critical", reason="Confirmed")
    triage = clock(ticket, TRIAGE)
    assert (triage.state, triage.stopped_at) == (
        Clock.State.MET,
        saturday_night + timedelta(minutes=12),
    )
    assert clock(ticket).stopped_at is None  # the first response still waits for the agents


def test_raised_to_critical_out_of_hours_by_an_agent_starts_triage(partner, agent, noc):
    friday_evening = rome(2026, 11, 27, 17, 0)
    ticket = open_case(partner, friday_evening)
    with time_machine.travel(rome(2026, 11, 27, 19, 0), tick=False):
        ticket_change_cos(ticket=ticket, actor=agent, cos="critical", reason="Outage")
    triage = clock(ticket, TRIAGE)
    assert triage.started_at == rome(2026, 11, 27, 19, 0)
    assert triage.due_at == rome(2026, 11, 27, 19, 30)
    assert Notification.objects.filter(recipient=noc, kind="out_of_hours").count() == 1


def test_raised_to_critical_out_of_hours_by_the_noc_needs_no_triage(partner, noc):
    ticket = open_case(partner, rome(2026, 11, 27, 17, 0))
    with time_machine.travel(rome(2026, 11, 27, 19, 0), tick=False):
        ticket_change_cos(ticket=ticket, actor=noc, cos="critical", reason="Outage")
    assert not ticket.clocks.filter(metric=TRIAGE).exists()


# --- Warning and breach --------------------------------------------------------------------


def test_the_warning_goes_to_the_assignee_once(partner, agent):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0))
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    first = clock(ticket)

    assert not sla.clock_warn(clock_id=first.pk, now=rome(2026, 11, 24, 15, 59))
    assert sla.clock_warn(clock_id=first.pk, now=rome(2026, 11, 24, 16, 0))
    assert not sla.clock_warn(clock_id=first.pk, now=rome(2026, 11, 24, 16, 1))

    assert kinds(ticket).count("sla_warning") == 1
    notice = Notification.objects.get()
    assert (notice.recipient, notice.kind) == (agent, Notification.Kind.SLA_WARNING)


def test_the_warning_on_an_unassigned_case_goes_to_the_agents(partner, agent):
    other_agent = StaffFactory(roles=[Role.AGENT])
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0))
    sla.clock_warn(clock_id=clock(ticket).pk, now=rome(2026, 11, 24, 16, 0))
    assert set(Notification.objects.values_list("recipient", flat=True)) == {
        agent.pk,
        other_agent.pk,
    }


def test_a_warning_that_runs_only_after_the_breach_instant_is_dropped(partner, agent):
    """A worker that was down runs the warning late: the case is already past its breach
    instant, so no warning is recorded, noticed or mailed; the breach will tell."""
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0))
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    first = clock(ticket)

    with time_machine.travel(first.breach_at + timedelta(minutes=5), tick=False):
        assert warn_clock(first.pk) is False
    assert not sla.clock_warn(clock_id=first.pk, now=first.breach_at)

    first.refresh_from_db()
    assert (first.state, first.warned_at) == (Clock.State.RUNNING, None)
    assert "sla_warning" not in kinds(ticket)
    assert not Notification.objects.exists()
    assert not OutgoingEmail.objects.filter(kind__startswith="notice_").exists()


def test_a_warning_on_a_clock_already_breached_is_dropped(partner, agent, lead):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0))
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    first = clock(ticket)
    assert sla.clock_breach(clock_id=first.pk, now=first.breach_at + timedelta(seconds=1))

    assert not sla.clock_warn(clock_id=first.pk, now=first.warn_at)

    assert "sla_warning" not in kinds(ticket)
    assert set(Notification.objects.values_list("kind", flat=True)) == {
        Notification.Kind.SLA_BREACH
    }


def test_a_breach_is_recorded_once_and_escalates_to_assignee_lead_and_noc(
    partner, agent, lead, noc
):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0), critical_criterion="call_drops")
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    first = clock(ticket)

    assert not sla.clock_breach(clock_id=first.pk, now=first.breach_at)  # not past it yet
    assert sla.clock_breach(clock_id=first.pk, now=first.breach_at + timedelta(seconds=1))
    assert not sla.clock_breach(clock_id=first.pk, now=first.breach_at + timedelta(seconds=2))

    first.refresh_from_db()
    assert (first.state, first.breached_at) == (Clock.State.BREACHED, first.breach_at)
    assert kinds(ticket).count("sla_breached") == 1
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    assert recipients == {agent.pk, lead.pk, noc.pk}
    ticket.refresh_from_db()
    assert ticket.next_breach_at == first.breach_at  # still waiting: it stays at the top


def test_a_standard_breach_does_not_wake_the_noc(partner, lead, noc):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0))
    sla.clock_breach(clock_id=clock(ticket).pk, now=rome(2026, 11, 25, 9, 1))
    assert set(Notification.objects.values_list("recipient", flat=True)) == {lead.pk}


def test_a_paused_or_stopped_clock_never_breaches(partner, agent):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0), reason="classound-outage")
    with time_machine.travel(rome(2026, 11, 24, 11, 0), tick=False):
        ticket_set_status(ticket=ticket, actor=agent, status="waiting_on_partner")
    assert not sla.clock_breach(clock_id=clock(ticket, RESTORATION).pk, now=rome(2026, 11, 30))


# --- The sweep -----------------------------------------------------------------------------


def test_the_sweep_acts_on_every_due_clock_once_breaches_first(partner, lead, no_broker):
    late = open_case(partner, rome(2026, 11, 23, 10, 0))  # breached on Tuesday 09:00
    warned = open_case(partner, rome(2026, 11, 24, 10, 0))  # warning due 16:00
    soon = open_case(partner, rome(2026, 11, 24, 15, 30), critical_criterion="call_drops")
    now = rome(2026, 11, 24, 16, 0, 30)
    no_broker.clear()

    result = sla.sla_sweep(now=now, lookahead=timedelta(minutes=1))
    again = sla.sla_sweep(now=now + timedelta(seconds=1), lookahead=timedelta(minutes=1))

    assert (result.breached, result.warned) == (2, 1)
    assert (again.breached, again.warned) == (0, 0)
    assert clock(late).state == Clock.State.BREACHED
    assert clock(warned).warned_at == now
    assert clock(soon).breach_at == rome(2026, 11, 24, 16, 0)
    assert clock(soon).state == Clock.State.BREACHED
    # Found after their breach: no stale warning on top.
    assert clock(late).warned_at is None
    assert clock(soon).warned_at is None


def test_the_sweep_never_warns_at_the_breach_instant_and_ends_on_a_batch_of_such_clocks(
    partner, lead, no_broker, monkeypatch
):
    cases = [open_case(partner, rome(2026, 11, 24, 10, 0)) for _ in range(3)]
    breach_at = clock(cases[0]).breach_at
    Clock.objects.filter(ticket__in=cases).update(breach_at=breach_at)
    monkeypatch.setattr("sla.selectors.SWEEP_BATCH", 2)

    at_breach = sla.sla_sweep(now=breach_at, lookahead=timedelta(minutes=1))
    after = sla.sla_sweep(now=breach_at + timedelta(seconds=1), lookahead=timedelta(minutes=1))

    assert (at_breach.breached, at_breach.warned) == (0, 0)
    assert (after.breached, after.warned) == (3, 0)
    assert not Clock.objects.filter(ticket__in=cases, warned_at__isnull=False).exists()


def test_the_sweep_queues_precise_timers_for_what_falls_due_before_it_runs_again(
    partner, no_broker
):
    ticket = open_case(partner, rome(2026, 11, 24, 10, 0), critical_criterion="call_drops")
    no_broker.clear()
    result = sla.sla_sweep(now=rome(2026, 11, 24, 10, 29, 30), lookahead=timedelta(minutes=1))
    first = clock(ticket)
    assert result.armed == 1
    assert no_broker == [(first.pk, first.warn_at, first.breach_at)]


# --- Outbox --------------------------------------------------------------------------------


class MailServerDown(EmailBackend):
    """The locmem backend behind a mail server that refuses connections while ``down``."""

    down = False

    def send_messages(self, messages):
        if MailServerDown.down:
            raise ConnectionRefusedError(111, "Connection refused")
        return super().send_messages(messages)


def notice_emails(ticket):
    return OutgoingEmail.objects.filter(ticket=ticket, kind__startswith="notice_")


def breach(ticket, on_commit) -> Notification:
    with on_commit(execute=True):
        assert sla.clock_breach(clock_id=clock(ticket).pk, now=rome(2026, 11, 24, 9, 1))
    return Notification.objects.get(ticket=ticket)


def test_a_notice_is_emailed_once_however_often_delivery_runs(
    partner, lead, eager_celery, django_capture_on_commit_callbacks
):
    ticket = open_case(partner, rome(2026, 11, 23, 10, 0))

    notice = breach(ticket, django_capture_on_commit_callbacks)
    (email,) = notice_emails(ticket)
    assert deliver_email.delay(email.pk).get() is False  # a redelivered task
    assert email.pk not in services.emails_due(now=datetime.now(UTC) + timedelta(days=1))

    (sent,) = mail.outbox
    assert sent.to == [lead.email]
    assert notice.title.startswith(ticket.number)  # the in-app notice names the case
    assert sent.subject == f"[{ticket.number}] {notice.title.removeprefix(ticket.number).strip()}"
    assert notice.body.endswith(" UTC.")
    assert notice.body in sent.body
    email.refresh_from_db()
    assert (email.kind, email.attempts) == ("notice_sla_breach", 1)
    assert email.sent_at is not None


def test_a_notice_and_its_email_are_written_together_or_not_at_all(partner, lead):
    ticket = open_case(partner, rome(2026, 11, 23, 10, 0))

    def breach_and_fail():
        with transaction.atomic():
            sla.clock_breach(clock_id=clock(ticket).pk, now=rome(2026, 11, 24, 9, 1))
            assert notice_emails(ticket).count() == Notification.objects.count() == 1
            raise RuntimeError

    with pytest.raises(RuntimeError):
        breach_and_fail()

    assert not Notification.objects.exists()
    assert not notice_emails(ticket).exists()


def test_a_notice_email_the_mail_server_refused_is_sent_later_once(
    partner, lead, eager_celery, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"
    MailServerDown.down = True
    celery_app.conf.task_eager_propagates = False  # let the eager retries run (restored)
    ticket = open_case(partner, rome(2026, 11, 23, 10, 0))

    with time_machine.travel(datetime.now(UTC), tick=False) as travel:
        breach(ticket, django_capture_on_commit_callbacks)
        (email,) = notice_emails(ticket)
        assert (email.sent_at, email.attempts) == (None, QUICK_TRIES)
        assert "Connection refused" in email.last_error
        assert mail.outbox == []

        MailServerDown.down = False
        travel.shift(email.next_attempt_at - datetime.now(UTC))
        assert deliver_pending_emails.delay().get() >= 1
        assert deliver_pending_emails.delay().get() == 0

    sent = [m for m in mail.outbox if m.to == [lead.email]]
    assert len(sent) == 1
    assert sent[0].subject.startswith(f"[{ticket.number}] ")


def test_a_notice_email_being_sent_is_not_taken_by_a_second_worker(partner, lead):
    ticket = open_case(partner, rome(2026, 11, 23, 10, 0))
    sla.clock_breach(clock_id=clock(ticket).pk, now=rome(2026, 11, 24, 9, 1))
    (email,) = notice_emails(ticket)
    now = datetime.now(UTC)
    OutgoingEmail.objects.filter(pk=email.pk).update(claimed_until=now + timedelta(minutes=5))
    assert not services.email_send(email_id=email.pk, now=now)
    assert mail.outbox == []
    assert ticket.cos == Ticket.ClassOfService.STANDARD
