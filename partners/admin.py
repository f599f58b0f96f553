from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils import timezone
from knox.settings import knox_settings

from partners import services
from partners.models import (
    ApiToken,
    CaseCategory,
    CaseReason,
    CaseType,
    CreditBand,
    Device,
    EligibilityRule,
    Organisation,
    PolicyVersion,
    ResponseTarget,
    User,
)


class DeviceInline(admin.TabularInline):
    model = Device
    fk_name = "organisation"
    extra = 0
    fields = ["serial_number", "name", "model", "kind", "pbx", "wms_version", "firmware_version"]
    show_change_link = True


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "tier", "region", "country", "upstream_partner", "installer"]
    list_filter = ["kind", "tier", "region"]
    search_fields = ["name", "tax_id", "contact_email"]
    list_select_related = ["upstream_partner", "installer"]
    autocomplete_fields = ["upstream_partner", "installer"]
    inlines = [DeviceInline]
    fieldsets = [
        (None, {"fields": ["name", "kind", "tier", "region", "country", "tax_id"]}),
        ("Contact", {"fields": ["contact_email", "contact_phone"]}),
        ("Who supports them", {"fields": ["upstream_partner", "installer"]}),
    ]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["serial_number", "name", "model", "kind", "organisation", "wms_version"]
    list_filter = ["kind"]
    search_fields = ["serial_number", "name", "model", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation", "pbx"]


class StaffUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "organisation"]


class StaffUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class ApiTokenInline(admin.TabularInline):
    """A user's API tokens on their page: tick "Delete" to revoke one."""

    model = ApiToken
    extra = 0
    fields = readonly_fields = ["name", "starts_with", "created", "expiry"]
    verbose_name_plural = "API tokens"

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # issued from the API tokens list, where the token is shown once

    @admin.display(description="Starts with")
    def starts_with(self, token: ApiToken) -> str:
        return f"{token.token_key[:8]}…"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Everyone's API tokens: revoke by deleting; adding one issues a token for a user (a
    monitoring integration, say) and shows it once. Only a hash of it is kept."""

    list_display = ["__str__", "user", "starts_with", "created", "expiry"]
    list_select_related = ["user"]
    search_fields = ["name", "user__email", "user__full_name"]
    autocomplete_fields = ["user"]
    fields = ["user", "name", "expiry"]

    @admin.display(description="Starts with")
    def starts_with(self, token: ApiToken) -> str:
        return f"{token.token_key[:8]}…"

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a token is issued or revoked, never edited

    def get_changeform_initial_data(self, request) -> dict:
        return {"expiry": timezone.now() + knox_settings.TOKEN_TTL}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "expiry" in form.base_fields:
            form.base_fields["expiry"].required = True
        return form

    def save_model(self, request, obj, form, change) -> None:
        token, key = services.api_token_issue(user=obj.user, name=obj.name, expires_at=obj.expiry)
        # The admin's own records of the addition (history, links) name the issued row.
        obj.pk, obj.token_key, obj.created = token.pk, token.token_key, token.created
        obj._state.adding = False
        self.message_user(
            request,
            f"The new token for {token.user.email} is {key} — copy it now: it is not shown again.",
            messages.WARNING,
        )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    inlines = [ApiTokenInline]
    ordering = ["email"]
    list_display = ["email", "full_name", "organisation", "roles", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff", "groups", "organisation__kind"]
    search_fields = ["email", "full_name", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name", "organisation", "time_zone"]}),
        (
            "Staff roles and access",
            {
                "fields": ["is_active", "groups", "is_staff", "is_superuser", "user_permissions"],
                "description": "Staff roles are the groups Support agents, NOC engineers, "
                "Billing and Administrators. Organisation members hold no staff role.",
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "organisation", "password1", "password2"],
            },
        )
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Staff roles")
    def roles(self, user: User) -> str:
        return ", ".join(group.name for group in user.groups.all()) or "—"


class TaxonomyChoicesMixin:
    """Reasons and sub-categories are labelled with their parent's name ("Tech Support:
    Password reset"): fetch the parent in the same query, not once per choice and row."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is CaseReason:
            kwargs.setdefault("queryset", CaseReason.objects.select_related("case_type"))
        elif db_field.related_model is CaseCategory:
            kwargs.setdefault("queryset", CaseCategory.objects.select_related("parent"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is CaseReason:
            kwargs.setdefault("queryset", CaseReason.objects.select_related("case_type"))
        if db_field.related_model is CaseType:
            kwargs.setdefault("queryset", CaseType.objects.select_related("policy"))
            field = super().formfield_for_manytomany(db_field, request, **kwargs)
            # Every version has a "Customer Care": name the version too.
            field.label_from_instance = lambda case_type: f"{case_type.policy}: {case_type.name}"
            return field
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class CaseTypeInline(admin.TabularInline):
    model = CaseType
    extra = 0
    fields = [
        "code",
        "name",
        "description",
        "is_technical",
        "english_only",
        "tickets_only",
        "position",
    ]
    show_change_link = True


class EligibilityRuleInline(TaxonomyChoicesMixin, admin.TabularInline):
    model = EligibilityRule
    extra = 0
    fields = ["audience", "access", "allowed_reasons", "direct_case_types", "note"]
    filter_horizontal = ["allowed_reasons", "direct_case_types"]

    def get_queryset(self, request):
        # Each row shows what it has chosen: read the choices of all rows at once.
        return (
            super().get_queryset(request).prefetch_related("allowed_reasons", "direct_case_types")
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "allowed_reasons":
            kwargs["queryset"] = CaseReason.objects.select_related("case_type__policy")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ResponseTargetInline(TaxonomyChoicesMixin, admin.TabularInline):
    model = ResponseTarget
    extra = 0
    fields = [
        "metric",
        "case_type",
        "reason",
        "class_of_service",
        "kind",
        "target",
        "calendar",
        "only_outside_support_hours",
        "pauses_while_waiting",
    ]


class CreditBandInline(admin.TabularInline):
    model = CreditBand
    extra = 0
    fields = ["lower_bound", "upper_bound", "payable_percent"]


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "effective_from", "availability_commitment"]
    search_fields = ["code", "title"]
    inlines = [CaseTypeInline, EligibilityRuleInline, ResponseTargetInline, CreditBandInline]


class CaseReasonInline(admin.TabularInline):
    model = CaseReason
    extra = 0
    fields = ["code", "name", "extended_support_exclusion", "position"]
    show_change_link = True


@admin.register(CaseType)
class CaseTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "policy", "is_technical", "position"]
    list_filter = ["policy"]
    search_fields = ["name", "code"]
    inlines = [CaseReasonInline]


class CaseCategoryInline(TaxonomyChoicesMixin, admin.TabularInline):
    model = CaseCategory
    extra = 0
    fields = ["code", "name", "parent", "extended_support_exclusion", "position"]


@admin.register(CaseReason)
class CaseReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "case_type", "policy", "extended_support_exclusion"]
    list_filter = ["case_type__policy", "case_type__name", "extended_support_exclusion"]
    search_fields = ["name", "code"]
    list_select_related = ["case_type__policy"]
    inlines = [CaseCategoryInline]

    @admin.display(ordering="case_type__policy__code")
    def policy(self, reason: CaseReason):
        return reason.case_type.policy


@admin.register(CaseCategory)
class CaseCategoryAdmin(TaxonomyChoicesMixin, admin.ModelAdmin):
    list_display = ["__str__", "reason", "code", "extended_support_exclusion"]
    list_filter = ["reason__case_type__policy", "extended_support_exclusion"]
    search_fields = ["name", "code", "reason__name"]
    list_select_related = ["reason__case_type", "parent"]


@admin.register(EligibilityRule)
class EligibilityRuleAdmin(TaxonomyChoicesMixin, admin.ModelAdmin):
    list_display = ["policy", "audience", "access", "note"]
    list_filter = ["policy", "access"]
    filter_horizontal = ["allowed_reasons", "direct_case_types"]


@admin.register(ResponseTarget)
class ResponseTargetAdmin(TaxonomyChoicesMixin, admin.ModelAdmin):
    list_display = ["__str__", "metric", "class_of_service", "kind", "target", "calendar"]
    list_filter = ["policy", "metric"]
    list_select_related = ["policy", "case_type", "reason"]


@admin.register(CreditBand)
class CreditBandAdmin(admin.ModelAdmin):
    list_display = ["policy", "lower_bound", "upper_bound", "payable_percent"]
    list_filter = ["policy"]
