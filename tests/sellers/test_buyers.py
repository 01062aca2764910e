"""A buyer's collaboration history: counts over the phone's earlier orders on the platform."""

from __future__ import annotations

from orders.buyers import buyer_history
from orders.choices import CancelReason, Status
from orders.models import Order
from orders.services import order_cancel
from tests.conftest import VALID_PHONE


def mark(order, **fields):
    Order.objects.filter(pk=order.pk).update(**fields)


def test_counts_by_how_orders_ended(place_order, seller, outsider_store, outsider_offer, django_assert_num_queries):
    a, b, c, d = (place_order() for _ in range(4))
    mark(a, status=Status.CANCELLED, cancel_reason=CancelReason.BUYER_UNREACHABLE)
    mark(b, status=Status.CANCELLED, cancel_reason=CancelReason.BUYER_NOT_PICKED_UP)
    mark(c, status=Status.RECEIVED)
    order_cancel(actor=seller, order=d, reason="other", comment="seller's fault")
    elsewhere = place_order([(outsider_offer, 1)], target_store=outsider_store)
    mark(elsewhere, status=Status.CANCELLED, cancel_reason=CancelReason.BUYER_CHANGED_MIND)
    current = place_order()
    with django_assert_num_queries(1):
        history = buyer_history(VALID_PHONE, exclude_order_id=current.pk)
    assert (history.orders, history.received, history.unreachable, history.not_picked_up, history.changed_mind) == (
        5,
        1,
        1,
        1,
        1,
    )
    assert history.buyer_side_cancellations == 3 and history.is_poor


def test_one_buyer_side_cancellation_is_not_poor(place_order):
    order = place_order()
    mark(order, status=Status.CANCELLED, cancel_reason=CancelReason.BUYER_UNREACHABLE)
    assert not buyer_history(VALID_PHONE).is_poor
    assert buyer_history("+380671112233").orders == 0


def test_a_mutual_cancellation_costs_a_second_query_and_counts_only_on_a_buyer_side_ground(
    place_order, django_assert_num_queries
):
    """Cancelled by agreement without the store's request on a buyer-side ground (the buyer's
    own cancellation request, say): not the buyer's fault, and the check takes its own query."""
    order = place_order()
    mark(order, status=Status.CANCELLED, cancel_reason=CancelReason.MUTUAL)
    with django_assert_num_queries(2):
        history = buyer_history(VALID_PHONE)
    assert (history.orders, history.mistaken, history.buyer_side_cancellations) == (1, 0, 0)
