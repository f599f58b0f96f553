"""The queue as an agent's workspace: saved views (saving, sharing, who may open or change
which), the count of matching cases, sorting by a column's header, the rows the page polls
for new cases, and query counts that stay flat however many rows a page shows."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partners.models import Organisation
from partners.roles import Role
from sla import queue as case_queue
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.partners.pages import Page
from tests.tickets.factories import TicketFactory
from tests.tickets.test_queue import MAX_QUEUE_QUERIES, make_rows, numbers
from tickets.models import SavedView, Ticket
from tickets.saved_views import saved_view_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

QUEUE = reverse("tickets:queue")
ROWS = reverse("tickets:queue_rows")
VIEWS = reverse("tickets:queue_views")


def view_url(view: SavedView, action: str = "") -> str:
    if action == "delete":
        return reverse("tickets:queue_view_delete", args=[view.pk])
    return reverse("tickets:queue_view", args=[view.pk])


def flash(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def tabs(response) -> dict[str, str]:
    """The view tabs above the list: name → address."""
    html = response.content.decode()
    nav = re.search(r'<nav class="queue-views".*?</nav>', html, re.S).group(0)
    found = {}
    for href, inner in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', nav, re.S):
        name = re.sub(r"<[^>]+>.*?</span>", "", inner).strip()
        found[name] = href.replace("&amp;", "&")
    found.pop("Manage views", None)
    return found


def current_tab(response) -> list[str]:
    return [
        a.text.split(" ·team")[0].replace(" (shared with the team)", "")
        for a in Page(response).find_all("a", **{"aria-current": "page"})
        if a.text != "Queue"
    ]


def save(client, name: str, query: str, visibility: str = "private"):
    return client.post(
        VIEWS, {"view-name": name, "view-visibility": visibility, "view-query": query}
    )


def saved(owner, name: str, query: str, visibility: str = "private") -> SavedView:
    return saved_view_create(owner=owner, name=name, visibility=visibility, params=QueryDict(query))


@pytest.fixture
def agent(agent, client):
    client.force_login(agent)
    return agent


@pytest.fixture
def colleague(policies):
    return StaffFactory(roles=[Role.AGENT], full_name="Luca Bianchi")


@pytest.fixture
def lead(policies):
    return StaffFactory(roles=[Role.AGENT, Role.LEAD], full_name="Anna Ferri")


# --- Saving a view -------------------------------------------------------------------------


def test_an_agent_saves_the_current_filters_and_sort_and_reopens_them(agent, client):
    critical = TicketFactory(cos=Ticket.ClassOfService.CRITICAL, created_at=timezone.now())
    older = TicketFactory(
        cos=Ticket.ClassOfService.CRITICAL, created_at=timezone.now() - timedelta(days=1)
    )
    TicketFactory()

    response = save(
        client, "  Critical,   newest   first ", "cos=critical&ordering=-created_at&page=3&size=50"
    )

    view = SavedView.objects.get()
    assert (view.owner, view.name, view.visibility) == (agent, "Critical, newest first", "private")
    assert view.query == "cos=critical&ordering=-created_at"  # page and size stay with the page
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?cos=critical&ordering=-created_at"
    assert "saved for you" in flash(response)

    home = client.get(QUEUE)
    assert tabs(home)["Critical, newest first"] == "?cos=critical&ordering=-created_at"
    reopened = client.get(QUEUE + tabs(home)["Critical, newest first"])
    assert numbers(reopened) == [critical.number, older.number]
    assert current_tab(reopened) == ["Critical, newest first"]
    assert client.get(view_url(view))["Location"] == f"{QUEUE}?cos=critical&ordering=-created_at"


def test_the_built_in_views_are_views_too(agent, client):
    home = client.get(QUEUE)

    assert list(tabs(home))[:5] == [
        "My open cases",
        "Unassigned",
        "Critical",
        "All active",
        "All cases",
    ]
    assert current_tab(home) == ["All active"]  # what the queue shows with no filter
    listed = Page(client.get(VIEWS)).text()
    for name in ("My open cases", "Unassigned", "Critical", "All active", "All cases"):
        assert name in listed


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("cos=urgent", "Class of service"),
        ("assignee=someone", "Assigned to"),
        ("organisation=99999999", "Organisation"),
        ("status=sideways", "Status"),
        ("ordering=price", "Sort by"),
    ],
)
def test_filters_the_queue_would_refuse_are_not_saved(agent, client, query, problem):
    response = save(client, "Broken", query)

    assert response.status_code == 400
    assert not SavedView.objects.exists()
    page = Page(response)
    assert "These filters cannot be saved as they are" in page.text()
    assert problem in page.text()
    assert "The view was not saved" in page.text()
    # The form comes back open with what was typed.
    assert page.field_labelled("View name").attrs["value"] == "Broken"


def test_a_name_is_needed_and_cannot_repeat_ones_own(agent, client, colleague):
    saved(agent, "Mine", "cos=critical")
    saved(colleague, "Taken elsewhere", "cos=critical")

    assert save(client, "   ", "cos=critical").status_code == 400
    again = save(client, "mine", "tier=gold")
    assert again.status_code == 400
    assert "There is already a view named" in Page(again).text()
    assert save(client, "Taken elsewhere", "tier=gold").status_code == 302
    assert SavedView.objects.filter(owner=agent).count() == 2


# --- Sharing and isolation -----------------------------------------------------------------


def test_a_view_shared_with_the_team_shows_for_colleagues(agent, client, colleague):
    saved(agent, "Gold partners", "tier=gold", visibility="team")
    saved(agent, "My secret list", "tier=bronze")
    gold = TicketFactory(organisation=OrganisationFactory(tier=Organisation.Tier.GOLD))
    TicketFactory(organisation=OrganisationFactory(tier=Organisation.Tier.BRONZE))

    client.force_login(colleague)
    home = client.get(QUEUE)

    assert "Gold partners" in tabs(home)
    assert "My secret list" not in tabs(home)
    assert numbers(client.get(QUEUE + tabs(home)["Gold partners"])) == [gold.number]
    listed = Page(client.get(VIEWS)).text()
    assert "Gold partners" in listed
    assert "saved by Sofia Marino" in listed
    assert "My secret list" not in listed


def test_another_agents_private_view_cannot_be_opened_or_changed_by_id(agent, client, colleague):
    private = saved(colleague, "Luca's list", "tier=gold")

    assert client.get(view_url(private)).status_code == 404
    renamed = client.post(
        view_url(private),
        {f"view-{private.pk}-name": "Mine now", f"view-{private.pk}-visibility": "team"},
    )
    assert renamed.status_code == 404
    assert client.post(view_url(private, "delete")).status_code == 404
    assert client.get(reverse("tickets:queue_view", args=[987654])).status_code == 404
    private.refresh_from_db()
    assert (private.name, private.visibility) == ("Luca's list", "private")


def test_a_team_view_is_changed_only_by_its_owner_or_a_team_lead(agent, client, colleague, lead):
    team = saved(colleague, "Waiting on partners", "status=waiting_on_partner", "team")

    # Another agent may open it, not change it.
    assert client.get(view_url(team)).status_code == 302
    assert (
        client.post(
            view_url(team),
            {f"view-{team.pk}-name": "Hijacked", f"view-{team.pk}-visibility": "team"},
        ).status_code
        == 403
    )
    assert client.post(view_url(team, "delete")).status_code == 403
    assert f'action="{view_url(team, "delete")}"' not in client.get(VIEWS).content.decode()

    # A team lead may rename it.
    client.force_login(lead)
    response = client.post(
        view_url(team),
        {f"view-{team.pk}-name": "Waiting on partner", f"view-{team.pk}-visibility": "team"},
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.name == "Waiting on partner"
    assert team.owner == colleague

    # Its owner may make it private again, and delete it.
    client.force_login(colleague)
    client.post(
        view_url(team), {f"view-{team.pk}-name": "Mine", f"view-{team.pk}-visibility": "private"}
    )
    team.refresh_from_db()
    assert team.visibility == "private"
    client.force_login(lead)
    assert client.get(view_url(team)).status_code == 404  # private now: the lead no longer sees it
    client.force_login(colleague)
    assert client.post(view_url(team, "delete")).status_code == 302
    assert not SavedView.objects.exists()


def test_an_agent_renames_and_deletes_their_own_view(agent, client):
    view = saved(agent, "Bronze", "tier=bronze")

    bad = client.post(
        view_url(view), {f"view-{view.pk}-name": "", f"view-{view.pk}-visibility": "team"}
    )
    assert bad.status_code == 400
    assert "was not changed" in Page(bad).text()
    view.refresh_from_db()
    assert view.name == "Bronze"

    ok = client.post(
        view_url(view),
        {f"view-{view.pk}-name": "Bronze partners", f"view-{view.pk}-visibility": "team"},
    )
    assert ok.status_code == 302
    view.refresh_from_db()
    assert (view.name, view.visibility) == ("Bronze partners", "team")
    assert "Bronze partners" in tabs(client.get(QUEUE))

    deleted = client.post(view_url(view, "delete"), follow=True)
    assert "View “Bronze partners” deleted" in Page(deleted).text()
    assert "Bronze partners" not in tabs(client.get(QUEUE))


def test_views_are_for_the_support_team_only(client, policies, agent):
    view = saved(agent, "Team", "tier=gold", "team")
    client.force_login(UserFactory())

    assert client.get(VIEWS).status_code == 403
    assert client.get(view_url(view)).status_code == 403
    assert save(client, "Partner view", "tier=gold").status_code == 403
    assert SavedView.objects.count() == 1


# --- The count -----------------------------------------------------------------------------


def count_text(response) -> str:
    match = re.search(r'<span id="queue-count"[^>]*>(.*?)</span>', response.content.decode())
    return match.group(1)


def test_the_count_is_exact_up_to_the_limit_then_says_over(agent, client, monkeypatch):
    TicketFactory.create_batch(3)
    TicketFactory(status=Ticket.Status.CLOSED)

    assert count_text(client.get(QUEUE)) == "3 cases"
    assert count_text(client.get(QUEUE, {"status": "closed"})) == "1 case"
    assert count_text(client.get(QUEUE, {"cos": "critical"})) == "0 cases"

    monkeypatch.setattr(case_queue, "COUNT_LIMIT", 3)
    assert count_text(client.get(QUEUE)) == "3 cases"  # exactly the limit is still exact
    monkeypatch.setattr(case_queue, "COUNT_LIMIT", 2)
    assert count_text(client.get(QUEUE)) == "Over 2 cases"


# --- Sorting by a column -------------------------------------------------------------------


def header_link(response, label: str) -> tuple[str, str]:
    """(address, aria-sort) of the header of the column ``label``."""
    html = response.content.decode()
    header = r'<th scope="col" class="queue-col-\w+"([^>]*)><a href="([^"]*)" class="queue-sort">'
    for attrs, href, text in re.findall(header + "(.*?)</a>", html):
        if re.sub(r"<[^>]+>", "", text).split(" ▲")[0].split(" ▼")[0].strip() == label:
            sort = re.search(r'aria-sort="(\w+)"', attrs)
            return href.replace("&amp;", "&"), sort.group(1) if sort else ""
    raise AssertionError(f"no sortable column {label!r}")


def test_a_column_header_sorts_and_sorts_back(agent, client):
    zulu = TicketFactory(organisation=OrganisationFactory(name="Zulu Telecom"))
    alpha = TicketFactory(organisation=OrganisationFactory(name="Alpha Phones"))
    mike = TicketFactory(organisation=OrganisationFactory(name="Mike Voice"))

    home = client.get(QUEUE, {"tier": "gold"})
    href, sort = header_link(home, "Organisation")
    assert sort == ""
    assert QueryDict(href[1:]).dict() == {"tier": "gold", "ordering": "organisation"}
    by_name = client.get(QUEUE + href)
    assert numbers(by_name) == [alpha.number, mike.number, zulu.number]

    href, sort = header_link(by_name, "Organisation")
    assert sort == "ascending"
    reversed_ = client.get(QUEUE + href)
    assert numbers(reversed_) == [zulu.number, mike.number, alpha.number]
    assert header_link(reversed_, "Organisation")[1] == "descending"
    assert header_link(client.get(QUEUE), "Due")[1] == "ascending"  # the default order


def test_sorting_by_assignee_puts_the_unassigned_last(agent, client, colleague):
    nobody = TicketFactory()
    luca = TicketFactory(assignee=colleague)
    sofia = TicketFactory(assignee=agent)

    first = client.get(QUEUE + header_link(client.get(QUEUE), "Assigned to")[0])
    assert numbers(first) == [luca.number, sofia.number, nobody.number]
    second = client.get(QUEUE + header_link(first, "Assigned to")[0])
    assert numbers(second) == [sofia.number, luca.number, nobody.number]


def test_a_critical_case_with_no_clock_running_sorts_with_the_critical_cases(agent, client):
    critical_running = TicketFactory(cos=Ticket.ClassOfService.CRITICAL)
    critical_answered = TicketFactory(cos=Ticket.ClassOfService.CRITICAL)  # no clock waiting
    standard_breached = TicketFactory()
    now = timezone.now()
    Ticket.objects.filter(pk=critical_running.pk).update(next_breach_at=now + timedelta(minutes=20))
    Ticket.objects.filter(pk=standard_breached.pk).update(next_breach_at=now - timedelta(hours=1))

    by_class = client.get(QUEUE + header_link(client.get(QUEUE), "Class of service")[0])

    assert numbers(by_class) == [
        critical_running.number,
        critical_answered.number,
        standard_breached.number,
    ]
    critical_view = client.get(QUEUE + tabs(client.get(QUEUE))["Critical"])
    assert numbers(critical_view) == [critical_running.number, critical_answered.number]


# --- New cases without a reload ------------------------------------------------------------


def test_the_polled_rows_bring_new_cases_under_the_same_filters(agent, client):
    first = TicketFactory(cos=Ticket.ClassOfService.CRITICAL)
    page = client.get(QUEUE, {"cos": "critical", "size": 50})
    polled = re.search(r'<tbody id="queue-rows" hx-get="([^"]+)"', page.content.decode())
    rows_url = polled.group(1).replace("&amp;", "&")
    assert rows_url.startswith(ROWS + "?")
    assert QueryDict(rows_url.split("?", 1)[1]).dict() == {"cos": "critical", "size": "50"}

    arrived = TicketFactory(cos=Ticket.ClassOfService.CRITICAL)
    TicketFactory()  # standard: not in this view

    response = client.get(rows_url, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<tbody")  # only the rows, not the page
    assert "<nav" not in html
    found = [f"SD-{int(pk):06d}" for pk in re.findall(CASE_LINK, html)]
    assert sorted(found) == sorted([first.number, arrived.number])
    assert 'data-count-text="2 cases"' in html
    assert 'hx-trigger="every 30s"' in html


# --- Queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("address", [QUEUE, ROWS])
def test_queries_are_the_same_for_25_and_50_rows(
    agent, client, django_assert_max_num_queries, address
):
    saved(agent, "Gold", "tier=gold", "team")
    make_rows(25, agent)
    with CaptureQueriesContext(connection) as fewer:
        assert len(numbers_in(client.get(address, {"size": 50}))) == 25

    make_rows(25, agent)
    with (
        django_assert_max_num_queries(MAX_QUEUE_QUERIES),
        CaptureQueriesContext(connection) as more,
    ):
        assert len(numbers_in(client.get(address, {"size": 50}))) == 50

    assert len(more.captured_queries) == len(fewer.captured_queries)


# A case's link in the list, with the view it was opened from (``?from=``).
CASE_LINK = r'href="/staff/cases/(\d+)/(?:\?from=[^"]*)?"'


def numbers_in(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(CASE_LINK + ' class="queue-case"', response.content.decode())
