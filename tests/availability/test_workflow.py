"""The declared life of a monthly credit: the table the services enforce, no database."""

from availability.models import Credit
from availability.workflow import CREDIT

State = Credit.State


def test_the_table_speaks_of_the_stored_states():
    assert set(CREDIT.states) == set(State.values)


def test_a_draft_is_approved_then_applied_and_an_approval_may_be_withdrawn():
    assert CREDIT.allowed(State.DRAFT) == [State.APPROVED]
    assert CREDIT.allowed(State.APPROVED) == [State.DRAFT, State.APPLIED]


def test_an_applied_credit_never_changes():
    assert CREDIT.final == {State.APPLIED}
