"""The life of a case, declared once. Pure: no Django.

new → open → waiting on partner ⇄ open → resolved → closed. A resolved case reopens when
the partner replies (or staff reopen it); a closed case is final.
"""

from enum import StrEnum

from core.transitions import Transitions


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
CASE = Transitions("case", TRANSITIONS)

# Statuses in which the case still needs work from the support team.
ACTIVE = frozenset({Status.NEW, Status.OPEN, Status.WAITING})


def can_move(current: str, target: str) -> bool:
    return CASE.can_move(Status(current), Status(target))


def allowed_targets(current: str) -> list[Status]:
    return CASE.allowed(Status(current))


def check_move(current: str, target: str) -> None:
    """Raise ``core.errors.IllegalTransition`` unless a case may go from ``current`` to
    ``target``; a value that is no status at all is a ``ValueError``."""
    CASE.check(Status(current), Status(target))


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
