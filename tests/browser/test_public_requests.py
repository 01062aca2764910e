"""The buyer's request forms in Chromium (docs/rules.md §6): ask the store to cancel, write in the
thread, withdraw, answer the store's request (accept, decline with a message), complain about a
late order. A real browser sends an Origin header, so only here a CSRF failure of the public page
would show; and the page with a request fits a 360 px phone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import calendar
from marketplace.actors import Actor
from marketplace.models import PlatformPolicy
from orders.choices import CancelReason, Status
from orders.disputes.models import Dispute, DisputeOrigin, DisputeState
from orders.models import Order
from orders.requests.models import CancelGround, OrderRequest, RequestKind, RequestMessage, RequestState
from orders.requests.services import request_open
from tests.browser.conftest import shoot
from tests.conftest import PINNED_NOW, ready_delivery
from tests.orders.support import bring

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]

LONG_MESSAGE = (
    "Вибачте, постачальник затримав партію; можемо відправити наступного тижня або скасувати замовлення "
    "за згодою — https://example.com/a-very-long-link-without-any-spaces-at-all-to-break-the-line-on-a-phone"
)


def set_request_mode() -> None:
    PlatformPolicy.objects.filter(pk=1).update(buyer_cancel_mode="request")
    calendar.forget()


def watch_posts(page) -> list:
    posts: list = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.headers.get("origin")))
    return posts


def assert_own_origin(posts, live_server) -> None:
    assert posts and all(origin == live_server.url for origin in posts), posts


def accepted(place_order, seller) -> Order:
    return ready_delivery(bring(place_order, seller, Status.ACCEPTED), seller)


def fits_the_phone(page, name: str) -> None:
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    page.wait_for_load_state("load")
    size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    shoot(page, f"phone-{name}")
    assert size[0] <= size[1], (name, size)


def test_buyer_asks_to_cancel_writes_and_withdraws(page, live_server, place_order):
    from playwright.sync_api import expect

    set_request_mode()
    order = place_order()
    posts = watch_posts(page)
    page.goto(f"/o/{order.public_token}/")
    expect(page.locator("#cancel")).to_have_attribute("data-mode", "request")
    expect(page.locator("#cancel h2")).to_have_text("Ask the store to cancel")
    # Unconfirmed: the browser asks for the tick and nothing is sent.
    page.click("#cancel button[type=submit]")
    assert not posts

    page.fill("#cancel textarea", "I ordered the wrong colour")
    page.check("#cancel input[type=checkbox]")
    page.click("#cancel button[type=submit]")
    expect(page.locator("#request")).to_be_visible()
    expect(page.locator("#request-title")).to_have_text("You asked the store to cancel the order")
    expect(page.locator("#request-countdown")).to_contain_text("The store answers by 25.11.2026 10:00.")
    shoot(page, "public-request-buyer-cancel")
    asked = OrderRequest.objects.get(order=order)
    assert (asked.kind, asked.state, asked.message) == (
        RequestKind.BUYER_CANCEL,
        RequestState.OPEN,
        "I ordered the wrong colour",
    )
    assert Order.objects.get(pk=order.pk).status == Status.NEW

    page.fill("#request-write textarea", "Blue instead of red, please")
    page.click("#request-write button[type=submit]")
    expect(page.locator("#request-thread")).to_contain_text("Blue instead of red, please")
    assert RequestMessage.objects.filter(request=asked, author_kind="buyer").count() == 1

    page.click("#request-withdraw button[type=submit]")
    expect(page.locator("#request")).to_have_count(0)
    expect(page.locator("#cancel")).to_be_visible()
    assert OrderRequest.objects.get(pk=asked.pk).state == RequestState.WITHDRAWN
    assert Order.objects.get(pk=order.pk).status == Status.NEW
    assert_own_origin(posts, live_server)


def test_buyer_declines_the_stores_request_with_a_message(page, live_server, place_order, seller, manager):
    from playwright.sync_api import expect

    order = accepted(place_order, seller)
    asked = request_open(
        actor=Actor.seller(manager),
        order=order,
        kind=RequestKind.SELLER_CANCEL,
        ground=CancelGround.CANNOT_SUPPLY,
        message=LONG_MESSAGE,
    )
    posts = watch_posts(page)
    page.goto(f"/o/{order.public_token}/")
    expect(page.locator("#request-title")).to_have_text("The store asks you to agree to cancel the order")
    expect(page.locator("#request-ground")).to_contain_text("The goods cannot be supplied")
    fits_the_phone(page, "public-request-seller-cancel")

    page.fill("#request-answer textarea", "I will wait, please send it")
    page.click("#request-decline")
    expect(page.locator("#dispute")).to_contain_text("The moderators are looking at it")
    answered = OrderRequest.objects.get(pk=asked.pk)
    assert (answered.state, answered.answer_message) == (RequestState.DECLINED, "I will wait, please send it")
    assert Dispute.objects.get(order=order).origin == DisputeOrigin.DECLINED_REQUEST
    assert Order.objects.get(pk=order.pk).status == Status.ACCEPTED
    fits_the_phone(page, "public-dispute")
    assert_own_origin(posts, live_server)


def test_buyer_agrees_to_cancel(page, live_server, place_order, seller, manager):
    from playwright.sync_api import expect

    order = accepted(place_order, seller)
    request_open(
        actor=Actor.seller(manager),
        order=order,
        kind=RequestKind.SELLER_CANCEL,
        ground=CancelGround.DUPLICATE,
        message="You placed this order twice",
    )
    posts = watch_posts(page)
    page.goto(f"/o/{order.public_token}/")
    page.click("#request-accept")
    expect(page.locator("#cancel-reason")).to_be_visible()
    cancelled = Order.objects.get(pk=order.pk)
    assert (cancelled.status, cancelled.cancel_reason) == (Status.CANCELLED, CancelReason.MUTUAL)
    assert_own_origin(posts, live_server)


def test_buyer_complains_about_a_late_order(page, live_server, clock, place_order, seller):
    from playwright.sync_api import expect

    order = accepted(place_order, seller)
    clock.move_to(PINNED_NOW + timedelta(days=3))  # the day after the ship-by date
    posts = watch_posts(page)
    page.goto(f"/o/{order.public_token}/")
    expect(page.locator("#cancel-late")).to_be_visible()
    expect(page.locator("#complain")).to_be_visible()
    fits_the_phone(page, "public-late-order")
    # Empty: the browser asks for the text and nothing is sent.
    page.click("#complain button[type=submit]")
    assert not posts

    page.fill("#complain textarea", "Nothing shipped yet and the store does not answer")
    page.click("#complain button[type=submit]")
    expect(page.locator("#dispute")).to_contain_text("You complained that the order is late.")
    expect(page.locator("#complain")).to_have_count(0)
    dispute = Dispute.objects.get(order=order)
    assert (dispute.origin, dispute.state) == (DisputeOrigin.LATE_ORDER, DisputeState.OPEN)
    assert Order.objects.get(pk=order.pk).status == Status.ACCEPTED
    assert_own_origin(posts, live_server)
