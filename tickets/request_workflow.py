"""The life of a request one organisation hands on to the one it is referred to, declared
once. Pure: no Django.

A refused case is kept as a draft for its author (draft); sending it hands it to the
partner or installer (open); that organisation turns it into a case of its own with the
vendor (converted), answers it itself (answered) or declines it with a note (declined).
Each of the last three is final.
"""

from enum import StrEnum

from core.transitions import Transitions


class RequestStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CONVERTED = "converted"
    ANSWERED = "answered"
    DECLINED = "declined"


REQUEST = Transitions(
    "partner request",
    {
        RequestStatus.DRAFT: frozenset({RequestStatus.OPEN}),
        RequestStatus.OPEN: frozenset(
            {RequestStatus.CONVERTED, RequestStatus.ANSWERED, RequestStatus.DECLINED}
        ),
        RequestStatus.CONVERTED: frozenset(),
        RequestStatus.ANSWERED: frozenset(),
        RequestStatus.DECLINED: frozenset(),
    },
    message="This request is {current}: it cannot be {target} now.",
)


def check_move(current: str, target: str) -> None:
    """Raise ``core.errors.IllegalTransition`` unless a request may go from ``current`` to
    ``target``."""
    REQUEST.check(RequestStatus(current), RequestStatus(target))
