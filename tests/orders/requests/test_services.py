"""The request services' rules and refusals (docs/rules.md §6), and the buyer's cancel by mode."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import clock as platform_clock
from marketplace.actors import Actor, ActorKind
from marketplace.errors import NotAllowed, RuleViolation
from orders.buyers import buyer_history
from orders.choices import REASONS, CancelReason, Status
from orders.models import Order
from orders.requests.models import CancelGround, OrderRequest, RequestKind, RequestMessage, RequestState
from orders.requests.services import (
    MAX_MESSAGE,
    request_answer,
    request_follow_up,
    request_message_add,
    request_open,
    request_withdraw,
)
from orders.services import order_cancel, order_cancel_by_buyer, order_expire
from tests.orders.requests.support import confirmed, open_kind, sent, set_policy
from tests.orders.support import bring, fetch, refused, stocks

pytestmark = pytest.mark.usefixtures("requests_env")
K = RequestKind


def test_the_buyers_cancel_in_request_mode_is_refused_unless_late(place_order, seller, offers):
    order = confirmed(place_order, seller)
    refused(order, RuleViolation, lambda: order_cancel_by_buyer(order=order), "ask for the cancellation")
    Order.objects.filter(pk=order.pk).update(ship_by=platform_clock.today() - timedelta(days=1))
    cancelled = order_cancel_by_buyer(order=order)
    assert (cancelled.status, cancelled.cancel_reason) == (Status.CANCELLED, CancelReason.LATE_DELIVERY)
    assert REASONS[cancelled.cancel_reason].against_seller


def test_a_late_parcel_in_delivery_is_cancelled_at_once_and_its_goods_stay_off_sale(place_order, seller, offers):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    Order.objects.filter(pk=order.pk).update(ship_by=platform_clock.today() - timedelta(days=4))
    order.parcels.update(scheduled_delivery=None)
    before = stocks(offers)
    cancelled = order_cancel_by_buyer(order=order)
    assert (cancelled.status, cancelled.cancel_reason) == (Status.CANCELLED, CancelReason.LATE_DELIVERY)
    assert stocks(offers) == before and fetch(order).return_expected_since is not None


def test_the_instant_mode_still_cancels_at_once(place_order, seller):
    set_policy(buyer_cancel_mode="instant")
    order = confirmed(place_order, seller)
    assert order_cancel_by_buyer(order=order).cancel_reason == CancelReason.BUYER_CANCELLED
    with pytest.raises(RuleViolation, match="cancel at once"):
        request_open(actor=Actor.buyer(), order=confirmed(place_order, seller), kind=K.BUYER_CANCEL)


def test_one_open_request_per_order(place_order, seller):
    order = confirmed(place_order, seller)
    open_kind(K.MOVE_DATE, order, seller)
    for kind in (K.SELLER_CANCEL, K.MOVE_DATE, K.BUYER_CANCEL):
        with pytest.raises(RuleViolation, match="already has an open request"):
            open_kind(kind, order, seller)
    assert OrderRequest.objects.filter(order=order).count() == 1


def test_who_may_open_what(place_order, seller, outsider):
    order = confirmed(place_order, seller)
    with pytest.raises(NotAllowed):
        open_kind(K.SELLER_CANCEL, order, Actor.seller(outsider))
    with pytest.raises(NotAllowed):
        request_open(actor=Actor.buyer(), order=order, kind=K.SELLER_CANCEL, ground="duplicate", message="x y")
    with pytest.raises(NotAllowed):
        request_open(actor=seller, order=order, kind=K.BUYER_CANCEL)
    received = bring(place_order, seller, Status.RECEIVED)
    with pytest.raises(RuleViolation, match="nothing to ask"):
        open_kind(K.SELLER_CANCEL, received, seller)
    new = bring(place_order, seller, Status.NEW)
    with pytest.raises(RuleViolation, match="ship-by date"):
        open_kind(K.MOVE_DATE, new, seller)


def test_what_a_request_must_say(place_order, seller):
    order = confirmed(place_order, seller)
    cases = [
        (dict(kind=K.SELLER_CANCEL, ground="", message="Hello there."), "why"),
        (dict(kind=K.SELLER_CANCEL, ground=CancelGround.OTHER, message="  "), "message"),
        (dict(kind=K.SELLER_CANCEL, ground=CancelGround.OTHER, message="x" * (MAX_MESSAGE + 1)), "at most"),
        (dict(kind=K.MOVE_DATE, message="Late."), "new agreed date"),
        (dict(kind=K.MOVE_DATE, new_date=order.ship_by, message="Late."), "already"),
        (dict(kind=K.MOVE_DATE, new_date=platform_clock.today() - timedelta(days=1), message="Late."), "past"),
        (dict(kind=K.MOVE_DATE, new_date=platform_clock.today() + timedelta(days=3), message=""), "why"),
    ]
    for params, fragment in cases:
        with pytest.raises(RuleViolation, match=fragment):
            request_open(actor=seller, order=order, **params)
    assert not OrderRequest.objects.exists()


def test_only_the_opener_withdraws_and_only_the_other_side_answers(place_order, seller):
    order = confirmed(place_order, seller)
    request = open_kind(K.SELLER_CANCEL, order, seller)
    with pytest.raises(RuleViolation, match="opened the request"):
        request_withdraw(actor=Actor.buyer(), request=request)
    with pytest.raises(RuleViolation, match="cannot answer"):
        request_answer(actor=seller, request=request, accept=True)
    request_withdraw(actor=seller, request=request)
    with pytest.raises(RuleViolation, match="already closed"):
        request_answer(actor=Actor.buyer(), request=request, accept=True)


def test_the_thread_goes_to_the_other_side(place_order, seller):
    order = confirmed(place_order, seller)
    request = open_kind(K.BUYER_CANCEL, order, seller)
    request_message_add(actor=seller, request=request, text="Could we keep it?")
    request_message_add(actor=Actor.buyer(), request=request, text="No, sorry.")
    request_message_add(actor=Actor.buyer(), request=request, text="Really.")
    assert list(RequestMessage.objects.values_list("author_kind", "text")) == [
        (ActorKind.SELLER, "Could we keep it?"),
        (ActorKind.BUYER, "No, sorry."),
        (ActorKind.BUYER, "Really."),
    ]
    assert {("request_message", ActorKind.BUYER), ("request_message", ActorKind.SELLER)} <= sent(order)
    from notifications.models import OutboxMessage

    assert OutboxMessage.objects.filter(order_id=order.pk, event="request_message", audience="buyer").count() == 1
    with pytest.raises(RuleViolation, match="Write"):
        request_message_add(actor=seller, request=request, text="  ")


def test_follow_up_at_most_once_per_four_working_hours(clock, place_order, seller):
    order = confirmed(place_order, seller)  # Tuesday 10:00
    request = open_kind(K.SELLER_CANCEL, order, seller)
    with pytest.raises(RuleViolation, match="possible from"):
        request_follow_up(actor=seller, request=request)
    clock.move_to(request.opened_at + timedelta(hours=4))
    request_follow_up(actor=seller, request=request)
    clock.move_to(request.opened_at + timedelta(hours=7))  # 17:00: 3 working hours later
    with pytest.raises(RuleViolation, match="possible from"):
        request_follow_up(actor=seller, request=request)
    clock.move_to(request.opened_at + timedelta(hours=23, minutes=1))  # Wednesday 09:01: 4 working hours
    request_follow_up(actor=seller, request=request)
    from notifications.models import OutboxMessage

    assert OutboxMessage.objects.filter(order_id=order.pk, event="request_followed_up", audience="buyer").count() == 2
    buyers = confirmed(place_order, seller)
    theirs = open_kind(K.BUYER_CANCEL, buyers, seller)
    clock.move_to(theirs.opened_at + timedelta(hours=5))
    with pytest.raises(RuleViolation, match="store's own"):
        request_follow_up(actor=seller, request=theirs)


def test_an_order_that_ends_another_way_lapses_its_request(place_order, seller):
    order = confirmed(place_order, seller)
    request = open_kind(K.MOVE_DATE, order, seller)
    order_cancel(actor=seller, order=order, reason=CancelReason.OTHER, comment="Closed the shop.")
    lapsed = OrderRequest.objects.get(pk=request.pk)
    assert (lapsed.state, lapsed.next_check_at) == (RequestState.LAPSED, None)
    assert OrderRequest.history.filter(id=request.pk).latest("history_id").action == "lapse"
    expiring = confirmed(place_order, seller)
    other = open_kind(K.SELLER_CANCEL, expiring, seller)
    order_expire(order=expiring)
    assert OrderRequest.objects.get(pk=other.pk).state == RequestState.LAPSED


def test_an_agreed_cancellation_on_a_buyer_side_ground_counts_in_the_buyers_history(place_order, seller):
    for ground, counts in ((CancelGround.DUPLICATE, 1), (CancelGround.CANNOT_SUPPLY, 0)):
        order = confirmed(place_order, seller, phone="+380671112233" if counts else "+380501112233")
        request = request_open(actor=seller, order=order, kind=K.SELLER_CANCEL, ground=ground, message="Sorry.")
        request_answer(actor=Actor.buyer(), request=request, accept=True)
        history = buyer_history(order.buyer_phone)
        assert fetch(order).cancel_reason == CancelReason.MUTUAL
        assert (history.mistaken, history.buyer_side_cancellations) == (counts, counts)
