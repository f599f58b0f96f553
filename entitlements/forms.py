"""Forms for entitlements: time logged on a case, the time report's filters, asking for a
remote intervention and the agent's answer to it."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.formatting import duration_text
from core.forms import ServiceErrorsMixin, local_datetime
from core.renderers import PLAIN
from core.widgets import PlainSelect
from entitlements import intervention_checks, rules, selectors
from entitlements.models import Entitlement, Intervention


class BundleChoice(forms.ModelChoiceField):
    def label_from_instance(self, bundle: Entitlement) -> str:
        left = max(selectors.remaining_minutes(bundle), 0)
        left = duration_text(timedelta(minutes=left), "compact")
        return f"{bundle.reference or bundle.get_kind_display()} ({left} left)"


class TimeForm(forms.Form):
    """Time logged on a case. Billable starts ticked only under a running maintenance
    contract; picking a bundle ticks it too (``static/js/time_form.js``) unless the agent
    already set it (``rules.billable_by_default``)."""

    default_renderer = PLAIN  # one of the many forms on the staff case page

    minutes = forms.IntegerField(label="Minutes", min_value=1, max_value=24 * 60)
    billable = forms.BooleanField(label="Billable", required=False)
    entitlement = BundleChoice(
        label="Draw from bundle",
        queryset=Entitlement.objects.none(),
        required=False,
        empty_label="No bundle",
        widget=PlainSelect,
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
        offered = selectors.time_choices(organisation, at=timezone.now())
        bundle = self.fields["entitlement"]
        # A bundle sent is looked up again when the form is checked; the list offered is
        # the one just read.
        bundle.queryset = selectors.bundles_for_case(organisation)
        bundle.choices = [
            ("", bundle.empty_label),
            *((row.pk, bundle.label_from_instance(row)) for row in offered.bundles),
        ]
        under_contract = offered.under_contract
        billable = self.fields["billable"]
        billable.initial = rules.billable_by_default(
            from_bundle=False, under_contract=under_contract
        )
        billable.widget.attrs["data-under-contract"] = "true" if under_contract else "false"


# --- Scheduled interventions ----------------------------------------------------------------


def _checklist_items() -> dict[str, str]:
    """The remote-access items as checkboxes, by key: each platform's own ("3cx-0"), then
    those every platform shares, asked once ("all-0")."""
    shared = [
        item
        for item in rules.REMOTE_ACCESS[rules.Platform.OTHER]
        if all(item in items for items in rules.REMOTE_ACCESS.values())
    ]
    own = {
        f"{platform.value}-{index}": item
        for platform, items in rules.REMOTE_ACCESS.items()
        for index, item in enumerate(items)
        if item not in shared
    }
    return own | {f"all-{index}": item for index, item in enumerate(shared)}


CHECKLIST_ITEMS = _checklist_items()
SHARED_KEYS = [key for key in CHECKLIST_ITEMS if key.startswith("all-")]


class InterventionRequestForm(ServiceErrorsMixin, forms.Form):
    """A partner asks for a remote intervention. Times are typed in the user's own zone.
    Whether it is free is not asked: ``cover`` (``intervention_checks.cover_for``) says how
    it is paid for, and a free one needs 8 hours' notice."""

    SLOT_FIELDS = ("slot_1", "slot_2", "slot_3")

    platform = forms.ChoiceField(
        label="Platform",
        choices=Intervention.Platform.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the platform."},
    )
    checklist = forms.MultipleChoiceField(
        label="Remote access ready",
        choices=list(CHECKLIST_ITEMS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    access_description = forms.CharField(
        label="How our technician reaches the system",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Method, address, port and the account to use. No commercial remote-control "
        "tool (TeamViewer, AnyDesk and the like).",
        error_messages={"required": "Describe how our technician reaches the system."},
    )
    slot_1 = local_datetime(label="First choice")
    slot_2 = local_datetime(label="Second choice", required=False)
    slot_3 = local_datetime(label="Third choice", required=False)

    def __init__(self, *args, now, tz: str, cover: rules.InterventionCover, **kwargs):
        super().__init__(*args, **kwargs)
        self.now, self.tz, self.cover = now, tz, cover
        self.fields["slot_1"].error_messages["required"] = "Give at least one preferred slot."

    def platform_sections(self) -> list[dict]:
        """Each platform's radio button with its own checklist items, for the template."""
        boxes = {box.data["value"]: box for box in self["checklist"]}
        return [
            {
                "radio": radio,
                "items": [
                    boxes[key]
                    for key in CHECKLIST_ITEMS
                    if key.startswith(f"{radio.data['value']}-")
                ],
            }
            for radio in self["platform"]
        ]

    def shared_items(self) -> list:
        return [box for box in self["checklist"] if box.data["value"] in SHARED_KEYS]

    def clean_access_description(self) -> str:
        text = self.cleaned_data["access_description"]
        if problem := intervention_checks.access_problem(text):
            raise ValidationError(problem)
        return text

    def clean(self):
        data = super().clean()
        platform = data.get("platform")
        if platform and (problem := intervention_checks.checklist_problem(platform, self.ticked())):
            self.add_error("checklist", problem)
        if problem := intervention_checks.cover_problem(self.cover):
            self.add_error(None, problem)
        seen = set()
        for name in self.SLOT_FIELDS:
            slot = data.get(name)
            if slot is None:
                continue
            if slot in seen:
                self.add_error(name, "Give a different time for each slot.")
            elif problem := intervention_checks.slot_problem(
                slot, requested_at=self.now, free=self.cover.free, tz=self.tz
            ):
                self.add_error(name, problem)
            seen.add(slot)
        return data

    def ticked(self) -> list[str]:
        return [CHECKLIST_ITEMS[key] for key in self.cleaned_data.get("checklist", [])]

    def request_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "platform": data["platform"],
            "checklist": self.ticked(),
            "access_description": data["access_description"],
            "slots": [data[name] for name in self.SLOT_FIELDS if data.get(name) is not None],
        }


class InterventionActionForm(ServiceErrorsMixin, forms.Form):
    """An agent books the intervention (one of the partner's slots, or another time),
    declines it, or marks it as carried out. Ids carry the intervention's, as the case page
    shows a form per intervention."""

    CONFIRM, PROPOSE, DECLINE, DONE = "confirm", "propose", "decline", "done"
    OTHER = "other"

    action = forms.ChoiceField(
        choices=[(CONFIRM, "Confirm"), (PROPOSE, "Propose"), (DECLINE, "Decline"), (DONE, "Done")],
        widget=forms.HiddenInput,
    )
    slot = forms.ChoiceField(label="When", required=False, choices=(), widget=forms.RadioSelect)
    start = local_datetime(label="Another time", required=False)
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", min_value=15, max_value=8 * 60, required=False
    )
    reason = forms.CharField(
        label="Reason", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, intervention: Intervention, **kwargs):
        kwargs.setdefault("auto_id", f"iv{intervention.pk}-%s")
        super().__init__(*args, **kwargs)
        self.intervention = intervention
        self.intervention_id = intervention.pk
        self.fields["slot"].choices = [
            (str(index), slot.isoformat()) for index, slot in enumerate(intervention.slot_starts)
        ] + [(self.OTHER, "Another time")]

    @property
    def action_name(self) -> str:
        return str(self.data.get("action", ""))

    @property
    def proposes(self) -> bool:
        data = self.cleaned_data
        return data.get("action") == self.PROPOSE or (
            data.get("action") == self.CONFIRM and data.get("slot") == self.OTHER
        )

    def clean(self):
        data = super().clean()
        if data.get("action") == self.CONFIRM and not data.get("slot"):
            self.add_error("slot", "Choose one of the slots, or another time.")
        elif self.proposes and data.get("start") is None and "start" not in self.errors:
            self.add_error("start", "Give the time to book instead.")
        return data

    def start_time(self):
        if self.proposes:
            return self.cleaned_data["start"]
        return self.intervention.slot_starts[int(self.cleaned_data["slot"])]
