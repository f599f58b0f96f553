from django.contrib import admin

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


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["organisation", "reference", "monthly_fee", "currency", "starts_on", "ends_on"]
    list_filter = ["currency", "services"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "reference"]
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["services"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["title", "started_at", "ended_at", "impact", "cause", "scope"]
    list_filter = ["impact", "cause", "scope", "services"]
    search_fields = ["title"]
    date_hierarchy = "started_at"
    filter_horizontal = ["services", "organisations"]
    raw_id_fields = ["tickets"]


@admin.register(Maintenance)
class MaintenanceAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "ends_at", "notified_at"]
    list_filter = ["services"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["services"]


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
