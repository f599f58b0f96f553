"""The forms of document requests: staff asking for documents, the partner's upload against
one item, and a CLASSOUND case's activation date."""

from django import forms

from core.renderers import PLAIN
from tickets.models import DocumentItem
from tickets.services.documents import ItemSpec

NAMED_KINDS = [(value, label) for value, label in DocumentItem.Kind.choices if value != "other"]


class DocumentRequestForm(forms.Form):
    default_renderer = PLAIN  # one of the many forms on the staff case page

    # Ids of their own: the staff case page holds other forms with a "note" field.
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "docs_%s")
        super().__init__(*args, **kwargs)

    kinds = forms.MultipleChoiceField(
        label="Documents needed",
        choices=NAMED_KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other = forms.CharField(
        label="Other document",
        required=False,
        max_length=200,
        help_text="Optional: any other document, in a few words.",
    )
    due_date = forms.DateField(
        label="Due by the end of", widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label="Note to the partner",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: what the documents are for, how they should look.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("kinds") and not (data.get("other") or "").strip():
            self.add_error("kinds", "Tick at least one document, or name another one.")
        return data

    def items(self) -> list[ItemSpec]:
        specs = [ItemSpec(kind=kind) for kind in self.cleaned_data["kinds"]]
        if self.cleaned_data["other"].strip():
            specs.append(ItemSpec(kind=DocumentItem.Kind.OTHER, label=self.cleaned_data["other"]))
        return specs


class DocumentUploadForm(forms.Form):
    file = forms.FileField(label="Document")


class ActivationDateForm(forms.Form):
    default_renderer = PLAIN  # one of the many forms on the staff case page

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "activation_%s")
        super().__init__(*args, **kwargs)

    activation_date = forms.DateField(
        label="Activation date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When activation or porting was completed; charges start on it. Leave "
        "empty to clear.",
    )
