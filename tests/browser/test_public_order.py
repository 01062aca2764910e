"""The buyer's public order page in a real browser: the forms a buyer posts work in Chromium,
which sends an Origin header (Django's test client sends none, so only a browser shows a CSRF
Origin failure)."""

from __future__ import annotations

import pytest

from orders.choices import CancelReason, Status
from orders.models import Order
from sellers.models import Offer
from tests.browser.conftest import shoot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]


def test_buyer_cancels_from_the_public_page(page, live_server, offers, place_order):
    from playwright.sync_api import expect

    order = place_order()
    stock_before = list(
        Offer.objects.filter(pk__in=[o.pk for o in offers]).order_by("pk").values_list("stock", flat=True)
    )
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.headers.get("origin")))

    page.goto(f"/o/{order.public_token}/")
    expect(page.locator("#cancel")).to_be_visible()
    shoot(page, "public-order")
    # Unconfirmed: the browser itself asks for the tick (a required field) and nothing is sent.
    page.click("#cancel button[type=submit]")
    assert not posts and Order.objects.get(pk=order.pk).status == Status.NEW

    page.fill("#cancel textarea", "Found it cheaper")
    page.check("#cancel input[type=checkbox]")
    page.click("#cancel button[type=submit]")
    expect(page.locator("#cancel-reason")).to_be_visible()
    cancelled = Order.objects.get(pk=order.pk)
    assert (cancelled.status, cancelled.cancel_reason) == (Status.CANCELLED, CancelReason.BUYER_CANCELLED)
    assert cancelled.cancel_comment == "Found it cheaper"
    # Our own origin went with the POSTs (not "null"), and the stock went back.
    assert posts and all(origin == live_server.url for origin in posts), posts
    assert list(Offer.objects.filter(pk__in=[o.pk for o in offers]).order_by("pk").values_list("stock", flat=True)) == [
        s + q for s, q in zip(stock_before, (2, 1), strict=True)
    ]
    # The page keeps its link out of other sites' Referer headers.
    policy = page.evaluate("document.querySelector('meta[name=referrer]').content")
    assert policy == "same-origin"
