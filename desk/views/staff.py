"""Pages for support staff: the queue, the staff side of a case, opening a case by phone.

Every change goes through ``tickets.services``; a refusal comes back as a message or a form
error on the same page, with what was typed still there.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import paging
from core.formatting import count_text, duration_text
from core.forms import apply_errors
from desk.actions.open_case import CaseRequest, case_open
from desk.actions.reply import message_post
from desk.actions.status import ticket_change_cos, ticket_set_status, tickets_bulk_set_status
from entitlements.forms import TimeForm
from entitlements.selectors import interventions_for
from entitlements.services import time_log
from partners import selectors as partner_selectors
from partners.access import role_required
from partners.models import User
from partners.roles import Role
from sla import clocks as clock_rules
from sla import display as sla_display
from sla import queue as case_queue
from sla import services as sla_services
from sla.businesstime import BusinessCalendar
from sla.calendars import business_calendar
from sla.models import Clock
from tickets import filters, services, timeline, workflow
from tickets.errors import IllegalTransition, NotEligible, TicketClosed
from tickets.models import Ticket
from tickets.selectors import (
    attachments_visible_to,
    events_visible_to,
    messages_visible_to,
    ticket_for,
    tickets_visible_to,
)
from tickets.staff_forms import (
    STATUS_LABELS,
    AssignForm,
    BulkForm,
    CallerSearchForm,
    CosForm,
    OnBehalfForm,
    ReplyForm,
    RestoredForm,
    StatusForm,
    resolve_assignee,
)

# Admins pass too: has_role lets them act in every staff role.
STAFF = (Role.AGENT, Role.NOC)


# --- Queue ---------------------------------------------------------------------------------


# Query keys that change how the queue is shown, not which cases it holds.
NOT_FILTERS = ("page", "size", "ordering")


def _quick_views(params: QueryDict) -> list[dict]:
    active = filters.active_statuses()
    views = [
        ("My open cases", {"assignee": [filters.ASSIGNEE_ME], "status": active}),
        ("Unassigned", {"assignee": [filters.ASSIGNEE_NONE], "status": active}),
        ("Critical", {"cos": [Ticket.ClassOfService.CRITICAL.value], "status": active}),
        ("All active", {"status": active}),
        ("All cases", {"status": [status.value for status in workflow.Status]}),
    ]
    chosen = {
        key: sorted(value for value in params.getlist(key) if value)
        for key in params
        if key not in NOT_FILTERS
    }
    chosen = {key: values for key, values in chosen.items() if values}
    chosen.setdefault("status", sorted(active))  # what the queue shows when none is ticked
    found = []
    for label, query in views:
        query_dict = QueryDict(mutable=True)
        for key, values in query.items():
            query_dict.setlist(key, values)
        wanted = {key: sorted(values) for key, values in query.items()}
        found.append({"label": label, "query": query_dict.urlencode(), "current": wanted == chosen})
    return found


@role_required(*STAFF)
def queue(request):
    now = timezone.now()
    filterset = case_queue.queue_filter(request.user, request.GET, now=now)
    number, size = paging.page_params(request.GET)
    page = case_queue.queue_page(filterset, number=number, size=size, now=now)
    params = request.GET
    return render(
        request,
        "tickets/staff/queue.html",
        {
            "filter_form": filterset.form,
            "page": page,
            "now": now,
            "quick_views": _quick_views(params),
            "bulk_form": BulkForm(user=request.user, initial={"return_query": params.urlencode()}),
            "page_sizes": paging.PAGE_SIZES,
            "next_query": paging.query_with(params, page=page.number + 1),
            "previous_query": paging.query_with(params, page=page.number - 1),
        },
    )


@role_required(*STAFF)
def queue_organisations(request):
    """The queue's organisation list narrowed to the name typed so far (htmx fragment)."""
    filterset = filters.QueueFilter(request.GET, user=request.user)
    return render(
        request, "tickets/staff/_queue_organisation.html", {"filter_form": filterset.form}
    )


def _back_to_queue(return_query: str):
    # Re-encoded from a parsed QueryDict: only a query string can come back, never a URL.
    query = QueryDict(return_query or "").urlencode()
    return redirect(reverse("tickets:queue") + (f"?{query}" if query else ""))


