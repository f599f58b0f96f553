"""Staff writing to the end customer of a case about their system (14.5, 2026-03)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from desk.actions.waiting import step_in_summary, vendor_step_in
from desk.step_in import StepInForm, messages_from_support, step_in_panel
from desk.views.staff import STAFF
from desk.views.staff_case import _ticket, _to_case, case_page
from partners.access import role_required
from partners.roles import Role


@role_required(*STAFF)
@require_POST
def staff_case_step_in(request, pk: int):
    """Send the message; refused (403) on a case where stepping in is not open."""
    ticket = _ticket(request, pk)
    panel = step_in_panel(ticket, now=timezone.now())
    if panel is None:
        raise PermissionDenied("Writing to the end customer is not open on this case.")
    form = StepInForm(request.POST, contacts=panel.contacts)
    if form.is_valid():
        try:
            sent = vendor_step_in(
                ticket=ticket,
                actor=request.user,
                recipients=form.cleaned_data["recipients"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, step_in_summary(sent))
            return _to_case(request, ticket, "timeline-heading")
    return case_page(request, ticket, bound=form, status=400)


@role_required(Role.PARTNER)
def support_messages(request):
    """An end customer's page: what support wrote to them about their systems."""
    return render(
        request,
        "tickets/partner/support_messages.html",
        {"entries": messages_from_support(request.user)},
    )


urlpatterns = [
    path("cases/from-support/", support_messages, name="support_messages"),
    path("staff/cases/<int:pk>/step-in/", staff_case_step_in, name="staff_case_step_in"),
]
