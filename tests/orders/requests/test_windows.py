"""Each request window's edges (docs/rules.md §6), in both counting modes, for every kind and
answer: accepted just before and after `answer_by` and just before `expires_at`, refused at and
after it; silence reminded at `answer_by` and going through at `expires_at`; declined; withdrawn.
Each checks the order's status, reason, the counts-against flag, the history and the messages.

Working mode opens on a Friday evening, so its windows end days after the calendar ones."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from marketplace.actors import ActorKind
from marketplace.calendar import platform
from marketplace.errors import RuleViolation
from marketplace.worktime import KYIV
from orders.choices import REASONS, CancelReason, Status
from orders.disputes.models import Dispute
from orders.models import Order
from orders.requests.models import OrderRequest, RequestKind, RequestState
from orders.requests.services import request_answer, request_withdraw
from orders.requests.sweep import requests_sweep
from tests.orders.requests.support import (
    KINDS,
    MODES,
    answering_actor,
    confirmed,
    count,
    fetch,
    open_kind,
    sent,
    set_policy,
)
from tests.orders.support import stocks

pytestmark = pytest.mark.usefixtures("requests_env")
FRIDAY_EVENING = datetime(2026, 11, 27, 19, 0, tzinfo=KYIV)
TICK = timedelta(seconds=1)
BUYER, SELLER = ActorKind.BUYER, ActorKind.SELLER


@pytest.fixture(params=MODES)
def mode(request, clock):
    set_policy(request_window_counting=request.param)
    if request.param == "working":
        clock.move_to(FRIDAY_EVENING)
    return request.param


def opened(kind, place_order, seller):
    order = confirmed(place_order, seller)
    request = open_kind(kind, order, seller)
    return order, request


def check_windows(request, mode):
    p = platform()
    calendar_24, calendar_48 = request.opened_at + timedelta(hours=24), request.opened_at + timedelta(hours=48)
    if mode == "calendar":
        assert (request.answer_by, request.expires_at) == (calendar_24, calendar_48)
    else:
        working = (
            p.calendar.add(request.opened_at, timedelta(hours=24)),
            p.calendar.add(request.opened_at, timedelta(hours=48)),
        )
        assert (request.answer_by, request.expires_at) == working
        assert request.answer_by > calendar_24 and request.expires_at > calendar_48
    assert request.next_check_at == request.answer_by


def outcome(kind, *, accepted: bool) -> str | None:
    if kind == RequestKind.MOVE_DATE:
        return None
    if kind == RequestKind.BUYER_CANCEL and not accepted:
        return CancelReason.BUYER_CANCELLED
    return CancelReason.MUTUAL


def check_outcome(order, request, kind, *, accepted: bool, actor_kind: str, stock_before, offers):
    now = fetch(order)
    last = Order.history.filter(id=order.pk).order_by("-history_id").first()
    assert last.actor_kind == actor_kind
    if kind == RequestKind.MOVE_DATE:
        assert now.status == Status.CONFIRMED and now.cancel_reason == ""
        assert now.ship_by == request.new_date
        assert (last.action, last.ship_by) == ("move_date", request.new_date)
        previous = Order.history.filter(id=order.pk, history_id__lt=last.history_id).order_by("-history_id").first()
        assert previous.ship_by == request.old_date  # both dates in the history
        assert stocks(offers) == stock_before
        return
    reason = outcome(kind, accepted=accepted)
    assert (now.status, now.cancel_reason) == (Status.CANCELLED, reason)
    assert REASONS[now.cancel_reason].against_seller is False
    assert now.cancelled_by == request.opened_by
    assert (last.action, last.history_change_reason, last.status) == ("cancel", reason, Status.CANCELLED)
    assert stocks(offers) == [s + q for s, q in zip(stock_before, (2, 1), strict=True)]
    assert now.next_check_at is None


def _accept_at(clock, when, kind, order, request, seller):
    clock.move_to(when)
    return request_answer(actor=answering_actor(kind, seller), request=request, accept=True, message="Fine.")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("moment", ["before_answer_by", "after_answer_by", "before_expires_at"])
def test_an_acceptance_until_expires_at_is_done(kind, moment, mode, clock, place_order, seller, offers):
    order, request = opened(kind, place_order, seller)
    check_windows(request, mode)
    before = stocks(offers)
    when = {
        "before_answer_by": request.answer_by - TICK,
        "after_answer_by": request.answer_by + TICK,
        "before_expires_at": request.expires_at - TICK,
    }[moment]
    answered = _accept_at(clock, when, kind, order, request, seller)
    assert answered.state == RequestState.ACCEPTED and answered.next_check_at is None
    answering = BUYER if kind != RequestKind.BUYER_CANCEL else SELLER
    check_outcome(order, request, kind, accepted=True, actor_kind=answering, stock_before=before, offers=offers)
    assert [h.action for h in OrderRequest.history.filter(id=request.pk).order_by("history_id")] == ["open", "accept"]
    assert sent(order) == {("request_opened", answering), ("request_answered", request.opened_by)}
    # The sweep finds nothing left to do.
    result = requests_sweep(now=request.expires_at + TICK)
    assert (result.went_through, result.reminded, result.lapsed) == (0, 0, 0)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("offset", [timedelta(0), TICK])
def test_an_answer_at_or_after_expires_at_is_too_late(kind, offset, mode, clock, place_order, seller):
    order, request = opened(kind, place_order, seller)
    clock.move_to(request.expires_at + offset)
    for accept in (True, False):
        with pytest.raises(RuleViolation, match="goes through"):
            request_answer(actor=answering_actor(kind, seller), request=request, accept=accept)
    assert OrderRequest.objects.get(pk=request.pk).state == RequestState.OPEN
    assert fetch(order).status == Status.CONFIRMED


@pytest.mark.parametrize("kind", KINDS)
def test_silence_reminds_at_answer_by_and_goes_through_at_expires_at(kind, mode, clock, place_order, seller, offers):
    order, request = opened(kind, place_order, seller)
    answering = request.answering_side
    before = stocks(offers)
    assert requests_sweep(now=request.answer_by - TICK).reminded == 0
    assert count(order, "request_reminder") == 0
    result = requests_sweep(now=request.answer_by)
    assert result.reminded == 1
    assert sent(order, "request_reminder") == {("request_reminder", answering)}
    reminded = OrderRequest.objects.get(pk=request.pk)
    assert (reminded.state, reminded.next_check_at) == (RequestState.OPEN, request.expires_at)
    # Once: sweeping again up to just before expires_at sends nothing and changes nothing.
    again = requests_sweep(now=request.expires_at - TICK)
    assert (again.reminded, again.went_through) == (0, 0)
    reminders = count(order, "request_reminder")
    assert fetch(order).status == Status.CONFIRMED
    clock.move_to(request.expires_at)
    result = requests_sweep()
    assert result.went_through == 1
    gone = OrderRequest.objects.get(pk=request.pk)
    assert (gone.state, gone.next_check_at) == (RequestState.WENT_THROUGH, None)
    check_outcome(
        order, request, kind, accepted=False, actor_kind=ActorKind.PLATFORM, stock_before=before, offers=offers
    )
    assert sent(order, "request_went_through") == {("request_went_through", BUYER), ("request_went_through", SELLER)}
    assert count(order, "request_reminder") == reminders
    assert [h.action for h in OrderRequest.history.filter(id=request.pk).order_by("history_id")] == [
        "open",
        "go_through",
    ]
    assert requests_sweep(now=request.expires_at + timedelta(days=1)).went_through == 0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("moment", ["before_answer_by", "after_answer_by"])
def test_a_decline_opens_a_dispute(kind, moment, mode, clock, place_order, seller, offers, moderator):
    order, request = opened(kind, place_order, seller)
    before = stocks(offers)
    clock.move_to(request.answer_by + (TICK if moment == "after_answer_by" else -TICK))
    history = Order.history.filter(id=order.pk).count()
    answered = request_answer(actor=answering_actor(kind, seller), request=request, accept=False, message="No.")
    assert (answered.state, answered.answer_message, answered.next_check_at) == (RequestState.DECLINED, "No.", None)
    now = fetch(order)
    assert (now.status, now.cancel_reason, now.ship_by) == (Status.CONFIRMED, "", order.ship_by)
    assert Order.history.filter(id=order.pk).count() == history and stocks(offers) == before
    dispute = Dispute.objects.get(order=order)
    assert dispute.request_id == request.pk and dispute.is_undecided
    assert {("request_answered", request.opened_by), ("dispute_opened", ActorKind.MODERATOR)} <= sent(order)
    assert requests_sweep(now=request.expires_at + TICK).went_through == 0
    assert fetch(order).status == Status.CONFIRMED


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("moment", ["before_answer_by", "after_answer_by", "before_expires_at"])
def test_a_withdrawn_request_changes_nothing(kind, moment, mode, clock, place_order, seller, offers):
    order, request = opened(kind, place_order, seller)
    before = stocks(offers)
    history = Order.history.filter(id=order.pk).count()
    clock.move_to(
        {
            "before_answer_by": request.answer_by - TICK,
            "after_answer_by": request.answer_by + TICK,
            "before_expires_at": request.expires_at - TICK,
        }[moment]
    )
    opener = seller if request.opened_by == SELLER else answering_actor(RequestKind.SELLER_CANCEL, seller)
    withdrawn = request_withdraw(actor=opener, request=request)
    assert (withdrawn.state, withdrawn.next_check_at) == (RequestState.WITHDRAWN, None)
    now = fetch(order)
    assert (now.status, now.cancel_reason, now.ship_by) == (Status.CONFIRMED, "", order.ship_by)
    assert Order.history.filter(id=order.pk).count() == history and stocks(offers) == before
    assert ("request_withdrawn", request.answering_side) in sent(order)
    assert requests_sweep(now=request.expires_at + TICK).went_through == 0
    assert fetch(order).status == Status.CONFIRMED
