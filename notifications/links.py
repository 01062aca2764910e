"""Absolute links inside messages: one place that knows the URL names and their fallbacks."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from orders.choices import EXPIRY_REASONS


def absolute(path: str) -> str:
    return settings.SITE_URL + path


_SENTINEL = {int: "987654321", str: "S3ntinelS3ntinelS3ntinel"}


@lru_cache(maxsize=64)
def _pattern(name: str, kwarg: str | None, kind: type) -> str | None:
    """The URL with a sentinel in place of the argument, resolved once per process (a
    reverse() per message costs more than the rest of building its links)."""
    try:
        if kwarg is None:
            return reverse(name)
        return reverse(name, kwargs={kwarg: _SENTINEL[kind]})
    except NoReverseMatch:
        return None


def _path(name: str, kwargs: dict, fallback: str) -> str:
    ((kwarg, value),) = kwargs.items() if kwargs else ((None, None),)
    pattern = _pattern(name, kwarg, type(value) if kwarg else str)
    if pattern is None:
        return fallback
    return pattern if kwarg is None else pattern.replace(_SENTINEL[type(value)], str(value))


def cabinet_order_url(order) -> str:
    """The seller's order page in the cabinet."""
    return absolute(_path("cabinet:order_detail", {"pk": order.pk}, f"/cabinet/orders/{order.pk}/"))


def public_order_url(order) -> str:
    """The buyer's order page, reached by its unguessable token."""
    token = order.public_token
    return absolute(_path("orders:public_order", {"token": token}, f"/o/{token}/"))


def admin_order_url(order) -> str:
    return absolute(
        _path("admin:orders_order_change", {"object_id": order.pk}, f"/admin/orders/order/{order.pk}/change/")
    )


def admin_store_url(store) -> str:
    return absolute(
        _path("admin:sellers_store_change", {"object_id": store.pk}, f"/admin/sellers/store/{store.pk}/change/")
    )


def cabinet_url() -> str:
    return absolute(_path("cabinet:order_list", {}, "/cabinet/"))


def search_url(query: str, *, exclude_store: str = "") -> str:
    """The storefront's search for `query` ("a; b": either), to find the same goods in another
    store: `exclude_store` (a store's slug) leaves that store out."""
    params = {"q": query[:200]}
    if exclude_store:
        params["exclude_store"] = exclude_store
    return absolute(_path("storefront:catalog", {}, "/") + "?" + urlencode(params))


def cabinet_expired_url() -> str:
    """The cabinet's list of cancelled orders (expired ones among them, newest first)."""
    return cabinet_url() + "?" + urlencode({"tab": "cancelled"})


def admin_expired_url() -> str:
    """Admin's order list narrowed to expiry cancellations."""
    path = _path("admin:orders_order_changelist", {}, "/admin/orders/order/")
    return absolute(path) + "?" + urlencode({"cancel_reason__in": ",".join(EXPIRY_REASONS)})
