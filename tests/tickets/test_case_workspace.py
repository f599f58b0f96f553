"""The staff case page as a workspace: macros (kept by team leads, applied by agents in one
action), who else has the case open, and the next case in the agent's queue view."""

import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from desk.actions.reply import Reply, message_post
from desk.actions.status import ticket_set_status
from desk.presence import VIEWING_TTL
from partners.roles import Role
from sla import display
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.partners.pages import Page
from tests.tickets.factories import MacroFactory, open_case
from tickets.models import Macro, Message, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


@pytest.fixture
def lead(policies):
    return StaffFactory(roles=[Role.AGENT, Role.LEAD], full_name="Lena Weber", time_zone="UTC")


@pytest.fixture
def requester(policies):
    organisation = OrganisationFactory(name="Alpine Unified Comms GmbH", region="eu")
    return UserFactory(
        organisation=organisation, full_name="Sofia Keller", time_zone="Europe/Berlin"
    )


def case_url(ticket: Ticket, action: str = "") -> str:
    name = f"tickets:staff_case_{action}" if action else "tickets:staff_case"
    return reverse(name, args=[ticket.pk])


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def flash(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def timeline(response) -> list[str]:
    html = response.content.decode()
    section = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1)
    return [words(item) for item in re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)]


MACRO_FORM = {
    "name": "Ask for a trace",
    "body": "Hello {requester_name}, please send a trace for {case_number}.",
    "status": "waiting_on_partner",
    "assign": "me",
}


# --- Keeping macros: team leads and administrators only ------------------------------------


