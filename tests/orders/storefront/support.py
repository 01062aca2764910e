"""Helpers of the cart and checkout tests: a buyer's client, filling the cart, the checkout form's
data as the page gives it, and "nothing was created"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from notifications.models import OutboxMessage
from orders.models import Checkout, Order, OrderItem
from sellers.models import Offer
from tests.conftest import VALID_PHONE, make_store, make_user


@pytest.fixture
def en():
    with translation.override("en"):
        yield


def buyer_client(**kwargs) -> Client:
    client = Client(**kwargs)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def add(client, offer, quantity=1, **extra):
    return client.post(reverse("storefront:cart_add"), {"offer": str(offer.pk), "quantity": str(quantity), **extra})


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages] if hasattr(response.wsgi_request, "_messages") else []


def checkout_form(client) -> dict:
    """The hidden fields of the checkout page (the one-time key and the cart's fingerprint)."""
    response = client.get(reverse("storefront:checkout"))
    assert response.status_code == 200, response
    return {"key": response.context["buyer"]["key"].value(), "cart": response.context["digest"]}


def buyer_data(**overrides) -> dict:
    return {"name": "Iryna Buyer", "phone": VALID_PHONE, "email": "buyer@example.com", "language": "en", **overrides}


def np_part(store, branch="Kyiv, branch 12", payment="cod") -> dict:
    return {
        f"s{store.pk}-delivery_method": "nova_poshta",
        f"s{store.pk}-delivery_branch": branch,
        f"s{store.pk}-payment_method": payment,
    }


def pickup_part(store, payment="cod") -> dict:
    return {f"s{store.pk}-delivery_method": "pickup", f"s{store.pk}-payment_method": payment}


def courier_part(store, address="Khreshchatyk 1, Kyiv", payment="card") -> dict:
    return {
        f"s{store.pk}-delivery_method": "courier",
        f"s{store.pk}-delivery_address": address,
        f"s{store.pk}-payment_method": payment,
    }


def created() -> dict:
    """What a checkout creates or moves: orders, items, outbox rows, checkouts, stock, offer history."""
    return {
        "orders": Order.objects.count(),
        "items": OrderItem.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "checkouts": Checkout.objects.count(),
        "stock": list(Offer.objects.order_by("pk").values_list("pk", "stock")),
        "offer_history": Offer.history.count(),
    }


@pytest.fixture
def pickup_store(db):
    """A second store, with a pickup point."""
    owner = make_user("pickup-owner", email="pickup-owner@example.com")
    store = make_store("Gamma Shop", owner=owner, email="orders@gamma.example.com")
    store.pickup_address = "Kyiv, Sahaidachnoho 5"
    store.pickup_hours = "Mon–Fri 10:00–19:00"
    store.save()
    return store


@pytest.fixture
def pickup_offer(pickup_store):
    return Offer.objects.create(store=pickup_store, title="Desk lamp", sku="LAMP-9", price=Decimal("1200.00"), stock=4)
