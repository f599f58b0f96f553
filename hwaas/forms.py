"""Forms of the hardware pages. They parse input into ``services.RequestInput``; the rules
and the services decide. Every choice list comes from the actor's selectors."""

from django import forms
from django.utils import timezone

from hwaas import capex, selectors
from hwaas.models import HardwareModel, HardwareRequest
from hwaas.services import RequestInput
from partners.models import User

YES_NO = [("yes", "Yes"), ("no", "No")]

# Which fields each kind of request shows (the page hides the others while it has JavaScript).
KIND_FIELDS = {
    HardwareRequest.Kind.ADD: ("agreement", "hardware_model", "quantity"),
    HardwareRequest.Kind.REDUCE: ("line",),
    HardwareRequest.Kind.EXCHANGE: ("line", "hardware_model"),
    HardwareRequest.Kind.REPLACE: ("line", "cause", "label_readable", "police_report"),
    HardwareRequest.Kind.RETURN: ("agreement",),
    HardwareRequest.Kind.RMA: (
        "purchase",
        "warranty_exclusion",
        "fault_description",
        "proof_of_purchase",
        "warranty_contract",
        "parcel_weight_kg",
        "parcel_dimensions",
    ),
    HardwareRequest.Kind.CONVERT: ("purchase", "agreement", "operational"),
}


class LineChoice(forms.ModelChoiceField):
    def label_from_instance(self, line):
        serial = line.device.serial_number if line.device_id else "not shipped yet"
        delivered = f", delivered {line.delivered_on:%d %b %Y}" if line.delivered_on else ""
        return f"{line.hardware_model} · {serial} · {line.agreement.number}{delivered}"


class PurchaseChoice(forms.ModelChoiceField):
    def label_from_instance(self, purchase):
        device = purchase.device
        return f"{device.model} · {device.serial_number} · bought {purchase.purchased_on:%d %b %Y}"


class AgreementChoice(forms.ModelChoiceField):
    def label_from_instance(self, agreement):
        return f"{agreement.number} · {agreement.lessee} ({agreement.get_term_display()})"


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class RequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="What do you need?", choices=HardwareRequest.Kind.choices, widget=forms.RadioSelect
    )
    agreement = AgreementChoice(
        label="Agreement", queryset=None, required=False, empty_label="Choose an agreement"
    )
    line = LineChoice(
        label="Leased device", queryset=None, required=False, empty_label="Choose a device"
    )
    purchase = PurchaseChoice(
        label="Purchased device", queryset=None, required=False, empty_label="Choose a device"
    )
    hardware_model = forms.ModelChoiceField(
        label="Model",
        queryset=HardwareModel.objects.filter(is_active=True),
        required=False,
        empty_label="Choose a model",
    )
    quantity = forms.IntegerField(label="How many", min_value=1, max_value=100, initial=1)
    cause = forms.ChoiceField(
        label="What happened",
        choices=[("", "Choose what happened"), *HardwareRequest.Cause.choices],
        required=False,
    )
    label_readable = forms.ChoiceField(
        label="Can the serial number label still be read?",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    operational = forms.ChoiceField(
        label="Does the device still work?",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    warranty_exclusion = forms.ChoiceField(
        label="Did any of these cause the fault?",
        choices=capex.EXCLUSION_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        help_text="The warranty does not cover these.",
    )
    fault_description = forms.CharField(
        label="Fault description",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the device does wrong, since when, and what you tried.",
    )
    parcel_weight_kg = forms.DecimalField(
        label="Parcel weight (kg)", required=False, min_value=0, max_digits=6, decimal_places=2
    )
    parcel_dimensions = forms.CharField(
        label="Parcel dimensions (cm)", required=False, max_length=60, help_text="e.g. 30 × 20 × 10"
    )
    police_report = forms.FileField(
        label="Police report",
        required=False,
        help_text="The report filed with the police, naming the model and serial numbers.",
    )
    proof_of_purchase = forms.FileField(
        label="Proof of purchase", required=False, help_text="The invoice or receipt."
    )
    warranty_contract = forms.FileField(label="Signed extended warranty agreement", required=False)
    description = forms.CharField(
        label="Anything else we should know",
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["agreement"].queryset = selectors.running_agreements(user, on=today)
        self.fields["line"].queryset = (
            selectors.lines_visible_to(user)
            .on_lease()
            .order_by("agreement__number", "hardware_model__name", "pk")
        )
        self.fields["purchase"].queryset = selectors.purchases_visible_to(user).filter(
            converted_on__isnull=True
        )
        # Without a quantity the form still checks the other kinds.
        self.fields["quantity"].required = False

    def request_input(self) -> RequestInput:
        """What the chosen kind of request uses; the other fields are left out even when a
        value was chosen before the kind changed."""
        kind = self.cleaned_data["kind"]
        used = set(KIND_FIELDS.get(kind, ()))
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name in used or name in ("kind", "description")
        }
        documents = {
            name: data[name]
            for name in ("police_report", "proof_of_purchase", "warranty_contract")
            if data.get(name)
        }
        return RequestInput(
            kind=kind,
            description=data.get("description", ""),
            agreement=data.get("agreement"),
            line=data.get("line"),
            purchase=data.get("purchase"),
            hardware_model=data.get("hardware_model"),
            quantity=data.get("quantity") or 1,
            cause=data.get("cause", ""),
            label_readable=yes_no(data.get("label_readable", "")),
            operational=yes_no(data.get("operational", "")),
            warranty_exclusion=data.get("warranty_exclusion", ""),
            fault_description=data.get("fault_description", ""),
            parcel_weight_kg=data.get("parcel_weight_kg"),
            parcel_dimensions=data.get("parcel_dimensions", ""),
            documents=documents,
        )


class StepForm(forms.Form):
    """A staff step on a request: the step, and what it needs."""

    step = forms.ChoiceField(choices=HardwareRequest.State.choices)
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    tracking_number = forms.CharField(label="Tracking number", required=False, max_length=100)
    serials = forms.CharField(
        label="Serial numbers shipped",
        required=False,
        help_text="One per unit, separated by commas or spaces.",
    )
