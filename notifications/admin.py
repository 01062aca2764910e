"""The outbox in admin, for moderators: filters for what failed, and "retry now"."""

import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.actors import is_moderator

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


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ModeratorsOnly, admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "event",
        "audience",
        "channel",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "short_error",
    ]
    list_filter = ["status", "channel", "event", "audience"]
    search_fields = ["recipient", "provider_message_id", "=order__id", "store__name"]
    date_hierarchy = "created_at"
    list_select_related = ["store"]
    raw_id_fields = ["order", "store"]
    actions = ["retry_now"]
    # The stored context is shown masked: an invitation or reset link is the recipient's alone.
    exclude = ["context"]
    readonly_fields = [
        "preview",
        "stored_context",
        *(f.name for f in OutboxMessage._meta.fields if f.name != "context"),
    ]

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
