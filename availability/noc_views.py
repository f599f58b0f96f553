"""The NOC's pages for incidents and scheduled maintenance: lists, record, edit, end an
ongoing incident, and each record's timeline. Every write goes through
``availability.services.records``; a refusal comes back on the same form with what was typed."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from availability.models import Event, Incident, IncidentUpdate, Maintenance, StatusNotice
from availability.noc_forms import IncidentForm, IncidentUpdateForm, MaintenanceForm
from availability.services import records
from core.formatting import duration_text
from core.forms import apply_errors
from core.templatetags.desk import when
from partners.access import role_required
from partners.roles import Role
from tickets.models import Ticket
from tickets.selectors import tickets_visible_to

PER_PAGE = 50


def _incidents():
    return Incident.objects.prefetch_related("services")


def _maintenance():
    return Maintenance.objects.prefetch_related("services")


# --- Incidents -----------------------------------------------------------------------------


@role_required(Role.NOC)
def incident_list(request):
    ongoing = _incidents().filter(ended_at__isnull=True).order_by("-started_at", "-pk")
    ended = Paginator(
        _incidents().filter(ended_at__isnull=False).order_by("-started_at", "-pk"), PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request, "availability/noc_incidents.html", {"ongoing": list(ongoing), "ended": ended}
    )


@role_required(Role.NOC)
def incident_new(request):
    if request.method == "POST":
        form = IncidentForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                incident = records.incident_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Incident “{incident.title}” recorded.")
                return redirect("availability:noc_incident", pk=incident.pk)
    else:
        form = IncidentForm(initial=_from_ticket(request), user=request.user)
    return render(request, "availability/noc_incident_form.html", {"form": form, "incident": None})


def _from_ticket(request) -> dict:
    """Opened from a case: start from what the case says."""
    try:
        pk = int(request.GET.get("ticket", ""))
    except ValueError:
        return {}
    ticket = tickets_visible_to(request.user).select_related("organisation").filter(pk=pk).first()
    if ticket is None:
        return {}
    initial = {
        "title": ticket.subject,
        "started_at": ticket.created_at,
        "tickets": [ticket],
        "organisations": [ticket.organisation],
    }
    if ticket.cos == Ticket.ClassOfService.CRITICAL:
        initial["impact"] = Incident.Impact.OUTAGE
    return initial


@role_required(Role.NOC)
def incident_edit(request, pk: int):
    incident = get_object_or_404(Incident, pk=pk)
    if request.method == "POST":
        form = IncidentForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                records.incident_update(incident=incident, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Incident updated.")
                return redirect("availability:noc_incident", pk=incident.pk)
    else:
        form = IncidentForm(initial=IncidentForm.initial_for(incident), user=request.user)
    return render(
        request, "availability/noc_incident_form.html", {"form": form, "incident": incident}
    )


@require_POST
@role_required(Role.NOC)
def incident_end(request, pk: int):
    incident = get_object_or_404(Incident, pk=pk)
    try:
        records.incident_end(incident=incident, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Incident “{incident.title}” marked as ended now.")
    return redirect("availability:noc_incident", pk=incident.pk)


@role_required(Role.NOC)
def incident_detail(request, pk: int):
    return _incident_page(request, pk, IncidentUpdateForm())


@require_POST
@role_required(Role.NOC)
def incident_update_post(request, pk: int):
    incident = get_object_or_404(Incident, pk=pk)
    form = IncidentUpdateForm(request.POST)
    if form.is_valid():
        try:
            records.incident_update_post(incident=incident, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Update posted on the status page.")
            return redirect("availability:noc_incident", pk=incident.pk)
    return _incident_page(request, pk, form)


def _incident_page(request, pk: int, update_form: IncidentUpdateForm):
    incident = get_object_or_404(
        Incident.objects.select_related("created_by").prefetch_related(
            "services",
            "organisations",
            "tickets",
            _events(),
            Prefetch("updates", queryset=IncidentUpdate.objects.select_related("posted_by")),
        ),
        pk=pk,
    )
    return render(
        request,
        "availability/noc_incident.html",
        {
            "incident": incident,
            "timeline": _timeline(incident.events.all(), IncidentForm),
            "update_form": update_form,
        },
    )


# --- Maintenance ---------------------------------------------------------------------------


@role_required(Role.NOC)
def maintenance_list(request):
    now = timezone.now()
    upcoming = _maintenance().filter(ends_at__gt=now).order_by("starts_at", "pk")
    past = Paginator(
        _maintenance().filter(ends_at__lte=now).order_by("-starts_at", "-pk"), PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "availability/noc_maintenance_list.html",
        {"upcoming": list(upcoming), "past": past, "now": now},
    )


@role_required(Role.NOC)
def maintenance_new(request):
    return _maintenance_form(request, None)


@role_required(Role.NOC)
def maintenance_edit(request, pk: int):
    return _maintenance_form(request, get_object_or_404(Maintenance, pk=pk))


def _maintenance_form(request, maintenance: Maintenance | None):
    """Record or change a window, and announce it when asked. A window that will count as
    downtime (it cannot be announced in time any more, or a change leaves its notice too
    late) is saved only once the engineer has read the warning and confirmed."""
    if request.method != "POST":
        initial = MaintenanceForm.initial_for(maintenance) if maintenance else None
        form = MaintenanceForm(initial=initial)
        return _maintenance_form_page(request, form, maintenance)
    form = MaintenanceForm(request.POST)
    if not form.is_valid():
        return _maintenance_form_page(request, form, maintenance)
    values = form.record_values()
    try:
        records.maintenance_check(values)
    except ValidationError as error:
        apply_errors(form, error)
        return _maintenance_form_page(request, form, maintenance)
    missed = records.maintenance_missed_notice(
        starts_at=values["starts_at"],
        ends_at=values["ends_at"],
        services=values["services"],
        now=timezone.now(),
        maintenance=maintenance,
    )
    if missed is not None and not form.cleaned_data["short_notice_accepted"]:
        confirm = form.data.copy()
        confirm["short_notice_accepted"] = "on"
        return _maintenance_form_page(
            request, MaintenanceForm(confirm), maintenance, missed_notice=missed
        )
    try:
        with transaction.atomic():
            if maintenance is None:
                saved = records.maintenance_create(actor=request.user, **values)
            else:
                saved = records.maintenance_update(
                    maintenance=maintenance, actor=request.user, **values
                )
            if form.cleaned_data["announce"] and saved.notified_at is None:
                saved = records.maintenance_announce(maintenance=saved, actor=request.user)
                announced = True
            else:
                announced = False
    except ValidationError as error:
        apply_errors(form, error)
        return _maintenance_form_page(request, form, maintenance)
    done = "recorded" if maintenance is None else "updated"
    text = f"Maintenance “{saved.title}” {done}"
    messages.success(request, f"{text} and announced." if announced else f"{text}.")
    return redirect("availability:noc_maintenance", pk=saved.pk)


def _maintenance_form_page(request, form, maintenance, *, missed_notice=None):
    return render(
        request,
        "availability/noc_maintenance_form.html",
        {
            "form": form,
            "maintenance": maintenance,
            "missed_notice": duration_text(missed_notice) if missed_notice else "",
        },
    )


@require_POST
@role_required(Role.NOC)
def maintenance_announce(request, pk: int):
    maintenance = get_object_or_404(Maintenance, pk=pk)
    try:
        records.maintenance_announce(maintenance=maintenance, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{maintenance.title}” announced to the followers.")
    return redirect("availability:noc_maintenance", pk=maintenance.pk)


@role_required(Role.NOC)
def maintenance_detail(request, pk: int):
    maintenance = get_object_or_404(
        Maintenance.objects.select_related("created_by").prefetch_related(
            "services",
            _events(),
            Prefetch("notices", queryset=StatusNotice.objects.select_related("sent_by")),
        ),
        pk=pk,
    )
    now = timezone.now()
    missed = None
    if maintenance.notified_at is None and maintenance.ends_at > now:
        missed = records.maintenance_missed_notice(
            starts_at=maintenance.starts_at,
            ends_at=maintenance.ends_at,
            services=maintenance.services.all(),
            now=now,
        )
    notice = records.maintenance_notice(maintenance.starts_at)
    return render(
        request,
        "availability/noc_maintenance.html",
        {
            "maintenance": maintenance,
            "timeline": _timeline(maintenance.events.all(), MaintenanceForm),
            "can_announce": maintenance.notified_at is None and maintenance.ends_at > now,
            "missed_notice": duration_text(missed) if missed else "",
            "notice_text": duration_text(notice),
            "in_time": maintenance.qualifies(notice),
            "notices": list(maintenance.notices.all()),
        },
    )


# --- Timeline ------------------------------------------------------------------------------

EVENT_TEXT = {
    "incident_opened": "Incident recorded",
    "incident_changed": "Incident changed",
    "incident_ended": "Incident marked as ended",
    "maintenance_scheduled": "Maintenance recorded",
    "maintenance_changed": "Maintenance changed",
    "maintenance_announced": "Maintenance announced to the followers",
    "update_posted": "Public update posted",
}


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    text: str
    actor: str
    changes: list[Change]


def _events() -> Prefetch:
    return Prefetch("events", queryset=Event.objects.select_related("actor"))


def _timeline(events, form_class) -> list[TimelineEntry]:
    fields = form_class.base_fields
    choices = {
        name: dict(field.choices) for name, field in fields.items() if hasattr(field, "choices")
    }
    labels = {name: field.label for name, field in fields.items()} | {
        "tickets": "Linked cases",
        "notified_at": "Partners notified",
    }

    def shown(field: str, value) -> str:
        if value in (None, "", []):
            return "—"
        if isinstance(value, list):
            return ", ".join(value)
        if field.endswith("_at"):
            return when(datetime.fromisoformat(value))
        return str(choices.get(field, {}).get(value, value))

    entries = []
    for event in events:
        opened = event.kind in ("incident_opened", "maintenance_scheduled")
        changes = [
            Change(label=labels.get(field, field), old=shown(field, old), new=shown(field, new))
            for field, (old, new) in event.data.get("changes", {}).items()
            if not (opened and new in (None, "", []))
        ]
        if event.kind == "update_posted":
            status = IncidentUpdate.Status(event.data["status"]).label
            changes = [Change(label=status, old="—", new=event.data["body"])]
        entries.append(
            TimelineEntry(
                at=event.at,
                text=EVENT_TEXT.get(event.kind, event.kind.replace("_", " ")),
                actor=event.actor.get_full_name() if event.actor else "the system",
                changes=changes,
            )
        )
    return entries


urlpatterns = [
    path("noc/incidents/", incident_list, name="noc_incidents"),
    path("noc/incidents/new/", incident_new, name="noc_incident_new"),
    path("noc/incidents/<int:pk>/", incident_detail, name="noc_incident"),
    path("noc/incidents/<int:pk>/edit/", incident_edit, name="noc_incident_edit"),
    path("noc/incidents/<int:pk>/end/", incident_end, name="noc_incident_end"),
    path(
        "noc/incidents/<int:pk>/updates/",
        incident_update_post,
        name="noc_incident_update_post",
    ),
    path("noc/maintenance/", maintenance_list, name="noc_maintenance_list"),
    path("noc/maintenance/new/", maintenance_new, name="noc_maintenance_new"),
    path("noc/maintenance/<int:pk>/", maintenance_detail, name="noc_maintenance"),
    path("noc/maintenance/<int:pk>/edit/", maintenance_edit, name="noc_maintenance_edit"),
    path(
        "noc/maintenance/<int:pk>/announce/",
        maintenance_announce,
        name="noc_maintenance_announce",
    ),
]
