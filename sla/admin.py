from django.contrib import admin

from sla.models import Calendar, ClosedDate


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
