"""The changed parcels of one carrier answer applied together (docs/rules.md §8, "What each state does").

`apply_batch()` does for up to a batch of parcels what `effects.apply()` does for one, with the same
rows as a result (tracking events, the parcels' states and next checks, order history, fees, outbox
rows), in a fixed number of statements instead of ~16 per parcel: the orders locked in id order,
then their parcels (the order first, as every service does); the events in one INSERT, the parcels
in one UPDATE; the received orders handed over and the refused ones cancelled as batches
(orders.services.handover, the way the sweep expires a batch); the messages in one write.

What the batch does not do itself it hands back as `fallback`, for `effects.apply()` one parcel at
a time: a parcel that follows a new number (readdressed), a return delivered to the store, and a
row the status machine refuses. The caller runs the batch in a savepoint: if it fails, every
parcel of it goes through `effects.apply()` instead, so a bad row never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from notifications.services import notify_each

from ..carriers.base import ParcelState, StateGroup
from ..choices import Status
from ..models import Order
from ..rows import insert_rows, update_rows
from ..services.handover import orders_cancel_refused, orders_hand_over
from . import effects, schedule
from .models import Parcel, TrackingEvent

# What apply() saves of a parcel.
PARCEL_FIELDS = (
    "group",
    "code",
    "text",
    "branch",
    "scheduled_delivery",
    "storage_free_until",
    "found_at",
    "state_at",
    "notified",
    "last_checked_at",
    "failures",
    "next_check_at",
)

# What a tracking event is written with.
EVENT_FIELDS = ("parcel", "order", "group", "code", "text", "branch", "at", "recorded_at")


@dataclass
class Applied:
    changed: int = 0  # parcels whose state changed, applied by the batch
    fallback: list[tuple[Parcel, ParcelState | None]] = field(default_factory=list)  # for effects.apply()


def _needs_one_by_one(order: Order, parcel: Parcel, state: ParcelState) -> bool:
    """The cases effects.apply() handles alone: a new number to follow, and a return coming back
    to the store (a RETURNED state, or a parcel received after its order was refused)."""
    if effects.follows(parcel, state):
        return True
    if state.group == StateGroup.RETURNED:
        return True
    return (
        state.group == StateGroup.RECEIVED
        and order.status == Status.CANCELLED
        and order.return_expected_since is not None
    )


def apply_batch(changing: list[tuple[Parcel, ParcelState | None]], *, now: datetime) -> Applied:
    """Apply the carrier's answers about `changing` (parcels as read before, answers) inside the
    caller's transaction; the parcels are read again under their locks."""
    applied = Applied()
    answers = {parcel.pk: state for parcel, state in changing}
    order_ids = sorted({parcel.order_id for parcel, _state in changing})
    orders = {
        order.pk: order
        for order in Order.objects.select_for_update(of=("self",))
        .select_related("store")
        .filter(pk__in=order_ids)
        .order_by("pk")
    }
    locked = list(Parcel.objects.select_for_update().filter(pk__in=list(answers)).order_by("pk"))

    inactive: list[int] = []
    events: list[TrackingEvent] = []
    to_hand_over: list[tuple[Order, Parcel, ParcelState]] = []
    to_cancel: list[tuple[Order, Parcel, ParcelState]] = []
    recorded: list[tuple[Order, Parcel, ParcelState | None, bool]] = []  # (order, parcel, answer, changed)
    for parcel in locked:
        state = answers[parcel.pk]
        order = orders.get(parcel.order_id)
        if order is None:
            continue
        if not parcel.active:  # the seller corrected the number meanwhile: this one is no longer followed
            inactive.append(parcel.pk)
            continue
        changed = effects.is_new(parcel, state)
        if changed and _needs_one_by_one(order, parcel, state):
            applied.fallback.append((parcel, state))
            continue
        if changed:
            entered = str(state.group) != parcel.group
            if entered and order.status == Status.IN_DELIVERY:
                if state.group == StateGroup.RECEIVED:
                    to_hand_over.append((order, parcel, state))
                    continue
                if state.group == StateGroup.REFUSED:
                    to_cancel.append((order, parcel, state))
                    continue
        recorded.append((order, parcel, state, changed))

    # The order-changing groups as batches; the status machine checks each order, and a row it
    # refuses goes one by one. Their messages join the batch's others: one outbox write.
    outbox: list[tuple[str, Order, dict]] = []
    for group, run in ((to_hand_over, orders_hand_over), (to_cancel, orders_cancel_refused)):
        if not group:
            continue
        # The parcels are saved below, after their orders end: the stores' day counters take the
        # carrier's report from here (orders.performance.orders_ended).
        reported = {order.pk: {"scheduled_delivery": state.scheduled_delivery} for order, _parcel, state in group}
        done, _refused = run([order for order, _parcel, _state in group], now=now, messages=outbox, parcels=reported)
        accepted = {order.pk for order in done}
        for order, parcel, state in group:
            if order.pk in accepted:
                recorded.append((order, parcel, state, True))
            else:
                applied.fallback.append((parcel, state))

    messages = outbox
    saved: list[Parcel] = []
    for order, parcel, state, changed in recorded:
        if changed:
            event = effects.record_state(parcel, state, now)
            if event is not None:
                events.append(event)
            applied.changed += 1
        for event, params in effects.due_messages(parcel, now, in_delivery=order.status == Status.IN_DELIVERY):
            messages.append((event, order, params))
        if state is not None:
            parcel.last_checked_at = now
        parcel.failures = 0
        parcel.next_check_at = schedule.next_check(parcel, now)
        saved.append(parcel)

    if events:
        insert_rows(TrackingEvent, events, EVENT_FIELDS)
    if saved:
        update_rows(Parcel, saved, PARCEL_FIELDS)
    if inactive:
        Parcel.objects.filter(pk__in=inactive).update(next_check_at=None)
    if messages:
        notify_each(messages)
    return applied


__all__ = ["Applied", "apply_batch"]
