"""Tracking against concurrent writers, on the real PostgreSQL (docs/rules.md §8): two passes never
ask about the same parcel (claims with SKIP LOCKED), and a seller cancelling while a pass marks the
same parcel received ends in exactly one outcome.

Threads have their own connections; each racer waits at a barrier, then acts at once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from marketplace import clock as platform_clock
from marketplace.errors import ConflictError, RuleViolation
from orders.carriers.base import StateGroup
from orders.choices import CancelReason, Status
from orders.models import Order
from orders.seed import bulk
from orders.services import order_cancel
from orders.tracking.models import Parcel
from orders.tracking.polling import run_pass
from sellers.models import FeeCharge, Offer
from tests.conftest import VALID_TTN
from tests.orders.support import bring, fetch, order_test_env  # noqa: F401 (order_test_env is a fixture)
from tests.orders.tracking.support import CODE, ScriptedCarrier, make_due, state
from tests.races import run_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("order_test_env", "restore_migrations_data"),
]
ROUNDS = 50


def race(*actions):
    """Run each action in its own thread at once; [(outcome, value)] in the order of `actions`."""
    return run_at_once(actions, timeout=60)


def test_two_passes_at_once_never_ask_about_the_same_parcel(store, offers):
    bulk.add_orders(300, [store], seed=5, history=False)
    Parcel.objects.all().delete()
    Parcel.objects.bulk_create(
        Parcel(order_id=pk, carrier=CODE, number=f"2045{pk:010d}", created_at=platform_clock.now())
        for pk in Order.objects.values_list("pk", flat=True)
    )
    parcels = list(Parcel.objects.values_list("number", flat=True))
    carrier = ScriptedCarrier(batch_size=7)
    carrier.delay = 0.002
    for _ in range(5):
        Parcel.objects.update(next_check_at=platform_clock.now() - timedelta(seconds=1))
        carrier.calls.clear()
        results = race(*[lambda: run_pass(carriers={CODE: carrier}, limit=len(parcels) // 3)] * 3)
        assert [outcome for outcome, _ in results] == ["ok"] * 3, results
        asked = Counter(carrier.asked)
        assert max(asked.values()) == 1, [n for n, c in asked.items() if c > 1]
        assert sum(result.claimed for _, result in results) == len(asked) <= len(parcels)


def test_the_seller_cancels_while_a_pass_marks_the_parcel_received(place_order, seller, store, offers):
    Offer.objects.filter(pk__in=[o.pk for o in offers]).update(stock=1000)
    carrier = ScriptedCarrier()
    carrier.set(VALID_TTN, state(StateGroup.RECEIVED))
    outcomes = Counter()
    for _ in range(ROUNDS):
        order = bring(place_order, seller, Status.IN_DELIVERY)
        make_due(order)
        results = race(
            lambda: order_cancel(
                actor=seller, order=Order.objects.get(pk=order.pk), reason=CancelReason.OTHER, comment="Sold out"
            ),
            lambda: run_pass(carriers={CODE: carrier}),
        )
        (cancel_outcome, cancel_value), (pass_outcome, pass_value) = results
        assert pass_outcome == "ok", pass_value
        assert pass_value.claimed == 1 and not pass_value.errors
        saved = fetch(order)
        actions = list(order.history.filter(action__in=["cancel", "hand_over"]).values_list("action", flat=True))
        fees = FeeCharge.objects.filter(order=order).count()
        if cancel_outcome == "ok":
            assert (saved.status, saved.cancel_reason, actions, fees) == (
                Status.CANCELLED,
                CancelReason.OTHER,
                ["cancel"],
                0,
            )
            outcomes["cancelled"] += 1
        else:
            assert isinstance(cancel_value, (RuleViolation, ConflictError)), repr(cancel_value)
            assert str(cancel_value).endswith("."), str(cancel_value)
            assert (saved.status, actions, fees) == (Status.RECEIVED, ["hand_over"], 1)
            assert FeeCharge.objects.get(order=order).base == saved.total
            outcomes["received"] += 1
        # Either way the parcel ended: it is not asked about again.
        assert Parcel.objects.get(order=order).next_check_at is None
    assert sum(outcomes.values()) == ROUNDS
