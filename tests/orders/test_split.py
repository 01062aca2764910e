"""Splitting an order before shipment (docs/rules.md §7)."""

from decimal import Decimal

import pytest

from marketplace.actors import ActorKind
from marketplace.errors import RuleViolation
from orders.choices import CancelReason, Status
from orders.models import Order, OrderItem
from orders.services import order_cancel, order_confirm, order_split
from sellers.models import Offer
from tests.conftest import ready_delivery
from tests.orders.support import (  # noqa: F401 (order_test_env is a fixture)
    AFTER_SHIPMENT,
    BEFORE_SHIPMENT,
    bring,
    fetch,
    label,
    order_test_env,
    refused,
    ship,
    stocks,
)

pytestmark = pytest.mark.usefixtures("order_test_env")
BUYER_FIELDS = ("buyer_name", "buyer_phone", "buyer_email", "buyer_language", "store_id")


def items(order) -> list[tuple[int, int]]:
    return list(OrderItem.objects.filter(order_id=order.pk).order_by("offer_id").values_list("offer_id", "quantity"))


def lines(order):
    """The order's items by offer: {offer_id: item}."""
    return {item.offer_id: item for item in OrderItem.objects.filter(order_id=order.pk)}


@pytest.mark.parametrize("status", BEFORE_SHIPMENT)
def test_a_split_moves_items_and_part_quantities_to_a_linked_order(place_order, seller, offers, manager, status):
    order = bring(place_order, seller, status)  # 2 × case 250.00, 1 × charger 499.90
    stock = stocks(offers)
    original = lines(order)
    new = order_split(
        actor=seller, order=order, quantities={original[offers[0].pk].pk: 1, original[offers[1].pk].pk: 1}
    )

    old, new = fetch(order), fetch(new)
    assert items(old) == [(offers[0].pk, 1)]
    assert items(new) == [(offers[0].pk, 1), (offers[1].pk, 1)]
    assert new.split_from_id == old.pk and list(old.split_children.all()) == [new]
    assert new.status == old.status == status
    assert [getattr(new, f) for f in BUYER_FIELDS] == [getattr(old, f) for f in BUYER_FIELDS]
    assert new.public_token != old.public_token
    assert old.items_total == Decimal("250.00") and new.items_total == Decimal("749.90")
    assert old.total == old.items_total + (old.delivery_cost or 0)
    assert new.total == new.items_total  # the delivery is paid once, on the original order
    moved = new.items.get(offer=offers[1])
    assert (moved.title, moved.sku, moved.price) == ("Charger", "CHG-1", Decimal("499.90"))
    assert stocks(offers) == stock  # a split reserves and returns nothing

    for each, other in ((old, new), (new, old)):
        row = each.history.filter(action="split").latest("history_id")
        assert (row.actor_kind, row.history_user, row.history_change_reason) == (
            ActorKind.SELLER,
            manager,
            f"#{other.pk}",
        )
        assert row.items_total == each.items_total
    # The new order is saved once, with its totals: its history starts with one "split" row.
    assert [r.action for r in new.history.all()] == ["split"]


def test_moving_a_whole_item_deletes_it_from_the_original(place_order, seller, offers):
    order = bring(place_order, seller, Status.ACCEPTED)
    charger = lines(order)[offers[1].pk]
    new = order_split(actor=seller, order=order, quantities={str(charger.pk): "1", lines(order)[offers[0].pk].pk: 0})
    assert items(order) == [(offers[0].pk, 2)]
    assert items(new) == [(offers[1].pk, 1)]
    assert not OrderItem.objects.filter(pk=charger.pk).exists()
    assert OrderItem.history.filter(id=charger.pk, history_type="-", action="split").count() == 1


def test_the_two_orders_then_go_their_own_way(place_order, seller, offers):
    order = bring(place_order, seller, Status.ACCEPTED)
    new = order_split(actor=seller, order=order, quantities={lines(order)[offers[1].pk].pk: 1})
    order_cancel(actor=seller, order=new, reason=CancelReason.OTHER, comment="Buyer wants it later")
    assert stocks(offers) == [8, 5]  # only the charger came back
    order_confirm(actor=seller, order=ready_delivery(order, seller))
    ship(seller, order)
    assert (fetch(order).status, fetch(new).status) == (Status.IN_DELIVERY, Status.CANCELLED)


@pytest.mark.parametrize("status", AFTER_SHIPMENT)
def test_a_split_is_refused_after_shipment(place_order, seller, offers, status):
    order = bring(place_order, seller, status)
    item_id = lines(order)[offers[0].pk].pk
    refused(
        order,
        RuleViolation,
        lambda: order_split(actor=seller, order=order, quantities={item_id: 1}),
        "before shipment",
        label(status),
    )


@pytest.mark.parametrize("what", ["nothing", "zeros", "everything", "too-many", "negative", "foreign-item", "unknown"])
def test_a_split_must_move_part_of_this_order(place_order, seller, offers, what):
    order = bring(place_order, seller, Status.CONFIRMED)
    other = bring(place_order, seller, Status.CONFIRMED)
    case, charger = lines(order)[offers[0].pk].pk, lines(order)[offers[1].pk].pk
    quantities, fragment = {
        "nothing": ({}, "at least one item"),
        "zeros": ({case: 0, charger: 0}, "at least one item"),
        "everything": ({case: 2, charger: 1}, "Leave at least one item"),
        "too-many": ({case: 3}, "Between 1 and 2 of “Phone case”"),
        "negative": ({case: -1}, "Between 1 and 2"),
        "foreign-item": ({lines(other)[offers[0].pk].pk: 1}, "not in the order"),
        "unknown": ({10**9: 1}, "not in the order"),
    }[what]
    refused(order, RuleViolation, lambda: order_split(actor=seller, order=order, quantities=quantities), fragment)
    assert items(other) == [(offers[0].pk, 2), (offers[1].pk, 1)]


def test_a_split_can_be_split_again(place_order, seller, offers):
    order = bring(place_order, seller, Status.ACCEPTED, lines=[(offers[0], 3)])
    first = order_split(actor=seller, order=order, quantities={order.items.get().pk: 1})
    second = order_split(actor=seller, order=order, quantities={order.items.get().pk: 1})
    assert [items(o) for o in (order, first, second)] == [[(offers[0].pk, 1)]] * 3
    assert set(fetch(order).split_children.all()) == {first, second}
    assert Order.objects.filter(store=order.store).count() == 3
    assert Offer.objects.get(pk=offers[0].pk).stock == 7


def test_a_negative_split_quantity_names_what_was_given(place_order, seller, offers):
    order = bring(place_order, seller, Status.CONFIRMED)
    case = lines(order)[offers[0].pk].pk
    error = refused(order, RuleViolation, lambda: order_split(actor=seller, order=order, quantities={case: -1}), "-1")
    assert "Between 1 and 2 of “Phone case” can move" in str(error)
