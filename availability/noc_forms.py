"""Forms of the NOC's incident and maintenance pages. They parse input;
``availability.services.records`` decides. Times are typed in the engineer's own zone (the
active one) and stored as instants."""

import re

from django import forms
from django.core.exceptions import ValidationError

from availability.models import Incident, IncidentUpdate, Maintenance, Service
from core.forms import local_datetime
from partners.models import Organisation, User
from tickets.models import Ticket, parse_number
from tickets.selectors import tickets_visible_to


def service_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label="Services",
        queryset=Service.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one service."},
    )


class CaseNumbersField(forms.CharField):
    """Case numbers separated by commas or spaces ("SD-000123, 124") → the cases."""

    def __init__(self, *, user: User, **kwargs):
        self.user = user
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(
                item.number if isinstance(item, Ticket) else str(item) for item in value
            )
        return value

    def to_python(self, value):
        text = super().to_python(value)
        words = [word for word in re.split(r"[\s,;]+", text) if word]
        ids = {}
        unreadable = []
        for word in words:
            pk = parse_number(word)
            if pk is None:
                unreadable.append(word)
            else:
                ids[pk] = word
        found = {ticket.pk: ticket for ticket in tickets_visible_to(self.user).filter(pk__in=ids)}
        missing = unreadable + [word for pk, word in ids.items() if pk not in found]
        if missing:
            raise ValidationError(f"No case with the number {', '.join(missing)}.")
        return [found[pk] for pk in ids]


class IncidentForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title")
    started_at = local_datetime(label="Started")
    ended_at = local_datetime(
        label="Ended", required=False, help_text="Leave empty while the incident is ongoing."
    )
    services = service_field()
    scope = forms.ChoiceField(
        label="Affected",
        choices=Incident.Scope.choices,
        initial=Incident.Scope.SERVICE,
        widget=forms.RadioSelect,
    )
    organisations = forms.ModelMultipleChoiceField(
        label="Organisations affected",
        queryset=Organisation.objects.order_by("name"),
        required=False,
        help_text="Only with “Only the listed organisations”. Hold Ctrl (⌘ on a Mac) to "
        "choose several.",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    impact = forms.ChoiceField(
        label="Impact",
        choices=Incident.Impact.choices,
        initial=Incident.Impact.OUTAGE,
        widget=forms.RadioSelect,
    )
    cause = forms.ChoiceField(
        label="Cause",
        choices=Incident.Cause.choices,
        initial=Incident.Cause.VENDOR,
        help_text="Only full outages of the vendor's platform count against availability.",
    )
    public_note = forms.CharField(
        label="Public note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown to partners on the status page.",
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tickets"] = CaseNumbersField(
            user=user,
            label="Linked cases",
            required=False,
            help_text="Case numbers, separated by commas, e.g. SD-000123, SD-000124.",
        )

    @staticmethod
    def initial_for(incident: Incident) -> dict:
        return {
            "title": incident.title,
            "started_at": incident.started_at,
            "ended_at": incident.ended_at,
            "services": list(incident.services.all()),
            "scope": incident.scope,
            "organisations": list(incident.organisations.all()),
            "impact": incident.impact,
            "cause": incident.cause,
            "public_note": incident.public_note,
            "tickets": list(incident.tickets.all()),
        }


class MaintenanceForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title")
    starts_at = local_datetime(label="Starts")
    ends_at = local_datetime(label="Ends")
    services = service_field()
    note = forms.CharField(
        label="Note for partners",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Sent with the announcement and shown on the status page.",
    )
    announce = forms.BooleanField(
        label="Announce it now to the followers of these services",
        required=False,
        initial=True,
        help_text="Sends the e-mails and puts it on the status page and the feeds. Announced "
        "at least the terms' notice before it starts (usually 48 hours), the window counts "
        "as available time.",
    )
    # Set by the "record it anyway" button of the short-notice warning.
    short_notice_accepted = forms.BooleanField(required=False, widget=forms.HiddenInput)

    @staticmethod
    def initial_for(maintenance: Maintenance) -> dict:
        return {
            "title": maintenance.title,
            "starts_at": maintenance.starts_at,
            "ends_at": maintenance.ends_at,
            "services": list(maintenance.services.all()),
            "note": maintenance.note,
            "announce": False,
        }

    def record_values(self) -> dict:
        """What the records service takes: the form's fields without its own switches."""
        data = dict(self.cleaned_data)
        for switch in ("announce", "short_notice_accepted"):
            data.pop(switch, None)
        return data


class IncidentUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=IncidentUpdate.Status.choices,
        initial=IncidentUpdate.Status.INVESTIGATING,
        widget=forms.RadioSelect,
        help_text="“Resolved” tells partners the problem is over; it does not end the "
        "incident. End it as well, above, so the figures stop counting.",
    )
    body = forms.CharField(
        label="Update for partners",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown on the status page, newest first. Write what partners notice and "
        "what happens next.",
        error_messages={"required": "Write what partners should know."},
    )
