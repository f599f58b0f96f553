"""The staff side of a case as one value: the case and the panels the page shows about it.

``staff_case_page`` builds it; every view that shows the page (the case itself, an action
whose form came back with errors, the answer to an intervention) renders what it returns,
so they all show the same page. The template reads it as ``case``.
"""

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.utils import timezone

from entitlements.forms import InterventionActionForm, TimeForm
from entitlements.models import Intervention, TimeEntry
from entitlements.selectors import interventions_for
from partners.models import User
from sla.display import ServiceLevel
from sla.models import Clock
from sla.selectors import service_levels_for_staff
from tickets import filters
from tickets.models import Attachment, Feedback, Message, Ticket
from tickets.selectors import (
    attachments_visible_to,
    events_visible_to,
    messages_visible_to,
    tickets_visible_to,
)
from tickets.staff_forms import AssignForm, CosForm, ReplyForm, RestoredForm, StatusForm
from tickets.timeline import Entry as TimelineEntry
from tickets.timeline import describe as timeline_in_words


@dataclass(frozen=True)
class Conversation:
    """What the partner opened the case with, the messages since, and the reply form."""

    messages: list[Message]
    intake_attachments: list[Attachment]  # sent with the case itself, not with a message
    reply_form: ReplyForm


@dataclass(frozen=True)
class ServiceLevels:
    """The case's clocks, and the "Service restored" button while restoration waits."""

    rows: list[ServiceLevel]
    restored_form: RestoredForm

    @property
    def restoration_waiting(self) -> bool:
        return any(
            row.clock.metric == Clock.Metric.RESTORATION and row.shown.waiting for row in self.rows
        )


@dataclass(frozen=True)
class TimeSpent:
    entries: list[TimeEntry]  # newest first
    form: TimeForm

    @property
    def total(self) -> int:
        """Minutes logged on the case in all."""
        return sum(entry.minutes for entry in self.entries)


@dataclass(frozen=True)
class Interventions:
    entries: list[Intervention]
    form: InterventionActionForm | None  # only when an answer to one came back with errors


@dataclass(frozen=True)
class CaseActions:
    """The forms beside the case: assignment, status, class of service."""

    assign_form: AssignForm
    status_form: StatusForm
    cos_form: CosForm


@dataclass(frozen=True)
class StaffCasePage:
    ticket: Ticket
    critical_requested: str  # the partner's Critical criterion while nobody has confirmed it
    follow_ups: list[Ticket]
    conversation: Conversation
    timeline: list[TimelineEntry]
    feedback: Feedback | None
    service_levels: ServiceLevels
    time: TimeSpent
    interventions: Interventions
    actions: CaseActions


# The forms a staff case page can come back with, one per action.
BOUND_FORMS = (
    ReplyForm,
    AssignForm,
    StatusForm,
    CosForm,
    RestoredForm,
    TimeForm,
    InterventionActionForm,
)


def staff_case_page(
    *, user: User, ticket: Ticket, now: datetime, bound: forms.Form | None = None
) -> StaffCasePage:
    """The page for ``ticket``, which ``user`` got through ``ticket_for``. ``bound`` is the
    form of an action that came back with errors: it takes the place of its panel's empty
    form, so what was typed is still there."""
    if bound is not None and not isinstance(bound, BOUND_FORMS):
        raise TypeError(f"No panel of the staff case page takes a {type(bound).__name__}.")

    def form(form_class, empty):
        return bound if isinstance(bound, form_class) else empty()

    return StaffCasePage(
        ticket=ticket,
        critical_requested=(
            ticket.get_critical_criterion_display()
            if ticket.critical_criterion and not ticket.cos_confirmed
            else ""
        ),
        follow_ups=list(
            tickets_visible_to(user).filter(follow_up_of=ticket).only("pk", "subject", "status")
        ),
        conversation=Conversation(
            messages=list(messages_visible_to(user, ticket)),
            intake_attachments=list(
                attachments_visible_to(user).filter(ticket=ticket, message__isnull=True)
            ),
            reply_form=form(ReplyForm, ReplyForm),
        ),
        timeline=timeline_in_words(list(events_visible_to(user, ticket))),
        feedback=_feedback_of(ticket),
        service_levels=ServiceLevels(
            rows=service_levels_for_staff(ticket, now=now, tz=timezone.get_current_timezone()),
            restored_form=form(RestoredForm, RestoredForm),
        ),
        time=TimeSpent(
            entries=list(
                ticket.time_entries.select_related("agent", "entitlement").order_by("-created_at")
            ),
            form=form(TimeForm, lambda: TimeForm(organisation=ticket.organisation)),
        ),
        interventions=Interventions(
            entries=interventions_for(ticket), form=form(InterventionActionForm, lambda: None)
        ),
        actions=CaseActions(
            assign_form=form(
                AssignForm,
                lambda: AssignForm(
                    initial={"assignee": ticket.assignee_id or filters.ASSIGNEE_NONE}
                ),
            ),
            status_form=form(StatusForm, lambda: StatusForm(ticket=ticket)),
            cos_form=form(CosForm, lambda: CosForm(initial={"cos": ticket.cos}, ticket=ticket)),
        ),
    )


def _feedback_of(ticket: Ticket) -> Feedback | None:
    try:
        return ticket.feedback
    except Feedback.DoesNotExist:
        return None
