from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from marketplace import clock
from marketplace.formats import money

from .models import Category, Offer, Store, StoreInvitation, StoreMember


class StoreMemberInline(admin.TabularInline):
    model = StoreMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "email", "offers_hidden", "is_suspended", "created_at"]
    list_filter = ["offers_hidden", "is_suspended"]
    search_fields = ["name", "slug", "email"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StoreMemberInline]


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
