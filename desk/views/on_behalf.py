"""Opening a case by phone for a partner user who calls: find the caller, then fill in the
case on their behalf. It opens through ``desk.actions.open_case`` like a portal case; a
request the caller is not eligible for shows where to refer them instead."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from core.converters import as_id
from core.forms import apply_errors
from desk.actions.open_case import CaseRequest, case_open
from desk.views.staff import STAFF, error_text
from partners import selectors as partner_selectors
from partners.access import role_required
from partners.eligibility import Decision
from partners.models import User
from sla import selectors as sla_selectors
from tickets.errors import NotEligible
from tickets.models import Ticket
from tickets.staff_forms import CallerSearchForm, OnBehalfForm


def caller_search(request) -> dict:
    """The staff search for a partner user, as page context: the form, who matched, and
    whether a search ran."""
    search = CallerSearchForm(request.GET or None)
    searched = search.is_valid()
    callers = (
        partner_selectors.partner_users_matching(request.user, search.cleaned_data["who"])
        if searched
        else []
    )
    return {"search_form": search, "callers": callers, "searched": searched}


def open_for(
    form: OnBehalfForm, opening: Callable[[], tuple[Ticket, bool]]
) -> tuple[Ticket | None, Decision | None]:
    """Open a case staff filled in with ``form``, by calling ``opening``. Returns the new
    case, or None and the referral to show (a request the partner may not make directly);
    a refusal of the case's fields lands on ``form``."""
    try:
        ticket, _ = opening()
    except NotEligible as refusal:
        return None, refusal.decision
    except ValidationError as error:
        apply_errors(form, error)
    except PermissionDenied as error:
        form.add_error(None, error_text(error))
    else:
        return ticket, None
    return None, None


def _caller(request) -> User | None:
    pk = as_id(request.POST.get("requester") or request.GET.get("requester"))
    if pk is None:
        return None
    return (
        User.objects.filter(pk=pk, organisation__isnull=False, is_active=True)
        .select_related("organisation", "organisation__upstream_partner")
        .first()
    )


@role_required(*STAFF)
def staff_case_new(request):
    requester = _caller(request)
    if requester is None:
        if request.GET.get("requester") or request.POST.get("requester"):
            messages.error(request, "That partner user could not be found. Search again.")
        return render(request, "tickets/staff/new_case_caller.html", caller_search(request))

    try:
        policy = sla_selectors.policy_in_force_for(
            region=requester.organisation.region, at=timezone.now()
        )
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
        ticket, referral = open_for(
            form,
            lambda: case_open(
                CaseRequest(
                    requester=requester,
                    created_by=request.user,
                    channel=Ticket.Channel.PHONE,
                    **form.case_fields(),
                )
            ),
        )
        if ticket is not None:
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
    path("staff/cases/new/", staff_case_new, name="staff_case_new"),
]
