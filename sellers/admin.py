from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, F, FloatField, IntegerField, JSONField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Greatest, JSONObject, Least, NullIf
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from marketplace import clock
from marketplace.actors import Actor, is_moderator
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.formats import money

from .fees import REASON_MAX, Month, fee_reverse, store_set_fee_percent, totals_filter, why
from .models import Category, FeeCharge, Offer, Store, StoreInvitation, StoreMember
from .performance import definitions, rating
from .performance.models import Standing, StoreDay


class StoreMemberInline(admin.TabularInline):
    model = StoreMember
    extra = 0
    autocomplete_fields = ["user"]


class StoreActionForm(helpers.ActionForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


# The statuses in which an order is still the store's own work (orders.choices.BEFORE_SHIPMENT, the
# same as orders.performance.overdue_counts; this module sits below orders and may not import it —
# tests/sellers/test_store_admin.py checks the two agree). Overdue: past its acceptable deadline.
STORES_OWN_WORK = ("new", "accepted", "confirmed", "awaiting_shipment")
RATING_DAYS = 30  # the rating's window (sellers.performance.rating)


def _rated_counters() -> list[str]:
    names = set()
    for code, _weight, _limit in rating.WEIGHTS:
        metric = definitions.BY_CODE[code]
        names.update(name for name in (metric.numerator, metric.denominator) if name)
    return sorted(names)


def _rating_order():
    """The rating as one SQL expression over the window's sums (docs/rules.md §10, "Rating"), for
    sorting only: the same weights and scores without rounding each part; the column shows
    sellers.performance.rating.rating itself, computed from the same sums."""
    total = Value(0.0)
    for code, weight, limit in rating.WEIGHTS:
        metric = definitions.BY_CODE[code]
        rate = Cast(Sum(metric.numerator), FloatField()) / NullIf(Cast(Sum(metric.denominator), FloatField()), 0.0)
        if metric.higher_is_better:
            score = Least(Value(1.0), Greatest(Value(0.0), rate))
        else:
            score = Greatest(Value(0.0), Value(1.0) - rate * Value(100.0 / float(limit)))
        total = total + Value(float(weight)) * Coalesce(score, Value(1.0))  # nothing to count scores 1
    return total


def _standing_action(service, done):
    """A moderator's restriction, lift, suspension or its end with the reason typed beside the action,
    through the service (docs/rules.md §10)."""

    def action(modeladmin, request, queryset):
        reason = request.POST.get("reason", "")
        for store in queryset:
            try:
                service(actor=Actor.moderator(request.user), store=store, reason=reason)
            except (RuleViolation, NotAllowed) as error:
                modeladmin.message_user(request, f"{store}: {error}", messages.ERROR)
            else:
                modeladmin.message_user(request, f"{store}: {done}", messages.SUCCESS)

    return action


class StandingFilter(admin.SimpleListFilter):
    """The store's standing (sellers.performance.standing); a store never evaluated is in good standing."""

    title = _("standing")
    parameter_name = "standing"

    def lookups(self, request, model_admin):
        return Standing.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == Standing.GOOD:
            return queryset.filter(Q(standing__isnull=True) | Q(standing__level=Standing.GOOD))
        if value in (Standing.WARNING, Standing.RESTRICTED):
            return queryset.filter(standing__level=value)
        return queryset


def _count(queryset, **filters):
    """A correlated count of `queryset`'s rows of the store (one subquery of the list's query)."""
    rows = queryset.filter(store=OuterRef("pk"), **filters).order_by().values("store").annotate(n=Count("pk"))
    return Coalesce(Subquery(rows.values("n"), output_field=IntegerField()), 0)


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    """The moderators' store view (docs/rules.md §10): each store with its rating, standing, overdue
    orders, hidden offers and this month's fees — all in the list's one query (a subquery per column,
    none per row); actions restrict / lift / suspend / unsuspend, each with the reason typed beside."""

    list_display = [
        "name",
        "rating_column",
        "standing_column",
        "overdue_column",
        "hidden_offers_column",
        "offers_hidden",
        "is_suspended",
        "fees_this_month",
        "slug",
        "email",
        "created_at",
    ]
    list_filter = [StandingFilter, "is_suspended", "offers_hidden"]
    search_fields = ["name", "slug", "email"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StoreMemberInline]

    # --- the fee: this month's totals per store and the store's own rate (docs/rules.md §10) ---

    def get_queryset(self, request):
        month = Month.current()
        rows = FeeCharge.objects.filter(store=OuterRef("pk"), charged_at__gte=month.start, charged_at__lt=month.end)
        sums = {
            f"fees_{name}": Subquery(rows.values("store").annotate(total=total).values("total"))
            for name, total in totals_filter().items()
        }
        return super().get_queryset(request).annotate(**sums, **self.performance_columns())

    @staticmethod
    def performance_columns() -> dict:
        """Rating (the window's sums and the sort key), standing, overdue orders and offers: one
        subquery each, correlated to the store."""
        today = clock.today()
        days = StoreDay.objects.filter(
            store=OuterRef("pk"), day__gte=definitions.window_start(today, RATING_DAYS), day__lte=today
        ).order_by()
        per_store = days.values("store")
        orders = Store._meta.get_field("orders").related_model.objects  # the orders layer is above this one
        return {
            "rating_sums": Subquery(
                per_store.annotate(sums=JSONObject(**{name: Sum(name) for name in _rated_counters()})).values("sums"),
                output_field=JSONField(),
            ),
            # a store with no days has nothing against it: the rating's 100
            "rating_order": Coalesce(
                Subquery(per_store.annotate(r=_rating_order()).values("r"), output_field=FloatField()), 100.0
            ),
            "standing_level": Coalesce(F("standing__level"), Value(Standing.GOOD)),
            "standing_reason": F("standing__reason"),
            "standing_by": F("standing__restricted_by"),
            "overdue": _count(orders, status__in=STORES_OWN_WORK, acceptable_deadline__lt=clock.now()),
            "offers_count": _count(Offer.objects),
            "offers_paused": _count(Offer.objects, paused=True),
        }

    @admin.display(description=_("rating"), ordering="rating_order")
    def rating_column(self, store):
        # the window's sums from the list's query; the same formula as the performance page
        return rating.rating(definitions.values(getattr(store, "rating_sums", None) or {}))

    @admin.display(description=_("standing"), ordering="standing_level")
    def standing_column(self, store):
        level = getattr(store, "standing_level", None) or Standing.GOOD
        label = Standing(level).label if level in Standing.values else level
        if level == Standing.GOOD:
            return label
        by = _("by a moderator") if getattr(store, "standing_by", "") == "moderator" else ""
        return format_html("<strong>{}</strong> {}<br><small>{}</small>", label, by, store.standing_reason or "")

    @admin.display(description=_("overdue orders"), ordering="overdue")
    def overdue_column(self, store):
        count = getattr(store, "overdue", 0) or 0
        if not count:
            return 0
        url = reverse("admin:orders_order_changelist") + f"?store__id__exact={store.pk}&deadline=overdue"
        return format_html('<a href="{}"><strong>{}</strong></a>', url, count)

    @admin.display(description=_("hidden offers"))
    def hidden_offers_column(self, store):
        """Offers the storefront does not show: all of them while the store is hidden or suspended,
        the paused ones otherwise (sellers.catalog.listed_offers)."""
        if store.offers_hidden or store.is_suspended:
            return getattr(store, "offers_count", 0)
        return getattr(store, "offers_paused", 0)

    @admin.display(description=_("fees this month: charged, reversed, net"))
    def fees_this_month(self, store):
        url = reverse("admin:sellers_feecharge_changelist") + f"?store__id__exact={store.pk}"
        amounts = [money(getattr(store, f"fees_{name}", None) or 0) for name in ("charged", "reversed", "net")]
        rate = f" ({store.fee_percent} %)" if store.fee_percent is not None else ""
        return format_html('<a href="{}">{} / {} / <strong>{}</strong></a>{}', url, *amounts, rate)

    def has_change_permission(self, request, obj=None):
        # Moderators change the store's own fee rate here (the other fields stay read-only for them).
        return super().has_change_permission(request, obj) or is_moderator(request.user)

    # What the list shows, on the change page too (its object comes through get_queryset, annotated).
    PERFORMANCE_FIELDS = [
        "rating_column",
        "standing_column",
        "overdue_column",
        "hidden_offers_column",
        "fees_this_month",
    ]

    def get_readonly_fields(self, request, obj=None):
        shown = self.PERFORMANCE_FIELDS if obj is not None else []
        if super().has_change_permission(request, obj):
            return [*super().get_readonly_fields(request, obj), *shown]
        return [f.name for f in Store._meta.fields if f.editable and f.name not in ("id", "fee_percent")] + shown

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if super().has_change_permission(request, obj) else {}

    def save_model(self, request, obj, form, change):
        if change and "fee_percent" in form.changed_data:
            store_set_fee_percent(actor=Actor.moderator(request.user), store=obj, percent=obj.fee_percent)
            if set(form.changed_data) == {"fee_percent"}:
                return
        super().save_model(request, obj, form, change)

    action_form = StoreActionForm
    actions = ["restrict", "lift_restriction", "suspend", "unsuspend"]

    @admin.action(description=_("Restrict: hide the offers (give the reason)"), permissions=["view"])
    def restrict(self, request, queryset):
        from .performance.standing import store_restrict

        _standing_action(store_restrict, _("offers hidden"))(self, request, queryset)

    @admin.action(description=_("Lift the restriction (give the reason)"), permissions=["view"])
    def lift_restriction(self, request, queryset):
        from .performance.standing import store_lift_restriction

        _standing_action(store_lift_restriction, _("offers shown again"))(self, request, queryset)

    @admin.action(description=_("Suspend the store (give the reason)"), permissions=["view"])
    def suspend(self, request, queryset):
        from .services import store_suspend

        _standing_action(store_suspend, _("suspended"))(self, request, queryset)

    @admin.action(description=_("Lift the suspension (give the reason)"), permissions=["view"])
    def unsuspend(self, request, queryset):
        from .services import store_unsuspend

        _standing_action(store_unsuspend, _("suspension lifted"))(self, request, queryset)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The storefront's categories (sellers/catalog.py filters by them)."""

    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Offer)
