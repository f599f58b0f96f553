"""A state machine declared as a table, and the one way to ask it questions.

Each app declares its machine once, in its pure module::

    CASE = Transitions("case", {
        "open": frozenset({"resolved"}),
        "resolved": frozenset({"open", "closed"}),
        "closed": frozenset(),
    })

and its services call ``CASE.check(current, target)`` before writing the new state, which
raises ``core.errors.IllegalTransition`` when the table does not allow the move.

Invariants: every state a move leads to is itself declared (checked when the machine is
built); ``check`` raises exactly when ``can_move`` is false; ``allowed`` lists targets in
the order the states were declared, so pages show them in a stable order; a final state
allows no move. A state the table does not declare allows no move either. Pure: no Django.
"""

from collections.abc import Hashable, Iterable, Mapping
from typing import Generic, TypeVar

from core.errors import IllegalTransition

S = TypeVar("S", bound=Hashable)


class Transitions(Generic[S]):
    """The moves a machine allows: ``table`` maps each state to the states it may go to.

    ``message`` overrides the refusal's text; it may use ``{current}`` and ``{target}``.
    """

    def __init__(self, name: str, table: Mapping[S, Iterable[S]], *, message: str = ""):
        self.name = name
        self.message = message
        self.table: dict[S, frozenset[S]] = {
            state: frozenset(targets) for state, targets in table.items()
        }
        undeclared = {t for targets in self.table.values() for t in targets} - self.table.keys()
        if undeclared:
            raise ValueError(
                f"The {name} moves to undeclared states: {sorted(map(str, undeclared))}"
            )
        self._order = {state: position for position, state in enumerate(self.table)}

    def __repr__(self) -> str:
        return f"Transitions({self.name!r}, {len(self.table)} states)"

    def __contains__(self, state: object) -> bool:
        return state in self.table

    @property
    def states(self) -> tuple[S, ...]:
        """Every declared state, in declaration order."""
        return tuple(self.table)

    @property
    def final(self) -> frozenset[S]:
        """The states with no way out."""
        return frozenset(state for state, targets in self.table.items() if not targets)

    def can_move(self, current: S, target: S) -> bool:
        return target in self.table.get(current, ())

    def allowed(self, current: S) -> list[S]:
        """The states ``current`` may move to, in declaration order."""
        return sorted(self.table.get(current, ()), key=self._order.__getitem__)

    def check(self, current: S, target: S) -> None:
        """Raise ``IllegalTransition`` unless the table allows ``current`` → ``target``."""
        if not self.can_move(current, target):
            message = self.message.format(current=current, target=target) if self.message else ""
            raise IllegalTransition(self.name, current, target, message=message)
