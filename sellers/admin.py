from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from marketplace.formats import money

from .models import Offer, Store, StoreMember


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
