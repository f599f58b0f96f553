"""Forms for the partner pages: opening a case, replying, feedback, filtering the list.

The forms check shape (required fields, choices offered, file limits); the rules that
decide whether a case may be opened live in ``tickets.services``.
"""

import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from core.converters import MAX_ID, as_id
from core.forms import ServiceErrorsMixin
from partners.models import CaseCategory, CaseReason, CaseType, Device, PolicyVersion
from partners.policy_cache import policy_reference
from tickets import attachments as attachment_rules
from tickets.models import Ticket

# Shown whenever a form with files comes back: browsers never send a file twice.
FILES_NOT_KEPT = (
    "Files you picked are not kept when the form comes back (browsers do not allow it): "
    "please attach them again."
)


# What the knowledge-base suggestions are computed from, and when typing asks again.
SUGGESTION_INPUTS = "#id_subject, #id_case_type, #id_reason, #id_device"
# "input" also catches pasted text and autofill, which fire no key events.
SUBJECT_TRIGGER = "input changed delay:400ms"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by ``tickets.attachments``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        files = [super(MultipleFileField, self).clean(f, initial) for f in files if f]
        try:
            attachment_rules.validate_uploads(files)
        except ValidationError as error:
            # Reported per field, so the messages sit next to the file input.
            raise ValidationError(error.message_dict.get("attachments", error.messages)) from None
        return files


class OwnDeviceField(forms.ModelChoiceField):
    """A device picked by id; an id no database could hold is simply not one of ours."""

    def to_python(self, value):
        if value not in self.empty_values and as_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


def _attachment_help() -> str:
    return (
        "Invoices, delivery documents, traces (pcap), logs or screenshots. Up to "
        f"{settings.TICKET_ATTACHMENT_MAX_COUNT} files, "
        f"{filesizeformat(attachment_rules.max_bytes())} each."
    )


