"""A seller records the cause of a shipping-time expiry on the order page, in headless Chromium
(the on-demand form group, the radio buttons, the real CSRF token), and sees it there; on a phone
the section fits the screen."""

from __future__ import annotations

import pytest

from orders.choices import Status
from orders.models import Order
from orders.services import order_expire
from tests.browser.conftest import shoot
from tests.browser.test_cabinet_flow import sign_in
from tests.orders.support import bring

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]


def test_a_seller_records_the_cause_of_an_expiry(page, manager, store, place_order, seller):
    from playwright.sync_api import expect

    order = order_expire(order=bring(place_order, seller, Status.AWAITING_SHIPMENT))
    sign_in(page, manager.username)
    page.goto(f"/cabinet/orders/{order.pk}/")
    section = page.locator("#late-cause")
    expect(section).to_be_visible()
    section.locator("summary").click()  # the form comes when the group opens (htmx)
    form = section.locator("form[data-form=late_cause]")
    expect(form).to_be_visible()
    form.get_by_label("Logistics: the carrier did not collect or was late").check()
    form.locator("textarea").fill("The carrier did not come on Friday.")
    shoot(page, "order-late-cause-form")
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(f"The cause of the delay of order #{order.pk} is saved.")
    expect(page.locator("#late-cause-recorded")).to_contain_text("Logistics")
    expect(page.locator("#late-cause-recorded")).to_contain_text("The carrier did not come on Friday.")
    saved = Order.objects.get(pk=order.pk)
    assert (saved.late_cause, saved.late_cause_note) == ("logistics", "The carrier did not come on Friday.")

    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    shoot(page, "order-late-cause-phone")
