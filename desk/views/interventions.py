"""Pages for scheduled remote interventions: the partner's request form and cancel button,
and the agent's answer on the staff case page (confirm a slot, book another time,
decline, mark as carried out). Cases come through ``tickets.selectors.ticket_for`` for the
signed-in user, so another organisation's case (or intervention) is a 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from desk.views.staff import STAFF
from desk.views.staff_case import case_page
from entitlements import intervention_checks, rules, selectors, services
from entitlements.forms import InterventionActionForm, InterventionRequestForm
from partners.access import role_required
from partners.roles import Role
from tickets import workflow
from tickets.models import Ticket
from tickets.selectors import ticket_for


def _ticket(request, pk: int) -> Ticket:
    try:
        return ticket_for(user=request.user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404("No such case.") from None


def _intervention(ticket: Ticket, iid: int):
    return selectors.intervention_for(ticket=ticket, pk=iid)


def _to_case(name: str, ticket: Ticket):
    return redirect(reverse(name, args=[ticket.pk]) + "#interventions")


@role_required(Role.PARTNER)
def intervention_new(request, pk: int):
    ticket = _ticket(request, pk)
    if ticket.status not in workflow.ACTIVE:
        messages.error(
            request,
            f"{ticket.number} is {ticket.get_status_display().lower()}: interventions are "
            "planned on open cases only.",
        )
        return _to_case("tickets:case_detail", ticket)
    now, tz = timezone.now(), request.user.effective_time_zone
    cover = intervention_checks.cover_for(ticket, at=now)
    form = InterventionRequestForm(request.POST or None, now=now, tz=tz, cover=cover)
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_request(
                ticket=ticket, actor=request.user, now=now, **form.request_fields()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, "Your request is with our team: they will confirm a slot on the case."
            )
            return _to_case("tickets:case_detail", ticket)
    return render(
        request,
        "entitlements/intervention_form.html",
        {
            "ticket": ticket,
            "form": form,
            "cover": cover,
            "earliest_free": rules.earliest_slot(requested_at=now, free=True),
            "earliest_paid": rules.earliest_slot(requested_at=now, free=False),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@role_required(Role.PARTNER)
def intervention_cancel(request, pk: int, iid: int):
    ticket = _ticket(request, pk)
    intervention = _intervention(ticket, iid)
    try:
        services.intervention_cancel(intervention=intervention, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, "The remote intervention is cancelled.")
    return _to_case("tickets:case_detail", ticket)


@role_required(*STAFF)
@require_POST
def staff_intervention(request, pk: int, iid: int):
    ticket = _ticket(request, pk)
    intervention = _intervention(ticket, iid)
    form = InterventionActionForm(request.POST, intervention=intervention)
    if form.is_valid():
        action = form.cleaned_data["action"]
        try:
            if action in (form.CONFIRM, form.PROPOSE):
                services.intervention_confirm(
                    intervention=intervention,
                    actor=request.user,
                    start=form.start_time(),
                    duration_minutes=form.cleaned_data["duration_minutes"],
                )
                done = "Intervention booked: the partner sees the time on the case."
            elif action == form.DECLINE:
                services.intervention_decline(
                    intervention=intervention,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
                done = "Intervention declined: the partner sees your reason."
            else:
                services.intervention_done(intervention=intervention, actor=request.user)
                done = "Intervention marked as carried out."
        except ValidationError as error:
            form.add_service_errors(error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or "You are not allowed to do that.")
        else:
            messages.success(request, done)
            return _to_case("tickets:staff_case", ticket)
    return case_page(request, ticket, bound=form, status=400)
