"""The NOC's pages for incidents and scheduled maintenance: lists, record, edit, end an
ongoing incident, and each record's timeline. Every write goes through
``availability.services.records``; a refusal comes back on the same form with what was typed."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from availability.models import Event, Incident, IncidentUpdate, Maintenance
from availability.noc_forms import IncidentForm, IncidentUpdateForm, MaintenanceForm
from availability.services import records
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
    form = MaintenanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            maintenance = records.maintenance_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Maintenance “{maintenance.title}” recorded.")
            return redirect("availability:noc_maintenance", pk=maintenance.pk)
    return render(
        request, "availability/noc_maintenance_form.html", {"form": form, "maintenance": None}
    )


@role_required(Role.NOC)
def maintenance_edit(request, pk: int):
    maintenance = get_object_or_404(Maintenance, pk=pk)
    if request.method == "POST":
        form = MaintenanceForm(request.POST)
        if form.is_valid():
            try:
                records.maintenance_update(
                    maintenance=maintenance, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Maintenance updated.")
                return redirect("availability:noc_maintenance", pk=maintenance.pk)
    else:
        form = MaintenanceForm(initial=MaintenanceForm.initial_for(maintenance))
    return render(
        request,
        "availability/noc_maintenance_form.html",
        {"form": form, "maintenance": maintenance},
    )


@role_required(Role.NOC)
def maintenance_detail(request, pk: int):
    maintenance = get_object_or_404(
        Maintenance.objects.select_related("created_by").prefetch_related("services", _events()),
        pk=pk,
    )
    return render(
        request,
        "availability/noc_maintenance.html",
        {
            "maintenance": maintenance,
            "timeline": _timeline(maintenance.events.all(), MaintenanceForm),
        },
    )


# --- Timeline ------------------------------------------------------------------------------

EVENT_TEXT = {
    "incident_opened": "Incident recorded",
    "incident_changed": "Incident changed",
    "incident_ended": "Incident marked as ended",
    "maintenance_scheduled": "Maintenance recorded",
    "maintenance_changed": "Maintenance changed",
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
    labels = {name: field.label for name, field in fields.items()} | {"tickets": "Linked cases"}

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
]
