"""A seller works orders in a real browser: headless Chromium through Playwright, against
pytest-django's live server (a real PostgreSQL underneath).

The flow: sign in, open a new order (it becomes accepted), edit the delivery, confirm, pack,
ship with a TTN, add a comment; split a second order; cancel a third as out of stock with the
corrected stock and check the stock again on the offers page. Screenshots of the list and the
order page (desktop and phone) go to var/screenshots/.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import clock
from marketplace.formats import money
from orders.choices import CancelReason, Status
from orders.models import Order, OrderComment
from sellers.models import Offer
from tests.browser.conftest import PASSWORD, shoot
from tests.conftest import VALID_TTN

# serialized_rollback: the flush after a transactional test would also drop the rows data
# migrations wrote (the processing policy); they are restored for the tests that follow.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]


def fetch(order) -> Order:
    return Order.objects.get(pk=order.pk)


def sign_in(page, username: str) -> None:
    page.goto("/cabinet/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/cabinet/orders/")


def status_of(page):
    return page.locator("#order-status")


def test_seller_works_orders(page, manager, store, offers, place_order):
    from playwright.sync_api import expect

    first = place_order()
    second = place_order([(offers[0], 3), (offers[1], 1)])
    third = place_order([(offers[1], 2)])
    offers[1].refresh_from_db()
    charger_stock = offers[1].stock

    sign_in(page, manager.username)
    expect(page.locator(f"tr[data-order='{first.pk}']")).to_be_visible()
    expect(page.locator("nav.tabs a[data-tab=new] .count")).to_have_text("3")
    shoot(page, "order-list")

    # Opening a new order accepts it (seed 000, step 1).
    page.click(f"tr[data-order='{first.pk}'] a.order-link")
    expect(status_of(page)).to_have_attribute("data-status", Status.ACCEPTED)
    assert fetch(first).status == Status.ACCEPTED
    expect(page.locator("#accepted-now")).to_contain_text("the buyer sees that you are processing it")
    expect(page.locator("#call-script")).to_contain_text("Mykola")
    expect(page.locator("#call-script")).to_contain_text(store.name)
    # Confirming waits for the delivery terms: the page says what is missing.
    expect(page.locator(".action.blocked[data-action=confirm]")).to_contain_text("ship-by date")
    shoot(page, "order-page-accepted")

    # Edit the delivery: cost and ship-by date agreed with the buyer.
    page.click("#edit-delivery summary")
    page.fill("#id_delivery-cost", "70")
    ship_by = clock.today() + timedelta(days=2)
    page.fill("#id_delivery-ship_by", ship_by.isoformat())
    page.click("#edit-delivery button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Delivery of order")
    expect(page.locator("#accepted-now")).to_have_count(0)  # said once, on the visit that accepted it
    order = fetch(first)
    assert order.delivery_cost == 70 and order.ship_by == ship_by
    expect(page.locator("#order-total")).to_contain_text(money(order.total, "en"))

    page.click("form[data-action=confirm] button")
    expect(status_of(page)).to_have_attribute("data-status", Status.CONFIRMED)
    page.click("form[data-action=pack] button")
    expect(status_of(page)).to_have_attribute("data-status", Status.AWAITING_SHIPMENT)

    # A wrong TTN is refused with the rule's message and changes nothing.
    page.fill("#id_ship-ttn", "123")
    page.click("form[data-action=ship] button")
    expect(page.locator("form[data-action=ship] .alert.error")).to_contain_text(
        "not a valid Nova Poshta tracking number"
    )
    assert fetch(first).status == Status.AWAITING_SHIPMENT
    page.fill("#id_ship-ttn", VALID_TTN)
    page.click("form[data-action=ship] button")
    expect(status_of(page)).to_have_attribute("data-status", Status.IN_DELIVERY)
    expect(page.locator("#order-ttn")).to_have_text(VALID_TTN)
    assert fetch(first).ttn == VALID_TTN

    # A seller-only comment, added through htmx without leaving the page.
    page.fill("#id_comment-text", "Buyer asked to call before delivery")
    page.click("#journal form[hx-post$='/comments/'] button")
    expect(page.locator("#journal .entry-comment").first).to_contain_text("Buyer asked to call before delivery")
    assert OrderComment.objects.filter(order=first, text="Buyer asked to call before delivery").exists()
    shoot(page, "order-page")

    # Split the second order: one phone case moves to a new order.
    page.goto(f"/cabinet/orders/{second.pk}/")
    expect(status_of(page)).to_have_attribute("data-status", Status.ACCEPTED)
    page.click("#split summary")
    case_item = second.items.get(offer=offers[0])
    page.fill(f"#id_split-move_{case_item.pk}", "1")
    page.click("#split button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("is split")
    new = Order.objects.get(split_from=second)
    assert [(i.offer_id, i.quantity) for i in new.items.all()] == [(offers[0].pk, 1)]
    assert second.items.get(offer=offers[0]).quantity == 2
    expect(page.locator(f"a[href='/cabinet/orders/{new.pk}/']")).to_be_visible()

    # Cancel the third as out of stock: the form takes the real stock of the charger.
    page.goto(f"/cabinet/orders/{third.pk}/")
    page.click("details[data-action=cancel] summary")
    page.select_option("#id_cancel-reason", CancelReason.OUT_OF_STOCK)
    stock_input = page.locator(f"#id_cancel-stock_{offers[1].pk}")
    expect(stock_input).to_be_visible()
    stock_input.fill("1")
    page.click("details[data-action=cancel] button.danger")
    page.wait_for_url("**/cabinet/offers/?check=*")
    expect(page.locator("#check-stock")).to_contain_text(f"Order #{third.pk} was cancelled")
    order = fetch(third)
    assert order.status == Status.CANCELLED and order.cancel_reason == CancelReason.OUT_OF_STOCK
    assert Offer.objects.get(pk=offers[1].pk).stock == 1 != charger_stock + 2

    # The offers page asks to check the stock again: the seller sets it to 0 and pauses it.
    row = page.locator(f"#offer-{offers[1].pk}-check")
    row.locator("input[type=number]").fill("0")
    row.locator("form[hx-post$='/stock/'] button").click()
    expect(page.locator(f"#offer-{offers[1].pk}-check .saved-mark")).to_be_visible()
    page.locator(f"#offer-{offers[1].pk}-check form[hx-post$='/pause/'] button").click()
    expect(page.locator(f"#offer-{offers[1].pk}-check")).to_have_class("offer paused checked saved")
    charger = Offer.objects.get(pk=offers[1].pk)
    assert (charger.stock, charger.paused) == (0, True)
    shoot(page, "offers")


def test_mark_received_asks_for_confirmation(page, manager, seller, place_order):
    """Received is final: the button does nothing until the seller ticks the confirmation."""
    from playwright.sync_api import expect

    from orders.services import order_confirm, order_open, order_ready_for_pickup
    from tests.conftest import ready_delivery

    order = order_open(actor=seller, order=place_order(delivery_method="pickup"))
    order = order_confirm(actor=seller, order=ready_delivery(order, seller, "pickup"))
    order = order_ready_for_pickup(actor=seller, order=order)
    sign_in(page, manager.username)
    page.goto(f"/cabinet/orders/{order.pk}/")
    form = page.locator("form[data-action=mark_received]")
    form.locator("button").click()  # the browser refuses the unticked box (required)
    assert fetch(order).status == Status.AWAITING_PICKUP
    form.locator("input[name='mark_received-confirm']").check()
    form.locator("button").click()
    expect(status_of(page)).to_have_attribute("data-status", Status.RECEIVED)
    assert fetch(order).status == Status.RECEIVED


def test_phone_layout(page, manager, place_order, offers):
    """The list and the order page on a phone-sized screen (screenshots for a look)."""
    from playwright.sync_api import expect

    orders = [place_order() for _ in range(3)]
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, manager.username)
    expect(page.locator("table.orders")).to_be_visible()
    shoot(page, "order-list-phone")
    page.goto(f"/cabinet/orders/{orders[0].pk}/")
    expect(status_of(page)).to_have_attribute("data-status", Status.ACCEPTED)
    shoot(page, "order-page-phone")
    page.click("nav.mainnav a[href$='/settings/']")
    expect(page.locator("#members")).to_contain_text("owner@example.com")
    shoot(page, "settings-phone")
