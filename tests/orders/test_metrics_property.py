"""The stores' day aggregates equal a full recomputation from the orders after a seeded random mix of
10,000 order histories driven through the real services (docs/rules.md §10, "Metrics").

The generator works in weekly rounds, each from a Thursday 10:00 (Kyiv) to the next Tuesday evening:
orders are placed, opened at once or after the excellent time, confirmed, packed, shipped (some on the
Saturday after a Friday ship-by day: late), received (courier, pickup, the carrier's hand-over batch),
refused at the pickup point (the carrier's refusal batch), cancelled by the seller, asked to be
cancelled by the buyer (accepted in time, late or never: the request sweep lets it go through),
cancelled by a buyer whose parcel is late, or left to the deadline sweep, which expires the rest in
batches. Every write is a service call; the only direct writes are the carrier's answers about its
parcels (Parcel.group, scheduled_delivery), as the tracking pass would store them."""

from __future__ import annotations

import os
import random
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum

from marketplace import calendar
from marketplace.actors import Actor
from marketplace.models import BuyerCancelMode, PlatformPolicy
from marketplace.worktime import KYIV
from orders.carriers.base import StateGroup
from orders.choices import EXPIRY_REASONS, OPEN_STATUSES, CancelReason, Status
from orders.models import Order, Parcel
from orders.performance import differences, orders_ended, rebuild, stored
from orders.requests.models import RequestKind
from orders.requests.services import request_answer, request_open, request_withdraw
from orders.requests.sweep import requests_sweep
from orders.services import (
    Line,
    order_cancel,
    order_cancel_by_buyer,
    order_confirm,
    order_hand_over,
    order_mark_received,
    order_open,
    order_pack,
    order_place,
    order_ready_for_pickup,
    order_ship,
    order_update_delivery,
)
from orders.services.handover import orders_cancel_refused, orders_hand_over
from orders.sweep import sweep
from orders.tracking import effects
from sellers.models import Offer
from sellers.performance.models import COUNTERS, StoreDay
from tests.conftest import make_store, make_user
from tests.orders import metrics_histories
from tests.orders.support import COURIER_PHONE, bring
from tests.orders.tracking.support import state

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SEED = 15
HISTORIES = int(os.environ.get("METRICS_HISTORIES", 300))
ROUNDS = 20
STORES = 8
FIRST_THURSDAY = datetime(2026, 11, 26, 10, 0, tzinfo=KYIV)

# What happens to an order, with its weight in the mix.
FATES = {
    "expire_new": 22,  # nobody opens it: the sweep cancels it processing_time_expired
    "expire_accepted": 8,  # opened (at once or late), then nothing
    "expire_confirmed": 6,  # confirmed with ship-by today, never shipped: shipping_time_expired
    "seller_cancel": 8,  # `other`, from new or accepted: against the seller
    "request_accepted": 6,  # the buyer asks to cancel, the store agrees within the answer window: mutual
    "request_accepted_late": 3,  # ... agrees after the answer window, before it goes through: mutual
    "request_unanswered": 4,  # ... nobody answers: the request goes through (buyer_cancelled)
    "request_withdrawn": 2,  # ... the buyer takes it back; the order expires later
    "np_delivered": 14,  # Nova Poshta, shipped on time, the carrier hands it over (batch)
    "np_late_delivered": 5,  # shipped on the Saturday after a Friday ship-by day, handed over on Tuesday
    "np_late_cancelled": 3,  # shipped late, the buyer cancels on Tuesday: late_delivery
    "np_refused": 4,  # the buyer refuses the parcel (the carrier's batch): buyer_changed_mind
    "np_in_transit": 3,  # still travelling when the run ends: counts nowhere yet
    "courier_received": 4,
    "pickup_received": 5,
    "pickup_cancelled": 3,  # waiting at the store's pickup point, the seller cancels `other`
}
METHOD = {"courier_received": "courier", "pickup_received": "pickup", "pickup_cancelled": "pickup"}