@role_required(*STAFF)
@require_POST
def queue_bulk(request):
    form = BulkForm(request.POST, user=request.user)
    return_query = request.POST.get("bulk-return_query", "")
    if not form.is_valid():
        problems = [error for errors in form.errors.values() for error in errors]
        messages.error(request, "Nothing was changed. " + " ".join(problems))
        return _back_to_queue(return_query)
    data = form.cleaned_data
    tickets = list(tickets_visible_to(request.user).filter(pk__in=data["tickets"]).order_by("pk"))
    missing = len(data["tickets"]) - len(tickets)
    try:
        if data["action"] == BulkForm.ASSIGN:
            assignee = data["assignee_user"]
            changed = services.tickets_bulk_assign(
                actor=request.user, tickets=tickets, assignee=assignee
            )
            who = assignee.get_full_name() if assignee else "nobody"
            messages.success(request, f"{count_text(changed, 'case')} now assigned to {who}.")
        else:
            target = data["status"]
            moved, skipped = tickets_bulk_set_status(
                actor=request.user, tickets=tickets, status=target
            )
            label = STATUS_LABELS[target]
            messages.success(request, f"{count_text(moved, 'case')} moved to {label}.")
            if skipped:
                its = "its" if len(skipped) == 1 else "their"
                messages.warning(
                    request,
                    f"Skipped {count_text(len(skipped), 'case')} that cannot go to {label} "
                    f"from {its} current status: {', '.join(skipped)}.",
                )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, f"Nothing more was changed: {_error_text(error)}")
    if missing:
        messages.warning(
            request, f"{count_text(missing, 'case')} could not be found and were left alone."
        )
    return _back_to_queue(return_query)


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "you are not allowed to do that."


# --- Staff case page -----------------------------------------------------------------------


