"""Every new technical case opened while support hours are closed is looked at by the NOC
(16.8): an internal investigation clock (60 minutes, around the clock, per policy version)
that the NOC ends by confirming Critical or leaving the case Standard, with a reason. A
partner-claimed Critical keeps its 30-minute triage clock instead.

Support hours in Rome close on Friday 27 November 2026 at 18:00 (17:00 UTC)."""

import json
import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse

from partners.models import ResponseTarget
from partners.roles import Role
from sla import services as sla
from sla import timers
from sla.models import Clock
from tests.factories import StaffFactory
from tests.tickets.factories import open_case
from tickets.models import Event, Notification, Ticket

pytestmark = pytest.mark.django_db

INVESTIGATION = Clock.Metric.OUT_OF_HOURS_INVESTIGATION
TRIAGE = Clock.Metric.OUT_OF_HOURS_TRIAGE
FIRST = Clock.Metric.FIRST_RESPONSE
FRIDAY_CLOSE = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # 18:00 in Rome
SATURDAY_NIGHT = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
TUESDAY_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 10:00 in Rome
CHRISTMAS_MORNING = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)  # a Friday, 10:00 in Rome
BOARD = reverse("sla:noc_board")
HARDWARE = {"reason": "devices", "category": "hardware-fault"}


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Timers are queued on commit; here they are only recorded."""
    monkeypatch.setattr(timers, "arm_many", lambda plan, **kw: None)


@pytest.fixture
def lead(policies):
    return StaffFactory(roles=[Role.AGENT, Role.LEAD])


def metrics(ticket) -> set[str]:
    return set(ticket.clocks.values_list("metric", flat=True))


def investigation(ticket) -> Clock:
    return Clock.objects.get(ticket=ticket, metric=INVESTIGATION)


# --- When the clock starts ---------------------------------------------------------------


def test_one_second_before_closing_there_is_no_investigation(partner):
    ticket = open_case(partner, FRIDAY_CLOSE - timedelta(seconds=1))
    assert metrics(ticket) == {FIRST}


@pytest.mark.parametrize("after", [timedelta(0), timedelta(seconds=1)], ids=["at", "1s-after"])
def test_from_the_closing_instant_the_noc_investigates_within_an_hour(partner, noc, after):
    opened = FRIDAY_CLOSE + after
    ticket = open_case(partner, opened)

    clock = investigation(ticket)
    assert metrics(ticket) == {FIRST, INVESTIGATION}
    assert (clock.calendar, clock.target) == ("24x7", timedelta(minutes=60))
    assert clock.due_at == opened + timedelta(minutes=60)
    assert clock.breach_at == clock.due_at
    # Nobody is paged for a Standard case: it waits on the board.
    assert not Notification.objects.exists()
    ticket.refresh_from_db()
    assert ticket.next_breach_at == clock.breach_at


def test_a_public_holiday_is_outside_support_hours(partner):
    call_command("refresh_holidays", verbosity=0)
    ticket = open_case(partner, CHRISTMAS_MORNING)
    assert investigation(ticket).due_at == CHRISTMAS_MORNING + timedelta(minutes=60)


def test_a_partner_claimed_critical_keeps_its_thirty_minute_triage_instead(partner, noc):
    ticket = open_case(partner, SATURDAY_NIGHT, critical_criterion="call_drops")
    assert metrics(ticket) == {FIRST, TRIAGE}
    assert Clock.objects.get(ticket=ticket, metric=TRIAGE).due_at == SATURDAY_NIGHT + timedelta(
        minutes=30
    )
    assert Notification.objects.get().kind == Notification.Kind.OUT_OF_HOURS


def test_only_technical_cases_are_investigated(partner):
    ticket = open_case(
        partner,
        SATURDAY_NIGHT,
        case_type="customer_care",
        reason="billing",
        wms_version="",
        firmware_versions="",
    )
    assert INVESTIGATION not in metrics(ticket)


def test_older_versions_investigate_their_technical_cases_too(partner):
    saturday_2024 = datetime(2024, 5, 4, 3, 0, tzinfo=UTC)
    ticket = open_case(partner, saturday_2024, case_type="technical")
    assert ticket.policy.code == "2023-10"
    assert investigation(ticket).target == timedelta(minutes=60)


def test_the_target_is_set_per_policy_version(partner):
    ResponseTarget.objects.filter(policy__code="2026-03", metric=INVESTIGATION).update(
        target=timedelta(minutes=20)
    )
    ticket = open_case(partner, SATURDAY_NIGHT)
    assert investigation(ticket).due_at == SATURDAY_NIGHT + timedelta(minutes=20)


def test_an_excluded_case_is_investigated_but_nobody_is_paged(partner, noc, lead):
    ticket = open_case(partner, SATURDAY_NIGHT, **HARDWARE)
    clock = investigation(ticket)
    sla.sla_sweep(now=clock.breach_at + timedelta(seconds=1), lookahead=timedelta(minutes=1))
    assert not Notification.objects.filter(recipient=noc).exists()
    assert Notification.objects.filter(recipient=lead, kind="sla_breach").exists()


# --- Warning and breach, on the sweep the workers run --------------------------------------


def test_the_investigation_warns_the_noc_and_its_breach_escalates(partner, noc, lead):
    ticket = open_case(partner, SATURDAY_NIGHT)
    clock = investigation(ticket)
    assert clock.warn_at == SATURDAY_NIGHT + timedelta(minutes=45)

    warned = sla.sla_sweep(now=clock.warn_at, lookahead=timedelta(minutes=1))
    assert warned.warned == 1
    warning = Notification.objects.get(kind=Notification.Kind.SLA_WARNING)
    assert warning.recipient == noc
    assert "Out-of-hours investigation due soon" in warning.title

    breached = sla.sla_sweep(
        now=clock.breach_at + timedelta(seconds=1), lookahead=timedelta(minutes=1)
    )
    assert breached.breached == 1
    escalated = set(
        Notification.objects.filter(kind=Notification.Kind.SLA_BREACH).values_list(
            "recipient", flat=True
        )
    )
    assert escalated == {noc.pk, lead.pk}
    clock.refresh_from_db()
    assert clock.state == Clock.State.BREACHED
    assert Event.objects.filter(ticket=ticket, kind="sla_breached").count() == 1


# --- The NOC board and its decision --------------------------------------------------------


def triage_section(html: str) -> str:
    found = re.search(
        r'<section class="card noc-section noc-section--triage".*?</section>', html, re.S
    )
    assert found
    return found.group(0)


def test_the_board_lists_the_out_of_hours_standard_case_not_a_daytime_one(client, partner, noc):
    tonight = open_case(partner, SATURDAY_NIGHT, subject="Voicemail greeting lost")
    daytime = open_case(partner, TUESDAY_MORNING, subject="Daytime question")
    client.force_login(noc)
    with time_machine.travel(SATURDAY_NIGHT + timedelta(minutes=10), tick=False):
        html = client.get(BOARD).content.decode()

    rows = triage_section(html)
    assert tonight.number in rows
    assert "New Standard case: investigate" in rows
    assert "Leave Standard" in rows
    assert daytime.number not in rows


def decide(client, ticket, at, **data):
    with time_machine.travel(at, tick=False):
        return client.post(reverse("sla:noc_triage", args=[ticket.pk]), data)


def test_leaving_it_standard_ends_the_investigation_on_the_timeline(client, partner, noc):
    ticket = open_case(partner, SATURDAY_NIGHT)
    client.force_login(noc)
    decided = SATURDAY_NIGHT + timedelta(minutes=25)

    response = decide(client, ticket, decided, decision="standard", reason="One phone only.")

    assert response.status_code == 302
    flash = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert f"{ticket.number} left as Standard" in flash
    clock = investigation(ticket)
    assert (clock.state, clock.stopped_at) == (Clock.State.MET, decided)
    ticket.refresh_from_db()
    assert (ticket.cos, ticket.cos_confirmed) == (Ticket.ClassOfService.STANDARD, True)
    stopped = Event.objects.get(ticket=ticket, kind="sla_stopped")
    assert (stopped.data["metric"], stopped.data["met"]) == (INVESTIGATION, True)
    assert Event.objects.get(ticket=ticket, kind="cos_changed").data["reason"] == (
        "One phone only."
    )
    with time_machine.travel(decided, tick=False):
        assert ticket.number not in triage_section(client.get(BOARD).content.decode())


def test_confirming_critical_ends_it_and_starts_the_critical_response(client, partner, noc):
    ticket = open_case(partner, SATURDAY_NIGHT)
    client.force_login(noc)
    late = SATURDAY_NIGHT + timedelta(minutes=70)

    response = decide(client, ticket, late, decision="critical", reason="Whole site down.")

    assert response.status_code == 302
    clock = investigation(ticket)
    assert (clock.state, clock.stopped_at) == (Clock.State.BREACHED, late)  # past its hour
    ticket.refresh_from_db()
    assert ticket.cos == Ticket.ClassOfService.CRITICAL
    first = Clock.objects.get(ticket=ticket, metric=FIRST)
    assert first.target == timedelta(minutes=30)
    assert not ticket.clocks.filter(metric=TRIAGE).exists()  # the NOC decided: triaged


def test_the_noc_confirms_an_excluded_case_only_with_an_override(client, partner, noc):
    ticket = open_case(partner, SATURDAY_NIGHT, **HARDWARE)
    client.force_login(noc)
    with time_machine.travel(SATURDAY_NIGHT + timedelta(minutes=5), tick=False):
        rows = triage_section(client.get(BOARD).content.decode())
    assert "Not covered by extended support" in rows
    assert 'name="override_reason"' in rows

    at = SATURDAY_NIGHT + timedelta(minutes=10)
    refused = decide(client, ticket, at, decision="critical", reason="Site down.")
    assert refused.status_code == 200
    assert "give the reason for the exception" in refused.content.decode()
    assert investigation(ticket).stopped_at is None

    confirmed = decide(
        client,
        ticket,
        at,
        decision="critical",
        reason="Site down.",
        override_reason="Only PBX of a hospital.",
    )
    assert confirmed.status_code == 302
    assert Event.objects.filter(ticket=ticket, kind="critical_override").count() == 1
    assert investigation(ticket).stopped_at == at


# --- The deadline command ------------------------------------------------------------------


def deadlines(*args) -> dict:
    out = StringIO()
    call_command("sla_deadline", *args, "--json", stdout=out)
    return {d["metric"]: d for d in json.loads(out.getvalue())["targets"]}


def test_sla_deadline_lists_the_investigation_when_it_applies(policies):
    closed = deadlines(
        "--region", "eu", "--type", "tech_support", "--cos", "standard",
        "--at", "2026-11-27T18:00:01+01:00",
    )  # fmt: skip
    assert closed[INVESTIGATION] | {"due": None, "breach_at": None} == {
        "metric": INVESTIGATION,
        "calendar": "24x7",
        "target_minutes": 60,
        "due": None,
        "breach_at": None,
        "pauses_while_waiting": False,
    }
    due = datetime.fromisoformat(closed[INVESTIGATION]["due"])
    assert due == datetime(2026, 11, 27, 18, 0, 1, tzinfo=UTC)  # 19:00:01 in Rome

    open_ = deadlines(
        "--region", "eu", "--type", "tech_support", "--cos", "standard",
        "--at", "2026-11-27T17:59:59+01:00",
    )  # fmt: skip
    assert INVESTIGATION not in open_

    critical = deadlines(
        "--region", "eu", "--type", "tech_support", "--cos", "critical",
        "--at", "2026-11-27T18:00:01+01:00",
    )  # fmt: skip
    assert set(critical) == {FIRST, TRIAGE}


def test_sla_deadline_text_names_the_metric(policies):
    out = StringIO()
    call_command(
        "sla_deadline", "--region", "us", "--type", "tech_support", "--cos", "standard",
        "--at", "2026-11-28T10:00-05:00", stdout=out,
    )  # fmt: skip
    assert "out_of_hours_investigation" in out.getvalue()
    assert "60 business minutes" in out.getvalue()
