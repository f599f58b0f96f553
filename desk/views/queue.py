"""The agent queue: a workspace of the cases staff work on. One dense line per case, filters
in a bar, columns that sort, views (built-in and saved) as tabs, a count of the matching
cases, rows that refresh themselves (a polled fragment) and bulk actions (assign, change
status) on the cases ticked."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
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
from tickets import filters, saved_views, services
from tickets.models import SavedView
from tickets.selectors import tickets_visible_to
from tickets.staff_forms import STATUS_LABELS, BulkForm, SavedViewForm

# The columns whose header sorts the queue: (label, first key, key when clicked again).
SORTABLE = {
    "organisation": ("organisation", "-organisation"),
    "cos": ("cos", "-cos"),
    "status": ("status", "-status"),
    "assignee": ("assignee", "-assignee"),
    "due": (filters.DUE_FIRST, filters.DUE_FIRST),
    # The youngest case has the smallest age.
    "age": ("-created_at", "created_at"),
}
COLUMNS = [
    ("case", "Case"),
    ("subject", "Subject"),
    ("organisation", "Organisation"),
    ("cos", "Class"),
    ("status", "Status"),
    ("assignee", "Assigned to"),
    ("due", "Due"),
    ("age", "Age"),
]
# Filters that sit in the bar itself; the others fold under "More filters".
BAR_FILTERS = ("q", "status")


def _columns(params: QueryDict, ordering: str) -> list[dict]:
    found = []
    for name, label in COLUMNS:
        column = {"name": name, "label": label, "href": "", "sort": ""}
        if name in SORTABLE:
            first, again = SORTABLE[name]
            if ordering == first:
                column["sort"] = "descending" if first.startswith("-") else "ascending"
                target = again
            elif ordering == again:
                column["sort"] = "descending" if again.startswith("-") else "ascending"
                target = first
            else:
                target = first
            column["href"] = "?" + paging.query_with(params, ordering=target, page=None)
        found.append(column)
    return found


def _tabs(user, params: QueryDict, saved: list[SavedView]) -> list[dict]:
    """The built-in views, then the saved ones; the first showing what the queue shows now
    is marked current."""
    wanted = saved_views.view_key(params)
    tabs = [
        {"name": view.name, "query": view.query, "built_in": True}
        for view in saved_views.built_in_views()
    ]
    tabs += [
        {"name": view.name, "query": view.query, "shared": view.shared, "id": view.pk}
        for view in saved
    ]
    current = next(
        (tab for tab in tabs if saved_views.view_key(QueryDict(tab["query"])) == wanted), None
    )
    for tab in tabs:
        tab["current"] = tab is current
    return tabs


def _default_view_query() -> str:
    query = QueryDict(mutable=True)
    query.setlist("status", filters.active_statuses())
    return query.urlencode()


def _rows_context(request, params: QueryDict) -> dict:
    """What the list of cases needs: the page of rows, the count, the polling address."""
    now = timezone.now()
    filterset = case_queue.queue_filter(request.user, params, now=now)
    number, size = paging.page_params(params)
    page = case_queue.queue_page(filterset, number=number, size=size, now=now)
    rows_query = params.urlencode()
    return {
        # What a case opened from this list carries back (``?from=``) so that its page can
        # offer the next case of the same view; the default view is the active cases.
        "view_query": rows_query or _default_view_query(),
        "filterset": filterset,
        "filter_form": filterset.form,
        "page": page,
        "now": now,
        "count": case_queue.queue_count(filterset),
        "rows_url": reverse("tickets:queue_rows") + (f"?{rows_query}" if rows_query else ""),
    }


def _queue_context(request, params: QueryDict, *, save_form: SavedViewForm | None = None):
    context = _rows_context(request, params)
    form = context["filter_form"]
    ordering = (form.cleaned_data.get("ordering") if form.is_valid() else "") or filters.DUE_FIRST
    saved = list(saved_views.saved_views_visible_to(request.user))
    tabs = _tabs(request.user, params, saved)
    current = next((tab for tab in tabs if tab["current"]), None)
    more = [
        name
        for name in saved_views.VIEW_KEYS
        if name not in BAR_FILTERS and [v for v in params.getlist(name) if v.strip()]
    ]
    query = params.urlencode()
    save_open = save_form is not None
    save_form = save_form or SavedViewForm(initial={"query": saved_views.view_query(params)})
    for field in save_form.fields.values():
        # The save form's fields sit inside the filter bar's form on the page.
        field.widget.attrs["form"] = "queue-save-form"
    return {
        **context,
        "tabs": tabs,
        "current_view": current,
        "columns": _columns(params, ordering),
        "more_filters_chosen": len([name for name in more if name != "ordering"]),
        # Open only to show what it refused; the badge on it counts what is chosen.
        "more_filters_open": bool(form.errors),
        "save_form": save_form,
        "save_open": save_open,
        "bulk_form": BulkForm(
            user=request.user,
            staff=context["filterset"].staff_choices,
            initial={"return_query": query},
        ),
        "page_sizes": paging.PAGE_SIZES,
        "next_query": paging.query_with(params, page=context["page"].number + 1),
        "previous_query": paging.query_with(params, page=context["page"].number - 1),
    }


@role_required(*STAFF)
def queue(request):
    return render(request, "tickets/staff/queue.html", _queue_context(request, request.GET))


@role_required(*STAFF)
def queue_rows(request):
    """The rows of the queue as its filters show them now: what the page polls so that new
    cases appear without a reload (htmx fragment)."""
    return render(request, "tickets/staff/_queue_rows.html", _rows_context(request, request.GET))


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


# --- Saved views -----------------------------------------------------------------------------


def _form_problems(error: ValidationError, form) -> None:
    """A service's refusal onto the form: on its field when it names one, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@role_required(*STAFF)
