"""Where the desk tells a partner to call or chat (terms 16.3 note, 16.6–16.7, 17.6–17.7):
the number is the one for the partner's own country, a country without a line of its own
gets the international one, and chat is offered only on an existing, active case while
the region's support hours are open, never on the intake page."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from partners.models import Organisation, PolicyVersion
from tests.factories import OrganisationFactory, UserFactory
from tests.tickets.factories import TicketFactory
from tickets.models import Ticket

# Wednesday 9 December 2026 in Rome: 10:00 (support hours) and 21:00 (closed).
EU_OPEN = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
EU_CLOSED = datetime(2026, 12, 9, 20, 0, tzinfo=UTC)

NEW = reverse("tickets:case_new")
MY_CASES = reverse("tickets:my_cases")
RESPONSE_TIME = reverse("tickets:intake_response_time")

DACH = "+49 89 2000 60 65"
FRANCE = "+33 1 76 74 79 83"
INTERNATIONAL = "+44 330 056 3663"
DACH_CHAT = "https://kite.wildix.com/ucit/66"
KITE = "kite.wildix.com"


def partner_in(country: str, **fields) -> Organisation:
    return OrganisationFactory(
        name=f"Partner in {country}", tier="gold", region="eu", country=country, **fields
    )


@pytest.fixture
def signed_in(client, policies, calendars):
    """Sign in a user of a Gold partner in ``country``; returns the user."""

    def sign_in(country: str):
        user = UserFactory(organisation=partner_in(country))
        client.force_login(user)
        return user

    return sign_in


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- The number for the partner's own country ---------------------------------------------


@pytest.mark.parametrize(
    ("country", "number", "others"),
    [
        ("DE", DACH, [FRANCE, INTERNATIONAL]),
        ("FR", FRANCE, [DACH, INTERNATIONAL]),
        ("EE", INTERNATIONAL, [DACH, FRANCE]),
    ],
)
def test_footer_gives_the_number_for_the_partners_country(
    client, signed_in, country, number, others
):
    signed_in(country)

    with time_machine.travel(EU_OPEN, tick=False):
        page = text_of(client.get(MY_CASES))

    footer = page[page.index('<footer class="footer">') :]
    assert number in footer
    assert f'href="tel:{number.replace(" ", "")}"' in footer
    for other in others:
        assert other not in footer


def test_the_estonian_fallback_is_named_as_the_international_line(client, signed_in):
    signed_in("EE")

    with time_machine.travel(EU_OPEN, tick=False):
        page = text_of(client.get(MY_CASES))

    assert "International (English)" in page


def test_footer_names_no_number_to_someone_signed_out(client, policies):
    page = client.get(reverse("login")).content.decode()

    assert DACH not in page
    assert INTERNATIONAL not in page


@pytest.mark.parametrize(
    ("country", "number"), [("DE", DACH), ("FR", FRANCE), ("EE", INTERNATIONAL)]
)
def test_intake_out_of_hours_tells_to_call_the_countrys_number(client, signed_in, country, number):
    signed_in(country)

    with time_machine.travel(EU_CLOSED, tick=False):
        fragment = text_of(client.get(RESPONSE_TIME, {"case_type": "tech_support"}))
        page = text_of(client.post(NEW, {"case_type": "tech_support", "_refresh": "1"}))

    for shown in (fragment, page):
        assert "data-out-of-hours" in shown
        assert number in shown


def test_intake_during_support_hours_does_not_send_to_the_phone(client, signed_in):
    signed_in("DE")

    with time_machine.travel(EU_OPEN, tick=False):
        fragment = text_of(client.get(RESPONSE_TIME, {"case_type": "tech_support"}))

    assert "data-out-of-hours" not in fragment
    assert DACH not in fragment


def test_intake_out_of_hours_says_nothing_of_the_phone_for_customer_care(client, signed_in):
    """Only technical cases can be Critical; Customer Care waits for support hours."""
    signed_in("DE")

    with time_machine.travel(EU_CLOSED, tick=False):
        fragment = text_of(client.get(RESPONSE_TIME, {"case_type": "customer_care"}))

    assert "data-out-of-hours" not in fragment


@pytest.mark.parametrize(
    ("country", "number"), [("DE", DACH), ("FR", FRANCE), ("EE", INTERNATIONAL)]
)
def test_critical_case_page_gives_the_countrys_number(client, signed_in, country, number):
    user = signed_in(country)
    ticket = TicketFactory(
        organisation=user.organisation,
        requester=user,
        cos=Ticket.ClassOfService.CRITICAL,
        status=Ticket.Status.OPEN,
    )

    with time_machine.travel(EU_CLOSED, tick=False):
        page = text_of(client.get(reverse("tickets:case_detail", args=[ticket.pk])))

    section = page[page.index("data-critical-line") :]
    assert number in section[:600]


def test_standard_case_page_out_of_hours_offers_no_phone_number(client, signed_in):
    user = signed_in("DE")
    ticket = TicketFactory(organisation=user.organisation, requester=user)

    with time_machine.travel(EU_CLOSED, tick=False):
        page = text_of(client.get(reverse("tickets:case_detail", args=[ticket.pk])))

    assert "data-critical-line" not in page
    assert "data-chat-line" not in page


def test_no_policy_page_gives_the_countrys_number(client, signed_in):
    """Before any version is in force the first one loaded gives the numbers."""
    signed_in("FR")

    with time_machine.travel(datetime(2021, 6, 2, 21, 0, tzinfo=UTC), tick=False):
        response = client.get(NEW)

    assert response.status_code == 503
    body = response.content.decode()
    main = body[: body.index('<footer class="footer">')]
    assert FRANCE in main


def test_an_admin_edited_number_is_what_partners_see(client, signed_in):
    signed_in("DE")
    policy = PolicyVersion.objects.get(code="2026-03")
    lines = policy.support_lines
    for line in lines["lines"]:
        if line["code"] == "dach":
            line["phone"] = "+49 30 1234 5678"
    policy.support_lines = lines
    policy.save(update_fields=["support_lines"])

    with time_machine.travel(EU_OPEN, tick=False):
        page = text_of(client.get(MY_CASES))

    assert "+49 30 1234 5678" in page
    assert DACH not in page


# --- Chat: support hours only, on an existing open case -----------------------------------


def test_chat_link_on_an_open_case_during_support_hours(client, signed_in):
    user = signed_in("DE")
    ticket = TicketFactory(organisation=user.organisation, requester=user, status="open")

    with time_machine.travel(EU_OPEN, tick=False):
        page = text_of(client.get(reverse("tickets:case_detail", args=[ticket.pk])))

    assert "data-chat-line" in page
    assert f'href="{DACH_CHAT}"' in page


def test_no_chat_link_outside_support_hours(client, signed_in):
    user = signed_in("DE")
    ticket = TicketFactory(organisation=user.organisation, requester=user, status="open")

    with time_machine.travel(EU_CLOSED, tick=False):
        page = text_of(client.get(reverse("tickets:case_detail", args=[ticket.pk])))

    assert KITE not in page


@pytest.mark.parametrize("status", [Ticket.Status.RESOLVED, Ticket.Status.CLOSED])
def test_no_chat_link_on_a_case_that_is_no_longer_open(client, signed_in, status):
    user = signed_in("DE")
    ticket = TicketFactory(organisation=user.organisation, requester=user, status=status)

    with time_machine.travel(EU_OPEN, tick=False):
        page = text_of(client.get(reverse("tickets:case_detail", args=[ticket.pk])))

    assert KITE not in page


def test_never_a_chat_link_on_the_intake_page(client, signed_in):
    signed_in("DE")

    with time_machine.travel(EU_OPEN, tick=False):
        pages = [
            text_of(client.get(NEW)),
            text_of(client.post(NEW, {"case_type": "tech_support", "_refresh": "1"})),
            text_of(client.get(RESPONSE_TIME, {"case_type": "tech_support"})),
            text_of(client.get(MY_CASES)),
        ]

    for page in pages:
        assert KITE not in page


def test_the_estonian_partner_gets_the_international_chat(client, signed_in):
    user = signed_in("EE")
    ticket = TicketFactory(organisation=user.organisation, requester=user, status="open")

    with time_machine.travel(EU_OPEN, tick=False):
        page = text_of(client.get(reverse("tickets:case_detail", args=[ticket.pk])))

    assert 'href="https://kite.wildix.com/ucit/57"' in page
