"""The notification inbox of staff, through its pages: only one's own notices, newest first,
unread ones marked, marking read one at a time or all at once, the unread figure in the
header, pages without counting, and who may open it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.roles import Role
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.partners.pages import Page
from tests.tickets.factories import TicketFactory, ticket_create
from tickets import notifications, services
from tickets.models import Notification

pytestmark = pytest.mark.django_db

INBOX = reverse("tickets:inbox")
READ = reverse("tickets:inbox_mark_read")
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def agent(agent, client):
    client.force_login(agent)
    return agent


def notice(recipient, title: str, *, minutes: int = 0, ticket=None, kind="sla_warning"):
    """A notice written the way the SLA services write them, ``minutes`` after START."""
    with time_machine.travel(START + timedelta(minutes=minutes), tick=False):
        (row,) = notifications.notify(
            [recipient],
            kind=kind,
            ticket=ticket or TicketFactory(),
            title=title,
            body="First response due soon.",
        )
    return row


def listed(response) -> list[tuple[str, bool]]:
    """(title, unread) of each notice on the page, top to bottom."""
    assert response.status_code == 200
    items = re.findall(
        r'<li class="inbox__item( inbox__item--unread)?"[^>]*>(.*?)</li>',
        response.content.decode(),
        re.S,
    )
    found = []
    for unread, html in items:
        title = re.search(r'<p class="inbox__title">(.*?)</p>', html, re.S).group(1)
        found.append((" ".join(re.sub(r"<[^>]+>", " ", title).split()), bool(unread)))
    return found


def badge(response) -> str | None:
    """The unread figure in the header, or None when the header shows none."""
    html = response.content.decode()
    link = re.search(r'<a href="/inbox/" class="usermenu__inbox"[^>]*>(.*?)</a>', html, re.S)
    assert link is not None, "no link to the inbox in the header"
    figure = re.search(r'data-unread="([^"]+)"', link.group(1))
    return figure.group(1) if figure else None


def flash(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_the_inbox_lists_only_my_notices_newest_first(agent, client):
    colleague = StaffFactory(roles=[Role.AGENT])
    ticket = TicketFactory()
    notice(agent, "SD-1 first response due soon", minutes=0)
    notice(colleague, "Someone else's notice", minutes=5)
    notice(agent, "SD-2 first response breached", minutes=10, ticket=ticket, kind="sla_breach")
    read = notice(agent, "SD-3 already seen", minutes=20)
    services.notifications_mark_read(user=agent, ids=[read.pk])

    with time_machine.travel(START + timedelta(days=10), tick=False):
        response = client.get(INBOX)

    assert listed(response) == [
        ("SD-3 already seen", False),
        ("SD-2 first response breached", True),
        ("SD-1 first response due soon", True),
    ]
    text = Page(response).text()
    # More than a week ago, this year: the date without the year.
    assert "Unread SLA breach Wed 25 Nov, 09:10 UTC" in text
    assert "Read SLA warning Wed 25 Nov, 09:20 UTC" in text
    assert f'href="{reverse("tickets:staff_case", args=[ticket.pk])}"' in response.content.decode()


def test_mark_one_read_then_all(agent, client):
    first = notice(agent, "One", minutes=0)
    second = notice(agent, "Two", minutes=1)
    third = notice(agent, "Three", minutes=2)
    theirs = notice(StaffFactory(roles=[Role.AGENT]), "Theirs", minutes=3)

    response = client.post(READ, {"id": second.pk, "return_query": "show=unread"})

    assert response.status_code == 302
    assert response["Location"] == INBOX + "?show=unread"
    assert listed(client.get(response["Location"])) == [("Three", True), ("One", True)]

    client.post(READ, {"id": theirs.pk})  # somebody else's: left alone
    theirs.refresh_from_db()
    assert theirs.read_at is None

    response = client.post(READ, {"all": "1"})
    assert "2 notifications marked read." in flash(response)
    assert listed(client.get(INBOX)) == [("Three", False), ("Two", False), ("One", False)]
    assert Notification.objects.filter(pk__in=[first.pk, third.pk], read_at=None).count() == 0
    assert "Nothing unread." in Page(client.get(INBOX, {"show": "unread"})).text()


def test_marking_read_needs_a_notice_and_a_post(agent, client):
    notice(agent, "One")

    assert client.get(READ).status_code == 405
    response = client.post(READ, {"id": "not a number", "return_query": "https://evil.test/"})
    assert "Choose a notification to mark read." in flash(response)
    assert response["Location"].startswith(INBOX)
    assert Notification.objects.filter(read_at=None).count() == 1


def test_the_header_shows_the_unread_figure_for_staff(agent, client):
    assert badge(client.get(INBOX)) is None

    notice(agent, "One")
    notice(agent, "Two")
    notice(StaffFactory(roles=[Role.AGENT]), "Theirs")
    response = client.get(reverse("tickets:queue"))
    assert badge(response) == "2"
    assert "Notifications 2 unread" in Page(response).text()

    client.post(READ, {"all": "1"})
    assert badge(client.get(reverse("tickets:queue"))) is None


def test_the_header_figure_stops_at_99(agent, client):
    ticket = TicketFactory()
    for n in range(100):
        notifications.notify([agent], kind="sla_warning", ticket=ticket, title=f"Notice {n}")

    assert badge(client.get(INBOX)) == "99+"


def test_an_out_of_hours_critical_case_reaches_the_noc_inbox(policies, client):
    noc = StaffFactory(roles=[Role.NOC])
    partner = UserFactory(organisation=OrganisationFactory(region="eu"))
    saturday_night = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    ticket, _ = ticket_create(
        requester=partner,
        case_type="tech_support",
        reason="call-quality",
        subject="No calls at all",
        description="Nothing rings.",
        wms_version="7.02",
        firmware_versions="1.9.0",
        critical_criterion="call_drops",
        reproduced_with_other_operator=True,
        now=saturday_night,
    )
    client.force_login(noc)

    response = client.get(INBOX)

    ((title, unread),) = listed(response)
    assert ticket.number in title
    assert unread
    assert f'href="{reverse("tickets:staff_case", args=[ticket.pk])}"' in response.content.decode()
    assert badge(response) == "1"


def test_pages_go_forward_without_counting(agent, client):
    for n in range(30):
        notice(agent, f"Notice {n:02}", minutes=n)

    with CaptureQueriesContext(connection) as queries:
        first = client.get(INBOX)

    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert [title for title, _ in listed(first)] == [f"Notice {n:02}" for n in range(29, 4, -1)]
    (next_link,) = Page(first).find_all("a", rel="next")
    second = client.get(INBOX + next_link.attrs["href"])
    assert [title for title, _ in listed(second)] == [f"Notice {n:02}" for n in range(4, -1, -1)]
    assert not Page(second).find_all("a", rel="next")


def test_query_count_does_not_grow_with_notices(agent, client, django_assert_max_num_queries):
    for n in range(3):
        notice(agent, f"Notice {n}", minutes=n)
    with CaptureQueriesContext(connection) as few:
        client.get(INBOX, {"size": 100})

    ticket = TicketFactory()
    for n in range(60):
        notifications.notify([agent], kind="sla_breach", ticket=ticket, title=f"More {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(INBOX, {"size": 100})

    assert len(listed(response)) == 63
    assert len(few.captured_queries) <= 5  # session, user, roles, notices, header figure


@pytest.mark.parametrize(
    "role", [Role.AGENT, Role.NOC, Role.BILLING, Role.ADMIN, Role.LEAD, Role.INTEGRATION]
)
def test_every_staff_role_has_an_inbox(policies, client, role):
    client.force_login(StaffFactory(roles=[role]))

    response = client.get(INBOX)

    assert response.status_code == 200
    assert badge(response) is None


def test_partners_have_no_inbox(policies, client):
    partner = UserFactory()
    client.force_login(partner)

    assert client.get(INBOX).status_code == 403
    assert client.post(READ, {"all": "1"}).status_code == 403
    assert 'class="usermenu__inbox"' not in client.get(reverse("tickets:my_cases")).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(policies, client):
    for method, url in (("get", INBOX), ("post", READ)):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
