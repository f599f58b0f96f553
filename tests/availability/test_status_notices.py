"""Status notices: following services, announcing maintenance (the e-mails, and "notified
at" taken from the sending), incident updates e-mailed to followers, the short-notice
warning, the unsubscribe link, the feeds, the public page and the incidents on a case."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from availability import notice_mail
from availability.announcements import Window, announcement_covers, is_short_notice
from availability.models import (
    Incident,
    Maintenance,
    StatusFeedKey,
    StatusNotice,
    StatusNoticeDelivery,
    StatusSubscription,
)
from availability.services import notices, records
from partners.roles import Role
from tests.availability.factories import (
    IncidentFactory,
    MaintenanceFactory,
    ServiceFactory,
    StatusSubscriptionFactory,
    SubscriptionFactory,
)
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.tickets.factories import TicketFactory
from tickets.models import OutgoingEmail

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def cloud(policies):
    return ServiceFactory(code="uc-cloud-eu", name="UC Cloud EU")


@pytest.fixture
def voice(policies):
    return ServiceFactory(code="classound-eu", name="CLASSOUND EU")


@pytest.fixture
def customer(cloud, voice):
    """An organisation subscribing to both services."""
    organisation = OrganisationFactory(name="Alpha Ltd")
    SubscriptionFactory(organisation=organisation, services=[cloud, voice])
    return organisation


@pytest.fixture
def follower(customer, cloud, voice):
    user = UserFactory(organisation=customer, email="ops@alpha.test")
    StatusSubscriptionFactory(user=user, service=cloud)
    StatusSubscriptionFactory(user=user, service=voice)
    return user


def window(services, *, starts_in=timedelta(days=3), hours=2, **options) -> Maintenance:
    start = timezone.now() + starts_in
    return MaintenanceFactory(
        starts_at=start, ends_at=start + timedelta(hours=hours), services=services, **options
    )


def status_emails(kind: str = "") -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(kind__startswith=f"status_{kind}").order_by("pk"))


# --- Announcing maintenance ----------------------------------------------------------------


def test_announcing_emails_each_follower_once_and_notified_at_is_the_sending(
    noc, follower, customer, cloud, voice
):
    colleague = UserFactory(organisation=customer, email="noc@alpha.test")
    StatusSubscriptionFactory(user=colleague, service=cloud, incidents=True, maintenance=True)
    incidents_only = UserFactory(organisation=customer)
    StatusSubscriptionFactory(user=incidents_only, service=cloud, maintenance=False)
    planned = window([cloud, voice], note="Calls may drop for a minute.")
    before = timezone.now()

    records.maintenance_announce(maintenance=planned, actor=noc)

    planned.refresh_from_db()
    notice = StatusNotice.objects.get()
    assert before <= planned.notified_at <= timezone.now()
    assert planned.notified_at == notice.sent_at
    assert notice.recipient_count == 2
    emails = status_emails("maintenance")
    # The follower of both services gets one e-mail naming both.
    assert sorted(email.to[0] for email in emails) == ["noc@alpha.test", "ops@alpha.test"]
    ops = next(email for email in emails if email.to == ["ops@alpha.test"])
    assert "CLASSOUND EU and UC Cloud EU" in ops.body
    assert "Calls may drop for a minute." in ops.body
    assert "/status/unsubscribe/" in ops.headers["List-Unsubscribe"]
    assert planned.events.filter(kind="maintenance_announced").count() == 1


def test_a_second_announcement_is_refused_and_sends_nothing(noc, follower, cloud):
    planned = window([cloud])
    records.maintenance_announce(maintenance=planned, actor=noc)
    first = Maintenance.objects.get().notified_at

    with pytest.raises(Exception, match="already been announced"):
        records.maintenance_announce(maintenance=planned, actor=noc)

    assert Maintenance.objects.get().notified_at == first
    assert len(status_emails()) == 1
    assert StatusNoticeDelivery.objects.count() == 1


def test_the_fan_out_never_delivers_a_notice_twice_to_one_person(noc, follower, cloud):
    planned = window([cloud])
    records.maintenance_announce(maintenance=planned, actor=noc)
    notice = StatusNotice.objects.get()

    # A second run over the same notice (a retry) finds everyone served.
    notices._fan_out(notice, [cloud], organisations=None)

    assert StatusNoticeDelivery.objects.filter(notice=notice).count() == 1
    assert len(status_emails()) == 1


def test_nobody_is_told_who_no_longer_may_see_the_service(noc, cloud, follower):
    gone = OrganisationFactory(name="Former Ltd")
    SubscriptionFactory(
        organisation=gone,
        services=[cloud],
        starts_on=timezone.now().date() - timedelta(days=400),
        ends_on=timezone.now().date() - timedelta(days=1),
    )
    StatusSubscriptionFactory(user=UserFactory(organisation=gone), service=cloud)
    inactive = UserFactory(organisation=follower.organisation, is_active=False)
    StatusSubscriptionFactory(user=inactive, service=cloud)
    staff = StaffFactory(roles=[Role.AGENT], email="agent@vendor.test")
    StatusSubscriptionFactory(user=staff, service=cloud)

    records.maintenance_announce(maintenance=window([cloud]), actor=noc)

    assert sorted(email.to[0] for email in status_emails()) == [
        "agent@vendor.test",
        "ops@alpha.test",
    ]


def test_a_rolled_back_announcement_sends_nothing(noc, follower, cloud):
    from django.db import transaction

    planned = window([cloud])

    def announce_then_fail():
        with transaction.atomic():
            records.maintenance_announce(maintenance=planned, actor=noc)
            raise RuntimeError("the request failed after")

    with pytest.raises(RuntimeError):
        announce_then_fail()
    assert Maintenance.objects.get().notified_at is None
    assert status_emails() == []


def test_announced_in_time_the_window_counts_as_available_and_late_it_does_not(
    noc, follower, cloud
):
    early = window([cloud], starts_in=timedelta(hours=49))
    late = window([cloud], starts_in=timedelta(hours=47))
    records.maintenance_announce(maintenance=early, actor=noc)
    records.maintenance_announce(maintenance=late, actor=noc)
    notice = records.maintenance_notice(early.starts_at)

    assert notice == timedelta(hours=48)
    assert Maintenance.objects.get(pk=early.pk).qualifies(notice)
    assert not Maintenance.objects.get(pk=late.pk).qualifies(notice)


def test_a_window_over_cannot_be_announced(noc, cloud):
    past = window([cloud], starts_in=-timedelta(days=2))
    with pytest.raises(Exception, match="over"):
        records.maintenance_announce(maintenance=past, actor=noc)


def test_moving_an_announced_window_outside_its_notice_takes_the_announcement_back(
    noc, follower, cloud, voice
):
    planned = window([cloud], hours=4)
    records.maintenance_announce(maintenance=planned, actor=noc)
    announced_at = Maintenance.objects.get().notified_at

    # Shorter, inside the announced window: still announced.
    records.maintenance_update(
        maintenance=planned, actor=noc, ends_at=planned.starts_at + timedelta(hours=1)
    )
    assert Maintenance.objects.get().notified_at == announced_at

    # Another service was never announced.
    records.maintenance_update(maintenance=planned, actor=noc, services=[cloud, voice])
    assert Maintenance.objects.get().notified_at is None

    # Announced again: a new notice, a new "notified at".
    records.maintenance_announce(maintenance=planned, actor=noc)
    assert Maintenance.objects.get().notified_at > announced_at
    assert StatusNotice.objects.count() == 2


_instants = st.integers(min_value=0, max_value=10_000).map(
    lambda minutes: timezone.now().replace(microsecond=0) + timedelta(minutes=minutes)
)
_service_sets = st.frozensets(st.integers(min_value=1, max_value=5), min_size=1)


@given(a=_instants, b=_instants, c=_instants, d=_instants, s=_service_sets, t=_service_sets)
def test_a_notice_covers_exactly_the_windows_inside_it(a, b, c, d, s, t):
    announced = Window(min(a, b), max(a, b), s)
    current = Window(min(c, d), max(c, d), t)
    covered = announcement_covers(announced, current)
    inside = announced.starts_at <= current.starts_at and current.ends_at <= announced.ends_at
    assert covered == (inside and t <= s)
    assert announcement_covers(announced, announced)


@given(minutes=st.integers(min_value=-10_000, max_value=10_000))
def test_short_notice_is_less_than_the_notice_before_the_start(minutes):
    now = timezone.now()
    starts_at = now + timedelta(minutes=minutes)
    notice = timedelta(hours=48)
    assert is_short_notice(starts_at, now=now, notice=notice) == (minutes < 48 * 60)


# --- Incident updates --------------------------------------------------------------------


def test_an_incident_update_is_emailed_to_the_incident_followers(noc, follower, customer, cloud):
    maintenance_only = UserFactory(organisation=customer)
    StatusSubscriptionFactory(user=maintenance_only, service=cloud, incidents=False)
    incident = IncidentFactory(started_at=timezone.now() - timedelta(minutes=5), services=[cloud])

    records.incident_update_post(
        incident=incident, actor=noc, status="identified", body="A faulty router in Milan."
    )

    (email,) = status_emails("incident")
    assert email.to == ["ops@alpha.test"]
    assert email.subject == f"Cause identified: {incident.title}"
    assert "A faulty router in Milan." in email.body


def test_an_incident_of_listed_organisations_reaches_only_theirs(noc, follower, cloud):
    other = OrganisationFactory(name="Beta Ltd")
    SubscriptionFactory(organisation=other, services=[cloud])
    beta = UserFactory(organisation=other, email="ops@beta.test")
    StatusSubscriptionFactory(user=beta, service=cloud)
    incident = IncidentFactory(
        started_at=timezone.now(),
        services=[cloud],
        scope=Incident.Scope.ORGANISATIONS,
        organisations=[other],
    )

    records.incident_update_post(incident=incident, actor=noc, status="investigating", body="x")

    assert [email.to for email in status_emails("incident")] == [["ops@beta.test"]]


# --- The NOC's form: the short-notice warning --------------------------------------------


def _form(cloud, starts_at, *, announce=True, **extra):
    zone = timezone.get_current_timezone()
    data = {
        "title": "Core upgrade",
        "starts_at": starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts_at + timedelta(hours=1)).astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "services": [cloud.pk],
        "note": "",
        **extra,
    }
    if announce:
        data["announce"] = "on"
    return data


def test_recording_with_less_than_the_notice_warns_and_saves_only_once_confirmed(
    client, noc, follower, cloud
):
    client.force_login(noc)
    url = reverse("availability:noc_maintenance_new")
    soon = timezone.now() + timedelta(hours=47)

    warned = client.post(url, _form(cloud, soon))
    page = warned.content.decode()
    assert warned.status_code == 200
    assert "This window will count as downtime." in page
    assert "48 hours" in page
    assert "Record it anyway" in page
    assert not Maintenance.objects.exists()

    confirmed = client.post(url, _form(cloud, soon, short_notice_accepted="True"))
    window_ = Maintenance.objects.get()
    assert confirmed.url == reverse("availability:noc_maintenance", args=[window_.pk])
    assert window_.notified_at is not None
    assert len(status_emails()) == 1


def test_recording_in_time_and_announcing_needs_no_confirmation(client, noc, follower, cloud):
    client.force_login(noc)
    response = client.post(
        reverse("availability:noc_maintenance_new"),
        _form(cloud, timezone.now() + timedelta(hours=49)),
    )
    window_ = Maintenance.objects.get()
    assert response.status_code == 302
    assert window_.qualifies(timedelta(hours=48))
    page = client.get(reverse("availability:noc_maintenance", args=[window_.pk])).content
    assert "In time: counts as available" in page.decode()


def test_a_typed_notified_at_is_ignored(client, noc, cloud):
    client.force_login(noc)
    client.post(
        reverse("availability:noc_maintenance_new"),
        _form(
            cloud,
            timezone.now() + timedelta(days=5),
            announce=False,
            notified_at="2026-01-01T00:00",
        ),
    )
    assert Maintenance.objects.get().notified_at is None


def test_the_announce_button(client, noc, follower, cloud):
    client.force_login(noc)
    planned = window([cloud], starts_in=timedelta(hours=30))
    page = client.get(reverse("availability:noc_maintenance", args=[planned.pk])).content.decode()
    assert "Announce anyway" in page
    assert "any outage during the window counts as downtime" in page

    client.post(reverse("availability:noc_maintenance_announce", args=[planned.pk]))
    client.post(reverse("availability:noc_maintenance_announce", args=[planned.pk]))

    assert len(status_emails()) == 1
    page = client.get(reverse("availability:noc_maintenance", args=[planned.pk])).content.decode()
    assert "to 1 follower of UC Cloud EU" in page
    assert "counts as downtime" in page


# --- Following and unfollowing -------------------------------------------------------------


def test_a_partner_chooses_what_to_follow_among_their_services(client, customer, cloud, voice):
    elsewhere = ServiceFactory(code="us-only", name="US only")
    partner = UserFactory(organisation=customer)
    client.force_login(partner)
    url = reverse("availability:status_subscriptions")
    page = client.get(url).content.decode()
    assert "UC Cloud EU" in page
    assert "CLASSOUND EU" in page
    assert "US only" not in page

    client.post(url, {f"incidents-{cloud.pk}": "on", f"maintenance-{voice.pk}": "on"})
    rows = {row.service_id: row for row in StatusSubscription.objects.filter(user=partner)}
    assert (rows[cloud.pk].incidents, rows[cloud.pk].maintenance) == (True, False)
    assert (rows[voice.pk].incidents, rows[voice.pk].maintenance) == (False, True)

    # A service of someone else's cannot be followed by posting its id.
    client.post(url, {f"incidents-{elsewhere.pk}": "on"})
    assert not StatusSubscription.objects.filter(service=elsewhere).exists()

    client.post(url, {})
    assert not StatusSubscription.objects.filter(user=partner).exists()


def test_the_link_in_the_email_stops_it_without_signing_in(client, noc, follower, cloud, voice):
    records.maintenance_announce(maintenance=window([cloud]), actor=noc)
    (email,) = status_emails()
    link = email.headers["List-Unsubscribe"].strip("<>")
    path = link.split("://", 1)[1].split("/", 1)[1]

    asked = client.get("/" + path)
    assert "Stop the e-mails about incidents and maintenance of" in asked.content.decode()
    assert StatusSubscription.objects.filter(user=follower).count() == 2  # a GET only asks

    done = client.post("/" + path)  # no session, no CSRF token: a mail program's one click
    assert "you will no longer receive e-mails about UC Cloud EU" in done.content.decode()
    assert list(
        StatusSubscription.objects.filter(user=follower).values_list("service", flat=True)
    ) == [voice.pk]


def test_a_forged_unsubscribe_link_is_refused(client, follower, cloud):
    forged = notice_mail.unsubscribe_token(follower, [cloud.pk])[:-3] + "abc"
    response = client.post(reverse("availability:status_unsubscribe", args=[forged]))
    assert response.status_code == 404
    assert StatusSubscription.objects.filter(user=follower).count() == 2


# --- Feeds ---------------------------------------------------------------------------------


def feed_titles(response) -> list[str]:
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    return [entry.find(f"{ATOM}title").text for entry in root.iter(f"{ATOM}entry")]


def test_a_feed_shows_the_service_news_and_no_organisations_incident(
    client, noc, follower, cloud, django_assert_max_num_queries
):
    whole = IncidentFactory(title="Calls fail", started_at=timezone.now(), services=[cloud])
    records.incident_update_post(incident=whole, actor=noc, status="investigating", body="Looking")
    theirs = IncidentFactory(
        title="Alpha's trunk is down",
        started_at=timezone.now(),
        services=[cloud],
        scope=Incident.Scope.ORGANISATIONS,
        organisations=[follower.organisation],
    )
    records.incident_update_post(incident=theirs, actor=noc, status="investigating", body="x")
    records.maintenance_announce(maintenance=window([cloud], title="Core upgrade"), actor=noc)
    window([cloud], title="Not announced yet")
    key = notices.status_feed_key_of(user=follower)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("availability:status_feed", args=[key.key, cloud.code]))

    titles = feed_titles(response)
    assert "Investigating: Calls fail" in titles
    assert "Planned maintenance: Core upgrade" in titles
    assert not any("Alpha" in title or "Not announced" in title for title in titles)
    assert b"Alpha" not in response.content


def test_a_feed_needs_a_current_key_for_a_service_its_holder_may_see(
    client, follower, cloud, policies
):
    elsewhere = ServiceFactory(code="us-only", name="US only")
    key = notices.status_feed_key_of(user=follower).key
    assert (
        client.get(reverse("availability:status_feed", args=[key, cloud.code])).status_code == 200
    )
    assert (
        client.get(reverse("availability:status_feed", args=[key, elsewhere.code])).status_code
        == 404
    )

    notices.status_feed_key_renew(user=follower)
    assert (
        client.get(reverse("availability:status_feed", args=[key, cloud.code])).status_code == 404
    )
    assert StatusFeedKey.objects.filter(user=follower).count() == 1


def test_the_feed_addresses_on_the_page_and_making_new_ones(client, follower, cloud):
    client.force_login(follower)
    url = reverse("availability:status_subscriptions")
    assert "/status/feeds/" not in client.get(url).content.decode()
    client.post(reverse("availability:status_feed_key_renew"))
    key = StatusFeedKey.objects.get(user=follower).key
    assert f"/status/feeds/{key}/uc-cloud-eu.atom" in client.get(url).content.decode()
    client.post(reverse("availability:status_feed_key_renew"))
    assert StatusFeedKey.objects.get(user=follower).key != key


# --- The public page -----------------------------------------------------------------------


def test_the_public_page_is_off_by_default(client, cloud):
    assert client.get(reverse("availability:status_public")).status_code == 404
    assert (
        client.get(reverse("availability:status_public_feed", args=[cloud.code])).status_code == 404
    )


def test_the_public_page_shows_services_and_incidents_but_no_organisations_data(
    client, settings, noc, follower, cloud, django_assert_max_num_queries
):
    settings.PUBLIC_STATUS_PAGE = True
    IncidentFactory(title="Calls fail", started_at=timezone.now(), services=[cloud])
    IncidentFactory(
        title="Alpha's trunk is down",
        started_at=timezone.now(),
        services=[cloud],
        scope=Incident.Scope.ORGANISATIONS,
        organisations=[follower.organisation],
    )

    with django_assert_max_num_queries(20):
        response = client.get(reverse("availability:status_public"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "UC Cloud EU" in page
    assert "Calls fail" in page
    assert "Alpha" not in page
    assert "/status/incidents/" not in page  # those pages need signing in
    feed = client.get(reverse("availability:status_public_feed", args=[cloud.code]))
    assert b"Alpha" not in feed.content


# --- The incident on a case ------------------------------------------------------------------


def test_a_case_linked_to_an_incident_shows_it_and_its_latest_update(client, noc, cloud, calendars):
    ticket = TicketFactory()
    SubscriptionFactory(organisation=ticket.organisation, services=[cloud])
    incident = IncidentFactory(title="Calls fail", started_at=timezone.now(), services=[cloud])
    records.incident_update(incident=incident, actor=noc, tickets=[ticket])
    records.incident_update_post(incident=incident, actor=noc, status="investigating", body="Old")
    records.incident_update_post(
        incident=incident, actor=noc, status="monitoring", body="A fix is in place."
    )
    client.force_login(ticket.requester)

    page = client.get(reverse("tickets:case_detail", args=[ticket.pk])).content.decode()

    assert "A service incident affects this case" in page
    assert "Calls fail" in page
    assert "Fix in place, monitoring" in page
    assert "A fix is in place." in page
    assert "Old" not in page.split('id="linked-incidents"', 1)[1].split("</section>", 1)[0]
    assert reverse("availability:status_incident", args=[incident.pk]) in page


# --- API ---------------------------------------------------------------------------------


def test_the_api_announces_once_and_notified_at_cannot_be_typed(noc, follower, cloud):
    api = APIClient()
    api.force_authenticate(noc)
    created = api.post(
        "/api/availability/maintenance/",
        {
            "title": "Core upgrade",
            "starts_at": (timezone.now() + timedelta(days=3)).isoformat(),
            "ends_at": (timezone.now() + timedelta(days=3, hours=1)).isoformat(),
            "services": [cloud.code],
            "notified_at": "2026-01-01T00:00:00Z",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["notified_at"] is None
    url = f"/api/availability/maintenance/{created.json()['id']}/announce/"

    announced = api.post(url)
    assert announced.status_code == 200, announced.content
    body = announced.json()
    assert body["recipients"] == 1
    assert body["short_notice"] is False
    assert body["maintenance"]["notified_at"] is not None
    again = api.post(url)
    assert again.status_code == 400
    assert len(status_emails()) == 1


def test_the_email_is_sent_from_the_outbox_once_committed(
    noc, follower, cloud, eager_celery, mailoutbox, django_capture_on_commit_callbacks
):
    planned = window([cloud])

    with django_capture_on_commit_callbacks(execute=True):
        records.maintenance_announce(maintenance=planned, actor=noc)

    assert [message.to for message in mailoutbox] == [["ops@alpha.test"]]
    assert mailoutbox[0].subject == f"Planned maintenance: {planned.title}"
    assert OutgoingEmail.objects.get().sent_at is not None


def test_the_api_lists_and_sets_what_a_partner_follows(follower, cloud, voice):
    elsewhere = ServiceFactory(code="us-only", name="US only")
    api = APIClient()
    api.force_authenticate(follower)
    url = "/api/status/subscriptions/"
    assert api.get(url).json() == [
        {"service": "classound-eu", "name": "CLASSOUND EU", "incidents": True, "maintenance": True},
        {"service": "uc-cloud-eu", "name": "UC Cloud EU", "incidents": True, "maintenance": True},
    ]

    changed = api.put(
        f"{url}uc-cloud-eu/", {"incidents": False, "maintenance": True}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json() == {
        "service": "uc-cloud-eu",
        "name": "UC Cloud EU",
        "incidents": False,
        "maintenance": True,
    }
    assert StatusSubscription.objects.get(user=follower, service=cloud).incidents is False

    stopped = api.put(
        f"{url}classound-eu/", {"incidents": False, "maintenance": False}, format="json"
    )
    assert stopped.status_code == 200
    assert not StatusSubscription.objects.filter(user=follower, service=voice).exists()

    refused = api.put(
        f"{url}{elsewhere.code}/", {"incidents": True, "maintenance": True}, format="json"
    )
    assert refused.status_code == 404
    assert api.put(f"{url}uc-cloud-eu/", {"incidents": "maybe"}, format="json").status_code == 400
    assert not StatusSubscription.objects.filter(service=elsewhere).exists()