class OfferAdmin(SimpleHistoryAdmin):
    list_display = ["title", "sku", "store", "price_amount", "stock", "paused"]
    list_filter = ["paused", "store"]
    search_fields = ["title", "sku"]
    list_select_related = ["store"]
    raw_id_fields = ["store"]

    @admin.display(description=_("price"), ordering="price")
    def price_amount(self, offer):
        return money(offer.price)


@admin.register(StoreInvitation)
class StoreInvitationAdmin(SimpleHistoryAdmin):
    """Invitations as a record for moderators (who invited whom, and the answer). Read-only: the
    owner invites, re-sends and revokes in the cabinet, the invitee answers by the link."""

    list_display = ["email", "store", "invited_by", "state", "created_at", "sent_at", "expires_at"]
    list_filter = [("accepted_at", admin.EmptyFieldListFilter), ("declined_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "store__name"]
    list_select_related = ["store", "invited_by"]
    exclude = ["nonce"]

    @admin.display(description=_("state"))
    def state(self, invitation):
        if invitation.accepted_at:
            return _("accepted")
        if invitation.declined_at:
            return _("declined")
        if invitation.revoked_at:
            return _("revoked")
        if invitation.expires_at <= clock.now():
            return _("expired")
        return _("waiting for an answer")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FeeReverseForm(helpers.ActionForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=REASON_MAX)


@admin.register(FeeCharge)
class FeeChargeAdmin(admin.ModelAdmin):
    """The fee ledger (docs/rules.md §10), read-only: a moderator reverses a charge with the action
    "Reverse the selected fees", the reason typed beside it (sellers.fees.fee_reverse)."""

    list_display = ["order_number", "store", "kind", "base", "percent", "amount", "charged_at", "why", "reversed_by"]
    list_filter = ["kind", "store"]
    list_select_related = ["store", "order", "reversed_by"]
    search_fields = ["=order__id"]
    search_help_text = _("Order number.")
    date_hierarchy = "charged_at"
    ordering = ["-charged_at", "-id"]
    show_facets = admin.ShowFacets.NEVER
    action_form = FeeReverseForm
    actions = ["reverse_fees"]
    fields = ["store", "order", "kind", "base", "percent", "amount", "charged_at", "reverses", "reason", "reversed_by"]
    readonly_fields = fields

    @admin.display(description=_("order"), ordering="order_id")
    def order_number(self, charge):
        return format_html(
            '<a href="{}">#{}</a>', reverse("admin:orders_order_change", args=[charge.order_id]), charge.order_id
        )

    @admin.display(description=_("why"))
    def why(self, charge):
        return why(charge)

    @admin.action(description=_("Reverse the selected fees (type the reason beside)"), permissions=["view"])
    def reverse_fees(self, request, queryset):
        actor = Actor.moderator(request.user)
        reason = request.POST.get("reason", "")
        done = 0
        for charge in queryset.order_by("pk")[:100]:
            try:
                fee_reverse(actor=actor, charge=charge, reason=reason)
            except (RuleViolation, NotAllowed) as error:
                self.message_user(request, f"#{charge.order_id}: {error}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("Fees reversed: %(n)s.") % {"n": done}, messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
