from django.contrib import admin, messages

from availability.models import (
    Credit,
    Event,
    Incident,
    IncidentUpdate,
    Maintenance,
    Service,
    ServiceDay,
    Subscription,
)
from availability.services import records


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active", "launched_on"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["organisation", "reference", "monthly_fee", "currency", "starts_on", "ends_on"]
    list_filter = ["currency", "services"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "reference"]
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["services"]


class RecordAdmin(admin.ModelAdmin):
    """Recorded and changed on the NOC pages or through the API, where each change is on the
    timeline and the credits and daily figures follow it. Here records are looked up, and
    removed through that same path."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_record(self, record, *, actor) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.delete_record(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for record in queryset:
            if self.has_delete_permission(request, record):
                self.delete_record(record, actor=request.user)
            else:
                self.message_user(
                    request, f"{record} was kept: an invoice counts it.", messages.WARNING
                )


@admin.register(Incident)
class IncidentAdmin(RecordAdmin):
    list_display = ["title", "started_at", "ended_at", "impact", "cause", "scope"]
    list_filter = ["impact", "cause", "scope", "services"]
    search_fields = ["title"]
    date_hierarchy = "started_at"
    filter_horizontal = ["services", "organisations"]
    raw_id_fields = ["tickets"]

    def has_delete_permission(self, request, obj=None):
        """An incident an invoice counted stays (``records.incident_is_invoiced``)."""
        if obj is not None and records.incident_is_invoiced(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_record(self, record, *, actor) -> None:
        records.incident_delete(incident=record, actor=actor)


@admin.register(Maintenance)
class MaintenanceAdmin(RecordAdmin):
    list_display = ["title", "starts_at", "ends_at", "notified_at"]
    list_filter = ["services"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["services"]

    def delete_record(self, record, *, actor) -> None:
        records.maintenance_delete(maintenance=record, actor=actor)


@admin.register(Credit)
class CreditAdmin(admin.ModelAdmin):
    """Read-only: credits are computed, approved and applied on the billing page."""

    list_display = ["subscription", "month", "availability", "payable_percent", "amount", "state"]
    list_filter = ["state", "month", "currency"]
    list_select_related = ["subscription__organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "incident", "maintenance", "credit", "actor"]
    list_filter = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IncidentUpdate)
class IncidentUpdateAdmin(admin.ModelAdmin):
    """Posted from the NOC incident page, where the timeline records them."""

    list_display = ["incident", "status", "posted_at", "posted_by"]
    list_filter = ["status"]
    list_select_related = ["incident", "posted_by"]
    raw_id_fields = ["incident", "posted_by"]


@admin.register(ServiceDay)
class ServiceDayAdmin(admin.ModelAdmin):
    """Read-only: worked out from the records after each day and whenever they change."""

    list_display = ["service", "day", "availability", "outage_seconds", "incident_count"]
    list_filter = ["service"]
    date_hierarchy = "day"
    list_select_related = ["service"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
