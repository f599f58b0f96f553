"""The data migration that turns the sentences stored in intervention and bundle-low
timeline rows into the fields they were made from, and back: every sentence the former
writers produced converts, and the converted rows read on the timeline as before."""

from datetime import UTC, datetime
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone

from tests.tickets.factories import EventFactory, TicketFactory
from tickets.timeline import describe

migration = import_module("entitlements.migrations.0003_intervention_and_bundle_events_as_data")

START = "2026-12-03T14:00:00+00:00"
ASTERISK = "Asterisk-based system (Elastix included)"
SLOTS = ["2026-12-01T17:00:00+00:00", "2026-12-02T08:30:00+00:00"]

# (kind, as the former writers stored it, as the writers store it now)
ROWS = [
    (
        "intervention_requested",
        {"intervention": 7, "text": "Remote intervention requested (3CX, free)", "slots": SLOTS},
        {"intervention": 7, "platform": "3cx", "free": True, "slots": SLOTS},
    ),
    (
        "intervention_requested",
        {
            "intervention": 7,
            "text": f"Remote intervention requested ({ASTERISK}, paid)",
            "slots": SLOTS[:1],
        },
        {"intervention": 7, "platform": "asterisk", "free": False, "slots": SLOTS[:1]},
    ),
    (
        "intervention_confirmed",
        {
            "intervention": 7,
            "text": "Remote intervention confirmed",
            "start": START,
            "duration": 90,
        },
        {"intervention": 7, "start": START, "duration": 90},
    ),
    (
        "intervention_rescheduled",
        {
            "intervention": 7,
            "text": "Support proposed another time for the remote intervention",
            "start": START,
            "duration": 60,
        },
        {"intervention": 7, "start": START, "duration": 60, "previous": "requested"},
    ),
    (
        "intervention_rescheduled",
        {
            "intervention": 7,
            "text": "Remote intervention moved to another time",
            "start": START,
            "duration": 60,
        },
        {"intervention": 7, "start": START, "duration": 60, "previous": "confirmed"},
    ),
    (
        "intervention_declined",
        {"intervention": 7, "text": "Remote intervention declined", "detail": "Upgrade first."},
        {"intervention": 7, "reason": "Upgrade first."},
    ),
    (
        "intervention_cancelled",
        {"intervention": 7, "text": "Remote intervention cancelled by the partner"},
        {"intervention": 7},
    ),
    (
        "intervention_done",
        {"intervention": 7, "text": "Remote intervention carried out"},
        {"intervention": 7},
    ),
    (
        "intervention_reminded",
        {
            "intervention": 7,
            "text": "Reminders sent 24 hours before the remote intervention",
            "start": START,
        },
        {"intervention": 7, "reminder": "24h", "start": START},
    ),
    (
        "intervention_reminded",
        {
            "intervention": 7,
            "text": "Reminders sent 1 hour before the remote intervention",
            "start": START,
        },
        {"intervention": 7, "reminder": "1h", "start": START},
    ),
    (
        "bundle_low",
        {"text": "1 h 30 min left on support-hour bundle SH-2026-01"},
        {"reference": "SH-2026-01", "remaining_minutes": 90},
    ),
    (
        "bundle_low",
        {"text": "0 min left on support-hour bundle SH-2026-01"},
        {"reference": "SH-2026-01", "remaining_minutes": 0},
    ),
    (
        "bundle_low",
        {"text": "Support-hour bundle  is overdrawn by 2 h"},
        {"reference": "", "remaining_minutes": -120},
    ),
]


@pytest.mark.parametrize(("kind", "written", "stored"), ROWS)
def test_each_sentence_becomes_its_fields_and_back(kind, written, stored):
    assert migration.to_data(kind, written) == stored
    assert migration.to_text(kind, stored) == written


@pytest.mark.parametrize(("kind", "written", "stored"), ROWS)
def test_a_row_already_converted_is_left_as_it_is(kind, written, stored):
    assert migration.to_data(kind, stored) is None
    assert migration.to_text(kind, written) is None


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("intervention_confirmed", {"text": "Remote intervention booked", "start": START}),
        ("intervention_requested", {"text": "Remote intervention requested (Nortel, free)"}),
        ("intervention_reminded", {"text": "Reminders sent 2 days before the remote intervention"}),
        ("bundle_low", {"text": "Support hours running low"}),
    ],
)
def test_a_sentence_no_writer_produced_is_kept(kind, data):
    assert migration.to_data(kind, data) is None


@pytest.mark.django_db
def test_converted_rows_read_on_the_timeline_as_the_sentences_did(policies):
    ticket = TicketFactory()
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    for kind, written, _ in ROWS:
        EventFactory(ticket=ticket, kind=kind, data=written, at=at)
    other = EventFactory(ticket=ticket, kind="time_logged", data={"minutes": 5}, at=at)

    migration.forwards(apps, None)

    events = list(ticket.events.exclude(pk=other.pk))
    assert [event.data for event in events] == [stored for _, _, stored in ROWS]
    with timezone.override("Europe/Rome"):
        lines = [(entry.text, entry.detail) for entry in describe(events)]
    assert lines == [
        (
            "Remote intervention requested (3CX, free)",
            "Preferred slots: Tue 1 Dec 2026, 18:00 CET; Wed 2 Dec 2026, 09:30 CET",
        ),
        (
            f"Remote intervention requested ({ASTERISK}, paid)",
            "Preferred slots: Tue 1 Dec 2026, 18:00 CET",
        ),
        ("Remote intervention confirmed: Thu 3 Dec 2026, 15:00 CET", ""),
        (
            "Support proposed another time for the remote intervention: Thu 3 Dec 2026, 15:00 CET",
            "",
        ),
        ("Remote intervention moved to another time: Thu 3 Dec 2026, 15:00 CET", ""),
        ("Remote intervention declined", "Upgrade first."),
        ("Remote intervention cancelled by the partner", ""),
        ("Remote intervention carried out", ""),
        ("Reminders sent 24 hours before the remote intervention: Thu 3 Dec 2026, 15:00 CET", ""),
        ("Reminders sent 1 hour before the remote intervention: Thu 3 Dec 2026, 15:00 CET", ""),
        ("1 h 30 min left on support-hour bundle SH-2026-01", ""),
        ("0 min left on support-hour bundle SH-2026-01", ""),
        ("Support-hour bundle  is overdrawn by 2 h", ""),
    ]

    migration.backwards(apps, None)

    assert [event.data for event in ticket.events.exclude(pk=other.pk)] == [
        written for _, written, _ in ROWS
    ]
    other.refresh_from_db()
    assert other.data == {"minutes": 5}
