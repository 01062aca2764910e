"""Checkout (issue 12 items 4 and 6): buyer's name, phone, optional e-mail, language; per store the
delivery and payment; one order per store through `order_place` in one transaction, all or
nothing, prices as the buyer accepted them; the thank-you page links every order; bad values of
every field get a clear message and create nothing (no order, no reservation, no outbox row)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from marketplace.errors import RuleViolation
from notifications.models import OutboxMessage
from orders.choices import DeliveryMethod, OrderSource, PaymentMethod
from orders.models import Order
from orders.services import CheckoutLine, StoreOrder, checkout_place
from orders.storefront.checkout_forms import new_checkout_key
from sellers.models import Offer
from tests.conftest import VALID_PHONE
from tests.orders.storefront import support
from tests.orders.storefront.support import (  # noqa: F401 (fixtures)
    add,
    buyer_client,
    buyer_data,
    checkout_form,
    courier_part,
    created,
    en,
    messages_of,
    np_part,
    pickup_part,
)

pickup_store, pickup_offer = support.pickup_store, support.pickup_offer  # the fixtures, as this module's

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("en")]


def submit(client, data):
    return client.post(reverse("storefront:checkout"), data)


def test_two_stores_become_two_orders_with_their_delivery_and_a_thank_you_page(
    store, offers, pickup_store, pickup_offer
):
    client = buyer_client()
    add(client, offers[0], 2)
    add(client, offers[1], 1)
    add(client, pickup_offer, 1)
    page = client.get(reverse("storefront:checkout"))
    html = page.content.decode()
    assert "Pickup point: Kyiv, Sahaidachnoho 5. Open Mon–Fri 10:00–19:00" in html
    # pickup only where the store has a pickup point
    assert f'name="s{store.pk}-delivery_method" value="pickup"' not in html
    assert f'name="s{pickup_store.pk}-delivery_method" value="pickup"' in html
    form = checkout_form(client)
    response = submit(client, {**form, **buyer_data(), **np_part(store), **pickup_part(pickup_store)})
    assert response.status_code == 302
    assert response.url == reverse("storefront:thanks", kwargs={"key": form["key"]})
    alpha, gamma = Order.objects.get(store=store), Order.objects.get(store=pickup_store)
    assert (alpha.source, gamma.source) == (OrderSource.STOREFRONT, OrderSource.STOREFRONT)
    assert (alpha.delivery_method, alpha.delivery_branch) == (DeliveryMethod.NOVA_POSHTA, "Kyiv, branch 12")
    assert (gamma.delivery_method, gamma.delivery_branch, gamma.delivery_address) == (DeliveryMethod.PICKUP, "", "")
    assert [(i.offer_id, i.quantity, i.price) for i in alpha.items.all()] == [
        (offers[0].pk, 2, Decimal("250.00")),
        (offers[1].pk, 1, Decimal("499.90")),
    ]
    assert alpha.items_total == Decimal("999.90") and gamma.items_total == Decimal("1200.00")
    assert (alpha.buyer_name, alpha.buyer_phone, alpha.buyer_email, alpha.buyer_language) == (
        "Iryna Buyer",
        VALID_PHONE,
        "buyer@example.com",
        "en",
    )
    assert list(
        Offer.objects.filter(pk__in=[offers[0].pk, offers[1].pk, pickup_offer.pk])
        .values_list("stock", flat=True)
        .order_by("pk")
    ) == [8, 4, 3]
    # the messages the notifications send for a new order: each store, and the buyer
    for order in (alpha, gamma):
        audiences = set(
            OutboxMessage.objects.filter(order=order, event="order_placed").values_list("audience", flat=True)
        )
        assert {"store", "buyer"} <= audiences, audiences
    thanks = client.get(response.url)
    assert thanks.status_code == 200 and thanks.headers["Cache-Control"] == "no-store"
    text = thanks.content.decode()
    for order in (alpha, gamma):
        assert reverse("orders:public_order", kwargs={"token": order.public_token}) in text
    assert "We sent a confirmation with these links to buyer@example.com." in text
    # the cart is empty afterwards
    assert not client.get(reverse("storefront:cart")).context["groups"]


def test_courier_delivery_and_card_payment(store, offers):
    client = buyer_client()
    add(client, offers[0], 1)
    response = submit(client, {**checkout_form(client), **buyer_data(email=""), **courier_part(store)})
    order = Order.objects.get()
    assert response.status_code == 302
    assert (order.delivery_method, order.delivery_address, order.payment_method, order.buyer_email) == (
        DeliveryMethod.COURIER,
        "Khreshchatyk 1, Kyiv",
        PaymentMethod.CARD_ONLINE,
        "",
    )
    text = client.get(response.url).content.decode()
    assert "You gave no e-mail" in text


def test_a_valid_foreign_phone_is_accepted_and_normalised(store, offers):
    client = buyer_client()
    add(client, offers[0], 1)
    submit(client, {**checkout_form(client), **buyer_data(phone="+48 512 345 678"), **np_part(store)})
    assert Order.objects.get().buyer_phone == "+48512345678"


def test_a_ukrainian_phone_without_the_country_code_is_normalised(store, offers):
    client = buyer_client()
    add(client, offers[0], 1)
    submit(client, {**checkout_form(client), **buyer_data(phone="050 123 45 67"), **np_part(store)})
    assert Order.objects.get().buyer_phone == VALID_PHONE


def test_the_language_defaults_to_the_page_language(store, offers):
    client = buyer_client()
    client.cookies["django_language"] = "ru"
    add(client, offers[0], 1)
    response = client.get(reverse("storefront:checkout"))
    assert response.context["buyer"]["language"].value() == "ru"


BAD_BUYER = [
    ("name", "", "Enter your name."),
    ("name", "   ", "Enter your name."),
    ("name", "x" * 201, "The name is too long."),
    ("phone", "", "Enter your phone number."),
    ("phone", "12345", "is not a valid phone number"),
    ("phone", "+380 00 000 0000", "is not a valid phone number"),
    ("phone", "9" * 33, "The phone number is too long."),
    ("email", "not-an-email", "Enter a valid e-mail address or leave it empty."),
    ("email", "a@" + "b" * 260 + ".com", "at most 254 characters"),
    ("language", "de", "Select a valid choice."),
    ("language", "", "This field is required."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_BUYER)
def test_bad_buyer_fields_get_a_clear_message_and_create_nothing(store, offers, field, value, message):
    client = buyer_client()
    add(client, offers[0], 1)
    form = checkout_form(client)
    before = created()
    response = submit(client, {**form, **buyer_data(**{field: value}), **np_part(store)})
    assert response.status_code == 422
    assert field in response.context["buyer"].errors
    assert message in response.content.decode()  # rendered in the page's language (English)
    assert created() == before


BAD_DELIVERY = [
    ("delivery_method", "", "Choose how the goods are delivered."),
    ("delivery_method", "teleport", "Select a valid choice."),
    ("delivery_method", "pickup", "Select a valid choice."),  # the store has no pickup point
    ("delivery_branch", "", "Enter the Nova Poshta branch"),
    ("delivery_branch", "b" * 201, "at most 200 characters"),
    ("payment_method", "", "Choose how you pay."),
    ("payment_method", "bitcoin", "Select a valid choice."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_DELIVERY)
def test_bad_delivery_fields_get_a_clear_message_and_create_nothing(store, offers, field, value, message):
    client = buyer_client()
    add(client, offers[0], 1)
    form = checkout_form(client)
    before = created()
    data = {**form, **buyer_data(), **np_part(store), f"s{store.pk}-{field}": value}
    response = submit(client, data)
    assert response.status_code == 422
    (part_form,) = [f for _g, f in response.context["parts"]]
    assert field in part_form.errors
    assert message in response.content.decode()
    assert created() == before


def test_a_courier_needs_an_address(store, offers):
    client = buyer_client()
    add(client, offers[0], 1)
    before = created()
    response = submit(client, {**checkout_form(client), **buyer_data(), **courier_part(store, address="  ")})
    assert response.status_code == 422 and created() == before
    assert "Enter the address the courier brings the goods to." in response.content.decode()


def test_a_price_changed_after_the_cart_refuses_with_the_new_price_and_creates_nothing(store, offers):
    client = buyer_client()
    add(client, offers[0], 1)
    form = checkout_form(client)
    Offer.objects.filter(pk=offers[0].pk).update(price=Decimal("260.00"))
    before = created()
    response = submit(client, {**form, **buyer_data(), **np_part(store)})
    assert response.status_code == 302 and response.url == reverse("storefront:cart")
    assert "The price of “Phone case” changed from ₴250.00 to ₴260.00: check your cart and order again." in (
        messages_of(response)
    )
    assert created() == before
    assert "The price changed: ₴250.00 → ₴260.00." in client.get(response.url).content.decode()


def test_all_or_nothing_when_one_store_cannot_deliver(store, offers, pickup_store, pickup_offer):
    """Stock of the second store's offer runs out between the cart and the submit: no order at all."""
    client = buyer_client()
    add(client, offers[0], 1)
    add(client, pickup_offer, 2)
    form = checkout_form(client)
    Offer.objects.filter(pk=pickup_offer.pk).update(stock=1)
    before = created()
    response = submit(client, {**form, **buyer_data(), **np_part(store), **pickup_part(pickup_store)})
    assert response.status_code == 302 and response.url == reverse("storefront:cart")
    assert "Only 1 of “Desk lamp” left, you asked for 2: check your cart." in messages_of(response)
    assert created() == before


