"""Forms of the staff pages: bulk actions in the queue, the staff case page, and opening a
case on behalf of a partner user. They parse input; the services decide."""

import uuid

from django import forms
from django.core.exceptions import ValidationError

from core.renderers import PLAIN
from core.widgets import PlainSelect
from partners import selectors as partner_selectors
from partners.extended_support import exclusion_for
from partners.models import CaseReason, Device, ExtendedSupportExclusion, PolicyVersion, User
from tickets import selectors, workflow
from tickets.errors import IllegalTransition
from tickets.filters import ASSIGNEE_ME, ASSIGNEE_NONE, staff_choices
from tickets.models import Macro, Message, SavedView, Ticket

STATUS_LABELS = dict(Ticket.Status.choices)


def move_refusal(number: str, error: IllegalTransition) -> str:
    """Why case ``number`` cannot make the move ``error`` refused, and where it can go."""
    current = STATUS_LABELS[error.current]
    allowed = [STATUS_LABELS[s.value] for s in workflow.allowed_targets(error.current)]
    options = (
        f"From {current} it can go to {' or '.join(allowed)}."
        if allowed
        else (f"{current} is final.")
    )
    return f"{number} is {current} and cannot go to {STATUS_LABELS[error.target]}. {options}"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the services check their size and type."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def resolve_assignee(value: str, *, user: User) -> User | None:
    """ "me", "none" or a staff user's id → the user (None for nobody)."""
    if value == ASSIGNEE_NONE:
        return None
    if value == ASSIGNEE_ME:
        return user
    return selectors.staff_assignees().get(pk=int(value))


# --- Queue ---------------------------------------------------------------------------------


class IdListField(forms.Field):
    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        try:
            return sorted({int(item) for item in value})
        except (TypeError, ValueError):
            raise ValidationError(
                "The selection could not be read; tick the cases again."
            ) from None


class BulkForm(forms.Form):
    ASSIGN, SET_STATUS = "assign", "status"

    tickets = IdListField(required=False)
    action = forms.ChoiceField(choices=[(ASSIGN, "Assign"), (SET_STATUS, "Set status")])
    assignee = forms.ChoiceField(
        label="Assign the selected cases to", required=False, widget=PlainSelect
    )
    status = forms.ChoiceField(
        label="Set the status of the selected cases to",
        choices=[("", "Choose a status"), *Ticket.Status.choices],
        required=False,
        widget=PlainSelect,
    )
    return_query = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, staff=staff_choices, **kwargs):
        """``staff`` gives the (id, name) of everyone a case can go to, when the page has
        read them already."""
        kwargs.setdefault("prefix", "bulk")
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["assignee"].choices = [
            ("", "Choose a person"),
            (ASSIGNEE_ME, "Me"),
            (ASSIGNEE_NONE, "Nobody (unassigned)"),
            *staff(),
        ]

    def clean(self):
        data = super().clean()
        if not data.get("tickets"):
            raise ValidationError("Tick at least one case first.")
        if data.get("action") == self.ASSIGN:
            if not data.get("assignee"):
                self.add_error("assignee", "Choose whom to assign the cases to.")
            else:
                try:
                    data["assignee_user"] = resolve_assignee(data["assignee"], user=self.user)
                except User.DoesNotExist:
                    self.add_error("assignee", "That person no longer works cases.")
        if data.get("action") == self.SET_STATUS and not data.get("status"):
            self.add_error("status", "Choose a status.")
        return data


class SavedViewForm(forms.Form):
    """Name and sharing of a saved view of the queue; its filters come from the address of
    the queue being looked at (``query``), checked by the saved-view service."""

    name = forms.CharField(label="View name", max_length=60)
    visibility = forms.ChoiceField(
        label="Who sees it",
        choices=SavedView.Visibility.choices,
        initial=SavedView.Visibility.PRIVATE,
        widget=forms.RadioSelect,
    )
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "view")
        super().__init__(*args, **kwargs)


# --- Staff case page -----------------------------------------------------------------------


class ReplyForm(forms.Form):
    default_renderer = PLAIN  # one of the many forms on the staff case page

    visibility = forms.ChoiceField(
        label="Who sees this",
        choices=[
            (Message.Visibility.PUBLIC, "Public reply: the partner sees it and gets an e-mail"),
            (Message.Visibility.INTERNAL, "Internal note: support staff only"),
        ],
        initial=Message.Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 6}))
    attachments = MultipleFileField(
        label="Attachments",
        help_text="Optional. Several files at once: PDF, images, logs, traces, archives.",
    )
    # Picking one fills the message in (the page's script asks for its text); sending
    # applies its status and assignment as well.
    macro = forms.ModelChoiceField(
        label="Macro",
        queryset=Macro.objects.filter(is_active=True),
        required=False,
        empty_label="No macro",
    )

    @property
    def internal(self) -> bool:
        return self.cleaned_data["visibility"] == Message.Visibility.INTERNAL


class AssignForm(forms.Form):
    default_renderer = PLAIN  # one of the many forms on the staff case page

    # Every member of staff is an option: written out in Python.
    assignee = forms.ChoiceField(label="Assign to", widget=PlainSelect)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "assign")
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            (ASSIGNEE_NONE, "Nobody (unassigned)"),
            *staff_choices(),
        ]


