"""Tracking and returns in the cabinet (docs/rules.md §8, issue 13 items 5 and 6): the order page shows
the parcel's state, last and next check and a warning when the carrier does not know the number; the
list filters tracking problems; the "goods came back" button puts the stock back once; another store's
member gets nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from marketplace import clock as platform_clock
from orders.carriers.base import StateGroup
from orders.choices import Status
from orders.models import Order, Parcel
from orders.services import order_cancel_by_buyer, order_ship
from sellers.cabinet.selectors import TRACKING_FAILURES_PROBLEM
from sellers.models import Offer
from tests.orders.support import bring, fetch, stocks

G = StateGroup
LIST = reverse("cabinet:order_list")
TODAY = date(2026, 11, 24)  # the pinned clock's Kyiv date


def shipped(place_order, seller, n: int) -> Order:
    order = bring(place_order, seller, Status.AWAITING_SHIPMENT)
    return order_ship(actor=seller, order=order, ttn=f"204500000001{n:02d}")


def track(order: Order, **state) -> Parcel:
    """The parcel's state as the tracking pipeline stores it (shipping started tracking it)."""
    parcel, _created = Parcel.objects.update_or_create(
        order=order, number=order.ttn, defaults={"carrier": "nova_poshta", "active": True, **state}
    )
    return parcel


