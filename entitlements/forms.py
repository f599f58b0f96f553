"""Forms for entitlements: time logged on a case, the time report's filters."""

from django import forms

from entitlements import selectors
from entitlements.models import Entitlement
from entitlements.services import format_minutes


class BundleChoice(forms.ModelChoiceField):
    def label_from_instance(self, bundle: Entitlement) -> str:
        left = selectors.remaining_minutes(bundle)
        return (
            f"{bundle.reference or bundle.get_kind_display()} ({format_minutes(max(left, 0))} left)"
        )


class TimeForm(forms.Form):
    minutes = forms.IntegerField(label="Minutes", min_value=1, max_value=24 * 60)
    billable = forms.BooleanField(label="Billable", required=False, initial=True)
    entitlement = BundleChoice(
        label="Draw from bundle",
        queryset=Entitlement.objects.none(),
        required=False,
        empty_label="No bundle",
    )
    note = forms.CharField(label="What was done", required=False, max_length=300)
    override_reason = forms.CharField(
        label="Override reason",
        required=False,
        max_length=300,
        help_text="Only to go past the bundle's balance; it is recorded with the entry.",
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entitlement"].queryset = selectors.bundles_for_case(organisation)