class Run:
    """The generator's own bookkeeping: what it did, counted apart from orders.performance."""

    def __init__(self, clock):
        self.clock = clock
        self.rng = random.Random(SEED)
        self.ttn = 0
        self.done = Counter()
        owners = [make_user(f"owner{i}") for i in range(STORES)]
        self.stores = [make_store(f"Store {i}", owner=owner) for i, owner in enumerate(owners)]
        self.sellers = {store.pk: Actor.seller(owner) for store, owner in zip(self.stores, owners, strict=True)}
        self.offers = {
            store.pk: [
                Offer.objects.create(store=store, title=f"Item {j}", sku=f"S{store.pk}-{j}", price=price, stock=10**6)
                for j, price in enumerate((Decimal("250.00"), Decimal("499.90"), Decimal("1200.00")))
            ]
            for store in self.stores
        }

    def at(self, moment: datetime) -> None:
        self.clock.move_to(moment)

    def seller(self, order) -> Actor:
        return self.sellers[order.store_id]

    def place(self, fate: str) -> Order:
        store = self.rng.choice(self.stores)
        offers = self.rng.sample(self.offers[store.pk], self.rng.randint(1, 2))
        method = METHOD.get(fate, "nova_poshta")
        return order_place(
            store=store,
            buyer_name="Buyer",
            buyer_phone=f"+38050{self.rng.randint(1000000, 9999999)}",
            lines=[Line(offer.pk, self.rng.randint(1, 3)) for offer in offers],
            delivery_method=method,
            delivery_branch="Branch 1" if method == "nova_poshta" else "",
            delivery_address="Khreshchatyk 1, Kyiv" if method == "courier" else "",
        )

    def ready(self, order: Order, ship_by) -> Order:
        order = order_update_delivery(
            actor=self.seller(order),
            order=order,
            method=order.delivery_method,
            branch="Branch 1",
            address="Khreshchatyk 1, Kyiv",
            cost=Decimal("70.00"),
            ship_by=ship_by,
        )
        return order_confirm(actor=self.seller(order), order=order)

    def ship(self, order: Order) -> Order:
        if order.delivery_method == "courier":
            return order_ship(
                actor=self.seller(order),
                order=order,
                courier_phone=COURIER_PHONE,
                courier_visit_at=self.clock_now() + timedelta(hours=2),
            )
        self.ttn += 1
        return order_ship(actor=self.seller(order), order=order, ttn=f"20{self.ttn:012d}")

    @staticmethod
    def clock_now():
        from marketplace import clock

        return clock.now()

    def carrier_found(self, orders, *, scheduled=None) -> None:
        """The carrier's answer about these parcels, as the tracking pass stores it: most found, some not."""
        found = [o.pk for o in orders if self.rng.random() < 0.85]
        lost = [o.pk for o in orders if o.pk not in found]
        Parcel.objects.filter(order_id__in=found).update(
            group="in_transit", scheduled_delivery=scheduled, found_at=self.clock_now()
        )
        Parcel.objects.filter(order_id__in=lost).update(group="not_found")
        return found

    def locked(self, orders) -> list[Order]:
        return list(Order.objects.select_for_update().filter(pk__in=[o.pk for o in orders]).order_by("pk"))

    def round(self, thursday: datetime, size: int) -> None:
        """One week of `size` histories."""
        rng, done = self.rng, self.done
        friday, saturday = (thursday + timedelta(days=1)).date(), thursday + timedelta(days=2, hours=2)
        tuesday = thursday + timedelta(days=5)
        self.at(thursday)
        fates = rng.choices(list(FATES), weights=list(FATES.values()), k=size)
        placed = [(fate, self.place(fate)) for fate in fates]
        by_fate: dict[str, list[Order]] = {fate: [] for fate in FATES}
        slow = []
        for fate, order in placed:
            if fate == "expire_new":
                by_fate[fate].append(order)
                continue
            if fate == "seller_cancel" and rng.random() < 0.5:
                by_fate[fate].append(order)  # cancelled while still new
                continue
            if rng.random() < 0.25:
                slow.append((fate, order))  # opened after the excellent time
                continue
            by_fate[fate].append(order_open(actor=self.seller(order), order=order))
        self.at(thursday + timedelta(minutes=90))
        for fate, order in slow:
            by_fate[fate].append(order_open(actor=self.seller(order), order=order))
        today = thursday.date()

        for order in by_fate["seller_cancel"]:
            order_cancel(actor=self.seller(order), order=order, reason=CancelReason.OTHER, comment="Cannot supply")
        done["seller_fault"] += len(by_fate["seller_cancel"])

        requests = {}
        for fate in ("request_accepted", "request_accepted_late", "request_unanswered", "request_withdrawn"):
            for order in by_fate[fate]:
                requests[order.pk] = request_open(
                    actor=Actor.buyer(), order=order, kind=RequestKind.BUYER_CANCEL, message="Changed my plans"
                )
        for order in by_fate["request_accepted"]:
            request_answer(actor=self.seller(order), request=requests[order.pk], accept=True, message="Fine")
        for order in by_fate["request_withdrawn"]:
            request_withdraw(actor=Actor.buyer(), request=requests[order.pk])
        done["mutual"] += len(by_fate["request_accepted"]) + len(by_fate["request_accepted_late"])
        done["buyer_cancelled"] += len(by_fate["request_unanswered"])
        done["requests"] += len(by_fate["request_accepted"]) + len(by_fate["request_accepted_late"])
        done["requests"] += len(by_fate["request_unanswered"])
        done["requests_answered"] += len(by_fate["request_accepted"]) + len(by_fate["request_accepted_late"])

        for order in by_fate["expire_confirmed"]:
            self.ready(order, today)
        on_time = by_fate["np_delivered"] + by_fate["np_refused"] + by_fate["np_in_transit"]
        travelling = []
        for order in on_time + by_fate["courier_received"]:
            order = order_pack(actor=self.seller(order), order=self.ready(order, rng.choice([today, friday])))
            travelling.append(self.ship(order))
        waiting = []
        for order in by_fate["pickup_received"] + by_fate["pickup_cancelled"]:
            order = order_pack(actor=self.seller(order), order=self.ready(order, friday))
            waiting.append(order_ready_for_pickup(actor=self.seller(order), order=order))
        late = [
            order_pack(actor=self.seller(order), order=self.ready(order, friday))
            for order in by_fate["np_late_delivered"] + by_fate["np_late_cancelled"]
        ]

        self.at(thursday + timedelta(hours=3))
        travelling = {o.pk: o for o in travelling}
        np_shipped = [travelling[o.pk] for o in on_time]
        self.found = set(self.carrier_found(np_shipped))
        delivered = [travelling[o.pk] for o in by_fate["np_delivered"]]
        refused = [travelling[o.pk] for o in by_fate["np_refused"]]
        with transaction.atomic():
            handed, not_handed = orders_hand_over(self.locked(delivered))
        assert not not_handed
        with transaction.atomic():
            cancelled, not_cancelled = orders_cancel_refused(self.locked(refused))
        assert not not_cancelled
        for order in by_fate["courier_received"]:
            order_mark_received(actor=self.seller(order), order=travelling[order.pk])
        for order in waiting:
            if order.pk in {o.pk for o in by_fate["pickup_received"]}:
                order_mark_received(actor=self.seller(order), order=order)
            else:
                order_cancel(actor=self.seller(order), order=order, reason=CancelReason.OTHER, comment="Broken")
        ended_np = delivered + refused
        done["received"] += len(delivered) + len(by_fate["courier_received"]) + len(by_fate["pickup_received"])
        done["seller_fault"] += len(by_fate["pickup_cancelled"])
        done["carrier_shipped"] += len(ended_np)
        done["tracking_valid"] += sum(1 for o in ended_np if o.pk in self.found)
        done["shipped"] += len(ended_np) + len(by_fate["courier_received"]) + len(waiting)
        done["delivered"] += len(delivered) + len(by_fate["courier_received"])
        done["delivered_on_time"] += len(delivered) + len(by_fate["courier_received"])

        self.at(thursday + timedelta(days=1, hours=2))  # Friday 12:00: past the answer window
        for order in by_fate["request_accepted_late"]:
            request_answer(actor=self.seller(order), request=requests[order.pk], accept=True)

        self.at(saturday)  # after the Friday ship-by day, before its deadline (the next working instant)
        late = [self.ship(order) for order in late]
        self.carrier_found(late, scheduled=friday + timedelta(days=2))

        self.at(tuesday)  # past the agreed date (Sunday) of the late parcels
        late_ids = {o.pk: o for o in late}
        with transaction.atomic():
            handed, not_handed = orders_hand_over(self.locked(by_fate["np_late_delivered"]))
        assert not not_handed
        for order in by_fate["np_late_cancelled"]:
            order_cancel_by_buyer(order=late_ids[order.pk], comment="Still not here")
        late_found = set(
            Parcel.objects.filter(order_id__in=late_ids, group="in_transit").values_list("order_id", flat=True)
        )
        done["received"] += len(by_fate["np_late_delivered"])
        done["seller_fault"] += len(by_fate["np_late_cancelled"])  # late_delivery counts against the seller
        done["shipped"] += len(late)
        done["shipped_late"] += len(late)
        done["delivered"] += len(by_fate["np_late_delivered"])  # after the agreed Sunday: not on time
        done["carrier_shipped"] += len(late)
        done["tracking_valid"] += len(late_found)

        self.at(tuesday + timedelta(hours=8))  # Tuesday 18:00: every deadline of the week has passed
        requests_sweep()
        sweep()
        expired = len(by_fate["expire_new"]) + len(by_fate["expire_accepted"]) + len(by_fate["expire_confirmed"])
        expired += len(by_fate["request_withdrawn"])
        done["expired"] += expired
        done["seller_fault"] += expired


