"""The case life cycle as the terms and DESIGN.md describe it, checked on the pure table."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets import workflow
from tickets.workflow import Status

statuses = st.sampled_from(list(Status))


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.NEW, Status.OPEN),
        (Status.OPEN, Status.WAITING),
        (Status.WAITING, Status.OPEN),
        (Status.OPEN, Status.RESOLVED),
        (Status.WAITING, Status.RESOLVED),
        (Status.RESOLVED, Status.CLOSED),
        (Status.RESOLVED, Status.OPEN),
    ],
)
def test_the_documented_path_is_allowed(current, target):
    assert workflow.can_move(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.NEW, Status.CLOSED),
        (Status.OPEN, Status.CLOSED),
        (Status.WAITING, Status.CLOSED),
        (Status.OPEN, Status.NEW),
        (Status.RESOLVED, Status.NEW),
    ],
)
def test_shortcuts_and_going_back_to_new_are_refused(current, target):
    assert not workflow.can_move(current, target)


@given(statuses)
def test_closed_is_final(target):
    assert not workflow.can_move(Status.CLOSED, target)


@given(statuses)
def test_no_status_moves_to_itself(status):
    assert not workflow.can_move(status, status)


@given(statuses)
def test_every_case_that_is_not_closed_can_still_reach_closed(start):
    if start is Status.CLOSED:
        return
    seen, frontier = {start}, [start]
    while frontier:
        for nxt in workflow.TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert Status.CLOSED in seen


@given(statuses)
def test_allowed_targets_agree_with_can_move(current):
    listed = set(workflow.allowed_targets(current))
    assert listed == {t for t in Status if workflow.can_move(current, t)}


@given(statuses)
def test_a_partner_reply_never_closes_or_resolves(current):
    after = workflow.status_after_partner_reply(current)
    assert after not in (Status.RESOLVED, Status.CLOSED) or after == current
    if current in (Status.WAITING, Status.RESOLVED):
        assert after is Status.OPEN


@given(statuses)
def test_a_staff_reply_only_moves_new_cases(current):
    after = workflow.status_after_staff_public_reply(current)
    assert after == (Status.OPEN if current is Status.NEW else current)
