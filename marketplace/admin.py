"""Moderators edit the calendar and the policies here; every save and delete goes through
marketplace.services (validation, history with who and why, calendar revision, deadline
recompute). History is visible; simple-history's "revert" is not offered, since it would save
an old version behind the services' back."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .actors import Actor
from .calendar import public_holidays
from .errors import RuleViolation
from .models import (
    NonWorkingPeriod,
    PerformanceThreshold,
    PlatformPolicy,
    ProcessingPolicy,
    UserSettings,
    WorkingDayOverride,
)


class ServiceAdmin(SimpleHistoryAdmin):
    """save_model/delete_model call the model's service instead of writing the row."""

    save_service = None  # (actor=, <instance>=) -> instance
    delete_service = None
    instance_kwarg = ""

    def _call(self, service, request, obj):
        try:
            service(actor=Actor.moderator(request.user), **{self.instance_kwarg: obj})
        except RuleViolation as error:
            # The form ran the same validation; this is a change made meanwhile by somebody else.
            self.message_user(request, error.message, messages.ERROR)

    def save_model(self, request, obj, form, change):
        self._call(type(self).save_service, request, obj)

    def delete_model(self, request, obj):
        if type(self).delete_service is None:
            raise PermissionDenied
        self._call(type(self).delete_service, request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(NonWorkingPeriod)
class NonWorkingPeriodAdmin(ServiceAdmin):
    list_display = ["title", "starts_at", "ends_at", "announce_from"]
    search_fields = ["title"]
    save_service = services.non_working_period_save
    delete_service = services.non_working_period_delete
    instance_kwarg = "period"


class WorkingDayOverrideForm(forms.ModelForm):
    class Meta:
        model = WorkingDayOverride
        fields = ["date", "note"]
        labels = {"date": _("Date that becomes a working day")}
        help_texts = {
            "date": _(
                "The platform works on this day (09:00–20:00) although it is a weekend day or a public holiday. "
                "To close the platform instead, add a non-working period."
            )
        }


def day_without_override(day) -> str:
    """What the day would be without an override."""
    if day in public_holidays([day.year]):
        return str(_("a public holiday"))
    if day.weekday() >= 5:
        return str(_("a weekend day"))
    return str(_("a working day anyway: the override changes nothing"))


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(ServiceAdmin):
    form = WorkingDayOverrideForm
    list_display = ["date", "weekday", "becomes", "otherwise", "note"]
    save_service = services.working_day_override_save
    delete_service = services.working_day_override_delete
    instance_kwarg = "override"

    @admin.display(description=_("weekday"))
    def weekday(self, override):
        return date_format(override.date, "l")

    @admin.display(description=_("the day becomes"))
    def becomes(self, override):
        return _("a working day")

    @admin.display(description=_("without the override"))
    def otherwise(self, override):
        return day_without_override(override.date)


@admin.register(ProcessingPolicy)
class ProcessingPolicyAdmin(ServiceAdmin):
    list_display = [
        "status_label",
        "excellent_minutes",
        "deadline",
        "acceptable_minutes",
        "warn_before_minutes",
        "on_expiry",
    ]
    fields = ["status_label", "excellent_minutes", "deadline", "acceptable_minutes", "warn_before_minutes", "on_expiry"]
    readonly_fields = ["status_label"]
    save_service = services.processing_policy_update
    instance_kwarg = "policy"

    @admin.display(description=_("status"), ordering="id")
    def status_label(self, policy):
        return str(policy)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlatformPolicy)
class PlatformPolicyAdmin(ServiceAdmin):
    list_display = ["__str__", "fee_percent", "expiry_restrict_count", "expiry_restrict_days", "ship_by_max_days"]
    save_service = services.platform_policy_update
    instance_kwarg = "policy"

    def has_add_permission(self, request):
        return False  # one row, made by the data migration (PlatformPolicy.get() makes it if missing)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PerformanceThreshold)
class PerformanceThresholdAdmin(SimpleHistoryAdmin):
    """Moderators edit the two levels per metric (docs/rules.md §10); the hourly evaluation reads them."""

    list_display = ["metric", "direction", "warning", "restriction", "window_days", "min_orders", "needs_overdue"]
    fields = ["metric", "direction", "warning", "restriction", "window_days", "min_orders", "needs_overdue"]

    def get_readonly_fields(self, request, obj=None):
        return ["metric", "direction"] if obj else []

    def save_model(self, request, obj, form, change):
        from .history import stamp

        stamp(obj, Actor.moderator(request.user), "edit_threshold", form.changed_data and ", ".join(form.changed_data))
        obj.save()

    def has_add_permission(self, request):
        return False  # one row per metric, made by the data migration

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UserSettings)
class UserSettingsAdmin(admin.ModelAdmin):
    """A moderator sets their own language here (members do it in the cabinet's settings)."""

    list_display = ["user", "language"]
    fields = ["language"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and (
            obj is None or obj.user_id == request.user.pk or request.user.is_superuser
        )

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self.has_module_permission(request)  # adding one's own again changes it (the service)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        user = obj.user if change else request.user
        saved = services.user_language_set(user=user, language=obj.language)
        obj.pk, obj.user = saved.pk, saved.user
