"""Due and breach times read the same way on every page, notice and e-mail, each in the
reader's own zone: the staff case page, the queue, the NOC board, the partner's case page,
the inbox and the e-mail copies of notices."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from partners.roles import Role
from sla import services as sla
from sla.models import Clock
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.partners.pages import Page
from tests.tickets.factories import TicketFactory, open_case
from tickets.models import Notification, OutgoingEmail, Ticket
from tickets.services import email_send

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"


def rome(*parts) -> datetime:
    return datetime(*parts, tzinfo=ROME)


# A Standard Tech Support case opened on Thursday 3 December 2026 at 10:00 in Rome: due at
# the close of that working day, 18:00, and breached when support hours opened on Friday.
OPENED = rome(2026, 12, 3, 10, 0)
BREACH_SWEEP = rome(2026, 12, 4, 9, 1)
READ = rome(2026, 12, 4, 11, 0)

BERLIN_SEES = "due Thu 18:00 CET · breached Fri 09:00 CET"
NEW_YORK_SEES = "due Thu 12:00 EST · breached Fri 03:00 EST"


@pytest.fixture
def leads(policies):
    """Two team leads (every breach reaches them), one in Berlin and one in New York."""
    return {
        BERLIN: StaffFactory(roles=[Role.AGENT, Role.LEAD], time_zone=BERLIN),
        NEW_YORK: StaffFactory(roles=[Role.AGENT, Role.LEAD], time_zone=NEW_YORK),
    }


@pytest.fixture
def estonian(policies):
    """A partner user in Estonia, on the EU support calendar, with no zone of their own."""
    organisation = OrganisationFactory(region="eu", country="EE")
    return UserFactory(organisation=organisation, time_zone="")


def breached_case(requester, opened=OPENED) -> Ticket:
    ticket = open_case(requester, opened)
    clock = Clock.objects.get(ticket=ticket, metric=Clock.Metric.FIRST_RESPONSE)
    sweep = clock.breach_at + (BREACH_SWEEP - rome(2026, 12, 4, 9, 0))
    with time_machine.travel(sweep, tick=False):
        assert sla.clock_breach(clock_id=clock.pk, now=timezone.now())
    return ticket


def page_text(client, user, url, at=READ) -> str:
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return Page(response).text()


def due_cell(client, user, ticket, at=READ) -> str:
    """The "Due" cell of the first-response row on the staff case page."""
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        html = client.get(reverse("tickets:staff_case", args=[ticket.pk])).content.decode()
    row = re.search(r'<tr class="clock[^"]*" data-metric="first_response">(.*?)</tr>', html, re.S)
    cell = re.search(r'<td data-label="Due">(.*?)</td>', row.group(1), re.S).group(1)
    target = re.search(r"<small[^>]*>(.*?)</small>", row.group(1), re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split()), " ".join(target.split())


@pytest.mark.parametrize(
    ("zone", "expected"),
    [(BERLIN, f"{BERLIN_SEES}, 2 h ago"), (NEW_YORK, f"{NEW_YORK_SEES}, 2 h ago")],
)
def test_the_staff_case_page_gives_due_and_breach_in_the_readers_zone(
    client, leads, estonian, zone, expected
):
    ticket = breached_case(estonian)

    due, target = due_cell(client, leads[zone], ticket)

    assert due == expected
    assert target == "same working day, EU support hours"  # not "8 h"


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        # Rome and Berlin leave summer time on the last Sunday of October (25 Oct 2026)...
        (BERLIN, "due Fri 18:00 CEST · breached Mon 09:00 CET, 2 h ago"),
        # ...New York only a week later.
        (NEW_YORK, "due Fri 12:00 EDT · breached Mon 04:00 EDT, 2 h ago"),
    ],
)
def test_across_the_last_sunday_of_october(client, leads, estonian, zone, expected):
    ticket = breached_case(estonian, opened=rome(2026, 10, 23, 10, 0))

    due, _target = due_cell(client, leads[zone], ticket, at=rome(2026, 10, 26, 11, 0))

    assert due == expected


def test_the_queue_words_the_due_and_breach_times_the_same_way(client, leads, estonian):
    ticket = breached_case(estonian)

    text = page_text(client, leads[BERLIN], reverse("tickets:queue"))

    assert f"{ticket.number}" in text
    assert "breached 2 h ago" in text  # the live countdown...
    assert BERLIN_SEES in text  # ...and the times it counts from


def test_the_noc_board_words_them_in_the_engineers_zone(client, leads, estonian):
    ticket = breached_case(estonian)
    engineer = StaffFactory(roles=[Role.NOC], time_zone=NEW_YORK)

    text = page_text(client, engineer, reverse("sla:noc_board"))

    assert ticket.subject in text
    assert NEW_YORK_SEES in text


def test_the_partner_reads_them_in_the_zone_of_their_country(client, leads, estonian):
    ticket = breached_case(estonian)

    text = page_text(client, estonian, reverse("tickets:case_detail", args=[ticket.pk]))

    # Tallinn time, though the case runs on Rome's support hours.
    assert "First response due Thu 19:00 EET · breached Fri 10:00 EET, 2 h ago" in text


def test_breach_notices_and_their_emails_give_each_recipient_their_own_zone(
    client, leads, estonian
):
    ticket = breached_case(estonian)

    notices = {
        notice.recipient.time_zone: notice.body
        for notice in Notification.objects.filter(ticket=ticket).select_related("recipient")
    }
    assert notices[BERLIN].endswith(f"\nDue {BERLIN_SEES[4:]}.")
    assert notices[NEW_YORK].endswith(f"\nDue {NEW_YORK_SEES[4:]}.")
    assert f"Due {BERLIN_SEES[4:]}." in page_text(client, leads[BERLIN], reverse("tickets:inbox"))

    for email in OutgoingEmail.objects.filter(ticket=ticket, kind__startswith="notice_"):
        email_send(email_id=email.pk, now=timezone.now())
    sent = {message.to[0]: message for message in mail.outbox}
    for zone, wording in ((BERLIN, BERLIN_SEES), (NEW_YORK, NEW_YORK_SEES)):
        message = sent[leads[zone].email]
        assert f"Due {wording[4:]}." in message.body
        html = message.alternatives[0][0]
        assert f"Due {wording[4:]}." in html


def test_a_critical_case_with_no_clock_running_stays_with_the_critical_cases(client, leads):
    critical_running = TicketFactory(cos=Ticket.ClassOfService.CRITICAL)
    critical_stopped = TicketFactory(cos=Ticket.ClassOfService.CRITICAL)  # answered: no clock
    standard_breached = TicketFactory()
    standard_quiet = TicketFactory()
    now = timezone.now()
    for ticket, minutes in ((critical_running, 30), (standard_breached, -10)):
        Ticket.objects.filter(pk=ticket.pk).update(
            next_breach_at=now + timezone.timedelta(minutes=minutes)
        )
    client.force_login(leads[BERLIN])

    response = client.get(reverse("tickets:queue"), {"ordering": "cos"})
    html = response.content.decode()
    listed = [int(pk) for pk in re.findall(r'href="/staff/cases/(\d+)/(?:\?from=[^"]*)?"', html)]

    assert listed.index(critical_running.pk) < listed.index(critical_stopped.pk)
    assert listed.index(critical_stopped.pk) < listed.index(standard_breached.pk)
    assert listed.index(standard_breached.pk) < listed.index(standard_quiet.pk)
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*?/staff/cases/{critical_stopped.pk}/", html, re.S)
    assert "queue-row--critical" in row.group(0)
