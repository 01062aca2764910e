"""Phone width: at 360 and 390 px no cabinet page and no buyer page is wider than the screen.

Chromium through Playwright visits every cabinet page (sign-in, password reset, the order list,
order pages in several statuses, one with long names, an address and an e-mail that do not
break, the offers, the settings) and the buyer's page, in Ukrainian and English, and checks that
the document is no wider than the viewport. A strip of tabs (sections, statuses) may scroll
sideways inside itself, never widen the page, and shows a fade at its edge while there is more
to scroll to. Screenshots go to var/screenshots/phone-*.png.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.choices import CancelReason
from orders.models import Order
from orders.services import order_cancel, order_confirm, order_open, order_pack, order_ship
from sellers.models import Offer
from tests.browser.conftest import PASSWORD, shoot
from tests.conftest import VALID_TTN, make_store, ready_delivery

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]

LONG_TITLE = "Захисне скло Samsung Galaxy S24 Ultra з рамкою-аплікатором, 2 шт. SKU-GLASS-S24U-FRAME-APPLICATOR-2PCS"
LONG_NAME = "Олександра-Марія Костянтинівна Вишнивецька-Дорошенко"
LONG_EMAIL = "oleksandra.mariia.vyshnyvetska.doroshenko@very-long-company-domain.com.ua"
LONG_ADDRESS = "вул. Велика Васильківська-Червоноармійська, 144/2, під'їзд 3, кв. 1078, Київ, 03150"
LONG_BRANCH = "Відділення №1234 (до 30 кг): вул. Миколи Пимоненка, 13, Київ, ТЦ «Пімоненко-Плаза»"
LONG_STORE = "Інтернет-магазин «Найкращі аксесуари для смартфонів»"

# Elements that stick out of the page to the right, outside any box that scrolls or clips sideways.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x !== 'visible') return p !== document.documentElement && p !== document.body;
    }
    return false;
  };
  return [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5 && !clipped(el))
    .slice(0, 8)
    .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className}: ` +
                 `${Math.round(el.getBoundingClientRect().right)}px`);
}"""
# Every strip of tabs: whether it scrolls inside itself, whether it has more to show, its fade.
STRIPS = """() => [...document.querySelectorAll('.tabs, .mainnav')].map((el) => ({
  name: el.className,
  overflowX: getComputedStyle(el).overflowX,
  more: el.scrollWidth > el.clientWidth + 1,
  fade: getComputedStyle(el, '::after').backgroundImage,
  fadeShown: getComputedStyle(el, '::after').display !== 'none',
}))"""


def sign_in(page, username: str) -> None:
    page.goto("/cabinet/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/cabinet/orders/")


def check_width(page, name: str) -> None:
    page.wait_for_load_state("load")
    size = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,"
        " inner: window.innerWidth})"
    )
    shoot(page, f"phone-{name}")
    assert size["scroll"] <= size["client"] <= size["inner"], (name, size, page.evaluate(OVERFLOWING))
    for strip in page.evaluate(STRIPS):
        assert strip["overflowX"] in ("auto", "scroll"), (name, strip)
        if strip["more"]:  # the tabs go on beyond the edge: a fade says so
            assert strip["fadeShown"] and "gradient" in strip["fade"], (name, strip)


@pytest.fixture
def orders(store, owner, offers, place_order, seller):
    """Orders in several statuses, one with long names, address, e-mail and item title; the
    owner has a second store with a long name (the store switcher shows)."""
    make_store(LONG_STORE, owner=owner)
    store.name = "Alpha Shop — аксесуари та зарядні пристрої"
    store.save()
    Offer.objects.filter(store=store).update(stock=500)
    long_offer = Offer.objects.create(store=store, title=LONG_TITLE, sku="GLASS-S24U", price=Decimal("1299"), stock=40)
    new = place_order()
    accepted = order_open(actor=seller, order=place_order())
    confirmed = order_confirm(actor=seller, order=ready_delivery(order_open(actor=seller, order=place_order()), seller))
    shipped = order_ship(actor=seller, order=order_pack(actor=seller, order=confirmed), ttn=VALID_TTN)
    confirmed = order_confirm(actor=seller, order=ready_delivery(order_open(actor=seller, order=place_order()), seller))
    cancelled = order_cancel(
        actor=seller, order=place_order(), reason=CancelReason.OTHER, comment="Покупець просив зателефонувати пізніше"
    )
    long = place_order([(long_offer, 12), (offers[0], 1)], delivery_method="courier")
    Order.objects.filter(pk=long.pk).update(buyer_name=LONG_NAME, buyer_email=LONG_EMAIL, delivery_address=LONG_ADDRESS)
    branch = order_open(actor=seller, order=place_order())
    Order.objects.filter(pk=branch.pk).update(delivery_branch=LONG_BRANCH)
    for _n in range(6):  # a longer list
        place_order()
    return {
        "new": new,
        "accepted": accepted,
        "confirmed": confirmed,
        "in-delivery": shipped,
        "cancelled": cancelled,
        "long": long,
        "long-branch": branch,
    }


@pytest.mark.parametrize("width", [360, 390])
def test_no_page_is_wider_than_a_phone(page, live_server, owner, orders, width):
    context = page.context.browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 780}, device_scale_factor=2, has_touch=True
    )
    context.set_default_timeout(10_000)
    phone = context.new_page()
    try:
        for language in ("uk", "en"):
            context.clear_cookies()
            context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            tag = f"{width}-{language}"
            for name, url in (("login", "/cabinet/login/"), ("password-reset", "/cabinet/password-reset/")):
                phone.goto(url)
                check_width(phone, f"{tag}-{name}")
            for name, order in orders.items():
                phone.goto(f"/o/{order.public_token}/")
                check_width(phone, f"{tag}-buyer-{name}")
            sign_in(phone, owner.username)
            check_width(phone, f"{tag}-order-list")
            for tab in ("accepted", "all"):
                phone.goto(f"/cabinet/orders/?tab={tab}")
                check_width(phone, f"{tag}-order-list-{tab}")
            for name, order in orders.items():
                phone.goto(f"/cabinet/orders/{order.pk}/")
                check_width(phone, f"{tag}-order-{name}")
                for summary in phone.locator("details > summary").all():  # the edit forms, opened
                    if summary.is_visible():
                        summary.click()
                expect(phone.locator("[data-lazy-form]")).to_have_count(0)  # each opened group's forms came
                check_width(phone, f"{tag}-order-{name}-open")
            for name, url in (("offers", "/cabinet/offers/"), ("settings", "/cabinet/settings/")):
                phone.goto(url)
                check_width(phone, f"{tag}-{name}")
    finally:
        context.close()
