"""The fast widgets write what Django's own write: the queue's select, and the form
renderer of the staff case page's forms."""

from html.parser import HTMLParser

from django import forms
from hypothesis import given
from hypothesis import strategies as st

from core.renderers import PLAIN
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


# --- The plain form renderer ---------------------------------------------------------------

plain_choices = st.lists(option, min_size=1, max_size=5, unique_by=lambda choice: choice[0])


def every_widget(choices: list[tuple[str, str]], with_attrs: dict) -> type[forms.Form]:
    """A form with one field of each widget the plain renderer writes itself."""

    class EveryWidget(forms.Form):
        text = forms.CharField(widget=forms.TextInput(attrs=with_attrs))
        search = forms.CharField(widget=forms.TextInput(attrs={"type": "search", **with_attrs}))
        number = forms.IntegerField(required=False)
        day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
        hidden = forms.CharField(widget=forms.HiddenInput, required=False)
        notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, **with_attrs}))
        tick = forms.BooleanField(required=False)
        upload = forms.FileField(required=False)
        radio = forms.ChoiceField(choices=choices, widget=forms.RadioSelect)
        boxes = forms.MultipleChoiceField(
            choices=[("Group", choices), *choices],
            widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
            required=False,
        )

    return EveryWidget


@given(
    choices=plain_choices,
    typed=text,
    pick=st.integers(min_value=0, max_value=4),
    attr=text,
    bound=st.booleans(),
)
def test_the_plain_renderer_writes_every_widget_as_djangos_templates_do(
    choices, typed, pick, attr, bound
):
    form_class = every_widget(choices, {"placeholder": attr, "data-on": True, "data-off": False})
    chosen = choices[pick % len(choices)][0]
    data = {"text": typed, "search": typed, "notes": f"{typed}\n{typed}", "number": "7"}
    data |= {"day": "2026-03-01", "hidden": typed, "tick": "on", "radio": chosen}
    data["boxes"] = [chosen]
    ours = form_class(data if bound else None, renderer=PLAIN)
    django = form_class(data if bound else None)

    for name in django.fields:
        assert str(ours[name]) == str(django[name]), name
