"""The NOC board through its pages: what each section lists, the self-refreshing fragment,
the wall screen, the out-of-hours triage (confirm Critical or downgrade to Standard, always
with a reason) and the review of monitoring alerts that matched no PBX, which only NOC
engineers and admins may use.

Cases are opened through the case service at pinned instants, so the clocks are real:
Saturday 28 November 2026, 03:00 UTC, is outside support hours in both regions.
"""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desk.actions import monitoring_alert as alerts
from desk.actions.status import ticket_set_status
from partners.roles import Role
from sla import services as sla_services
from sla.models import Clock, MonitoringAlert
from tests.factories import DeviceFactory, OrganisationFactory, StaffFactory, UserFactory
from tests.tickets.factories import ticket_create
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

BOARD = reverse("sla:noc_board")
SECTIONS = reverse("sla:noc_board_sections")
ROME = ZoneInfo("Europe/Rome")
SATURDAY_NIGHT = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
TEN_MINUTES_LATER = SATURDAY_NIGHT + timedelta(minutes=10)
TRIAGE, FIRST = Clock.Metric.OUT_OF_HOURS_TRIAGE, Clock.Metric.FIRST_RESPONSE
HTMX = {"HTTP_HX_REQUEST": "true"}


def rome(*parts):
    return datetime(*parts, tzinfo=ROME)


@pytest.fixture
def partner(policies):
    organisation = OrganisationFactory(name="Dolomiti Telecom S.r.l.", region="eu", tier="gold")
    return UserFactory(organisation=organisation)


@pytest.fixture
def noc(noc, client):
    client.force_login(noc)
    return noc


def open_case(partner, at, *, critical=True, subject="Every outgoing call drops"):
    with time_machine.travel(at, tick=False):
        ticket, _ = ticket_create(
            requester=partner,
            case_type="tech_support",
            reason="call-quality",
            subject=subject,
            description="Outgoing calls drop after 30 seconds at every site.",
            device=DeviceFactory(organisation=partner.organisation),
            wms_version="7.02.1",
            firmware_versions="DP-40 1.9.0",
            critical_criterion=Ticket.CriticalCriterion.CALL_DROPS if critical else "",
            reproduced_with_other_operator=True if critical else None,
        )
    return ticket


def section(html: str, key: str) -> str:
    found = re.search(
        rf'<section class="card noc-section noc-section--{key}".*?</section>', html, re.S
    )
    assert found, f"no {key} section on the page"
    return found.group(0)


def numbers(html: str, key: str) -> list[str]:
    return re.findall(r">(SD-\d{6})</a>", section(html, key))