@pytest.fixture
def policy(db):
    # A store past the §4 expiry count would take no more orders: the mix would stall.
    PlatformPolicy.objects.filter(pk=1).update(expiry_restrict_count=0, buyer_cancel_mode=BuyerCancelMode.REQUEST)
    calendar.forget()


def test_aggregates_equal_a_recomputation_after_10000_random_histories(policy, clock):
    run = Run(clock)
    per_round = HISTORIES // ROUNDS
    for n in range(ROUNDS):
        run.round(FIRST_THURSDAY + timedelta(weeks=n), per_round)

    assert Order.objects.count() == HISTORIES
    assert differences() == []

    totals = StoreDay.objects.aggregate(**{name: Sum(name) for name in COUNTERS})
    ended = Order.objects.exclude(status__in=[s for s in Status if s not in (Status.RECEIVED, Status.CANCELLED)])
    assert totals["orders"] == ended.count() == HISTORIES - Order.objects.filter(status=Status.IN_DELIVERY).count()
    assert totals["expired"] == run.done["expired"] == ended.filter(cancel_reason__in=EXPIRY_REASONS).count()
    for name in (
        "received",
        "mutual",
        "buyer_cancelled",
        "seller_fault",
        "shipped_late",
        "carrier_shipped",
        "tracking_valid",
        "requests",
        "requests_answered",
        "shipped",
        "delivered",
        "delivered_on_time",
    ):
        assert totals[name] == run.done[name], name
    # every week's orders end on its Thursday, Friday (late acceptances) and Tuesday (late parcels, sweeps)
    days = set(StoreDay.objects.values_list("day", flat=True))
    assert {d.weekday() for d in days} <= {1, 3, 4}
    assert len({d for d in days if d.weekday() in (1, 3)}) == 2 * ROUNDS
    assert rebuild()  # and the check itself sees the days


