"""The "Write to the end customer" panel of the staff case page (14.5, 2026-03 terms): shown
only when the case's terms have a step-in limit, the case is about an end customer's
system, and it has waited on the partner longer than the limit."""

from dataclasses import dataclass
from datetime import datetime

from django import forms

from core.renderers import PLAIN
from desk.actions.waiting import Contact, end_customer_contacts
from partners.models import Organisation
from sla import services as sla
from tickets.models import Event, Ticket

# The newest messages from support an end customer's page lists.
MESSAGES_SHOWN = 50


class StepInForm(forms.Form):
    default_renderer = PLAIN  # one of the many forms on the staff case page

    recipients = forms.MultipleChoiceField(
        label="Send to",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one of the end customer's contacts."},
    )
    body = forms.CharField(
        label="Message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Sent by e-mail in your name. The partner sees it on the case.",
        error_messages={"required": "Write the message to the end customer."},
    )

    # The reply form on the same page has its own "body": the prefix keeps ids apart.
    prefix = "step_in"

    def __init__(self, *args, contacts: list[Contact], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = [
            (contact.email, f"{contact.name} <{contact.email}>") for contact in contacts
        ]
        if not self.is_bound:
            self.initial.setdefault("recipients", [contact.email for contact in contacts])


@dataclass(frozen=True)
class StepInPanel:
    end_customer: Organisation
    contacts: list[Contact]
    step_in_at: datetime
    form: StepInForm


def step_in_panel(
    ticket: Ticket, *, now: datetime, bound: StepInForm | None = None
) -> StepInPanel | None:
    """The panel, or None when stepping in is not open on this case."""
    found = sla.step_in_for(ticket, now=now)
    if not found.allowed:
        return None
    contacts = end_customer_contacts(found.end_customer)
    return StepInPanel(
        end_customer=found.end_customer,
        contacts=contacts,
        step_in_at=found.step_in_at,
        form=bound if bound is not None else StepInForm(contacts=contacts),
    )


def has_messages_from_support(organisation) -> bool:
    """Whether support has written to this end customer directly (14.5); only end
    customers are written to, so other organisations are answered without a query."""
    if organisation.kind != organisation.Kind.END_CUSTOMER:
        return False
    return Event.objects.filter(
        kind="vendor_stepped_in", ticket__device__organisation_id=organisation.pk
    ).exists()


def messages_from_support(user) -> list[Event]:
    """What staff wrote to ``user``'s organisation about its systems when its installer did
    not act in time (14.5), newest first: the end customer's view of those cases. Only the
    messages: the exchange between the vendor and the partner stays theirs."""
    if not user.is_authenticated or not user.is_partner:
        return []
    return list(
        Event.objects.filter(
            kind="vendor_stepped_in", ticket__device__organisation_id=user.organisation_id
        )
        .select_related("ticket", "actor")
        .order_by("-at", "-id")[:MESSAGES_SHOWN]
    )
