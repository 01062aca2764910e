"""What a state the carrier reports does (docs/rules.md §8, "What each state does").

`needs_apply()` tells, without a query, whether an answer changes anything (a new state, or a
message the schedule says is due now); `apply()` then does it in one transaction, holding the order
and the parcel locked (the order first, as every service does): the tracking event, the parcel's new
state, and by the state's group the order service (received, refused, returned), the buyer's or the
seller's message, or following the new number. A second identical answer finds nothing to do: the
parcel already holds the state and its `notified` bits say what was said.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from marketplace.actors import Actor
from notifications.services import notify

from ..carriers.base import ParcelState, StateGroup
from ..choices import CancelReason, Status
from ..models import Order
from ..services.base import lock_order, save_order
from ..services.cancellation import order_cancel_by_platform
from ..services.lifecycle import order_hand_over
from . import parcels, schedule
from .models import Parcel, TrackingEvent
from .schedule import NOT_FOUND_GROUPS, TOLD_AT_BRANCH, TOLD_NOT_FOUND, TOLD_STORAGE_ENDS

logger = logging.getLogger(__name__)

_STATE_FIELDS = ("group", "code", "text", "branch", "scheduled_delivery", "storage_free_until")
# A change of these is a new tracking event; the others (dates) only update the parcel.
_EVENT_FIELDS = ("group", "code", "text", "branch")


def _values(state: ParcelState) -> dict:
    return {
        "group": str(state.group),
        "code": state.code,
        "text": state.text[:300],
        "branch": state.branch[:300],
        "scheduled_delivery": state.scheduled_delivery,
        "storage_free_until": state.storage_free_until,
    }


def follows(parcel: Parcel, state: ParcelState) -> str:
    """The number the parcel travels under now, when the carrier names another one (readdressed,
    redelivery, the return waybill of a refused parcel); "" otherwise. A received or returned parcel's
    related number (the cash-on-delivery transfer) is not followed."""
    number = (state.new_number or "").strip()
    if not number or number == parcel.number or state.group in schedule.ENDED:
        return ""
    return number


def is_new(parcel: Parcel, state: ParcelState | None) -> bool:
    if state is None:
        return False
    if state.at is not None and parcel.state_at is not None and state.at < parcel.state_at:
        return False  # an older answer than the one stored
    values = _values(state)
    return any(getattr(parcel, name) != values[name] for name in _STATE_FIELDS) or bool(follows(parcel, state))


def _storage_reminder_due(parcel: Parcel, now: datetime) -> bool:
    remind = schedule.storage_reminder_at(parcel.storage_free_until)
    return (
        parcel.group == StateGroup.AT_BRANCH
        and remind is not None
        and not parcel.notified & TOLD_STORAGE_ENDS
        and remind <= now
        and now.astimezone(schedule.KYIV).date() <= parcel.storage_free_until
    )


def _not_found_due(parcel: Parcel, now: datetime) -> bool:
    return (
        parcel.group == StateGroup.NOT_FOUND
        and not parcel.notified & TOLD_NOT_FOUND
        and now >= schedule.not_found_told_at(parcel)
    )


def needs_apply(parcel: Parcel, state: ParcelState | None, now: datetime) -> bool:
    """Whether the answer (None: the carrier did not mention the parcel) changes anything now."""
    return is_new(parcel, state) or _storage_reminder_due(parcel, now) or _not_found_due(parcel, now)


def apply(parcel_id: int, state: ParcelState | None, *, now: datetime, order_id: int | None = None) -> bool:
    """Apply the carrier's answer about one parcel (of order `order_id`, read when not given); True
    when its state changed."""
    with transaction.atomic():
        if order_id is None:
            order_id = Parcel.objects.filter(pk=parcel_id).values_list("order_id", flat=True).first()
            if order_id is None:
                return False
        order = lock_order(order_id)
        parcel = Parcel.objects.select_for_update().filter(pk=parcel_id).first()
        if parcel is None:
            return False
        if not parcel.active:  # the seller corrected the number meanwhile: this one is no longer followed
            Parcel.objects.filter(pk=parcel_id).update(next_check_at=None)
            return False
        changed = is_new(parcel, state)
        follow = ""
        if changed:
            order, follow = _new_state(order, parcel, state, now)
        else:
            order = _due_messages(order, parcel, now)
        if state is not None:
            parcel.last_checked_at = now
        parcel.failures = 0
        parcel.next_check_at = schedule.next_check(parcel, now)
        parcel.save()
        if follow:
            _readdress(order, follow, now)
    return changed


def record_state(parcel: Parcel, state: ParcelState, now: datetime) -> TrackingEvent | None:
    """Put the reported state on the parcel (in memory) and return its tracking event, unsaved, when
    the state is a new event (the dates alone only update the parcel). Shared by `apply()` and the
    batch path (orders.tracking.batch)."""
    values = _values(state)
    event = None
    if any(getattr(parcel, name) != values[name] for name in _EVENT_FIELDS):
        event = TrackingEvent(
            parcel=parcel,
            order_id=parcel.order_id,
            group=values["group"],
            code=values["code"],
            text=values["text"],
            branch=values["branch"],
            at=state.at,
            recorded_at=now,
        )
    if values["branch"] != parcel.branch:
        parcel.notified &= ~(TOLD_AT_BRANCH | TOLD_STORAGE_ENDS)
    elif values["storage_free_until"] != parcel.storage_free_until:
        parcel.notified &= ~TOLD_STORAGE_ENDS  # storage extended: reminded again before the new date
    for name, value in values.items():
        setattr(parcel, name, value)
    parcel.state_at = state.at or now
    if parcel.found_at is None and parcel.group not in NOT_FOUND_GROUPS:
        parcel.found_at = now
    return event


def _new_state(order: Order, parcel: Parcel, state: ParcelState, now: datetime) -> tuple[Order, str]:
    previous_group = parcel.group
    event = record_state(parcel, state, now)
    if event is not None:
        event.save()
    entered = parcel.group != previous_group
    group = parcel.group
    if group == StateGroup.RECEIVED and _is_return(order, parcel, previous_group):
        group = StateGroup.RETURNED  # the return waybill of a refused parcel, received by the store
    ending = (StateGroup.RECEIVED, StateGroup.REFUSED, StateGroup.RETURNED)
    if entered and group in ending and order.status == Status.IN_DELIVERY:
        # Saved before the order ends: the store's day counters read the parcel as the carrier reported it.
        parcel.save(update_fields=[*_values(state), "state_at", "found_at", "notified"])
    if entered and group == StateGroup.RECEIVED and order.status == Status.IN_DELIVERY:
        order = order_hand_over(order=order)
    elif entered and group in (StateGroup.REFUSED, StateGroup.RETURNED) and order.status == Status.IN_DELIVERY:
        order = order_cancel_by_platform(order=order, reason=CancelReason.BUYER_CHANGED_MIND)
    if group == StateGroup.RETURNED:
        order = _return_received(order)
    order = _due_messages(order, parcel, now)
    return order, follows(parcel, state)


def _is_return(order: Order, parcel: Parcel, previous_group: str) -> bool:
    """A parcel received after the order was refused is the goods coming back to the store."""
    if order.status != Status.CANCELLED or order.return_expected_since is None:
        return False
    refused = StateGroup.REFUSED
    return previous_group == refused or order.parcels.filter(group=refused).exclude(pk=parcel.pk).exists()


def _due_messages(order: Order, parcel: Parcel, now: datetime) -> Order:
    for event, params in due_messages(parcel, now, in_delivery=order.status == Status.IN_DELIVERY):
        notify(event, order=order, **params)
    return order


def due_messages(parcel: Parcel, now: datetime, *, in_delivery: bool) -> list[tuple[str, dict]]:
    """The messages (event, params of notify) the parcel's state calls for and has not had; the bit
    is set whether or not the message goes (an order no longer in delivery tells nobody), so it is
    decided once."""
    messages: list[tuple[str, dict]] = []
    if parcel.group == StateGroup.AT_BRANCH and not parcel.notified & TOLD_AT_BRANCH:
        parcel.notified |= TOLD_AT_BRANCH
        if in_delivery:
            messages.append(("parcel_at_branch", _storage_params(parcel)))
        remind = schedule.storage_reminder_at(parcel.storage_free_until)
        if remind is not None and remind <= now:
            parcel.notified |= TOLD_STORAGE_ENDS  # the arrival message already says until when
    if _storage_reminder_due(parcel, now):
        parcel.notified |= TOLD_STORAGE_ENDS
        if in_delivery:
            messages.append(("parcel_storage_ends", _storage_params(parcel)))
    if _not_found_due(parcel, now):
        parcel.notified |= TOLD_NOT_FOUND
        if in_delivery:
            messages.append(("parcel_number_not_found", {"number": parcel.number, "since": parcel.created_at}))
    return messages


def _storage_params(parcel: Parcel) -> dict:
    return {"number": parcel.number, "branch": parcel.branch, "storage_free_until": parcel.storage_free_until}


def _return_received(order: Order) -> Order:
    """The refused parcel is back at the store: its goods go back on sale (once)."""
    if order.status != Status.CANCELLED or order.return_expected_since is None or order.return_received_at:
        return order
    from ..services.returns import order_return_received

    return order_return_received(actor=Actor.carrier(), order=order)


def _readdress(order: Order, number: str, now: datetime) -> None:
    """The parcel travels under a new number: the order follows it (its history keeps both)."""
    order = lock_order(order)
    order.ttn = number
    save_order(order, Actor.carrier(), "readdressed")
    parcels.follow(order, number, now=now)
