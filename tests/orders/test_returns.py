"""Goods of a parcel that comes back (docs/rules.md §8, issue 13 item 5): an order cancelled while
with a carrier keeps its goods off sale until the return is received, once, by the seller or the
carrier's tracking; orders whose goods are still in the store return their stock at once."""

from datetime import timedelta

import pytest

from marketplace.actors import Actor, ActorKind
from marketplace.errors import NotAllowed, RuleViolation
from orders.choices import CancelReason, Status
from orders.services import (
    order_cancel,
    order_cancel_by_buyer,
    order_cancel_by_platform,
    order_return_received,
)
from sellers.models import Offer
from tests.orders.support import (  # noqa: F401 (order_test_env is a fixture)
    COURIER,
    NP,
    bring,
    fetch,
    history_count,
    last_history,
    order_test_env,
    refused,
    stocks,
)

pytestmark = pytest.mark.usefixtures("order_test_env")
R = CancelReason

# Every way an order in delivery with a carrier gets cancelled.
CARRIER_CANCELS = {
    "carrier-refusal": lambda order, seller: order_cancel_by_platform(
        order=order, reason=R.BUYER_CHANGED_MIND, expected_status=Status.IN_DELIVERY
    ),
    "buyer": lambda order, seller: order_cancel_by_buyer(order=order),
    "seller": lambda order, seller: order_cancel(actor=seller, order=order, reason=R.OTHER, comment="Lost parcel"),
}


@pytest.mark.parametrize("how", CARRIER_CANCELS)
def test_cancelling_a_parcel_with_the_carrier_keeps_its_goods_off_sale(place_order, seller, offers, clock, how):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    assert stocks(offers) == [8, 4]
    offer_history = Offer.history.count()
    CARRIER_CANCELS[how](order, seller)
    order = fetch(order)
    assert order.status == Status.CANCELLED
    assert stocks(offers) == [8, 4]  # the goods travel back with the parcel
    assert Offer.history.count() == offer_history
    assert order.return_expected_since is not None and order.return_received_at is None


@pytest.mark.parametrize(
    "status, method",
    [(Status.IN_DELIVERY, COURIER), (Status.AWAITING_PICKUP, None), (Status.AWAITING_SHIPMENT, NP)],
)
def test_goods_not_with_a_carrier_return_to_stock_at_once(place_order, seller, offers, status, method):
    order = bring(place_order, seller, status, method=method)
    order_cancel(actor=seller, order=order, reason=R.OTHER, comment="Changed plans")
    assert stocks(offers) == [10, 5]
    order = fetch(order)
    assert order.return_expected_since is None and order.return_received_at is None
    with pytest.raises(RuleViolation, match="No goods of order"):
        order_return_received(actor=seller, order=order)


def test_the_seller_confirms_the_goods_came_back(place_order, seller, offers, manager, clock):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    order_cancel_by_buyer(order=order)
    clock.shift(timedelta(days=4))
    before = history_count(order)
    order_return_received(actor=seller, order=order)
    assert stocks(offers) == [10, 5]
    order = fetch(order)
    assert order.return_received_at is not None and order.return_received_at > order.return_expected_since
    assert history_count(order) == before + 1
    record = last_history(order)
    assert (record.action, record.actor_kind, record.history_user) == ("return_received", ActorKind.SELLER, manager)
    offer_record = Offer.history.filter(id=offers[0].pk).order_by("-history_id").first()
    assert (offer_record.action, offer_record.stock) == ("return_received", 10)


def test_the_carrier_reports_the_return_delivered(place_order, seller, offers):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    order_cancel_by_platform(order=order, reason=R.BUYER_CHANGED_MIND)
    order_return_received(actor=Actor.carrier(), order=order)
    assert stocks(offers) == [10, 5]
    assert last_history(order).actor_kind == ActorKind.CARRIER


@pytest.mark.parametrize("second", ["seller", "carrier"])
def test_the_return_is_received_once(place_order, seller, offers, second):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    order_cancel_by_buyer(order=order)
    order_return_received(actor=Actor.carrier() if second == "seller" else seller, order=order)
    assert stocks(offers) == [10, 5]
    again = seller if second == "seller" else Actor.carrier()
    refused(order, RuleViolation, lambda: order_return_received(actor=again, order=order), "came back already")
    assert stocks(offers) == [10, 5]


def test_an_open_order_has_no_return_to_receive(place_order, seller):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    refused(order, RuleViolation, lambda: order_return_received(actor=seller, order=order), "No goods")


def test_only_the_store_or_the_carrier_receives_a_return(place_order, seller, outsider):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    order_cancel_by_buyer(order=order)
    refused(order, NotAllowed, lambda: order_return_received(actor=Actor.seller(outsider), order=order), "No such")
    refused(order, NotAllowed, lambda: order_return_received(actor=Actor.buyer(), order=order), "not available")
    refused(order, NotAllowed, lambda: order_return_received(actor=Actor.platform(), order=order), "not available")
