"""Which version of the terms a new case gets, at the switch: a version takes effect at
local midnight on its date in the zone of the organisation's support calendar (Rome for
``eu``, New York for ``us``), not at midnight UTC. Through the API and the intake page."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from partners.models import Organisation
from tests.factories import OrganisationFactory, UserFactory
from tickets.models import Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "calendars")]

TICKETS = "/api/tickets/"
ROME, NEW_YORK = ZoneInfo("Europe/Rome"), ZoneInfo("America/New_York")
# 00:30 CEST on 1 October 2023 is still 30 September in UTC.
ROME_JUST_AFTER = datetime(2023, 10, 1, 0, 30, tzinfo=ROME)
ROME_JUST_BEFORE = datetime(2023, 9, 30, 23, 30, tzinfo=ROME)
# 20:00 EST on 28 February 2026 is already 1 March in UTC.
NEW_YORK_EVENING_BEFORE = datetime(2026, 2, 28, 20, 0, tzinfo=NEW_YORK)
NEW_YORK_MIDNIGHT = datetime(2026, 3, 1, 0, 0, tzinfo=NEW_YORK)


@pytest.fixture
def eu_partner(policies):
    organisation = OrganisationFactory(tier=Organisation.Tier.GOLD, region=Organisation.Region.EU)
    return UserFactory(organisation=organisation)


@pytest.fixture
def us_partner(policies):
    organisation = OrganisationFactory(
        tier=Organisation.Tier.GOLD, region=Organisation.Region.US, country="US"
    )
    return UserFactory(organisation=organisation)


def open_case(user, at: datetime, **body):
    api = APIClient()
    api.force_login(user)
    case = {
        "subject": "Calls drop after 30 seconds",
        "description": "Every outgoing call drops after about 30 seconds.",
        "wms_version": "6.05",
        "firmware_versions": "DP-40 1.9.0",
        **body,
    }
    with time_machine.travel(at, tick=False):
        return api.post(TICKETS, case, format="json")


def opened(response) -> Ticket:
    assert response.status_code == 201, response.content
    return Ticket.objects.get(pk=response.json()["id"])


# --- API ------------------------------------------------------------------------------------


def test_eu_case_half_an_hour_after_local_midnight_gets_the_new_terms(eu_partner):
    response = open_case(eu_partner, ROME_JUST_AFTER, case_type="technical", reason="call-quality")

    assert opened(response).policy.code == "2023-10"


def test_eu_case_just_before_local_midnight_keeps_the_old_terms(eu_partner):
    response = open_case(eu_partner, ROME_JUST_BEFORE, case_type="technical", reason="call-quality")

    assert opened(response).policy.code == "2022-04"


def test_eu_topic_dropped_by_the_new_terms_is_refused_after_local_midnight(eu_partner):
    # "General questions" is a Customer Care topic of 2022-04 only.
    body = {"case_type": "customer_care", "reason": "general-questions"}

    before = open_case(eu_partner, ROME_JUST_BEFORE, **body)
    after = open_case(eu_partner, ROME_JUST_AFTER, **body)

    assert opened(before).policy.code == "2022-04"
    assert after.status_code == 400, after.content
    assert "reason" in after.json()


def test_us_case_on_the_evening_before_gets_the_terms_of_its_own_date(us_partner):
    response = open_case(
        us_partner, NEW_YORK_EVENING_BEFORE, case_type="technical", reason="call-quality"
    )

    assert opened(response).policy.code == "2023-10"


def test_us_case_type_of_the_next_version_is_refused_on_the_evening_before(us_partner):
    response = open_case(
        us_partner, NEW_YORK_EVENING_BEFORE, case_type="tech_support", reason="call-quality"
    )

    assert response.status_code == 400, response.content
    assert "case_type" in response.json()


def test_us_case_at_local_midnight_gets_the_new_terms(us_partner):
    response = open_case(
        us_partner,
        NEW_YORK_MIDNIGHT,
        case_type="tech_support",
        reason="call-quality",
        category="dropped",
    )

    assert opened(response).policy.code == "2026-03"


def test_a_case_keeps_its_version_after_the_switch(us_partner):
    ticket = opened(
        open_case(us_partner, NEW_YORK_EVENING_BEFORE, case_type="technical", reason="call-quality")
    )
    api = APIClient()
    api.force_login(us_partner)

    with time_machine.travel(NEW_YORK_MIDNIGHT, tick=False):
        response = api.get(f"{TICKETS}{ticket.pk}/")

    assert response.status_code == 200
    assert response.json()["case_type"] == "technical"
    ticket.refresh_from_db()
    assert ticket.policy.code == "2023-10"


# --- The intake page and its response-time preview ------------------------------------------


def intake_page(client, user, at: datetime):
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        return client.get(reverse("tickets:case_new"))


def response_time(client, user, at: datetime, case_type: str):
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        return client.get(
            reverse("tickets:intake_response_time"),
            {"case_type": case_type, "reason": "call-quality"},
        )


def test_us_intake_page_offers_the_case_types_of_the_local_date(client, us_partner):
    evening = intake_page(client, us_partner, NEW_YORK_EVENING_BEFORE)
    midnight = intake_page(client, us_partner, NEW_YORK_MIDNIGHT)

    assert evening.status_code == midnight.status_code == 200
    assert 'value="technical"' in evening.content.decode()
    assert 'value="tech_support"' not in evening.content.decode()
    assert 'value="tech_support"' in midnight.content.decode()
    assert 'value="technical"' not in midnight.content.decode()


def test_us_response_time_preview_follows_the_local_date(client, us_partner):
    evening = response_time(client, us_partner, NEW_YORK_EVENING_BEFORE, "technical")
    midnight = response_time(client, us_partner, NEW_YORK_MIDNIGHT, "technical")

    assert evening.status_code == midnight.status_code == 200
    # Under 2023-10 a Technical case has a response time to expect; 2026-03 has no such type.
    assert "When we answer" in evening.content.decode()
    assert evening.context["response_preview"]
    assert "When we answer" not in midnight.content.decode()
    assert not midnight.context["response_preview"]


def test_eu_intake_page_drops_the_old_topic_after_local_midnight(client, eu_partner):
    client.force_login(eu_partner)
    options = reverse("tickets:intake_options")

    with time_machine.travel(ROME_JUST_BEFORE, tick=False):
        before = client.get(options, {"case_type": "customer_care"})
    with time_machine.travel(ROME_JUST_AFTER, tick=False):
        after = client.get(options, {"case_type": "customer_care"})

    assert before.status_code == after.status_code == 200
    assert 'value="general-questions"' in before.content.decode()
    assert 'value="general-questions"' not in after.content.decode()
