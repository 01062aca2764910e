"""The batch path of the tracking pass (orders.tracking.batch, issue 13's throughput): a batch of
changed parcels leaves exactly the rows the one-parcel path (effects.apply) leaves — orders, their
history, fees, tracking events, parcels and outbox rows — in a number of queries that does not grow
with the batch."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from marketplace import clock as platform_clock
from notifications.models import OutboxMessage
from orders.carriers.base import StateGroup
from orders.choices import Status
from orders.models import Order
from orders.services import order_ship
from orders.tracking import batch
from orders.tracking.models import Parcel, TrackingEvent
from orders.tracking.polling import run_pass
from sellers.models import FeeCharge
from tests.orders.support import bring, fetch
from tests.orders.tracking.support import CODE, NEW_TTN, ScriptedCarrier, make_due, state

pytestmark = pytest.mark.django_db


def ship_orders(place_order, seller, offers, count: int, first: int = 0) -> list[Order]:
    for offer in offers[:2]:
        offer.stock = 1000
        offer.save()
    orders = []
    for i in range(first, first + count):
        order = bring(place_order, seller, Status.CONFIRMED)
        orders.append(order_ship(actor=seller, order=order, ttn=f"20450000002{i:03d}"))
    return orders


def mixed_answers(carrier: ScriptedCarrier, orders: list[Order]) -> None:
    """Every state group a pass meets, one order each (the rest: not mentioned by the carrier)."""
    today = platform_clock.today()
    answers = [
        state(StateGroup.RECEIVED, branch="Branch 12"),
        state(StateGroup.REFUSED),
        state(StateGroup.IN_TRANSIT),
        state(StateGroup.AT_BRANCH, branch="Branch 5, Lviv", storage_free_until=today + timedelta(days=3)),
        state(StateGroup.AT_BRANCH, branch="Branch 7", storage_free_until=today + timedelta(days=1)),
        state(StateGroup.FAILED_ATTEMPT),
        state(StateGroup.NOT_FOUND),
        state(StateGroup.CREATED, scheduled_delivery=today + timedelta(days=2)),
        state(StateGroup.UNKNOWN),
        state(StateGroup.READDRESSED, new_number=NEW_TTN),  # left to the one-parcel path
    ]
    for order, answer in zip(orders, answers, strict=False):
        carrier.set(order.ttn, answer)


def snapshot(orders: list[Order]) -> dict:
    """Every row the pass writes about `orders`, without the ids the database hands out."""
    ids = [o.pk for o in orders]
    history = Order.history.filter(id__in=ids).order_by("id", "history_date", "history_id").values()
    return {
        "orders": list(Order.objects.filter(pk__in=ids).order_by("pk").values()),
        "history": [{k: v for k, v in row.items() if k != "history_id"} for row in history],
        "fees": list(
            FeeCharge.objects.filter(order_id__in=ids)
            .order_by("order_id")
            .values_list("order_id", "kind", "base", "percent", "amount")
        ),
        "events": list(
            TrackingEvent.objects.filter(order_id__in=ids)
            .order_by("order_id", "recorded_at", "code")
            .values_list("parcel__number", "order_id", "group", "code", "text", "branch", "at", "recorded_at")
        ),
        "parcels": [
            {k: v for k, v in row.items() if k != "id"}  # a readdressed order's new parcel: a new id each run
            for row in Parcel.objects.filter(order_id__in=ids).order_by("order_id", "number").values()
        ],
        "outbox": sorted(
            (
                {k: v for k, v in row.items() if k != "id"}
                for row in OutboxMessage.objects.filter(order_id__in=ids).values()
            ),
            key=lambda row: row["dedupe_key"],
        ),
    }


def two_passes(carrier: ScriptedCarrier, orders: list[Order], first: datetime) -> dict:
    """A pass with the answers, then one two days later (a storage reminder due), both at a
    fixed time; the rows they leave, then rolled back."""
    with transaction.atomic():
        with time_machine.travel(first, tick=False):
            make_due(*orders)
            run_pass(carriers={CODE: carrier})
        with time_machine.travel(first + timedelta(days=2, minutes=1), tick=False):
            make_due(*orders)
            run_pass(carriers={CODE: carrier})
        rows = snapshot(orders)
        transaction.set_rollback(True)
    return rows


def test_a_batch_leaves_the_same_rows_as_one_parcel_at_a_time(place_order, seller, offers, monkeypatch):
    orders = ship_orders(place_order, seller, offers, 12)
    carrier = ScriptedCarrier()
    mixed_answers(carrier, orders)
    first = platform_clock.now().replace(hour=10, minute=0) + timedelta(minutes=5)

    batched = two_passes(carrier, orders, first)
    monkeypatch.setattr(batch, "apply_batch", lambda changing, now: batch.Applied(fallback=list(changing)))
    one_by_one = two_passes(carrier, orders, first)

    for name in batched:
        for mine, theirs in zip(batched[name], one_by_one[name], strict=True):
            assert mine == theirs, name
    assert batched == one_by_one
    # And it is the outcome each state calls for (so the comparison is not of two empty sets).
    statuses = [row["status"] for row in batched["orders"]]
    assert statuses[:3] == [Status.RECEIVED, Status.CANCELLED, Status.IN_DELIVERY]
    assert [fee[1] for fee in batched["fees"]] == [FeeCharge.Kind.RECEIVED]
    events = {row["event"] for row in batched["outbox"]}
    assert {"order_received", "order_cancelled", "parcel_at_branch", "parcel_storage_ends"} <= events
    assert batched["orders"][9]["ttn"] == NEW_TTN


def _count_queries(place_order, seller, offers, count: int, first: int) -> int:
    orders = ship_orders(place_order, seller, offers, count, first)
    carrier = ScriptedCarrier()
    kinds = [StateGroup.IN_TRANSIT, StateGroup.AT_BRANCH, StateGroup.RECEIVED, StateGroup.REFUSED]
    for i, order in enumerate(orders):
        carrier.set(order.ttn, state(kinds[i % 4], storage_free_until=platform_clock.today() + timedelta(days=4)))
    make_due(*orders)
    with CaptureQueriesContext(connection) as queries:
        result = run_pass(carriers={CODE: carrier})
    assert result.changed == count and not result.errors
    assert [fetch(o).status for o in orders[:4]] == [
        Status.IN_DELIVERY,
        Status.IN_DELIVERY,
        Status.RECEIVED,
        Status.CANCELLED,
    ]
    return len(queries)


def test_a_batch_of_changes_takes_the_same_queries_for_4_or_16_parcels(place_order, seller, offers):
    few = _count_queries(place_order, seller, offers, 4, 0)
    many = _count_queries(place_order, seller, offers, 16, 100)
    assert many == few, (few, many)
