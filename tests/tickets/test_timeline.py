"""How a case's timeline reads: every app words the kinds it writes, and a kind nobody
declared still gets a plain line."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from tests.tickets.factories import EventFactory, TicketFactory
from tickets.timeline import describe, wording

pytestmark = pytest.mark.django_db


def lines(ticket) -> list[tuple[str, str]]:
    return [(entry.text, entry.detail) for entry in describe(list(ticket.events.all()))]


def test_each_app_words_the_kinds_it_writes(policies):
    ticket = TicketFactory()
    booked_at = datetime(2026, 11, 25, 13, 5, tzinfo=UTC)
    for kind, data in [
        ("created", {"channel": "phone", "cos": "critical", "policy": "2026-03"}),
        ("sla_breached", {"metric": "first_response", "due": "2026-11-25T12:00:00+00:00"}),
        ("time_logged", {"minutes": 30, "billable": False, "override": ""}),
        ("hwaas_shipped", {"request": 1, "tracking_number": "DHL 123", "serials": []}),
        ("intervention_confirmed", {"intervention": 1, "start": booked_at.isoformat()}),
    ]:
        EventFactory(ticket=ticket, kind=kind, data=data)

    with timezone.override("Europe/Rome"):
        worded = lines(ticket)

    assert worded == [
        ("Case opened (Phone, logged by staff)", "class of service Critical, terms 2026-03"),
        ("First response target breached: escalated", ""),
        ("30 minutes of work logged (not billable)", ""),
        ("Shipped", "Tracking DHL 123"),
        ("Remote intervention confirmed: Wed 25 Nov 2026, 14:05 CET", ""),
    ]


def test_a_kind_nobody_declared_gets_a_plain_line(policies):
    ticket = TicketFactory()
    EventFactory(ticket=ticket, kind="pbx_firmware_pushed", data={"version": "1.9.1"})

    assert lines(ticket) == [("Pbx firmware pushed", "")]


def test_a_kind_has_one_wording():
    with pytest.raises(ValueError, match="sla_paused"):
        wording("sla_paused")(lambda data, names: ("Paused", ""))
