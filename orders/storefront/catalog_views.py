"""The storefront's catalog: search and filters at "/", the offer page and the store page.

Everything a buyer sees of offers comes through sellers.catalog (the one rule of what may be
sold). Buyer-facing: nothing seller-only is shown or even loaded (no store e-mail, no stock of
a paused offer, which answers 404). The filter form is a plain GET form, so the pages work
without JavaScript; with htmx the results are swapped in place and the URL follows.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpResponseNotAllowed
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from sellers import catalog
from sellers.models import Category, Offer, Store

PRICE_LIMIT = 10**9
STORES_IN_FILTER = 200


class CatalogForm(forms.Form):
    """The catalog's query string. A value that does not parse is ignored, never an error page."""

    q = forms.CharField(label=_("Search"), required=False, max_length=catalog.QUERY_MAX, strip=True)
    store = forms.SlugField(label=_("Store"), required=False, max_length=80, allow_unicode=True)
    exclude_store = forms.SlugField(required=False, max_length=80, allow_unicode=True, widget=forms.HiddenInput)
    category = forms.SlugField(label=_("Category"), required=False, max_length=80, allow_unicode=True)
    price_min = forms.DecimalField(
        label=_("Price from"), required=False, min_value=0, max_value=PRICE_LIMIT, max_digits=12, decimal_places=2
    )
    price_max = forms.DecimalField(
        label=_("to"), required=False, min_value=0, max_value=PRICE_LIMIT, max_digits=12, decimal_places=2
    )
    stock = forms.ChoiceField(
        label=_("Availability"),
        required=False,
        choices=[("", _("In stock")), ("any", _("Also out of stock"))],
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("", _("Best match / newest")),
            (catalog.SORT_NEWEST, _("Newest")),
            (catalog.SORT_PRICE_ASC, _("Cheapest first")),
            (catalog.SORT_PRICE_DESC, _("Most expensive first")),
        ],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=catalog.MAX_PAGE, widget=forms.HiddenInput)

    def values(self) -> dict:
        """The fields that parsed (the others are left out, as if not given)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in self.fields if name in data and name not in self.errors}


def _params(values: dict, *, store_slug: str = "") -> dict:
    return {
        "q": values.get("q") or "",
        "store": store_slug or values.get("store") or "",
        "exclude_store": values.get("exclude_store") or "",
        "category": values.get("category") or "",
        "price_min": values.get("price_min"),
        "price_max": values.get("price_max"),
        "in_stock": values.get("stock") != "any",
        "sort": values.get("sort") or "",
        "page": values.get("page") or 1,
    }


def _query(values: dict, **drop) -> str:
    """The query string of the current filters without `page` (pagination adds its own)."""
    pairs = []
    for name, value in values.items():
        if name == "page" or name in drop or value in (None, ""):
            continue
        pairs.append((name, str(value)))
    return urlencode(pairs)


def _links(offers: list[Offer]) -> None:
    """Each offer's and its store's page, resolved once per page rather than twice per card."""
    offer_url = reverse("storefront:offer", args=[1]).replace("/1/", "/{}/")
    store_url = reverse("storefront:store", args=["s"]).replace("/s/", "/{}/")
    for offer in offers:
        offer.url = offer_url.format(offer.pk)
        offer.store_url = store_url.format(offer.store.slug)


def cart_form(request) -> dict:
    """What every add-to-cart form of a page shares, computed once per page rather than per card
    ({% csrf_token %}, {% url %} and the "next" path each cost their own work): the form's action,
    one CSRF token (the same one {% csrf_token %} would give, which also sets the cookie), the path
    to come back to, and the form's two strings."""
    return {
        "action": reverse("storefront:cart_add"),
        "csrf": get_token(request),
        "next": request.get_full_path(),
        "quantity_label": gettext("Quantity"),
        "button": gettext("Add to cart"),
    }


def _options(choices, selected) -> str:
    """The store filter's <option>s (up to STORES_IN_FILTER of them), built without a template loop."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if value == selected else "", label) for value, label in choices),
    )


def _listing(request, *, template: str, store: Store | None = None, extra: dict | None = None):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    form = CatalogForm(request.GET)
    values = form.values()
    result = catalog.search(**_params(values, store_slug=store.slug if store else ""))
    _links(result.offers)
    context = {
        "form": form,
        "values": values,
        "result": result,
        "query": _query(values),
        "categories": Category.objects.all(),
        "store": store,
        "cart_form": cart_form(request),
        **(extra or {}),
    }
    if store is None:
        stores = Store.objects.filter(is_suspended=False, offers_hidden=False).order_by("name")
        context["store_options"] = _options(stores.values_list("slug", "name")[:STORES_IN_FILTER], values.get("store"))
        if values.get("exclude_store"):
            context["excluded"] = (
                Store.objects.filter(slug=values["exclude_store"]).values_list("name", flat=True).first()
            )
    if request.htmx and request.htmx.target == "results":
        return render(request, "storefront/_results.html", context)
    return render(request, template, context)


def catalog_view(request):
    return _listing(request, template="storefront/catalog.html")


def store_view(request, slug: str):
    store = get_object_or_404(Store.objects.defer("email", "telegram_chat_id"), slug=slug, is_suspended=False)
    return _listing(request, template="storefront/store.html", store=store)


@require_safe
def offer_view(request, pk: int):
    """An offer a buyer may see; one paused or of a hidden or suspended store is not found
    (its stock and price are the seller's business); one out of stock is shown so, with no
    way to order it."""
    offer = get_object_or_404(
        Offer.objects.select_related("store", "category").defer(
            "store__email", "store__telegram_chat_id", "store__offers_hidden_reason"
        ),
        pk=pk,
    )
    if not catalog.is_listed(offer):
        raise Http404
    return render(
        request,
        "storefront/offer.html",
        {"offer": offer, "store": offer.store, "sellable": catalog.is_sellable(offer), "cart_form": cart_form(request)},
    )
