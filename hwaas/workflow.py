"""The steps of a hardware request, declared once per kind. Pure.

Every request is decided first (approved or refused). After approval each kind has its
own path: a unit goes out (shipped), comes back (received), or both, in the order the terms
say; an RMA replacement only leaves once the faulty unit has arrived and been checked.
"""

SUBMITTED, APPROVED, REFUSED = "submitted", "approved", "refused"
SHIPPED, RECEIVED, CLOSED = "shipped", "received", "closed"

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

FINAL = frozenset({REFUSED, CLOSED})


class IllegalStep(ValueError):
    """A step that does not follow from the request's state."""


def next_steps(kind: str, state: str) -> tuple[str, ...]:
    """The states a request of ``kind`` may move to from ``state``."""
    if state == SUBMITTED:
        return (APPROVED, REFUSED)
    if state in FINAL:
        return ()
    path = PATHS.get(kind, ())
    if state != APPROVED and state not in path:
        raise IllegalStep(f"A {kind} request is never {state}.")
    position = -1 if state == APPROVED else path.index(state)
    return (path[position + 1],)


def check_step(kind: str, state: str, new_state: str) -> None:
    if new_state not in next_steps(kind, state):
        raise IllegalStep(f"A {kind} request that is {state} cannot become {new_state}.")
