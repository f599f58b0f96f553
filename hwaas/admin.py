from django.contrib import admin

from hwaas import rules
from hwaas.models import (
    CapexPurchase,
    HardwareModel,
    HardwareRequest,
    LeaseAgreement,
    LeaseLine,
    RequestDocument,
)


@admin.register(HardwareModel)
class HardwareModelAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "casualty_value", "default_fee", "currency", "is_active"]
    list_filter = ["is_active", "currency"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class LeaseLineInline(admin.TabularInline):
    model = LeaseLine
    fk_name = "agreement"
    extra = 0
    raw_id_fields = ["device", "replaces"]
    fields = [
        "hardware_model",
        "device",
        "fee",
        "ordered_on",
        "invoicing_starts_on",
        "delivered_on",
        "returned_on",
        "ownership_passed_on",
        "replaces",
    ]


@admin.register(LeaseAgreement)
class LeaseAgreementAdmin(admin.ModelAdmin):
    list_display = ["number", "lessor", "lessee", "term", "starts_on", "ends_on", "owner"]
    list_filter = ["term", "owner"]
    list_select_related = ["lessor", "lessee"]
    search_fields = ["number", "lessor__name", "lessee__name"]
    autocomplete_fields = ["lessor", "lessee"]
    readonly_fields = ["owner"]
    inlines = [LeaseLineInline]

    def save_model(self, request, obj, form, change):
        # The owner follows the lessee's country (art. 21.4); a five-year term ends.
        obj.owner = rules.owner_entity(obj.lessee.country)
        if obj.term == LeaseAgreement.Term.FIVE_YEAR and obj.ends_on is None:
            obj.ends_on = rules.add_years(obj.starts_on, 5)
        super().save_model(request, obj, form, change)


@admin.register(CapexPurchase)
class CapexPurchaseAdmin(admin.ModelAdmin):
    list_display = ["device", "purchased_on", "invoice_number", "extended_warranty", "converted_on"]
    list_filter = ["extended_warranty"]
    list_select_related = ["device"]
    search_fields = ["device__serial_number", "invoice_number", "device__organisation__name"]
    raw_id_fields = ["device"]


class RequestDocumentInline(admin.TabularInline):
    model = RequestDocument
    extra = 0
    raw_id_fields = ["attachment"]


@admin.register(HardwareRequest)
class HardwareRequestAdmin(admin.ModelAdmin):
    """For looking things up; staff take the steps on the request page, which writes the
    case timeline."""

    list_display = ["ticket", "kind", "state", "organisation", "created_at", "ship_by"]
    list_filter = ["kind", "state"]
    list_select_related = ["ticket", "organisation"]
    search_fields = ["ticket__subject", "organisation__name", "tracking_number"]
    raw_id_fields = ["ticket", "organisation", "agreement", "line", "purchase"]
    readonly_fields = ["decision", "decided_by", "decided_at", "shipped_at", "received_at"]
    inlines = [RequestDocumentInline]
