"""The queue's fast select writes the same select as Django's own widget."""

from html.parser import HTMLParser

from django import forms
from hypothesis import given
from hypothesis import strategies as st

from core.widgets import PlainSelect


class Elements(HTMLParser):
    """Start tags with their attributes, and non-blank text, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, sorted(attrs)))

    def handle_endtag(self, tag):
        self.found.append(("/" + tag,))

    def handle_data(self, data):
        if data.strip():
            self.found.append(("text", data.strip()))


def elements(html: str) -> list:
    parser = Elements()
    parser.feed(html)
    return parser.found


text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=12,
)
option = st.tuples(text, text)
choices = st.lists(
    st.one_of(option, st.tuples(text, st.lists(option, min_size=1, max_size=4))),
    max_size=8,
)


@given(choices=choices, pick=st.integers(min_value=0, max_value=20))
def test_plain_select_writes_what_djangos_select_writes(choices, pick):
    values = [
        value
        for key, label in choices
        for value in ([v for v, _ in label] if isinstance(label, list) else [key])
    ]
    value = values[pick % len(values)] if values else None
    attrs = {"id": "id_field", "aria-describedby": "id_field_helptext", "required": True}

    ours = PlainSelect(choices=choices).render("field", value, attrs=attrs)
    django = forms.Select(choices=choices).render("field", value, attrs=attrs)

    assert elements(ours) == elements(django)


def test_labels_and_values_are_escaped():
    html = PlainSelect(choices=[('"><script>', "Smith & <Sons>")]).render("org", None)

    assert '<option value="&quot;&gt;&lt;script&gt;">Smith &amp; &lt;Sons&gt;</option>' in html
    assert "<script>" not in html
