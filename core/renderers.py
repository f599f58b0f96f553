"""A form renderer that writes Django's plainest widgets out in Python.

Django renders every widget through templates of its own: an input includes a second one
for its attributes, a list of radio buttons or checkboxes two more per option, a tenth of a
millisecond or so apiece. A page showing a dozen forms' fields (the staff case page) spent
more time there than in all its own markup. ``PLAIN`` writes the same markup as Django's
templates (``django/forms/widgets/``) for text-like inputs, checkboxes, file inputs, text
areas and radio and checkbox lists, escaped as the templates escape it; every other widget,
and everything else a form renders (errors, labels), still goes through the templates.

A form takes it with ``default_renderer = PLAIN``.
"""

from collections.abc import Callable

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    # As attrs.html: False leaves the attribute out, True writes its name alone.
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _textarea(widget: dict) -> str:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{value}</textarea>"
    )


def _option(option: dict) -> str:
    # The line ends are those the included templates end with (input.html, then
    # input_option.html and radio_option.html or checkbox_option.html).
    if not option["wrap_label"]:
        return f"{_input(option)}\n\n\n"
    for_id = option["attrs"].get("id")
    label_for = f' for="{conditional_escape(for_id)}"' if for_id else ""
    label = conditional_escape(option["label"])
    return f"<label{label_for}>{_input(option)}\n {label}</label>\n\n"


_OPTION_TEMPLATES = {
    "django/forms/widgets/radio_option.html",
    "django/forms/widgets/checkbox_option.html",
}


def _multiple_input(widget: dict) -> str | None:
    """As multiple_input.html; None when an option has a template of its own."""
    attrs = widget["attrs"]
    parts = ["<div"]
    if attrs.get("id"):
        parts.append(f' id="{conditional_escape(attrs["id"])}"')
    if attrs.get("class"):
        parts.append(f' class="{conditional_escape(attrs["class"])}"')
    parts.append(">")
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{conditional_escape(group)}</label>")
        for option in options:
            if option["template_name"] not in _OPTION_TEMPLATES:
                return None
            parts.append(f"<div>\n    {_option(option)}</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


_INPUTS = ("text", "number", "email", "url", "password", "hidden", "date", "datetime", "time")

_WRITERS: dict[str, Callable[[dict], str | None]] = {
    **{f"django/forms/widgets/{kind}.html": _input for kind in _INPUTS},
    "django/forms/widgets/checkbox.html": _input,
    "django/forms/widgets/file.html": _input,
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/radio.html": _multiple_input,
    "django/forms/widgets/checkbox_select.html": _multiple_input,
}


class PlainRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        write = _WRITERS.get(template_name)
        html = write(context["widget"]) if write is not None and "widget" in context else None
        if html is None:
            return super().render(template_name, context, request)
        # Every value written above is escaped.
        return mark_safe(html)  # noqa: S308


# One for every form that takes it: a renderer keeps its own compiled templates.
PLAIN = PlainRenderer()