def heading(html: str, key: str) -> str:
    found = re.search(r"<h2[^>]*>(.*?)</h2>", section(html, key), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def flash(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


def board_at(client, at, url=BOARD, **extra):
    with time_machine.travel(at, tick=False):
        return client.get(url, **extra)


def triage(client, ticket, *, at=TEN_MINUTES_LATER, htmx=False, **data):
    with time_machine.travel(at, tick=False):
        return client.post(
            reverse("sla:noc_triage", args=[ticket.pk]), data, **(HTMX if htmx else {})
        )


# --- What the board lists ----------------------------------------------------------------


@pytest.fixture
def cases(partner):
    """One case for each thing the board tells apart, seen from Saturday 03:10 UTC."""
    out_of_hours = open_case(partner, SATURDAY_NIGHT, subject="Out of hours critical")
    standard_tonight = open_case(partner, SATURDAY_NIGHT, critical=False, subject="Standard")
    # Critical in hours on Tuesday: no triage, and its 30 minutes ran out long ago.
    late_critical = open_case(partner, rome(2026, 11, 24, 10, 0), subject="Late critical")
    # Standard on Friday morning: due Friday 18:00, warned at 16:00, breaches Monday 09:00.
    at_risk = open_case(partner, rome(2026, 11, 27, 10, 0), critical=False, subject="At risk")
    resolved = open_case(partner, SATURDAY_NIGHT, subject="Already resolved")
    agent = StaffFactory(roles=[Role.AGENT])
    with time_machine.travel(SATURDAY_NIGHT + timedelta(minutes=5), tick=False):
        ticket_set_status(ticket=resolved, actor=agent, status="resolved")
    return {
        "out_of_hours": out_of_hours,
        "standard_tonight": standard_tonight,
        "late_critical": late_critical,
        "at_risk": at_risk,
        "resolved": resolved,
    }


def test_each_section_lists_its_cases_and_no_others(noc, client, cases):
    response = board_at(client, TEN_MINUTES_LATER)
    assert response.status_code == 200
    html = response.content.decode()

    # A Standard case opened out of hours is investigated too (16.8): its hour runs after
    # the Critical claim's 30 minutes.
    assert numbers(html, "triage") == [
        cases["out_of_hours"].number,
        cases["standard_tonight"].number,
    ]
    assert numbers(html, "critical") == [
        cases["late_critical"].number,  # the nearest breach first: it passed on Tuesday
        cases["out_of_hours"].number,
    ]
    assert numbers(html, "breached") == [cases["late_critical"].number]
    assert numbers(html, "at-risk") == [cases["at_risk"].number]
    assert cases["resolved"].number not in html
    assert cases["standard_tonight"].number not in section(html, "critical")

    assert heading(html, "triage") == "Awaiting out-of-hours triage (2)"
    assert heading(html, "critical") == "Open Critical cases (2)"
    assert heading(html, "breached") == "Breached, still waiting (1)"
    assert heading(html, "at-risk") == "At risk (1)"


def test_rows_show_organisation_subject_clock_due_time_and_a_live_countdown(noc, client, cases):
    noc.time_zone = "Europe/Rome"
    noc.save(update_fields=["time_zone"])
    html = board_at(client, TEN_MINUTES_LATER).content.decode()

    triage_rows = section(html, "triage")
    ticket = cases["out_of_hours"]
    assert reverse("tickets:staff_case", args=[ticket.pk]) in triage_rows
    assert "Dolomiti Telecom S.r.l." in triage_rows
    assert "Out of hours critical" in triage_rows
    # Due 03:30 UTC, shown in the viewer's zone; the countdown counts to the same instant.
    assert "due Sat 04:30 CET" in triage_rows
    assert 'data-countdown="2026-11-28T03:30:00+00:00"' in triage_rows
    assert "20 min 00 s left" in triage_rows

    breached = section(html, "breached")
    assert "First response" in breached
    assert "due Tue 10:30 CET · breached Tue 10:30 CET" in breached
    assert "breached 3 d 17 h ago" in breached

    at_risk = section(html, "at-risk")
    # Due Friday evening: the breach waits for support hours to open on Monday.
    assert "due Fri 18:00 CET · breaches Mon 09:00 CET" in at_risk
    assert 'data-countdown="2026-11-30T08:00:00+00:00"' in at_risk


def test_a_breached_triage_clock_counts_up_in_the_triage_section(noc, client, cases):
    html = board_at(client, SATURDAY_NIGHT + timedelta(minutes=35)).content.decode()
    assert "breached 5 min 00 s ago" in section(html, "triage")
    assert cases["out_of_hours"].number not in section(html, "breached")  # shown once


def test_an_empty_board_says_so(noc, client):
    html = client.get(BOARD).content.decode()
    assert "No case is waiting for triage." in html
    assert "No open Critical case." in html
    assert heading(html, "triage") == "Awaiting out-of-hours triage (0)"


def test_the_page_polls_a_fragment_that_returns_the_sections(noc, client, cases):
    page = board_at(client, TEN_MINUTES_LATER).content.decode()
    assert 'hx-get="/noc/sections/"' in page
    assert 'hx-trigger="every 15s"' in page
    assert "js/countdown.js" in page

    fragment = board_at(client, TEN_MINUTES_LATER, SECTIONS, **HTMX)
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html
    assert html.strip().startswith('<div id="noc-sections"')
    assert numbers(html, "triage") == [
        cases["out_of_hours"].number,
        cases["standard_tonight"].number,
    ]
    assert numbers(html, "at-risk") == [cases["at_risk"].number]


def test_the_wall_screen_has_no_navigation_and_no_forms(noc, client, cases):
    html = board_at(client, TEN_MINUTES_LATER, BOARD + "?wall=1").content.decode()
    assert '<body class="wall"' in html
    assert 'aria-label="Main"' not in html
    assert "Log out" not in html
    assert "Confirm Critical" not in html
    assert numbers(html, "triage") == [
        cases["out_of_hours"].number,
        cases["standard_tonight"].number,
    ]
    # It keeps polling in wall mode.
    assert 'hx-get="/noc/sections/?wall=1"' in html
    assert "Leave wall screen" in html


def test_lists_are_bounded_and_headings_count_everything(noc, client, partner, monkeypatch):
    from sla import board

    monkeypatch.setattr(board, "SECTION_LIMIT", 2)
    for minute in range(3):
        open_case(partner, SATURDAY_NIGHT + timedelta(minutes=minute))
    html = board_at(client, TEN_MINUTES_LATER).content.decode()
    assert len(numbers(html, "triage")) == 2
    assert heading(html, "triage") == "Awaiting out-of-hours triage (3)"
    assert "Showing the 2 most urgent of 3." in section(html, "triage")


MAX_BOARD_QUERIES = 10  # session, user, roles; five lists and the prefetch of clocks


def test_query_count_does_not_grow_with_the_rows(
    noc, client, partner, django_assert_max_num_queries
):
    def fill(count, offset):
        for n in range(count):
            minute = offset + n
            open_case(partner, SATURDAY_NIGHT + timedelta(minutes=minute), subject=f"Night {n}")
            open_case(partner, rome(2026, 11, 24, 10, minute), subject=f"Late {n}")
            open_case(partner, rome(2026, 11, 27, 10, minute), critical=False, subject=f"Risk {n}")

    fill(1, 0)
    receive_alert(serial="PBX-UNKNOWN-0")
    with CaptureQueriesContext(connection) as few:
        html = board_at(client, SATURDAY_NIGHT + timedelta(minutes=20)).content.decode()
    assert len(numbers(html, "triage")) == 1

    fill(6, 1)
    for n in range(1, 7):
        receive_alert(serial=f"PBX-UNKNOWN-{n}")
    with (
        django_assert_max_num_queries(MAX_BOARD_QUERIES),
        CaptureQueriesContext(connection) as many,
    ):
        html = board_at(client, SATURDAY_NIGHT + timedelta(minutes=20)).content.decode()
    assert len(numbers(html, "triage")) == 7
    assert len(numbers(html, "breached")) == 7
    assert len(numbers(html, "at-risk")) == 7
    assert len(numbers(html, "critical")) == 14
    assert heading(html, "alerts") == "Monitoring alerts to review (7)"
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Triage ------------------------------------------------------------------------------


def test_confirming_critical_stops_the_triage_clock_and_records_it(noc, client, partner):
    ticket = open_case(partner, SATURDAY_NIGHT)

    response = triage(client, ticket, decision="critical", reason="Every site is down.")

    assert response.status_code == 302
    assert response["Location"] == BOARD
    assert flash(response) == f"{ticket.number} confirmed as Critical."
    clock = Clock.objects.get(ticket=ticket, metric=TRIAGE)
    assert clock.state == Clock.State.MET
    assert clock.stopped_at == TEN_MINUTES_LATER
    ticket.refresh_from_db()
    assert (ticket.cos, ticket.cos_confirmed) == ("critical", True)
    event = ticket.events.get(kind="cos_changed")
    assert event.actor == noc
    assert event.data["reason"] == "Every site is down."
    # It leaves the triage section and stays among the open Critical cases.
    html = board_at(client, TEN_MINUTES_LATER).content.decode()
    assert ticket.number not in section(html, "triage")
    assert numbers(html, "critical") == [ticket.number]
    # And the case page's timeline says so.
    case_page = board_at(client, TEN_MINUTES_LATER, reverse("tickets:staff_case", args=[ticket.pk]))
    assert "Class of service confirmed as Critical" in case_page.content.decode()


def test_downgrading_needs_a_reason_and_recomputes_the_first_response(noc, client, partner):
    ticket = open_case(partner, SATURDAY_NIGHT)
    first = Clock.objects.get(ticket=ticket, metric=FIRST)
    assert first.due_at == rome(2026, 11, 30, 9, 30)  # Critical: 30 business minutes

    refused = triage(client, ticket, decision="standard", reason="   ")
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Give a reason: it goes on the case&#x27;s timeline." in section(html, "triage")
    ticket.refresh_from_db()
    assert ticket.cos == "critical"
    assert Clock.objects.get(ticket=ticket, metric=TRIAGE).stopped_at is None
    assert not ticket.events.filter(kind="cos_changed").exists()

    response = triage(client, ticket, decision="standard", reason="One handset only.")
    assert response.status_code == 302
    assert "downgraded to Standard" in flash(response)
    ticket.refresh_from_db()
    assert ticket.cos == "standard"
    first.refresh_from_db()
    assert first.due_at == rome(2026, 11, 30, 18, 0)  # Standard: the close of Monday
    assert Clock.objects.get(ticket=ticket, metric=TRIAGE).state == Clock.State.MET
    html = board_at(client, TEN_MINUTES_LATER).content.decode()
    for key in ("triage", "critical", "breached", "at-risk"):
        assert ticket.number not in numbers(html, key)


def test_a_refused_triage_keeps_what_was_typed(noc, client, partner):
    ticket = open_case(partner, SATURDAY_NIGHT)
    response = triage(client, ticket, reason="Calls drop across the whole site")
    html = section(response.content.decode(), "triage")
    assert "Choose Confirm Critical, or Standard (downgrade or leave it)." in html
    assert ">Calls drop across the whole site</textarea>" in html
    assert not ticket.events.filter(kind="cos_changed").exists()


def test_with_htmx_the_answer_is_the_refreshed_sections(noc, client, partner):
    ticket = open_case(partner, SATURDAY_NIGHT)
    other = open_case(partner, SATURDAY_NIGHT + timedelta(minutes=1), subject="Another site")

    refused = triage(client, ticket, decision="critical", reason="", htmx=True)
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "<html" not in html
    assert f'id="triage-{ticket.pk}-reason"' in html
    assert 'aria-invalid="true"' in section(html, "triage")
    assert "Give a reason" in html

    done = triage(client, ticket, decision="critical", reason="Whole site down.", htmx=True)
    assert done.status_code == 200
    html = done.content.decode()
    assert "<html" not in html
    assert f"{ticket.number} confirmed as Critical." in html
    assert numbers(html, "triage") == [other.number]


def test_a_case_triaged_already_is_not_decided_twice(noc, client, partner):
    ticket = open_case(partner, SATURDAY_NIGHT)
    triage(client, ticket, decision="critical", reason="Whole site down.")
    again = triage(client, ticket, decision="standard", reason="Second thoughts.")
    assert again.status_code == 302
    assert "no longer awaiting triage" in flash(again)
    ticket.refresh_from_db()
    assert ticket.cos == "critical"
    assert ticket.events.filter(kind="cos_changed").count() == 1


def test_agents_and_partners_may_not_use_the_board_or_triage(client, partner):
    ticket = open_case(partner, SATURDAY_NIGHT)
    for user in (StaffFactory(roles=[Role.AGENT]), partner, StaffFactory(roles=[Role.BILLING])):
        client.force_login(user)
        assert client.get(BOARD).status_code == 403
        assert client.get(SECTIONS).status_code == 403
        refused = triage(client, ticket, decision="standard", reason="Not critical.")
        assert refused.status_code == 403
    ticket.refresh_from_db()
    assert ticket.cos == "critical"
    assert Clock.objects.get(ticket=ticket, metric=TRIAGE).stopped_at is None


def test_anonymous_visitors_are_sent_to_log_in(client, policies):
    response = client.get(BOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_admins_may_triage(client, partner):
    ticket = open_case(partner, SATURDAY_NIGHT)
    client.force_login(StaffFactory(roles=[Role.ADMIN]))
    assert client.get(BOARD).status_code == 200
    assert triage(client, ticket, decision="critical", reason="Confirmed.").status_code == 302
    assert Clock.objects.get(ticket=ticket, metric=TRIAGE).state == Clock.State.MET


def test_a_missing_case_is_not_found(noc, client):
    response = client.post(reverse("sla:noc_triage", args=[999999]), {"decision": "critical"})
    assert response.status_code == 404


# --- Monitoring alerts to review ---------------------------------------------------------

REVIEWED = reverse("sla:noc_alert_reviewed")


def receive_alert(
    *, serial, summary="PBX does not answer SIP OPTIONS", severity="critical", at=SATURDAY_NIGHT
):
    """An alert as a monitoring system posts it, received at ``at``."""
    return alerts.alert_receive(
        received_by=StaffFactory(roles=[Role.INTEGRATION]),
        source="zabbix",
        pbx_serial=serial,
        severity=severity,
        summary=summary,
        fingerprint=f"sip-options-{serial}",
        occurred_at=at - timedelta(minutes=1),
        now=at,
    ).alert


def alert_summaries(html: str) -> list[str]:
    return re.findall(
        r'<td data-label="Summary" class="noc-subject">(.*?)</td>', section(html, "alerts")
    )


def mark_reviewed(client, *alert_ids, at=TEN_MINUTES_LATER, htmx=False):
    with time_machine.travel(at, tick=False):
        return client.post(REVIEWED, {"alert": list(alert_ids)}, **(HTMX if htmx else {}))


@pytest.fixture
def alerts_of_each_kind(partner):
    """One alert for each outcome; only the two unmatched ones wait for the NOC."""
    DeviceFactory(organisation=partner.organisation, serial_number="PBX-EU-0001")
    opened = receive_alert(serial="PBX-EU-0001", summary="Opened a case")
    appended = alerts.alert_receive(
        received_by=StaffFactory(roles=[Role.INTEGRATION]),
        source="zabbix",
        pbx_serial="PBX-EU-0001",
        severity="critical",
        summary="Joined the case",
        fingerprint="sip-options-PBX-EU-0001",
        occurred_at=SATURDAY_NIGHT + timedelta(minutes=2),
        now=SATURDAY_NIGHT + timedelta(minutes=3),
    ).alert
    older = receive_alert(serial="PBX-XX-0404", summary="Older unknown PBX", severity="minor")
    newer = receive_alert(
        serial="PBX-XX-0500", summary="Newer unknown PBX", at=SATURDAY_NIGHT + timedelta(minutes=4)
    )
    repeat = receive_alert(serial="PBX-XX-0404", summary="Older unknown PBX", severity="minor")
    reviewed = receive_alert(serial="PBX-XX-0999", summary="Reviewed already")
    sla_services.alerts_mark_reviewed(alert_ids=[reviewed.pk], actor=StaffFactory(roles=[Role.NOC]))
    outcomes = MonitoringAlert.Outcome
    assert [a.outcome for a in (opened, appended, older, newer, repeat)] == [
        outcomes.OPENED,
        outcomes.APPENDED,
        outcomes.UNMATCHED,
        outcomes.UNMATCHED,
        outcomes.DUPLICATE,
    ]
    return {"older": older, "newer": newer}


def test_the_alert_section_lists_unmatched_alerts_only_newest_first(
    noc, client, alerts_of_each_kind
):
    noc.time_zone = "Europe/Rome"
    noc.save(update_fields=["time_zone"])
    html = board_at(client, TEN_MINUTES_LATER).content.decode()

    assert heading(html, "alerts") == "Monitoring alerts to review (2)"
    assert alert_summaries(html) == ["Newer unknown PBX", "Older unknown PBX"]
    alert_rows = section(html, "alerts")
    older = re.search(
        rf'<tr id="alert-{alerts_of_each_kind["older"].pk}".*?</tr>', alert_rows, re.S
    )
    row = " ".join(re.sub(r"<[^>]+>", " ", older.group(0)).split())
    # Received Saturday 03:00 UTC, shown in the viewer's zone.
    assert row.startswith("28 Nov, 04:00 CET zabbix Minor PBX-XX-0404 Older unknown PBX")
    assert "Mark reviewed" in row
    assert alert_rows.count('name="alert"') == 4  # one per row, and both in "Mark all reviewed"
    assert "Mark all reviewed" in alert_rows


def test_an_empty_alert_section_says_so(noc, client):
    html = client.get(BOARD).content.decode()
    assert heading(html, "alerts") == "Monitoring alerts to review (0)"
    assert "No monitoring alert is waiting for review." in section(html, "alerts")


def test_marking_an_alert_reviewed_records_who_and_when_and_removes_it(
    noc, client, alerts_of_each_kind
):
    older, newer = alerts_of_each_kind["older"], alerts_of_each_kind["newer"]

    response = mark_reviewed(client, older.pk)

    assert response.status_code == 302
    assert response["Location"] == BOARD
    assert flash(response) == "Alert marked reviewed."
    older.refresh_from_db()
    assert older.outcome == MonitoringAlert.Outcome.REVIEWED
    assert (older.reviewed_by, older.reviewed_at) == (noc, TEN_MINUTES_LATER)
    newer.refresh_from_db()
    assert newer.outcome == MonitoringAlert.Outcome.UNMATCHED
    html = board_at(client, TEN_MINUTES_LATER).content.decode()
    assert alert_summaries(html) == ["Newer unknown PBX"]

    again = mark_reviewed(client, older.pk, at=TEN_MINUTES_LATER + timedelta(minutes=5))
    assert "no longer waiting for review" in flash(again)
    older.refresh_from_db()
    assert older.reviewed_at == TEN_MINUTES_LATER


def test_with_htmx_marking_all_answers_with_the_refreshed_sections(
    noc, client, alerts_of_each_kind
):
    listed = [alerts_of_each_kind["newer"].pk, alerts_of_each_kind["older"].pk]
    # Arrives after the engineer loaded the board: not among the ones marked.
    later = receive_alert(serial="PBX-XX-0600", summary="Arrived since", at=TEN_MINUTES_LATER)

    response = mark_reviewed(client, *listed, htmx=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "2 alerts marked reviewed." in html
    assert alert_summaries(html) == ["Arrived since"]
    assert set(
        MonitoringAlert.objects.filter(pk__in=listed).values_list("outcome", "reviewed_by")
    ) == {(MonitoringAlert.Outcome.REVIEWED, noc.pk)}
    later.refresh_from_db()
    assert later.outcome == MonitoringAlert.Outcome.UNMATCHED


def test_the_wall_screen_lists_alerts_without_buttons(noc, client, alerts_of_each_kind):
    html = board_at(client, TEN_MINUTES_LATER, BOARD + "?wall=1").content.decode()
    assert alert_summaries(html) == ["Newer unknown PBX", "Older unknown PBX"]
    assert "Mark reviewed" not in html
    assert "Mark all reviewed" not in html
    assert REVIEWED not in html


def test_agents_and_partners_may_not_mark_alerts_reviewed(client, partner, alerts_of_each_kind):
    older = alerts_of_each_kind["older"]
    for user in (StaffFactory(roles=[Role.AGENT]), partner, StaffFactory(roles=[Role.BILLING])):
        client.force_login(user)
        assert mark_reviewed(client, older.pk).status_code == 403
        assert mark_reviewed(client, older.pk, htmx=True).status_code == 403
    older.refresh_from_db()
    assert older.outcome == MonitoringAlert.Outcome.UNMATCHED
    assert older.reviewed_by is None


def test_admins_may_mark_alerts_reviewed(client, alerts_of_each_kind):
    admin = StaffFactory(roles=[Role.ADMIN])
    client.force_login(admin)
    assert mark_reviewed(client, alerts_of_each_kind["older"].pk).status_code == 302
    assert MonitoringAlert.objects.get(pk=alerts_of_each_kind["older"].pk).reviewed_by == admin


def test_marking_nothing_changes_nothing(noc, client, alerts_of_each_kind):
    response = mark_reviewed(client)
    assert "No alert was chosen" in flash(response)
    assert client.get(REVIEWED).status_code == 405
    assert MonitoringAlert.objects.filter(outcome=MonitoringAlert.Outcome.UNMATCHED).count() == 2
