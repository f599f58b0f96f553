"""The staff side of a case: the page, and the actions on it (reply or internal note, time
spent, assignment, status, class of service, service restored).

Every change goes through a service or a use case; a refusal comes back as a message or a
form error on the same page, with what was typed still there.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.formatting import duration_text
from core.forms import apply_errors
from desk import presence
from desk.actions.macro import macro_effects, macro_text, reply_with_macro
from desk.actions.reply import Reply
from desk.actions.status import ticket_change_cos, ticket_set_status
from desk.staff_case_page import case_url, staff_case_for, staff_case_page
from desk.views.staff import STAFF, error_text
from entitlements.forms import TimeForm
from entitlements.services import time_log
from partners.access import role_required
from partners.models import User
from sla import services as sla_services
from tickets import services
from tickets.errors import IllegalTransition, TicketClosed
from tickets.models import Macro, Ticket
from tickets.staff_forms import (
    STATUS_LABELS,
    AssignForm,
    CosForm,
    ReplyForm,
    RestoredForm,
    StatusForm,
    move_refusal,
    resolve_assignee,
)


def _ticket(request, pk: int) -> Ticket:
    try:
        return staff_case_for(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404("No such case.") from None


def view_query(request) -> str:
    """The queue view the agent came from (``?from=`` on the page, a hidden ``from`` field
    on its forms), re-encoded from a parsed QueryDict: only a query string goes on, never
    a URL."""
    raw = request.POST.get("from") if request.method == "POST" else request.GET.get("from")
    return QueryDict(raw or "").urlencode()


def case_page(request, ticket: Ticket, *, bound: forms.Form | None = None, status: int = 200):
    """The staff case page; ``bound`` is the form of an action that came back with errors."""
    page = staff_case_page(
        user=request.user,
        ticket=ticket,
        now=timezone.now(),
        bound=bound,
        view_query=view_query(request),
    )
    return render(request, "tickets/staff/case.html", {"case": page}, status=status)


def _to_case(request, ticket: Ticket, anchor: str = ""):
    """Back to the case after an action, keeping the queue view it was opened from, so the
    page can offer the next case in that view."""
    url = case_url(ticket.pk, view_query(request))
    return redirect(f"{url}#{anchor}" if anchor else url)


@role_required(*STAFF)
def staff_case(request, pk: int):
    ticket = _ticket(request, pk)
    presence.presence_mark(ticket_id=ticket.pk, user=request.user, now=timezone.now())
    return case_page(request, ticket)


@role_required(*STAFF)
def staff_case_presence(request, pk: int):
    """Who else has the case open (htmx fragment, polled). A POST reports whether the
    reply box holds text (``writing=1`` or ``0``) and answers with nothing."""
    ticket = _ticket(request, pk)
    now = timezone.now()
    if request.method == "POST":
        writing = request.POST.get("writing") == "1"
        presence.presence_mark(ticket_id=ticket.pk, user=request.user, now=now, writing=writing)
        return HttpResponse(status=204)
    presence.presence_mark(ticket_id=ticket.pk, user=request.user, now=now)
    others = presence.presence_others(ticket_id=ticket.pk, user=request.user, now=now)
    return render(request, "tickets/staff/_presence.html", {"others": others})


@role_required(*STAFF)
def staff_case_macro(request, pk: int, macro_pk: int):
    """A macro's text with this case's values filled in, and what sending it also does
    (JSON, for the reply box's script)."""
    ticket = _ticket(request, pk)
    macro = get_object_or_404(Macro, pk=macro_pk)
    text = macro_text(macro=macro, ticket=ticket, agent=request.user, now=timezone.now())
    return JsonResponse({"text": text, "effects": macro_effects(macro)})


@role_required(*STAFF)
@require_POST
def staff_case_reply(request, pk: int):
    ticket = _ticket(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        macro = form.cleaned_data["macro"]
        try:
            reply_with_macro(
                ticket=ticket,
                reply=Reply(
                    author=request.user,
                    body=form.cleaned_data["body"],
                    internal=form.internal,
                    attachments=form.cleaned_data["attachments"],
                ),
                macro=macro,
            )
        except IllegalTransition as error:
            form.add_error("macro", move_refusal(ticket.number, error) + " Nothing was sent.")
        except ValidationError as error:
            apply_errors(form, error)
        except TicketClosed:
            form.add_error(
                None,
                f"{ticket.number} is closed and takes no more messages. Your text is still "
                "below; ask the partner to open a follow-up case.",
            )
        except PermissionDenied as error:
            form.add_error(None, error_text(error))
        else:
            presence.presence_mark(
                ticket_id=ticket.pk, user=request.user, now=timezone.now(), writing=False
            )
            if form.internal:
                messages.success(request, "Internal note added. The partner cannot see it.")
            else:
                messages.success(request, "Reply sent to the partner.")
            if macro is not None and (effects := macro_effects(macro)):
                messages.info(request, f"Macro “{macro.name}”: {'; '.join(effects)}.")
            return _to_case(request, ticket, "conversation")
    return case_page(request, ticket, bound=form)


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
            form.add_error(None, error_text(error))
        else:
            logged = duration_text(timedelta(minutes=entry.minutes), "compact")
            messages.success(request, f"{logged} logged.")
            return _to_case(request, ticket, "time")
    return case_page(request, ticket, bound=form, status=400)


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
            form.add_error(None, error_text(error))
        else:
            who = assignee.get_full_name() if assignee else "nobody"
            messages.success(request, f"{ticket.number} is now assigned to {who}.")
            return _to_case(request, ticket)
    return case_page(request, ticket, bound=form)


@role_required(*STAFF)
@require_POST
def staff_case_take(request, pk: int):
    """The "Assign to me" button."""
    ticket = _ticket(request, pk)
    try:
        services.ticket_assign(ticket=ticket, actor=request.user, assignee=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"{ticket.number} is now assigned to you.")
    return _to_case(request, ticket)


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
            form.add_error("status", move_refusal(ticket.number, error))
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, f"{ticket.number} is now {STATUS_LABELS[target]}.")
            return _to_case(request, ticket)
        ticket = _ticket(request, pk)  # someone else may have moved it meanwhile
    return case_page(request, ticket, bound=form)


@role_required(*STAFF)
@require_POST
def staff_case_cos(request, pk: int):
    ticket = _ticket(request, pk)
    form = CosForm(request.POST, ticket=ticket)
    if form.is_valid():
        try:
            ticket_change_cos(
                ticket=ticket,
                actor=request.user,
                cos=form.cleaned_data["cos"],
                reason=form.cleaned_data["reason"],
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, error_text(error))
        else:
            label = ticket.get_cos_display()
            messages.success(request, f"Class of service of {ticket.number} set to {label}.")
            return _to_case(request, ticket)
    return case_page(request, ticket, bound=form)


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
            messages.error(request, f"The service was not marked restored: {error_text(error)}")
        else:
            messages.success(
                request, f"{ticket.number}: service marked restored; the restoration clock stopped."
            )
            return _to_case(request, ticket, "service-levels")
    return case_page(request, ticket, bound=form)


urlpatterns = [
    path("staff/cases/<int:pk>/", staff_case, name="staff_case"),
    path("staff/cases/<int:pk>/reply/", staff_case_reply, name="staff_case_reply"),
    path("staff/cases/<int:pk>/assign/", staff_case_assign, name="staff_case_assign"),
    path("staff/cases/<int:pk>/time/", staff_case_time, name="staff_case_time"),
    path("staff/cases/<int:pk>/take/", staff_case_take, name="staff_case_take"),
    path("staff/cases/<int:pk>/status/", staff_case_status, name="staff_case_status"),
    path("staff/cases/<int:pk>/cos/", staff_case_cos, name="staff_case_cos"),
    path("staff/cases/<int:pk>/restored/", staff_case_restored, name="staff_case_restored"),
    path("staff/cases/<int:pk>/presence/", staff_case_presence, name="staff_case_presence"),
    path(
        "staff/cases/<int:pk>/macros/<int:macro_pk>/",
        staff_case_macro,
        name="staff_case_macro",
    ),
]
