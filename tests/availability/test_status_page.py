"""The status page: which services and incidents each user sees, the daily bars, today's bar
and the month so far, and each incident's page."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from availability import calc
from availability.status import Level, day_level
from partners.roles import Role
from tests.availability.factories import (
    IncidentFactory,
    IncidentUpdateFactory,
    MaintenanceFactory,
    ServiceDayFactory,
    ServiceFactory,
    SubscriptionFactory,
)
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.partners.pages import Page
from tests.tickets.factories import TicketFactory

pytestmark = pytest.mark.django_db

STATUS = reverse("availability:status")
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
TODAY = NOW.date()


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


def incident_page(incident) -> str:
    pk = incident if isinstance(incident, int) else incident.pk
    return reverse("availability:status_incident", args=[pk])


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(policies):
    """Acme subscribes to UC Cloud EU (and did to the partner portal until last month); Bolt
    subscribes to CLASSOUND US. A retired service is no longer shown to anyone."""
    cloud = ServiceFactory(code="uc-cloud-eu", name="UC Cloud EU")
    classound = ServiceFactory(code="classound-us", name="CLASSOUND US")
    portal = ServiceFactory(code="portal", name="Partner portal")
    ServiceFactory(code="retired", name="Old fax gateway", is_active=False)
    acme = OrganisationFactory(name="Acme Spa")
    bolt = OrganisationFactory(name="Bolt Inc")
    SubscriptionFactory(organisation=acme, services=[cloud], starts_on=date(2025, 1, 1))
    SubscriptionFactory(
        organisation=acme,
        services=[portal],
        starts_on=date(2025, 1, 1),
        ends_on=date(2026, 10, 31),
    )
    SubscriptionFactory(organisation=bolt, services=[classound], starts_on=date(2025, 1, 1))
    return {
        "cloud": cloud,
        "classound": classound,
        "portal": portal,
        "acme": acme,
        "bolt": bolt,
        "acme_user": UserFactory(organisation=acme),
        "bolt_user": UserFactory(organisation=bolt),
    }


def services_shown(page: Page) -> list[str]:
    return [e.attrs["data-service"] for e in page.elements if "data-service" in e.attrs]


def bar(page: Page, service: str, day: date):
    rows = [e for e in page.elements if e.attrs.get("data-service") == service]
    assert rows, f"{service} is not on the page"
    start = page.elements.index(rows[0])
    for element in page.elements[start:]:
        if element.attrs.get("data-day") == day.isoformat():
            return element
    raise AssertionError(f"no bar for {day} under {service}")


def state_of(page: Page, service: str) -> str:
    rows = [e for e in page.elements if e.attrs.get("data-service") == service]
    start = page.elements.index(rows[0])
    return next(e.attrs["data-state"] for e in page.elements[start:] if "data-state" in e.attrs)


def month_to_date(page: Page, service: str) -> str:
    rows = [e for e in page.elements if e.attrs.get("data-service") == service]
    start = page.elements.index(rows[0])
    return next(
        e.attrs["data-month-to-date"]
        for e in page.elements[start:]
        if "data-month-to-date" in e.attrs
    )


def incidents_listed(page: Page) -> set[int]:
    return {int(e.attrs["data-incident"]) for e in page.elements if "data-incident" in e.attrs}


# --- Who sees what -------------------------------------------------------------------------


def test_a_partner_sees_only_the_services_their_organisation_subscribes_to_today(client, world):
    client.force_login(world["acme_user"])

    page = Page(client.get(STATUS))

    assert services_shown(page) == ["uc-cloud-eu"]


def test_staff_see_every_active_service(client, world):
    client.force_login(StaffFactory(roles=[Role.AGENT]))

    page = Page(client.get(STATUS))

    assert services_shown(page) == ["classound-us", "portal", "uc-cloud-eu"]


def test_status_is_in_the_navigation_of_partners_and_every_staff_role(client, world):
    users = [world["acme_user"]] + [
        StaffFactory(roles=[role])
        for role in (Role.AGENT, Role.NOC, Role.BILLING, Role.ADMIN, Role.LEAD)
    ]
    for user in users:
        client.force_login(user)
        page = Page(client.get(STATUS))
        nav = [e for e in page.find_all("nav") if e.attrs.get("aria-label") == "Main"]
        assert "Status" in nav[0].text, user
        current = [e for e in page.find_all("a") if e.attrs.get("aria-current") == "page"]
        assert [e.text for e in current] == ["Status"]


def test_the_status_page_asks_visitors_to_log_in(client, world):
    response = client.get(STATUS)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_partner_never_sees_an_incident_scoped_to_another_organisation(client, world):
    for_bolt = IncidentFactory(
        title="Bolt trunk down",
        services=[world["cloud"]],
        scope="organisations",
        organisations=[world["bolt"]],
        started_at=NOW - timedelta(hours=2),
    )
    for_acme = IncidentFactory(
        title="Acme trunk down",
        services=[world["cloud"]],
        scope="organisations",
        organisations=[world["acme"]],
        started_at=NOW - timedelta(hours=3),
    )
    whole_cloud = IncidentFactory(
        title="Cloud EU down", services=[world["cloud"]], started_at=NOW - timedelta(hours=1)
    )
    other_service = IncidentFactory(
        title="CLASSOUND US down",
        services=[world["classound"]],
        started_at=NOW - timedelta(hours=1),
    )
    client.force_login(world["acme_user"])

    page = Page(client.get(STATUS))

    assert incidents_listed(page) == {for_acme.pk, whole_cloud.pk}
    assert "Bolt trunk down" not in page.html
    assert client.get(incident_page(for_bolt)).status_code == 404
    assert client.get(incident_page(other_service)).status_code == 404
    assert client.get(incident_page(for_acme)).status_code == 200
    assert client.get(incident_page(999999)).status_code == 404


def test_staff_see_every_incident(client, world):
    scoped = IncidentFactory(
        services=[world["cloud"]],
        scope="organisations",
        organisations=[world["bolt"]],
        started_at=NOW - timedelta(hours=2),
    )
    whole = IncidentFactory(services=[world["classound"]], started_at=NOW - timedelta(hours=1))
    client.force_login(StaffFactory(roles=[Role.BILLING]))

    page = Page(client.get(STATUS))

    assert incidents_listed(page) == {scoped.pk, whole.pk}
    assert client.get(incident_page(scoped)).status_code == 200


# --- Current and past incidents, maintenance -----------------------------------------------


def test_incidents_that_ended_within_a_day_are_current_older_ones_are_past(client, world):
    ongoing = IncidentFactory(services=[world["cloud"]], started_at=NOW - timedelta(hours=1))
    just_ended = IncidentFactory(
        services=[world["cloud"]],
        started_at=NOW - timedelta(hours=30),
        ended_at=NOW - timedelta(hours=23),
    )
    last_week = IncidentFactory(
        services=[world["cloud"]],
        started_at=NOW - timedelta(days=7),
        ended_at=NOW - timedelta(days=7) + timedelta(hours=1),
    )
    IncidentFactory(
        title="Long forgotten",
        services=[world["cloud"]],
        started_at=NOW - timedelta(days=120),
        ended_at=NOW - timedelta(days=120) + timedelta(hours=1),
    )
    client.force_login(world["acme_user"])

    page = Page(client.get(STATUS))

    current = next(e for e in page.find_all("section") if "Current incidents" in e.text)
    past = next(e for e in page.find_all("section") if "Past incidents" in e.text)
    assert ongoing.title in current.text
    assert just_ended.title in current.text
    assert last_week.title not in current.text
    assert last_week.title in past.text
    assert ongoing.title not in past.text
    assert "Long forgotten" not in page.html


def test_the_latest_public_update_shows_under_a_current_incident(client, world):
    incident = IncidentFactory(services=[world["cloud"]], started_at=NOW - timedelta(hours=2))
    IncidentUpdateFactory(
        incident=incident, body="Looking into it.", posted_at=NOW - timedelta(hours=2)
    )
    IncidentUpdateFactory(
        incident=incident,
        status="identified",
        body="A database node failed.",
        posted_at=NOW - timedelta(hours=1),
    )
    client.force_login(world["acme_user"])

    current = next(
        e for e in Page(client.get(STATUS)).find_all("section") if "Current incidents" in e.text
    )

    assert "Cause identified: A database node failed." in current.text
    assert "Looking into it." not in current.text


def test_announced_maintenance_on_their_services_is_shown_until_it_is_over(client, world):
    MaintenanceFactory(
        title="Cloud EU database upgrade",
        services=[world["cloud"]],
        starts_at=NOW + timedelta(days=2),
        ends_at=NOW + timedelta(days=2, hours=2),
        notified_at=NOW - timedelta(days=3),
    )
    MaintenanceFactory(
        title="Not announced yet",
        services=[world["cloud"]],
        starts_at=NOW + timedelta(days=3),
        ends_at=NOW + timedelta(days=3, hours=2),
    )
    MaintenanceFactory(
        title="Already done",
        services=[world["cloud"]],
        starts_at=NOW - timedelta(days=1),
        ends_at=NOW - timedelta(hours=22),
        notified_at=NOW - timedelta(days=5),
    )
    MaintenanceFactory(
        title="CLASSOUND US patch",
        services=[world["classound"]],
        starts_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, hours=1),
        notified_at=NOW - timedelta(days=3),
    )
    client.force_login(world["acme_user"])

    text = Page(client.get(STATUS)).text()

    assert "Cloud EU database upgrade" in text
    assert "Not announced yet" not in text
    assert "Already done" not in text
    assert "CLASSOUND US patch" not in text


# --- Current state -------------------------------------------------------------------------


def test_each_service_shows_its_state_now(client, world):
    IncidentFactory(
        services=[world["cloud"]], impact="degraded", started_at=NOW - timedelta(hours=1)
    )
    IncidentFactory(services=[world["classound"]], started_at=NOW - timedelta(hours=1))
    MaintenanceFactory(
        services=[world["portal"]],
        starts_at=NOW - timedelta(minutes=30),
        ends_at=NOW + timedelta(minutes=30),
        notified_at=NOW - timedelta(days=3),
    )
    client.force_login(StaffFactory(roles=[Role.NOC]))

    page = Page(client.get(STATUS))

    assert state_of(page, "uc-cloud-eu") == "degraded"
    assert state_of(page, "classound-us") == "outage"
    assert state_of(page, "portal") == "maintenance"
    assert "Some services have problems right now" in page.text()


def test_an_ended_incident_leaves_the_service_operational(client, world):
    IncidentFactory(
        services=[world["cloud"]],
        started_at=NOW - timedelta(hours=3),
        ended_at=NOW - timedelta(hours=1),
    )
    client.force_login(world["acme_user"])

    page = Page(client.get(STATUS))

    assert state_of(page, "uc-cloud-eu") == "operational"
    assert "All services are running normally." in page.text()


def test_an_outage_of_some_organisations_is_an_outage_to_them_and_degraded_to_staff(client, world):
    IncidentFactory(
        services=[world["cloud"]],
        scope="organisations",
        organisations=[world["acme"]],
        started_at=NOW - timedelta(hours=1),
    )

    client.force_login(world["acme_user"])
    assert state_of(Page(client.get(STATUS)), "uc-cloud-eu") == "outage"
    client.force_login(StaffFactory(roles=[Role.AGENT]))
    assert state_of(Page(client.get(STATUS)), "uc-cloud-eu") == "degraded"


# --- Daily bars ----------------------------------------------------------------------------


def test_bars_take_their_colour_and_figures_from_the_stored_daily_figures(client, world):
    cloud = world["cloud"]
    days = {TODAY - timedelta(days=n): n for n in range(1, 8)}
    clean, no_count, minor, major, severe, quiet, before = sorted(days, reverse=True)
    cloud.launched_on = quiet
    cloud.save()
    ServiceDayFactory(service=cloud, day=before, availability=Decimal(10))
    ServiceDayFactory(service=cloud, day=clean)
    ServiceDayFactory(service=cloud, day=no_count, incident_count=1)
    ServiceDayFactory(service=cloud, day=minor, availability=Decimal("99.99999"), incident_count=1)
    ServiceDayFactory(service=cloud, day=major, availability=Decimal("99.5"), incident_count=2)
    ServiceDayFactory(service=cloud, day=severe, availability=Decimal("98.25"), incident_count=1)
    client.force_login(world["acme_user"])

    page = Page(client.get(STATUS))

    levels = {day: bar(page, "uc-cloud-eu", day).attrs["data-level"] for day in days}
    assert levels == {
        clean: "ok",
        no_count: "incident",
        minor: "minor",
        major: "major",
        severe: "severe",
        quiet: "ok",
        before: "none",
    }
    # Truncated, never rounded up to a clean 100.
    minor_bar = bar(page, "uc-cloud-eu", minor)
    assert minor_bar.attrs["data-availability"] == "99.999"
    assert minor_bar.attrs["title"] == f"{minor:%a %-d %b %Y}: 99.999 % available, 1 incident"
    # Screen readers read the same figures, and what the colour means.
    assert bar(page, "uc-cloud-eu", major).text == (
        f"{major:%a %-d %b %Y}: 99.500 % available, 2 incidents. Downtime (99 % to under 99.9 %)."
    )
    # A day nothing was recorded on was a full day available; before the launch, no data.
    assert bar(page, "uc-cloud-eu", quiet).attrs["data-availability"] == "100.000"
    assert bar(page, "uc-cloud-eu", before).text == (
        f"{before:%a %-d %b %Y}: no data. No data (before the service started)."
    )


def test_ninety_bars_per_service_oldest_first_today_last(client, world):
    client.force_login(world["acme_user"])

    page = Page(client.get(STATUS))

    days = [e.attrs["data-day"] for e in page.elements if "data-day" in e.attrs]
    assert len(days) == 90
    assert days[0] == (TODAY - timedelta(days=89)).isoformat()
    assert days[-1] == TODAY.isoformat()
    assert days == sorted(days)


def test_the_legend_names_every_colour_and_its_thresholds(client, world):
    client.force_login(world["acme_user"])

    legend = next(
        e
        for e in Page(client.get(STATUS)).find_all("ul")
        if "status-legend" in e.attrs.get("class", "")
    )

    for words in (
        "No incidents",
        "Incident, no counted downtime",
        "99.9 % or more",
        "99 % to under 99.9 %",
        "under 99 %",
        "No data",
    ):
        assert words in legend.text


@pytest.mark.parametrize(
    ("availability", "incidents", "level"),
    [
        (Decimal(100), 0, Level.OK),
        (Decimal(100), 3, Level.INCIDENT),
        (Decimal("99.9"), 1, Level.MINOR),
        (Decimal("99.89999999999999999999"), 1, Level.MAJOR),
        (Decimal(99), 1, Level.MAJOR),
        (Decimal("98.99999999999999999999"), 1, Level.SEVERE),
        (Decimal(0), 1, Level.SEVERE),
        (None, 0, Level.NO_DATA),
    ],
)
def test_a_days_colour_is_decided_on_the_exact_figure(availability, incidents, level):
    assert day_level(availability, incidents) == level


SEVERITY = [Level.OK, Level.INCIDENT, Level.MINOR, Level.MAJOR, Level.SEVERE]


@given(
    st.decimals(min_value=0, max_value=100, places=6),
    st.decimals(min_value=0, max_value=100, places=6),
    st.integers(min_value=0, max_value=5),
)
def test_a_worse_day_never_gets_a_milder_colour(one, other, incidents):
    better, worse = max(one, other), min(one, other)
    assert SEVERITY.index(day_level(worse, incidents)) >= SEVERITY.index(
        day_level(better, incidents)
    )


def test_a_recorded_outage_shows_on_its_days_bar_and_moves_with_the_incident(
    client, world, django_capture_on_commit_callbacks, eager_celery
):
    noc = APIClient()
    noc.force_authenticate(StaffFactory(roles=[Role.NOC]))
    with django_capture_on_commit_callbacks(execute=True):
        response = noc.post(
            "/api/availability/incidents/",
            {
                "title": "UC Cloud EU unreachable",
                "started_at": "2026-11-10T06:00:00Z",
                "ended_at": "2026-11-10T12:00:00Z",
                "services": ["uc-cloud-eu"],
            },
            format="json",
        )
    assert response.status_code == 201, response.data
    client.force_login(world["acme_user"])

    page = Page(client.get(STATUS))

    # Six hours of the day down.
    outage_day = bar(page, "uc-cloud-eu", date(2026, 11, 10))
    assert outage_day.attrs["data-availability"] == "75.000"
    assert outage_day.attrs["data-level"] == "severe"
    assert outage_day.attrs["data-incidents"] == "1"
    quiet = bar(page, "uc-cloud-eu", date(2026, 11, 9))
    assert (quiet.attrs["data-availability"], quiet.attrs["data-level"]) == ("100.000", "ok")
    assert [e for e in page.elements if e.attrs.get("data-level") == "none"] == []

    with django_capture_on_commit_callbacks(execute=True):
        response = noc.patch(
            f"/api/availability/incidents/{response.json()['id']}/",
            {"started_at": "2026-11-12T21:00:00Z", "ended_at": "2026-11-13T00:00:00Z"},
            format="json",
        )
    assert response.status_code == 200, response.data

    page = Page(client.get(STATUS))

    moved_from = bar(page, "uc-cloud-eu", date(2026, 11, 10))
    assert (moved_from.attrs["data-availability"], moved_from.attrs["data-level"]) == (
        "100.000",
        "ok",
    )
    moved_to = bar(page, "uc-cloud-eu", date(2026, 11, 12))
    assert moved_to.attrs["data-availability"] == "87.500"  # three hours down
    assert moved_to.attrs["data-incidents"] == "1"


def test_every_day_since_a_service_began_has_a_figure(client, world):
    world["cloud"].launched_on = TODAY - timedelta(days=10)
    world["cloud"].save()
    client.force_login(world["acme_user"])

    page = Page(client.get(STATUS))

    levels = [
        e.attrs["data-level"]
        for e in page.elements
        if "data-day" in e.attrs and e.attrs["data-day"] >= (TODAY - timedelta(days=10)).isoformat()
    ]
    assert levels == ["ok"] * 11
    assert bar(page, "uc-cloud-eu", TODAY - timedelta(days=11)).attrs["data-level"] == "none"


# --- Live figures: today and the month so far ----------------------------------------------


def test_todays_bar_and_the_state_follow_an_ongoing_outage(client, world):
    IncidentFactory(services=[world["cloud"]], started_at=NOW - timedelta(hours=2))
    client.force_login(world["acme_user"])

    page = Page(client.get(STATUS))

    today = bar(page, "uc-cloud-eu", TODAY)
    # 10 of the 12 hours so far today were available.
    expected = calc.shown(Decimal(10) / Decimal(12) * 100)
    assert today.attrs["data-availability"] == f"{expected:f}" == "83.333"
    assert today.attrs["data-level"] == "severe"
    assert today.attrs["data-incidents"] == "1"
    assert "(today, so far)" in today.attrs["title"]
    assert state_of(page, "uc-cloud-eu") == "outage"


def test_todays_bar_counts_a_degraded_incident_but_no_downtime(client, world):
    IncidentFactory(
        services=[world["cloud"]], impact="degraded", started_at=NOW - timedelta(hours=2)
    )
    client.force_login(world["acme_user"])

    today = bar(Page(client.get(STATUS)), "uc-cloud-eu", TODAY)

    assert today.attrs["data-level"] == "incident"
    assert today.attrs["data-availability"] == "100.000"


def test_the_month_so_far_counts_outages_up_to_now_and_never_rounds_up(client, world):
    # One hour down on 10 November; the month so far is 24 days and 12 hours.
    IncidentFactory(
        services=[world["cloud"]], started_at=utc(2026, 11, 10, 8), ended_at=utc(2026, 11, 10, 9)
    )
    # Last month's outage does not count.
    IncidentFactory(
        services=[world["cloud"]], started_at=utc(2026, 10, 30), ended_at=utc(2026, 10, 31)
    )
    # Stored days do not feed the month's figure: it is worked out from the records.
    ServiceDayFactory(service=world["cloud"], day=date(2026, 11, 3), availability=Decimal(50))
    client.force_login(world["acme_user"])

    page = Page(client.get(STATUS))

    hours = Decimal(24 * 24 + 12)
    expected = calc.shown((hours - 1) / hours * 100)
    assert month_to_date(page, "uc-cloud-eu") == f"{expected:f}" == "99.829"
    assert "99.829 % this month" in page.text()


def test_announced_maintenance_does_not_lower_the_month(client, world):
    IncidentFactory(
        services=[world["cloud"]], started_at=utc(2026, 11, 10, 8), ended_at=utc(2026, 11, 10, 9)
    )
    MaintenanceFactory(
        services=[world["cloud"]],
        starts_at=utc(2026, 11, 10, 7),
        ends_at=utc(2026, 11, 10, 10),
        notified_at=utc(2026, 11, 1),
    )
    client.force_login(world["acme_user"])

    assert month_to_date(Page(client.get(STATUS)), "uc-cloud-eu") == "100.000"


# --- The incident page ---------------------------------------------------------------------


def test_the_incident_page_shows_its_period_in_the_viewers_zone_and_updates_newest_first(
    client, world
):
    incident = IncidentFactory(
        title="UC Cloud EU unreachable",
        services=[world["cloud"], world["classound"]],
        started_at=utc(2026, 11, 24, 9),
        ended_at=utc(2026, 11, 24, 10, 30),
        public_note="Calls could not be set up.",
    )
    incident.tickets.set([TicketFactory(organisation=world["acme"])])
    IncidentUpdateFactory(
        incident=incident, body="Looking into it.", posted_at=utc(2026, 11, 24, 9, 10)
    )
    IncidentUpdateFactory(
        incident=incident,
        status="resolved",
        body="All calls go through again.",
        posted_at=utc(2026, 11, 24, 10, 40),
    )
    viewer = UserFactory(organisation=world["acme"], time_zone="Europe/Rome")
    client.force_login(viewer)

    page = Page(client.get(incident_page(incident)))

    text = page.text()
    assert "UC Cloud EU unreachable" in text
    assert "CLASSOUND US, UC Cloud EU" in text
    assert "Full outage" in text
    assert "Tue 24 Nov 2026, 10:00 CET" in text
    assert "Tue 24 Nov 2026, 11:30 CET" in text
    assert "Calls could not be set up." in text
    updates = [e.text for e in page.find_all("li") if "data-status" in e.attrs]
    assert updates[0] == "Resolved · Tue 24 Nov 2026, 11:40 CET All calls go through again."
    assert updates[1] == "Investigating · Tue 24 Nov 2026, 10:10 CET Looking into it."
    # Nothing internal: no linked cases, no NOC link for a partner.
    assert "SD-" not in page.html
    assert reverse("availability:noc_incident", args=[incident.pk]) not in page.html


def test_an_incident_outside_the_vendors_platform_says_so_without_details(client, world):
    incident = IncidentFactory(
        services=[world["cloud"]],
        cause="operator",
        started_at=NOW - timedelta(hours=1),
    )
    client.force_login(world["acme_user"])

    text = Page(client.get(incident_page(incident))).text()

    assert "Outside our platform" in text
    assert "operator" not in text.lower()


def test_noc_engineers_get_a_link_to_the_noc_page(client, world):
    incident = IncidentFactory(services=[world["cloud"]], started_at=NOW - timedelta(hours=1))
    client.force_login(StaffFactory(roles=[Role.NOC]))

    response = client.get(incident_page(incident))

    assert reverse("availability:noc_incident", args=[incident.pk]) in response.content.decode()


# --- Cost ----------------------------------------------------------------------------------


def _busy_history(world, *, days: range, incidents: range) -> None:
    for service in (world["cloud"], world["classound"], world["portal"]):
        for n in days:
            ServiceDayFactory(
                service=service,
                day=TODAY - timedelta(days=n),
                availability=Decimal("99.95") if n % 7 == 0 else Decimal(100),
                incident_count=1 if n % 7 == 0 else 0,
            )
    for n in incidents:
        incident = IncidentFactory(
            services=[world["cloud"], world["classound"]],
            scope="organisations" if n % 2 else "service",
            organisations=[world["acme"]] if n % 2 else [],
            started_at=NOW - timedelta(days=n, hours=3),
            ended_at=None if n == 0 else NOW - timedelta(days=n, hours=2),
        )
        IncidentUpdateFactory(incident=incident, posted_at=NOW - timedelta(days=n, hours=2))
    for n in incidents:
        MaintenanceFactory(
            services=[world["portal"]],
            starts_at=NOW + timedelta(days=n + 1),
            ends_at=NOW + timedelta(days=n + 1, hours=1),
            notified_at=NOW - timedelta(days=3),
        )


@pytest.mark.parametrize("role", [Role.PARTNER, Role.NOC])
def test_the_page_costs_the_same_queries_however_long_the_history(
    client, world, django_assert_max_num_queries, role
):
    viewer = world["acme_user"] if role == Role.PARTNER else StaffFactory(roles=[role])
    client.force_login(viewer)
    _busy_history(world, days=range(1, 3), incidents=range(1))
    with CaptureQueriesContext(connection) as few:
        client.get(STATUS)

    _busy_history(world, days=range(3, 90), incidents=range(1, 12))
    with django_assert_max_num_queries(len(few)):
        response = client.get(STATUS)

    assert response.status_code == 200
    assert len(few) <= 24
