"""Logging in and out, throttling, password reset, role pages and the profile, through the
pages a person uses (Django test client)."""

import re
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.models import User
from partners.roles import Role
from tests.factories import (
    DeviceFactory,
    OrganisationFactory,
    PhoneFactory,
    StaffFactory,
    UserFactory,
)
from tests.partners.pages import Page
from tests.tickets.test_email_outbox import broker_down
from tickets.models import OutgoingEmail
from tickets.tasks import deliver_email, deliver_pending_emails

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"

LANDING = {
    Role.PARTNER: "tickets:my_cases",
    Role.AGENT: "tickets:queue",
    Role.NOC: "sla:noc_board",
    Role.BILLING: "availability:billing",
    Role.ADMIN: "partners:administration",
}
ROLE_PAGES = list(LANDING.values())


def make_user(role: Role, **fields) -> User:
    if role == Role.PARTNER:
        return UserFactory(password=PASSWORD, **fields)
    return StaffFactory(roles=[role], password=PASSWORD, **fields)


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def log_in(client, email: str, password: str, **extra):
    """Fill in the login form by its labels and submit it."""
    page = Page(client.get(reverse("login")))
    email_field = page.field_labelled("E-mail")
    password_field = page.field_labelled("Password")
    data = {email_field.attrs["name"]: email, password_field.attrs["name"]: password, **extra}
    return client.post(reverse("login"), data)


# --- Login page ------------------------------------------------------------------------------


