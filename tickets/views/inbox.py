"""The notification inbox of a member of staff: SLA warnings and breaches, out-of-hours
Critical cases and monitoring alerts addressed to them, newest first.

The same notices are e-mailed; here they can be read and marked read. Only the signed-in
user's own notices are ever listed or changed.
"""

from django.contrib import messages
from django.db.models import QuerySet
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from core import paging as pages
from core.converters import as_id
from partners.access import role_required
from partners.models import User
from partners.roles import STAFF_ROLES
from tickets import services
from tickets.models import Notification

UNREAD_ONLY = "unread"

# The inbox link in the header counts at most this many; beyond, it shows "99+".
BADGE_LIMIT = 99


def notifications_of(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notices, newest first."""
    found = Notification.objects.filter(recipient=user).only(
        "pk", "ticket_id", "kind", "title", "body", "created_at", "read_at"
    )
    if unread_only:
        found = found.filter(read_at__isnull=True)
    return found.order_by("-created_at", "-id")


def unread_badge(user: User) -> str:
    """The header's unread figure: "" when none, "99+" beyond the limit. Reads at most
    ``BADGE_LIMIT + 1`` ids from the (recipient, read_at) index instead of counting."""
    ids = Notification.objects.filter(recipient=user, read_at__isnull=True).values_list(
        "pk", flat=True
    )[: BADGE_LIMIT + 1]
    unread = len(ids)
    if unread > BADGE_LIMIT:
        return f"{BADGE_LIMIT}+"
    return str(unread) if unread else ""


@role_required(*STAFF_ROLES)
def inbox(request):
    params = request.GET
    unread_only = params.get("show") == UNREAD_ONLY
    number, size = pages.page_params(params)
    page = pages.page_of(
        notifications_of(request.user, unread_only=unread_only), number=number, size=size
    )
    return render(
        request,
        "tickets/inbox.html",
        {
            "page": page,
            "unread_only": unread_only,
            "return_query": params.urlencode(),
            "next_query": pages.query_with(params, page=page.number + 1),
            "previous_query": pages.query_with(params, page=page.number - 1),
        },
    )


@role_required(*STAFF_ROLES)
@require_POST
def inbox_mark_read(request):
    """Mark one notice read (``id``) or all of them (``all``), then back to the same page."""
    if "all" in request.POST:
        marked = services.notifications_mark_read(user=request.user)
        messages.success(
            request,
            f"{marked} notification{'' if marked == 1 else 's'} marked read."
            if marked
            else "Nothing was unread.",
        )
    else:
        pk = as_id(request.POST.get("id"))
        if pk is not None:
            services.notifications_mark_read(user=request.user, ids=[pk])
        else:
            messages.error(request, "Choose a notification to mark read.")
    # Re-encoded from a parsed QueryDict: only a query string can come back, never a URL.
    query = QueryDict(request.POST.get("return_query", "")).urlencode()
    return redirect(reverse("tickets:inbox") + (f"?{query}" if query else ""))


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/read/", inbox_mark_read, name="inbox_mark_read"),
]
