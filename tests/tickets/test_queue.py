"""The agent queue as an agent uses it: filters, quick views, sort orders, pages without
counting the table, bulk assignment and bulk status changes, and who may open it."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desk.actions.reply import Reply, message_post
from partners.models import CaseReason, CaseType, Organisation
from partners.roles import Role
from sla import queue as case_queue
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.partners.pages import Page
from tests.tickets.factories import MessageFactory, TicketFactory, open_case, policy_2026
from tickets import filters
from tickets.models import Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

QUEUE = reverse("tickets:queue")
BULK = reverse("tickets:queue_bulk")
ACTIVE = "status=new&status=open&status=waiting_on_partner"
# Whatever the page size or the number of cases, the queue page runs at most this many
# queries (session, user, roles, the filter form's choices and staff list, the rows, their
# bounded count, the saved views, the header's unread notifications).
MAX_QUEUE_QUERIES = 12


@pytest.fixture
def agent(agent, client):
    client.force_login(agent)
    return agent


def numbers(response) -> list[str]:
    """The case numbers listed in the queue table, top to bottom."""
    assert response.status_code == 200
    table = re.search(r'<table class="queue-table">.*?</table>', response.content.decode(), re.S)
    if table is None:
        return []
    ids = re.findall(r'href="/staff/cases/(\d+)/(?:\?from=[^"]*)?"', table.group(0))
    return [f"SD-{int(pk):06d}" for pk in ids]


def case_type(code: str) -> CaseType:
    return CaseType.objects.get(policy=policy_2026(), code=code)


def reason(type_code: str, code: str) -> CaseReason:
    return CaseReason.objects.get(case_type=case_type(type_code), code=code)


def flash(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def ago(**delta):
    return timezone.now() - timedelta(**delta)


# --- What the queue shows ------------------------------------------------------------------


def test_the_queue_lists_active_cases_nearest_breach_first(agent, client):
    no_clock_old = TicketFactory(created_at=ago(days=3))
    due_later = TicketFactory(cos=Ticket.ClassOfService.CRITICAL, created_at=ago(hours=1))
    breached = TicketFactory(created_at=ago(hours=2), status=Ticket.Status.OPEN)
    due_soon = TicketFactory(created_at=ago(hours=5))
    no_clock_new = TicketFactory(cos=Ticket.ClassOfService.CRITICAL, created_at=ago(hours=1))
    TicketFactory(status=Ticket.Status.RESOLVED)
    TicketFactory(status=Ticket.Status.CLOSED)
    # The breach instants are kept by the SLA services; here they are set directly.
    for ticket, breach in [
        (due_later, ago(minutes=-90)),
        (breached, ago(minutes=10)),
        (due_soon, ago(minutes=-20)),
    ]:
        Ticket.objects.filter(pk=ticket.pk).update(next_breach_at=breach)

    response = client.get(QUEUE)

    assert numbers(response) == [
        breached.number,
        due_soon.number,
        due_later.number,
        no_clock_old.number,
        no_clock_new.number,
    ]


def test_a_row_shows_what_an_agent_needs(agent, client):
    organisation = OrganisationFactory(name="Hudson Voice", tier=Organisation.Tier.PLATINUM)
    ticket = TicketFactory(
        organisation=organisation,
        subject="Calls drop after 30 seconds",
        cos=Ticket.ClassOfService.CRITICAL,
        assignee=agent,
        created_at=ago(hours=3, minutes=10),
    )

    response = client.get(QUEUE)

    row = re.search(
        rf'<tr class="queue-row--critical">.*?{ticket.number}.*?</tr>',
        response.content.decode(),
        re.S,
    ).group(0)
    text = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    assert "Calls drop after 30 seconds" in text
    assert "Hudson Voice Platinum" in text
    assert "Critical" in text
    assert "New" in text
    assert "Sofia Marino" in text
    assert "3 h" in text
    assert f'<time datetime="{ticket.created_at.astimezone(UTC).isoformat()}"' in row
    # The link carries the view it was opened from, so the case page can offer the next case.
    assert f'href="{reverse("tickets:staff_case", args=[ticket.pk])}?from=status%3D' in row
    page = Page(response)
    assert page.find_all("input", type="checkbox", name="bulk-tickets", value=str(ticket.pk))
    assert page.find_all("a", href=reverse("tickets:staff_case_new"))


def test_the_filter_form_labels_every_field(agent, client):
    page = Page(client.get(QUEUE))

    for label in (
        "Search",
        "Case type",
        "Reason",
        "Class of service",
        "Partner tier",
        "Region",
        "Assigned to",
        "Organisation",
        "Sort by",
        "Cases per page",
    ):
        page.field_labelled(label)
    assert page.field_labelled("New").attrs["name"] == "status"
    assert page.field_labelled("Waiting on partner").attrs["type"] == "checkbox"


# --- Filters -------------------------------------------------------------------------------


def test_filter_by_status(agent, client):
    waiting = TicketFactory(status=Ticket.Status.WAITING)
    resolved = TicketFactory(status=Ticket.Status.RESOLVED)
    TicketFactory(status=Ticket.Status.NEW)

    assert numbers(client.get(QUEUE, {"status": "resolved"})) == [resolved.number]
    assert sorted(numbers(client.get(QUEUE, {"status": ["resolved", "waiting_on_partner"]}))) == (
        sorted([resolved.number, waiting.number])
    )


def test_filter_by_case_type(agent, client):
    care = TicketFactory(
        case_type=case_type("customer_care"),
        reason=reason("customer_care", "billing"),
        wms_version="",
        firmware_versions="",
    )
    TicketFactory()

    assert numbers(client.get(QUEUE, {"case_type": "customer_care"})) == [care.number]


def test_filter_by_reason_code_with_or_without_its_case_type(agent, client):
    unreachable = TicketFactory(reason=reason("tech_support", "cloud-pbx-unreachable"))
    TicketFactory()  # call quality

    assert numbers(client.get(QUEUE, {"reason": "tech_support/cloud-pbx-unreachable"})) == [
        unreachable.number
    ]
    assert numbers(client.get(QUEUE, {"reason": "cloud-pbx-unreachable"})) == [unreachable.number]
    assert numbers(client.get(QUEUE, {"reason": "customer_care/cloud-pbx-unreachable"})) == []


def test_filter_by_class_of_service(agent, client):
    critical = TicketFactory(cos=Ticket.ClassOfService.CRITICAL)
    TicketFactory()

    assert numbers(client.get(QUEUE, {"cos": "critical"})) == [critical.number]


def test_filter_by_tier_and_region(agent, client):
    bronze_eu = TicketFactory(
        organisation=OrganisationFactory(tier=Organisation.Tier.BRONZE, region="eu")
    )
    gold_us = TicketFactory(
        organisation=OrganisationFactory(tier=Organisation.Tier.GOLD, region="us")
    )

    assert numbers(client.get(QUEUE, {"tier": "bronze"})) == [bronze_eu.number]
    assert numbers(client.get(QUEUE, {"region": "us"})) == [gold_us.number]
    assert numbers(client.get(QUEUE, {"tier": "bronze", "region": "us"})) == []


def test_filter_by_assignee_me_nobody_or_someone(agent, client):
    colleague = StaffFactory(roles=[Role.AGENT])
    mine = TicketFactory(assignee=agent)
    theirs = TicketFactory(assignee=colleague)
    nobodys = TicketFactory()

    assert numbers(client.get(QUEUE, {"assignee": "me"})) == [mine.number]
    assert numbers(client.get(QUEUE, {"assignee": "none"})) == [nobodys.number]
    assert numbers(client.get(QUEUE, {"assignee": str(colleague.pk)})) == [theirs.number]


def test_filter_by_organisation(agent, client):
    wanted = TicketFactory()
    TicketFactory()

    response = client.get(QUEUE, {"organisation": wanted.organisation_id})

    assert numbers(response) == [wanted.number]


def organisation_options(html: str) -> list[tuple[str, str, str]]:
    """(value, " selected" or "", label) of each option of the organisation list."""
    select = re.search(r'<select[^>]* name="organisation"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(1))


def test_the_organisation_list_offers_organisations_by_name(agent, client):
    wanted = OrganisationFactory(name="Smith & <Sons> Telecom")
    alpha = OrganisationFactory(name="Alpha Phones")

    html = client.get(QUEUE, {"organisation": wanted.pk}).content.decode()

    assert organisation_options(html)[0] == ("", "", "Any organisation")
    listed = organisation_options(html)[1:]
    assert (str(wanted.pk), " selected", "Smith &amp; &lt;Sons&gt; Telecom") in listed
    assert listed.index((str(alpha.pk), "", "Alpha Phones")) < listed.index(
        (str(wanted.pk), " selected", "Smith &amp; &lt;Sons&gt; Telecom")
    )


def test_the_organisation_list_stays_short_and_keeps_the_chosen_one(agent, client, monkeypatch):
    monkeypatch.setattr(filters, "ORGANISATIONS_LISTED", 2)
    first, second, _, last = (
        OrganisationFactory(name=f"{letter} Telecom") for letter in ("AAA", "AAB", "AAC", "ZZZ")
    )

    offered = organisation_options(
        client.get(QUEUE, {"organisation": last.pk, "org_q": "aa"}).content.decode()
    )

    assert [label for _, _, label in offered] == [
        "Any organisation",
        "ZZZ Telecom",
        "AAA Telecom",
        "AAB Telecom",
    ]
    assert offered[1] == (str(last.pk), " selected", "ZZZ Telecom")
    assert {first.name, second.name} <= {label for _, _, label in offered}


def test_an_organisation_name_filters_the_cases(agent, client):
    trattoria = TicketFactory(organisation=OrganisationFactory(name="Trattoria da Marco"))
    TicketFactory(organisation=OrganisationFactory(name="Hudson Voice"))

    assert numbers(client.get(QUEUE, {"org_q": "  trattoria "})) == [trattoria.number]


def test_the_organisation_list_narrows_as_a_name_is_typed(agent, client):
    hudson = OrganisationFactory(name="Hudson Voice")
    chosen = OrganisationFactory(name="Alpine Unified Comms")
    OrganisationFactory(name="Trattoria da Marco")

    response = client.get(
        reverse("tickets:queue_organisations"),
        {"org_q": "hud", "organisation": chosen.pk},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="queue-organisation"' in html
    assert organisation_options(html) == [
        ("", "", "Any organisation"),
        (str(chosen.pk), " selected", "Alpine Unified Comms"),
        (str(hudson.pk), "", "Hudson Voice"),
    ]


def test_partners_cannot_list_organisations(client, policies):
    OrganisationFactory(name="Hudson Voice")
    client.force_login(UserFactory())

    response = client.get(reverse("tickets:queue_organisations"), {"org_q": "a"})

    assert response.status_code == 403


def test_an_unknown_organisation_is_reported(agent, client):
    response = client.get(QUEUE, {"organisation": "999999"})

    assert "Select a valid choice" in response.content.decode()


def test_search_by_words_and_by_case_number(agent, client):
    voicemail = TicketFactory(subject="Voicemail greeting is silent")
    by_description = TicketFactory(description="The voicemail box of reception is full")
    other = TicketFactory(subject="Trunk down", description="No SIP registration")

    assert sorted(numbers(client.get(QUEUE, {"q": "voicemail"}))) == sorted(
        [voicemail.number, by_description.number]
    )
    assert numbers(client.get(QUEUE, {"q": other.number})) == [other.number]
    assert numbers(client.get(QUEUE, {"q": f"sd-{other.pk}"})) == [other.number]


def test_filters_combine(agent, client):
    organisation = OrganisationFactory(tier=Organisation.Tier.SILVER)
    match = TicketFactory(
        organisation=organisation, cos=Ticket.ClassOfService.CRITICAL, assignee=agent
    )
    TicketFactory(organisation=organisation, cos=Ticket.ClassOfService.CRITICAL)
    TicketFactory(organisation=organisation, assignee=agent)

    response = client.get(QUEUE, {"tier": "silver", "cos": "critical", "assignee": "me"})

    assert numbers(response) == [match.number]


def test_a_value_the_filters_do_not_know_is_reported_not_a_crash(agent, client):
    ticket = TicketFactory()

    response = client.get(QUEUE, {"cos": "urgent", "assignee": "999999", "page": "x"})

    assert response.status_code == 200
    assert numbers(response) == [ticket.number]
    assert "Select a valid choice" in Page(response).text()


# --- Quick views ---------------------------------------------------------------------------


def quick_view(response, label: str) -> str:
    links = [a for a in Page(response).find_all("a") if a.text == label]
    assert len(links) == 1, f"no quick view {label!r}"
    return links[0].attrs["href"]


def test_quick_views(agent, client):
    mine = TicketFactory(assignee=agent)
    mine_done = TicketFactory(assignee=agent, status=Ticket.Status.RESOLVED)
    unassigned = TicketFactory(status=Ticket.Status.OPEN)
    critical = TicketFactory(cos=Ticket.ClassOfService.CRITICAL, assignee=StaffFactory())

    home = client.get(QUEUE)

    my_open = client.get(QUEUE + quick_view(home, "My open cases"))
    assert numbers(my_open) == [mine.number]
    assert numbers(client.get(QUEUE + quick_view(home, "Unassigned"))) == [unassigned.number]
    assert numbers(client.get(QUEUE + quick_view(home, "Critical"))) == [critical.number]
    assert sorted(numbers(client.get(QUEUE + quick_view(home, "All active")))) == sorted(
        [mine.number, unassigned.number, critical.number]
    )
    everything = numbers(client.get(QUEUE + quick_view(home, "All cases")))
    assert mine_done.number in everything
    current = Page(my_open).find_all("a", **{"aria-current": "page"})
    assert [a.text for a in current if a.text != "Queue"] == ["My open cases"]


# --- Sorting -------------------------------------------------------------------------------


def test_sort_orders(agent, client):
    zulu = TicketFactory(
        organisation=OrganisationFactory(name="Zulu Telecom"),
        created_at=ago(days=2),
        status=Ticket.Status.OPEN,
    )
    alpha = TicketFactory(
        organisation=OrganisationFactory(name="Alpha Phones"),
        created_at=ago(days=1),
        cos=Ticket.ClassOfService.CRITICAL,
    )
    mike = TicketFactory(
        organisation=OrganisationFactory(name="Mike Voice"),
        created_at=ago(hours=1),
        status=Ticket.Status.WAITING,
    )
    Ticket.objects.filter(pk=zulu.pk).update(updated_at=ago(minutes=1))
    Ticket.objects.filter(pk=alpha.pk).update(updated_at=ago(days=1))
    Ticket.objects.filter(pk=mike.pk).update(updated_at=ago(hours=1), next_breach_at=ago(hours=-1))

    def order(key):
        return numbers(client.get(QUEUE, {"ordering": key}))

    assert order("") == [mike.number, zulu.number, alpha.number]
    assert order("due") == order("")
    assert order("created_at") == [zulu.number, alpha.number, mike.number]
    assert order("-created_at") == [mike.number, alpha.number, zulu.number]
    assert order("-updated_at") == [zulu.number, mike.number, alpha.number]
    assert order("updated_at") == [alpha.number, mike.number, zulu.number]
    assert order("organisation") == [alpha.number, mike.number, zulu.number]
    assert order("-organisation") == [zulu.number, mike.number, alpha.number]
    assert order("status") == [alpha.number, zulu.number, mike.number]
    assert order("-status") == [mike.number, zulu.number, alpha.number]
    # Within a class of service, nearest breach first.
    assert order("cos") == [alpha.number, mike.number, zulu.number]
    assert order("-cos") == [mike.number, zulu.number, alpha.number]


# --- Pages ---------------------------------------------------------------------------------


def pager_link(response, rel: str) -> str | None:
    links = Page(response).find_all("a", rel=rel)
    return links[0].attrs["href"] if links else None


def test_pages_go_forward_and_back_without_counting_the_table(agent, client):
    tickets = [TicketFactory(created_at=ago(minutes=60 - n)) for n in range(30)]

    with CaptureQueriesContext(connection) as queries:
        first = client.get(QUEUE, {"cos": "standard"})

    # The one count the page shows stops after COUNT_LIMIT + 1 cases: never the whole table.
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    assert f"LIMIT {case_queue.COUNT_LIMIT + 1}" in counts[0]
    assert numbers(first) == [t.number for t in tickets[:25]]
    assert pager_link(first, "prev") is None
    next_href = pager_link(first, "next")
    assert parse_qs(urlparse(next_href).query) == {"cos": ["standard"], "page": ["2"]}

    second = client.get(QUEUE + next_href)
    assert numbers(second) == [t.number for t in tickets[25:]]
    assert pager_link(second, "next") is None
    assert parse_qs(urlparse(pager_link(second, "prev")).query)["page"] == ["1"]


def test_no_next_link_when_the_page_is_exactly_full(agent, client):
    for _ in range(25):
        TicketFactory()

    response = client.get(QUEUE)

    assert len(numbers(response)) == 25
    assert pager_link(response, "next") is None


@pytest.mark.parametrize("size", [25, 50, 100])
def test_page_size_can_be_chosen(agent, client, size):
    TicketFactory.create_batch(size + 1)

    response = client.get(QUEUE, {"size": size})

    assert len(numbers(response)) == size
    assert pager_link(response, "next")
    assert f"size={size}" in pager_link(response, "next")


def test_an_unknown_page_size_falls_back_to_25(agent, client):
    TicketFactory.create_batch(26)

    assert len(numbers(client.get(QUEUE, {"size": "1000"}))) == 25


def make_rows(count: int, agent) -> None:
    """Cases spread over organisations, assignees, types and classes of service."""
    organisations = [
        OrganisationFactory(tier=tier, region=region)
        for tier, region in [("gold", "eu"), ("bronze", "us"), ("diamond", "eu")]
    ]
    staff = [agent, StaffFactory(roles=[Role.AGENT]), None]
    for n in range(count):
        ticket = TicketFactory(
            organisation=organisations[n % 3],
            assignee=staff[n % 3],
            cos=Ticket.ClassOfService.CRITICAL if n % 4 == 0 else Ticket.ClassOfService.STANDARD,
            critical_criterion="call_drops" if n % 4 == 0 else "",
        )
        MessageFactory(ticket=ticket, author=agent)


def test_query_count_does_not_grow_with_rows_or_page_size(
    agent, client, django_assert_max_num_queries
):
    make_rows(5, agent)
    with CaptureQueriesContext(connection) as few:
        assert len(numbers(client.get(QUEUE, {"size": 100}))) == 5

    make_rows(55, agent)
    with (
        django_assert_max_num_queries(MAX_QUEUE_QUERIES),
        CaptureQueriesContext(connection) as many,
    ):
        assert len(numbers(client.get(QUEUE, {"size": 100}))) == 60
    every_filter = {
        "size": 25,
        "q": "calls",
        "assignee": str(agent.pk),
        "organisation": Ticket.objects.filter(assignee=agent, cos="standard")
        .values_list("organisation_id", flat=True)
        .first(),
        "case_type": "tech_support",
        "reason": "tech_support/call-quality",
        "tier": "gold",
        "region": "eu",
        "cos": "standard",
        "ordering": "organisation",
    }
    with django_assert_max_num_queries(MAX_QUEUE_QUERIES):
        assert numbers(client.get(QUEUE, every_filter))

    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(few.captured_queries) <= MAX_QUEUE_QUERIES


# --- Bulk actions --------------------------------------------------------------------------


def test_bulk_assign_goes_back_to_the_same_filtered_queue(agent, client):
    colleague = StaffFactory(roles=[Role.AGENT], full_name="Luca Bianchi")
    first, second = TicketFactory(), TicketFactory()
    untouched = TicketFactory()

    response = client.post(
        BULK,
        {
            "bulk-tickets": [first.pk, second.pk],
            "bulk-action": "assign",
            "bulk-assignee": str(colleague.pk),
            "bulk-return_query": "cos=standard&assignee=none",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?cos=standard&assignee=none"
    assert "2 cases now assigned to Luca Bianchi" in flash(response)
    first.refresh_from_db()
    second.refresh_from_db()
    untouched.refresh_from_db()
    assert first.assignee == second.assignee == colleague
    assert untouched.assignee is None
    assert first.events.filter(kind="assigned", actor=agent).exists()


def test_bulk_assign_to_me_and_to_nobody(agent, client):
    ticket = TicketFactory(assignee=StaffFactory(roles=[Role.AGENT]))

    client.post(BULK, {"bulk-tickets": [ticket.pk], "bulk-action": "assign", "bulk-assignee": "me"})
    ticket.refresh_from_db()
    assert ticket.assignee == agent

    client.post(
        BULK, {"bulk-tickets": [ticket.pk], "bulk-action": "assign", "bulk-assignee": "none"}
    )
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_bulk_status_moves_what_may_move_and_names_what_was_skipped(agent, client):
    resolved = TicketFactory(status=Ticket.Status.RESOLVED)
    new = TicketFactory(status=Ticket.Status.NEW)

    response = client.post(
        BULK,
        {
            "bulk-tickets": [resolved.pk, new.pk],
            "bulk-action": "status",
            "bulk-status": "closed",
            "bulk-return_query": "status=resolved&status=new",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"{QUEUE}?status=resolved&status=new"
    text = Page(response).text()
    assert "1 case moved to Closed" in text
    assert f"Skipped 1 case that cannot go to Closed from its current status: {new.number}" in text
    resolved.refresh_from_db()
    new.refresh_from_db()
    assert resolved.status == Ticket.Status.CLOSED
    assert new.status == Ticket.Status.NEW


def test_bulk_without_a_ticked_case_changes_nothing(agent, client):
    ticket = TicketFactory()

    response = client.post(BULK, {"bulk-action": "status", "bulk-status": "open"})

    assert response.status_code == 302
    assert "Tick at least one case first" in flash(response)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW


@pytest.mark.parametrize(
    "data",
    [
        {"bulk-action": "assign"},
        {"bulk-action": "assign", "bulk-assignee": "12345678"},
        {"bulk-action": "status", "bulk-status": "sideways"},
        {"bulk-action": "explode"},
        {"bulk-action": "status", "bulk-status": "open", "bulk-tickets": "x"},
    ],
)
def test_bulk_with_bad_input_says_so(agent, client, data):
    ticket = TicketFactory()

    response = client.post(BULK, {"bulk-tickets": [ticket.pk], **data})

    assert response.status_code == 302
    assert "Nothing was changed" in flash(response)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW
    assert ticket.assignee is None


def test_bulk_return_address_cannot_leave_the_queue(agent, client):
    ticket = TicketFactory()

    response = client.post(
        BULK,
        {
            "bulk-tickets": [ticket.pk],
            "bulk-action": "status",
            "bulk-status": "open",
            "bulk-return_query": "//evil.example/?x=1",
        },
    )

    assert response["Location"].startswith(f"{QUEUE}?")


def test_bulk_is_post_only(agent, client):
    assert client.get(BULK).status_code == 405


# --- Who may open the staff pages ----------------------------------------------------------


def staff_urls() -> list[tuple[str, str]]:
    """Every staff page and form target."""
    ticket = TicketFactory()
    return [
        ("get", QUEUE),
        ("post", BULK),
        ("get", reverse("tickets:staff_case_new")),
        ("post", reverse("tickets:staff_case_new")),
        ("get", reverse("tickets:staff_case", args=[ticket.pk])),
        ("post", reverse("tickets:staff_case_reply", args=[ticket.pk])),
        ("post", reverse("tickets:staff_case_assign", args=[ticket.pk])),
        ("post", reverse("tickets:staff_case_take", args=[ticket.pk])),
        ("post", reverse("tickets:staff_case_status", args=[ticket.pk])),
        ("post", reverse("tickets:staff_case_cos", args=[ticket.pk])),
    ]


@pytest.mark.parametrize("who", ["partner", "partner of the case", "billing"])
def test_partners_and_billing_are_refused_every_staff_page(policies, client, who):
    urls = staff_urls()
    ticket = Ticket.objects.get()
    if who == "billing":
        user = StaffFactory(roles=[Role.BILLING])
    elif who == "partner of the case":
        user = UserFactory(organisation=ticket.organisation)
    else:
        user = UserFactory()
    client.force_login(user)

    for method, url in urls:
        response = getattr(client, method)(url, {"bulk-action": "assign", "body": "hi"})
        assert response.status_code == 403, (method, url)
    assert ticket.messages.count() == 0


def test_anonymous_visitors_are_sent_to_log_in(policies, client):
    for method, url in staff_urls():
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.AGENT, Role.NOC, Role.ADMIN])
def test_agents_noc_engineers_and_admins_work_the_queue(policies, client, role):
    ticket = TicketFactory()
    client.force_login(StaffFactory(roles=[role]))

    assert numbers(client.get(QUEUE)) == [ticket.number]
    assert client.get(reverse("tickets:staff_case", args=[ticket.pk])).status_code == 200


# --- Nearest breach first, with countdowns -------------------------------------------------


def rome(*parts):
    return datetime(*parts, tzinfo=ZoneInfo("Europe/Rome"))


def row_of(response, ticket) -> tuple[str, str, str]:
    """(class attribute, text as read, html) of the queue row of ``ticket``."""
    html = response.content.decode()
    rows = re.findall(r"<tr( class=\"[^\"]*\")?>(.*?)</tr>", html, re.S)
    href = f'href="{reverse("tickets:staff_case", args=[ticket.pk])}?from='
    for classes, row in rows:
        if href in row:
            text = " ".join(re.sub(r"<[^>]+>", " ", row).split())
            return classes.removeprefix(' class="').removesuffix('"'), text, row
    raise AssertionError(f"{ticket.number} is not in the queue")


def test_breached_then_at_risk_then_later_then_cases_without_a_clock(agent, client):
    rome_partner = UserFactory(organisation=OrganisationFactory(region="eu"))
    new_york_partner = UserFactory(organisation=OrganisationFactory(region="us"))
    # Standard Tech Support is due at the close of the working day it was opened on.
    breached = open_case(rome_partner, rome(2026, 11, 24, 10, 0))  # due Tue 18:00 Rome
    at_risk = open_case(rome_partner, rome(2026, 11, 25, 9, 0))  # warned at 15:45
    later = open_case(new_york_partner, rome(2026, 11, 25, 15, 0))  # due 18:00 New York
    no_clock = TicketFactory(created_at=rome(2026, 11, 20, 9, 0))
    answered = open_case(rome_partner, rome(2026, 11, 25, 8, 0))
    with time_machine.travel(rome(2026, 11, 25, 9, 0), tick=False):
        message_post(ticket=answered, reply=Reply(author=agent, body="On it."))

    with time_machine.travel(rome(2026, 11, 25, 16, 30), tick=False):
        response = client.get(QUEUE)

    assert numbers(response) == [
        breached.number,
        at_risk.number,
        later.number,
        no_clock.number,
        answered.number,
    ]
    # Due on Tuesday at closing time, it breached when support hours opened on Wednesday.
    classes, text, html = row_of(response, breached)
    assert classes == "queue-row--breached"
    assert "Breached breached 7 h 30 min ago due Tue 17:00 UTC · breached Wed 08:00 UTC" in text
    assert 'data-due-at="2026-11-24T17:00:00+00:00"' in html
    assert 'data-breach-at="2026-11-25T08:00:00+00:00"' in html
    assert '<time datetime="2026-11-24T17:00:00+00:00">' in html
    classes, text, html = row_of(response, at_risk)
    assert classes == "queue-row--at-risk"
    # Due at closing time: the breach waits for the next opening.
    assert "At risk due in 1 h 30 min due Wed 17:00 UTC · breaches Thu 08:00 UTC" in text
    assert 'data-due-at="2026-11-25T17:00:00+00:00"' in html
    classes, text, _ = row_of(response, later)
    assert classes == ""
    assert "due in 7 h 30 min" in text  # 18:00 in New York is midnight in Rome
    assert "At risk" not in text
    assert "Breached" not in text
    for ticket in (no_clock, answered):
        classes, text, html = row_of(response, ticket)
        assert classes == ""
        assert "— No service-level clock waiting" in text
        assert "data-breach-at" not in html


def test_due_at_closing_time_is_overdue_but_not_breached_until_the_next_opening(agent, client):
    ticket = open_case(
        UserFactory(organisation=OrganisationFactory(region="eu")), rome(2026, 11, 25, 9, 0)
    )

    with time_machine.travel(rome(2026, 11, 25, 19, 0), tick=False):
        evening = row_of(client.get(QUEUE), ticket)
    with time_machine.travel(rome(2026, 11, 26, 9, 20), tick=False):
        morning = row_of(client.get(QUEUE), ticket)

    assert evening[0] == "queue-row--at-risk"
    assert "At risk was due 1 h ago" in evening[1]
    assert 'data-breach-at="2026-11-26T08:00:00+00:00"' in evening[2]
    assert morning[0] == "queue-row--breached"
    assert "Breached breached 20 min ago" in morning[1]


def test_a_critical_breached_row_is_marked_both_ways(agent, client):
    ticket = TicketFactory(cos=Ticket.ClassOfService.CRITICAL)
    Ticket.objects.filter(pk=ticket.pk).update(next_breach_at=ago(minutes=10, seconds=5))

    classes, text, _ = row_of(client.get(QUEUE), ticket)

    assert classes == "queue-row--critical queue-row--breached"
    assert "breached 10 min ago" in text


def test_countdowns_cost_no_query_per_row(agent, client, django_assert_max_num_queries):
    rome_partner = UserFactory(organisation=OrganisationFactory(region="eu"))
    with time_machine.travel(rome(2026, 11, 25, 16, 30), tick=False):
        for hour in range(9, 16):
            open_case(rome_partner, rome(2026, 11, 25, hour, 0))
            open_case(rome_partner, rome(2026, 11, 24, hour, 0))
        with django_assert_max_num_queries(MAX_QUEUE_QUERIES):
            response = client.get(QUEUE, {"size": 100})

    assert len(numbers(response)) == 14
    assert response.content.decode().count("queue-row--breached") == 7


def test_a_case_opened_from_the_default_view_offers_the_next_case_of_that_view(agent, client):
    first = TicketFactory(created_at=ago(hours=3))
    second = TicketFactory(created_at=ago(hours=2))
    TicketFactory(status=Ticket.Status.RESOLVED, created_at=ago(hours=1))  # not in the view

    html = client.get(QUEUE).content.decode()
    link = re.search(rf'href="([^"]*/staff/cases/{first.pk}/[^"]*)"', html).group(1)
    page = client.get(link.replace("&amp;", "&")).content.decode()

    assert "Next case in my view" in page
    assert second.number in page