# --- The aggregation at scale: 10,000 histories written in bulk (tests/orders/metrics_histories.py) ---

BULK_HISTORIES = int(os.environ.get("METRICS_BULK_HISTORIES", 10_000))
BULK_STORES = 12


def test_aggregates_equal_a_recomputation_after_10000_bulk_histories(clock):
    """10,000 seeded histories, each order's rows as the services leave them when it ends, fed through the live
    path (orders_ended in the batches the services and the sweep call it with, in the order the orders ended,
    open ones among them), then changed as the platform changes ended orders later: the stored days equal
    the generator's own counts, and the rebuild finds no difference."""
    now = clock_now()
    stores = [make_store(f"Bulk {i}", owner=make_user(f"bulk{i}")).pk for i in range(BULK_STORES)]
    late_days = calendar.platform().late_delivery_after_days
    rng = random.Random(SEED)
    stories = metrics_histories.generate(
        rng,
        stores,
        BULK_HISTORIES,
        start=now - timedelta(days=95),
        span=timedelta(days=88),
        now=now,
        late_days=late_days,
    )
    metrics_histories.write(stories)

    in_order = sorted(stories, key=lambda s: s.order.status_changed_at)
    calls = 0
    while in_order:
        size = 1 if rng.random() < 0.2 else rng.randint(2, 80)
        batch, in_order = in_order[:size], in_order[size:]
        orders_ended([s.order for s in batch])
        calls += 1
    later = metrics_histories.after_end(stories, now)

    expected: dict = {}
    for s in stories:
        if s.ended:
            expected.setdefault(s.key, Counter()).update(s.expected)
    assert stored() == expected
    assert differences() == []

    # hand-checked totals: every metric's numerator and denominator met, by the generator's own counts
    ended = [s for s in stories if s.ended]
    totals = StoreDay.objects.aggregate(**{name: Sum(name) for name in COUNTERS})
    assert totals["orders"] == len(ended) == Order.objects.exclude(status__in=OPEN_STATUSES).count()
    assert totals["received"] == sum(s.order.status == Status.RECEIVED for s in ended)
    assert totals["expired"] == sum(s.order.cancel_reason in EXPIRY_REASONS for s in ended)
    for numerator, denominator in (
        ("new_excellent", "new_left"),
        ("new_acceptable", "new_left"),
        ("accepted_excellent", "accepted_left"),
        ("accepted_acceptable", "accepted_left"),
        ("seller_fault", "orders"),
        ("buyer_cancelled", "orders"),
        ("mutual", "orders"),
        ("shipped_late", "shipped"),
        ("tracking_valid", "carrier_shipped"),
        ("delivered_on_time", "delivered"),
        ("requests_answered", "requests"),
    ):
        assert 0 < totals[numerator] < totals[denominator], (numerator, denominator)
    assert calls > 50 and len(ended) < BULK_HISTORIES  # batches of many sizes; open orders were passed and left out
    assert all(later.values()), later  # every later change happened
    assert len({day for _store, day in expected}) > 80


