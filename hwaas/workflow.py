"""The steps of a hardware request, declared once per kind. Pure.

Every request is decided first (approved or refused). After approval each kind has its
own path: a unit goes out (shipped), comes back (received), or both, in the order the terms
say; an RMA replacement only leaves once the faulty unit has arrived and been checked.
A return whose units are not made available for collection is recorded as not returned
instead of received (the lessee then owns them), and closes from there.
"""

from functools import cache
from itertools import pairwise

from core.errors import IllegalTransition
from core.transitions import Transitions

SUBMITTED, APPROVED, REFUSED = "submitted", "approved", "refused"
SHIPPED, RECEIVED, CLOSED = "shipped", "received", "closed"
UNRETURNED = "unreturned"

# kind -> the states after approval, in order; the last step closes the request.
PATHS: dict[str, tuple[str, ...]] = {
    "add": (SHIPPED, CLOSED),
    "reduce": (RECEIVED, CLOSED),
    "return": (RECEIVED, CLOSED),
    "exchange": (SHIPPED, RECEIVED, CLOSED),
    "replace": (SHIPPED, RECEIVED, CLOSED),
    "rma": (RECEIVED, SHIPPED, CLOSED),
    "convert": (CLOSED,),
}

# kind -> {state: the other way out of it, and the path from there}.
BRANCHES: dict[str, dict[str, tuple[str, ...]]] = {
    "return": {APPROVED: (UNRETURNED, CLOSED)},
}

FINAL = frozenset({REFUSED, CLOSED})


# A refused step raises the kernel's error, with machine "hardware request".
IllegalStep = IllegalTransition
MACHINE = "hardware request"


@cache
def machine(kind: str) -> Transitions[str]:
    """The transition table of a ``kind`` of request: decided first, then its path."""
    path = PATHS.get(kind, ())
    # Declaration order is the order of the step buttons: approve before refuse.
    table: dict[str, tuple[str, ...]] = {SUBMITTED: (APPROVED, REFUSED), APPROVED: (), REFUSED: ()}
    table |= {state: (after,) for state, after in pairwise((APPROVED, *path))}
    if path:
        table[path[-1]] = ()
    for state, branch in BRANCHES.get(kind, {}).items():
        table[state] = (*table[state], branch[0])
        table |= {before: (after,) for before, after in pairwise(branch)}
        table.setdefault(branch[-1], ())
    return Transitions(
        MACHINE, table, message=f"A {kind} request that is {{current}} cannot become {{target}}."
    )


def _on_path(kind: str, state: str, target: str | None = None) -> Transitions[str]:
    states = machine(kind)
    if state not in states:
        raise IllegalStep(MACHINE, state, target, message=f"A {kind} request is never {state}.")
    return states


def next_steps(kind: str, state: str) -> tuple[str, ...]:
    """The states a request of ``kind`` may move to from ``state``."""
    return tuple(_on_path(kind, state).allowed(state))


def check_step(kind: str, state: str, new_state: str) -> None:
    _on_path(kind, state, new_state).check(state, new_state)
