"""In a real browser, choosing pickup in an order's delivery form hides the delivery cost and
sends 0 (what confirming needs); choosing a carrier again shows it empty, to be agreed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import clock
from orders.choices import Status
from orders.models import Order
from tests.browser.conftest import shoot
from tests.browser.test_cabinet_flow import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]


def test_choosing_pickup_hides_the_delivery_cost_and_saves_it_as_zero(page, manager, store, place_order):
    from playwright.sync_api import expect

    order = place_order()  # Nova Poshta, no cost yet
    sign_in(page, manager.username)
    page.goto(f"/cabinet/orders/{order.pk}/")
    page.click("#edit-delivery summary")
    cost_box = page.locator("#delivery-form [data-delivery-cost]")
    expect(cost_box).to_be_visible()
    page.select_option("#id_delivery-method", "pickup")
    expect(cost_box).to_be_hidden()
    page.select_option("#id_delivery-method", "nova_poshta")
    expect(cost_box).to_be_visible()
    expect(page.locator("#id_delivery-cost")).to_have_value("")
    page.select_option("#id_delivery-method", "pickup")
    page.fill("#id_delivery-ship_by", (clock.today() + timedelta(days=2)).isoformat())
    page.click("#edit-delivery button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Delivery of order")
    saved = Order.objects.get(pk=order.pk)
    assert (saved.delivery_method, saved.delivery_cost) == ("pickup", 0)
    expect(page.locator("#delivery")).to_contain_text("Pickup point")
    shoot(page, "order-page-pickup")
    page.click("form[data-action=confirm] button")
    expect(page.locator("#order-status")).to_have_attribute("data-status", Status.CONFIRMED)
