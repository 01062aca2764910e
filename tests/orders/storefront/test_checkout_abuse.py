"""Abuse of the checkout (issue 12 item 5): CSRF, per-phone and per-IP rate limits with a clear
message and no order, a double submit or a retry of the same form placing the orders once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from marketplace import clock
from orders.models import Checkout, Order
from orders.services import checkout
from tests.orders.storefront.support import (  # noqa: F401 (fixtures)
    add,
    buyer_client,
    buyer_data,
    checkout_form,
    created,
    en,
    np_part,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("en")]


def submit(client, data, **extra):
    return client.post(reverse("storefront:checkout"), data, **extra)


def test_a_double_submit_places_the_orders_once_and_shows_the_same_thank_you_page(store, offers):
    client = buyer_client()
    add(client, offers[0], 2)
    data = {**checkout_form(client), **buyer_data(), **np_part(store)}
    first = submit(client, data)
    second = submit(client, data)  # the second click, or a retry after a timeout: the cart is empty by now
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == reverse("storefront:thanks", kwargs={"key": data["key"]})
    assert Order.objects.count() == 1 and Checkout.objects.count() == 1
    assert Order.objects.get().items.get().quantity == 2
    # the same form from another tab with goods in the cart again still places nothing new
    add(client, offers[0], 1)
    assert submit(client, data).url == first.url and Order.objects.count() == 1


def test_a_retry_of_the_service_with_the_same_key_returns_the_first_checkout(store, offers):
    from orders.services import CheckoutLine, StoreOrder, checkout_place

    part = StoreOrder(store.pk, (CheckoutLine(offers[0].pk, 1, offers[0].price),), "nova_poshta", "Branch 1")
    kwargs = {"key": "k" * 32, "buyer_name": "Iryna", "buyer_phone": "+380501234567", "parts": [part]}
    first = checkout_place(**kwargs)
    again = checkout_place(**kwargs)
    assert first.placed_now and not again.placed_now
    assert [o.pk for o in again.orders] == [o.pk for o in first.orders] and Order.objects.count() == 1


def test_the_phone_is_rate_limited(store, offers, monkeypatch):
    monkeypatch.setattr(checkout, "PER_PHONE_PER_HOUR", 2)
    client = buyer_client()
    for _n in range(2):
        add(client, offers[0], 1)
        assert submit(client, {**checkout_form(client), **buyer_data(), **np_part(store)}).status_code == 302
    add(client, offers[0], 1)
    before = created()
    # the same number written another way is the same phone
    response = submit(client, {**checkout_form(client), **buyer_data(phone="050 123 45 67"), **np_part(store)})
    assert response.status_code == 429
    assert "Several orders were placed with this phone number in the last hour." in response.content.decode()
    assert created() == before
    # an hour later it goes through
    Checkout.objects.update(created_at=clock.now() - timedelta(hours=1, minutes=1))
    assert submit(client, {**checkout_form(client), **buyer_data(), **np_part(store)}).status_code == 302


def test_the_network_is_rate_limited(store, offers, monkeypatch):
    monkeypatch.setattr(checkout, "PER_IP_PER_HOUR", 2)
    for n in range(2):
        client = buyer_client(REMOTE_ADDR="203.0.113.7")
        add(client, offers[0], 1)
        data = {**checkout_form(client), **buyer_data(phone=f"+38050123456{n}"), **np_part(store)}
        assert submit(client, data).status_code == 302
    client = buyer_client(REMOTE_ADDR="203.0.113.7")
    add(client, offers[0], 1)
    before = created()
    response = submit(client, {**checkout_form(client), **buyer_data(phone="+380501234569"), **np_part(store)})
    assert response.status_code == 429
    assert "Too many orders were placed from your network in the last hour." in response.content.decode()
    assert created() == before
    other = buyer_client(REMOTE_ADDR="198.51.100.1")  # another network
    add(other, offers[0], 1)
    assert (
        submit(other, {**checkout_form(other), **buyer_data(phone="+380501234569"), **np_part(store)}).status_code
        == 302
    )


def test_checkout_and_cart_need_the_csrf_token(store, offers):
    client = buyer_client(enforce_csrf_checks=True)
    response = client.post(reverse("storefront:cart_add"), {"offer": offers[0].pk, "quantity": "1"})
    assert response.status_code == 403
    before = created()
    response = submit(client, {"key": "k" * 32, **buyer_data(), **np_part(store)})
    assert response.status_code == 403 and created() == before


def test_a_forged_key_is_refused(store, offers):
    client = buyer_client()
    add(client, offers[0], 1)
    form = checkout_form(client)
    before = created()
    response = submit(client, {**form, "key": "short", **buyer_data(), **np_part(store)})
    assert response.status_code == 422 and created() == before
    assert "The checkout form has expired" in response.content.decode()


def test_a_cart_holds_a_bounded_number_of_goods(store, monkeypatch):
    from decimal import Decimal

    from orders.storefront import cart
    from sellers.models import Offer

    monkeypatch.setattr(cart, "MAX_LINES", 2)
    offers = [
        Offer.objects.create(store=store, title=f"G{n}", sku=f"G{n}", price=Decimal(1), stock=5) for n in range(3)
    ]
    client = buyer_client()
    add(client, offers[0])
    add(client, offers[1])
    response = add(client, offers[2])
    assert "A cart holds at most 2 different goods" in " ".join(str(m) for m in response.wsgi_request._messages)
    assert len(client.get(reverse("storefront:cart")).context["groups"][0].rows) == 2
