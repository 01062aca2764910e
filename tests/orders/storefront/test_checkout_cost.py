"""The checkout's cost in queries (issue 16 for bench/storefront.py's checkout_p50_ms): `order_place`
writes an order's stock, items and their history in bulk, so a checkout of 3 items takes no more
queries than one of 1 item, and the bulk writes keep every history row the per-row saves wrote."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import OrderItem
from orders.services import CheckoutLine, StoreOrder, checkout_place
from orders.storefront.checkout_forms import new_checkout_key
from sellers.models import Offer

pytestmark = pytest.mark.django_db

# Statements of one checkout of one store, savepoints left out: the key, the throttle, the offers'
# lock, the stock UPDATE and its history, the order and its history, the items and their history,
# the store's members and their preferences, the outbox (look-up, insert), the checkout's order ids.
# (Before the bulk writes, 3 items took 25: a second lock, an UPDATE and a history row per offer, an
# INSERT and a history row per item, the items read twice for the messages.)
CHECKOUT_STATEMENTS = 14


def _checkout(store, offers, phone):
    part = StoreOrder(
        store_id=store.pk,
        lines=tuple(CheckoutLine(offer.pk, 1, offer.price) for offer in offers),
        delivery_method="nova_poshta",
        delivery_branch="Kyiv, branch 12",
    )
    with CaptureQueriesContext(connection) as queries:
        placed = checkout_place(key=new_checkout_key(), buyer_name="Iryna", buyer_phone=phone, parts=[part])
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    return placed.orders[0], statements


@pytest.fixture
def many(store):
    return [
        Offer.objects.create(store=store, title=f"Item {n}", sku=f"IT-{n}", price=Decimal("100") + n, stock=50)
        for n in range(3)
    ]


def test_three_items_cost_no_more_queries_than_one(store, many):
    _checkout(store, many[:1], "+380501110000")  # the platform's policy and calendar read once per process
    _one, one_item = _checkout(store, many[:1], "+380501110001")
    _three, three_items = _checkout(store, many, "+380501110002")
    assert len(three_items) == len(one_item), "\n".join(three_items)
    assert len(three_items) <= CHECKOUT_STATEMENTS, "\n".join(three_items)


def test_bulk_writes_keep_the_stock_and_every_history_row(store, many):
    offer_history = Offer.history.count()
    order, _statements = _checkout(store, many, "+380501110003")
    assert sorted(Offer.objects.filter(pk__in=[o.pk for o in many]).values_list("stock", flat=True)) == [49, 49, 49]
    items = list(order.items.order_by("offer_id"))
    assert [(i.offer_id, i.title, i.sku, i.price, i.quantity) for i in items] == [
        (o.pk, o.title, o.sku, o.price, 1) for o in many
    ]
    item_rows = OrderItem.history.filter(id__in=[i.pk for i in items])
    assert (
        sorted(item_rows.values_list("history_type", "actor_kind", "action", "quantity"))
        == [("+", "buyer", "place", 1)] * 3
    )
    offer_rows = Offer.history.order_by("-history_id")[:3]
    assert Offer.history.count() == offer_history + 3
    assert sorted((r.id, r.history_type, r.actor_kind, r.action, r.stock) for r in offer_rows) == [
        (o.pk, "~", "buyer", "place", 49) for o in many
    ]
