"""The form team leads keep macros with. It parses; ``tickets.services.macros`` decides."""

from django import forms

from tickets.models import Macro
from tickets.placeholders import PLACEHOLDERS
from tickets.services.macros import MACRO_STATUSES


def placeholder_help() -> str:
    return "Placeholders: " + "; ".join(
        f"{{{name}}}: {meaning}" for name, meaning in PLACEHOLDERS.items()
    )


class MacroForm(forms.Form):
    name = forms.CharField(label="Name", max_length=80, help_text="What agents pick it by.")
    body = forms.CharField(
        label="Text",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=placeholder_help(),
    )
    status = forms.ChoiceField(
        label="Status after sending",
        choices=[("", "Leave the status as it is"), *MACRO_STATUSES],
        required=False,
    )
    assign = forms.ChoiceField(
        label="Assignment after sending", choices=Macro.Assign.choices, required=False
    )

    @classmethod
    def for_macro(cls, macro: Macro) -> "MacroForm":
        return cls(
            initial={
                "name": macro.name,
                "body": macro.body,
                "status": macro.status,
                "assign": macro.assign,
            }
        )
