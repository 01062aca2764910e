"""What must never be false is a database constraint: writes that bypass the services
(`queryset.update`, raw saves) are refused by PostgreSQL itself."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from orders.choices import Status
from orders.models import Order, OrderComment, OrderItem
from sellers.models import Offer
from tests.orders.support import bring, order_test_env  # noqa: F401 (order_test_env is a fixture)

pytestmark = pytest.mark.usefixtures("order_test_env")


def violates(constraint: str, write, *, also=()) -> None:
    """`write()` fails on this constraint (or one of `also`) and the transaction goes on."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        write()
    assert caught.value.__cause__.diag.constraint_name in {constraint, *also}


@pytest.fixture
def order(place_order, seller):
    return bring(place_order, seller, Status.ACCEPTED)


@pytest.mark.parametrize("quantity", [0, -3])
def test_an_item_quantity_is_positive(order, quantity):
    item = order.items.first()
    # Zero passes the column's own `>= 0` check of a PositiveIntegerField: only our constraint stops it.
    violates(
        "order_item_quantity_positive",
        lambda: OrderItem.objects.filter(pk=item.pk).update(quantity=quantity),
        also=() if quantity == 0 else ("order_item_quantity_check",),
    )
    assert OrderItem.objects.get(pk=item.pk).quantity == item.quantity


def test_an_item_price_is_not_negative(order):
    violates("order_item_price_not_negative", lambda: order.items.update(price=Decimal("-0.01")))


def test_stock_is_never_negative(offers):
    violates("offer_stock_not_negative", lambda: Offer.objects.filter(pk=offers[0].pk).update(stock=-1))
    Offer.objects.filter(pk=offers[0].pk).update(stock=0)  # zero is fine
    assert Offer.objects.get(pk=offers[0].pk).stock == 0


def test_an_offer_price_is_not_negative(offers):
    violates("offer_price_not_negative", lambda: Offer.objects.filter(pk=offers[0].pk).update(price=-1))


def test_a_cancelled_order_always_has_a_reason(order, place_order, seller):
    violates(
        "order_cancelled_has_reason",
        lambda: Order.objects.filter(pk=order.pk).update(status=Status.CANCELLED, cancel_reason=""),
    )
    cancelled = bring(place_order, seller, Status.CANCELLED)
    violates("order_cancelled_has_reason", lambda: Order.objects.filter(pk=cancelled.pk).update(cancel_reason=""))
    assert Order.objects.get(pk=order.pk).status == Status.ACCEPTED
    Order.objects.filter(pk=order.pk).update(status=Status.CANCELLED, cancel_reason="other")  # with one it holds


def test_order_amounts_are_not_negative(order):
    violates("order_delivery_cost_not_negative", lambda: Order.objects.filter(pk=order.pk).update(delivery_cost=-1))
    violates("order_items_total_not_negative", lambda: Order.objects.filter(pk=order.pk).update(items_total=-1))


def test_an_order_is_not_split_from_itself(order):
    violates("order_not_split_from_itself", lambda: Order.objects.filter(pk=order.pk).update(split_from=order.pk))


def test_a_comment_is_not_empty(order, manager):
    violates("order_comment_not_empty", lambda: OrderComment.objects.create(order=order, author=manager, text=""))