# --- Cases where the live path and a rebuild could disagree (found by the tests above; docs/rules.md §10) ---


def test_a_parcel_first_seen_delivered_counts_the_same_live_and_rebuilt(place_order, seller, clock):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    parcel = Parcel.objects.get(order=order)
    effects.apply(parcel.pk, state(StateGroup.RECEIVED, scheduled_delivery=clock_now().date()), now=clock_now())
    assert Order.objects.get(pk=order.pk).status == Status.RECEIVED
    assert differences() == []


@pytest.mark.parametrize("group", [StateGroup.RECEIVED, StateGroup.REFUSED])
def test_a_batch_that_ends_orders_counts_the_parcels_as_reported(place_order, seller, clock, group):
    """The tracking batch saves its parcels after ending their orders: the day counts the parcel as
    the carrier reported it (found, its delivery date), as a rebuild from the saved rows does."""
    from orders.tracking.batch import apply_batch

    orders = [bring(place_order, seller, Status.IN_DELIVERY)]
    parcels = list(Parcel.objects.filter(order__in=orders).order_by("pk"))
    assert {p.group for p in parcels} == {""}  # never answered before: the report is its first finding
    answer = state(group, scheduled_delivery=clock_now().date())
    with transaction.atomic():
        applied = apply_batch([(parcel, answer) for parcel in parcels], now=clock_now())
    assert applied.fallback == []
    ended = Order.objects.filter(pk__in=[o.pk for o in orders])
    assert {o.status for o in ended} == {Status.RECEIVED if group == StateGroup.RECEIVED else Status.CANCELLED}
    assert sum(day.tracking_valid for day in StoreDay.objects.all()) == 1
    assert differences() == []


