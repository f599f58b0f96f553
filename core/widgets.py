"""Form widgets shared by the apps."""

from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class PlainSelect(forms.Select):
    """A select, option groups and all, written out in Python.

    Django renders each option of a select through templates of its own, a few hundredths of
    a millisecond apiece: on the queue, whose filters offer hundreds of options, that was
    most of the time the page took. The markup is the same.
    """

    def render(self, name, value, attrs=None, renderer=None) -> str:
        attrs = self.build_attrs(self.attrs, attrs)
        # As Django's: a single select marks only the first option holding the value.
        chosen = {str(v) for v in self.format_value(value)}
        parts: list[str] = []
        for option, label in self.choices:
            if isinstance(label, list | tuple):
                parts.append(f'<optgroup label="{escape(str(option))}">')
                parts.extend(_option(value, text, chosen) for value, text in label)
                parts.append("</optgroup>")
            else:
                parts.append(_option(option, label, chosen))
        # Every value and label in ``parts`` is escaped.
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(attrs),
            mark_safe("".join(parts)),  # noqa: S308
        )


def _option(value, label, chosen: set[str]) -> str:
    """One option; marked selected, and taken out of ``chosen``, if its value is there."""
    # The standard library's escape: Django's, with its safe-string bookkeeping, costs as
    # much again as the rest of the loop.
    text = "" if value is None else str(value)
    selected = ""
    if text in chosen:
        selected = " selected"
        chosen.discard(text)
    return f'<option value="{escape(text)}"{selected}>{escape(str(label))}</option>'


class DatalistInput(forms.TextInput):
    """A text box that suggests from a list as one types (an HTML datalist): a long list of
    choices, such as time zones, searched from the keyboard with no script. The form still
    checks that the value is one of them; ``options`` is set by the form."""

    def __init__(self, attrs=None, options=()) -> None:
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})
        self.options = tuple(options)

    def render(self, name, value, attrs=None, renderer=None) -> str:
        attrs = {**(attrs or {})}
        list_id = f"{attrs.get('id') or name}-options"
        attrs["list"] = list_id
        field = super().render(name, value, attrs, renderer)
        options = "".join(f'<option value="{escape(str(option))}">' for option in self.options)
        # Every option is escaped above.
        return format_html(
            '{}<datalist id="{}">{}</datalist>',
            field,
            list_id,
            mark_safe(options),  # noqa: S308
        )
