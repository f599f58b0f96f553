"""Times are stored in UTC and shown in each user's own zone, always naming the zone."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from partners.models import User
from partners.roles import Role
from tests.factories import OrganisationFactory, StaffFactory, UserFactory
from tests.partners.pages import Page

WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # Rome UTC+1, New York UTC-5
SUMMER = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)  # Rome UTC+2, New York UTC-4


def last_login_shown(client, user: User, at: datetime):
    """Log ``user`` in, pretend the log-in happened ``at`` and read it off the profile page."""
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(last_login=at)
    page = Page(client.get(reverse("partners:profile")))
    index = next(
        i for i, e in enumerate(page.elements) if e.tag == "dt" and e.text == "Last log-in"
    )
    shown = next(e for e in page.elements[index:] if e.tag == "dd")
    machine = next(e for e in page.elements[index:] if e.tag == "time")
    return shown.text, machine.attrs.get("datetime")


def has_zone(text: str, abbreviation: str) -> bool:
    return re.search(rf"\b{abbreviation}\b", text) is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "at", "clock", "abbreviation"),
    [
        ("Europe/Rome", WINTER, "13:00", "CET"),
        ("Europe/Rome", SUMMER, "14:00", "CEST"),
        ("America/New_York", WINTER, "07:00", "EST"),
        ("America/New_York", SUMMER, "08:00", "EDT"),
        ("UTC", WINTER, "12:00", "UTC"),
    ],
)
def test_profile_shows_last_login_in_the_users_zone(client, zone, at, clock, abbreviation):
    user = UserFactory(time_zone=zone)

    shown, machine = last_login_shown(client, user, at)

    assert clock in shown
    assert has_zone(shown, abbreviation), shown
    assert ("15 Jan 2026" if at == WINTER else "15 Jul 2026") in shown
    assert datetime.fromisoformat(machine) == at
    assert datetime.fromisoformat(machine).utcoffset().total_seconds() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("region", "country", "clock", "abbreviation"),
    [
        ("eu", "IT", "13:00", "CET"),
        ("us", "US", "07:00", "EST"),
        ("eu", "EE", "14:00", "EET"),  # Tallinn, though its support hours are Rome's
    ],
)
def test_without_a_zone_of_their_own_the_country_decides(
    client, region, country, clock, abbreviation
):
    user = UserFactory(
        time_zone="", organisation=OrganisationFactory(region=region, country=country)
    )

    shown, _machine = last_login_shown(client, user, WINTER)

    assert clock in shown
    assert has_zone(shown, abbreviation), shown


@pytest.mark.django_db
def test_the_same_instant_reads_differently_for_two_users(client):
    rome = UserFactory(time_zone="Europe/Rome")
    new_york = StaffFactory(roles=[Role.AGENT], time_zone="America/New_York")

    rome_sees, _ = last_login_shown(client, rome, WINTER)
    client.logout()
    new_york_sees, _ = last_login_shown(client, new_york, WINTER)

    assert "13:00" in rome_sees
    assert has_zone(rome_sees, "CET")
    assert "07:00" in new_york_sees
    assert has_zone(new_york_sees, "EST")


@pytest.mark.django_db
def test_a_late_evening_in_new_york_is_the_next_day_in_utc(client):
    user = UserFactory(time_zone="America/New_York")

    shown, machine = last_login_shown(client, user, datetime(2026, 1, 16, 2, 30, tzinfo=UTC))

    assert "15 Jan 2026" in shown
    assert "21:30" in shown
    assert machine.startswith("2026-01-16T02:30")


@pytest.mark.django_db
def test_header_names_the_zone_in_use(client):
    client.force_login(UserFactory(time_zone="America/New_York"))

    text = Page(client.get(reverse("partners:profile"))).text()

    assert "America/New_York" in text


@pytest.mark.django_db
def test_storage_is_utc_whatever_zone_the_value_came_in():
    user = UserFactory()
    rome_afternoon = datetime(2026, 1, 15, 13, 0, tzinfo=ZoneInfo("Europe/Rome"))
    User.objects.filter(pk=user.pk).update(last_login=rome_afternoon)

    with connection.cursor() as cursor:
        cursor.execute("SELECT last_login FROM partners_user WHERE id = %s", [user.pk])
        (stored,) = cursor.fetchone()

    # SQLite keeps the UTC wall time without an offset; PostgreSQL answers in UTC.
    if stored.tzinfo is None:
        assert stored == datetime(2026, 1, 15, 12, 0)
    else:
        assert stored.utcoffset().total_seconds() == 0
        assert stored == datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    assert User.objects.get(pk=user.pk).last_login == rome_afternoon


# --- The `when` filter ----------------------------------------------------------------------


def render_when(value, zone: str, style: str | None = None) -> str:
    filter_call = f'value|when:"{style}"' if style else "value|when"
    template = Template("{% load desk %}{{ " + filter_call + " }}")
    with timezone.override(ZoneInfo(zone)):
        return template.render(Context({"value": value}))


@pytest.mark.parametrize(
    ("at", "zone", "clock", "abbreviation"),
    [
        # Spring forward in Rome: 02:00 CET becomes 03:00 CEST at 01:00 UTC on 29 March 2026.
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "Europe/Rome", "01:30", "CET"),
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Europe/Rome", "03:30", "CEST"),
        # New York springs forward on 8 March 2026 at 07:00 UTC.
        (datetime(2026, 3, 8, 6, 30, tzinfo=UTC), "America/New_York", "01:30", "EST"),
        (datetime(2026, 3, 8, 7, 30, tzinfo=UTC), "America/New_York", "03:30", "EDT"),
    ],
)
@pytest.mark.parametrize("style", [None, "short"])
def test_when_across_daylight_saving_changes(at, zone, clock, abbreviation, style):
    html = render_when(at, zone, style)

    assert clock in html
    assert has_zone(html, abbreviation), html
    assert f'datetime="{at.isoformat()}"' in html


def test_when_shows_a_dash_for_no_value():
    assert render_when(None, "Europe/Rome") == "—"


def test_when_output_is_markup_not_escaped_text():
    html = render_when(WINTER, "Europe/Rome")
    assert html.startswith("<time ")
    assert html.endswith("</time>")


# --- The time-zone picker on the profile page ---------------------------------------------


def zone_suggestions(page: Page, field) -> list[str]:
    """The zones the picker suggests while one types: its datalist's options."""
    start = next(
        i
        for i, e in enumerate(page.elements)
        if e.tag == "datalist" and e.attrs.get("id") == field.attrs["list"]
    )
    options = []
    for element in page.elements[start + 1 :]:
        if element.tag != "option":
            break
        options.append(element.attrs["value"])
    return options


