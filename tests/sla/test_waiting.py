"""A case waiting on the partner: reminded, then resolved, each once, and only while the
wait lasts; and staff stepping in with the end customer (14.5, 2026-03 terms only)."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from desk.actions.reply import Reply, message_post
from desk.actions.status import ticket_set_status
from desk.actions.waiting import end_customer_contacts, vendor_step_in, waiting_sweep
from partners.models import CaseReason, CaseType, PolicyVersion
from partners.roles import Role
from partners.services import (
    POLICY_DATA_DIR,
    PolicyDataError,
    policy_version_load,
    read_policy_file,
)
from sla import services as sla
from sla import timers
from sla.models import Clock, WaitingEpisode
from tests.factories import DeviceFactory, OrganisationFactory, StaffFactory, UserFactory
from tests.tickets.factories import TicketFactory, open_case
from tickets.models import Event, Notification, OutgoingEmail, Ticket

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
WAITING = Ticket.Status.WAITING


def rome(*parts):
    return datetime(*parts, tzinfo=ROME)


# The case starts waiting on Monday 23 November 2026 at 10:00: reminded after 5 business
# days (Mon 30 Nov 18:00), resolved 10 business days after the reminder (Mon 14 Dec
# 18:00); staff may step in after 10 business days (Mon 7 Dec 18:00).
WAIT_STARTS = rome(2026, 11, 23, 10, 0)
REMIND_AT = rome(2026, 11, 30, 18, 0)
RESOLVE_AT = rome(2026, 12, 14, 18, 0)
STEP_IN_AT = rome(2026, 12, 7, 18, 0)
SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(timers, "arm_many", lambda plan, **kw: None)


@pytest.fixture
def lead(policies):
    return StaffFactory(roles=[Role.AGENT, Role.LEAD], email="lead@vendor.test")


@pytest.fixture
def end_customer(partner):
    organisation = OrganisationFactory(
        name="Hotel Bellavista",
        end_customer=True,
        installer=partner.organisation,
        contact_email="front.desk@bellavista.test",
        contact_phone="+39 0471 555 010",
    )
    UserFactory(organisation=organisation, email="it@bellavista.test", full_name="Marta Rossi")
    return organisation


def wait(ticket, actor, at=WAIT_STARTS):
    with time_machine.travel(at, tick=False):
        ticket_set_status(ticket=ticket, actor=actor, status=WAITING)
    ticket.refresh_from_db()
    return ticket


def sweep(at):
    with time_machine.travel(at, tick=False):
        return waiting_sweep(now=at)


def end_customer_case(partner, end_customer, agent, *, policy="2026-03") -> Ticket:
    version = PolicyVersion.objects.get(code=policy)
    case_type = CaseType.objects.get(
        policy=version, code="tech_support" if policy == "2026-03" else "technical"
    )
    ticket = TicketFactory(
        organisation=partner.organisation,
        requester=partner,
        policy=version,
        case_type=case_type,
        reason=CaseReason.objects.get(case_type=case_type, code="call-quality"),
        device=DeviceFactory(organisation=end_customer),
        assignee=agent,
        created_at=WAIT_STARTS - timedelta(hours=1),
    )
    return wait(ticket, agent)


def kinds(ticket) -> list[str]:
    return list(ticket.events.values_list("kind", flat=True))


def reminder_emails(ticket):
    return OutgoingEmail.objects.filter(ticket=ticket, kind="waiting_reminder")


# --- The episode and its limits ----------------------------------------------------------


def test_a_wait_records_its_limits_from_the_case_terms(partner, agent):
    ticket = wait(open_case(partner, WAIT_STARTS - timedelta(hours=1)), agent)
    episode = WaitingEpisode.objects.get(ticket=ticket)
    assert (episode.started_at, episode.remind_at, episode.resolve_at) == (
        WAIT_STARTS,
        REMIND_AT,
        RESOLVE_AT,
    )
    assert episode.step_in_at == STEP_IN_AT  # 2026-03 terms


def test_the_limits_are_policy_data(partner, agent):
    PolicyVersion.objects.filter(code="2026-03").update(
        waiting_reminder_days=2, waiting_resolve_days=3, step_in_days=None
    )
    ticket = wait(open_case(partner, WAIT_STARTS - timedelta(hours=1)), agent)
    episode = WaitingEpisode.objects.get(ticket=ticket)
    assert episode.remind_at == rome(2026, 11, 25, 18, 0)
    assert episode.resolve_at == rome(2026, 11, 30, 18, 0)
    assert episode.step_in_at is None


def test_the_shipped_terms_have_the_limits_and_only_2026_allows_stepping_in(policies):
    limits = {
        version.code: (
            version.waiting_reminder_days,
            version.waiting_resolve_days,
            version.step_in_days,
        )
        for version in PolicyVersion.objects.all()
    }
    assert limits == {
        "2022-04": (5, 10, None),
        "2023-10": (5, 10, None),
        "2026-03": (5, 10, 10),
    }


# --- Reminder and resolution, once each -----------------------------------------------------


def test_nothing_happens_before_the_reminder_is_due(partner, agent):
    ticket = wait(open_case(partner, WAIT_STARTS - timedelta(hours=1)), agent)
    result = sweep(REMIND_AT - SECOND)
    assert (result.reminded, result.resolved) == (0, 0)
    assert "waiting_reminder" not in kinds(ticket)


def test_the_partner_is_reminded_once_then_the_case_resolved_once(partner, agent):
    ticket = wait(open_case(partner, WAIT_STARTS - timedelta(hours=1)), agent)
    ticket.assignee = agent
    ticket.save(update_fields=["assignee"])

    assert sweep(REMIND_AT).reminded == 1
    assert sweep(REMIND_AT + SECOND).reminded == 0  # a second sweep finds nothing more
    reminder = Event.objects.get(ticket=ticket, kind="waiting_reminder")
    assert reminder.public
    assert reminder_emails(ticket).count() == 1
    email = reminder_emails(ticket).get()
    assert email.to == [partner.email]
    assert "resolve it" in email.body

    # The resolution counts from the reminder; not a second earlier.
    assert sweep(RESOLVE_AT - SECOND).resolved == 0
    assert sweep(RESOLVE_AT).resolved == 1
    assert sweep(RESOLVE_AT + SECOND).resolved == 0
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED

    resolved = Event.objects.get(ticket=ticket, kind="status_changed", data__new="resolved")
    assert resolved.actor is None
    assert resolved.public
    assert "No answer from the partner" in resolved.data["note"]
    assert kinds(ticket).count("waiting_reminder") == 1
    # Every clock has stopped; none is left paused.
    assert not Clock.objects.filter(ticket=ticket, stopped_at=None).exists()
    # The partner is told why, through the outbox; the assignee gets a notice.
    told = OutgoingEmail.objects.filter(ticket=ticket, kind="status_changed", to=[partner.email])
    assert [e.subject for e in told if "resolved" in e.subject.lower()]
    assert any("no answer from you" in e.body for e in told)
    notice = Notification.objects.get(ticket=ticket, kind="waiting_resolved")
    assert notice.recipient == agent
    assert WaitingEpisode.objects.get(ticket=ticket).resolved_at == RESOLVE_AT


def test_an_unassigned_case_resolved_for_silence_tells_the_team_leads(partner, agent, lead):
    wait(open_case(partner, WAIT_STARTS - timedelta(hours=1)), agent)
    sweep(REMIND_AT)
    sweep(RESOLVE_AT)
    assert [n.recipient for n in Notification.objects.filter(kind="waiting_resolved")] == [lead]


def test_a_reply_from_the_partner_cancels_both_and_a_new_wait_starts_afresh(partner, agent):
    ticket = wait(open_case(partner, WAIT_STARTS - timedelta(hours=1)), agent)
    with time_machine.travel(rome(2026, 11, 27, 11, 0), tick=False):
        message_post(ticket=ticket, reply=Reply(author=partner, body="Logs attached."))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    sweep(RESOLVE_AT + timedelta(days=30))
    assert "waiting_reminder" not in kinds(ticket)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN

    # Waiting again on Wednesday 2 December: a new episode, counted from then.
    wait(ticket, agent, at=rome(2026, 12, 2, 15, 0))
    assert WaitingEpisode.objects.filter(ticket=ticket).count() == 2
    assert sweep(rome(2026, 12, 9, 17, 59)).reminded == 0
    assert sweep(rome(2026, 12, 9, 18, 0)).reminded == 1


def test_a_reply_after_the_reminder_cancels_the_resolution(partner, agent):
    ticket = wait(open_case(partner, WAIT_STARTS - timedelta(hours=1)), agent)
    sweep(REMIND_AT)
    with time_machine.travel(rome(2026, 12, 1, 9, 30), tick=False):
        message_post(ticket=ticket, reply=Reply(author=partner, body="Here you go."))
    assert sweep(RESOLVE_AT).resolved == 0
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN


def test_staff_resolving_it_themselves_leaves_nothing_pending(partner, agent):
    ticket = wait(open_case(partner, WAIT_STARTS - timedelta(hours=1)), agent)
    with time_machine.travel(rome(2026, 11, 24, 10), tick=False):
        ticket_set_status(ticket=ticket, actor=agent, status=Ticket.Status.RESOLVED)
    result = sweep(RESOLVE_AT)
    assert (result.reminded, result.resolved) == (0, 0)
    assert WaitingEpisode.objects.get(ticket=ticket).ended_at is not None


def test_a_case_left_waiting_without_an_episode_is_adopted_counting_from_then(partner, agent):
    """A clock paused while waiting never stays paused unnoticed: a case put in waiting
    some other way (or before the limits existed) is found by the sweep."""
    ticket = open_case(partner, WAIT_STARTS - timedelta(hours=1))
    Ticket.objects.filter(pk=ticket.pk).update(status=WAITING)
    assert sweep(WAIT_STARTS).adopted == 1
    assert sweep(WAIT_STARTS + SECOND).adopted == 0
    episode = WaitingEpisode.objects.get(ticket=ticket)
    assert (episode.started_at, episode.remind_at) == (WAIT_STARTS, REMIND_AT)


def test_a_late_reminder_still_leaves_every_day_before_the_resolution(partner, agent):
    ticket = wait(open_case(partner, WAIT_STARTS - timedelta(hours=1)), agent)
    late = rome(2026, 12, 2, 11, 0)  # the sweep was down for two days
    sweep(late)
    episode = WaitingEpisode.objects.get(ticket=ticket)
    assert episode.reminded_at == late
    assert episode.resolve_at == rome(2026, 12, 16, 18, 0)
    assert sweep(RESOLVE_AT).resolved == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_sweeps_at_once_remind_and_resolve_once(calendars, policies, partner, agent, lead):
    ticket = wait(open_case(partner, WAIT_STARTS - timedelta(hours=1)), agent)

    def race(at):
        results, barrier = [], threading.Barrier(2)

        def run():
            barrier.wait()
            try:
                results.append(waiting_sweep(now=at))
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    assert sum(r.reminded for r in race(REMIND_AT)) == 1
    assert sum(r.resolved for r in race(RESOLVE_AT)) == 1
    assert kinds(ticket).count("waiting_reminder") == 1
    assert reminder_emails(ticket).count() == 1
    assert Event.objects.filter(ticket=ticket, kind="status_changed", actor=None).count() == 1
    assert Notification.objects.filter(ticket=ticket, kind="waiting_resolved").count() == 1


# --- Stepping in (14.5) -------------------------------------------------------------------


def test_staff_may_step_in_once_the_limit_has_passed(partner, agent, end_customer):
    ticket = end_customer_case(partner, end_customer, agent)
    assert not sla.step_in_for(ticket, now=STEP_IN_AT - SECOND).allowed
    found = sla.step_in_for(ticket, now=STEP_IN_AT)
    assert found.allowed
    assert found.end_customer == end_customer
    assert [c.email for c in end_customer_contacts(end_customer)] == [
        "front.desk@bellavista.test",
        "it@bellavista.test",
    ]

    with time_machine.travel(STEP_IN_AT + timedelta(hours=16), tick=False):
        sent = vendor_step_in(
            ticket=ticket,
            actor=agent,
            recipients=["IT@bellavista.test", "someone@else.test"],
            body="Your phones lose calls; we are waiting on your installer. Call us.",
        )
    assert sent == ["it@bellavista.test"]  # only the end customer's own contacts
    event = Event.objects.get(ticket=ticket, kind="vendor_stepped_in")
    assert event.public
    assert event.actor == agent
    assert event.data["body"].startswith("Your phones lose calls")
    email = OutgoingEmail.objects.get(ticket=ticket, kind="end_customer_message")
    assert email.to == ["it@bellavista.test"]
    assert "Your phones lose calls" in email.body
    assert partner.organisation.name in email.body


def test_stepping_in_is_not_offered_under_the_2023_terms(partner, agent, end_customer):
    ticket = end_customer_case(partner, end_customer, agent, policy="2023-10")
    assert WaitingEpisode.objects.get(ticket=ticket).step_in_at is None
    much_later = RESOLVE_AT - SECOND
    assert not sla.step_in_for(ticket, now=much_later).allowed
    with time_machine.travel(much_later, tick=False), pytest.raises(PermissionDenied):
        vendor_step_in(ticket=ticket, actor=agent, recipients=["it@bellavista.test"], body="Hello")
    assert not Event.objects.filter(kind="vendor_stepped_in").exists()


def test_stepping_in_needs_an_end_customer_system_and_a_wait(partner, agent, end_customer):
    own = TicketFactory(organisation=partner.organisation, requester=partner)
    wait(own, agent)
    assert not sla.step_in_for(own, now=RESOLVE_AT - SECOND).allowed  # the partner's own PBX

    ticket = end_customer_case(partner, end_customer, agent)
    with time_machine.travel(rome(2026, 12, 1, 10), tick=False):
        message_post(ticket=ticket, reply=Reply(author=partner, body="On it."))
    ticket.refresh_from_db()
    assert not sla.step_in_for(ticket, now=RESOLVE_AT - SECOND).allowed  # no longer waiting


def test_a_partner_cannot_step_in_and_the_message_needs_words(partner, agent, end_customer):
    ticket = end_customer_case(partner, end_customer, agent)
    with time_machine.travel(STEP_IN_AT + SECOND, tick=False):
        with pytest.raises(PermissionDenied):
            vendor_step_in(
                ticket=ticket, actor=partner, recipients=["it@bellavista.test"], body="x"
            )
        with pytest.raises(ValidationError) as refused:
            vendor_step_in(ticket=ticket, actor=agent, recipients=[], body="  ")
    assert set(refused.value.message_dict) == {"recipients", "body"}


# --- Pages --------------------------------------------------------------------------------


def test_the_staff_page_offers_the_panel_and_sending_shows_on_the_partner_page(
    client, partner, agent, end_customer
):
    ticket = end_customer_case(partner, end_customer, agent)
    page = reverse("tickets:staff_case", args=[ticket.pk])
    client.force_login(agent)
    with time_machine.travel(STEP_IN_AT - SECOND, tick=False):
        assert 'id="step-in"' not in client.get(page).content.decode()
    with time_machine.travel(STEP_IN_AT + timedelta(hours=15), tick=False):
        html = client.get(page).content.decode()
        assert 'id="step-in"' in html
        assert "front.desk@bellavista.test" in html
        assert "+39 0471 555 010" in html

        url = reverse("tickets:staff_case_step_in", args=[ticket.pk])
        refused = client.post(
            url, {"step_in-recipients": ["it@bellavista.test"], "step_in-body": ""}
        )
        assert refused.status_code == 400
        assert "Write the message to the end customer." in refused.content.decode()

        response = client.post(
            url,
            {
                "step_in-recipients": ["it@bellavista.test"],
                "step_in-body": "Please call us about SD.",
            },
        )
        assert response.status_code == 302
    assert Event.objects.filter(ticket=ticket, kind="vendor_stepped_in").count() == 1

    client.force_login(partner)
    partner_page = client.get(reverse("tickets:case_detail", args=[ticket.pk])).content.decode()
    assert "wrote to Hotel Bellavista directly" in partner_page
    assert "Please call us about SD." in partner_page


def test_posting_a_step_in_on_2023_terms_is_refused(client, partner, agent, end_customer):
    ticket = end_customer_case(partner, end_customer, agent, policy="2023-10")
    client.force_login(agent)
    url = reverse("tickets:staff_case_step_in", args=[ticket.pk])
    with time_machine.travel(RESOLVE_AT - timedelta(days=1), tick=False):
        html = client.get(reverse("tickets:staff_case", args=[ticket.pk])).content.decode()
        assert 'id="step-in"' not in html
        response = client.post(
            url, {"step_in-recipients": ["it@bellavista.test"], "step_in-body": "Hello"}
        )
    assert response.status_code == 403
    assert not OutgoingEmail.objects.filter(kind="end_customer_message").exists()


def test_the_partner_page_shows_the_reminder(client, partner, agent):
    ticket = wait(open_case(partner, WAIT_STARTS - timedelta(hours=1)), agent)
    sweep(REMIND_AT)
    client.force_login(partner)
    html = client.get(reverse("tickets:case_detail", args=[ticket.pk])).content.decode()
    assert "Reminder sent after 5 business days without an answer" in html


def test_the_end_customer_reads_the_message_and_no_one_else_does(
    client, partner, agent, end_customer
):
    ticket = end_customer_case(partner, end_customer, agent)
    with time_machine.travel(STEP_IN_AT + SECOND, tick=False):
        vendor_step_in(
            ticket=ticket,
            actor=agent,
            recipients=["it@bellavista.test"],
            body="Please call us about your phones.",
        )
    page = reverse("tickets:support_messages")
    client.force_login(end_customer.members.get())
    # Their list of cases points them to what support wrote.
    assert page in client.get(reverse("tickets:my_cases")).content.decode()
    html = client.get(page).content.decode()
    assert "Please call us about your phones." in html
    assert ticket.number in html
    # The exchange between the vendor and the partner is not shown to the end customer.
    assert ticket.description not in html

    client.force_login(UserFactory())  # another partner's member
    assert "Please call us" not in client.get(page).content.decode()
    assert page not in client.get(reverse("tickets:my_cases")).content.decode()
    email = OutgoingEmail.objects.get(ticket=ticket, kind="end_customer_message")
    assert page in email.body


def test_a_policy_file_whose_step_in_comes_after_the_resolution_is_refused(policies):
    data = read_policy_file(POLICY_DATA_DIR / "2026-03.toml")
    data["waiting_on_partner"] = {"reminder_days": 5, "resolve_days": 10, "step_in_days": 15}
    with pytest.raises(PolicyDataError, match="step_in_days"):
        policy_version_load(data=data, update=True)
    data["waiting_on_partner"] = {"reminder_days": 0, "resolve_days": 10}
    with pytest.raises(PolicyDataError, match="whole business days"):
        policy_version_load(data=data, update=True)
