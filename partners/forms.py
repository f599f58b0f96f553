from django import forms
from django.conf import settings

from core.widgets import DatalistInput
from partners.models import User
from partners.zones import picker_zones


class ProfileForm(forms.ModelForm):
    """Name and time zone. The zone is typed with suggestions from ``picker_zones`` (current
    zones only, no deprecated aliases); a zone the account already has stays allowed even
    when it is not on that list, so saving the name never fails on an old zone."""

    time_zone = forms.CharField(
        label="Time zone", required=False, max_length=64, widget=DatalistInput()
    )

    class Meta:
        model = User
        fields = ["full_name", "time_zone"]
        labels = {"full_name": "Your name"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = set(picker_zones())
        if self.instance.time_zone:
            self.allowed.add(self.instance.time_zone)
        field = self.fields["time_zone"]
        field.widget.options = sorted(self.allowed)
        field.widget.attrs["placeholder"] = "e.g. Europe/Berlin"
        fallback = (
            "your organisation's country"
            if self.instance.organisation_id
            else f"the desk's default ({settings.DEFAULT_USER_TIME_ZONE})"
        )
        field.help_text = (
            "Every date and time in the portal and in our e-mails is shown in this zone. "
            "Type a city or region to search, for example Berlin or New York. "
            f"Leave it empty to use the zone of {fallback}."
        )

    def clean_time_zone(self) -> str:
        typed = " ".join(self.cleaned_data["time_zone"].split())
        if not typed:
            return ""
        wanted = typed.replace(" ", "_").casefold()
        for zone in self.allowed:
            if zone.casefold() == wanted:
                return zone
        raise forms.ValidationError(
            "Pick a time zone from the list, for example Europe/Berlin or America/New_York."
        )