class StatusForm(forms.Form):
    """Offers only the moves the transition table allows from the current status; a stale
    page may still send another, which the service then refuses with an explanation."""

    default_renderer = PLAIN  # one of the many forms on the staff case page

    status = forms.ChoiceField(
        label="New status", choices=Ticket.Status.choices, widget=PlainSelect
    )
    note = forms.CharField(
        label="Note for the timeline",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional. Shown to the partner with the status change.",
    )

    def __init__(self, *args, ticket: Ticket, **kwargs):
        kwargs.setdefault("prefix", "status")
        super().__init__(*args, **kwargs)
        allowed = workflow.allowed_targets(ticket.status)
        self.fields["status"].widget.choices = [
            (status.value, STATUS_LABELS[status.value]) for status in allowed
        ]
        self.has_choices = bool(allowed)


class CosForm(forms.Form):
    default_renderer = PLAIN  # one of the many forms on the staff case page

    cos = forms.ChoiceField(
        label="Class of service",
        choices=Ticket.ClassOfService.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Why",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required. Recorded in the timeline, which the partner sees.",
        error_messages={"required": "Say why the class of service is set this way."},
    )
    override_reason = forms.CharField(
        label="Why Critical anyway",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, ticket: Ticket | None = None, **kwargs):
        """With ``ticket`` filed where extended support does not apply, the form also asks
        for the reason of an exception to confirm Critical; otherwise it does not."""
        kwargs.setdefault("prefix", "cos")
        super().__init__(*args, **kwargs)
        exclusion = (
            exclusion_for(ticket.reason, ticket.category, ticket.subcategory) if ticket else ""
        )
        if exclusion:
            self.fields["override_reason"].help_text = (
                f"Filed under “{ExtendedSupportExclusion(exclusion).label}”, which is not "
                "handled as Critical. Required to confirm Critical; internal, the partner does "
                "not see it."
            )
        else:
            del self.fields["override_reason"]


class RestoredForm(forms.Form):
    default_renderer = PLAIN  # one of the many forms on the staff case page

    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What brought the service back. Shown in the timeline, which the partner sees.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "restored")
        super().__init__(*args, **kwargs)


# --- Opening a case on behalf of a partner user --------------------------------------------


class CallerSearchForm(forms.Form):
    who = forms.CharField(
        label="Find the caller",
        max_length=100,
        help_text="Part of their e-mail address, their name or their organisation's name.",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class DeviceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Device) -> str:
        return f"{obj.name} — {obj.model}, serial {obj.serial_number}"


class OnBehalfForm(forms.Form):
    requester = forms.IntegerField(widget=forms.HiddenInput)
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    case_type = forms.ChoiceField(label="Case type")
    reason = forms.ChoiceField(
        label="Reason", help_text="Pick one listed under the case type chosen above."
    )
    device = DeviceChoiceField(
        label="PBX or device",
        queryset=Device.objects.none(),
        required=False,
        empty_label="No particular PBX or device",
    )
    subject = forms.CharField(label="Subject", max_length=200)
    description = forms.CharField(
        label="Description", widget=forms.Textarea(attrs={"rows": 6}), max_length=50_000
    )
    wms_version = forms.CharField(
        label="WMS version",
        max_length=40,
        required=False,
        help_text="Required for Tech Support.",
    )
    firmware_versions = forms.CharField(
        label="Firmware versions",
        max_length=200,
        required=False,
        help_text="Required for Tech Support, e.g. “DP-40 1.9.0”.",
    )
    critical_criterion = forms.ChoiceField(
        label="Does the caller ask for Critical?",
        choices=[("", "No, standard"), *Ticket.CriticalCriterion.choices],
        required=False,
        help_text="Tech Support only. You can confirm or downgrade it on the case page.",
    )
    reproduced_with_other_operator = forms.TypedChoiceField(
        label="If calls drop: do they also drop with another operator?",
        choices=[("", "Not asked"), ("yes", "Yes, also with another operator"), ("no", "No")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        help_text="Needed to log dropped calls as Critical.",
    )
    attachments = MultipleFileField(label="Attachments", help_text="Optional.")
    phone_override_reason = forms.CharField(
        label="Why log it by phone?",
        max_length=300,
        required=False,
        help_text=(
            "Customer Care is opened in the portal, not by phone. Only if it cannot wait: say "
            "why. The reason goes on the case's timeline."
        ),
    )

    def __init__(self, *args, requester: User, policy: PolicyVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.requester = requester
        self.fields["requester"].initial = requester.pk
        if not self.is_bound:
            self.fields["submission_key"].initial = uuid.uuid4()
        self.fields["case_type"].choices = [("", "Choose a case type")] + [
            (case_type.code, case_type.name) for case_type in policy.case_types.all()
        ]
        reasons: dict[str, list[tuple[str, str]]] = {}
        for reason in CaseReason.objects.filter(case_type__policy=policy).select_related(
            "case_type"
        ):
            reasons.setdefault(reason.case_type.name, []).append((reason.code, reason.name))
        self.fields["reason"].choices = [("", "Choose a reason"), *reasons.items()]
        self.fields["device"].queryset = partner_selectors.devices_visible_to(requester).order_by(
            "kind", "name"
        )

    def case_fields(self) -> dict:
        """The fields of a ``CaseRequest`` this form gives."""
        data = self.cleaned_data
        return {
            "case_type": data["case_type"],
            "reason": data["reason"] or None,
            "device": data["device"],
            "subject": data["subject"],
            "description": data["description"],
            "wms_version": data["wms_version"],
            "firmware_versions": data["firmware_versions"],
            "critical_criterion": data["critical_criterion"],
            "reproduced_with_other_operator": data["reproduced_with_other_operator"],
            "attachments": data["attachments"],
            "submission_key": data["submission_key"],
            "phone_override_reason": data["phone_override_reason"],
        }
