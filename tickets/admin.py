from django.contrib import admin
from django.db.models import Count

from tickets.models import Article, Attachment, Deflection, Event, Feedback, Message, Ticket


class MessageInline(admin.StackedInline):
    model = Message
    extra = 0
    fields = ["author", "visibility", "channel", "body", "created_at"]
    readonly_fields = ["author", "channel", "created_at"]
    show_change_link = True


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    fields = ["at", "kind", "actor", "public", "data"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "subject", "organisation", "case_type", "cos", "status", "created_at"]
    list_filter = ["status", "cos", "channel", "policy"]
    search_fields = ["subject", "organisation__name"]
    list_select_related = ["organisation", "case_type"]
    raw_id_fields = [
        "organisation",
        "requester",
        "created_by",
        "assignee",
        "device",
        "follow_up_of",
        "reason",
        "category",
        "subcategory",
        "case_type",
        "policy",
    ]
    readonly_fields = ["submission_key", "created_at", "updated_at"]
    inlines = [MessageInline, EventInline]
    show_full_result_count = False

    @admin.display(ordering="pk")
    def number(self, ticket: Ticket) -> str:
        return ticket.number


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["ticket", "author", "visibility", "channel", "created_at"]
    list_filter = ["visibility", "channel"]
    raw_id_fields = ["ticket", "author"]
    list_select_related = ["ticket", "author"]
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "ticket", "content_type", "size", "created_at"]
    raw_id_fields = ["ticket", "message", "uploaded_by"]
    list_select_related = ["ticket"]
    show_full_result_count = False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["ticket", "rating", "author", "created_at"]
    list_filter = ["rating"]
    raw_id_fields = ["ticket", "author"]
    list_select_related = ["ticket", "author"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "product", "case_type_code", "reason_code", "is_published", "solved"]
    list_filter = ["is_published", "product", "case_type_code"]
    search_fields = ["title", "body", "tags"]
    prepopulated_fields = {"slug": ["title"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(solved_count=Count("deflections"))

    @admin.display(description="Solved it", ordering="solved_count")
    def solved(self, article) -> int:
        return article.solved_count


@admin.register(Deflection)
class DeflectionAdmin(admin.ModelAdmin):
    list_display = ["article", "organisation", "query", "at"]
    raw_id_fields = ["article", "user", "organisation"]
    list_select_related = ["article", "organisation"]