@pytest.mark.django_db
def test_the_time_zone_picker_is_a_searchable_box_of_current_zones(client):
    client.force_login(UserFactory(time_zone=""))
    page = Page(client.get(reverse("partners:profile")))

    field = page.field_labelled("Time zone")
    suggested = zone_suggestions(page, field)

    assert field.tag == "input"  # typed into, with suggestions: no mouse needed
    assert field.attrs["aria-describedby"]
    assert {"Europe/Kyiv", "Europe/Berlin", "America/New_York", "UTC"} <= set(suggested)
    for alias in ("US/Eastern", "Europe/Kiev", "GB", "Etc/GMT+5", "America/Buenos_Aires"):
        assert alias not in suggested
    assert suggested == sorted(suggested)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "saved"),
    [("Europe/Berlin", "Europe/Berlin"), ("america/new york", "America/New_York"), ("", "")],
)
def test_a_zone_typed_in_the_profile_is_saved_as_the_database_names_it(client, typed, saved):
    user = UserFactory(time_zone="Asia/Tokyo", full_name="Anna Weber")
    client.force_login(user)

    response = client.post(
        reverse("partners:profile"), {"full_name": "Anna Weber", "time_zone": typed}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.time_zone == saved


@pytest.mark.django_db
def test_a_deprecated_alias_is_refused_and_the_form_keeps_what_was_typed(client):
    user = UserFactory(time_zone="Europe/Rome", full_name="Old Name")
    client.force_login(user)

    response = client.post(
        reverse("partners:profile"), {"full_name": "New Name", "time_zone": "US/Eastern"}
    )

    assert response.status_code == 200
    page = Page(response)
    field = page.field_labelled("Time zone")
    assert "Pick a time zone from the list" in page.errors_for(field)
    assert field.attrs["value"] == "US/Eastern"
    assert page.field_labelled("Your name").attrs["value"] == "New Name"
    user.refresh_from_db()
    assert (user.full_name, user.time_zone) == ("Old Name", "Europe/Rome")


@pytest.mark.django_db
def test_an_account_with_an_old_zone_name_can_still_save_its_profile(client):
    user = UserFactory(time_zone="Europe/Kiev", full_name="Old Name")
    client.force_login(user)

    client.post(reverse("partners:profile"), {"full_name": "New Name", "time_zone": "Europe/Kiev"})

    user.refresh_from_db()
    assert (user.full_name, user.time_zone) == ("New Name", "Europe/Kiev")
