"""When a maintenance window counts as announced. Pure: instants and ids in, no clock.

The terms excuse maintenance "notified in advance"; the policy sets how far in advance
(``PolicyVersion.maintenance_notice``, 48 hours by default). Our reading, the one a partner
would hold the vendor to: a window is announced when the desk actually sent its notice to
the subscribers (the status page, the feeds and the e-mails), and it counts as available
time only when that notice went out at least the policy's notice before the window starts.
"Notified at" is therefore the time the desk sent the notice, never a time someone typed.

A notice announces the window it described. When the window is changed afterwards, the
notice still covers it only if the new window lies inside the announced one (same or
later start, same or earlier end) on the announced services or fewer: partners were told
of a longer outage on more services than will happen. Anything else (an earlier start, a
later end, another service) was never announced, and the window must be announced again,
which sets a new "notified at".
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime
    service_ids: frozenset[int]

    @classmethod
    def of(cls, starts_at: datetime, ends_at: datetime, service_ids: Iterable[int]) -> "Window":
        return cls(starts_at, ends_at, frozenset(service_ids))


def announcement_covers(announced: Window, current: Window) -> bool:
    """The notice given for ``announced`` still announces ``current``."""
    return (
        announced.starts_at <= current.starts_at
        and current.ends_at <= announced.ends_at
        and current.service_ids <= announced.service_ids
    )


def is_short_notice(starts_at: datetime, *, now: datetime, notice: timedelta) -> bool:
    """Announced ``now``, the window would not count as announced (it starts within
    ``notice``): its outages count as downtime."""
    if now.tzinfo is None or starts_at.tzinfo is None:
        raise ValueError("is_short_notice needs aware datetimes")
    return starts_at - now < notice
