"""Phone width with tracking (docs/rules.md §8, issue 13 item 6): the buyer's page with a tracking
section (a long branch, the events, the carrier's link) and the cabinet's order page with the parcel
card, a tracking warning and the "goods came back" form fit 360 px in Chromium, in Ukrainian and
English. Screenshots go to var/screenshots/phone-tracking-*.png."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from marketplace import clock as platform_clock
from orders.carriers.base import StateGroup
from orders.models import Parcel, TrackingEvent
from orders.services import order_cancel_by_buyer, order_confirm, order_open, order_pack, order_ship
from sellers.models import Offer
from tests.browser.test_phone_width import LONG_BRANCH, check_width, sign_in
from tests.conftest import ready_delivery

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]


def ship(place_order, seller, ttn: str):
    order = order_confirm(actor=seller, order=ready_delivery(order_open(actor=seller, order=place_order()), seller))
    return order_ship(actor=seller, order=order_pack(actor=seller, order=order), ttn=ttn)


@pytest.fixture
def tracked(store, offers, place_order, seller):
    Offer.objects.filter(store=store).update(stock=500)
    now = platform_clock.now()
    waiting = ship(place_order, seller, "20450000000101")
    parcel, _created = Parcel.objects.update_or_create(
        order=waiting,
        number=waiting.ttn,
        defaults={
            "carrier": "nova_poshta",
            "group": StateGroup.AT_BRANCH,
            "code": "7",
            "text": "Прибув у відділення",
            "branch": LONG_BRANCH,
            "storage_free_until": date(2026, 12, 1),
            "scheduled_delivery": date(2026, 11, 25),
            "last_checked_at": now,
            "next_check_at": now + timedelta(hours=3),
            "failures": 3,
        },
    )
    for n, (group, code, text, branch) in enumerate(
        [
            (StateGroup.IN_TRANSIT, "41", "Відправлення у місті Київ. Очікуйте додаткове повідомлення", ""),
            (StateGroup.AT_BRANCH, "7", "Прибув у відділення", LONG_BRANCH),
        ]
    ):
        TrackingEvent.objects.create(
            parcel=parcel, order=waiting, group=group, code=code, text=text, branch=branch, at=now + timedelta(hours=n)
        )
    returning = order_cancel_by_buyer(order=ship(place_order, seller, "20450000000102"))
    return {"waiting": waiting, "returning": returning}


def test_tracking_fits_a_phone(page, live_server, owner, tracked):
    context = page.context.browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 780}, device_scale_factor=2, has_touch=True
    )
    context.set_default_timeout(10_000)
    phone = context.new_page()
    try:
        for language in ("uk", "en"):
            context.clear_cookies()
            context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            phone.goto(f"/o/{tracked['waiting'].public_token}/")
            assert phone.locator("#tracking-events li").count() == 2
            assert phone.locator("#tracking-link").is_visible()
            check_width(phone, f"tracking-{language}-buyer")
            sign_in(phone, owner.username)
            for name, order in tracked.items():
                phone.goto(f"/cabinet/orders/{order.pk}/")
                check_width(phone, f"tracking-{language}-order-{name}")
            phone.goto("/cabinet/orders/?tab=in_delivery&tracking=on")
            assert phone.locator(f"[data-order='{tracked['waiting'].pk}']").is_visible()
            check_width(phone, f"tracking-{language}-order-list")
    finally:
        context.close()
