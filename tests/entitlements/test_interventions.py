"""Scheduled remote interventions, through the pages partners and agents use: asking for
one (slots, platform checklist, access; free or paid as the entitlements on record say),
the agent's answer, cancelling, the reminders 24 hours and 1 hour before, and who may see
what. The organisation holds a support-hour bundle, so its interventions are paid unless a
test gives it a maintenance contract."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desk.actions.status import ticket_set_status
from entitlements import rules, services
from entitlements.models import Entitlement, Intervention
from entitlements.tasks import intervention_sweep, remind_intervention
from supportdesk.celery import app as celery_app
from tests.entitlements.factories import EntitlementFactory
from tests.factories import OrganisationFactory, UserFactory
from tests.partners.pages import Page
from tests.tickets.factories import open_case
from tickets import services as ticket_services
from tickets.models import Event, Notification

pytestmark = pytest.mark.django_db

# Tuesday 1 December 2026, 10:00 in Rome (CET, UTC+1).
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ACCESS = "3CX web admin at https://pbx.alpine.test:5001, account support-tech."
THREECX_ITEMS = list(rules.REMOTE_ACCESS[rules.Platform.THREECX])


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def organisation(policies, calendars):
    organisation = OrganisationFactory(name="Alpine Unified Comms GmbH", tier="gold", region="eu")
    EntitlementFactory(organisation=organisation, reference="BND-ALPINE")
    return organisation


@pytest.fixture
def maintenance_contract(organisation, agent):
    """Makes the organisation's interventions free (and so 8 hours' notice)."""
    return EntitlementFactory(
        organisation=organisation,
        kind=Entitlement.Kind.MAINTENANCE_CONTRACT,
        reference="AMC-ALPINE",
        minutes_bought=None,
        technician=agent,
    )


@pytest.fixture
def partner(organisation):
    return UserFactory(organisation=organisation, full_name="Anna Weber", email="anna@alpine.test")


@pytest.fixture
def ticket(partner, agent):
    case = open_case(partner)
    ticket_services.ticket_assign(ticket=case, actor=agent, assignee=agent)
    return case


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks, eager_celery):
    """Run what a change queues once it commits, tasks included, in this process."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def form_url(ticket) -> str:
    return reverse("entitlements:intervention_new", args=[ticket.pk])


def staff_url(ticket, intervention) -> str:
    return reverse("entitlements:staff_intervention", args=[ticket.pk, intervention.pk])


def cancel_url(ticket, intervention) -> str:
    return reverse("entitlements:intervention_cancel", args=[ticket.pk, intervention.pk])


def partner_page(client, user, ticket):
    client.force_login(user)
    return client.get(reverse("tickets:case_detail", args=[ticket.pk]))


