"""The moderators' queue of disputes in Django admin (docs/rules.md §6), and a read-only look at
requests and their threads.

Nothing here writes a model: the change page of a dispute shows the order's timeline, the request
and its thread or the buyer's complaint, and two forms, "take" and "decide", that post to views
calling orders.disputes.services. A refused action shows the service's sentence and changes
nothing. No add, no edit of fields, no delete, for superusers too. Registered by orders/admin.py."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from marketplace import clock
from marketplace.actors import Actor
from marketplace.errors import ServiceError

from ..admin import ReadOnlyAdminMixin, timeline_rows
from ..requests.models import OrderRequest, RequestMessage
from .models import Decision, Dispute, DisputeState, Fault
from .selectors import dispute_queue, working_age
from .services import dispute_decide, dispute_take

UNDECIDED_FIRST = Case(
    When(state__in=(DisputeState.OPEN, DisputeState.TAKEN), then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)


def working_hours(value: timedelta) -> str:
    """Working time as “13 h 05 min” (hours, not days: a working day is 11 hours)."""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return _("%(h)s h %(m)02d min") % {"h": hours, "m": minutes}


def order_link(order_id: int):
    return format_html('<a href="{}">#{}</a>', reverse("admin:orders_order_change", args=[order_id]), order_id)


class TakeForm(forms.Form):
    take_over = forms.BooleanField(required=False, widget=forms.HiddenInput)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("decision"), choices=Decision.choices, widget=forms.RadioSelect)
    fault = forms.ChoiceField(
        label=_("at fault (when cancelling)"), choices=[("", "—"), *Fault.choices], required=False
    )
    new_date = forms.DateField(
        label=_("new agreed date (when continuing, optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note_to_buyer = forms.CharField(
        label=_("note to the buyer"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    note_to_seller = forms.CharField(
        label=_("note to the store"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RequestMessageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RequestMessage
    fields = ["created_at", "author_kind", "author", "text"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False


class DisputeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "order_number", "origin", "store", "age", "state", "taken_by", "opened_at"]
    list_display_links = ["number"]
    list_filter = ["state", "origin"]
    list_select_related = ["order__store", "taken_by"]
    list_per_page = 50
    sortable_by = []  # the queue's order only: undecided first, oldest first (the index dispute_queue)
    search_fields = ["=order__id"]
    search_help_text = _("Order number.")
    actions = None
    show_facets = admin.ShowFacets.NEVER
    fieldsets = [
        (None, {"fields": ["order_number", "store", "origin", "state", "opened_at", "age", "reminded_at"]}),
        (_("The buyer's complaint"), {"fields": ["complaint"]}),
        (_("Moderator"), {"fields": ["taken_by", "taken_at"]}),
        (
            _("Decision"),
            {
                "fields": [
                    "decision",
                    "fault",
                    "new_date",
                    "note_to_buyer",
                    "note_to_seller",
                    "decided_by",
                    "decided_at",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [name for _title, options in self.get_fieldsets(request, obj) for name in options["fields"]]

    def get_queryset(self, request):
        return dispute_queue()

    def get_ordering(self, request):
        return [UNDECIDED_FIRST.asc(), "opened_at", "id"]

    def get_search_results(self, request, queryset, search_term):
        digits = search_term.strip().lstrip("#")
        if not digits:
            return queryset, False
        if not digits.isdigit() or len(digits) > 18:
            return queryset.none(), False
        return queryset.filter(order_id=int(digits)), False

    @admin.display(description=_("dispute"))
    def number(self, dispute):
        return f"D{dispute.pk}"

    @admin.display(description=_("order"))
    def order_number(self, dispute):
        return order_link(dispute.order_id)

    @admin.display(description=_("store"))
    def store(self, dispute):
        return dispute.order.store

    @admin.display(description=_("age in working time"))
    def age(self, dispute):
        return working_hours(working_age(dispute, clock.now()))

    # --- the change page: what the moderator reads, and the take / decide forms ---

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/take/", wrap(self.take_view), name="orders_dispute_take"),
            path("<path:object_id>/decide/", wrap(self.decide_view), name="orders_dispute_decide"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        dispute = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if dispute is not None:
            extra.update(self.dispute_context(request, dispute))
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def dispute_context(self, request, dispute: Dispute) -> dict:
        req = dispute.request
        thread = list(req.messages.select_related("author")) if req is not None else []
        undecided = dispute.is_undecided
        mine = dispute.taken_by_id == request.user.pk
        return {
            "dispute": dispute,
            "timeline": timeline_rows(dispute.order),
            "order_request": req,
            "thread": thread,
            "can_take": undecided and not mine,
            "take_over": dispute.state == DisputeState.TAKEN and not mine,
            "can_decide": undecided and (dispute.state == DisputeState.OPEN or mine),
            "decide_form": DecideForm(initial={"new_date": None}),
            "take_url": reverse("admin:orders_dispute_take", args=[dispute.pk]),
            "decide_url": reverse("admin:orders_dispute_decide", args=[dispute.pk]),
        }

    def _dispute_for_action(self, request, object_id) -> Dispute:
        if not object_id.isdigit():
            raise Http404
        dispute = get_object_or_404(Dispute, pk=int(object_id))
        if not self.has_view_permission(request, dispute):
            raise PermissionDenied
        return dispute

    def _back(self, dispute) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:orders_dispute_change", args=[dispute.pk]))

    @staticmethod
    def _refused(request, error: Exception) -> None:
        messages.error(request, str(getattr(error, "message", error)))

    def take_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        dispute = self._dispute_for_action(request, object_id)
        form = TakeForm(request.POST)
        take_over = form.is_valid() and form.cleaned_data["take_over"]
        try:
            dispute_take(actor=Actor.moderator(request.user), dispute=dispute, take_over=take_over)
        except (ServiceError, PermissionDenied) as error:
            self._refused(request, error)
        else:
            messages.success(request, _("You took the dispute."))
        return self._back(dispute)

    def decide_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        dispute = self._dispute_for_action(request, object_id)
        form = DecideForm(request.POST)
        if not form.is_valid():
            errors = "; ".join(f"{form.fields[name].label}: {' '.join(errs)}" for name, errs in form.errors.items())
            messages.error(request, _("The decision was not saved: %(errors)s") % {"errors": errors})
            return self._back(dispute)
        data = form.cleaned_data
        try:
            dispute_decide(
                actor=Actor.moderator(request.user),
                dispute=dispute,
                decision=data["decision"],
                fault=data["fault"],
                new_date=data["new_date"],
                note_to_buyer=data["note_to_buyer"],
                note_to_seller=data["note_to_seller"],
            )
        except (ServiceError, PermissionDenied) as error:
            self._refused(request, error)
        else:
            messages.success(request, _("The dispute is decided; both sides are told."))
        return self._back(dispute)


class OrderRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Requests between buyer and seller, to look at (docs/rules.md §6)."""

    list_display = ["__str__", "order_number", "kind", "state", "opened_by", "opened_at", "expires_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["order"]
    list_per_page = 50
    ordering = ["-id"]
    sortable_by = []
    search_fields = ["=order__id"]
    search_help_text = _("Order number.")
    actions = None
    show_facets = admin.ShowFacets.NEVER
    inlines = [RequestMessageInline]
    fields = [
        "order_number",
        "kind",
        "state",
        "opened_by",
        "opened_by_user",
        "ground",
        "old_date",
        "new_date",
        "message",
        "opened_at",
        "answer_by",
        "expires_at",
        "last_follow_up_at",
        "answered_at",
        "answered_by_user",
        "answer_message",
        "closed_at",
        "dispute_link",
    ]
    readonly_fields = fields
    get_search_results = DisputeAdmin.get_search_results

    @admin.display(description=_("order"))
    def order_number(self, req):
        return order_link(req.order_id)

    @admin.display(description=_("dispute"))
    def dispute_link(self, req):
        dispute = Dispute.objects.filter(request=req).only("id").first()
        if dispute is None:
            return "—"
        return format_html(
            '<a href="{}">D{}</a>', reverse("admin:orders_dispute_change", args=[dispute.pk]), dispute.pk
        )


admin.site.register(Dispute, DisputeAdmin)
admin.site.register(OrderRequest, OrderRequestAdmin)
