"""Domain errors: refusals that come from the rules, not from bad input.

Services raise them; views, the API and tasks decide how to answer. Pure: no Django.
"""


class DomainError(Exception):
    """Base for refusals that come from the rules, not from bad input."""


class IllegalTransition(DomainError):
    """A state machine refused a move: ``machine`` names it ("case", "credit"), ``current``
    is the state it is in and ``target`` the state asked for (None when ``current`` is not a
    state the machine has at all)."""

    def __init__(self, machine: str, current: object, target: object, *, message: str = ""):
        self.machine, self.current, self.target = machine, current, target
        super().__init__(message or f"A {machine} cannot go from {current} to {target}.")
