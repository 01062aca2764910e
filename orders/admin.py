"""Orders in Django admin: for moderators to look, never to write.

Every write to an order goes through `orders.services` (status machine, stock, history,
notifications), so the admin grants no add, change or delete on orders, their items,
seller comments or call attempts — not even to superusers — and refuses the history
"revert" form. The order list stays fast on a million rows: ordered by the primary key,
no full COUNT(*) (EstimatedCountPaginator, no full result count, no facets) and a search
that uses the indexes for numbers, phones and tracking numbers. The deadline columns show what
the platform will do next; their filters (overdue, expiring within an hour, expired today) read
the partial indexes over open orders' deadlines and over expiries (orders/migrations).
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from marketplace import clock, phones
from marketplace.formats import money
from marketplace.paginators import EstimatedCountPaginator
from marketplace.templatetags.display import time_left
from marketplace.worktime import KYIV

from .choices import EXPIRY_REASONS, OPEN_STATUSES
from .deadlines import Reminder, deadline_state, working_time_left
from .models import CallAttempt, Dispute, Order, OrderComment, OrderItem, OrderRequest, Parcel
from .selectors import action_label, order_timeline, tracking_label

_SEARCH_SEPARATORS = re.compile(r"[\s()\-#№]")
_MAX_BIGINT = 2**63 - 1


def order_search_q(term: str) -> Q:
    """What a moderator types: an order number, a phone in any usual form, a TTN, an e-mail
    or a part of the buyer's name. Numbers, phones and TTNs are exact (indexed) matches."""
    term = term.strip()
    compact = _SEARCH_SEPARATORS.sub("", term)
    digits = compact.removeprefix("+")
    if digits.isdigit():
        query = Q(ttn=digits)
        if int(digits) <= _MAX_BIGINT:
            query |= Q(pk=int(digits))
        if phones.is_valid(compact):
            query |= Q(buyer_phone=phones.normalize(compact))
        return query
    if "@" in term:
        return Q(buyer_email__iexact=term)
    return Q(buyer_name__icontains=term)


class ReadOnlyAdminMixin:
    """Looking only: no add, change or delete for anybody."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderItem
    fields = ["title", "sku", "offer", "price", "quantity", "line_total"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("offer")

    @admin.display(description=_("sum"))
    def line_total(self, item):
        return item.line_total


class ParcelInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The order's parcels with the carrier's last state and the polling columns (docs/rules.md §8)."""

    model = Parcel
    fields = [
        "carrier",
        "number",
        "active",
        "state",
        "code",
        "text",
        "branch",
        "state_at",
        "scheduled_delivery",
        "storage_free_until",
        "last_checked_at",
        "next_check_at",
        "failures",
    ]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    @admin.display(description=_("state"))
    def state(self, parcel):
        return tracking_label(parcel.group) or "—"


REMINDER_LABELS = {
    Reminder.EXCELLENT_PASSED: _("excellent time passed"),
    Reminder.DEADLINE_NEAR: _("deadline is near"),
    Reminder.PICKUP: _("call the buyer about the pickup"),
}


def kyiv_day_bounds(day) -> tuple[datetime, datetime]:
    """The Kyiv calendar day as [start, end) moments (a DST day is 23 or 25 hours long)."""
    start = datetime.combine(day, time(0), tzinfo=KYIV)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=KYIV)


class DeadlineFilter(admin.SimpleListFilter):
    """What the platform will do next (docs/rules.md §4). Each choice is one range over an indexed
    column: open orders' acceptable deadline (the partial index `order_store_deadline`, open
    statuses only) or an expiry's moment (`order_store_expiries`, expiry reasons only)."""

    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("within_hour", _("Expiring within an hour")),
            ("expired_today", _("Expired today")),
        ]

    def queryset(self, request, queryset):
        now = clock.now()
        if self.value() == "overdue":
            return queryset.filter(status__in=OPEN_STATUSES, acceptable_deadline__lte=now)
        if self.value() == "within_hour":
            return queryset.filter(
                status__in=OPEN_STATUSES, acceptable_deadline__gt=now, acceptable_deadline__lte=now + timedelta(hours=1)
            )
        if self.value() == "expired_today":
            start, end = kyiv_day_bounds(clock.today())
            return queryset.filter(
                cancel_reason__in=EXPIRY_REASONS, status_changed_at__gte=start, status_changed_at__lt=end
            )
        return queryset


