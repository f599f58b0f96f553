"""The staff side of a case as one value: the case and the panels the page shows about it.

``staff_case_page`` builds it; every view that shows the page (the case itself, an action
whose form came back with errors, the answer to an intervention) renders what it returns,
so they all show the same page. The template reads it as ``case``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from core import paging
from desk.conversation import FileLink, Post, conversation_of
from desk.documents_panel import DocumentsPanel, documents_panel
from desk.step_in import StepInForm, StepInPanel, step_in_panel
from entitlements.forms import InterventionActionForm, TimeForm
from entitlements.models import Intervention, TimeEntry
from entitlements.selectors import interventions_for
from hwaas.models import HardwareRequest
from partners.models import User
from sla.display import ServiceLevel
from sla.models import Clock
from sla.queue import queue_filter
from sla.selectors import service_levels_for_staff
from tickets import filters
from tickets.document_forms import ActivationDateForm, DocumentRequestForm
from tickets.models import DocumentRequest, Feedback, Ticket, format_number
from tickets.selectors import (
    case_read,
    events_visible_to,
    tickets_visible_to,
)
from tickets.services.macros import MacroChoice, macro_choices, may_manage_macros
from tickets.staff_forms import AssignForm, CosForm, ReplyForm, RestoredForm, StatusForm
from tickets.timeline import Entry as TimelineEntry
from tickets.timeline import describe as timeline_in_words


@dataclass(frozen=True)
class Conversation:
    """What the partner opened the case with, the messages since, and the reply form."""

    posts: list[Post]  # newest first
    intake_files: list[FileLink]  # sent with the case itself, not with a message
    reply_form: ReplyForm
    macros: list[MacroChoice]  # the canned replies the reply box offers


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
class CaseLink:
    pk: int
    subject: str

    @property
    def number(self) -> str:
        return format_number(self.pk)


@dataclass(frozen=True)
class QueueView:
    """The queue view the case was opened from, and the case after it there."""

    query: str  # the view's query string, as the queue had it
    next_case: CaseLink | None

    @property
    def queue_url(self) -> str:
        return reverse("tickets:queue") + (f"?{self.query}" if self.query else "")

    @property
    def next_url(self) -> str:
        return case_url(self.next_case.pk, self.query) if self.next_case else ""


@dataclass(frozen=True)
class StaffCasePage:
    ticket: Ticket
    critical_requested: str  # the partner's Critical criterion while nobody has confirmed it
    follow_ups: list[Ticket]
    conversation: Conversation
    timeline: list[TimelineEntry]
    feedback: Feedback | None
    hardware_request: HardwareRequest | None
    service_levels: ServiceLevels
    time: TimeSpent
    interventions: Interventions
    actions: CaseActions
    view: QueueView | None  # only when the case was opened from a queue view
    may_manage_macros: bool
    # The "vendor steps in" panel: None hides its spot on the page.
    step_in: StepInPanel | None = None
    # Documents asked of the partner, and a CLASSOUND case's activation date.
    documents: DocumentsPanel | None = None


# The forms a staff case page can come back with, one per action.
BOUND_FORMS = (
    ReplyForm,
    AssignForm,
    StatusForm,
    CosForm,
    RestoredForm,
    TimeForm,
    InterventionActionForm,
    DocumentRequestForm,
    ActivationDateForm,
    StepInForm,
)


def staff_case_page(
    *,
    user: User,
    ticket: Ticket,
    now: datetime,
    bound: forms.Form | None = None,
    view_query: str = "",
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
        follow_ups=_if_any(
            ticket,
            "has_follow_ups",
            lambda: list(
                tickets_visible_to(user).filter(follow_up_of=ticket).only("pk", "subject", "status")
            ),
        ),
        conversation=_conversation(
            user, ticket, reply_form=form(ReplyForm, ReplyForm), macros=macro_choices()
        ),
        timeline=timeline_in_words(list(events_visible_to(user, ticket))),
        feedback=_feedback_of(ticket),
        hardware_request=_hardware_request_of(ticket),
        service_levels=ServiceLevels(
            rows=service_levels_for_staff(ticket, now=now, tz=timezone.get_current_timezone()),
            restored_form=form(RestoredForm, RestoredForm),
        ),
        time=TimeSpent(
            entries=_if_any(
                ticket,
                "has_time_entries",
                lambda: list(
                    ticket.time_entries.select_related("agent", "entitlement").order_by(
                        "-created_at"
                    )
                ),
            ),
            form=form(TimeForm, lambda: TimeForm(organisation=ticket.organisation)),
        ),
        interventions=Interventions(
            entries=_if_any(ticket, "has_interventions", lambda: interventions_for(ticket)),
            form=form(InterventionActionForm, lambda: None),
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
        view=(
            QueueView(query=view_query, next_case=next_case(user, ticket, view_query, now=now))
            if view_query
            else None
        ),
        may_manage_macros=may_manage_macros(user),
        documents=documents_panel(
            ticket=ticket, tz=user.effective_time_zone, now=now, staff=True, bound=bound
        ),
        step_in=step_in_panel(
            ticket, now=now, bound=bound if isinstance(bound, StepInForm) else None
        ),
    )


def _of_case(model, field: str = "ticket") -> Exists:
    return Exists(model.objects.filter(**{field: OuterRef("pk")}))


# Whether a case has each of these, read with the case (``staff_case_for``). Built once: a
# query copies what it is given.
_HAS = {
    "has_follow_ups": _of_case(Ticket, "follow_up_of"),
    "has_feedback": _of_case(Feedback),
    "has_hardware_request": _of_case(HardwareRequest),
    "has_time_entries": _of_case(TimeEntry),
    "has_interventions": _of_case(Intervention),
    "has_document_requests": _of_case(DocumentRequest),
}


def staff_case_for(*, user: User, pk: int) -> Ticket:
    """``ticket_for`` as the staff case page reads it, in one query: with its device (the
    device's owner decides whether staff may step in), and whether it has follow-ups,
    feedback, a hardware request, time entries, interventions and documents asked for
    (``has_…``), so that what a case does not have costs no query. Raises
    Ticket.DoesNotExist alike."""
    cases = tickets_visible_to(user).select_related("device__organisation").annotate(**_HAS)
    return case_read(cases, pk)


def _if_any(ticket: Ticket, flag: str, read: Callable[[], list]) -> list:
    """``read()``, unless ``staff_case_for`` found there is nothing to read."""
    return read() if getattr(ticket, flag, True) else []


def _conversation(
    user: User, ticket: Ticket, *, reply_form: ReplyForm, macros: list[MacroChoice]
) -> Conversation:
    posts, intake_files = conversation_of(user, ticket)
    return Conversation(
        posts=posts[::-1], intake_files=intake_files, reply_form=reply_form, macros=macros
    )


def case_url(pk: int, view_query: str = "") -> str:
    """The staff page of case ``pk``; with the queue view it was opened from, if any."""
    url = reverse("tickets:staff_case", args=[pk])
    if not view_query:
        return url
    params = QueryDict(mutable=True)
    params["from"] = view_query
    return f"{url}?{params.urlencode()}"


def next_case(user: User, ticket: Ticket, view_query: str, *, now: datetime) -> CaseLink | None:
    """The case after ``ticket`` in the queue view ``view_query`` (its filters, its order,
    its page), read with the queue's own ``queue_filter`` and paged as ``queue_page`` pages:

    - the row after it on its page, or the first row of the next page when it is the last;
    - once it has left the view (resolved, given to someone else, out of the filter), the
      first other case on that page of the view: the one now at the top of what is left;
    - None when nothing else is there.

    One query for the page and the first row after it, reading only ids and subjects: the
    countdowns the queue shows beside its rows play no part in their order.
    """
    params = QueryDict(view_query)
    cases = queue_filter(user, params, now=now).qs.values_list("pk", "subject")
    number, size = paging.page_params(params)
    start = (number - 1) * size
    rows = [CaseLink(pk=pk, subject=subject) for pk, subject in cases[start : start + size + 1]]
    page, following = rows[:size], rows[size:]
    ids = [case.pk for case in page]
    if ticket.pk in ids:
        after = ids.index(ticket.pk) + 1
        if after < len(page):
            return page[after]
        return following[0] if following else None
    return next((case for case in page if case.pk != ticket.pk), None)


def _feedback_of(ticket: Ticket) -> Feedback | None:
    if not getattr(ticket, "has_feedback", True):
        return None
    try:
        return ticket.feedback
    except Feedback.DoesNotExist:
        return None


def _hardware_request_of(ticket: Ticket) -> HardwareRequest | None:
    if not getattr(ticket, "has_hardware_request", True):
        return None
    try:
        return ticket.hardware_request
    except HardwareRequest.DoesNotExist:
        return None
