"""Absolute links inside messages: one place that knows the URL names and their fallbacks."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import NoReverseMatch, reverse


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def _path(name: str, kwargs: dict, fallback: str) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return fallback


def cabinet_order_url(order) -> str:
    """The seller's order page in the cabinet."""
    return absolute(_path("cabinet:order_detail", {"pk": order.pk}, f"/cabinet/orders/{order.pk}/"))


def public_order_url(order) -> str:
    """The buyer's order page, reached by its unguessable token."""
    token = order.public_token
    return absolute(_path("orders:public_order", {"token": token}, f"/o/{token}/"))


def admin_order_url(order) -> str:
    return absolute(_path("admin:orders_order_change", {"object_id": order.pk}, f"/admin/orders/order/{order.pk}/change/"))


def admin_store_url(store) -> str:
    return absolute(_path("admin:sellers_store_change", {"object_id": store.pk}, f"/admin/sellers/store/{store.pk}/change/"))


def cabinet_url() -> str:
    return absolute(_path("cabinet:order_list", {}, "/cabinet/"))


def search_url(query: str) -> str:
    """The storefront search, to find the same goods in another store."""
    return absolute("/search?" + urlencode({"q": query}))
