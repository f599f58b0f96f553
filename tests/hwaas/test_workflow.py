"""The declared steps of a hardware request, per kind: no database, only the transition table."""

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hwaas.workflow import (
    APPROVED,
    CLOSED,
    FINAL,
    PATHS,
    RECEIVED,
    REFUSED,
    SHIPPED,
    SUBMITTED,
    UNRETURNED,
    IllegalStep,
    check_step,
    machine,
    next_steps,
)

KINDS = sorted(PATHS)

# Written out by hand, so a change to PATHS has to be made here as well.
EXPECTED_PATHS = {
    "add": (SHIPPED, CLOSED),
    "reduce": (RECEIVED, CLOSED),
    "return": (RECEIVED, CLOSED),
    "exchange": (SHIPPED, RECEIVED, CLOSED),
    "replace": (SHIPPED, RECEIVED, CLOSED),
    # The replacement of a purchased device leaves only once the faulty one has arrived.
    "rma": (RECEIVED, SHIPPED, CLOSED),
    "convert": (CLOSED,),
}
# The other way out of a state, and the path from there: a return whose units are not
# handed back is recorded as such instead of received.
EXPECTED_BRANCHES = {"return": {APPROVED: (UNRETURNED, CLOSED)}}


def branch_steps(kind: str, state: str) -> tuple[str, ...]:
    branch = EXPECTED_BRANCHES.get(kind, {}).get(state)
    return (branch[0],) if branch else ()


def path_pairs() -> list[tuple[str, str, str]]:
    """(kind, state, the one step after it) along every kind's path from approval."""
    pairs = []
    for kind, path in EXPECTED_PATHS.items():
        states = (APPROVED, *path)
        pairs += [(kind, state, after) for state, after in pairwise(states)]
    return pairs


def illegal_steps() -> list[tuple[str, str, str]]:
    """(kind, state, target) for every target a state on the kind's walk does not lead to."""
    every_state = (SUBMITTED, APPROVED, REFUSED, SHIPPED, RECEIVED, UNRETURNED, CLOSED)
    steps = []
    for kind, path in EXPECTED_PATHS.items():
        allowed = {SUBMITTED: {APPROVED, REFUSED}, REFUSED: set()}
        states = (APPROVED, *path)
        allowed |= {state: {after} for state, after in pairwise(states)}
        allowed[CLOSED] = set()
        for state, branch in EXPECTED_BRANCHES.get(kind, {}).items():
            allowed[state] |= {branch[0]}
            allowed |= {before: {after} for before, after in pairwise(branch)}
        for state, targets in allowed.items():
            steps += [(kind, state, target) for target in every_state if target not in targets]
    return steps


def test_every_kind_of_request_has_a_declared_path():
    assert set(PATHS) == set(EXPECTED_PATHS)
    assert frozenset({REFUSED, CLOSED}) == FINAL


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_ends_in_the_same_final_states(kind):
    assert machine(kind).final == FINAL


@pytest.mark.parametrize("kind", KINDS)
def test_a_submitted_request_can_only_be_approved_or_refused(kind):
    assert next_steps(kind, SUBMITTED) == (APPROVED, REFUSED)
    check_step(kind, SUBMITTED, APPROVED)
    check_step(kind, SUBMITTED, REFUSED)


@pytest.mark.parametrize("kind", KINDS)
def test_the_path_after_approval_is_the_declared_one_in_order(kind):
    walked, state = [], APPROVED
    while state != CLOSED:
        state = next_steps(kind, state)[0]
        walked.append(state)
    assert tuple(walked) == EXPECTED_PATHS[kind]


def test_a_return_not_handed_back_is_recorded_as_such_then_closed():
    assert next_steps("return", APPROVED) == (RECEIVED, UNRETURNED)
    check_step("return", APPROVED, UNRETURNED)
    assert next_steps("return", UNRETURNED) == (CLOSED,)
    check_step("return", UNRETURNED, CLOSED)
    with pytest.raises(IllegalStep):
        check_step("return", RECEIVED, UNRETURNED)
    with pytest.raises(IllegalStep):
        check_step("reduce", APPROVED, UNRETURNED)


@pytest.mark.parametrize(("kind", "state", "after"), path_pairs())
def test_each_state_on_the_path_leads_to_exactly_the_next_one(kind, state, after):
    assert next_steps(kind, state) == (after, *branch_steps(kind, state))
    check_step(kind, state, after)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("state", [REFUSED, CLOSED])
def test_refused_and_closed_are_final(kind, state):
    assert next_steps(kind, state) == ()
    with pytest.raises(IllegalStep):
        check_step(kind, state, CLOSED)


@pytest.mark.parametrize(("kind", "state", "target"), illegal_steps())
def test_a_step_the_path_does_not_allow_raises_illegal_step(kind, state, target):
    with pytest.raises(IllegalStep) as raised:
        check_step(kind, state, target)
    assert str(raised.value) == f"A {kind} request that is {state} cannot become {target}."


def test_there_are_illegal_steps_for_every_kind():
    """Guards the table above from silently becoming empty."""
    assert {kind for kind, _, _ in illegal_steps()} == set(EXPECTED_PATHS)
    assert ("reduce", APPROVED, SHIPPED) in illegal_steps()
    assert ("rma", APPROVED, SHIPPED) in illegal_steps()
    assert ("add", SUBMITTED, CLOSED) in illegal_steps()


@given(kind=st.sampled_from(KINDS))
def test_always_taking_the_first_step_closes_the_request_without_revisiting_a_state(kind):
    seen, state, steps = [SUBMITTED], SUBMITTED, 0
    while state != CLOSED:
        options = next_steps(kind, state)
        assert options, f"{kind} stuck in {state}"
        state = options[0]
        check_step(kind, seen[-1], state)
        assert state not in seen
        seen.append(state)
        steps += 1
        assert steps <= len(PATHS[kind]) + 1
    assert steps == len(PATHS[kind]) + 1
    assert seen[:2] == [SUBMITTED, APPROVED]


@given(kind=st.sampled_from(KINDS), data=st.data())
def test_any_walk_ends_in_a_final_state_without_revisiting_one(kind, data):
    seen, state = [SUBMITTED], SUBMITTED
    while next_steps(kind, state):
        state = data.draw(st.sampled_from(next_steps(kind, state)))
        assert state not in seen
        seen.append(state)
    assert state in FINAL
    assert len(seen) - 1 <= len(PATHS[kind]) + 1
