from django.contrib import admin

from .calendar import calendar_changed
from .models import NonWorkingPeriod, PlatformPolicy, ProcessingPolicy, WorkingDayOverride


class CalendarEditAdmin(admin.ModelAdmin):
    """Every edit bumps the calendar revision and recomputes open orders' deadlines after commit
    (the admin's change view already runs inside a transaction)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        calendar_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        calendar_changed()


@admin.register(NonWorkingPeriod)
class NonWorkingPeriodAdmin(CalendarEditAdmin):
    list_display = ["title", "starts_at", "ends_at", "announce_from"]
    search_fields = ["title"]


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(CalendarEditAdmin):
    list_display = ["date", "note"]


@admin.register(ProcessingPolicy)
class ProcessingPolicyAdmin(CalendarEditAdmin):
    list_display = ["status", "excellent_minutes", "deadline", "acceptable_minutes", "warn_before_minutes", "on_expiry"]
    readonly_fields = ["status"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlatformPolicy)
class PlatformPolicyAdmin(CalendarEditAdmin):
    list_display = ["__str__", "fee_percent", "expiry_restrict_count", "expiry_restrict_days"]

    def has_add_permission(self, request):
        return not PlatformPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
