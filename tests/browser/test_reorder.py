"""A priority re-order in headless Chromium (issue 15 item 6): the seller offers the goods of an
order cancelled for the shipping time again, with a discount, on the cabinet's order page; the
buyer accepts on the public page and lands on the new order, which comes first in the list."""

from __future__ import annotations

from decimal import Decimal

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


def test_the_seller_offers_a_reorder_and_the_buyer_accepts_it(page, manager, store, offers, place_order, seller):
    from playwright.sync_api import expect

    expired = order_expire(order=bring(place_order, seller, Status.AWAITING_SHIPMENT))
    bring(place_order, seller, Status.ACCEPTED)  # another open order, due earlier than the re-order
    sign_in(page, manager.username)
    page.goto(f"/cabinet/orders/{expired.pk}/")
    section = page.locator("#reorder")
    expect(section).to_be_visible()
    section.locator("summary").click()  # the form comes when the group opens (htmx)
    form = section.locator("form[data-form=reorder]")
    expect(form).to_be_visible()
    form.get_by_label("A percentage off").check()
    form.locator("input[name=reorder-discount]").fill("10")
    form.locator("textarea").fill("Sorry for the delay: 10 % off and first in line.")
    shoot(page, "order-reorder-form")
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(
        f"The goods of order #{expired.pk} are offered to the buyer again."
    )
    expect(page.locator("#reorder-state")).to_contain_text("Offered to the buyer")

    page.context.clear_cookies()  # the buyer: no session, only the secret link
    page.goto(f"/o/{expired.public_token}/")
    box = page.locator("#reorder")
    expect(box).to_be_visible()
    expect(box).to_contain_text("Sorry for the delay")
    shoot(page, "public-reorder-offer")
    page.set_viewport_size({"width": 360, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("#reorder-accept")
    new = Order.objects.get(reorder_of=expired)
    page.wait_for_url(f"**/o/{new.public_token}/")
    expect(page.locator("#reorder-of")).to_contain_text(str(expired.pk))  # "#" or "№", by language
    shoot(page, "public-reorder-accepted")
    assert (new.status, new.priority) == (Status.ACCEPTED, True)
    assert new.total == Decimal("899.91")  # 2 × 225.00 + 449.91

    sign_in(page, manager.username)
    expect(page.locator("#order-results tr[data-order]").first).to_have_attribute("data-order", str(new.pk))
