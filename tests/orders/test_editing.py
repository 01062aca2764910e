"""Editing windows (docs/rules.md §3): items only in `accepted`, delivery and payment before shipment,
stock follows every change, a refused edit changes nothing, the history keeps old → new."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace import clock
from marketplace.actors import ActorKind
from marketplace.calendar import platform
from marketplace.errors import RuleViolation
from orders import rules
from orders.choices import PaymentMethod, Status
from orders.models import Order, OrderItem
from orders.rules import editing_windows
from orders.services import (
    order_add_item,
    order_items_update,
    order_open,
    order_pack,
    order_set_item_quantity,
    order_split,
    order_update_delivery,
    order_update_payment,
)
from sellers.models import Offer
from tests.orders.support import (  # noqa: F401 (order_test_env is a fixture)
    AFTER_SHIPMENT,
    BEFORE_SHIPMENT,
    COURIER,
    NP,
    PICKUP,
    assert_recorded,
    bring,
    fetch,
    history_count,
    label,
    order_test_env,
    refused,
    stocks,
)

pytestmark = pytest.mark.usefixtures("order_test_env")
NOT_ACCEPTED = [s for s in Status if s != Status.ACCEPTED]


def item_of(order, offer) -> OrderItem:
    return OrderItem.objects.get(order_id=order.pk, offer=offer)


@pytest.fixture
def accepted(place_order, seller):
    """An accepted order: 2 × case (250.00) + 1 × charger (499.90); stock left 8 and 4."""
    return bring(place_order, seller, Status.ACCEPTED)


# --- items and quantities: only in accepted ---------------------------------------------------


def test_raising_a_quantity_reserves_stock_and_recomputes_totals(accepted, seller, offers, manager):
    before = history_count(accepted)
    item_history = OrderItem.history.count()
    order = order_set_item_quantity(actor=seller, order=accepted, item_id=item_of(accepted, offers[0]).pk, quantity=5)
    assert item_of(accepted, offers[0]).quantity == 5
    assert stocks(offers) == [5, 4]
    assert fetch(order).items_total == Decimal("1749.90")  # 5 × 250.00 + 499.90
    assert_recorded(accepted, before, action="edit_items", kind=ActorKind.SELLER, user=manager)
    assert OrderItem.history.count() == item_history + 1
    assert Offer.history.filter(id=offers[0].pk).latest("history_id").stock == 5


def test_lowering_a_quantity_returns_stock(accepted, seller, offers):
    order_set_item_quantity(actor=seller, order=accepted, item_id=item_of(accepted, offers[0]).pk, quantity=1)
    assert stocks(offers) == [9, 4]
    assert fetch(accepted).items_total == Decimal("749.90")


def test_quantity_zero_removes_the_item_and_returns_its_stock(accepted, seller, offers):
    order_set_item_quantity(actor=seller, order=accepted, item_id=item_of(accepted, offers[1]).pk, quantity=0)
    assert list(accepted.items.values_list("offer_id", "quantity")) == [(offers[0].pk, 2)]
    assert stocks(offers) == [8, 5]
    assert fetch(accepted).items_total == Decimal("500.00")


def test_the_last_item_cannot_be_removed(place_order, seller, offers):
    order = bring(place_order, seller, Status.ACCEPTED, lines=[(offers[0], 3)])
    item_id = order.items.get().pk
    refused(
        order,
        RuleViolation,
        lambda: order_set_item_quantity(actor=seller, order=order, item_id=item_id, quantity=0),
        "at least one item",
    )


def test_more_than_the_stock_is_refused(accepted, seller, offers):
    item_id = item_of(accepted, offers[1]).pk
    refused(
        accepted,
        RuleViolation,
        lambda: order_set_item_quantity(actor=seller, order=accepted, item_id=item_id, quantity=6),
        "Only 4 of “Charger” in stock",
    )
    order_set_item_quantity(actor=seller, order=accepted, item_id=item_id, quantity=5)  # all that is left
    assert stocks(offers) == [8, 0]


def test_a_negative_quantity_is_refused(accepted, seller, offers):
    item_id = item_of(accepted, offers[0]).pk
    refused(
        accepted,
        RuleViolation,
        lambda: order_set_item_quantity(actor=seller, order=accepted, item_id=item_id, quantity=-1),
        "negative",
    )


def test_an_item_of_another_order_is_refused(accepted, place_order, seller, offers):
    other = bring(place_order, seller, Status.ACCEPTED, lines=[(offers[0], 1)])
    foreign_id = other.items.get().pk
    refused(
        accepted,
        RuleViolation,
        lambda: order_set_item_quantity(actor=seller, order=accepted, item_id=foreign_id, quantity=1),
        "not in the order",
    )
    assert other.items.get().quantity == 1


def test_adding_an_offer_reserves_it(place_order, seller, offers):
    order = bring(place_order, seller, Status.ACCEPTED, lines=[(offers[0], 1)])
    order_add_item(actor=seller, order=order, offer_id=offers[1].pk, quantity=2)
    order_add_item(actor=seller, order=order, offer_id=offers[0].pk, quantity=1)  # merges with its line
    assert list(order.items.values_list("offer_id", "quantity", "price")) == [
        (offers[0].pk, 2, Decimal("250.00")),
        (offers[1].pk, 2, Decimal("499.90")),
    ]
    assert stocks(offers) == [8, 3]
    saved = fetch(order)
    assert saved.items_total == Decimal("1499.80")
    assert saved.total == saved.items_total + (saved.delivery_cost or 0)


def test_adding_an_offer_of_another_store_is_refused(accepted, seller, outsider_offer):
    refused(
        accepted,
        RuleViolation,
        lambda: order_add_item(actor=seller, order=accepted, offer_id=outsider_offer.pk, quantity=1),
        "not one of the store's",
    )
    assert Offer.objects.get(pk=outsider_offer.pk).stock == 3


def test_adding_a_paused_offer_more_than_stock_or_nothing_is_refused(accepted, seller, offers, store):
    paused = Offer.objects.create(store=store, title="Old", sku="OLD", price=Decimal("1"), stock=9, paused=True)
    refused(
        accepted,
        RuleViolation,
        lambda: order_add_item(actor=seller, order=accepted, offer_id=paused.pk, quantity=1),
        "paused",
    )
    refused(
        accepted,
        RuleViolation,
        lambda: order_add_item(actor=seller, order=accepted, offer_id=offers[1].pk, quantity=5),
        "in stock",
    )
    refused(
        accepted,
        RuleViolation,
        lambda: order_add_item(actor=seller, order=accepted, offer_id=offers[1].pk, quantity=0),
        "positive",
    )


@pytest.mark.parametrize("status", NOT_ACCEPTED)
def test_items_are_not_edited_outside_accepted(place_order, seller, offers, status):
    order = bring(place_order, seller, status)
    item_id = item_of(order, offers[0]).pk
    for quantity in (0, 1, 3):
        refused(
            order,
            RuleViolation,
            lambda: order_set_item_quantity(actor=seller, order=order, item_id=item_id, quantity=quantity),
            "Items and quantities",
            label(status),
        )
    refused(
        order,
        RuleViolation,
        lambda: order_add_item(actor=seller, order=order, offer_id=offers[1].pk, quantity=1),
        "Items and quantities",
        label(status),
    )


# --- delivery and payment: before shipment ---------------------------------------------------


@pytest.mark.parametrize("status", BEFORE_SHIPMENT)
def test_delivery_and_payment_change_before_shipment(place_order, seller, manager, status):
    order = bring(place_order, seller, status)
    before = history_count(order)
    ship_by = timezone.localdate() + timedelta(days=5)
    order_update_delivery(
        actor=seller,
        order=order,
        method=COURIER,
        address=" Sadova 5, Lviv ",
        branch="ignored for a courier",
        cost="95.50",
        ship_by=ship_by,
    )
    saved = fetch(order)
    assert (saved.delivery_method, saved.delivery_address, saved.delivery_branch) == (COURIER, "Sadova 5, Lviv", "")
    assert (saved.delivery_cost, saved.ship_by, saved.status) == (Decimal("95.50"), ship_by, status)
    assert saved.total == saved.items_total + Decimal("95.50")
    assert_recorded(order, before, action="edit_delivery", kind=ActorKind.SELLER, user=manager)

    order_update_payment(actor=seller, order=order, method=PaymentMethod.CARD_ONLINE)
    assert fetch(order).payment_method == PaymentMethod.CARD_ONLINE
    assert_recorded(order, before + 1, action="edit_payment", kind=ActorKind.SELLER, user=manager)


@pytest.mark.parametrize("status", AFTER_SHIPMENT)
def test_delivery_and_payment_are_refused_after_shipment(place_order, seller, status):
    order = bring(place_order, seller, status)
    refused(
        order,
        RuleViolation,
        lambda: order_update_delivery(
            actor=seller, order=order, method=NP, branch="Branch 1", cost=Decimal("10"), ship_by=timezone.localdate()
        ),
        "Delivery",
        "before shipment",
        label(status),
    )
    refused(
        order,
        RuleViolation,
        lambda: order_update_payment(actor=seller, order=order, method=PaymentMethod.BANK_TRANSFER),
        "Payment",
        "before shipment",
        label(status),
    )


def test_the_history_keeps_each_change_old_to_new(accepted, seller, manager):
    order_update_delivery(
        actor=seller, order=accepted, method=NP, branch="Branch 7", cost="40", ship_by=timezone.localdate()
    )
    order_update_delivery(
        actor=seller, order=accepted, method=NP, branch="Branch 9", cost="55", ship_by=timezone.localdate()
    )
    newest, previous = accepted.history.order_by("-history_id")[:2]
    changes = {c.field: (c.old, c.new) for c in newest.diff_against(previous).changes}
    assert changes["delivery_branch"] == ("Branch 7", "Branch 9")
    assert changes["delivery_cost"] == (Decimal("40.00"), Decimal("55.00"))
    assert "buyer_phone" not in changes and "status" not in changes
    assert (newest.history_user, newest.actor_kind) == (manager, ActorKind.SELLER)


@pytest.mark.parametrize(
    "cost, fragment",
    [("-1", "non-negative"), ("12.345", "non-negative"), ("ten", "not a number")],
)
def test_a_bad_delivery_cost_is_refused(accepted, seller, cost, fragment):
    refused(
        accepted,
        RuleViolation,
        lambda: order_update_delivery(actor=seller, order=accepted, method=NP, branch="B", cost=cost),
        fragment,
    )


def test_unknown_delivery_or_payment_methods_are_refused(accepted, seller):
    refused(
        accepted,
        RuleViolation,
        lambda: order_update_delivery(actor=seller, order=accepted, method="drone"),
        "Unknown delivery method",
    )
    refused(
        accepted,
        RuleViolation,
        lambda: order_update_payment(actor=seller, order=accepted, method="barter"),
        "Unknown payment method",
    )


@pytest.mark.parametrize("status", [Status.CONFIRMED, Status.AWAITING_SHIPMENT])
@pytest.mark.parametrize(
    "delivery, rule",
    [
        (dict(method=""), rules.has_delivery_method),
        (dict(method=NP, branch=""), rules.has_destination),
        (dict(method=NP, branch="Branch 2", cost=None), rules.has_delivery_cost),
        (dict(method=NP, branch="Branch 2", ship_by=None), rules.has_ship_by),
    ],
    ids=["method", "destination", "cost", "ship-by"],
)
def test_a_confirmed_order_keeps_what_confirming_required(place_order, seller, status, delivery, rule):
    order = bring(place_order, seller, status)
    fields = dict(cost=Decimal("70"), ship_by=timezone.localdate()) | delivery
    refused(order, RuleViolation, lambda: order_update_delivery(actor=seller, order=order, **fields), rule.message)


def test_a_confirmed_order_may_switch_to_pickup(place_order, seller, offers):
    order = bring(place_order, seller, Status.CONFIRMED)
    order_update_delivery(actor=seller, order=order, method=PICKUP, cost=Decimal("0"), ship_by=timezone.localdate())
    saved = fetch(order)
    assert (saved.delivery_method, saved.delivery_branch, saved.total) == (PICKUP, "", saved.items_total)


def test_the_ship_by_date_changes_when_packing(place_order, seller):
    order = bring(place_order, seller, Status.CONFIRMED)
    later = fetch(order).ship_by + timedelta(days=1)
    order_pack(actor=seller, order=order, ship_by=later)
    assert fetch(order).ship_by == later


def test_a_refused_pack_does_not_keep_its_new_ship_by_date(place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    refused(
        order,
        RuleViolation,
        lambda: order_pack(actor=seller, order=order, ship_by=timezone.localdate() + timedelta(days=9)),
        label(Status.ACCEPTED),
    )


# --- the ship-by date: from today up to the policy's maximum (docs/rules.md §4) ----------------


def far(days: int) -> date:
    return clock.today() + timedelta(days=days)


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.CONFIRMED, Status.AWAITING_SHIPMENT])
@pytest.mark.parametrize(
    "ship_by, fragment",
    [
        (-1, "in the past"),
        (-400, "in the past"),
        ("min", "in the past"),
        ("max+1", "at most 90 days"),
        ("max", "at most 90 days"),
        ("9999", "at most 90 days"),
    ],
    ids=["yesterday", "last-year", "0001-01-01", "one-too-far", "date.max", "9999-12-31"],
)
def test_a_ship_by_date_outside_today_to_the_maximum_is_refused(place_order, seller, status, ship_by, fragment):
    order = bring(place_order, seller, status)
    ship_by = {
        "min": date(1, 1, 1),
        "max": date.max,
        "9999": date(9999, 12, 31),
        "max+1": far(platform().ship_by_max_days + 1),
    }.get(ship_by) or far(ship_by)
    refused(
        order,
        RuleViolation,
        lambda: order_update_delivery(
            actor=seller, order=order, method=NP, branch="Branch 1", cost="70", ship_by=ship_by
        ),
        fragment,
    )


@pytest.mark.parametrize("days", [0, 1, 90])
def test_a_ship_by_date_from_today_to_the_maximum_is_kept(accepted, seller, days):
    order_update_delivery(actor=seller, order=accepted, method=NP, branch="Branch 1", cost="70", ship_by=far(days))
    assert fetch(accepted).ship_by == far(days)


def test_a_date_agreed_earlier_may_stay_when_other_delivery_terms_change(accepted, seller):
    Order.objects.filter(pk=accepted.pk).update(ship_by=far(-1))  # agreed yesterday for yesterday
    order_update_delivery(actor=seller, order=accepted, method=NP, branch="Branch 3", cost="70", ship_by=far(-1))
    assert (fetch(accepted).delivery_branch, fetch(accepted).ship_by) == ("Branch 3", far(-1))


# --- amounts the order's columns cannot hold are refused before any write ----------------------


@pytest.fixture
def dear(store):
    return Offer.objects.create(store=store, title="Yacht", sku="YACHT", price=Decimal("4000000000.00"), stock=5)


def test_a_quantity_that_overflows_the_total_is_refused(place_order, seller, dear):
    order = bring(place_order, seller, Status.ACCEPTED, lines=[(dear, 1)])
    item_id = order.items.get().pk
    refused(
        order,
        RuleViolation,
        lambda: order_set_item_quantity(actor=seller, order=order, item_id=item_id, quantity=3),
        "order total",
    )
    refused(
        order,
        RuleViolation,
        lambda: order_items_update(actor=seller, order=order, quantities={item_id: 3}),
        "order total",
    )
    refused(
        order,
        RuleViolation,
        lambda: order_add_item(actor=seller, order=order, offer_id=dear.pk, quantity=2),
        "order total",
    )
    order_set_item_quantity(actor=seller, order=order, item_id=item_id, quantity=2)  # 8 000 000 000 fits
    assert fetch(order).total == Decimal("8000000000.00")


@pytest.mark.parametrize("quantity", [2**31, 10**30])
def test_huge_quantities_are_refused_with_a_sentence(accepted, seller, offers, quantity):
    item_id = item_of(accepted, offers[0]).pk
    refused(
        accepted,
        RuleViolation,
        lambda: order_set_item_quantity(actor=seller, order=accepted, item_id=item_id, quantity=quantity),
    )
    refused(
        accepted,
        RuleViolation,
        lambda: order_add_item(actor=seller, order=accepted, offer_id=offers[1].pk, quantity=quantity),
    )


@pytest.mark.parametrize(
    "cost, fragment",
    [
        ("100000000", "cannot exceed"),
        ("1e20", "cannot exceed"),
        ("NaN", "non-negative"),
        ("Infinity", "non-negative"),
    ],
)
def test_a_delivery_cost_the_column_cannot_hold_is_refused(accepted, seller, cost, fragment):
    refused(
        accepted,
        RuleViolation,
        lambda: order_update_delivery(actor=seller, order=accepted, method=NP, branch="B", cost=cost),
        fragment,
    )


def test_a_delivery_cost_that_overflows_the_total_is_refused(place_order, seller, dear):
    order = bring(place_order, seller, Status.ACCEPTED, lines=[(dear, 2)])  # 8 000 000 000
    order_set_item_quantity(actor=seller, order=order, item_id=order.items.get().pk, quantity=2)
    Offer.objects.filter(pk=dear.pk).update(price=Decimal("1990000000.00"))
    order_add_item(actor=seller, order=order, offer_id=dear.pk, quantity=1)  # 9 990 000 000
    refused(
        order,
        RuleViolation,
        lambda: order_update_delivery(actor=seller, order=order, method=NP, branch="B", cost="99999999"),
        "order total",
    )


# --- the editing windows: one selector, the services check through it ---------------------------


@pytest.mark.parametrize("status", list(Status))
def test_the_services_allow_exactly_what_the_editing_windows_say(place_order, seller, offers, status):
    order = bring(place_order, seller, status)
    windows = editing_windows(fetch(order))
    item = item_of(order, offers[0])
    attempts = {
        "items": lambda: order_set_item_quantity(actor=seller, order=order, item_id=item.pk, quantity=1),
        "delivery": lambda: order_update_delivery(
            actor=seller, order=order, method=PICKUP, cost="0", ship_by=clock.today()
        ),
        "payment": lambda: order_update_payment(actor=seller, order=order, method=PaymentMethod.BANK_TRANSFER),
        "split": lambda: order_split(actor=seller, order=order, quantities={item.pk: 1}),
    }
    for window, attempt in attempts.items():
        try:
            attempt()
            allowed = True
        except RuleViolation as error:
            assert error.code == "window", (window, error)
            allowed = False
        assert allowed == getattr(windows, window), (status, window)


# --- an edit that changes nothing, a blanked branch, the typed quantity (issue 11) -----------------


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.CONFIRMED])
def test_an_edit_that_changes_nothing_is_refused_and_writes_no_history(place_order, seller, status):
    order = fetch(bring(place_order, seller, status))
    same = dict(
        method=order.delivery_method,
        branch=f"  {order.delivery_branch} ",  # what the form sends, before the service strips it
        address=order.delivery_address,
        cost=order.delivery_cost,
        ship_by=order.ship_by,
    )
    refused(order, RuleViolation, lambda: order_update_delivery(actor=seller, order=order, **same), "Nothing changed")
    refused(
        order,
        RuleViolation,
        lambda: order_update_payment(actor=seller, order=order, method=order.payment_method),
        "Nothing changed",
    )


def test_the_nova_poshta_branch_cannot_be_blanked(place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)  # placed for Nova Poshta, Branch 12
    refused(
        order,
        RuleViolation,
        lambda: order_update_delivery(actor=seller, order=order, method=NP, branch="  ", cost=Decimal("70")),
        "branch cannot be left empty",
    )
    # Changed it may be; and an order placed without a branch may still choose Nova Poshta first.
    assert order_update_delivery(actor=seller, order=order, method=NP, branch="Branch 7").delivery_branch == "Branch 7"
    bare = order_open(actor=seller, order=place_order(delivery_method=""))
    assert order_update_delivery(actor=seller, order=bare, method=NP, branch="").delivery_method == NP


def test_quantity_refusals_name_what_was_given(accepted, seller, offers):
    item = accepted.items.first()
    refused(
        accepted,
        RuleViolation,
        lambda: order_items_update(actor=seller, order=accepted, quantities={item.pk: -3}),
        "“-3”",
        "negative",
    )
    refused(
        accepted,
        RuleViolation,
        lambda: order_add_item(actor=seller, order=accepted, offer_id=offers[0].pk, quantity=-2),
        "“-2”",
    )


def test_a_pickup_order_costs_no_delivery_whatever_is_sent(accepted, seller):
    """The buyer collects the goods: the service stores a delivery cost of 0 for pickup, so the
    total never carries a delivery the buyer does not get (and confirming needs no cost typed)."""
    order = order_update_delivery(
        actor=seller, order=accepted, method=PICKUP, cost=Decimal("70.00"), ship_by=clock.today() + timedelta(days=1)
    )
    saved = fetch(order)
    assert saved.delivery_cost == Decimal("0.00") and saved.total == saved.items_total
