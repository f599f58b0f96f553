"""The migration that turned the sentences on a hardware request's timeline rows into data:
every row the earlier writers left reads the same once converted, and converts back."""

import importlib
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from desk.actions.hardware_request import hardware_request_open
from hwaas import services
from partners.roles import Role
from tests.factories import StaffFactory, UserFactory
from tests.hwaas.factories import LeaseAgreementFactory, LeaseLineFactory
from tests.tickets.factories import EventFactory, TicketFactory
from tickets.models import Event
from tickets.timeline import describe

migration = importlib.import_module("hwaas.migrations.0002_hwaas_event_data")

pytestmark = pytest.mark.django_db

# Friday 20 November 2026, 17:00 in Rome: a replacement approved then ships by Monday 17:00.
FRIDAY = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
FREE = (
    "The device is replaced free of charge. The faulty unit is collected and its transport "
    "is invoiced at cost."
)
# The (text, detail) each step of the replacement below was stored as, and still reads as.
SENTENCES = [
    ("Replace a damaged, lost or stolen device requested", FREE),
    ("Request approved; the replacement ships by Mon 23 Nov 2026, 17:00 CET", "Courier booked."),
    ("Shipped", "Tracking 1Z999; serial numbers NEW-0001"),
    ("Returned unit received", ""),
    ("Request completed", "All done."),
]


@pytest.fixture
def replacement(policies, calendars):
    """A replacement taken through every step; its timeline rows as the writers leave them."""
    agreement = LeaseAgreementFactory()
    partner = UserFactory(organisation=agreement.lessor)
    agent = StaffFactory(roles=[Role.AGENT])
    line = LeaseLineFactory(agreement=agreement, delivered_on=date(2026, 10, 1))
    with time_machine.travel(FRIDAY, tick=False):
        request = hardware_request_open(
            requester=partner,
            data=services.RequestInput(
                kind="replace", line=line, cause="defect", label_readable=True
            ),
        )
        services.request_approve(request=request, actor=agent, note="Courier booked.")
        services.request_ship(
            request=request, actor=agent, tracking_number="1Z999", serials=["NEW-0001"]
        )
        services.request_receive(request=request, actor=agent)
        services.request_close(request=request, actor=agent, note="All done.")
    return request


def hardware_events(ticket) -> list[Event]:
    return list(
        Event.objects.filter(ticket=ticket, kind__startswith="hwaas_")
        .select_related("actor")
        .order_by("pk")
    )


def worded(events: list[Event]) -> list[tuple[str, str]]:
    # Read in another zone than the calendar's: the ship-by time keeps the calendar's.
    with timezone.override("America/New_York"):
        return [(entry.text, entry.detail) for entry in describe(events)]


def test_rows_of_sentences_become_the_data_the_writers_store_and_read_the_same(replacement):
    events = hardware_events(replacement.ticket)
    written = [event.data for event in events]
    for event, (text, detail) in zip(events, SENTENCES, strict=True):
        event.data = {"text": text, "detail": detail, "request": replacement.pk}
        event.save(update_fields=["data"])

    migration.forwards(apps, None)

    converted = hardware_events(replacement.ticket)
    assert [event.data for event in converted] == written
    assert worded(converted) == SENTENCES


def test_converting_back_gives_the_sentences_again(replacement):
    migration.backwards(apps, None)

    events = hardware_events(replacement.ticket)
    assert [(event.data["text"], event.data["detail"]) for event in events] == SENTENCES
    assert {event.data["request"] for event in events} == {replacement.pk}


def test_rows_already_holding_data_are_left_alone(replacement):
    written = [event.data for event in hardware_events(replacement.ticket)]

    migration.forwards(apps, None)

    assert [event.data for event in hardware_events(replacement.ticket)] == written


def test_rows_whose_request_is_gone_still_convert(policies):
    ticket = TicketFactory()
    for kind, text, detail in [
        ("hwaas_approved", "Request approved; the replacement ships by Mon 23 Nov 2026", ""),
        ("hwaas_shipped", "Shipped", "Tracking DHL 123"),
        ("hwaas_refused", "Request refused", "Not ours to lease."),
    ]:
        EventFactory(
            ticket=ticket, kind=kind, data={"text": text, "detail": detail, "request": 404}
        )

    migration.forwards(apps, None)

    events = hardware_events(ticket)
    assert [event.data for event in events] == [
        {"request": 404, "ship_by": None, "zone": "", "note": ""},
        {"request": 404, "tracking_number": "DHL 123", "serials": []},
        {"request": 404, "reason": "Not ours to lease."},
    ]
    assert worded(events) == [
        ("Request approved", ""),
        ("Shipped", "Tracking DHL 123"),
        ("Request refused", "Not ours to lease."),
    ]
