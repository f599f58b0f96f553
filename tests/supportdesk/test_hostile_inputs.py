"""Input no one should send, sent anyway: never a server error. Dates far outside the
desk's years, forged pagination cursors, digits int() cannot read, NUL characters and file
names that are not UTF-8 each get a 400 or the form back with a message, and nothing
half-done is kept."""

import base64
from urllib.parse import urlencode

import pytest
from django.test import Client
from rest_framework.mixins import ListModelMixin
from rest_framework.pagination import CursorPagination
from rest_framework.test import APIClient

from availability.models import Incident, Maintenance
from partners.roles import Role
from tests.factories import StaffFactory
from tests.supportdesk import access_matrix as matrix
from tests.supportdesk.world import ANONYMOUS, NOC, PARTNER, world_fixture
from tickets.models import Attachment, Message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

INCIDENTS = "/api/availability/incidents/"
MAINTENANCE = "/api/availability/maintenance/"
NUL = "\x00"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from world_fixture(django_db_blocker)


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page_client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def service_code(world) -> str:
    return world.objects["incident"].services.get().code


# --- Dates outside the desk's years ------------------------------------------------------

FAR_OFF = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+05:00",  # earlier than any instant once read in UTC
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:00:00-05:00",  # later than any instant once read in UTC
    "1926-03-01T00:00:00Z",  # a typing slip that used to set 1,201 recomputations going
    "2099-01-01T00:00:00Z",
]


