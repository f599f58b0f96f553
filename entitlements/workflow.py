"""The life of a scheduled intervention, declared once. Pure: no Django.

The partner requests; an agent confirms a slot (or books another time, which confirms it
again) or declines; the partner may cancel until it is carried out. Declined, cancelled
and done are final. The values are those of ``Intervention.State``.

A booked intervention has two reminders, 24 hours and 1 hour before its start; each goes
only for a start booked before its time, and the 24-hour one no longer once the 1-hour one
is due.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.transitions import Transitions

REQUESTED, CONFIRMED, DECLINED = "requested", "confirmed", "declined"
CANCELLED, DONE = "cancelled", "done"

INTERVENTION = Transitions(
    "intervention",
    {
        REQUESTED: frozenset({CONFIRMED, DECLINED, CANCELLED}),
        # Confirmed → confirmed: booked again at another time.
        CONFIRMED: frozenset({CONFIRMED, DECLINED, CANCELLED, DONE}),
        DECLINED: frozenset(),
        CANCELLED: frozenset(),
        DONE: frozenset(),
    },
)


@dataclass(frozen=True)
class Reminder:
    key: str
    lead: timedelta  # sent this long before the start
    label: str
    until: timedelta  # not sent once the start is this near (a later reminder takes over)

    def due_at(self, *, start: datetime, booked_at: datetime) -> datetime | None:
        """When it goes for a start booked at ``booked_at``: None when booked too late."""
        due = start - self.lead
        return due if booked_at <= due else None


REMINDERS = {
    "24h": Reminder("24h", timedelta(hours=24), "24 hours", timedelta(hours=1)),
    "1h": Reminder("1h", timedelta(hours=1), "1 hour", timedelta(0)),
}
