"""The declared life of an intervention: the table the services enforce, no database."""

import pytest

from entitlements.models import Intervention
from entitlements.workflow import INTERVENTION

State = Intervention.State


def test_the_table_speaks_of_the_stored_states():
    assert set(INTERVENTION.states) == set(State.values)


@pytest.mark.parametrize(
    ("current", "allowed"),
    [
        (State.REQUESTED, [State.CONFIRMED, State.DECLINED, State.CANCELLED]),
        (State.CONFIRMED, [State.CONFIRMED, State.DECLINED, State.CANCELLED, State.DONE]),
    ],
)
def test_a_booked_intervention_may_be_booked_again_declined_cancelled_or_done(current, allowed):
    assert INTERVENTION.allowed(current) == allowed


def test_declined_cancelled_and_done_are_final():
    assert INTERVENTION.final == {State.DECLINED, State.CANCELLED, State.DONE}
