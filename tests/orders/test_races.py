"""Two actors on the same order at the same moment, on the real PostgreSQL (docs/rules.md §2: terminal
statuses never change; every transition is recorded once; stock moves once).

Each round places a fresh order; two threads, each with its own connection, read their own copy
of the order, meet at a barrier and act at once. The services lock the row, so the loser waits,
then sees the winner's status and must be refused with a clear error."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.actors import Actor
from marketplace.errors import ConflictError, RuleViolation, ServiceError
from orders.choices import CancelReason, Status
from orders.models import Order
from orders.services import Line, order_cancel, order_cancel_by_platform, order_confirm, order_open, order_place
from sellers.models import Offer
from tests.conftest import VALID_PHONE, ready_delivery
from tests.orders.support import fetch, order_test_env, stocks  # noqa: F401 (order_test_env is a fixture)
from tests.races import run_at_once

# serialized_rollback: the flush after a transactional test must not lose the data migrations' rows.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("order_test_env", "restore_migrations_data"),
]
ROUNDS = 50


@pytest.fixture
def stocked(store):
    return [
        Offer.objects.create(store=store, title="Cable", sku="CAB-1", price=Decimal("99.00"), stock=1000),
        Offer.objects.create(store=store, title="Mouse", sku="MOU-1", price=Decimal("450.00"), stock=1000),
    ]


def place(store, offers):
    return order_place(
        store=store,
        buyer_name="Race Buyer",
        buyer_phone=VALID_PHONE,
        lines=[Line(offers[0].pk, 2), Line(offers[1].pk, 1)],
        delivery_method="nova_poshta",
        delivery_branch="Branch 1",
    )


def race(read, *actions):
    """In its own thread each racer reads (`read()`), waits for the others, then runs `action(copy)`
    at once with them. Returns [(outcome, value)] in the order of `actions`."""
    return run_at_once(actions, read=read)


def one_winner(results):
    outcomes = [outcome for outcome, _ in results]
    assert sorted(outcomes) == ["error", "ok"], results
    winner = outcomes.index("ok")
    error = results[1 - winner][1]
    assert isinstance(error, (RuleViolation, ConflictError)), repr(error)
    assert isinstance(error, ServiceError) and len(str(error).split()) >= 3 and str(error).endswith("."), str(error)
    return winner, error


def test_seller_confirms_while_the_platform_cancels(store, stocked, seller):
    for _ in range(ROUNDS):
        order = ready_delivery(order_open(actor=seller, order=place(store, stocked)), seller)
        before = stocks(stocked)
        results = race(
            lambda: Order.objects.get(pk=order.pk),
            lambda o: order_confirm(actor=seller, order=o),
            lambda o: order_cancel_by_platform(order=o, reason=CancelReason.PROCESSING_TIME_EXPIRED),
        )
        winner, _error = one_winner(results)
        action, status = [("confirm", Status.CONFIRMED), ("expire", Status.CANCELLED)][winner]
        saved = fetch(order)
        assert saved.status == status
        rows = list(order.history.filter(action__in=["confirm", "expire"]).values_list("action", flat=True))
        assert rows == [action]
        if action == "expire":
            assert saved.cancel_reason == CancelReason.PROCESSING_TIME_EXPIRED
            assert stocks(stocked) == [before[0] + 2, before[1] + 1]
        else:
            assert saved.cancel_reason == ""
            assert stocks(stocked) == before


def test_two_sellers_cancel_at_once(store, stocked, owner, manager):
    start = stocks(stocked)
    for round_ in range(ROUNDS):
        order = order_open(actor=Actor.seller(manager), order=place(store, stocked))
        offer_rows = Offer.history.filter(id__in=[o.pk for o in stocked]).count()
        results = race(
            lambda: Order.objects.get(pk=order.pk),
            lambda o: order_cancel(actor=Actor.seller(owner), order=o, reason=CancelReason.OTHER, comment="Owner"),
            lambda o: order_cancel(actor=Actor.seller(manager), order=o, reason=CancelReason.OTHER, comment="Manager"),
        )
        winner, error = one_winner(results)
        assert isinstance(error, ConflictError) or "already" in str(error), str(error)
        saved = fetch(order)
        assert (saved.status, saved.cancel_comment) == (Status.CANCELLED, ["Owner", "Manager"][winner])
        cancels = list(order.history.filter(action="cancel"))
        assert len(cancels) == 1
        assert cancels[0].history_user == [owner, manager][winner]
        assert stocks(stocked) == start, f"round {round_}: stock returned more or less than once"
        assert Offer.history.filter(id__in=[o.pk for o in stocked]).count() == offer_rows + 2


def test_two_buyers_race_for_the_last_units(store, seller):
    """Stock is reserved under a row lock: the last unit goes to one order, never below zero."""
    for round_ in range(ROUNDS // 2):
        offer = Offer.objects.create(store=store, title="Last", sku=f"LAST-{round_}", price=Decimal("10"), stock=3)

        def buy(_offer, offer_id=offer.pk):
            return order_place(store=store, buyer_name="B", buyer_phone=VALID_PHONE, lines=[Line(offer_id, 2)])

        results = race(lambda offer_id=offer.pk: Offer.objects.get(pk=offer_id), buy, buy)
        _winner, error = one_winner(results)
        assert "Only 1 of “Last” in stock, 2 asked." in str(error)
        assert Offer.objects.get(pk=offer.pk).stock == 1
        assert Order.objects.filter(items__offer=offer).count() == 1
