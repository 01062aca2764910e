"""Pickup orders speak of pickup, not shipping: no delivery cost and no "we will send", but the
store's pickup address, hours and phone (its profile), on the cabinet's order page, in the call
script, on the buyer's page and in the buyer's e-mails. The call script follows the method."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from marketplace import clock
from marketplace.actors import Actor
from notifications.models import OutboxMessage
from notifications.rendering import render
from orders.services import order_confirm, order_open, order_pack, order_ready_for_pickup, order_update_delivery
from sellers.services import store_update_profile
from tests.orders.support import COURIER, NP, PICKUP, order_test_env  # noqa: F401 (order_test_env is a fixture)

pytestmark = pytest.mark.usefixtures("order_test_env")
ADDRESS = "Kyiv, Velyka Vasylkivska 5, shop 12"
HOURS = "Mon–Sat 10:00–19:00"
PHONE, PHONE_PRETTY = "+380441234567", "+380 44 123 4567"


@pytest.fixture
def profiled(store, owner):
    return store_update_profile(
        actor=Actor.seller(owner), store=store, pickup_address=ADDRESS, pickup_hours=HOURS, phone=PHONE
    )


def english(user=None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def agreed(place_order, seller, method, *, cost="0", confirm=False):
    """An accepted order with its delivery agreed (a pickup order at no delivery cost)."""
    order = order_open(actor=seller, order=place_order(delivery_method=method))
    order = order_update_delivery(
        actor=seller,
        order=order,
        method=method,
        branch="Branch 12",
        address="Khreshchatyk 1, Kyiv",
        cost=Decimal(cost),
        ship_by=clock.today() + timedelta(days=2),
    )
    return order_confirm(actor=seller, order=order) if confirm else order


def section(html: str, element_id: str) -> str:
    """The element with this id, up to the end of its section."""
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


def tfoot(html: str) -> str:
    return re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)


# --- the cabinet ---------------------------------------------------------------------------


def test_the_cabinet_shows_a_pickup_order_the_pickup_point_and_no_delivery_cost(profiled, place_order, seller, manager):
    order = agreed(place_order, seller, PICKUP)
    html = english(manager).get(reverse("cabinet:order_detail", args=[order.pk])).content.decode()
    facts = section(html, "delivery").split("</dl>")[0]
    assert ADDRESS in facts and HOURS in facts and PHONE_PRETTY in facts
    assert "Cost" not in facts and "Ship by" not in facts and "Ready by" in facts
    assert "Delivery" not in tfoot(html)
    script = section(html, "call-script")
    assert f"You will pick the order up at our store: {ADDRESS}." in script and HOURS in script
    assert PHONE_PRETTY in script and "ready for pickup on" in script
    assert "send" not in script and "Delivery:" not in script


def test_a_pickup_order_without_a_profile_points_the_owner_to_the_settings(place_order, seller, owner):
    order = agreed(place_order, seller, PICKUP)
    html = english(owner).get(reverse("cabinet:order_detail", args=[order.pk])).content.decode()
    assert "set them in the store settings" in section(html, "delivery")
    assert reverse("cabinet:store_settings") + "#store-profile" in html


@pytest.mark.parametrize(
    "method, says, never",
    [
        (NP, ["Delivery: Nova Poshta, Branch 12", "We will send the goods on"], ["pick", "courier"]),
        (
            COURIER,
            ["Our courier will bring the order to Khreshchatyk 1, Kyiv", "The courier will set off with the goods"],
            ["pick", "We will send"],
        ),
        (PICKUP, ["You will pick the order up at our store", "ready for pickup on"], ["send", "courier"]),
    ],
)
def test_the_call_script_follows_the_delivery_method(profiled, place_order, seller, manager, method, says, never):
    order = agreed(place_order, seller, method, cost="0" if method == PICKUP else "70")
    script = section(
        english(manager).get(reverse("cabinet:order_detail", args=[order.pk])).content.decode(), "call-script"
    )
    for text in says:
        assert text in script
    for text in never:
        assert text not in script


def test_the_delivery_form_of_a_pickup_order_hides_its_cost(place_order, seller, manager):
    pickup = agreed(place_order, seller, PICKUP)
    carrier = agreed(place_order, seller, NP, cost="70")
    client = english(manager)

    def delivery_form(order) -> str:  # the page with the delivery form open (the no-JavaScript link)
        page = client.get(reverse("cabinet:order_form", args=[order.pk]), {"form": "delivery"})
        return section(page.content.decode(), "delivery")

    pickup_form, carrier_form = delivery_form(pickup), delivery_form(carrier)
    assert "<div data-delivery-cost hidden>" in pickup_form
    assert "<div data-delivery-cost>" in carrier_form


def test_a_pickup_order_at_no_delivery_cost_can_be_confirmed(place_order, seller):
    order = agreed(place_order, seller, PICKUP, confirm=True)
    assert (order.status, order.delivery_cost, order.total) == ("confirmed", 0, order.items_total)


# --- the buyer's page ------------------------------------------------------------------------


def test_the_buyers_page_of_a_pickup_order_names_the_pickup_point(profiled, place_order, seller):
    order = agreed(place_order, seller, PICKUP)
    html = english().get(reverse("orders:public_order", kwargs={"token": order.public_token})).content.decode()
    delivery = section(html, "delivery")
    assert ADDRESS in delivery and HOURS in delivery and PHONE_PRETTY in delivery and f"tel:{PHONE}" in delivery
    assert "Pickup and payment" in delivery and "Ready for pickup by" in delivery
    assert "Ships by" not in delivery
    assert "Delivery" not in tfoot(html)


def test_the_buyers_page_of_a_carrier_order_keeps_its_delivery_cost_and_date(profiled, place_order, seller):
    order = agreed(place_order, seller, NP, cost="70")
    html = english().get(reverse("orders:public_order", kwargs={"token": order.public_token})).content.decode()
    assert "Ships by" in section(html, "delivery") and ADDRESS not in html
    assert "Delivery" in tfoot(html)


# --- the buyer's e-mails ---------------------------------------------------------------------


def buyer_email(template: str) -> dict:
    row = OutboxMessage.objects.filter(template=template, audience="buyer", channel="email").latest("pk")
    return render(template, language="en", audience=row.audience, channel=row.channel, facts=row.context)


def test_the_confirmation_of_a_pickup_order_speaks_of_pickup(profiled, place_order, seller):
    agreed(place_order, seller, PICKUP, confirm=True)
    email = buyer_email("order_confirmed")
    for body in (email["text"], email["html"]):
        assert ADDRESS in body and HOURS in body and PHONE_PRETTY in body
        assert "You will pick it up at Alpha Shop" in body and "ready by" in body
        assert "ship" not in body.lower() and "Delivery" not in body


def test_the_confirmation_of_a_carrier_order_still_speaks_of_shipping(profiled, place_order, seller):
    agreed(place_order, seller, NP, cost="70", confirm=True)
    text = buyer_email("order_confirmed")["text"]
    assert "The store plans to ship it by" in text and "Delivery" in text and ADDRESS not in text


def test_ready_for_pickup_tells_the_buyer_where_when_and_whom_to_call(profiled, place_order, seller):
    order = order_pack(actor=seller, order=agreed(place_order, seller, PICKUP, confirm=True))
    order_ready_for_pickup(actor=seller, order=order)
    email = buyer_email("order_ready_for_pickup")
    for body in (email["text"], email["html"]):
        assert ADDRESS in body and HOURS in body and PHONE_PRETTY in body
        assert f"#{order.pk}" in body and "To pay when you pick it up" in body
        assert "Delivery" not in body and "send" not in body


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_pickup_wording_renders_in_every_language(profiled, place_order, seller, manager, language):
    order = order_pack(actor=seller, order=agreed(place_order, seller, PICKUP, confirm=True))
    order_ready_for_pickup(actor=seller, order=order)
    client = english(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for url in (
        reverse("cabinet:order_detail", args=[order.pk]),
        reverse("orders:public_order", kwargs={"token": order.public_token}),
    ):
        response = client.get(url)
        assert response.status_code == 200 and ADDRESS in response.content.decode()
    row = OutboxMessage.objects.filter(template="order_ready_for_pickup", audience="buyer").latest("pk")
    email = render(row.template, language=language, audience=row.audience, channel=row.channel, facts=row.context)
    assert ADDRESS in email["text"] and HOURS in email["html"]