def test_login_page_has_a_labelled_email_field(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    page = Page(response)
    email = page.field_labelled("E-mail")
    assert email.attrs.get("type") == "email"
    assert email.attrs.get("autocomplete") == "email"
    assert page.field_labelled("Password").attrs.get("type") == "password"
    assert page.find_all("a", href=reverse("password_reset")), "no way to reset a password"


@pytest.mark.parametrize("role", list(LANDING))
def test_login_lands_on_the_role_page(client, policies, role):
    user = make_user(role)

    response = log_in(client, user.email, PASSWORD)

    assert response.status_code == 302
    final = client.get(response["Location"], follow=True)
    assert final.status_code == 200
    assert final.redirect_chain[-1][0] == reverse(LANDING[role])
    assert logged_in_user_id(client) == str(user.pk)


def test_login_with_the_email_in_capitals(client, policies):
    user = make_user(Role.PARTNER, email="anna.weber@example.test")

    response = log_in(client, "Anna.Weber@Example.TEST", PASSWORD)

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


def test_wrong_password_shows_the_form_again_with_the_email(client):
    make_user(Role.PARTNER, email="anna.weber@example.test")

    response = log_in(client, "anna.weber@example.test", "not my password")

    assert response.status_code == 200
    page = Page(response)
    message = page.alerts().lower()
    assert "password" in message
    assert "e-mail" in message
    assert page.field_labelled("E-mail").attrs.get("value") == "anna.weber@example.test"
    assert page.field_labelled("Password").attrs.get("value", "") == ""
    assert logged_in_user_id(client) is None


def test_unknown_account_gets_the_same_message_as_a_wrong_password(client):
    make_user(Role.PARTNER, email="anna.weber@example.test")

    wrong_password = Page(log_in(client, "anna.weber@example.test", "not my password"))
    unknown = Page(log_in(client, "nobody@example.test", "not my password"))

    assert unknown.alerts() == wrong_password.alerts()
    assert unknown.field_labelled("E-mail").attrs.get("value") == "nobody@example.test"


def test_inactive_account_cannot_log_in(client):
    make_user(Role.PARTNER, email="gone@example.test", is_active=False)

    response = log_in(client, "gone@example.test", PASSWORD)

    assert response.status_code == 200
    assert Page(response).alerts()
    assert logged_in_user_id(client) is None


def test_next_is_honoured(client, policies):
    user = make_user(Role.PARTNER)
    profile = reverse("partners:profile")

    # The redirect to the login page carries where the user was going.
    bounced = client.get(profile)
    assert bounced.status_code == 302
    login_url = bounced["Location"]
    assert urlparse(login_url).path == reverse("login")

    form = Page(client.get(login_url))
    (next_field,) = form.find_all("input", name="next")
    assert next_field.attrs["value"] == profile

    response = log_in(client, user.email, PASSWORD, next=next_field.attrs["value"])
    assert response.status_code == 302
    assert response["Location"] == profile


def test_next_pointing_to_another_site_is_ignored(client, policies):
    user = make_user(Role.PARTNER)

    response = log_in(client, user.email, PASSWORD, next="https://evil.example/steal")

    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_logout_by_post(client, policies):
    user = make_user(Role.PARTNER)
    client.force_login(user)
    page = Page(client.get(reverse("tickets:my_cases")))
    assert page.find_all("form", method="post", action=reverse("logout")), "no log-out button"

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("login")
    assert logged_in_user_id(client) is None
    assert client.get(reverse("tickets:my_cases")).status_code == 302


def test_logout_by_get_does_not_log_out(client):
    client.force_login(make_user(Role.PARTNER))

    client.get(reverse("logout"))

    assert logged_in_user_id(client) is not None


def test_logged_in_user_visiting_login_goes_to_their_page(client, policies):
    client.force_login(make_user(Role.AGENT))

    response = client.get(reverse("login"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("tickets:queue")


# --- Throttling ------------------------------------------------------------------------------


def test_lockout_after_too_many_failures(client, settings):
    user = make_user(Role.PARTNER, email="target@example.test")
    limit = settings.AXES_FAILURE_LIMIT

    for attempt in range(limit):
        response = log_in(client, "target@example.test", f"guess {attempt}")
        if attempt < limit - 1:
            assert response.status_code == 200, attempt

    response = log_in(client, "target@example.test", PASSWORD)

    assert response.status_code == 429
    assert "too many" in Page(response).text().lower()
    assert logged_in_user_id(client) is None
    assert User.objects.get(pk=user.pk).last_login is None


def test_lockout_counts_the_email_in_any_case(client, settings):
    make_user(Role.PARTNER, email="target@example.test")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "TARGET@example.test" if attempt % 2 else "target@example.test", "x")

    response = log_in(client, "target@example.test", PASSWORD)

    assert response.status_code == 429


def test_lockout_is_of_the_account_from_that_address_only(settings, policies):
    """Failures lock the pair (account, address): the same person elsewhere still gets in,
    so a stranger cannot lock a user out of the whole desk."""
    user = make_user(Role.PARTNER, email="target@example.test")
    attacker, owner = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="198.51.100.20")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(attacker, "target@example.test", f"guess {attempt}")

    assert log_in(attacker, "target@example.test", PASSWORD).status_code == 429
    response = log_in(owner, "target@example.test", PASSWORD)
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(user.pk)


def test_lockout_of_one_account_leaves_others_alone(client, settings, policies):
    make_user(Role.PARTNER, email="target@example.test")
    other = make_user(Role.PARTNER, email="colleague@example.test")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "target@example.test", f"guess {attempt}")

    response = log_in(client, "colleague@example.test", PASSWORD)

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(other.pk)


def test_a_successful_login_resets_the_failure_count(client, settings, policies):
    user = make_user(Role.PARTNER, email="forgetful@example.test")
    almost = settings.AXES_FAILURE_LIMIT - 1

    for _round in range(2):
        for attempt in range(almost):
            assert log_in(client, user.email, f"guess {attempt}").status_code == 200
        assert log_in(client, user.email, PASSWORD).status_code == 302
        client.post(reverse("logout"))


# --- Password reset --------------------------------------------------------------------------


@pytest.fixture
def ask_reset(client, eager_celery, django_capture_on_commit_callbacks):
    """Ask for a password reset through the page; its e-mail is sent once the request
    commits, as a worker sends it."""

    def ask(data: dict):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("password_reset"), data)

    return ask


