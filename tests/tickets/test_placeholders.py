"""The placeholder rules of macros (``tickets.placeholders``): pure, no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets.placeholders import PLACEHOLDERS, fill, placeholders_in, unknown_placeholders

NAMES = sorted(PLACEHOLDERS)
no_braces = st.text(alphabet=st.characters(blacklist_characters="{}"))
identifier = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,20}\Z")
values = st.fixed_dictionaries(
    {name: st.text(alphabet=st.characters(blacklist_characters="{}")) for name in NAMES}
)


@given(text=no_braces, values=values)
def test_text_without_braces_is_unchanged(text, values):
    assert fill(text, values) == text
    assert unknown_placeholders(text) == []


@given(
    parts=st.lists(st.tuples(no_braces, st.sampled_from(NAMES)), min_size=1, max_size=6),
    tail=no_braces,
    values=values,
)
def test_every_known_placeholder_is_replaced_by_its_value(parts, tail, values):
    text = "".join(f"{before}{{{name}}}" for before, name in parts) + tail
    expected = "".join(before + values[name] for before, name in parts) + tail

    assert fill(text, values) == expected
    assert unknown_placeholders(text) == []


@given(before=no_braces, name=identifier, after=no_braces)
def test_an_unknown_name_in_braces_is_refused(before, name, after):
    text = f"{before}{{{name}}}{after}"
    if name in PLACEHOLDERS:
        assert unknown_placeholders(text) == []
    else:
        assert unknown_placeholders(text) == [name]
        with pytest.raises(ValueError, match=name):
            fill(text, {})


def test_spaces_inside_braces_and_braces_without_a_name():
    assert fill("Case { case_number }.", {"case_number": "SD-000007"}) == "Case SD-000007."
    # Braces that hold no name are ordinary text.
    assert fill("{} {1} { } {", {}) == "{} {1} { } {"
    assert placeholders_in("{due_time} and {due_time} {parner_name}") == [
        "due_time",
        "parner_name",
    ]