def test_a_cart_changed_in_another_tab_is_not_ordered_unseen(store, offers):
    client = buyer_client()
    add(client, offers[0], 1)
    form = checkout_form(client)
    add(client, offers[1], 1)
    before = created()
    response = submit(client, {**form, **buyer_data(), **np_part(store)})
    assert response.url == reverse("storefront:cart") and created() == before
    assert "Your cart changed in the meantime" in " ".join(messages_of(response))


def test_an_empty_cart_has_no_checkout(store):
    client = buyer_client()
    assert client.get(reverse("storefront:checkout")).url == reverse("storefront:cart")
    before = created()
    response = submit(client, {"key": new_checkout_key(), **buyer_data(), **np_part(store)})
    assert response.url == reverse("storefront:cart") and created() == before


def test_the_thank_you_page_of_an_unknown_key_is_not_found(db):
    assert buyer_client().get(reverse("storefront:thanks", kwargs={"key": new_checkout_key()})).status_code == 404


# --- the service on its own: what a tampered request or a stale cart could send ---------------


def place(parts, **buyer):
    return checkout_place(
        key=new_checkout_key(),
        buyer_name=buyer.get("name", "Iryna Buyer"),
        buyer_phone=buyer.get("phone", VALID_PHONE),
        buyer_email=buyer.get("email", ""),
        buyer_language="en",
        parts=parts,
    )