@pytest.mark.parametrize("value", FAR_OFF)
def test_an_incident_dated_outside_the_desks_years_is_refused_with_a_field_error(
    world, value, django_capture_on_commit_callbacks
):
    incident = {
        "title": "Calls fail",
        "started_at": value,
        "services": [service_code(world)],
    }
    with django_capture_on_commit_callbacks() as queued:
        response = api_as(world.users[NOC]).post(INCIDENTS, incident, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["started_at"]
    assert not Incident.objects.filter(title="Calls fail").exists()
    assert queued == []


def test_the_range_is_said_in_the_error_and_in_the_schema(world):
    response = api_as(world.users[NOC]).post(
        INCIDENTS,
        {"title": "Calls fail", "started_at": FAR_OFF[4], "services": [service_code(world)]},
        format="json",
    )
    (message,) = response.json()["started_at"]
    assert "2000-01-01" in message
    assert "5 years ahead" in message

    schema = Client().get("/api/schema/?format=json").json()["components"]["schemas"]
    for name, field in [
        ("Incident", "started_at"),
        ("Incident", "ended_at"),
        ("Maintenance", "starts_at"),
        ("Maintenance", "ends_at"),
    ]:
        help_text = schema[name]["properties"][field]["description"]
        assert "2000-01-01" in help_text, (name, field)


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
@pytest.mark.parametrize("value", [FAR_OFF[0], FAR_OFF[2], FAR_OFF[4]])
def test_maintenance_dated_outside_the_desks_years_is_refused(world, field, value):
    window = {
        "title": "Core upgrade",
        "starts_at": "2026-11-20T22:00:00Z",
        "ends_at": "2026-11-21T02:00:00Z",
        "services": [service_code(world)],
        field: value,
    }
    response = api_as(world.users[NOC]).post(MAINTENANCE, window, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Maintenance.objects.filter(title="Core upgrade").exists()


@pytest.mark.parametrize("value", [FAR_OFF[0], FAR_OFF[3]])
def test_moving_a_record_outside_the_desks_years_is_refused(world, value):
    api = api_as(world.users[NOC])
    incident = world.objects["incident"]
    maintenance = world.objects["maintenance"]

    for url, field in [
        (f"{INCIDENTS}{incident.pk}/", "ended_at"),
        (f"{MAINTENANCE}{maintenance.pk}/", "ends_at"),
    ]:
        response = api.patch(url, {field: value}, format="json")
        assert response.status_code == 400, (url, response.content)
        assert field in response.json()
    incident.refresh_from_db()
    assert incident.ended_at is None


@pytest.mark.parametrize(
    ("zone", "typed"),
    [
        ("Europe/Rome", "0001-01-01T00:00"),  # east of UTC: before year 1 in UTC
        ("America/New_York", "9999-12-31T23:59"),  # west of UTC: after 9999 in UTC
        ("UTC", "1926-03-01T00:00"),
    ],
)
def test_the_noc_forms_give_far_off_dates_back_with_what_was_typed(world, zone, typed):
    engineer = StaffFactory(roles=[Role.NOC], time_zone=zone)
    client = page_client(engineer)
    service = world.objects["incident"].services.get()

    incident = client.post(
        "/noc/incidents/new/",
        {
            "title": "Calls fail",
            "started_at": typed,
            "services": [service.pk],
            "scope": "service",
            "impact": "outage",
            "cause": "vendor",
        },
    )
    maintenance = client.post(
        "/noc/maintenance/new/",
        {
            "title": "Core upgrade",
            "starts_at": "2026-11-20T22:00",
            "ends_at": typed,
            "services": [service.pk],
        },
    )

    for response in (incident, maintenance):
        assert response.status_code == 200
        page = response.content.decode()
        assert "Give a time between 2000-01-01 and" in page
        assert f'value="{typed}"' in page
    assert not Incident.objects.filter(title="Calls fail").exists()
    assert not Maintenance.objects.filter(title="Core upgrade").exists()


# --- Forged pagination cursors -----------------------------------------------------------


def cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


FORGED_CURSORS = [
    "cD0A",  # p=<NUL>
    cursor("p=not-a-position"),
    cursor("p=²"),
    cursor("p=99999999999999999999999999"),
    cursor("p=-99999999999999999999999999"),
    cursor("p=2026-13-45 99:00:00"),
    cursor("p=2026-11-10 10:00:00"),  # no offset from UTC
    cursor("o=99999999999&p=1"),
    cursor("r=²&p=1"),
    cursor("b=&c=2026-11-10T10:00:00+00:00&i=²"),
    cursor("b=\x00&c=\x00&i=1"),
    "!!!not base64!!!",
    "٣",
]
# Who asks each list: every role whose view of it differs (a partner's cases sort by
# creation, staff's by the nearest breach).
LIST_READERS = ("partner", "agent", "noc", "billing", "superuser")


def cursor_lists(world) -> list[tuple[str, str]]:
    """(address, role) for every API list that pages with a cursor."""
    found = []
    for route in matrix.routes():
        view = getattr(route.callback, "cls", None)
        paginator = getattr(view, "pagination_class", None)
        if not (route.pattern.startswith("api/") and paginator):
            continue
        if not issubclass(paginator, CursorPagination) or not issubclass(view, ListModelMixin):
            continue
        url = matrix.url_for(route, world)
        for role in LIST_READERS:
            if route.rule.expected(role) == matrix.OK:
                found.append((url, role))
    return found


def test_every_cursor_list_is_found(world):
    lists = {url.split("?")[0] for url, _ in cursor_lists(world)}
    assert {
        "/api/tickets/",
        f"/api/tickets/{world.pk('ticket')}/messages/",
        INCIDENTS,
        MAINTENANCE,
        "/api/availability/credits/",
        "/api/hwaas/devices/",
        "/api/entitlements/",
        "/api/time-entries/",
    } <= lists


def test_a_forged_cursor_is_answered_in_json_never_with_a_server_error(world):
    wrong = []
    for url, role in cursor_lists(world):
        client = Client(raise_request_exception=False)
        client.force_login(world.users[role])
        for forged in FORGED_CURSORS:
            separator = "&" if "?" in url else "?"
            response = client.get(f"{url}{separator}{urlencode({'cursor': forged})}")
            if response.status_code == 200:
                continue  # a position that reads as one: a page, perhaps empty
            body = response.json() if response["Content-Type"] == "application/json" else None
            if response.status_code not in (400, 404) or not body:
                wrong.append(f"{url} as {role}, cursor {forged!r}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_a_nul_cursor_is_an_invalid_cursor(world):
    for url, role in cursor_lists(world):
        client = Client(raise_request_exception=False)
        client.force_login(world.users[role])
        separator = "&" if "?" in url else "?"
        response = client.get(f"{url}{separator}cursor=cD0A")
        assert (response.status_code, response.json()) == (404, {"detail": "Invalid cursor"}), (
            url,
            role,
        )


# --- NUL characters ----------------------------------------------------------------------

# Every name a page or API list reads from its query string, and a few it does not.
QUERY_NAMES = [
    *("q", "page", "size", "organisation", "cursor", "month", "year", "holding", "state"),
    *("ticket", "requester", "follow_up", "device", "device_q", "subject", "case_type"),
    *("reason", "kind", "status", "assignee", "from", "to", "ordering", "page_size"),
    *("service", "agreement", "line", "purchase", "who"),
]
ID_NAMES = ("organisation", "requester", "agreement", "line", "purchase", "page", "ticket")


def get_routes(world) -> list[tuple[str, str]]:
    """(address, role) for every route a signed-in role may GET."""
    found = []
    for route in matrix.routes():
        rule = route.rule
        if route.pattern.startswith("admin/") or rule.post_only:
            continue
        readers = [
            role for role in rule.probe if role != ANONYMOUS and rule.expected(role) == matrix.OK
        ]
        if readers:
            found.append((matrix.url_for(route, world), readers[-1]))
    return found


def with_query(url: str, **params) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def test_a_nul_anywhere_in_the_query_string_is_a_400(world):
    wrong = []
    for url, role in get_routes(world):
        client = page_client(world.users[role])
        for name in QUERY_NAMES:
            response = client.get(with_query(url, **{name: f"trunk{NUL}"}))
            if response.status_code != 400:
                wrong.append(f"{url} {name}=NUL as {role}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_the_api_names_the_field_that_holds_a_nul(world):
    response = api_as(world.users[PARTNER]).get(with_query("/api/hwaas/devices/", q=f"a{NUL}b"))
    assert response.status_code == 400
    assert response.json() == {"q": ["Null characters are not allowed."]}


def test_a_page_says_which_field_holds_a_nul(world):
    response = page_client(world.users[PARTNER]).get(with_query("/hardware/", q=f"a{NUL}b"))
    assert response.status_code == 400
    assert "“q” contains a NUL character" in response.content.decode()


def test_a_nul_in_a_posted_form_is_a_400_and_nothing_is_saved(world):
    ticket = world.objects["ticket"]
    client = page_client(world.users[PARTNER])
    before = Message.objects.filter(ticket=ticket).count()

    response = client.post(f"/cases/{ticket.pk}/reply/", {"body": f"Still{NUL} broken"})

    assert response.status_code == 400
    assert "“body” contains a NUL character" in response.content.decode()
    assert Message.objects.filter(ticket=ticket).count() == before


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/tickets/{ticket}/messages/", {"body": f"Still{NUL} broken"}),
        ("/api/tickets/{ticket}/feedback/", {"rating": 5, "comment": f"ok{NUL}"}),
        ("/api/hwaas/requests/check/", {"kind": f"add{NUL}"}),
    ],
)
def test_a_nul_in_a_json_string_is_a_field_error(world, url, body):
    url = url.format(ticket=world.pk("ticket"))
    response = api_as(world.users[PARTNER]).post(url, body, format="json")
    assert response.status_code == 400, response.content


# --- Digits int() cannot read ------------------------------------------------------------

NOT_NUMBERS = ["²", "٣", "9" * 30, "9" * 5000, "-1", "0x10"]


def test_digits_int_cannot_read_never_give_a_server_error(world):
    wrong = []
    for url, role in get_routes(world):
        client = page_client(world.users[role])
        for value in NOT_NUMBERS[:4]:
            response = client.get(with_query(url, **dict.fromkeys(QUERY_NAMES, value)))
            if response.status_code >= 500:
                wrong.append(f"{url} ={value[:10]!r} as {role}: {response.status_code}")
        # One at a time as well, where a bad value could hide another behind it.
        for name in ID_NAMES:
            response = client.get(with_query(url, **{name: "²"}))
            if response.status_code >= 500:
                wrong.append(f"{url} {name}='²' as {role}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


# "٣" is a decimal digit: int() reads it, as Django's and DRF's number fields do, as 3.
@pytest.mark.parametrize("value", [value for value in NOT_NUMBERS if value != "٣"])
def test_posted_ids_int_cannot_read_are_refused_with_a_message(world, value):
    noc = page_client(world.users[NOC])
    response = noc.post("/noc/alerts/reviewed/", {"alert": [value]}, follow=True)
    assert response.status_code == 200
    assert "No alert was chosen" in response.content.decode()

    staff = page_client(world.users["agent"])
    response = staff.post("/inbox/read/", {"id": value}, follow=True)
    assert response.status_code == 200
    assert "Choose a notification to mark read." in response.content.decode()

    response = staff.get(with_query("/staff/cases/new/", requester=value))
    assert response.status_code == 200
    assert "That partner user could not be found." in response.content.decode()


# --- File names that are not UTF-8 -------------------------------------------------------

BOUNDARY = "----hostile-boundary"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def multipart(fields: dict[str, str], files: list[tuple[bytes, bytes]]) -> bytes:
    """A multipart body written by hand: the test client would encode the names itself."""
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for raw_name, content in files:
        parts.append(
            f"--{BOUNDARY}\r\n".encode()
            + b'Content-Disposition: form-data; name="attachments"; filename="'
            + raw_name
            + b'"\r\nContent-Type: application/pdf\r\n\r\n'
            + content
            + b"\r\n"
        )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
LATIN1_NAME = "résumé.pdf".encode("latin-1")


def test_the_api_refuses_a_file_whose_name_is_not_utf8_and_names_it(world):
    ticket = world.objects["ticket"]
    before = Message.objects.filter(ticket=ticket).count()
    body = multipart({"body": "The trace."}, [(LATIN1_NAME, PDF)])

    response = api_as(world.users[PARTNER]).post(
        f"/api/tickets/{ticket.pk}/messages/", body, content_type=MULTIPART
    )

    assert response.status_code == 400, response.content
    assert "“résumé.pdf” is not UTF-8 text" in response.json()["detail"]
    assert Message.objects.filter(ticket=ticket).count() == before


def test_the_partner_page_refuses_a_file_whose_name_is_not_utf8_and_names_it(world):
    ticket = world.objects["ticket"]
    before = Attachment.objects.count(), Message.objects.count()
    body = multipart({"body": "The trace."}, [(b"ok.pdf", PDF), (LATIN1_NAME, PDF)])

    response = page_client(world.users[PARTNER]).post(
        f"/cases/{ticket.pk}/reply/", body, content_type=MULTIPART
    )

    assert response.status_code == 400
    assert "“résumé.pdf” is not UTF-8 text" in response.content.decode()
    assert (Attachment.objects.count(), Message.objects.count()) == before


def test_utf8_file_names_still_arrive_whole(world):
    ticket = world.objects["ticket"]
    body = multipart({"body": "The trace."}, [("résumé.pdf".encode(), PDF)])

    response = api_as(world.users[PARTNER]).post(
        f"/api/tickets/{ticket.pk}/messages/", body, content_type=MULTIPART
    )

    assert response.status_code == 201, response.content
    (attachment,) = Message.objects.get(pk=response.json()["id"]).attachments.all()
    assert attachment.original_name == "résumé.pdf"


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/hwaas/requests/check/", {"kind": "add", "hardware_model": NUL}, "hardware_model"),
        (INCIDENTS, {"title": "Calls fail", "services": [f"x{NUL}"]}, "services"),
    ],
)
def test_a_nul_in_a_code_is_refused_before_it_is_looked_up(world, url, body, field):
    role = PARTNER if "hwaas" in url else NOC
    response = api_as(world.users[role]).post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()[field] == ["Null characters are not allowed."]


@pytest.mark.parametrize("month", ["9999-12", "1999-12", "²０26-01"])
def test_a_billing_month_outside_the_desks_years_is_refused(world, month, eager_celery):
    billing = page_client(world.users["billing"])

    page = billing.post(with_query("/billing/", month=month), {"action": "compute"})
    api = billing.get(with_query("/api/availability/credits/", month=month))

    assert page.status_code == 200
    assert "Give the month as YYYY-MM" in page.content.decode()
    assert api.status_code == 400
    assert "month" in api.json()
