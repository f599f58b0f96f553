from django.contrib import admin

from entitlements import selectors, services
from entitlements.models import Entitlement, EntitlementEvent, Intervention, TimeEntry


class EventInline(admin.TabularInline):
    model = EntitlementEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "data", "actor", "at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Entitlement)
class EntitlementAdmin(admin.ModelAdmin):
    list_display = ["organisation", "kind", "reference", "starts_at", "ends_at", "balance"]
    list_filter = ["kind"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "reference"]
    autocomplete_fields = ["organisation"]
    raw_id_fields = ["devices", "technician", "account_manager"]
    inlines = [EventInline]
    fieldsets = [
        (None, {"fields": ["organisation", "kind", "reference", "starts_at", "ends_at", "note"]}),
        ("Purchase", {"fields": ["purchased_on", "devices"]}),
        ("Support hours", {"fields": ["minutes_bought", "low_balance_minutes", "account_manager"]}),
        ("Maintenance contract", {"fields": ["technician"]}),
        ("Reseller status", {"fields": ["purchase_volume_eur", "contract_signed_on"]}),
    ]

    def get_queryset(self, request):
        return selectors.with_balance(super().get_queryset(request))

    @admin.display(description="Minutes left")
    def balance(self, entitlement) -> str:
        left = selectors.remaining_minutes(entitlement)
        return "—" if left is None else str(left)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the devices are saved, so the timeline sees the grant as it stands.
        services.entitlement_recorded(
            entitlement=form.instance, actor=request.user, created=not change
        )


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = [
        "ticket",
        "organisation",
        "agent",
        "minutes",
        "billable",
        "entitlement",
        "worked_on",
    ]
    list_filter = ["billable", "worked_on"]
    list_select_related = ["ticket", "organisation", "agent", "entitlement"]
    search_fields = ["organisation__name", "note"]
    raw_id_fields = ["ticket", "organisation", "agent", "entitlement"]
    date_hierarchy = "worked_on"


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    """For looking things up; the steps themselves are taken on the case pages, which keep
    the timeline and the reminders right."""

    list_display = [
        "ticket",
        "organisation",
        "platform",
        "free",
        "state",
        "confirmed_start",
        "reminded_24h_at",
        "reminded_1h_at",
    ]
    list_filter = ["state", "platform", "free"]
    list_select_related = ["ticket", "organisation"]
    search_fields = ["organisation__name", "access_description"]
    raw_id_fields = ["ticket", "organisation", "requested_by", "confirmed_by"]
    date_hierarchy = "created_at"
    readonly_fields = ["confirmed_at", "reminded_24h_at", "reminded_1h_at", "created_at"]
