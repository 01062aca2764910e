"""What each side may do now (orders.requests.rules.request_actions, docs/rules.md §6): one source for
the cabinet, the buyer's page and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import clock as platform_clock
from marketplace.actors import ActorKind
from orders.choices import Status
from orders.models import Order
from orders.requests.models import RequestKind
from orders.requests.rules import agreed_date, is_late, request_actions, windows
from orders.tracking.models import Parcel
from tests.orders.requests.support import confirmed, open_kind, set_policy
from tests.orders.support import bring

pytestmark = pytest.mark.usefixtures("requests_env")
BUYER, SELLER = ActorKind.BUYER, ActorKind.SELLER
K = RequestKind


@pytest.mark.parametrize(
    "status, kinds",
    [
        (Status.NEW, (K.SELLER_CANCEL,)),
        (Status.ACCEPTED, (K.SELLER_CANCEL,)),  # no ship-by date yet
        (Status.CONFIRMED, (K.SELLER_CANCEL, K.MOVE_DATE)),
        (Status.AWAITING_SHIPMENT, (K.SELLER_CANCEL, K.MOVE_DATE)),
        (Status.IN_DELIVERY, (K.SELLER_CANCEL,)),
        (Status.AWAITING_PICKUP, (K.SELLER_CANCEL,)),
        (Status.RECEIVED, ()),
        (Status.CANCELLED, ()),
    ],
)
def test_the_sellers_kinds_by_status(status, kinds, place_order, seller):
    order = bring(place_order, seller, status)
    assert request_actions(order, SELLER).open_kinds == kinds


def test_move_date_needs_a_ship_by_date(place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    Order.objects.filter(pk=order.pk).update(ship_by=platform_clock.today() + timedelta(days=1))
    assert K.MOVE_DATE in request_actions(Order.objects.get(pk=order.pk), SELLER).open_kinds


def test_the_buyers_cancel_in_each_mode(place_order, seller):
    order = confirmed(place_order, seller)
    asks = request_actions(order, BUYER)
    assert (asks.open_kinds, asks.can_cancel, asks.cancels_at_once, asks.can_complain) == (
        (K.BUYER_CANCEL,),
        True,
        False,
        False,
    )
    set_policy(buyer_cancel_mode="instant")
    instant = request_actions(order, BUYER)
    assert (instant.open_kinds, instant.can_cancel, instant.cancels_at_once) == ((), True, True)


def test_a_late_order_cancels_at_once_in_every_mode_and_may_be_complained_about(place_order, seller):
    order = confirmed(place_order, seller)
    Order.objects.filter(pk=order.pk).update(ship_by=platform_clock.today() - timedelta(days=1))
    order = Order.objects.get(pk=order.pk)
    assert is_late(order)
    late = request_actions(order, BUYER)
    assert (late.open_kinds, late.can_cancel, late.cancels_at_once, late.can_complain) == ((), True, True, True)
    Order.objects.filter(pk=order.pk).update(ship_by=platform_clock.today())
    assert not is_late(Order.objects.get(pk=order.pk))  # "passed" means the Kyiv date is after it


def test_the_agreed_date_of_a_parcel_in_delivery(place_order, seller):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    Parcel.objects.filter(order=order).delete()
    assert agreed_date(order) == order.ship_by + timedelta(days=3)
    Parcel.objects.create(order=order, carrier="nova_poshta", number="20450000000001", scheduled_delivery=order.ship_by)
    assert agreed_date(Order.objects.get(pk=order.pk)) == order.ship_by
    assert is_late(order, today=order.ship_by + timedelta(days=1))
    assert agreed_date(bring(place_order, seller, Status.AWAITING_PICKUP)) is None


@pytest.mark.parametrize("kind", [K.SELLER_CANCEL, K.MOVE_DATE, K.BUYER_CANCEL])
def test_an_open_request_blocks_new_ones_and_says_who_answers(kind, place_order, seller):
    order = confirmed(place_order, seller)
    request = open_kind(kind, order, seller)
    opener, answerer = (BUYER, SELLER) if kind == K.BUYER_CANCEL else (SELLER, BUYER)
    for side in (BUYER, SELLER):
        actions = request_actions(order, side)
        assert actions.request == request and actions.open_kinds == ()
        assert actions.can_write
        assert actions.can_answer == (side == answerer)
        assert actions.can_withdraw == (side == opener)
    seller_view = request_actions(order, SELLER)
    if opener == SELLER:
        assert seller_view.follow_up_from > request.opened_at and not seller_view.can_follow_up
    else:
        assert seller_view.follow_up_from is None and not seller_view.can_follow_up
    assert request_actions(order, SELLER, now=request.expires_at).can_answer is False


def test_windows_in_each_counting_mode():
    opened = platform_clock.now()
    assert windows(opened) == (opened + timedelta(hours=24), opened + timedelta(hours=48))
    set_policy(request_window_counting="working", request_accept_hours=2, request_expire_hours=20)
    answer_by, expires_at = windows(opened)  # Tuesday 10:00: 2 working hours, then 20 (10 today, 10 tomorrow)
    assert answer_by == opened + timedelta(hours=2)
    assert expires_at == opened + timedelta(days=1, hours=9)