def test_an_agent_without_the_lead_role_cannot_manage_macros(agent, client):
    macro = MacroFactory()
    client.force_login(agent)

    for url in (
        reverse("tickets:macro_list"),
        reverse("tickets:macro_new"),
        reverse("tickets:macro_edit", args=[macro.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("tickets:macro_new"), MACRO_FORM).status_code == 403
    response = client.post(reverse("tickets:macro_active", args=[macro.pk]), {"active": "0"})
    assert response.status_code == 403
    macro.refresh_from_db()
    assert macro.is_active
    assert Macro.objects.count() == 1


def test_a_lead_writes_changes_and_deactivates_a_macro(lead, client):
    client.force_login(lead)

    response = client.post(reverse("tickets:macro_new"), MACRO_FORM, follow=True)

    assert "Macro “Ask for a trace” saved." in flash(response)
    macro = Macro.objects.get()
    assert (macro.status, macro.assign, macro.created_by) == ("waiting_on_partner", "me", lead)
    assert "Ask for a trace" in words(response.content.decode())

    edit = reverse("tickets:macro_edit", args=[macro.pk])
    assert Page(client.get(edit)).field_labelled("Text").text == MACRO_FORM["body"]
    client.post(edit, MACRO_FORM | {"status": "", "assign": ""})
    macro.refresh_from_db()
    assert (macro.status, macro.assign) == ("", "")

    response = client.post(
        reverse("tickets:macro_active", args=[macro.pk]), {"active": "0"}, follow=True
    )
    assert "deactivated" in flash(response)
    macro.refresh_from_db()
    assert not macro.is_active


def test_an_administrator_may_manage_macros(policies, client):
    client.force_login(StaffFactory(roles=[Role.ADMIN]))
    assert client.get(reverse("tickets:macro_list")).status_code == 200
    client.post(reverse("tickets:macro_new"), MACRO_FORM)
    assert Macro.objects.filter(name="Ask for a trace").exists()


def test_an_unknown_placeholder_is_refused_with_a_field_error_naming_it(lead, client):
    client.force_login(lead)
    typo = "Dear {parner_name}, about {case_number} and {due_tme}."

    response = client.post(reverse("tickets:macro_new"), MACRO_FORM | {"body": typo})

    assert response.status_code == 400
    page = Page(response)
    body = page.field_labelled("Text")
    assert body.text == typo  # nothing typed is lost
    errors = page.errors_for(body)
    assert "{parner_name}" in errors
    assert "{due_tme}" in errors
    assert "{case_number}" not in errors
    assert "Please correct the fields marked" in page.alerts()
    assert not Macro.objects.exists()


def test_missing_fields_and_a_taken_name_come_back_as_errors(lead, client):
    client.force_login(lead)
    MacroFactory(name="Ask for a trace")

    response = client.post(reverse("tickets:macro_new"), MACRO_FORM | {"body": ""})
    assert response.status_code == 400
    assert Page(response).errors_for(Page(response).field_labelled("Text"))

    response = client.post(reverse("tickets:macro_new"), MACRO_FORM)
    assert response.status_code == 400
    page = Page(response)
    assert "already has this name" in page.errors_for(page.field_labelled("Name"))
    assert Macro.objects.count() == 1


# --- Applying a macro -----------------------------------------------------------------------


def test_the_reply_box_offers_active_macros_only(agent, client, requester):
    MacroFactory(name="Ask for a trace")
    MacroFactory(name="Old wording", is_active=False)
    client.force_login(agent)

    response = client.get(case_url(open_case(requester)))

    Page(response).field_labelled("Macro")
    select = re.search(r'<select name="macro".*?</select>', response.content.decode(), re.S)
    options = [words(option) for option in re.findall(r"<option[^>]*>(.*?)</option>", select[0])]
    assert options == ["No macro", "Ask for a trace"]


def test_the_macro_text_is_filled_in_with_the_case_values(agent, client, requester):
    ticket = open_case(requester)
    macro = MacroFactory(
        body="{partner_name} / {requester_name} / {case_number} / {case_subject} / "
        "{due_time} / {agent_name}"
    )
    client.force_login(agent)

    response = client.get(reverse("tickets:staff_case_macro", args=[ticket.pk, macro.pk]))

    # The due time in the one wording of due times, in the requester's (the reader's) zone.
    clock = min(
        (c for c in display.clocks_for_viewer(ticket.clocks.all(), internal=False)),
        key=lambda c: (c.breach_at, c.due_at),
    )
    due = display.clock_deadline_text(clock, tz="Europe/Berlin", now=timezone.now(), relative=False)
    assert due.startswith("due ")
    expected = (
        f"Alpine Unified Comms GmbH / Sofia Keller / {ticket.number} / {ticket.subject} / "
        f"{due} / Sofia Marino"
    )
    assert json.loads(response.content) == {"text": expected, "effects": []}


def test_sending_with_a_macro_applies_its_status_and_assignment(agent, client, requester):
    ticket = open_case(requester)
    macro = MacroFactory(name="Ask for a trace", status="waiting_on_partner", assign="me")
    client.force_login(agent)
    preview = client.get(reverse("tickets:staff_case_macro", args=[ticket.pk, macro.pk]))
    text = json.loads(preview.content)["text"] + "\nThe trace from Tuesday would help most."
    assert json.loads(preview.content)["effects"] == [
        "status becomes Waiting on partner",
        "the case is assigned to you",
    ]

    response = client.post(
        case_url(ticket, "reply"), {"visibility": "public", "body": text, "macro": macro.pk}
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "waiting_on_partner"
    assert ticket.assignee == agent
    assert ticket.messages.get().body == text  # the agent's edit is what went out
    page = client.get(response["Location"])
    assert "Macro “Ask for a trace”: status becomes Waiting on partner" in flash(page)
    entries = timeline(page)
    for wanted in (
        "Public reply by Sofia Marino",
        "Status changed from New to Open by Sofia Marino",
        "Status changed from Open to Waiting on partner by Sofia Marino Macro: Ask for a trace",
        "Assigned to Sofia Marino by Sofia Marino",
    ):
        assert any(wanted in entry for entry in entries), (wanted, entries)


def test_a_macro_whose_status_the_case_cannot_take_sends_nothing(agent, client, requester):
    ticket = open_case(requester)
    message_post(ticket=ticket, reply=Reply(author=agent, body="Fixed on our side."))
    ticket_set_status(ticket=ticket, actor=agent, status="resolved")
    macro = MacroFactory(status="waiting_on_partner")
    client.force_login(agent)
    text = "One more thing about the trace."

    response = client.post(
        case_url(ticket, "reply"), {"visibility": "public", "body": text, "macro": macro.pk}
    )

    assert response.status_code == 200
    page = Page(response)
    assert page.field_labelled("Message").text == text
    assert "cannot go to Waiting on partner" in page.errors_for(page.field_labelled("Macro"))
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert ticket.messages.count() == 1


def test_an_internal_note_with_a_macro_stays_internal(agent, client, requester):
    ticket = open_case(requester)
    macro = MacroFactory(assign="me")
    client.force_login(agent)

    client.post(
        case_url(ticket, "reply"), {"visibility": "internal", "body": "Note", "macro": macro.pk}
    )

    message = ticket.messages.get()
    assert message.visibility == Message.Visibility.INTERNAL
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == ("new", agent)


# --- Who else has the case open --------------------------------------------------------------


def presence_text(client, ticket) -> str:
    return words(client.get(case_url(ticket, "presence")).content.decode())


def test_colleagues_see_who_is_viewing_and_who_is_writing(agent, noc, client, requester):
    ticket = open_case(requester)
    client.force_login(agent)
    client.get(case_url(ticket))

    client.force_login(noc)
    assert presence_text(client, ticket) == "Sofia Marino is viewing"

    client.force_login(agent)
    assert presence_text(client, ticket) == "Ravi Menon is viewing"  # never oneself
    client.post(case_url(ticket, "presence"), {"writing": "1"})

    client.force_login(noc)
    assert presence_text(client, ticket) == "Sofia Marino is writing a reply"

    # Sending the reply ends "writing"; the agent still has the case open.
    client.force_login(agent)
    client.post(case_url(ticket, "reply"), {"visibility": "public", "body": "On it."})
    client.force_login(noc)
    assert presence_text(client, ticket) == "Sofia Marino is viewing"


def test_presence_expires_when_the_page_stops_polling(agent, noc, client, requester):
    ticket = open_case(requester)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(agent)
        client.get(case_url(ticket))
        client.force_login(noc)
        assert presence_text(client, ticket) == "Sofia Marino is viewing"

        traveller.shift(timedelta(seconds=VIEWING_TTL + 1))
        assert presence_text(client, ticket) == ""


def test_partners_never_see_who_is_on_a_case(agent, client, requester):
    ticket = open_case(requester)
    client.force_login(agent)
    client.get(case_url(ticket))
    client.post(case_url(ticket, "presence"), {"writing": "1"})

    client.force_login(requester)
    assert client.get(case_url(ticket, "presence")).status_code == 403
    page = client.get(reverse("tickets:case_detail", args=[ticket.pk])).content.decode()
    assert "Sofia Marino is" not in page
    assert "case-presence" not in page


# --- The next case in my view ----------------------------------------------------------------


def test_the_page_offers_the_next_case_of_the_view_it_was_opened_from(agent, client, policies):
    client.force_login(agent)
    requester = UserFactory(organisation=OrganisationFactory(region="eu"))
    first, second, third = (open_case(requester, subject=f"Case {n}") for n in range(3))
    view = "status=new&ordering=created_at"
    opened_from = {"from": view}

    html = client.get(case_url(first), opened_from).content.decode()

    nav = re.search(r'<nav class="case-nav" aria-label="Queue">(.*?)</nav>', html, re.S)[1]
    assert re.findall(r'href="([^"]+)"', nav) == [
        reverse("tickets:queue") + "?" + view.replace("&", "&amp;"),
        case_url(second) + "?from=status%3Dnew%26ordering%3Dcreated_at",
    ]
    assert f"Next case in my view: {second.number}" in words(nav)

    # After an action the page keeps the view; the case left it, so the next is the first
    # other case still in it.
    response = client.post(
        case_url(first, "status"),
        {"status-status": "waiting_on_partner", "status-note": "", "from": view},
    )
    location = urlsplit(response["Location"])
    assert location.path == case_url(first)
    assert parse_qs(location.query) == {"from": [view]}
    page = client.get(response["Location"])
    assert f"{first.number} is now Waiting on partner" in flash(page)
    assert f"Next case in my view: {second.number}" in words(page.content.decode())

    # The last case of the view has none after it.
    page = client.get(case_url(third), opened_from)
    assert "Next case in my view" not in words(page.content.decode())
    assert "No other case in this view." in words(page.content.decode())


def test_the_view_query_is_only_ever_a_query_string(agent, client, requester):
    client.force_login(agent)
    ticket = open_case(requester)

    page = client.get(case_url(ticket), {"from": "https://evil.example/?status=new"})

    html = page.content.decode()
    assert 'href="https://evil.example' not in html
    assert reverse("tickets:queue") + "?https" in html  # re-encoded as a key on the queue


# --- Cost --------------------------------------------------------------------------------------


def test_page_queries_do_not_grow_with_messages(agent, client, requester):
    """3 messages or 30, the same number of queries, and no more than the page cost before
    the workspace (21 for this case; the reply box's macro list comes from the cache), plus
    the one query of the documents panel that shares the side column."""
    ticket = open_case(requester)
    MacroFactory.create_batch(3)
    client.force_login(agent)

    def post(count):
        for n in range(count):
            message_post(
                ticket=ticket, reply=Reply(author=agent, body=f"Note {n}", internal=n % 2 == 0)
            )

    post(3)
    client.get(case_url(ticket))  # warm the per-process caches (calendars, policies)
    with CaptureQueriesContext(connection) as few:
        client.get(case_url(ticket))
    post(27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(case_url(ticket))

    assert "Note 26" in response.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries), [
        q["sql"][:120] for q in many.captured_queries
    ]
    assert len(few.captured_queries) <= QUERY_BUDGET


QUERY_BUDGET = 21 + 1
