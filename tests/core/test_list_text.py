"""Names written into a sentence, as referral pages and API refusals list case types."""

from hypothesis import given
from hypothesis import strategies as st

from core.formatting import list_text


def test_names_read_as_a_sentence():
    assert list_text([]) == ""
    assert list_text(["Customer Care"]) == "Customer Care"
    assert list_text(["Customer Care", "Feature Request"]) == "Customer Care and Feature Request"
    assert (
        list_text(["Customer Care", "Customer Success", "Feature Request"])
        == "Customer Care, Customer Success and Feature Request"
    )


@given(st.lists(st.text(alphabet="abcdefgh ", min_size=1, max_size=8), min_size=2, max_size=6))
def test_every_name_is_there_in_order_with_one_and_before_the_last(names):
    text = list_text(names)

    assert text.endswith(f" and {names[-1]}")
    assert text.startswith(names[0])
    assert text[: -len(f" and {names[-1]}")] == ", ".join(names[:-1])
