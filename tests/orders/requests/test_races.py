"""Races on PostgreSQL, 50 rounds each (docs/rules.md §6): the buyer accepts while the sweep makes the
request go through; the seller withdraws while the buyer accepts. Exactly one outcome each time:
one request state, one history row of it, the order cancelled once, the stock back once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.actors import Actor
from marketplace.errors import RuleViolation
from orders.choices import CancelReason, Status
from orders.models import Order
from orders.requests.models import OrderRequest, RequestKind, RequestState
from orders.requests.services import request_answer, request_withdraw
from orders.requests.sweep import requests_sweep
from sellers.models import Offer
from tests.orders.requests.support import fetch, open_kind
from tests.orders.support import bring, stocks
from tests.races import run_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("requests_env", "restore_migrations_data"),
]
ROUNDS = 50


@pytest.fixture
def stocked(store):
    return [
        Offer.objects.create(store=store, title="Cable", sku="CAB-1", price=Decimal("99.00"), stock=1000),
        Offer.objects.create(store=store, title="Mouse", sku="MOU-1", price=Decimal("450.00"), stock=1000),
    ]


def opened(place_order, seller, stocked):
    order = bring(place_order, seller, Status.CONFIRMED, lines=[(stocked[0], 2), (stocked[1], 1)])
    return order, open_kind(RequestKind.SELLER_CANCEL, order, seller)


def closing_rows(request) -> list[str]:
    return [h.action for h in OrderRequest.history.filter(id=request.pk).exclude(action="open")]


def cancel_rows(order) -> int:
    return Order.history.filter(id=order.pk, action="cancel").count()


def test_the_buyer_accepts_while_the_sweep_makes_it_go_through(clock, place_order, seller, stocked):
    outcomes = set()
    for _ in range(ROUNDS):
        order, request = opened(place_order, seller, stocked)
        before = stocks(stocked)
        sweep_at = request.expires_at + timedelta(seconds=1)
        clock.move_to(request.expires_at - timedelta(seconds=5))  # the buyer is still in time
        accept, sweep = run_at_once(
            [
                lambda: request_answer(actor=Actor.buyer(), request=request.pk, accept=True),
                lambda: requests_sweep(now=sweep_at),
            ]
        )
        assert sweep[0] == "ok", sweep
        state = OrderRequest.objects.get(pk=request.pk).state
        if accept[0] == "ok":
            assert state == RequestState.ACCEPTED and sweep[1].went_through == 0
        else:
            assert isinstance(accept[1], RuleViolation), accept
            assert state == RequestState.WENT_THROUGH and sweep[1].went_through == 1
        outcomes.add(state)
        now = fetch(order)
        assert (now.status, now.cancel_reason) == (Status.CANCELLED, CancelReason.MUTUAL)
        assert len(closing_rows(request)) == 1 and cancel_rows(order) == 1
        assert stocks(stocked) == [before[0] + 2, before[1] + 1]
        clock.move_to(request.opened_at + timedelta(minutes=1))
    assert outcomes  # which one wins depends on the scheduler; each round had exactly one


def test_the_seller_withdraws_while_the_buyer_accepts(place_order, seller, stocked):
    for _ in range(ROUNDS):
        order, request = opened(place_order, seller, stocked)
        before = stocks(stocked)
        withdraw, accept = run_at_once(
            [
                lambda: request_withdraw(actor=seller, request=request.pk),
                lambda: request_answer(actor=Actor.buyer(), request=request.pk, accept=True),
            ]
        )
        assert sorted([withdraw[0], accept[0]]) == ["error", "ok"], (withdraw, accept)
        loser = withdraw if withdraw[0] == "error" else accept
        assert isinstance(loser[1], RuleViolation) and "already closed" in str(loser[1])
        state = OrderRequest.objects.get(pk=request.pk).state
        now = fetch(order)
        assert len(closing_rows(request)) == 1
        if withdraw[0] == "ok":
            assert state == RequestState.WITHDRAWN
            assert now.status == Status.CONFIRMED and cancel_rows(order) == 0 and stocks(stocked) == before
        else:
            assert state == RequestState.ACCEPTED
            assert (now.status, now.cancel_reason) == (Status.CANCELLED, CancelReason.MUTUAL)
            assert cancel_rows(order) == 1 and stocks(stocked) == [before[0] + 2, before[1] + 1]
