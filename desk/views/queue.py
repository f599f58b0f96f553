"""The agent queue: the cases staff work on, filtered, sorted and paged, with quick views
and bulk actions (assign, change status) on the cases ticked."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import paging
from core.formatting import count_text
from desk.actions.status import tickets_bulk_set_status
from desk.views.staff import STAFF, error_text
from partners.access import role_required
from sla import queue as case_queue
from tickets import filters, services, workflow
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to
from tickets.staff_forms import STATUS_LABELS, BulkForm

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
        messages.error(request, f"Nothing more was changed: {error_text(error)}")
    if missing:
        messages.warning(
            request, f"{count_text(missing, 'case')} could not be found and were left alone."
        )
    return _back_to_queue(return_query)


urlpatterns = [
    path("queue/", queue, name="queue"),
    path("queue/bulk/", queue_bulk, name="queue_bulk"),
    path("queue/organisations/", queue_organisations, name="queue_organisations"),
]