def test_a_parcel_found_after_its_order_was_cancelled_changes_no_past_day(place_order, seller, clock):
    """The seller cancels a shipped order whose number the carrier does not know yet; the parcel is
    still followed (for the return) and found the next day: the order's day keeps it not valid, and a
    rebuild from the rows as they are now agrees."""
    order = bring(place_order, seller, Status.IN_DELIVERY)
    parcel = Parcel.objects.get(order=order)
    order_cancel(actor=seller, order=Order.objects.get(pk=order.pk), reason=CancelReason.OTHER, comment="Lost")
    assert sum(day.tracking_valid for day in StoreDay.objects.all()) == 0
    clock.move_to(clock_now() + timedelta(days=1))
    found = clock_now()
    effects.apply(parcel.pk, state(StateGroup.IN_TRANSIT), now=found)
    parcel.refresh_from_db()
    assert parcel.group == StateGroup.IN_TRANSIT and parcel.found_at == found
    assert sum(day.carrier_shipped for day in StoreDay.objects.all()) == 1
    assert sum(day.tracking_valid for day in StoreDay.objects.all()) == 0
    assert differences() == []


def test_found_at_is_the_first_finding_and_not_found_sets_nothing(place_order, seller, clock):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    parcel = Parcel.objects.get(order=order)
    effects.apply(parcel.pk, state(StateGroup.NOT_FOUND), now=clock_now())
    parcel.refresh_from_db()
    assert parcel.group == StateGroup.NOT_FOUND and parcel.found_at is None
    first = clock_now() + timedelta(hours=2)
    effects.apply(parcel.pk, state(StateGroup.IN_TRANSIT), now=first)
    effects.apply(parcel.pk, state(StateGroup.AT_BRANCH), now=first + timedelta(hours=5))
    parcel.refresh_from_db()
    assert parcel.group == StateGroup.AT_BRANCH and parcel.found_at == first


def test_a_policy_edit_after_delivery_moves_no_past_on_time_figure(place_order, seller, clock):
    """Received from delivery two days after the ship-by day, within ship-by + 3: on time. A later
    edit of `late_delivery_after_days` to 1 changes the agreed date of orders still travelling, not
    the one this order had: it is kept on the order, and the rebuild reads it."""
    order = bring(place_order, seller, Status.IN_DELIVERY)
    Parcel.objects.filter(order=order).update(group="in_transit", found_at=clock_now())
    clock.move_to(
        datetime.combine(order.ship_by + timedelta(days=2), datetime.min.time(), tzinfo=KYIV).replace(hour=12)
    )
    order_hand_over(order=Order.objects.get(pk=order.pk))
    received = Order.objects.get(pk=order.pk)
    assert received.deliver_by == received.ship_by + timedelta(days=3)
    assert sum(day.delivered_on_time for day in StoreDay.objects.all()) == 1
    policy = PlatformPolicy.get()
    policy.late_delivery_after_days = 1
    policy.save()
    calendar.forget()
    assert differences() == []
    # without the kept date the rebuild would judge it late by the new policy
    Order.objects.filter(pk=order.pk).update(deliver_by=None)
    assert [(d[2].get("delivered_on_time"), d[3].get("delivered_on_time")) for d in differences()] == [(1, None)]


def clock_now():
    from marketplace import clock

    return clock.now()
