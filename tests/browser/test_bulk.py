"""A seller selects two orders on the list and confirms them at once, in headless Chromium
(the real CSRF token, the checkboxes outside the bulk form, the selection script)."""

from __future__ import annotations

import pytest

from orders.choices import Status
from orders.models import Order
from orders.services import order_open
from tests.browser.conftest import shoot
from tests.browser.test_cabinet_flow import sign_in
from tests.conftest import ready_delivery

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]


def status(order) -> str:
    return Order.objects.get(pk=order.pk).status


def test_select_two_orders_and_confirm_them(page, manager, store, place_order, seller):
    from playwright.sync_api import expect

    first, second, untouched = (ready_delivery(order_open(actor=seller, order=place_order()), seller) for _ in range(3))
    sign_in(page, manager.username)
    bar = page.locator("#bulk-form")
    expect(bar.locator("[data-bulk-count]")).to_have_text("0")
    expect(bar.locator("button[value=confirm]")).to_be_disabled()

    page.check(f"tr[data-order='{first.pk}'] input[name=ids]")
    page.check(f"tr[data-order='{second.pk}'] input[name=ids]")
    expect(bar.locator("[data-bulk-count]")).to_have_text("2")
    expect(bar.locator("button[value=confirm]")).to_be_enabled()
    shoot(page, "order-list-bulk-selected")

    bar.locator("button[value=confirm]").click()
    expect(page.locator(".messages")).to_contain_text(f"Confirmed: #{first.pk}, #{second.pk}.")
    assert (status(first), status(second), status(untouched)) == (Status.CONFIRMED, Status.CONFIRMED, Status.ACCEPTED)
    expect(page.locator(f"tr[data-order='{first.pk}'] .status")).to_have_class("status status-confirmed")
    # "Select all" checks every row of the page.
    page.check("[data-select-all]")
    expect(bar.locator("[data-bulk-count]")).to_have_text("3")

    # The packing slip and invoice of the selection open in a print layout.
    page.goto(f"/cabinet/orders/print/?order={first.pk}&order={second.pk}")
    expect(page.locator("section.packing-slip")).to_have_count(2)
    shoot(page, "order-print")
    page.emulate_media(media="print")
    expect(page.locator(".toolbar")).to_be_hidden()
