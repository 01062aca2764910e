"""Helpers for the order tests: bring an order to a status, snapshot it, assert a refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from marketplace.actors import Actor
from orders.choices import CancelReason, DeliveryMethod, Status
from orders.models import CallAttempt, Order, OrderComment, OrderItem
from orders.services import (
    order_cancel,
    order_confirm,
    order_hand_over,
    order_mark_received,
    order_open,
    order_pack,
    order_ready_for_pickup,
    order_ship,
)
from sellers.models import Offer
from tests.conftest import VALID_TTN, ready_delivery

NP, COURIER, PICKUP = DeliveryMethod.NOVA_POSHTA, DeliveryMethod.COURIER, DeliveryMethod.PICKUP
COURIER_PHONE = "+380671234567"
BEFORE_SHIPMENT = [Status.NEW, Status.ACCEPTED, Status.CONFIRMED, Status.AWAITING_SHIPMENT]
AFTER_SHIPMENT = [Status.IN_DELIVERY, Status.AWAITING_PICKUP, Status.RECEIVED, Status.CANCELLED]
OPEN = [*BEFORE_SHIPMENT, Status.IN_DELIVERY, Status.AWAITING_PICKUP]
# The delivery method an order needs to reach a status (pickup orders wait, the others travel).
METHOD_FOR = {Status.AWAITING_PICKUP: PICKUP}


@pytest.fixture
def order_test_env(settings):
    """English messages (asserted whatever translations the project ships) and a fast password
    hasher (the shared fixtures create users with passwords in every test)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with translation.override("en"):
        yield


def fetch(order) -> Order:
    """A fresh copy from the database (`refresh_from_db` is refused on the protected status)."""
    return Order.objects.get(pk=order.pk)


def bring(place_order, seller: Actor, status: str, *, method: str | None = None, **place) -> Order:
    """Place an order and walk it to `status` through the services."""
    method = method or METHOD_FOR.get(status, NP)
    order = place_order(delivery_method=method, **place)
    if status == Status.NEW:
        return order
    order = order_open(actor=seller, order=order)
    if status == Status.ACCEPTED:
        return order
    if status == Status.CANCELLED:
        return order_cancel(actor=seller, order=order, reason=CancelReason.OTHER, comment="Test cancellation")
    order = order_confirm(actor=seller, order=ready_delivery(order, seller, method))
    if status == Status.CONFIRMED:
        return order
    order = order_pack(actor=seller, order=order)
    if status == Status.AWAITING_SHIPMENT:
        return order
    if method == PICKUP:
        order = order_ready_for_pickup(actor=seller, order=order)
        return order if status == Status.AWAITING_PICKUP else order_mark_received(actor=seller, order=order)
    order = ship(seller, order)
    if status == Status.IN_DELIVERY:
        return order
    assert status == Status.RECEIVED, status
    if method == COURIER:
        return order_mark_received(actor=seller, order=order)
    return order_hand_over(order=order)


def ship(seller: Actor, order: Order) -> Order:
    if order.delivery_method == COURIER:
        return order_ship(
            actor=seller, order=order, courier_phone=COURIER_PHONE, courier_visit_at=timezone.now() + timedelta(hours=3)
        )
    return order_ship(actor=seller, order=order, ttn=VALID_TTN)


def snapshot(order) -> dict:
    """Everything a refused action must leave as it was: the row, its items, the store's stock,
    and the number of history, comment and call rows."""
    return {
        "order": Order.objects.filter(pk=order.pk).values().get(),
        "items": list(OrderItem.objects.filter(order_id=order.pk).order_by("pk").values()),
        "stock": list(Offer.objects.filter(store_id=order.store_id).order_by("pk").values_list("pk", "stock")),
        "orders": Order.objects.filter(store_id=order.store_id).count(),
        "order_history": Order.history.count(),
        "item_history": OrderItem.history.count(),
        "offer_history": Offer.history.count(),
        "comments": OrderComment.objects.count(),
        "calls": CallAttempt.objects.count(),
    }


def refused(order, error, action, *fragments: str):
    """Run `action()`, expect `error`, and prove nothing changed; the message must carry every
    fragment (a status label, the rule). Returns the exception."""
    before = snapshot(order)
    with pytest.raises(error) as caught:
        action()
    assert snapshot(order) == before
    message = str(caught.value)
    assert len(message.split()) >= 3 and message.rstrip().endswith("."), f"not a sentence: {message!r}"
    for fragment in fragments:
        assert str(fragment) in message
    return caught.value


def label(status: str) -> str:
    return str(Status(status).label)


def history_count(order) -> int:
    return Order.history.filter(id=order.pk).count()


def last_history(order):
    return Order.history.filter(id=order.pk).order_by("-history_id").first()


def stocks(offers) -> list[int]:
    return list(Offer.objects.filter(pk__in=[o.pk for o in offers]).order_by("pk").values_list("stock", flat=True))


def assert_recorded(order, before: int, *, action: str, kind: str, user=None) -> None:
    """Exactly one new history row of the order, stamped with the action and who did it."""
    assert history_count(order) == before + 1
    row = last_history(order)
    assert (row.action, row.actor_kind, row.history_user) == (action, kind, user)
    assert row.status == fetch(order).status
    assert abs(row.history_date - timezone.now()) < timedelta(minutes=1)


def placed_earlier(order: Order, when) -> None:
    """Backdate the order's placement (calls can only be logged after it)."""
    Order.objects.filter(pk=order.pk).update(created_at=when)
    order.created_at = when
