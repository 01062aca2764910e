"""Helpers for the request tests (docs/rules.md §6): the policy, an order ready for every kind of
request, opening each kind, and what the outbox holds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import calendar
from marketplace import clock as platform_clock
from marketplace.actors import Actor, ActorKind
from marketplace.models import PlatformPolicy
from notifications.models import OutboxMessage
from orders.choices import Status
from orders.requests.models import CancelGround, RequestKind
from orders.requests.services import request_open
from sellers.models import Store
from tests.orders.support import bring, fetch

KINDS = [RequestKind.SELLER_CANCEL, RequestKind.MOVE_DATE, RequestKind.BUYER_CANCEL]
MODES = ["calendar", "working"]


def set_policy(**values) -> None:
    PlatformPolicy.objects.filter(pk=1).update(**values)
    calendar.forget()


@pytest.fixture
def requests_env(order_test_env, store):
    """Request mode on (the buyer's cancel is a request), the store with an e-mail of its own."""
    Store.objects.filter(pk=store.pk).update(email="shop@example.com")
    set_policy(buyer_cancel_mode="request")


def confirmed(place_order, seller, **place):
    return bring(place_order, seller, Status.CONFIRMED, **place)


def open_kind(kind: str, order, seller: Actor, **extra):
    if kind == RequestKind.SELLER_CANCEL:
        return request_open(
            actor=seller, order=order, kind=kind, ground=CancelGround.DUPLICATE, message="A duplicate of #1.", **extra
        )
    if kind == RequestKind.MOVE_DATE:
        new_date = extra.pop("new_date", platform_clock.today() + timedelta(days=5))
        return request_open(actor=seller, order=order, kind=kind, new_date=new_date, message="Supplier late.", **extra)
    return request_open(actor=Actor.buyer(), order=order, kind=kind, message="Changed my plans.", **extra)


def answering_actor(kind: str, seller: Actor) -> Actor:
    return seller if kind == RequestKind.BUYER_CANCEL else Actor.buyer()


def side(audience: str) -> str:
    if audience == "buyer":
        return ActorKind.BUYER
    if audience == "moderators":
        return ActorKind.MODERATOR
    return ActorKind.SELLER


def sent(order, *events: str) -> set[tuple[str, str]]:
    """(event, side) of the order's outbox rows, for `events` (all request/dispute events if none)."""
    rows = OutboxMessage.objects.filter(order_id=order.pk)
    rows = rows.filter(event__in=events) if events else rows.filter(event__regex=r"^(request|dispute)_")
    return {(event, side(audience)) for event, audience in rows.values_list("event", "audience")}


def count(order, event: str) -> int:
    return OutboxMessage.objects.filter(order_id=order.pk, event=event).count()


__all__ = ["fetch"]