def _ticket(request, pk: int) -> Ticket:
    try:
        return ticket_for(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404("No such case.") from None


@dataclass(frozen=True)
class ClockRow:
    """One SLA clock as the "Service levels" panel shows it."""

    clock: Clock
    shown: sla_display.ClockDisplay
    standing: str  # business time left, how far over, or "within target"
    at_risk: bool  # running past its warning point, whether or not the warning went out yet


def _standing(clock: Clock, shown: sla_display.ClockDisplay, calendar) -> str:
    if shown.waiting:
        return shown.remaining_text
    if clock.state == Clock.State.MET:
        return "Within target"
    over = clock_rules.remaining(
        calendar,
        started_at=clock.started_at,
        target=clock.target,
        paused_for=clock.paused_for,
        at=clock.stopped_at,
    )
    return sla_display.remaining_text(min(over, timedelta(0)))


def _service_levels(ticket: Ticket, *, now: datetime) -> list[ClockRow]:
    """Every clock of the case, triage included, earliest due first. A calendar is read
    only for clocks whose time left or overrun needs it (at most two per case)."""
    tz = timezone.get_current_timezone()
    calendars: dict[str, BusinessCalendar] = {}
    rows = []
    for clock in sla_display.clocks_for_viewer(ticket.clocks.all(), internal=True):
        needs_calendar = clock.stopped_at is None or clock.state == Clock.State.BREACHED
        calendar = None
        if needs_calendar:
            if clock.calendar not in calendars:
                calendars[clock.calendar] = business_calendar(clock.calendar)
            calendar = calendars[clock.calendar]
        shown = sla_display.clock_display(clock, tz=tz, now=now, calendar=calendar)
        at_risk = shown.at_risk or (
            clock.state == Clock.State.RUNNING and not shown.overdue and clock.warn_at <= now
        )
        rows.append(
            ClockRow(
                clock=clock,
                shown=shown,
                standing=_standing(clock, shown, calendar),
                at_risk=at_risk,
            )
        )
    return rows


def case_page(request, ticket: Ticket, *, status: int = 200, **forms):
    user = request.user
    service_levels = _service_levels(ticket, now=timezone.now())
    conversation = list(messages_visible_to(user, ticket))
    intake_attachments = list(
        attachments_visible_to(user).filter(ticket=ticket, message__isnull=True)
    )
    try:
        feedback = ticket.feedback
    except ObjectDoesNotExist:
        feedback = None
    context = {
        "ticket": ticket,
        "organisation": ticket.organisation,
        "device": ticket.device,
        "conversation": conversation,
        "intake_attachments": intake_attachments,
        "timeline": timeline.describe(list(events_visible_to(user, ticket))),
        "feedback": feedback,
        "follow_ups": list(
            tickets_visible_to(user).filter(follow_up_of=ticket).only("pk", "subject", "status")
        ),
        "critical_requested": (
            ticket.get_critical_criterion_display()
            if ticket.critical_criterion and not ticket.cos_confirmed
            else ""
        ),
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "assign_form": forms.get("assign_form")
        or AssignForm(initial={"assignee": ticket.assignee_id or filters.ASSIGNEE_NONE}),
        "status_form": forms.get("status_form") or StatusForm(ticket=ticket),
        "cos_form": forms.get("cos_form") or CosForm(initial={"cos": ticket.cos}),
        "service_levels": service_levels,
        "restoration_waiting": any(
            row.clock.metric == Clock.Metric.RESTORATION and row.shown.waiting
            for row in service_levels
        ),
        "restored_form": forms.get("restored_form") or RestoredForm(),
        "time_form": forms.get("time_form") or TimeForm(organisation=ticket.organisation),
        "time_entries": list(
            ticket.time_entries.select_related("agent", "entitlement").order_by("-created_at")
        ),
        "interventions": interventions_for(ticket),
        "intervention_form": forms.get("intervention_form"),
    }
    context["time_total"] = sum(entry.minutes for entry in context["time_entries"])
    return render(request, "tickets/staff/case.html", context, status=status)


def _to_case(ticket: Ticket, anchor: str = ""):
    url = reverse("tickets:staff_case", args=[ticket.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


@role_required(*STAFF)
def staff_case(request, pk: int):
    return case_page(request, _ticket(request, pk))


@role_required(*STAFF)
@require_POST
def staff_case_reply(request, pk: int):
    ticket = _ticket(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            message_post(
                ticket=ticket,
                author=request.user,
                body=form.cleaned_data["body"],
                internal=form.internal,
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        except TicketClosed:
            form.add_error(
                None,
                f"{ticket.number} is closed and takes no more messages. Your text is still "
                "below; ask the partner to open a follow-up case.",
            )
        except PermissionDenied as error:
            form.add_error(None, _error_text(error))
        else:
            if form.internal:
                messages.success(request, "Internal note added. The partner cannot see it.")
            else:
                messages.success(request, "Reply sent to the partner.")
            return _to_case(ticket, "conversation")
    return case_page(request, ticket, reply_form=form)


@role_required(*STAFF)
@require_POST
def staff_case_time(request, pk: int):
    ticket = _ticket(request, pk)
    form = TimeForm(request.POST, organisation=ticket.organisation)
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = time_log(
                ticket=ticket,
                actor=request.user,
                minutes=data["minutes"],
                billable=data["billable"],
                entitlement=data["entitlement"],
                note=data["note"],
                override_reason=data["override_reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, _error_text(error))
        else:
            logged = duration_text(timedelta(minutes=entry.minutes), "compact")
            messages.success(request, f"{logged} logged.")
            return _to_case(ticket, "time")
    return case_page(request, ticket, time_form=form, status=400)


@role_required(*STAFF)
@require_POST
def staff_case_assign(request, pk: int):
    ticket = _ticket(request, pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            assignee = resolve_assignee(form.cleaned_data["assignee"], user=request.user)
            services.ticket_assign(ticket=ticket, actor=request.user, assignee=assignee)
        except User.DoesNotExist:
            form.add_error("assignee", "That person no longer works cases.")
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            who = assignee.get_full_name() if assignee else "nobody"
            messages.success(request, f"{ticket.number} is now assigned to {who}.")
            return _to_case(ticket)
    return case_page(request, ticket, assign_form=form)


@role_required(*STAFF)
@require_POST
def staff_case_take(request, pk: int):
    """The "Assign to me" button."""
    ticket = _ticket(request, pk)
    try:
        services.ticket_assign(ticket=ticket, actor=request.user, assignee=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"{ticket.number} is now assigned to you.")
    return _to_case(ticket)


@role_required(*STAFF)
@require_POST
def staff_case_status(request, pk: int):
    ticket = _ticket(request, pk)
    form = StatusForm(request.POST, ticket=ticket)
    if form.is_valid():
        target = form.cleaned_data["status"]
        try:
            ticket_set_status(
                ticket=ticket, actor=request.user, status=target, note=form.cleaned_data["note"]
            )
        except IllegalTransition as error:
            current = STATUS_LABELS[error.current]
            allowed = [STATUS_LABELS[s.value] for s in workflow.allowed_targets(error.current)]
            options = (
                f"From {current} it can go to {' or '.join(allowed)}."
                if allowed
                else f"{current} is final."
            )
            form.add_error(
                "status",
                f"{ticket.number} is {current} and cannot go to {STATUS_LABELS[target]}. "
                + options,
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, f"{ticket.number} is now {STATUS_LABELS[target]}.")
            return _to_case(ticket)
        ticket = _ticket(request, pk)  # someone else may have moved it meanwhile
    return case_page(request, ticket, status_form=form)


@role_required(*STAFF)
@require_POST
def staff_case_cos(request, pk: int):
    ticket = _ticket(request, pk)
    form = CosForm(request.POST)
    if form.is_valid():
        try:
            ticket_change_cos(
                ticket=ticket,
                actor=request.user,
                cos=form.cleaned_data["cos"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, _error_text(error))
        else:
            label = ticket.get_cos_display()
            messages.success(request, f"Class of service of {ticket.number} set to {label}.")
            return _to_case(ticket)
    return case_page(request, ticket, cos_form=form)


@role_required(*STAFF)
@require_POST
def staff_case_restored(request, pk: int):
    """The "Service restored" button: the restoration clock stops."""
    ticket = _ticket(request, pk)
    form = RestoredForm(request.POST)
    if form.is_valid():
        try:
            sla_services.service_mark_restored(
                ticket=ticket, actor=request.user, note=form.cleaned_data["note"]
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, f"The service was not marked restored: {_error_text(error)}")
        else:
            messages.success(
                request, f"{ticket.number}: service marked restored; the restoration clock stopped."
            )
            return _to_case(ticket, "service-levels")
    return case_page(request, ticket, restored_form=form)


# --- Opening a case on behalf of a partner user --------------------------------------------


def _caller(request) -> User | None:
    raw = request.POST.get("requester") or request.GET.get("requester")
    if not raw or not str(raw).isdigit():
        return None
    return (
        User.objects.filter(pk=int(raw), organisation__isnull=False, is_active=True)
        .select_related("organisation", "organisation__upstream_partner")
        .first()
    )


@role_required(*STAFF)
def staff_case_new(request):
    requester = _caller(request)
    if requester is None:
        if request.GET.get("requester") or request.POST.get("requester"):
            messages.error(request, "That partner user could not be found. Search again.")
        search = CallerSearchForm(request.GET or None)
        callers = (
            partner_selectors.partner_users_matching(request.user, search.cleaned_data["who"])
            if search.is_valid()
            else []
        )
        return render(
            request,
            "tickets/staff/new_case_caller.html",
            {"search_form": search, "callers": callers, "searched": search.is_valid()},
        )

    try:
        policy = partner_selectors.policy_in_force(timezone.now())
    except partner_selectors.NoPolicyInForce:
        messages.error(request, "No version of the support terms is in force; ask an admin.")
        return redirect("tickets:queue")

    form = OnBehalfForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        requester=requester,
        policy=policy,
    )
    referral = None
    if request.method == "POST" and form.is_valid():
        try:
            ticket, _ = case_open(
                CaseRequest(
                    requester=requester,
                    created_by=request.user,
                    channel=Ticket.Channel.PHONE,
                    **form.case_fields(),
                )
            )
        except NotEligible as refusal:
            referral = refusal.decision
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(
                request, f"{ticket.number} opened for {requester.get_full_name()} by phone."
            )
            return redirect("tickets:staff_case", pk=ticket.pk)
    return render(
        request,
        "tickets/staff/new_case.html",
        {"form": form, "requester": requester, "referral": referral, "policy": policy},
    )


urlpatterns = [
    path("queue/", queue, name="queue"),
    path("queue/bulk/", queue_bulk, name="queue_bulk"),
    path("queue/organisations/", queue_organisations, name="queue_organisations"),
    path("staff/cases/new/", staff_case_new, name="staff_case_new"),
    path("staff/cases/<int:pk>/", staff_case, name="staff_case"),
    path("staff/cases/<int:pk>/reply/", staff_case_reply, name="staff_case_reply"),
    path("staff/cases/<int:pk>/assign/", staff_case_assign, name="staff_case_assign"),
    path("staff/cases/<int:pk>/time/", staff_case_time, name="staff_case_time"),
    path("staff/cases/<int:pk>/take/", staff_case_take, name="staff_case_take"),
    path("staff/cases/<int:pk>/status/", staff_case_status, name="staff_case_status"),
    path("staff/cases/<int:pk>/cos/", staff_case_cos, name="staff_case_cos"),
    path("staff/cases/<int:pk>/restored/", staff_case_restored, name="staff_case_restored"),
]
