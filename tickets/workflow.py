"""The life of a case, declared once. Pure: no Django imports beyond the status values.

new → open → waiting on partner ⇄ open → resolved → closed. A resolved case reopens when
the partner replies (or staff reopen it); a closed case is final.
"""

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING = "waiting_on_partner"
    RESOLVED = "resolved"
    CLOSED = "closed"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.OPEN, Status.WAITING, Status.RESOLVED}),
    Status.OPEN: frozenset({Status.WAITING, Status.RESOLVED}),
    Status.WAITING: frozenset({Status.OPEN, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

# Statuses in which the case still needs work from the support team.
ACTIVE = frozenset({Status.NEW, Status.OPEN, Status.WAITING})


def can_move(current: str, target: str) -> bool:
    return Status(target) in TRANSITIONS[Status(current)]


def allowed_targets(current: str) -> list[Status]:
    order = list(Status)
    return sorted(TRANSITIONS[Status(current)], key=order.index)


def status_after_partner_reply(current: str) -> Status:
    """A partner's reply puts a waiting or resolved case back in the team's hands."""
    status = Status(current)
    if status in (Status.WAITING, Status.RESOLVED):
        return Status.OPEN
    return status


def status_after_staff_public_reply(current: str) -> Status:
    """The first public answer from staff takes a new case into work."""
    status = Status(current)
    return Status.OPEN if status is Status.NEW else status
