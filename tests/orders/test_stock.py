"""Stock follows the order (docs/rules.md §3, §5, §10): reserved when placed, moved by item edits, kept
through shipment, returned on every cancellation except the corrected `out_of_stock` offer."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.actors import Actor
from marketplace.errors import NotAllowed, RuleViolation
from orders.choices import CancelReason, Status
from orders.models import Order, OrderItem
from orders.services import (
    Line,
    order_add_item,
    order_call_log,
    order_cancel,
    order_cancel_by_buyer,
    order_cancel_by_platform,
    order_place,
    order_return_received,
    order_set_item_quantity,
)
from sellers.models import Offer
from tests.conftest import VALID_PHONE
from tests.orders.support import (  # noqa: F401 (order_test_env is a fixture)
    COURIER,
    NP,
    PICKUP,
    bring,
    order_test_env,
    placed_earlier,
    stocks,
)

pytestmark = pytest.mark.usefixtures("order_test_env")
R = CancelReason


def place(store, *lines):
    return order_place(
        store=store,
        buyer_name="Taras",
        buyer_phone=VALID_PHONE,
        lines=[Line(offer.pk, quantity) for offer, quantity in lines],
    )


# --- placing ----------------------------------------------------------------------------------


def test_placing_reserves_the_stock_of_every_line(store, offers):
    order = place(store, (offers[0], 3), (offers[1], 2), (offers[0], 1))
    assert stocks(offers) == [6, 3]
    assert list(order.items.values_list("offer_id", "quantity")) == [(offers[0].pk, 4), (offers[1].pk, 2)]
    assert order.items_total == Decimal("1999.80")


def nothing_placed(store, offers, *lines, fragment):
    orders, history = Order.objects.count(), (Order.history.count(), OrderItem.history.count(), Offer.history.count())
    with pytest.raises(RuleViolation) as caught:
        place(store, *lines)
    assert fragment in str(caught.value)
    assert stocks(offers) == [10, 5]
    assert Order.objects.count() == orders and OrderItem.objects.count() == 0
    assert (Order.history.count(), OrderItem.history.count(), Offer.history.count()) == history


def test_placing_more_than_the_stock_places_nothing(store, offers):
    nothing_placed(store, offers, (offers[0], 2), (offers[1], 6), fragment="Only 5 of “Charger” in stock, 6 asked.")


def test_a_paused_or_foreign_offer_places_nothing(store, offers, outsider_offer):
    Offer.objects.filter(pk=offers[1].pk).update(paused=True)
    nothing_placed(store, offers, (offers[0], 1), (offers[1], 1), fragment="not on sale")
    Offer.objects.filter(pk=offers[1].pk).update(paused=False)
    nothing_placed(store, offers, (offers[0], 1), (outsider_offer, 1), fragment="not on sale")
    assert Offer.objects.get(pk=outsider_offer.pk).stock == 3


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_line_without_units_places_nothing(store, offers, quantity):
    nothing_placed(store, offers, (offers[0], 1), (offers[1], quantity), fragment="positive")


@pytest.mark.parametrize("flag", ["is_suspended", "offers_hidden"])
def test_a_suspended_or_hidden_store_takes_no_orders(store, offers, flag):
    setattr(store, flag, True)
    store.save()
    nothing_placed(store, offers, (offers[0], 1), fragment="does not take orders")


# --- the way to the buyer keeps the reservation ------------------------------------------------


@pytest.mark.parametrize("method", [NP, COURIER, PICKUP])
def test_stock_stays_reserved_up_to_receipt(place_order, seller, offers, method):
    bring(place_order, seller, Status.RECEIVED, method=method)
    assert stocks(offers) == [8, 4]


def test_every_stock_move_is_in_the_offers_history(place_order, seller, offers, manager):
    order = bring(place_order, seller, Status.ACCEPTED)
    item = order.items.get(offer=offers[0])
    order_set_item_quantity(actor=seller, order=order, item_id=item.pk, quantity=4)
    order_set_item_quantity(actor=seller, order=order, item_id=item.pk, quantity=1)
    rows = list(Offer.history.filter(id=offers[0].pk).order_by("history_id"))
    assert [row.stock for row in rows] == [10, 8, 6, 9]
    assert [row.history_user for row in rows[-2:]] == [manager, manager]


# --- cancellation returns the stock -----------------------------------------------------------


def cancel_seller(reason, **extra):
    return lambda order, seller: order_cancel(actor=seller, order=order, reason=reason, **extra)


def cancel_unreachable(order, seller):
    now = timezone.now()
    placed_earlier(order, now - timedelta(hours=1))
    for minutes in (30, 5):
        order_call_log(actor=seller, order=order, outcome="busy", called_at=now - timedelta(minutes=minutes))
    order_cancel(actor=seller, order=order, reason=R.BUYER_UNREACHABLE)


CANCELS = {
    "seller-other": (Status.CONFIRMED, cancel_seller(R.OTHER, comment="No courier today")),
    "seller-unreachable": (Status.ACCEPTED, cancel_unreachable),
    "seller-changed-mind": (Status.AWAITING_PICKUP, cancel_seller(R.BUYER_CHANGED_MIND)),
    "seller-not-picked-up": (Status.AWAITING_PICKUP, cancel_seller(R.BUYER_NOT_PICKED_UP)),
    "buyer": (Status.IN_DELIVERY, lambda order, seller: order_cancel_by_buyer(order=order)),
    "processing-expired": (
        Status.NEW,
        lambda order, seller: order_cancel_by_platform(order=order, reason=R.PROCESSING_TIME_EXPIRED),
    ),
    "shipping-expired": (
        Status.AWAITING_SHIPMENT,
        lambda order, seller: order_cancel_by_platform(order=order, reason=R.SHIPPING_TIME_EXPIRED),
    ),
    "carrier-refusal": (
        Status.IN_DELIVERY,
        lambda order, seller: order_cancel_by_platform(order=order, reason=R.BUYER_CHANGED_MIND),
    ),
}


@pytest.mark.parametrize("how", CANCELS)
def test_every_cancellation_returns_the_stock(place_order, seller, offers, how):
    status, cancel = CANCELS[how]
    bring(place_order, seller, Status.ACCEPTED, lines=[(offers[1], 2)])  # another order keeps its reservation
    order = bring(place_order, seller, status)
    assert stocks(offers) == [8, 2]
    cancel(order, seller)
    order = Order.objects.get(pk=order.pk)
    assert order.status == Status.CANCELLED
    if status == Status.IN_DELIVERY:
        # A parcel with the carrier: its goods come back on sale when they come back (docs/rules.md §8).
        assert stocks(offers) == [8, 2] and order.return_expected_since is not None
        order_return_received(actor=seller, order=order)
    assert stocks(offers) == [10, 3]


def test_out_of_stock_sets_the_corrected_offer_and_returns_the_rest(place_order, seller, offers):
    order = bring(place_order, seller, Status.ACCEPTED)
    order_cancel(actor=seller, order=order, reason=R.OUT_OF_STOCK, stock={offers[1].pk: 0})
    assert stocks(offers) == [10, 0]


def test_one_offer_on_two_lines_counts_once_for_its_units(place_order, seller, offers):
    """After a price change the same offer may sit on two lines; both count, both come back."""
    order = bring(place_order, seller, Status.ACCEPTED, lines=[(offers[0], 2), (offers[1], 1)])
    Offer.objects.filter(pk=offers[0].pk).update(price=Decimal("275.00"))
    order_add_item(actor=seller, order=order, offer_id=offers[0].pk, quantity=3)
    assert order.items.filter(offer=offers[0]).count() == 2
    assert stocks(offers) == [5, 4]
    with pytest.raises(RuleViolation, match="covers the 5 ordered"):
        order_cancel(actor=seller, order=order, reason=R.OUT_OF_STOCK, stock={offers[0].pk: 5})
    order_cancel(actor=seller, order=order, reason=R.OUT_OF_STOCK, stock={offers[0].pk: 4})
    assert stocks(offers) == [4, 5]


def test_a_refused_cancellation_keeps_the_reservation(place_order, seller, offers, outsider):
    order = bring(place_order, seller, Status.CONFIRMED)
    for attempt in (
        lambda: order_cancel(actor=seller, order=order, reason=R.BUYER_NOT_PICKED_UP),
        lambda: order_cancel(actor=Actor.seller(outsider), order=order, reason=R.OTHER, comment="x"),
        lambda: order_cancel_by_platform(order=order, reason=R.PROCESSING_TIME_EXPIRED),
    ):
        with pytest.raises((RuleViolation, NotAllowed)):
            attempt()
    assert stocks(offers) == [8, 4]
