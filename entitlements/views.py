"""Pages: the organisation's support plan (what it bought, what is left, the time spent),
and the staff time report with its CSV export."""

from datetime import date, timedelta

from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.converters import as_id
from core.csv import csv_lines
from core.formatting import duration_text
from entitlements import rules, selectors
from partners.access import role_required
from partners.models import Organisation
from partners.roles import Role

STAFF = (Role.AGENT, Role.NOC, Role.BILLING, Role.ADMIN)
PAGE_SIZE = 100


def plan_rows(entitlements, *, now) -> list[dict]:
    rows = []
    for entitlement in entitlements:
        left = selectors.remaining_minutes(entitlement)
        grant = selectors.as_grant(entitlement)
        if entitlement.ends_at <= now:
            state = "ended"
        elif entitlement.starts_at > now:
            state = "not started"
        elif left is not None and left <= 0:
            state = "used up"
        elif not grant.qualifies:
            state = "conditions not met"
        else:
            state = "active"
        rows.append(
            {
                "entitlement": entitlement,
                "state": state,
                "left": left,
                "left_text": (
                    duration_text(timedelta(minutes=max(left, 0)), "compact")
                    if left is not None
                    else ""
                ),
                "channels": sorted(str(c) for c in rules.CHANNELS[rules.Kind(entitlement.kind)]),
            }
        )
    return rows


@role_required(Role.PARTNER)
def support_plan(request):
    now = timezone.now()
    entitlements = selectors.entitlements_visible_to(request.user).order_by("-ends_at", "pk")
    entries = selectors.time_entries_visible_to(request.user).filter(billable=True)[:50]
    return render(
        request,
        "entitlements/plan.html",
        {"rows": plan_rows(entitlements, now=now), "entries": entries, "now": now},
    )


def _time_query(request) -> tuple[selectors.TimeQuery, dict]:
    def day(name):
        try:
            return date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    organisation = request.GET.get("organisation", "")
    query = selectors.TimeQuery(
        organisation_id=as_id(organisation),
        first=day("from"),
        last=day("to"),
    )
    return query, {"organisation": organisation, "from": query.first, "to": query.last}


@role_required(*STAFF)
def time_report(request):
    query, typed = _time_query(request)
    entries = selectors.time_entries_visible_to(request.user, query=query)
    totals = entries.values("organisation__name", "billable").annotate(minutes=Sum("minutes"))
    page = Paginator(entries.order_by("-worked_on", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "entitlements/time_report.html",
        {
            "page": page,
            "totals": totals.order_by("organisation__name", "-billable"),
            "typed": typed,
            "organisations": Organisation.objects.order_by("name").only("pk", "name"),
            "query_string": params.urlencode(),
        },
    )


CSV_COLUMNS = ("worked_on", "organisation", "case", "agent", "minutes", "billable", "bundle")
CSV_COLUMNS += ("override_reason", "note")


@role_required(*STAFF)
def time_report_csv(request):
    query, _ = _time_query(request)
    entries = selectors.time_entries_visible_to(request.user, query=query).order_by(
        "worked_on", "pk"
    )

    rows = (
        [
            entry.worked_on.isoformat(),
            entry.organisation.name,
            entry.ticket.number,
            entry.agent.get_full_name(),
            entry.minutes,
            "yes" if entry.billable else "no",
            entry.entitlement.reference if entry.entitlement else "",
            entry.override_reason,
            entry.note,
        ]
        for entry in entries.iterator(chunk_size=500)
    )
    response = StreamingHttpResponse(
        csv_lines(CSV_COLUMNS, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="time-entries.csv"'
    return response
