"""The carrier's outcomes for a batch of orders (docs/rules.md §8, "What each state does"): parcels
received (the order handed over, the fee charged, the buyer thanked) and parcels refused (the order
cancelled `buyer_changed_mind`, not against the seller), for the tracking pass's batches.

The same outcome as `order_hand_over` / `order_cancel_by_platform` one order at a time, done the way
the sweep expires a batch (orders.services.expiry.orders_expire): the status machine checks each
order in memory, then one UPDATE for the batch, history rows copied by the database
(`record_saved`), the fees in one INSERT and the messages in one write (`notify_many`). The caller
holds the orders locked (store selected) in its transaction. An order the status machine refuses is
left as it was and handed back, for the one-order service to decide (and refuse with its message).
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import prefetch_related_objects

from marketplace import clock
from marketplace.actors import Actor
from marketplace.calendar import platform as current_platform
from marketplace.errors import RuleViolation
from marketplace.history import record_saved
from notifications.services import notify_many
from orders.fees import charge_orders
from sellers.models import FeeCharge

from .. import deadlines, performance
from ..choices import AUTOMATIC_ACTORS, REASONS, CancelReason
from ..models import Order
from .base import run_transition
from .expiry import check_reason_applies, goods_with_carrier, return_stock

# What a status change writes of an order (save_order saves these through deadlines.refresh).
STATUS_FIELDS = (
    "status",
    "status_changed_at",
    "excellent_deadline",
    "acceptable_deadline",
    "next_check_at",
    "reminders_sent",
)
CANCEL_FIELDS = (*STATUS_FIELDS, "cancel_reason", "cancel_comment", "cancelled_by", "return_expected_since")


def orders_hand_over(orders: list[Order], *, now=None, messages=None, parcels=None) -> tuple[list[Order], list[Order]]:
    """The carrier reports these orders' parcels handed to the buyers: (handed over, refused by the
    status machine and left unchanged). `messages` (a list): the buyers' messages are appended there
    as (event, order, params) for the caller's one write (notify_each) instead of written here.
    `parcels`: what the carrier reported of each order's parcel, when the caller saves the parcels
    after the orders (orders.performance.orders_ended)."""
    actor = Actor.carrier()
    at = now or clock.now()
    p = current_platform()
    done, refused = [], []
    for order in orders:
        try:
            run_transition(order, "hand_over")
        except RuleViolation:
            refused.append(order)
            continue
        order.status_changed_at = at
        deadlines.refresh(order, now=at, status_changed=True, p=p)
        done.append(order)
    if done:
        # The one-order path saves with no change reason: its history rows have NULL there too.
        _save(done, STATUS_FIELDS, actor, "hand_over", reason=None, at=at, parcels=parcels)
        charge_orders(done, FeeCharge.Kind.RECEIVED, p.fee_percent, at=clock.now())
        _notify("order_received", done, messages)
    return done, refused


def orders_cancel_refused(
    orders: list[Order], *, now=None, messages=None, parcels=None
) -> tuple[list[Order], list[Order]]:
    """The buyers refused these orders' parcels: cancelled `buyer_changed_mind` by the carrier, the
    goods expected back with the parcel (docs/rules.md §8). (cancelled, refused and left unchanged).
    `messages`, `parcels`: as for orders_hand_over."""
    reason = CancelReason.BUYER_CHANGED_MIND
    rule = REASONS[reason]
    actor = Actor(next(kind for kind in rule.actors if kind in AUTOMATIC_ACTORS))
    at = now or clock.now()
    p = current_platform()
    done, refused = [], []
    for order in orders:
        if not goods_with_carrier(order):  # goods in the store go back on sale: the one-order path does it
            refused.append(order)
            continue
        try:
            check_reason_applies(order, reason, actor.kind)
            order.cancel_reason, order.cancel_comment, order.cancelled_by = reason, "", actor.kind
            return_stock([order], actor, "cancel", now=at)  # with the carrier: only the return is expected
            run_transition(order, "cancel")
        except RuleViolation:
            refused.append(order)  # changed in memory only; the caller reads it again
            continue
        order.status_changed_at = at
        deadlines.refresh(order, now=at, status_changed=True, p=p)
        done.append(order)
    if done:
        _save(done, CANCEL_FIELDS, actor, "cancel", reason=reason, at=at, parcels=parcels)
        _notify("order_cancelled", done, messages)
    return done, refused


def _save(orders: list[Order], fields, actor: Actor, action: str, *, reason, at, parcels=None) -> None:
    """One UPDATE per distinct set of values (a batch ended at one moment shares them: one
    statement, no CASE per row), the history rows copied by the database, the stores' day counters
    (orders.performance, as every service that ends orders), then the orders' open requests lapse
    and their disputes close (docs/rules.md §6), for the batch at once."""
    attnames = [Order._meta.get_field(name).attname for name in fields]
    groups: dict[tuple, list[int]] = defaultdict(list)
    for order in orders:
        groups[tuple(getattr(order, name) for name in attnames)].append(order.pk)
    for values, pks in groups.items():
        Order.objects.filter(pk__in=pks).update(**dict(zip(attnames, values, strict=True)))
    record_saved(Order, [o.pk for o in orders], date=at, actor=actor, action=action, reason=reason)
    for order in orders:
        order._update_initial_state()  # saved above: a later save() of this copy starts from the new status
    performance.orders_ended(orders, now=at, parcels=parcels)  # their stores' days count them (docs/rules.md §10)
    from ..requests.outcomes import close_open_requests  # it imports these services

    close_open_requests(orders, now=at)


def _notify(event: str, orders: list[Order], messages: list | None) -> None:
    if messages is not None:
        messages.extend((event, order, {}) for order in orders)
        return
    prefetch_related_objects([o for o in orders if "items" not in getattr(o, "_prefetched_objects_cache", {})], "items")
    notify_many(event, orders)
