"""Concurrent checkouts for the last units of one offer, on the real PostgreSQL (issue 12, Must show):
200 rounds; in each, buyers in their own threads and connections check out at once carts that hold
the contested offer and an offer of a second store (half of them listing the stores the other way
round). The stock never goes below zero, never more units are sold than there were, a buyer who
lost gets a clear refusal and no order of either store, and nobody deadlocks. A double submit of
one form at the same moment places it once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.errors import RuleViolation
from orders.models import Checkout, Order, OrderItem
from orders.services import CheckoutLine, StoreOrder, checkout, checkout_place
from orders.storefront.checkout_forms import new_checkout_key
from sellers.models import Offer
from tests.conftest import make_store
from tests.races import run_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]
ROUNDS = 200
BUYERS = 4
UNITS = 2  # the last units of the contested offer in each round


def part(store, offer, quantity=1):
    return StoreOrder(
        store_id=store.pk,
        lines=(CheckoutLine(offer.pk, quantity, offer.price),),
        delivery_method="nova_poshta",
        delivery_branch="Branch 1",
    )


def buy(key, phone, parts):
    return lambda: checkout_place(key=key, buyer_name="Race Buyer", buyer_phone=phone, parts=parts)


def test_concurrent_checkouts_never_sell_more_than_the_stock(owner, outsider, monkeypatch):
    monkeypatch.setattr(checkout, "PER_PHONE_PER_HOUR", 10**6)
    monkeypatch.setattr(checkout, "PER_IP_PER_HOUR", 10**6)
    hot_store = make_store("Hot Shop", owner=owner)
    other_store = make_store("Other Shop", owner=outsider)
    hot = Offer.objects.create(store=hot_store, title="Hot item", sku="HOT", price=Decimal("99.00"), stock=0)
    other = Offer.objects.create(store=other_store, title="Cable", sku="CAB", price=Decimal("10.00"), stock=10**6)
    sold_total = 0
    for round_ in range(ROUNDS):
        Offer.objects.filter(pk=hot.pk).update(stock=UNITS)
        other_before = Offer.objects.get(pk=other.pk).stock
        orders_before = Order.objects.count()
        actions = []
        for buyer in range(BUYERS):
            parts = [part(hot_store, hot), part(other_store, other)]
            if buyer % 2:
                parts.reverse()  # the other store first: locks are still taken in id order
            actions.append(buy(new_checkout_key(), f"+3805012{round_:03d}{buyer:02d}", parts))
        results = run_at_once(actions)
        won = [value for outcome, value in results if outcome == "ok"]
        lost = [value for outcome, value in results if outcome == "error"]
        for error in lost:
            assert isinstance(error, RuleViolation), repr(error)
            assert "“Hot item” has just sold out" in str(error) or "of “Hot item” left" in str(error), str(error)
            assert str(error).endswith("."), str(error)
        hot_left = Offer.objects.get(pk=hot.pk).stock
        sold = OrderItem.objects.filter(offer=hot, order__created_at__isnull=False).count() - sold_total
        sold_total += sold
        assert hot_left >= 0
        assert len(won) == sold == UNITS - hot_left == UNITS, (round_, len(won), sold, hot_left)
        # all or nothing: every winner has both stores' orders, a loser none
        assert Order.objects.count() - orders_before == 2 * len(won)
        assert Offer.objects.get(pk=other.pk).stock == other_before - len(won)
        assert all(len(placed.orders) == 2 for placed in won)


def test_the_same_form_submitted_twice_at_once_places_once(store, offers, monkeypatch):
    for _round in range(20):
        key = new_checkout_key()
        stock_before = Offer.objects.get(pk=offers[0].pk).stock
        results = run_at_once([buy(key, "+380501234567", [part(store, offers[0])])] * 2)
        assert [outcome for outcome, _v in results] == ["ok", "ok"], results
        first, second = (value for _o, value in results)
        assert sorted([first.placed_now, second.placed_now]) == [False, True]
        assert [o.pk for o in first.orders] == [o.pk for o in second.orders]
        assert Checkout.objects.filter(key=key).count() == 1
        assert Offer.objects.get(pk=offers[0].pk).stock == stock_before - 1
        Checkout.objects.all().delete()  # keep under the per-phone limit
        Offer.objects.filter(pk=offers[0].pk).update(stock=10)
