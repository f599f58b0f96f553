"""The state-machine helper every app declares its table with: no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DomainError, IllegalTransition
from core.transitions import Transitions

DOOR = Transitions(
    "door",
    {
        "open": frozenset({"closed"}),
        "closed": frozenset({"open", "locked"}),
        "locked": frozenset({"closed"}),
        "bricked": frozenset(),
    },
)


@st.composite
def machines(draw) -> Transitions[str]:
    states = draw(
        st.lists(st.text("abcdef", min_size=1, max_size=3), min_size=1, max_size=8, unique=True)
    )
    table = {state: draw(st.frozensets(st.sampled_from(states))) for state in states}
    return Transitions("thing", table)


def test_allowed_moves_pass_and_others_are_refused():
    assert DOOR.can_move("closed", "locked")
    DOOR.check("closed", "locked")
    assert not DOOR.can_move("open", "locked")
    with pytest.raises(IllegalTransition) as raised:
        DOOR.check("open", "locked")
    error = raised.value
    assert (error.machine, error.current, error.target) == ("door", "open", "locked")
    assert str(error) == "A door cannot go from open to locked."
    assert isinstance(error, DomainError)


def test_a_machine_may_word_its_refusal():
    gate = Transitions(
        "gate", {"up": {"down"}, "down": set()}, message="The gate is {current}, not {target}."
    )
    with pytest.raises(IllegalTransition, match=r"^The gate is down, not up\.$"):
        gate.check("down", "up")


def test_allowed_lists_targets_in_declaration_order():
    assert DOOR.allowed("closed") == ["open", "locked"]
    assert DOOR.states == ("open", "closed", "locked", "bricked")


def test_final_states_have_no_way_out():
    assert DOOR.final == {"bricked"}
    assert DOOR.allowed("bricked") == []


def test_an_undeclared_state_allows_no_move():
    assert "ajar" not in DOOR
    assert DOOR.allowed("ajar") == []
    assert not DOOR.can_move("ajar", "open")
    with pytest.raises(IllegalTransition):
        DOOR.check("ajar", "open")


def test_a_move_to_an_undeclared_state_is_a_mistake_in_the_table():
    with pytest.raises(ValueError, match="ajar"):
        Transitions("door", {"open": {"ajar"}})


@given(machine=machines(), data=st.data())
def test_check_raises_exactly_when_the_move_is_not_allowed(machine, data):
    states = [*machine.states, "undeclared"]
    current, target = data.draw(st.sampled_from(states)), data.draw(st.sampled_from(states))
    if machine.can_move(current, target):
        machine.check(current, target)
    else:
        with pytest.raises(IllegalTransition) as raised:
            machine.check(current, target)
        assert (raised.value.current, raised.value.target) == (current, target)


@given(machine=machines())
def test_allowed_is_the_table_in_declaration_order(machine):
    for current in machine.states:
        allowed = machine.allowed(current)
        assert allowed == [t for t in machine.states if machine.can_move(current, t)]
        assert set(allowed) == machine.table[current]


@given(machine=machines())
def test_final_states_are_exactly_those_that_allow_nothing(machine):
    assert machine.final == {s for s in machine.states if not machine.allowed(s)}
    for state in machine.final:
        assert not any(machine.can_move(state, target) for target in machine.states)
