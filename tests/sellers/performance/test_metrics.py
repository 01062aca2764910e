"""Each metric on hand-computed data: numerator and denominator (docs/rules.md §10, "Metrics")."""

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace import clock as mclock
from orders.choices import CancelReason, Status
from orders.models import Order, Parcel
from orders.performance import differences
from orders.services import order_cancel, order_cancel_by_platform, order_open
from sellers.performance import definitions, rating
from sellers.performance.models import StoreDay
from tests.orders.support import bring

pytestmark = pytest.mark.django_db


def sums(store):
    return definitions.window(store.pk, today=mclock.today(), days=30)


def test_a_received_order_counts_in_orders_shipments_tracking_and_delivery(place_order, seller, store, clock):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    Parcel.objects.filter(order=order).update(group="in_transit", found_at=mclock.now())
    from orders.services import order_hand_over

    order_hand_over(order=Order.objects.get(pk=order.pk))
    s = sums(store)
    assert (s["orders"], s["received"], s["shipped"], s["shipped_late"]) == (1, 1, 1, 0)
    assert (s["carrier_shipped"], s["tracking_valid"], s["delivered"], s["delivered_on_time"]) == (1, 1, 1, 1)
    # opened and confirmed at once: within the excellent and acceptable times of both statuses
    assert (s["new_left"], s["new_excellent"], s["new_acceptable"]) == (1, 1, 1)
    assert (s["accepted_left"], s["accepted_excellent"], s["accepted_acceptable"]) == (1, 1, 1)
    values = definitions.values(s)
    assert values["valid_tracking_rate"] == Decimal("100.00") and values["late_shipment_rate"] == Decimal("0.00")
    assert differences() == []


def test_a_parcel_the_carrier_did_not_find_is_not_valid_tracking(place_order, seller, store):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    Parcel.objects.filter(order=order).update(group="not_found")
    order_cancel(actor=seller, order=order, reason=CancelReason.OTHER, comment="Lost")
    s = sums(store)
    assert (s["carrier_shipped"], s["tracking_valid"], s["delivered"]) == (1, 0, 0)
    assert definitions.values(s)["valid_tracking_rate"] == Decimal("0.00")


def test_seller_fault_expiry_buyer_and_mutual_cancellations(place_order, seller, store, clock):
    bring(place_order, seller, Status.CANCELLED)  # `other`: against the seller
    order_cancel_by_platform(order=place_order(), reason=CancelReason.PROCESSING_TIME_EXPIRED)
    from orders.services import order_cancel_by_buyer

    order_cancel_by_buyer(order=place_order())
    bring(place_order, seller, Status.RECEIVED)
    s = sums(store)
    assert (s["orders"], s["seller_fault"], s["expired"], s["buyer_cancelled"], s["mutual"]) == (4, 2, 1, 1, 0)
    values = definitions.values(s)
    assert values["seller_fault_rate"] == Decimal("50.00")  # 2 of 4
    assert values["buyer_cancellation_rate"] == Decimal("25.00")
    assert values["expiries"] == 1
    # the expired order left `new` past its deadline? it was cancelled at once: within both times
    assert (s["new_left"], s["new_acceptable"]) == (3, 3)  # the buyer's cancel is not the store's processing
    assert differences() == []


def test_leaving_new_after_the_excellent_time_counts_only_as_acceptable(place_order, seller, store, clock):
    order = place_order()
    clock.move_to(clock_now() + timedelta(minutes=90))  # Tue 11:30: past 60 working min, before 3 h
    order_open(actor=seller, order=order)
    order_cancel(actor=seller, order=Order.objects.get(pk=order.pk), reason=CancelReason.OTHER, comment="Gone")
    s = sums(store)
    assert (s["new_left"], s["new_excellent"], s["new_acceptable"]) == (1, 0, 1)
    assert definitions.values(s)["new_excellent_rate"] == Decimal("0.00")
    assert definitions.values(s)["new_acceptable_rate"] == Decimal("100.00")


def clock_now():
    return mclock.now()


def test_a_shipment_after_the_ship_by_day_is_late_and_the_delivery_is_judged_by_the_agreed_date(
    place_order, seller, store, clock
):
    order = bring(place_order, seller, Status.AWAITING_SHIPMENT)
    ship_by = Order.objects.get(pk=order.pk).ship_by
    # the history says the order was shipped two days after its ship-by day
    clock.move_to(clock_now() + timedelta(days=(ship_by - mclock.today()).days + 2))
    Order.objects.filter(pk=order.pk).update(ship_by=ship_by)  # keep the agreed day
    from tests.orders.support import ship

    order = ship(seller, Order.objects.get(pk=order.pk))
    Parcel.objects.filter(order=order).update(group="in_transit", found_at=mclock.now())
    from orders.services import order_hand_over

    order_hand_over(order=Order.objects.get(pk=order.pk))
    s = sums(store)
    assert (s["shipped"], s["shipped_late"]) == (1, 1)
    # received 2 days after the ship-by day: within ship-by + 3 days, on time
    assert (s["delivered"], s["delivered_on_time"]) == (1, 1)
    assert definitions.values(s)["late_shipment_rate"] == Decimal("100.00")
    assert differences() == []


def test_windows_sum_days_and_the_platform_median(store, outsider_store):
    today = mclock.today()
    StoreDay.objects.create(store=store, day=today, orders=10, seller_fault=1)
    StoreDay.objects.create(store=store, day=today - timedelta(days=10), orders=10, seller_fault=3)
    StoreDay.objects.create(store=outsider_store, day=today, orders=4, seller_fault=2)
    assert definitions.window(store.pk, today=today, days=7)["orders"] == 10
    assert definitions.window(store.pk, today=today, days=30)["seller_fault"] == 4
    both = definitions.windows(store.pk, today=today)
    assert (both[7]["seller_fault"], both[30]["seller_fault"]) == (1, 4)
    # 30 days: 4/20 = 20 % and 2/4 = 50 % → median 35 %
    assert definitions.platform_medians(today=today)["seller_fault_rate"] == Decimal("35.00")


def test_rating_and_what_moves_it():
    perfect = rating.rating({})
    assert perfect == 100
    values = {"seller_fault_rate": Decimal(10), "late_shipment_rate": Decimal(0), "valid_tracking_rate": Decimal(90)}
    parts = {c.code: c for c in rating.explain(values)}
    assert parts["seller_fault_rate"].lost == Decimal("12.50")  # 25 × 10 / 20
    assert parts["valid_tracking_rate"].lost == Decimal("1.50")  # 15 × (1 − 0.90)
    assert rating.rating(values) == 86
    assert rating.explain(values)[0].code == "seller_fault_rate"  # the costliest first