def np(store, *lines):
    return StoreOrder(
        store_id=store.pk,
        lines=tuple(CheckoutLine(offer.pk, quantity, offer.price) for offer, quantity in lines),
        delivery_method=DeliveryMethod.NOVA_POSHTA,
        delivery_branch="Branch 1",
    )


def refused(action, fragment):
    before = created()
    with pytest.raises(RuleViolation) as caught:
        action()
    assert fragment in str(caught.value) and str(caught.value).endswith("."), str(caught.value)
    assert created() == before


@pytest.mark.parametrize("quantity", [0, -1, 1000])
def test_service_refuses_quantities_out_of_bounds(store, offers, quantity):
    refused(lambda: place([np(store, (offers[0], quantity))]), "A quantity must be from 1 to 999.")


def test_service_refuses_more_than_the_stock(store, offers):
    refused(lambda: place([np(store, (offers[0], 11))]), "Only 10 of “Phone case” left, you asked for 11")


def test_service_refuses_another_stores_offer_in_a_stores_order(store, offers, outsider_offer):
    refused(lambda: place([np(store, (offers[0], 1), (outsider_offer, 1))]), "is not sold by “Alpha Shop”")


def test_service_refuses_a_paused_offer(store, offers):
    Offer.objects.filter(pk=offers[1].pk).update(paused=True)
    refused(lambda: place([np(store, (offers[0], 1), (offers[1], 1))]), "“Charger” is no longer on sale")


def test_service_refuses_a_suspended_store(store, offers, pickup_store, pickup_offer):
    pickup_store.is_suspended = True
    pickup_store.save()
    refused(lambda: place([np(store, (offers[0], 1)), np(pickup_store, (pickup_offer, 1))]), "no longer on sale")


def test_service_refuses_a_price_other_than_the_current_one(store, offers):
    part = StoreOrder(store.pk, (CheckoutLine(offers[0].pk, 1, Decimal("1.00")),), DeliveryMethod.NOVA_POSHTA, "B 1")
    refused(lambda: place([part]), "changed from ₴1.00 to ₴250.00")


def test_service_refuses_pickup_where_the_store_has_none(store, offers):
    part = StoreOrder(store.pk, (CheckoutLine(offers[0].pk, 1, offers[0].price),), DeliveryMethod.PICKUP)
    refused(lambda: place([part]), "has no pickup point")


@pytest.mark.parametrize(
    ("buyer", "fragment"),
    [
        ({"name": ""}, "Enter your name."),
        ({"name": "n" * 201}, "at most 200 characters"),
        ({"phone": "123"}, "is not a valid phone number"),
        ({"email": "nope"}, "Enter a valid e-mail address"),
    ],
)
def test_service_refuses_bad_buyer_data(store, offers, buyer, fragment):
    refused(lambda: place([np(store, (offers[0], 1))], **buyer), fragment)


def test_service_refuses_an_empty_cart_and_a_store_twice(store, offers):
    refused(lambda: place([]), "Your cart is empty")
    refused(lambda: place([np(store, (offers[0], 1)), np(store, (offers[1], 1))]), "only once")
