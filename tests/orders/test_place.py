"""Placing an order (docs/rules.md §2, §12): one save with its totals, one history row; an
order whose total its columns cannot hold is refused before anything is written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.actors import ActorKind
from marketplace.errors import RuleViolation
from orders.models import Order, OrderItem
from orders.services import Line, order_place
from sellers.models import Offer
from tests.conftest import VALID_PHONE
from tests.orders.support import order_test_env, stocks  # noqa: F401 (order_test_env is a fixture)

pytestmark = pytest.mark.usefixtures("order_test_env")


def place(store, *lines):
    return order_place(
        store=store,
        buyer_name="Iryna Buyer",
        buyer_phone=VALID_PHONE,
        delivery_method="nova_poshta",
        delivery_branch="Branch 12",
        lines=[Line(offer.pk, qty) for offer, qty in lines],
    )


def everything(store) -> tuple:
    return (
        Order.objects.count(),
        OrderItem.objects.count(),
        Order.history.count(),
        OrderItem.history.count(),
        Offer.history.count(),
        tuple(Offer.objects.filter(store=store).order_by("pk").values_list("stock")),
    )


def test_placing_saves_the_order_once_with_its_totals(store, offers):
    order = place(store, (offers[0], 2), (offers[1], 1))
    rows = list(Order.history.filter(id=order.pk))
    assert len(rows) == 1
    row = rows[0]
    assert (row.action, row.actor_kind, row.history_user_id) == ("place", ActorKind.BUYER, None)
    assert (row.items_total, row.total) == (Decimal("999.90"), Decimal("999.90"))
    assert row.acceptable_deadline is not None  # the deadline of `new` is in the same save
    assert OrderItem.history.filter(order_id=order.pk, history_type="+").count() == 2


@pytest.fixture
def dear(store):
    """An offer whose price times a plausible quantity overflows an order's total (12 digits)."""
    return Offer.objects.create(store=store, title="Yacht", sku="YACHT", price=Decimal("9000000000.00"), stock=5)


def test_a_total_above_what_an_order_holds_is_refused_and_places_nothing(store, offers, dear):
    before = everything(store)
    with pytest.raises(RuleViolation) as caught:
        place(store, (dear, 2))
    assert "order total" in str(caught.value) and "9999999999.99" in str(caught.value)
    assert everything(store) == before


def test_the_largest_total_an_order_holds_is_placed(store, dear):
    order = place(store, (dear, 1))
    assert Order.objects.get(pk=order.pk).total == Decimal("9000000000.00")


@pytest.mark.parametrize("quantity", [10**6 + 1, 2**31, 10**30])
def test_huge_quantities_are_refused_with_a_sentence(store, offers, quantity):
    before = everything(store)
    with pytest.raises(RuleViolation) as caught:
        place(store, (offers[0], quantity))
    assert str(caught.value).endswith(".")
    assert everything(store) == before
    assert stocks(offers) == [10, 5]