def staff_page(client, user, ticket):
    client.force_login(user)
    return client.get(reverse("tickets:staff_case", args=[ticket.pk]))


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def panel(response) -> str:
    """The "Remote interventions" panel as a reader hears it ('' when the page has none)."""
    html = response.content.decode()
    found = re.search(r'<section class="card" id="interventions".*?</section>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split()) if found else ""


def request_data(**changes) -> dict:
    data = {
        "platform": "3cx",
        "checklist": ["3cx-0", "all-0"],
        "access_description": ACCESS,
        "slot_1": "2026-12-01T18:00",
        "slot_2": "2026-12-02T09:30",
        "slot_3": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def ask(ticket, partner, *slots: datetime) -> Intervention:
    return services.intervention_request(
        ticket=ticket,
        actor=partner,
        platform="3cx",
        checklist=THREECX_ITEMS,
        access_description=ACCESS,
        slots=list(slots),
    )


def book(client, agent, ticket, intervention, **data):
    client.force_login(agent)
    return client.post(staff_url(ticket, intervention), {"action": "confirm", **data})


# --- Asking for an intervention -------------------------------------------------------------


def test_the_form_labels_every_field_and_shows_the_earliest_slot_in_the_users_zone(
    client, partner, ticket
):
    client.force_login(partner)
    response = client.get(form_url(ticket))

    assert response.status_code == 200
    page = Page(response)
    for label in (
        "3CX",
        "Wildix",
        THREECX_ITEMS[0],
        THREECX_ITEMS[1],
        "How our technician reaches the system",
        "First choice",
        "Second choice",
        "Third choice",
    ):
        page.field_labelled(label)
    assert page.field_labelled("First choice").attrs["type"] == "datetime-local"
    # Paid from the bundle: from the next quarter hour (now).
    assert "Paid: drawn from BND-ALPINE" in text(response)
    assert "Earliest slot you can ask for now: Tue 1 Dec 2026, 10:00 CET" in text(response)


def test_under_a_maintenance_contract_the_form_shows_the_free_earliest_slot(
    client, partner, ticket, maintenance_contract
):
    client.force_login(partner)
    response = client.get(form_url(ticket))

    # 8 hours after 10:00 in Rome.
    assert "Free: this case is covered by AMC-ALPINE" in text(response)
    assert "Earliest slot you can ask for now: Tue 1 Dec 2026, 18:00 CET" in text(response)


def test_a_free_request_7h59_ahead_is_refused_with_the_earliest_slot_and_nothing_lost(
    client, partner, ticket, maintenance_contract
):
    client.force_login(partner)
    response = client.post(form_url(ticket), request_data(slot_1="2026-12-01T17:59"))

    assert response.status_code == 400
    page = Page(response)
    slot = page.field_labelled("First choice")
    assert "earliest possible slot is Tue 1 Dec 2026, 18:00 CET" in page.errors_for(slot)
    assert slot.attrs["value"] == "2026-12-01T17:59"
    assert page.field_labelled("Second choice").attrs["value"] == "2026-12-02T09:30"
    assert ACCESS in response.content.decode()
    assert "checked" in page.field_labelled("3CX").attrs
    assert "checked" in page.field_labelled(THREECX_ITEMS[0]).attrs
    assert not Intervention.objects.exists()


def test_a_free_request_8h_ahead_is_accepted(client, partner, ticket, agent, maintenance_contract):
    client.force_login(partner)
    response = client.post(form_url(ticket), request_data())

    case_url = reverse("tickets:case_detail", args=[ticket.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{case_url}#interventions"
    intervention = Intervention.objects.get()
    assert intervention.state == Intervention.State.REQUESTED
    assert intervention.free is True
    assert intervention.covered_by == maintenance_contract
    assert intervention.organisation == ticket.organisation
    assert intervention.requested_by == partner
    assert intervention.slot_starts == [
        datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 2, 8, 30, tzinfo=UTC),
    ]
    assert intervention.checklist_confirmed == THREECX_ITEMS
    event = Event.objects.get(ticket=ticket, kind="intervention_requested")
    assert event.public
    assert ACCESS not in str(event.data)  # the access may hold accounts: not on the timeline
    assert Notification.objects.get(kind="intervention_requested").recipient == agent

    shown = partner_page(client, partner, ticket)
    assert "3CX, free Requested" in panel(shown)
    assert "Tue 1 Dec 2026, 18:00 CET" in panel(shown)
    assert (
        "Remote intervention requested (3CX, free, under AMC-ALPINE) Preferred slots: "
        "Tue 1 Dec 2026, 18:00 CET;"
        " Wed 2 Dec 2026, 09:30 CET" in text(shown)
    )


def test_a_paid_request_may_be_sooner_but_not_in_the_past(client, partner, ticket):
    client.force_login(partner)
    too_late = client.post(
        form_url(ticket), request_data(free=None, slot_1="2026-12-01T09:45", slot_2="")
    )
    assert too_late.status_code == 400
    errors = Page(too_late).errors_for(Page(too_late).field_labelled("First choice"))
    assert "earliest possible slot is Tue 1 Dec 2026, 10:00 CET" in errors

    response = client.post(
        form_url(ticket), request_data(free=None, slot_1="2026-12-01T11:00", slot_2="")
    )

    assert response.status_code == 302
    intervention = Intervention.objects.get()
    assert intervention.free is False
    assert intervention.slot_starts == [datetime(2026, 12, 1, 10, 0, tzinfo=UTC)]


def test_the_platforms_checklist_must_be_ticked_in_full(client, partner, ticket):
    client.force_login(partner)
    response = client.post(form_url(ticket), request_data(checklist=["all-0", "asterisk-0"]))

    assert response.status_code == 400
    page = Page(response)
    assert "Tick every remote-access item for 3CX" in text(response)
    assert THREECX_ITEMS[0] in text(response)
    assert "checked" in page.field_labelled(THREECX_ITEMS[1]).attrs  # kept as ticked
    assert "checked" not in page.field_labelled(THREECX_ITEMS[0]).attrs
    assert page.field_labelled("First choice").attrs["value"] == "2026-12-01T18:00"
    assert not Intervention.objects.exists()


def test_a_commercial_remote_control_tool_is_refused(client, partner, ticket):
    typed = "Connect with TeamViewer, ID 123 456 789; password on the phone."
    client.force_login(partner)
    response = client.post(form_url(ticket), request_data(access_description=typed))

    assert response.status_code == 400
    page = Page(response)
    errors = page.errors_for(page.field_labelled("How our technician reaches the system"))
    assert "TeamViewer cannot be used" in errors
    assert typed in response.content.decode()
    assert not Intervention.objects.exists()


def test_the_service_refuses_the_same_as_the_form(partner, ticket, maintenance_contract):
    with pytest.raises(ValidationError) as refused:
        services.intervention_request(
            ticket=ticket,
            actor=partner,
            platform="asterisk",
            checklist=[],
            access_description="AnyDesk 123",
            slots=[NOW + timedelta(hours=7, minutes=59)],
        )

    errors = refused.value.message_dict
    assert set(errors) == {"checklist", "access_description", "slots"}
    assert "Tue 1 Dec 2026, 18:00 CET" in errors["slots"][0]
    assert not Intervention.objects.exists()


def test_a_closed_case_takes_no_intervention(client, partner, ticket, agent):
    ticket_set_status(ticket=ticket, actor=agent, status="resolved")
    client.force_login(partner)

    response = client.get(form_url(ticket))

    assert response.status_code == 302
    assert "Ask for a remote intervention" not in panel(partner_page(client, partner, ticket))


# --- The agent's answer ---------------------------------------------------------------------


def test_the_agent_confirms_a_slot_and_both_case_pages_show_it(
    client, partner, agent, ticket, on_commit, mailoutbox
):
    intervention = ask(
        ticket,
        partner,
        datetime(2026, 12, 2, 13, 0, tzinfo=UTC),
        datetime(2026, 12, 3, 14, 0, tzinfo=UTC),
    )
    mailoutbox.clear()

    shown = staff_page(client, agent, ticket)
    page = Page(shown)
    for label in ("Another time", "Duration (minutes)", "Reason for declining"):
        page.field_labelled(label)
    assert "Thu 3 Dec 2026, 14:00 UTC" in panel(shown)  # the agent's zone
    assert ACCESS in panel(shown)

    with on_commit():
        response = book(client, agent, ticket, intervention, slot="1", duration_minutes="90")

    assert response.status_code == 302
    intervention.refresh_from_db()
    assert intervention.state == Intervention.State.CONFIRMED
    assert intervention.confirmed_start == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    assert intervention.duration_minutes == 90
    assert intervention.confirmed_by == agent

    staff = panel(staff_page(client, agent, ticket))
    assert "Booked for Thu 3 Dec 2026, 14:00 UTC , for about 90 minutes" in staff
    partner_side = partner_page(client, partner, ticket)
    assert "Booked for Thu 3 Dec 2026, 15:00 CET , for about 90 minutes" in panel(partner_side)
    assert "Remote intervention confirmed: Thu 3 Dec 2026, 15:00 CET" in text(partner_side)
    assert "Cancel this intervention" in panel(partner_side)
    # The partner hears of it; no reminder yet, two days ahead.
    assert [m.subject for m in mailoutbox] == [
        f"[{ticket.number}] Remote intervention confirmed: {ticket.subject}"
    ]
    assert "Thu 3 Dec 2026, 15:00 CET" in mailoutbox[0].body
    assert mailoutbox[0].to == ["anna@alpine.test"]
    assert not Event.objects.filter(kind="intervention_reminded").exists()


def test_the_agent_may_book_another_time_which_the_partner_sees(
    client, partner, agent, ticket, on_commit, mailoutbox
):
    intervention = ask(ticket, partner, datetime(2026, 12, 2, 13, 0, tzinfo=UTC))

    with on_commit():
        response = book(client, agent, ticket, intervention, slot="other", start="2026-12-04T08:00")

    assert response.status_code == 302
    intervention.refresh_from_db()
    assert intervention.confirmed_start == datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    partner_side = partner_page(client, partner, ticket)
    assert "Fri 4 Dec 2026, 09:00 CET" in panel(partner_side)
    assert "another time than asked" in panel(partner_side)
    assert (
        "Support proposed another time for the remote intervention: Fri 4 Dec 2026, 09:00 CET"
        in text(partner_side)
    )
    assert "a new time" in mailoutbox[-1].subject


def test_booking_a_time_already_past_is_refused_and_the_typed_time_kept(
    client, partner, agent, ticket
):
    intervention = ask(ticket, partner, datetime(2026, 12, 2, 13, 0, tzinfo=UTC))

    response = book(client, agent, ticket, intervention, slot="other", start="2026-12-01T08:00")

    assert response.status_code == 400
    page = Page(response)
    another = page.field_labelled("Another time")
    assert "earliest possible start is Tue 1 Dec 2026, 09:00 UTC" in page.errors_for(another)
    assert another.attrs["value"] == "2026-12-01T08:00"
    assert Intervention.objects.get().state == Intervention.State.REQUESTED


def test_declining_needs_a_reason_which_the_partner_then_reads(
    client, partner, agent, ticket, on_commit, mailoutbox
):
    intervention = ask(ticket, partner, datetime(2026, 12, 2, 13, 0, tzinfo=UTC))
    client.force_login(agent)

    refused = client.post(staff_url(ticket, intervention), {"action": "decline", "reason": " "})

    assert refused.status_code == 400
    page = Page(refused)
    assert "Say why" in page.errors_for(page.field_labelled("Reason for declining"))
    assert Intervention.objects.get().state == Intervention.State.REQUESTED

    reason = "The PBX runs a release we no longer support: upgrade it first."
    with on_commit():
        response = client.post(
            staff_url(ticket, intervention), {"action": "decline", "reason": reason}
        )

    assert response.status_code == 302
    assert Intervention.objects.get().state == Intervention.State.DECLINED
    partner_side = partner_page(client, partner, ticket)
    assert f"Why declined {reason}" in panel(partner_side)
    assert f"Remote intervention declined {reason}" in text(partner_side)
    assert "Cancel this intervention" not in panel(partner_side)
    assert reason in mailoutbox[-1].body


def test_the_partner_cancels(client, partner, agent, ticket):
    intervention = ask(ticket, partner, datetime(2026, 12, 2, 13, 0, tzinfo=UTC))
    client.force_login(partner)

    response = client.post(cancel_url(ticket, intervention))

    assert response.status_code == 302
    assert Intervention.objects.get().state == Intervention.State.CANCELLED
    assert Notification.objects.get(kind="intervention_cancelled").recipient == agent
    shown = partner_page(client, partner, ticket)
    assert "Cancelled" in panel(shown)
    assert "Cancel this intervention" not in panel(shown)
    assert "Remote intervention cancelled by the partner" in text(shown)
    # Nothing more can happen to it.
    again = book(client, agent, ticket, intervention, slot="0")
    assert again.status_code == 400
    assert "it can no longer be booked" in Page(again).alerts()


def test_another_organisations_user_gets_404(client, partner, agent, ticket):
    intervention = ask(ticket, partner, datetime(2026, 12, 2, 13, 0, tzinfo=UTC))
    stranger = UserFactory(organisation=OrganisationFactory(name="Other Voice Srl"))
    client.force_login(stranger)

    assert client.get(form_url(ticket)).status_code == 404
    assert client.post(form_url(ticket), request_data()).status_code == 404
    assert client.post(cancel_url(ticket, intervention)).status_code == 404
    assert Intervention.objects.get().state == Intervention.State.REQUESTED
    # An intervention of another case is not found through this one.
    other_case = open_case(stranger)
    client.force_login(agent)
    assert client.post(staff_url(other_case, intervention), {"action": "done"}).status_code == 404


def test_partners_cannot_use_the_staff_actions(client, partner, ticket):
    intervention = ask(ticket, partner, datetime(2026, 12, 2, 13, 0, tzinfo=UTC))
    client.force_login(partner)

    response = client.post(staff_url(ticket, intervention), {"action": "confirm", "slot": "0"})

    assert response.status_code == 403
    assert Intervention.objects.get().state == Intervention.State.REQUESTED


# --- Reminders ------------------------------------------------------------------------------


def reminders(kind: str) -> dict[str, int]:
    subject = f"Reminder: remote intervention in {kind}"
    key = {"24 hours": "24h", "1 hour": "1h"}[kind]
    return {
        "events": Event.objects.filter(kind="intervention_reminded", data__reminder=key).count(),
        "notices": Notification.objects.filter(
            kind="intervention_reminder", title__endswith=f"in {kind}"
        ).count(),
        "mails": sum(subject in m.subject for m in mail.outbox),
    }


def test_each_reminder_goes_once_even_when_the_sweep_and_the_task_both_run(
    client, partner, agent, ticket, on_commit, clock
):
    start = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    intervention = ask(ticket, partner, start)
    with on_commit():
        book(client, agent, ticket, intervention, slot="0")
    mail.outbox.clear()

    clock.move_to(start - timedelta(hours=24, minutes=1))
    with on_commit():
        intervention_sweep()  # queues the ETA task, which (eager) runs now, a minute early
        remind_intervention(intervention.pk, "24h")
    assert reminders("24 hours") == {"events": 0, "notices": 0, "mails": 0}

    clock.move_to(start - timedelta(hours=24))
    with on_commit():
        remind_intervention(intervention.pk, "24h")
        intervention_sweep()
        remind_intervention(intervention.pk, "24h")
    assert reminders("24 hours") == {"events": 1, "notices": 1, "mails": 1}
    assert reminders("1 hour") == {"events": 0, "notices": 0, "mails": 0}

    clock.move_to(start - timedelta(minutes=55))
    with on_commit():
        intervention_sweep()
        remind_intervention(intervention.pk, "1h")
        remind_intervention(intervention.pk, "1h")
        remind_intervention(intervention.pk, "24h")
    assert reminders("1 hour") == {"events": 1, "notices": 1, "mails": 1}
    assert reminders("24 hours") == {"events": 1, "notices": 1, "mails": 1}

    notice = Notification.objects.get(kind="intervention_reminder", title__endswith="1 hour")
    assert notice.recipient == agent
    assert "Thu 3 Dec 2026, 14:00 UTC" in notice.body
    partner_mail = next(
        m for m in mail.outbox if "Reminder: remote intervention in 1 hour" in m.subject
    )
    assert partner_mail.to == ["anna@alpine.test"]
    assert "Thu 3 Dec 2026, 15:00 CET" in partner_mail.body
    client.force_login(partner)
    shown = text(partner_page(client, partner, ticket))
    assert "Reminders sent 1 hour before the remote intervention: Thu 3 Dec 2026, 15:00 CET" in (
        shown
    )


def test_moving_a_booking_gives_the_new_start_its_own_reminders(
    client, partner, agent, ticket, on_commit, clock
):
    start = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    intervention = ask(ticket, partner, start)
    book(client, agent, ticket, intervention, slot="0")
    clock.move_to(start - timedelta(hours=23))
    with on_commit():
        intervention_sweep()
    assert reminders("24 hours")["events"] == 1

    later = start + timedelta(days=2)
    book(client, agent, ticket, intervention, slot="other", start=f"{later:%Y-%m-%dT%H:%M}")
    with on_commit():
        intervention_sweep()  # the old start's reminder time: nothing for the new one yet
    assert reminders("24 hours")["events"] == 1

    clock.move_to(later - timedelta(hours=24))
    with on_commit():
        intervention_sweep()
    assert reminders("24 hours")["events"] == 2


def test_a_booking_made_inside_a_day_skips_the_24_hour_reminder(
    client, partner, agent, ticket, on_commit, clock
):
    start = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    intervention = ask(ticket, partner, start)
    with on_commit():
        book(client, agent, ticket, intervention, slot="0")
        intervention_sweep()
    assert reminders("24 hours")["events"] == 0

    clock.move_to(start - timedelta(hours=1))
    with on_commit():
        intervention_sweep()
    assert reminders("1 hour")["events"] == 1
    assert reminders("24 hours")["events"] == 0


def test_a_cancelled_intervention_gets_no_reminder(
    client, partner, agent, ticket, on_commit, clock
):
    start = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    intervention = ask(ticket, partner, start)
    book(client, agent, ticket, intervention, slot="0")
    client.force_login(partner)
    client.post(cancel_url(ticket, intervention))

    clock.move_to(start - timedelta(hours=1))
    with on_commit():
        intervention_sweep()
        remind_intervention(intervention.pk, "1h")

    assert not Event.objects.filter(kind="intervention_reminded").exists()


def test_beat_sweeps_for_reminders_every_five_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["intervention-reminders"]
    assert entry["task"] == intervention_sweep.name
    assert entry["schedule"] == 300
    assert entry["task"] in celery_app.tasks


# --- Query counts ---------------------------------------------------------------------------


def test_case_pages_query_counts_do_not_grow_with_interventions(
    client, partner, agent, ticket, django_assert_max_num_queries
):
    def add(count: int) -> None:
        for n in range(count):
            intervention = ask(ticket, partner, NOW + timedelta(days=2, hours=n))
            services.intervention_confirm(
                intervention=intervention, actor=agent, start=NOW + timedelta(days=3, hours=n)
            )

    add(1)
    ask(ticket, partner, NOW + timedelta(days=2))
    pages = [
        (partner, reverse("tickets:case_detail", args=[ticket.pk])),
        (agent, reverse("tickets:staff_case", args=[ticket.pk])),
    ]
    few = []
    for user, url in pages:
        client.force_login(user)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        few.append(len(queries))

    add(6)

    for (user, url), allowed in zip(pages, few, strict=True):
        client.force_login(user)
        client.get(url)
        with django_assert_max_num_queries(allowed):
            response = client.get(url)
        assert response.content.decode().count('class="intervention"') == 8
