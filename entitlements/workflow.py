"""The life of a scheduled intervention, declared once. Pure: no Django.

The partner requests; an agent confirms a slot (or books another time, which confirms it
again) or declines; the partner may cancel until it is carried out. Declined, cancelled
and done are final. The values are those of ``Intervention.State``.
"""

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
