from django.contrib import admin

from sla import services
from sla.models import Calendar, ClosedDate, MonitoringAlert


class ClosedDateInline(admin.TabularInline):
    model = ClosedDate
    extra = 1
    fields = ["date", "name", "source"]


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone", "holiday_country"]
    inlines = [ClosedDateInline]


@admin.register(ClosedDate)
class ClosedDateAdmin(admin.ModelAdmin):
    list_display = ["date", "calendar", "name", "source"]
    list_filter = ["calendar", "source"]
    date_hierarchy = "date"


@admin.register(MonitoringAlert)
class MonitoringAlertAdmin(admin.ModelAdmin):
    """Alerts as received; read-only, except that the NOC marks unmatched ones reviewed."""

    list_display = [
        "received_at",
        "severity",
        "summary",
        "pbx_serial",
        "organisation",
        "ticket",
        "outcome",
        "source",
    ]
    list_filter = ["outcome", "severity", "source"]
    list_select_related = ["organisation", "ticket"]
    search_fields = ["pbx_serial", "fingerprint", "summary"]
    date_hierarchy = "received_at"
    readonly_fields = [
        "source",
        "pbx_serial",
        "severity",
        "summary",
        "details",
        "fingerprint",
        "occurred_at",
        "received_at",
        "received_by",
        "organisation",
        "device",
        "ticket",
        "outcome",
        "reviewed_by",
        "reviewed_at",
    ]
    actions = ["mark_reviewed"]

    def has_add_permission(self, request):
        # Alerts arrive through the API only.
        return False

    @admin.action(description="Mark the selected unmatched alerts reviewed", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        count = services.alerts_mark_reviewed(
            alert_ids=queryset.values_list("pk", flat=True), actor=request.user
        )
        self.message_user(request, f"{count} unmatched alert(s) marked reviewed.")