def _reset_link(message) -> str:
    match = re.search(r"https?://\S+", message.body)
    assert match, message.body
    return urlparse(match.group(0)).path


def test_password_reset_end_to_end(client, ask_reset, mailoutbox, policies):
    user = make_user(Role.PARTNER, email="anna.weber@example.test")

    form = Page(client.get(reverse("password_reset")))
    email_field = form.field_labelled("Email")
    response = ask_reset({email_field.attrs["name"]: "anna.weber@example.test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["anna.weber@example.test"]
    link = _reset_link(mailoutbox[0])

    set_password = client.get(link, follow=True)
    assert set_password.status_code == 200
    page = Page(set_password)
    new_password = page.field_labelled("New password")
    confirmation = page.field_labelled("New password confirmation")
    response = client.post(
        set_password.redirect_chain[-1][0],
        {
            new_password.attrs["name"]: "a brand new passphrase 42",
            confirmation.attrs["name"]: "a brand new passphrase 42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")

    assert log_in(client, user.email, PASSWORD).status_code == 200  # the old one is gone
    assert log_in(client, user.email, "a brand new passphrase 42").status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


def test_reset_link_works_only_once(client, ask_reset, mailoutbox):
    make_user(Role.PARTNER, email="anna.weber@example.test")
    ask_reset({"email": "anna.weber@example.test"})
    link = _reset_link(mailoutbox[0])
    page_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(
        page_url,
        {
            "new_password1": "a brand new passphrase 42",
            "new_password2": "a brand new passphrase 42",
        },
    )

    again = client.get(link, follow=True)

    assert again.status_code == 200
    assert not Page(again).find_all("input", type="password")


def test_password_reset_for_an_email_in_capitals(ask_reset, mailoutbox):
    make_user(Role.PARTNER, email="anna.weber@example.test")

    ask_reset({"email": "Anna.Weber@Example.TEST"})

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["anna.weber@example.test"]


def test_password_reset_for_an_unknown_email_sends_nothing_but_looks_the_same(
    client, ask_reset, mailoutbox
):
    make_user(Role.PARTNER, email="anna.weber@example.test")

    known = ask_reset({"email": "anna.weber@example.test"})
    assert len(mailoutbox) == 1
    mailoutbox.clear()
    unknown = ask_reset({"email": "nobody@example.test"})

    assert mailoutbox == []
    assert not OutgoingEmail.objects.filter(to=["nobody@example.test"]).exists()
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert client.get(unknown["Location"]).status_code == 200


def test_a_reset_asked_while_the_broker_is_down_is_mailed_once_it_is_back(
    client, eager_celery, django_capture_on_commit_callbacks, mailoutbox
):
    user = make_user(Role.PARTNER, email="anna.weber@example.test")

    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "anna.weber@example.test"})

    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []
    email = OutgoingEmail.objects.get(kind="password_reset")
    assert (email.to, email.sent_at) == (["anna.weber@example.test"], None)

    # Beat's e-mail sweep once the broker is back, then again, and a task delivered twice.
    assert deliver_pending_emails.delay().get() == 1
    assert deliver_pending_emails.delay().get() == 0
    assert deliver_email.delay(email.pk).get() is False

    (sent,) = mailoutbox
    assert sent.to == ["anna.weber@example.test"]
    assert sent.subject == "Choose a new password for the support desk"
    set_password = client.get(_reset_link(sent), follow=True)
    page = Page(set_password)
    new_password = page.field_labelled("New password").attrs["name"]
    confirmation = page.field_labelled("New password confirmation").attrs["name"]
    client.post(
        set_password.redirect_chain[-1][0],
        {new_password: "a brand new passphrase 42", confirmation: "a brand new passphrase 42"},
    )
    assert log_in(client, user.email, "a brand new passphrase 42").status_code == 302


# --- Who may see which page ------------------------------------------------------------------

PROTECTED = [*ROLE_PAGES, "partners:profile"]


@pytest.mark.parametrize("url_name", PROTECTED)
def test_anonymous_users_are_sent_to_login(client, url_name):
    url = reverse(url_name)

    response = client.get(url)

    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert location.path == reverse("login")
    assert f"next={url}" in location.query


def test_anonymous_home_goes_to_login(client):
    response = client.get(reverse("landing"))

    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("login")


# Which role pages each role may open. The admin may act in every staff role; nobody on
# the vendor's side is a partner.
MAY_OPEN = {
    Role.PARTNER: {"tickets:my_cases"},
    Role.AGENT: {"tickets:queue"},
    Role.NOC: {"sla:noc_board", "tickets:queue"},
    Role.BILLING: {"availability:billing"},
    Role.ADMIN: {
        "tickets:queue",
        "sla:noc_board",
        "availability:billing",
        "partners:administration",
    },
}


@pytest.mark.parametrize("url_name", ROLE_PAGES)
@pytest.mark.parametrize("role", list(MAY_OPEN))
def test_role_pages_matrix(client, policies, role, url_name):
    client.force_login(make_user(role))

    response = client.get(reverse(url_name))

    assert response.status_code == (200 if url_name in MAY_OPEN[role] else 403)


def test_partner_gets_403_on_the_queue(client):
    client.force_login(make_user(Role.PARTNER))
    assert client.get("/queue/").status_code == 403


def test_agent_gets_403_on_partner_cases(client):
    client.force_login(make_user(Role.AGENT))
    assert client.get("/cases/").status_code == 403


@pytest.mark.parametrize("role", list(MAY_OPEN))
def test_navigation_shows_only_what_the_role_may_open(client, policies, role):
    client.force_login(make_user(role))

    page = Page(client.get(reverse(LANDING[role])))

    assert [e for e in page.find_all("nav") if e.attrs.get("aria-label") == "Main"]
    links = {e.attrs["href"] for e in page.find_all("a") if e.attrs.get("href")}
    for url_name in ROLE_PAGES:
        assert (reverse(url_name) in links) is (url_name in MAY_OPEN[role]), url_name


def test_account_without_organisation_or_role_gets_a_clear_page(client):
    client.force_login(StaffFactory())

    response = client.get(reverse("landing"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("partners:no_role")
    assert response.status_code == 403
    assert "role" in Page(response).text().lower()


# --- What the partner landing page says about support ---------------------------------------


def test_bronze_landing_names_what_it_may_open_and_its_upstream_partner(client, policies):
    """Under the version in force today (2026-03 or later) a Bronze partner learns the three
    cases it may open directly and whom to contact for the rest."""
    upstream = OrganisationFactory(
        name="Hudson Voice Systems Inc.",
        tier="platinum",
        contact_email="support@hudson.test",
        contact_phone="+1 212 555 0100",
    )
    bronze = OrganisationFactory(tier="bronze", upstream_partner=upstream)
    client.force_login(make_user(Role.PARTNER, organisation=bronze))

    text = Page(client.get(reverse("tickets:my_cases"))).text()

    for phrase in ("Cloud PBX unreachable", "Password reset", "CLASSOUND telephony outage"):
        assert phrase.lower() in text.lower(), phrase
    for detail in ("Hudson Voice Systems Inc.", "support@hudson.test", "+1 212 555 0100"):
        assert detail in text


def test_end_customer_landing_names_the_installer(client, policies):
    installer = OrganisationFactory(
        name="Alpine Unified Comms GmbH", tier="gold", contact_email="service@alpine.test"
    )
    customer = OrganisationFactory(end_customer=True, installer=installer)
    client.force_login(make_user(Role.PARTNER, organisation=customer))

    text = Page(client.get(reverse("tickets:my_cases"))).text()

    assert "Alpine Unified Comms GmbH" in text
    assert "service@alpine.test" in text


def test_partner_landing_lists_only_its_own_devices(client, policies):
    mine = DeviceFactory(serial_number="SN-MINE-0001")
    DeviceFactory(serial_number="SN-THEIRS-0001")
    client.force_login(make_user(Role.PARTNER, organisation=mine.organisation))

    html = client.get(reverse("tickets:my_cases")).content.decode()

    assert "SN-MINE-0001" in html
    assert "SN-THEIRS-0001" not in html


# --- Query counts of the landing pages -------------------------------------------------------


def _queries(client, url: str) -> int:
    from django.db import connection

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_partner_landing_query_count_does_not_grow_with_devices(
    client, policies, django_assert_max_num_queries
):
    upstream = OrganisationFactory(tier="platinum")
    organisation = OrganisationFactory(tier="bronze", upstream_partner=upstream)
    user = make_user(Role.PARTNER, organisation=organisation)
    pbx = DeviceFactory(organisation=organisation)
    PhoneFactory(organisation=organisation, pbx=pbx)
    client.force_login(user)
    url = reverse("tickets:my_cases")
    few = _queries(client, url)

    PhoneFactory.create_batch(25, organisation=organisation, pbx=pbx)

    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.content.decode().count("<tr>") >= 27
    # Three of them: the footer's support number, the case types a referred partner may
    # still open directly, and the zone of the region's calendar (cached after the first
    # request; every test starts with an empty cache); one more asks whether it installed
    # customers, whose cases get a tab of their own.
    assert few <= 16


@pytest.mark.parametrize(
    ("url_name", "most"),
    [
        # The queue also counts the matching cases (up to a bound) and lists saved views.
        ("tickets:queue", 11),
        ("sla:noc_board", 10),
        ("availability:billing", 10),
        ("partners:administration", 10),
    ],
)
def test_staff_landing_pages_use_few_queries(
    client, policies, django_assert_max_num_queries, url_name, most
):
    client.force_login(make_user(Role.ADMIN))

    with django_assert_max_num_queries(most):
        assert client.get(reverse(url_name)).status_code == 200


# --- Profile ----------------------------------------------------------------------------------


def _profile_form(client):
    page = Page(client.get(reverse("partners:profile")))
    return page, page.field_labelled("Your name"), page.field_labelled("Time zone")


def test_profile_saves_a_new_time_zone(client):
    user = make_user(Role.PARTNER, organisation=OrganisationFactory(region="eu"))
    client.force_login(user)
    _page, name, zone = _profile_form(client)

    response = client.post(
        reverse("partners:profile"),
        {name.attrs["name"]: "Anna Weber", zone.attrs["name"]: "America/New_York"},
        follow=True,
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.time_zone == "America/New_York"
    assert user.full_name == "Anna Weber"
    page = Page(response)
    assert "saved" in page.text().lower()
    assert "America/New_York" in page.text()


def test_profile_empty_time_zone_falls_back_to_the_organisations_country(client):
    user = make_user(
        Role.PARTNER,
        organisation=OrganisationFactory(region="us", country="US"),
        time_zone="Asia/Tokyo",
    )
    client.force_login(user)

    client.post(reverse("partners:profile"), {"full_name": user.full_name, "time_zone": ""})

    user.refresh_from_db()
    assert user.effective_time_zone == "America/New_York"


def test_profile_refuses_an_unknown_time_zone_and_keeps_what_was_typed(client):
    user = make_user(Role.PARTNER, time_zone="Europe/Rome", full_name="Old Name")
    client.force_login(user)
    _page, name, zone = _profile_form(client)

    response = client.post(
        reverse("partners:profile"),
        {name.attrs["name"]: "Typed New Name", zone.attrs["name"]: "Mars/Olympus_Mons"},
    )

    assert response.status_code == 200
    page = Page(response)
    zone_field = page.field_labelled("Time zone")
    assert page.errors_for(zone_field)
    assert page.alerts()
    assert page.field_labelled("Your name").attrs.get("value") == "Typed New Name"
    user.refresh_from_db()
    assert (user.full_name, user.time_zone) == ("Old Name", "Europe/Rome")