class IntakeForm(ServiceErrorsMixin, forms.Form):
    """The case intake. Choices for reason, category and sub-category follow what is picked
    above them, from the taxonomy of the policy version in force."""

    case_type = forms.ChoiceField(
        label="Case type",
        error_messages={
            "required": "Choose a case type.",
            "invalid_choice": "Choose one of the case types offered.",
        },
    )
    reason = forms.ChoiceField(
        label="Reason",
        required=False,
        error_messages={"invalid_choice": "Choose one of the reasons listed for this case type."},
    )
    category = forms.ChoiceField(
        label="Category",
        required=False,
        error_messages={"invalid_choice": "Choose one of the categories listed for this reason."},
    )
    subcategory = forms.ChoiceField(
        label="Sub-category",
        required=False,
        error_messages={
            "invalid_choice": "Choose one of the sub-categories listed for this category."
        },
    )
    device = OwnDeviceField(
        label="PBX or device",
        queryset=Device.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose one of your organisation's PBXs or devices."},
    )
    subject = forms.CharField(
        label="Subject",
        max_length=200,
        error_messages={"required": "Give the case a short subject."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label="Description",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Describe the problem or request."},
        help_text="What happens, since when, what you have tried, and who is affected.",
    )
    wms_version = forms.CharField(
        label="WMS version",
        max_length=40,
        required=False,
        help_text="Required for Tech Support, e.g. 7.02.1.",
    )
    firmware_versions = forms.CharField(
        label="Firmware versions",
        max_length=200,
        required=False,
        help_text="Required for Tech Support: the firmware of every device involved.",
    )
    critical_criterion = forms.ChoiceField(
        label="Ask for Critical handling",
        required=False,
        widget=forms.RadioSelect,
        choices=[("", "No, standard handling is fine"), *Ticket.CriticalCriterion.choices],
        help_text="Tech Support only. Support staff confirm or change it.",
        error_messages={"invalid_choice": "Choose one of the listed reasons for Critical."},
    )
    reproduced_with_other_operator = forms.TypedChoiceField(
        label="Do the calls also drop with another operator?",
        required=False,
        widget=forms.RadioSelect,
        choices=[
            ("yes", "Yes, we tried another operator and the calls drop there too"),
            ("no", "No, or we have not tried yet"),
        ],
        coerce=lambda value: value == "yes",
        empty_value=None,
        help_text="Asked when calls drop: the operator must not be the cause.",
        error_messages={"invalid_choice": "Answer yes or no."},
    )
    attachments = MultipleFileField(label="Attachments", required=False)
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    follow_up_of = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_ID
    )

    def __init__(self, *args, policy: PolicyVersion, devices: QuerySet[Device], **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.fields["attachments"].help_text = _attachment_help()
        self.fields["device"].queryset = devices
        # The taxonomy comes from the cached rows of the terms (``partners.policy_cache``).
        reference = policy_reference()
        self.case_types = reference.case_types(policy.pk)
        self.fields["case_type"].choices = [("", "Choose a case type")] + [
            (t.code, t.name) for t in self.case_types
        ]
        self.case_type_obj = next(
            (t for t in self.case_types if t.code == self._current("case_type")), None
        )
        self.reasons: list[CaseReason] = (
            reference.reasons_of(self.case_type_obj.pk) if self.case_type_obj else []
        )
        self.fields["reason"].choices = [("", "Choose a reason")] + [
            (r.code, r.name) for r in self.reasons
        ]
        self.reason_obj = next((r for r in self.reasons if r.code == self._current("reason")), None)
        self.categories: list[CaseCategory] = (
            reference.categories_of(self.reason_obj.pk) if self.reason_obj else []
        )
        self.fields["category"].choices = [("", "No category")] + [
            (c.code, c.name) for c in self.categories
        ]
        self.category_obj = next(
            (c for c in self.categories if c.code == self._current("category")), None
        )
        self.subcategories: list[CaseCategory] = (
            reference.subcategories_of(self.category_obj.pk) if self.category_obj else []
        )
        self.fields["subcategory"].choices = [("", "No sub-category")] + [
            (c.code, c.name) for c in self.subcategories
        ]
        if self.case_type_obj and self.case_type_obj.description:
            self.fields["case_type"].help_text = self.case_type_obj.description
        self._ask_for_suggestions()

    def _ask_for_suggestions(self) -> None:
        """With JavaScript, typing a subject or picking a type or reason refreshes the
        knowledge-base suggestions beside the form."""
        live = {
            "hx-get": reverse("tickets:kb_suggestions"),
            "hx-target": "#kb-suggestions",
            "hx-swap": "innerHTML",  # not inherited from the lists' container
            "hx-include": SUGGESTION_INPUTS,
            "hx-sync": "#kb-suggestions:replace",
        }
        self.fields["subject"].widget.attrs.update(live, **{"hx-trigger": SUBJECT_TRIGGER})
        for name in ("case_type", "reason"):
            self.fields[name].widget.attrs.update(live, **{"hx-trigger": "change"})

    def _current(self, name: str) -> str:
        """What the partner has picked for ``name``, whether the form is bound or not."""
        if self.is_bound:
            return (self.data.get(self.add_prefix(name)) or "").strip()
        return str(self.initial.get(name) or "")

    @property
    def is_technical(self) -> bool:
        return bool(self.case_type_obj and self.case_type_obj.is_technical)

    def clean(self):
        data = super().clean()
        if self.case_type_obj is None:
            return data
        if self.reasons and not data.get("reason") and "reason" not in self.errors:
            self.add_error("reason", "Choose a reason.")
        if self.is_technical:
            if not (data.get("wms_version") or "").strip():
                self.add_error("wms_version", "Give the WMS version of the PBX.")
            if not (data.get("firmware_versions") or "").strip():
                self.add_error(
                    "firmware_versions", "Give the firmware versions of the devices involved."
                )
        elif data.get("critical_criterion"):
            self.add_error("critical_criterion", "Critical applies to Tech Support cases only.")
        return data

    def error_links(self) -> list[tuple[str, str]]:
        """Every error on the form as (the id of the control to go to, the message), in the
        order of the form; the id is empty for errors about the form as a whole."""
        links = [("", str(message)) for message in self.non_field_errors()]
        for name, field in self.fields.items():
            if name not in self.errors:
                continue
            bound = self[name]
            if field.widget.is_hidden:
                anchor = ""
            elif isinstance(field.widget, forms.RadioSelect):
                anchor = f"{bound.auto_id}_0"  # the first choice: focus lands in the group
            else:
                anchor = bound.auto_id
            links.extend((anchor, str(message)) for message in self.errors[name])
        return links

    def values_for_referral(self) -> dict[str, str]:
        """Everything typed, as plain strings, to carry through the referral page."""
        names = [n for n in self.fields if n != "attachments"]
        return {n: (self.data.get(n) or "") for n in names}


def new_submission_key() -> str:
    return str(uuid.uuid4())


class ReplyForm(ServiceErrorsMixin, forms.Form):
    body = forms.CharField(
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=50_000,
        error_messages={"required": "Write a message."},
    )
    attachments = MultipleFileField(label="Attachments", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _attachment_help()


RATING_CHOICES = [
    (5, "5 – excellent"),
    (4, "4 – good"),
    (3, "3 – fair"),
    (2, "2 – poor"),
    (1, "1 – very poor"),
]


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="How did we do?",
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a rating from 1 to 5."},
    )
    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


STATUS_FILTERS = [
    ("", "Any status"),
    ("active", "Still in progress"),
    *Ticket.Status.choices,
]


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Number or words"}),
    )
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_FILTERS)
    case_type = forms.ChoiceField(label="Case type", required=False)

    def __init__(self, *args, case_types: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_type"].choices = [("", "Any case type"), *case_types]


def case_type_filter_choices() -> list[tuple[str, str]]:
    """Every case type code any version of the terms has used, newest name first."""
    seen: dict[str, str] = {}
    rows = CaseType.objects.order_by("-policy__effective_from", "position").values_list(
        "code", "name"
    )
    for code, name in rows:
        seen.setdefault(code, name)
    return list(seen.items())