def queue_views(request):
    """GET: the views one can open, with rename and delete for those one may change.
    POST: save the filters and sort order of the queue being looked at as a new view."""
    if request.method == "POST":
        form = SavedViewForm(request.POST)
        params = QueryDict(request.POST.get("view-query", "")[:2000])
        if form.is_valid():
            data = form.cleaned_data
            try:
                view = saved_views.saved_view_create(
                    owner=request.user,
                    name=data["name"],
                    visibility=data["visibility"],
                    params=QueryDict(data["query"]),
                )
            except ValidationError as error:
                _form_problems(error, form)
            else:
                who = "the team" if view.shared else "you"
                messages.success(request, f"View “{view.name}” saved for {who}.")
                return redirect(reverse("tickets:queue") + (f"?{view.query}" if view.query else ""))
        messages.error(request, "The view was not saved: see the form below the filters.")
        context = _queue_context(request, params, save_form=form)
        return render(request, "tickets/staff/queue.html", context, status=400)
    return _views_page(request)


def _views_page(request, *, editing: SavedView | None = None, form=None, status: int = 200):
    rows = []
    for view in saved_views.saved_views_visible_to(request.user).select_related("owner"):
        may_change = saved_views.may_change(request.user, view)
        if editing is not None and view.pk == editing.pk:
            view_form = form
        elif may_change:
            view_form = SavedViewForm(
                initial={"name": view.name, "visibility": view.visibility},
                prefix=f"view-{view.pk}",
            )
        else:
            view_form = None
        rows.append({"view": view, "form": view_form, "mine": view.owner_id == request.user.pk})
    return render(
        request,
        "tickets/staff/queue_views.html",
        {"rows": rows, "built_in": saved_views.built_in_views()},
        status=status,
    )


def _visible_view(request, pk: int) -> SavedView:
    try:
        return saved_views.saved_view_for(user=request.user, pk=pk)
    except SavedView.DoesNotExist:
        raise Http404("No such view.") from None


@role_required(*STAFF)
def queue_view(request, pk: int):
    """GET opens the view (the queue with its filters); POST renames or re-shares it."""
    view = _visible_view(request, pk)
    if request.method != "POST":
        return redirect(reverse("tickets:queue") + (f"?{view.query}" if view.query else ""))
    if not saved_views.may_change(request.user, view):
        raise PermissionDenied("Only its owner or a team lead may change this view.")
    form = SavedViewForm(request.POST, prefix=f"view-{view.pk}")
    if form.is_valid():
        try:
            saved_views.saved_view_update(
                actor=request.user,
                view=view,
                name=form.cleaned_data["name"],
                visibility=form.cleaned_data["visibility"],
            )
        except ValidationError as error:
            _form_problems(error, form)
        else:
            messages.success(request, f"View “{view.name}” changed.")
            return redirect("tickets:queue_views")
    view.refresh_from_db()
    messages.error(request, f"View “{view.name}” was not changed: see its form below.")
    return _views_page(request, editing=view, form=form, status=400)


@role_required(*STAFF)
@require_POST
def queue_view_delete(request, pk: int):
    view = _visible_view(request, pk)
    if not saved_views.may_change(request.user, view):
        raise PermissionDenied("Only its owner or a team lead may delete this view.")
    saved_views.saved_view_delete(actor=request.user, view=view)
    messages.success(request, f"View “{view.name}” deleted.")
    return redirect("tickets:queue_views")


urlpatterns = [
    path("queue/", queue, name="queue"),
    path("queue/rows/", queue_rows, name="queue_rows"),
    path("queue/bulk/", queue_bulk, name="queue_bulk"),
    path("queue/organisations/", queue_organisations, name="queue_organisations"),
    path("queue/views/", queue_views, name="queue_views"),
    path("queue/views/<id:pk>/", queue_view, name="queue_view"),
    path("queue/views/<id:pk>/delete/", queue_view_delete, name="queue_view_delete"),
]