class SortableOnlyChangeList(ChangeList):
    """Honours `sortable_by` also for a hand-written `?o=` (Django only hides the links)."""

    def get_ordering_field(self, field_name):
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)


@admin.register(Order)
class OrderAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "number",
        "store",
        "status",
        "buyer",
        "total_amount",
        "created_at",
        "delivery_method",
        "excellent_by",
        "acceptable_by",
        "next_check",
        "time_left_column",
        "late_cause",  # the seller's cause beside an expiry or a late shipment (docs/rules.md §10)
    ]
    list_display_links = ["number"]
    list_filter = [DeadlineFilter, "status", "cancel_reason", "late_cause", "store", "delivery_method", "source"]
    list_select_related = ["store"]
    list_per_page = 50
    # Newest number first: the primary-key index serves it, filtered or not, without a sort.
    # Other columns are not sortable: on a million rows each would be a full sort.
    ordering = ["-id"]
    sortable_by = ["number"]
    search_fields = ["buyer_name"]  # the box; the real lookups are in get_search_results
    search_help_text = _("Order number, buyer's phone, tracking number (TTN), e-mail or part of the buyer's name.")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = None
    inlines = [OrderItemInline, ParcelInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "store",
                    "status",
                    "source",
                    "created_at",
                    "status_changed_at",
                    "split_from",
                    "split_orders",
                    "disputes_and_requests",
                ]
            },
        ),
        (_("Buyer"), {"fields": ["buyer_name", "buyer_phone_checked", "buyer_email", "buyer_language"]}),
        (
            _("Delivery"),
            {
                "fields": [
                    "delivery_method",
                    "delivery_branch",
                    "delivery_address",
                    "delivery_cost",
                    "ship_by",
                    "ttn",
                    "courier_phone",
                    "courier_visit_at",
                    "shipped_at",
                    "late_cause",
                    "late_cause_note",
                    "late_cause_at",
                ]
            },
        ),
        (_("Payment"), {"fields": ["payment_method", "items_total", "total"]}),
        (
            _("Cancellation"),
            {
                "fields": [
                    "cancel_reason",
                    "cancel_comment",
                    "cancelled_by",
                    "return_expected_since",
                    "return_received_at",
                ]
            },
        ),
        (_("Deadlines"), {"fields": ["excellent_deadline", "acceptable_deadline", "next_check_at", "reminders"]}),
    ]

    def get_changelist(self, request, **kwargs):
        return SortableOnlyChangeList

    def get_readonly_fields(self, request, obj=None):
        # Everything, also where Django would render a form (the history version view).
        return [name for _title, options in self.get_fieldsets(request, obj) for name in options["fields"]]

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(order_search_q(search_term)), False

    @admin.display(description=_("number"), ordering="id")
    def number(self, order):
        return f"#{order.pk}"

    @admin.display(description=_("total"), ordering="total")
    def total_amount(self, order):
        return money(order.total)

    @admin.display(description=_("excellent by"))
    def excellent_by(self, order):
        return self._moment(order.excellent_deadline, order)

    @admin.display(description=_("acceptable deadline"))
    def acceptable_by(self, order):
        return self._moment(order.acceptable_deadline, order)

    @admin.display(description=_("next check by the platform"))
    def next_check(self, order):
        return self._moment(order.next_check_at, order)

    @admin.display(description=_("working time left"))
    def time_left_column(self, order):
        left = working_time_left(order, clock.now())
        if left is None:
            return "—"
        state = deadline_state(order, clock.now())
        return format_html('<span class="deadline-{}">{}</span>', state, time_left(left))

    @staticmethod
    def _moment(value, order):
        if value is None or order.is_terminal:
            return "—"
        return date_format(localtime(value), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("buyer"))
    def buyer(self, order):
        return format_html("{}<br><small>{}</small>", order.buyer_name, phones.pretty(order.buyer_phone))

    @admin.display(description=_("buyer's phone"))
    def buyer_phone_checked(self, order):
        operator = phones.ukrainian_operator(order.buyer_phone)
        note = operator or _("not a number of a Ukrainian operator")
        return format_html("{} <small>({})</small>", phones.pretty(order.buyer_phone), note)

    @admin.display(description=_("split into"))
    def split_orders(self, order):
        children = list(order.split_children.order_by("id").only("id"))
        if not children:
            return "—"
        return format_html_join(
            ", ",
            '<a href="{}">#{}</a>',
            ((reverse("admin:orders_order_change", args=[child.pk]), child.pk) for child in children),
        )

    @admin.display(description=_("disputes and requests"))
    def disputes_and_requests(self, order):
        """Links to the order's disputes and requests (docs/rules.md §6), filtered by its number."""
        links = []
        for name, model, label in (
            ("dispute", Dispute, _("disputes")),
            ("orderrequest", OrderRequest, _("requests")),
        ):
            count = model.objects.filter(order=order).count()
            if count:
                url = reverse(f"admin:orders_{name}_changelist") + f"?q={order.pk}"
                links.append((url, label, count))
        if not links:
            return "—"
        return format_html_join(", ", '<a href="{}">{} ({})</a>', links)

    @admin.display(description=_("reminders sent"))
    def reminders(self, order):
        sent = Reminder(order.reminders_sent)
        return ", ".join(str(label) for reminder, label in REMINDER_LABELS.items() if reminder in sent) or "—"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["timeline"] = timeline_rows(obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history's version page saves the old version on POST ("revert"): that would
        # write an order behind the services' back, so only looking is allowed.
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().history_form_view(request, object_id, version_id, extra_context)


def timeline_rows(order: Order) -> list[dict]:
    """`order_timeline` as rows for the change page (templates/admin/orders/order/change_form.html)."""
    rows = []
    for entry in order_timeline(order):
        if entry.kind == "comment":
            what = _("Seller comment")
        elif entry.kind == "call":
            what = _("Call to the buyer: %(outcome)s") % {"outcome": entry.action}
        elif entry.kind == "tracking":  # the carrier's event, its state group labelled by order_timeline
            what = entry.action or _("Tracking")
        else:
            what = action_label(entry.action) if entry.action else _("Changed")
        text = entry.text  # a cancellation's reason comes labelled from order_timeline
        if entry.branch:
            text = f"{text} — {entry.branch}" if text else entry.branch
        rows.append(
            {
                "at": entry.at,
                "actor": entry.actor,
                "what": what,
                "changes": entry.changes,
                "text": text,
                "seller_only": entry.seller_only,
            }
        )
    return rows


@admin.register(OrderComment)
class OrderCommentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order", "author", "created_at", "short_text"]
    list_select_related = ["order", "author"]
    search_fields = ["=order__id"]
    ordering = ["-id"]
    fields = ["order", "author", "created_at", "text"]
    readonly_fields = fields
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = None

    @admin.display(description=_("comment"))
    def short_text(self, comment):
        return comment.text if len(comment.text) <= 80 else comment.text[:79] + "…"

    def get_search_results(self, request, queryset, search_term):
        digits = _SEARCH_SEPARATORS.sub("", search_term)
        if not digits:
            return queryset, False
        if not digits.isdigit() or int(digits) > _MAX_BIGINT:
            return queryset.none(), False
        return queryset.filter(order_id=int(digits)), False


@admin.register(CallAttempt)
class CallAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order", "caller", "called_at", "outcome", "note"]
    list_filter = ["outcome"]
    list_select_related = ["order", "caller"]
    search_fields = ["=order__id"]
    ordering = ["-id"]
    fields = ["order", "caller", "called_at", "outcome", "note"]
    readonly_fields = fields
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = None
    get_search_results = OrderCommentAdmin.get_search_results


from .disputes import admin as _disputes_admin  # noqa: E402, F401  (registers the disputes and requests admins)