def detail(client, order) -> str:
    response = client.get(reverse("cabinet:order_detail", args=[order.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- the order page ------------------------------------------------------------------------------


def test_the_order_page_shows_the_parcels_state_and_checks(manager_client, place_order, seller):
    order = shipped(place_order, seller, 1)
    now = platform_clock.now()
    track(
        order,
        group=G.IN_TRANSIT,
        code="5",
        text="Прямує до міста Львів",
        last_checked_at=now - timedelta(minutes=20),
        next_check_at=now + timedelta(hours=2),
        scheduled_delivery=date(2026, 11, 26),
    )
    html = detail(manager_client, order)
    card = html.split('id="tracking"', 1)[1].split("</section>", 1)[0]
    assert "In transit" in card and "Прямує до міста Львів" in card and "5)" in card
    assert "24.11.2026 09:40" in card and "24.11.2026 12:00" in card  # last and next check, Kyiv time
    assert "26 November" in card
    assert "novaposhta.ua/tracking" in card
    assert 'data-problem="not_found"' not in html


def test_a_number_the_carrier_does_not_know_asks_to_fix_it(manager_client, place_order, seller):
    order = shipped(place_order, seller, 1)
    track(order, group=G.NOT_FOUND, code="3", text="Номер не знайдено")
    html = detail(manager_client, order)
    assert 'data-problem="not_found"' in html
    assert f"does not know the tracking number {order.ttn}" in html
    assert "fix the tracking number" in html


@pytest.mark.parametrize(
    "state, problem",
    [
        ({"failures": TRACKING_FAILURES_PROBLEM, "group": G.IN_TRANSIT}, "failures"),
        ({"group": G.FAILED_ATTEMPT}, "failed_attempt"),
        ({"group": G.AT_BRANCH, "storage_free_until": TODAY + timedelta(days=1)}, "storage_ending"),
    ],
)
def test_other_tracking_problems_are_shown_on_the_order_page(manager_client, place_order, seller, state, problem):
    order = shipped(place_order, seller, 1)
    track(order, **state)
    assert f'data-problem="{problem}"' in detail(manager_client, order)


# --- the list's filter ---------------------------------------------------------------------------


def test_the_list_filters_tracking_problems(manager_client, place_order, seller, offers):
    Offer.objects.filter(pk__in=[o.pk for o in offers]).update(stock=100)
    problems = {
        "not_found": {"group": G.NOT_FOUND},
        "failures": {"group": G.IN_TRANSIT, "failures": TRACKING_FAILURES_PROBLEM},
        "failed_attempt": {"group": G.FAILED_ATTEMPT},
        "storage_ending": {"group": G.AT_BRANCH, "storage_free_until": TODAY},
    }
    fine = {
        "in_transit": {"group": G.IN_TRANSIT, "failures": TRACKING_FAILURES_PROBLEM - 1},
        "at_branch_for_days": {"group": G.AT_BRANCH, "storage_free_until": TODAY + timedelta(days=5)},
        "not_checked_yet": {},
    }
    orders = {}
    for n, (key, state) in enumerate({**problems, **fine}.items()):
        orders[key] = shipped(place_order, seller, n)
        track(orders[key], **state)
    # A cancelled order's parcel is no longer the seller's problem.
    gone = shipped(place_order, seller, 20)
    track(gone, group=G.NOT_FOUND)
    order_cancel_by_buyer(order=gone)
    for tab in ("active", "in_delivery", "all"):
        response = manager_client.get(LIST, {"tab": tab, "tracking": "on"})
        assert response.status_code == 200
        assert sorted(row.order.pk for row in response.context["rows"]) == sorted(orders[k].pk for k in problems)
    everything = manager_client.get(LIST, {"tab": "in_delivery"})
    assert len(everything.context["rows"]) == len(problems) + len(fine)
    assert 'name="tracking"' in everything.content.decode()


def test_the_filter_shows_only_the_members_store(outsider_client, place_order, seller):
    order = shipped(place_order, seller, 1)
    track(order, group=G.NOT_FOUND)
    response = outsider_client.get(LIST, {"tab": "all", "tracking": "on"})
    assert list(response.context["rows"]) == []


# --- the goods came back ------------------------------------------------------------------------


@pytest.fixture
def returning(place_order, seller):
    order = shipped(place_order, seller, 1)
    return order_cancel_by_buyer(order=order)


def test_a_cancelled_parcel_shows_the_goods_on_their_way_back(manager_client, returning, offers):
    html = detail(manager_client, returning)
    assert 'id="return"' in html and "Goods on their way back" in html
    assert reverse("cabinet:order_return_received", args=[returning.pk]) in html
    assert stocks(offers) == [8, 4]


def test_the_goods_came_back_button_puts_the_stock_back_once(manager_client, returning, offers):
    url = reverse("cabinet:order_return_received", args=[returning.pk])
    unconfirmed = manager_client.post(url, {})
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.content.decode()
    assert stocks(offers) == [8, 4]
    response = manager_client.post(url, {"return_received-confirm": "on"})
    assert response.status_code == 302
    assert stocks(offers) == [10, 5]
    assert fetch(returning).return_received_at is not None
    page = detail(manager_client, returning)
    assert 'id="return"' not in page and 'id="return-received"' in page
    again = manager_client.post(url, {"return_received-confirm": "on"})
    assert again.status_code == 422
    assert "came back already" in again.content.decode()
    assert stocks(offers) == [10, 5]


def test_another_stores_member_cannot_receive_the_return(outsider_client, returning, offers):
    url = reverse("cabinet:order_return_received", args=[returning.pk])
    before = Offer.history.count()
    assert outsider_client.post(url, {"return_received-confirm": "on"}).status_code == 404
    assert outsider_client.get(reverse("cabinet:order_detail", args=[returning.pk])).status_code == 404
    assert stocks(offers) == [8, 4] and Offer.history.count() == before
    assert fetch(returning).return_received_at is None


def test_fixing_the_tracking_number_from_the_warning(manager_client, place_order, seller):
    order = shipped(place_order, seller, 1)
    track(order, group=G.NOT_FOUND)
    html = detail(manager_client, order)
    assert 'href="#edit-ttn"' in html and 'id="edit-ttn" open' in html
    response = manager_client.post(reverse("cabinet:order_ttn", args=[order.pk]), {"ttn-ttn": "20450000000177"})
    assert response.status_code == 302
    order = fetch(order)
    assert order.ttn == "20450000000177"
    assert Parcel.objects.get(order=order, active=True).number == "20450000000177"
    assert 'data-problem="not_found"' not in detail(manager_client, order)  # the new number is not judged yet
    refused = manager_client.post(reverse("cabinet:order_ttn", args=[order.pk]), {"ttn-ttn": "12"})
    assert refused.status_code == 422 and fetch(order).ttn == "20450000000177"
