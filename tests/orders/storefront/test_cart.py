"""The cart (issue 12 item 3): in the session, no account, goods of several stores; quantities
capped by stock; a price or stock change since a line was added is shown (old → new) and must be
accepted, never applied silently; goods no longer on sale are shown as such and block the checkout."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from sellers.models import Offer
from tests.orders.storefront.support import add, buyer_client, created, en, messages_of  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("en")]


def cart_page(client):
    response = client.get(reverse("storefront:cart"))
    assert response.status_code == 200
    return response


def test_goods_of_two_stores_are_grouped_by_store_with_price_and_stock(offers, outsider_offer):
    client = buyer_client()
    assert add(client, offers[0], 2).status_code == 302
    add(client, outsider_offer, 1)
    add(client, offers[1], 1)
    response = cart_page(client)
    groups = response.context["groups"]
    assert [g.store.pk for g in groups] == [offers[0].store_id, outsider_offer.store_id]
    assert [(r.offer_id, r.quantity) for r in groups[0].rows] == [(offers[0].pk, 2), (offers[1].pk, 1)]
    assert groups[0].total == Decimal("250.00") * 2 + Decimal("499.90")
    html = response.content.decode()
    assert "in stock now: 10" in html and "Lamp" in html
    assert response.context["can_check_out"]
    # the header's link counts the units
    assert 'id="cart-count">4<' in html


def test_adding_the_same_offer_again_adds_up_but_never_beyond_the_stock(offers):
    client = buyer_client()
    add(client, offers[1], 3)
    before = created()
    response = add(client, offers[1], 3)  # 5 in stock, 3 in the cart
    assert "Only 5 of “Charger” can be ordered, and 3 are in your cart already." in messages_of(response)
    assert [r.quantity for g in cart_page(client).context["groups"] for r in g.rows] == [3]
    assert created() == before


@pytest.mark.parametrize("quantity", ["0", "-1", "11", "abc", "", "9" * 50, "1.5"])
def test_bad_quantities_are_refused_with_a_message_and_add_nothing(offers, quantity):
    client = buyer_client()
    response = add(client, offers[0], quantity)  # 10 in stock
    assert response.status_code == 302
    message = " ".join(messages_of(response))
    assert message and message.endswith("."), message
    assert not cart_page(client).context["groups"]


def test_a_paused_offer_or_one_of_a_suspended_store_cannot_be_added(offers, store):
    client = buyer_client()
    Offer.objects.filter(pk=offers[0].pk).update(paused=True)
    assert "“Phone case” is not on sale now." in messages_of(add(client, offers[0], 1))
    store.is_suspended = True
    store.save()
    assert "“Charger” is not on sale now." in messages_of(add(client, offers[1], 1))
    response = client.post(reverse("storefront:cart_add"), {"offer": "999999", "quantity": "1"})
    assert "No such item." in messages_of(response)
    assert not cart_page(client).context["groups"]


def test_a_price_change_is_shown_old_to_new_and_blocks_checkout_until_accepted(offers):
    client = buyer_client()
    add(client, offers[0], 2)
    Offer.objects.filter(pk=offers[0].pk).update(price=Decimal("275.00"))
    response = cart_page(client)
    row = response.context["groups"][0].rows[0]
    assert row.price_changed and row.price_seen == Decimal("250.00") and row.price_now == Decimal("275.00")
    html = response.content.decode()
    assert "The price changed: ₴250.00 → ₴275.00." in html
    assert not response.context["can_check_out"] and 'id="to-checkout"' not in html
    # the checkout page sends the buyer back to the cart
    assert client.get(reverse("storefront:checkout")).url == reverse("storefront:cart")
    client.post(reverse("storefront:cart_accept"))
    response = cart_page(client)
    row = response.context["groups"][0].rows[0]
    assert (row.price_seen, row.quantity, row.price_changed) == (Decimal("275.00"), 2, False)
    assert response.context["can_check_out"]


def test_stock_below_the_quantity_is_shown_and_accepting_cuts_the_quantity(offers):
    client = buyer_client()
    add(client, offers[0], 6)
    Offer.objects.filter(pk=offers[0].pk).update(stock=4)
    response = cart_page(client)
    assert "Only 4 left in stock (you have 6 in the cart)." in response.content.decode()
    assert not response.context["can_check_out"]
    client.post(reverse("storefront:cart_accept"))
    response = cart_page(client)
    assert [r.quantity for r in response.context["groups"][0].rows] == [4]
    assert response.context["can_check_out"]


def test_a_stock_change_above_the_quantity_is_shown_without_blocking(offers):
    client = buyer_client()
    add(client, offers[0], 2)
    Offer.objects.filter(pk=offers[0].pk).update(stock=7)
    response = cart_page(client)
    assert "Stock changed: 10 → 7." in response.content.decode()
    assert response.context["can_check_out"]


def test_goods_no_longer_on_sale_are_shown_so_and_cannot_be_checked_out(offers, outsider_offer):
    client = buyer_client()
    add(client, offers[0], 1)
    add(client, outsider_offer, 1)
    Offer.objects.filter(pk=outsider_offer.pk).update(paused=True)
    response = cart_page(client)
    assert "No longer on sale: it cannot be ordered." in response.content.decode()
    assert not response.context["can_check_out"]
    client.post(reverse("storefront:cart_accept"))  # accepting removes it
    groups = cart_page(client).context["groups"]
    assert [r.offer_id for g in groups for r in g.rows] == [offers[0].pk]


def test_update_and_remove(offers, outsider_offer):
    client = buyer_client()
    add(client, offers[0], 1)
    client.post(reverse("storefront:cart_update"), {"offer": offers[0].pk, "quantity": "3"})
    assert [r.quantity for r in cart_page(client).context["groups"][0].rows] == [3]
    response = client.post(reverse("storefront:cart_update"), {"offer": offers[0].pk, "quantity": "11"})
    assert "Only 10 of “Phone case” can be ordered." in messages_of(response)
    # an offer that is not in the cart (another store's id) is refused, not added
    response = client.post(reverse("storefront:cart_update"), {"offer": outsider_offer.pk, "quantity": "1"})
    assert "This item is not in your cart." in messages_of(response)
    assert [r.offer_id for g in cart_page(client).context["groups"] for r in g.rows] == [offers[0].pk]
    client.post(reverse("storefront:cart_update"), {"offer": offers[0].pk, "quantity": "0"})
    assert not cart_page(client).context["groups"]
    add(client, offers[1], 1)
    client.post(reverse("storefront:cart_remove"), {"offer": offers[1].pk})
    assert "Your cart is empty." in cart_page(client).content.decode()


def test_add_goes_back_to_a_page_of_this_site_only(offers):
    client = buyer_client()
    assert add(client, offers[0], 1, next="/offer/1/").url == "/offer/1/"
    assert add(client, offers[0], 1, next="https://evil.example.com/").url == reverse("storefront:cart")
