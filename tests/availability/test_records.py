"""The NOC records incidents and maintenance: every change is on the timeline and the
affected months' credits follow it."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from availability.models import Credit, Event, Incident, Maintenance, ServiceDay
from availability.services import records
from partners.roles import Role
from tests.availability.factories import IncidentFactory, ServiceFactory, SubscriptionFactory
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.tickets.factories import TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)
DECEMBER = date(2026, 12, 1)


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture(autouse=True)
def december():
    """Early December 2026: November is over, December has begun, January has not."""
    with time_machine.travel(utc(2026, 12, 5, 12), tick=False):
        yield


@pytest.fixture
def cloud(policies):
    return ServiceFactory(code="uc-cloud-eu", name="UC Cloud EU")


@pytest.fixture
def subscription(cloud):
    return SubscriptionFactory(services=[cloud], monthly_fee=Decimal("1000.00"))


@pytest.fixture
def noc(policies):
    return StaffFactory(roles=[Role.NOC], full_name="Ravi Menon", time_zone="Europe/Rome")


@pytest.fixture
def recorded(django_capture_on_commit_callbacks, eager_celery):
    """Run what a write queues on commit (credits and daily figures worked out again), as the
    worker would. ``run.queued`` counts the tasks queued, ``run.tasks`` lists them."""

    def run(write, **kwargs):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            result = write(**kwargs)
        run.queued = len(callbacks)
        run.tasks = sorted((call.func.__self__.name, *call.args) for call in callbacks)
        run.days = sorted(
            (*call.args, tuple(call.keywords["service_ids"]))
            for call in callbacks
            if call.func.__self__.name == "availability.recompute_days"
        )
        return result

    return run


def credit(subscription, month=NOVEMBER) -> Credit:
    return Credit.objects.get(subscription=subscription, month=month, adjusts=None)


def outage(noc, cloud, start, length, **fields):
    return dict(
        actor=noc,
        title="UC Cloud EU unreachable",
        started_at=start,
        ended_at=start + length,
        services=[cloud],
        **fields,
    )


# --- Services ------------------------------------------------------------------------------


def test_an_outage_recorded_for_a_service_makes_its_subscribers_credit_appear(
    noc, cloud, subscription, recorded
):
    incident = recorded(
        records.incident_create, **outage(noc, cloud, utc(2026, 11, 10), timedelta(days=1))
    )
    assert credit(subscription).amount == Decimal("100.00")  # 96.66 %: 90 % payable
    assert list(credit(subscription).incidents.all()) == [incident]
    event = Event.objects.get(incident=incident)
    assert (event.kind, event.actor) == ("incident_opened", noc)
    assert event.data["changes"]["ended_at"] == [None, "2026-11-11T00:00:00+00:00"]
    assert event.data["changes"]["services"] == [None, ["UC Cloud EU"]]


def test_changing_an_incident_records_only_what_changed_and_recomputes_the_credit(
    noc, cloud, subscription, recorded
):
    incident = recorded(
        records.incident_create, **outage(noc, cloud, utc(2026, 11, 10), timedelta(days=1))
    )
    recorded(
        records.incident_update,
        incident=incident,
        actor=noc,
        ended_at=utc(2026, 11, 10, 1),
        title="UC Cloud EU unreachable",
    )
    assert credit(subscription).amount == 0  # one hour down: 99.86 %, full fee payable
    event = incident.events.last()
    assert event.kind == "incident_changed"
    assert event.data["changes"] == {
        "ended_at": ["2026-11-11T00:00:00+00:00", "2026-11-10T01:00:00+00:00"]
    }


def test_moving_an_incident_to_another_month_recomputes_both(noc, cloud, subscription, recorded):
    incident = recorded(
        records.incident_create, **outage(noc, cloud, utc(2026, 11, 10), timedelta(days=1))
    )
    recorded(
        records.incident_update,
        incident=incident,
        actor=noc,
        started_at=utc(2026, 12, 1, 6),
        ended_at=utc(2026, 12, 2, 6),
    )
    assert credit(subscription, NOVEMBER).amount == 0
    assert credit(subscription, DECEMBER).amount > 0


def test_wording_changes_leave_the_credits_alone(noc, cloud, recorded):
    incident = recorded(
        records.incident_create, **outage(noc, cloud, utc(2026, 11, 10), timedelta(days=1))
    )
    recorded(records.incident_update, incident=incident, actor=noc, public_note="Fixed.")
    assert recorded.queued == 0
    assert incident.events.last().data["changes"] == {"public_note": ["", "Fixed."]}
    recorded(records.incident_update, incident=incident, actor=noc, public_note="Fixed.")
    assert incident.events.count() == 2  # nothing changed, nothing recorded


def test_months_not_yet_begun_are_not_computed_and_zone_margins_are(noc, cloud, recorded):
    recorded(
        records.maintenance_create,
        actor=noc,
        title="Upgrade",
        starts_at=utc(2027, 1, 10, 22),
        ends_at=utc(2027, 1, 11, 2),
        services=[cloud],
    )
    assert recorded.queued == 0
    # 23:30 UTC on 30 November is already December in Rome.
    recorded(
        records.incident_create,
        **outage(noc, cloud, utc(2026, 11, 30, 23, 30), timedelta(minutes=10)),
    )
    assert recorded.tasks == [
        ("availability.recompute_credits", "2026-11-01"),
        ("availability.recompute_credits", "2026-12-01"),
        # Days of any zone the outage touches, up to today.
        ("availability.recompute_days", "2026-11-30", "2026-12-01"),
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ended_at": utc(2026, 11, 9)}, "ended_at"),
        ({"services": []}, "services"),
        ({"title": "  "}, "title"),
        ({"scope": Incident.Scope.ORGANISATIONS}, "organisations"),
    ],
)
def test_refusals_name_the_field_and_save_nothing(noc, cloud, changes, field):
    with pytest.raises(ValidationError) as refused:
        records.incident_create(
            **(outage(noc, cloud, utc(2026, 11, 10), timedelta(hours=1)) | changes)
        )
    assert field in refused.value.message_dict
    assert not Incident.objects.exists()
    assert not Event.objects.exists()


def test_the_whole_service_scope_drops_a_list_of_organisations(noc, cloud):
    incident = records.incident_create(
        **outage(noc, cloud, utc(2026, 11, 10), timedelta(hours=1)),
        organisations=[OrganisationFactory()],
    )
    assert incident.organisations.count() == 0


def test_ending_an_ongoing_incident(noc, cloud, subscription, recorded):
    incident = recorded(
        records.incident_create,
        actor=noc,
        title="Down",
        started_at=utc(2026, 12, 5, 11),
        services=[cloud],
    )
    recorded(records.incident_end, incident=incident, actor=noc)
    incident.refresh_from_db()
    assert incident.ended_at == utc(2026, 12, 5, 12)
    assert incident.events.last().kind == "incident_ended"
    assert credit(subscription, DECEMBER).incidents.get() == incident
    with pytest.raises(ValidationError, match="already ended"):
        records.incident_end(incident=incident, actor=noc)


def test_maintenance_announced_in_time_gives_the_outage_back(noc, cloud, subscription, recorded):
    start = utc(2026, 11, 14, 22)
    recorded(records.incident_create, **outage(noc, cloud, start, timedelta(hours=4)))
    assert credit(subscription).availability < 100
    window = recorded(
        records.maintenance_create,
        actor=noc,
        title="Database upgrade",
        starts_at=start,
        ends_at=start + timedelta(hours=4),
        services=[cloud],
        notified_at=start - timedelta(hours=47),
    )
    assert credit(subscription).availability < 100  # told too late
    recorded(
        records.maintenance_update,
        maintenance=window,
        actor=noc,
        notified_at=start - timedelta(hours=48),
    )
    assert credit(subscription).availability == 100
    assert [event.kind for event in window.events.all()] == [
        "maintenance_scheduled",
        "maintenance_changed",
    ]


def test_maintenance_must_end_after_it_starts(noc, cloud):
    with pytest.raises(ValidationError) as refused:
        records.maintenance_create(
            actor=noc,
            title="Upgrade",
            starts_at=utc(2026, 11, 10),
            ends_at=utc(2026, 11, 10),
            services=[cloud],
        )
    assert set(refused.value.message_dict) == {"ends_at"}


# --- Daily figures -------------------------------------------------------------------------


def day_figure(service, day: date) -> Decimal | None:
    found = ServiceDay.objects.filter(service=service, day=day).first()
    return None if found is None else found.availability


def test_recording_moving_and_deleting_an_outage_recomputes_exactly_its_days_and_services(
    noc, cloud, recorded
):
    portal = ServiceFactory(code="portal", name="Partner portal")
    incident = recorded(
        records.incident_create, **outage(noc, cloud, utc(2026, 11, 10, 6), timedelta(hours=6))
    )
    # The days any reporting zone sees it on, of the service it names.
    assert recorded.days == [("2026-11-09", "2026-11-11", (cloud.pk,))]
    assert day_figure(cloud, date(2026, 11, 10)) == 75
    assert day_figure(cloud, date(2026, 11, 9)) == 100
    assert not ServiceDay.objects.filter(service=portal).exists()

    recorded(
        records.incident_update,
        incident=incident,
        actor=noc,
        services=[portal],
        started_at=utc(2026, 11, 20, 6),
        ended_at=utc(2026, 11, 20, 12),
    )
    # The days it left, of the service it left, and the days it moved to, of the new one.
    assert recorded.days == [
        ("2026-11-09", "2026-11-11", (cloud.pk,)),
        ("2026-11-19", "2026-11-21", (portal.pk,)),
    ]
    assert day_figure(cloud, date(2026, 11, 10)) == 100
    assert day_figure(portal, date(2026, 11, 20)) == 75
    assert not ServiceDay.objects.filter(service=cloud, day=date(2026, 11, 20)).exists()

    recorded(records.incident_delete, incident=incident, actor=noc)
    assert recorded.days == [("2026-11-19", "2026-11-21", (portal.pk,))]
    assert day_figure(portal, date(2026, 11, 20)) == 100
    assert not Incident.objects.exists()
    removed = Event.objects.get(kind="incident_deleted")
    assert (removed.actor, removed.data["record"]) == (noc, incident.pk)
    assert removed.data["changes"]["title"] == ["UC Cloud EU unreachable", None]


def test_deleting_announced_maintenance_gives_the_outage_back_to_its_day(noc, cloud, recorded):
    start = utc(2026, 11, 14, 20)
    recorded(records.incident_create, **outage(noc, cloud, start, timedelta(hours=4)))
    window = recorded(
        records.maintenance_create,
        actor=noc,
        title="Database upgrade",
        starts_at=start,
        ends_at=start + timedelta(hours=4),
        services=[cloud],
        notified_at=start - timedelta(days=3),
    )
    assert day_figure(cloud, date(2026, 11, 14)) == 100

    recorded(records.maintenance_delete, maintenance=window, actor=noc)

    assert recorded.days == [("2026-11-14", "2026-11-15", (cloud.pk,))]
    assert 83 < day_figure(cloud, date(2026, 11, 14)) < 84  # four hours of 24 down
    assert not Maintenance.objects.exists()
    assert Event.objects.filter(kind="maintenance_deleted").count() == 1


def test_an_incident_an_invoice_counted_stays(noc, cloud, subscription, recorded):
    incident = recorded(
        records.incident_create, **outage(noc, cloud, utc(2026, 11, 10), timedelta(days=1))
    )
    Credit.objects.filter(subscription=subscription).update(
        state=Credit.State.APPLIED, invoice_number="INV-1"
    )

    with pytest.raises(ValidationError, match="invoice"):
        records.incident_delete(incident=incident, actor=noc)

    assert Incident.objects.filter(pk=incident.pk).exists()


def test_days_are_figured_within_the_desks_years_and_before_the_first_terms(
    noc, cloud, django_capture_on_commit_callbacks, eager_celery
):
    cloud.launched_on = date(2000, 1, 1)
    cloud.save()
    with django_capture_on_commit_callbacks() as callbacks:
        records.incident_create(**outage(noc, cloud, utc(2000, 1, 1), timedelta(hours=6)))
    queued = {call.func.__self__.name: call for call in callbacks}
    # Not the evening before 2000 that some zones still read.
    assert queued["availability.recompute_credits"].args == ("2000-01-01",)
    days = queued["availability.recompute_days"]
    assert (days.args, days.keywords) == (("2000-01-01", "2000-01-01"), {"service_ids": [cloud.pk]})

    days()

    # No terms were in force yet: the first version's notice stands in for them.
    assert day_figure(cloud, date(2000, 1, 1)) == 75


def test_no_figure_is_stored_before_a_service_launched(noc, cloud, recorded):
    cloud.launched_on = date(2026, 11, 10)
    cloud.save()
    recorded(
        records.incident_create, **outage(noc, cloud, utc(2026, 11, 9, 20), timedelta(hours=8))
    )
    assert day_figure(cloud, date(2026, 11, 9)) is None
    assert 83 < day_figure(cloud, date(2026, 11, 10)) < 84  # four hours of 24 down


# --- Pages ---------------------------------------------------------------------------------


def incident_post(cloud, **fields):
    return {
        "title": "UC Cloud EU unreachable",
        "started_at": "2026-11-10T10:00",
        "ended_at": "2026-11-10T12:30",
        "services": [cloud.pk],
        "scope": "service",
        "impact": "outage",
        "cause": "vendor",
        "public_note": "",
        "tickets": "",
        **fields,
    }


def test_a_noc_engineer_records_an_outage_in_their_own_time_zone(
    client, noc, cloud, subscription, django_capture_on_commit_callbacks, eager_celery
):
    client.force_login(noc)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("availability:noc_incident_new"), incident_post(cloud))
    incident = Incident.objects.get()
    assert response.url == reverse("availability:noc_incident", args=[incident.pk])
    assert (incident.started_at, incident.ended_at) == (
        utc(2026, 11, 10, 9),
        utc(2026, 11, 10, 11, 30),
    )
    assert incident.created_by == noc
    assert credit(subscription).incidents.get() == incident

    page = client.get(response.url).content.decode()
    assert "Tue 10 Nov 2026, 10:00 CET" in page
    assert "Incident recorded" in page
    assert "by Ravi Menon" in page


def test_a_refused_form_comes_back_with_what_was_typed(client, noc, cloud):
    client.force_login(noc)
    response = client.post(
        reverse("availability:noc_incident_new"),
        incident_post(
            cloud, title="Calls fail", ended_at="2026-11-10T09:00", scope="organisations"
        ),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The end must be after the start." in page
    assert "List the organisations affected" in page
    assert 'value="Calls fail"' in page
    assert 'value="2026-11-10T09:00"' in page
    assert not Incident.objects.exists()


def test_editing_shows_the_change_on_the_timeline(client, noc, cloud):
    incident = records.incident_create(
        **outage(noc, cloud, utc(2026, 11, 10, 9), timedelta(hours=1))
    )
    client.force_login(noc)
    form = client.get(reverse("availability:noc_incident_edit", args=[incident.pk]))
    assert 'value="2026-11-10T10:00"' in form.content.decode()  # shown in Rome time

    response = client.post(
        reverse("availability:noc_incident_edit", args=[incident.pk]),
        incident_post(cloud, impact="degraded", ended_at="2026-11-10T11:00"),
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.impact == Incident.Impact.DEGRADED
    page = client.get(response.url).content.decode()
    assert "Incident changed" in page
    assert "Impact: Full outage → Degraded service" in page


def test_ending_an_incident_now_from_its_page(client, noc, cloud):
    incident = records.incident_create(
        actor=noc, title="Down", started_at=utc(2026, 12, 5, 11), services=[cloud]
    )
    client.force_login(noc)
    response = client.post(reverse("availability:noc_incident_end", args=[incident.pk]))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.ended_at == utc(2026, 12, 5, 12)


def test_the_list_shows_ongoing_incidents_first(client, noc, cloud, django_assert_max_num_queries):
    for day in range(1, 21):
        IncidentFactory(
            services=[cloud], started_at=utc(2026, 11, day), ended_at=utc(2026, 11, day, 1)
        )
    IncidentFactory(title="Still down", services=[cloud], started_at=utc(2026, 10, 1))
    client.force_login(noc)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("availability:noc_incidents"))
    page = response.content.decode()
    assert page.index("Still down") < page.index("Outage")
    assert "Incidents" in page  # the navigation entry


def test_an_incident_opened_from_a_critical_case_links_it(client, noc, cloud):
    ticket = TicketFactory(subject="All calls fail", cos=Ticket.ClassOfService.CRITICAL)
    client.force_login(noc)
    form = client.get(reverse("availability:noc_incident_new") + f"?ticket={ticket.pk}")
    assert 'value="All calls fail"' in form.content.decode()
    assert ticket.number in form.content.decode()

    client.post(
        reverse("availability:noc_incident_new"),
        incident_post(cloud, title="All calls fail", tickets=ticket.number),
    )
    assert list(Incident.objects.get().tickets.all()) == [ticket]


def test_an_unknown_case_number_is_refused(client, noc, cloud):
    client.force_login(noc)
    response = client.post(
        reverse("availability:noc_incident_new"), incident_post(cloud, tickets="SD-999999, nope")
    )
    assert "No case with the number nope, SD-999999." in response.content.decode()


def test_maintenance_pages(client, noc, cloud):
    client.force_login(noc)
    response = client.post(
        reverse("availability:noc_maintenance_new"),
        {
            "title": "Database upgrade",
            "starts_at": "2026-12-12T23:00",
            "ends_at": "2026-12-13T01:00",
            "services": [cloud.pk],
            "notified_at": "2026-12-05T13:00",
            "note": "",
        },
    )
    window = Maintenance.objects.get()
    assert response.url == reverse("availability:noc_maintenance", args=[window.pk])
    assert window.starts_at == utc(2026, 12, 12, 22)
    listing = client.get(reverse("availability:noc_maintenance_list")).content.decode()
    assert "Database upgrade" in listing

    response = client.post(
        reverse("availability:noc_maintenance_edit", args=[window.pk]),
        {
            "title": "Database upgrade",
            "starts_at": "2026-12-12T23:00",
            "ends_at": "2026-12-12T22:00",
            "services": [cloud.pk],
        },
    )
    assert "The end must be after the start." in response.content.decode()


@pytest.mark.parametrize("roles", [[Role.AGENT], [Role.BILLING], []])
def test_only_the_noc_records_incidents(client, policies, roles):
    user = StaffFactory(roles=roles) if roles else UserFactory()
    client.force_login(user)
    assert client.get(reverse("availability:noc_incidents")).status_code == 403
    assert client.get(reverse("availability:noc_maintenance_new")).status_code == 403


def test_an_administrator_removes_an_incident_in_the_admin_and_its_days_follow(
    client, noc, cloud, recorded
):
    incident = recorded(
        records.incident_create, **outage(noc, cloud, utc(2026, 11, 10, 6), timedelta(hours=6))
    )
    administrator = StaffFactory(roles=[Role.ADMIN])
    client.force_login(administrator)
    change = reverse("admin:availability_incident_change", args=[incident.pk])
    delete = reverse("admin:availability_incident_delete", args=[incident.pk])
    # Changes go through the NOC pages, where the timeline and the figures follow them.
    assert client.post(change, {"title": "Renamed"}).status_code == 403

    recorded(client.post, path=delete, data={"post": "yes"})

    assert not Incident.objects.exists()
    assert recorded.days == [("2026-11-09", "2026-11-11", (cloud.pk,))]
    assert day_figure(cloud, date(2026, 11, 10)) == 100
    assert Event.objects.get(kind="incident_deleted").actor == administrator
