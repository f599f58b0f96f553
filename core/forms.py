"""What the apps' forms share: showing a service's refusal on the form it came from, and a
date-and-time field typed in the reader's own zone."""

from django import forms
from django.core.exceptions import ValidationError


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ServiceErrorsMixin:
    """For forms whose hidden fields the reader cannot see: a service's error on one of
    those is shown above the form instead."""

    def add_service_errors(self, error: ValidationError) -> None:
        """Errors raised by a service, shown next to their fields (or above the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.message_dict.items():
            shown = field in self.fields and not self.fields[field].widget.is_hidden
            self.add_error(field if shown else None, errors)


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date and time picker; Django reads the value in the active zone."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def local_datetime(
    *, label: str, required: bool = True, help_text: str = ""
) -> forms.DateTimeField:
    """A date and time typed in the active zone (the reader's), read as an instant."""
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
