"""A seller opens the performance page in headless Chromium (screenshot with the charts), clicks a
number and lands on the order list of the orders behind it; on a phone the page fits the screen."""

from __future__ import annotations

import re

import pytest

from orders.choices import CancelReason, Status
from orders.services import order_cancel_by_platform
from tests.browser.conftest import shoot
from tests.browser.test_cabinet_flow import sign_in
from tests.orders.support import bring

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]


def test_a_seller_opens_the_performance_page_and_clicks_a_number(page, manager, store, place_order, seller):
    from playwright.sync_api import expect

    expired = order_cancel_by_platform(order=place_order(), reason=CancelReason.PROCESSING_TIME_EXPIRED)
    received = bring(place_order, seller, Status.RECEIVED)
    bring(place_order, seller, Status.CANCELLED)
    sign_in(page, manager.username)
    page.get_by_role("link", name="Performance").click()
    expect(page.locator("h1")).to_have_text("Performance")
    expect(page.locator("svg.chart")).to_have_count(13)
    expect(page.locator("#rating-value")).to_be_visible()
    shoot(page, "performance-page")

    number = page.locator("#metric-expiries a.metric-number[data-days='30']")
    expect(number).to_have_text("1")
    number.click()
    expect(page).to_have_url(re.compile(r"/cabinet/orders/\?tab=cancelled&metric=expiries&days=30$"))
    rows = page.locator("table.orders tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-order", str(expired.pk))
    assert received.pk != expired.pk

    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/cabinet/performance/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    shoot(page, "performance-page-phone")
