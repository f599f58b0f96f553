from django import forms

from core.widgets import PlainSelect
from partners.models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "time_zone"]
        labels = {"full_name": "Your name", "time_zone": "Time zone"}
        widgets = {"time_zone": PlainSelect}  # some six hundred zones
        help_texts = {
            "time_zone": "Every date and time in the portal is shown in this zone. "
            "Leave empty to use your organisation's region.",
        }
