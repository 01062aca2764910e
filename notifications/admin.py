"""The outbox in admin, for moderators: filters for what failed, and "retry now"."""

import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.actors import is_moderator

from .events import EVENT_LABELS, event_label
from .models import OutboxMessage
from .rendering import redacted, render_message
from .services import outbox_retry


class ModeratorsOnly:
    def has_module_permission(self, request):
        return is_moderator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_moderator(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventFilter(admin.SimpleListFilter):
    """The events by their names for people (notifications.events.EVENT_LABELS), not their codes."""

    title = _("event")
    parameter_name = "event"

    def lookups(self, request, model_admin):
        return sorted(((code, event_label(code)) for code in EVENT_LABELS), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(event=self.value()) if self.value() else queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ModeratorsOnly, admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "event_name",
        "audience",
        "channel",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "short_error",
    ]
    list_filter = ["status", "channel", EventFilter, "audience"]
    search_fields = ["recipient", "provider_message_id", "=order__id", "store__name"]
    date_hierarchy = "created_at"
    list_select_related = ["store"]
    raw_id_fields = ["order", "store"]
    actions = ["retry_now"]
    # The stored context is shown masked: an invitation or reset link is the recipient's alone.
    # The event by its name for people (event_name) in place of its code.
    exclude = ["context", "event"]
    readonly_fields = [
        "preview",
        "stored_context",
        *("event_name" if f.name == "event" else f.name for f in OutboxMessage._meta.fields if f.name != "context"),
    ]

    @admin.display(description=_("event"), ordering="event")
    def event_name(self, obj):
        return event_label(obj.event)

    @admin.display(description=_("message as it goes out"))
    def preview(self, obj):
        """Rendered now from the stored context, as the next attempt would send it."""
        try:
            content = render_message(obj, redact=True)
        except Exception as exc:  # a broken template is exactly what a moderator looks here for
            return format_html("<strong>{}</strong> {}", _("Cannot be rendered:"), f"{type(exc).__name__}: {exc}")
        head = content.get("subject", "")
        return format_html(
            '<pre style="white-space: pre-wrap; margin: 0;">{}{}</pre>', f"{head}\n\n" if head else "", content["text"]
        )

    @admin.display(description=_("context"))
    def stored_context(self, obj):
        return format_html(
            '<pre style="white-space: pre-wrap; margin: 0;">{}</pre>',
            json.dumps(redacted(obj.context), ensure_ascii=False, indent=2, default=str),
        )

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.last_error[:120]

    def has_retry_permission(self, request):
        return is_moderator(request.user)

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = outbox_retry(message_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d message will be sent again.", "%(count)d messages will be sent again.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
