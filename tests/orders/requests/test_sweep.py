"""The request sweep's machinery (docs/rules.md §6): due rows only, in batches, each handled once, a bad
row never stops the others, requests of orders that ended meanwhile lapse; the beat task and command."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from marketplace.actors import ActorKind
from orders.choices import Status
from orders.models import Order
from orders.requests import outcomes
from orders.requests.models import OrderRequest, RequestKind, RequestState
from orders.requests.sweep import RETRY_FAILED_AFTER, requests_sweep
from tests.orders.requests.support import confirmed, open_kind
from tests.orders.support import fetch

pytestmark = pytest.mark.usefixtures("requests_env")


def test_batches_handle_every_due_request_once(place_order, seller, offers):
    one = [(offers[0], 1)]
    requests = [
        open_kind(RequestKind.SELLER_CANCEL, confirmed(place_order, seller, lines=one), seller) for _ in range(5)
    ]
    later = open_kind(RequestKind.SELLER_CANCEL, confirmed(place_order, seller, lines=one), seller)
    OrderRequest.objects.filter(pk=later.pk).update(expires_at=later.expires_at + timedelta(days=1))
    at = max(r.expires_at for r in requests)
    result = requests_sweep(now=at, batch_size=2)
    assert (result.went_through, result.reminded, result.failed, result.stalled) == (5, 1, [], False)
    assert set(OrderRequest.objects.filter(pk__in=[r.pk for r in requests]).values_list("state", flat=True)) == {
        RequestState.WENT_THROUGH
    }
    assert OrderRequest.objects.get(pk=later.pk).state == RequestState.OPEN
    assert requests_sweep(now=at).went_through == 0


def test_a_bad_row_never_stops_the_others(monkeypatch, place_order, seller):
    good = open_kind(RequestKind.SELLER_CANCEL, confirmed(place_order, seller), seller)
    bad = open_kind(RequestKind.SELLER_CANCEL, confirmed(place_order, seller), seller)
    real = outcomes.apply

    def apply(requests, **kwargs):
        if any(r.pk == bad.pk for r in requests):
            raise RuntimeError("broken row")
        return real(requests, **kwargs)

    monkeypatch.setattr(outcomes, "apply", apply)
    at = bad.expires_at
    result = requests_sweep(now=at)
    assert result.went_through == 1 and result.failed == [bad.pk]
    assert OrderRequest.objects.get(pk=good.pk).state == RequestState.WENT_THROUGH
    stuck = OrderRequest.objects.get(pk=bad.pk)
    assert (stuck.state, stuck.next_check_at) == (RequestState.OPEN, at + RETRY_FAILED_AFTER)
    assert fetch(bad.order).status == Status.CONFIRMED


def test_a_request_whose_order_ended_by_a_bulk_write_lapses(place_order, seller):
    order = confirmed(place_order, seller)
    request = open_kind(RequestKind.MOVE_DATE, order, seller)
    Order.objects.filter(pk=order.pk).update(status=Status.RECEIVED)  # a path that did not close it
    result = requests_sweep(now=request.answer_by)
    assert (result.lapsed, result.reminded) == (1, 0)
    assert OrderRequest.objects.get(pk=request.pk).state == RequestState.LAPSED


def test_a_new_date_for_an_order_shipped_meanwhile_lapses(place_order, seller):
    order = confirmed(place_order, seller)
    request = open_kind(RequestKind.MOVE_DATE, order, seller)
    Order.objects.filter(pk=order.pk).update(status=Status.IN_DELIVERY)
    result = requests_sweep(now=request.expires_at)
    assert (result.went_through, result.lapsed) == (0, 1)
    assert fetch(order).ship_by == order.ship_by


def test_the_command_prints_what_it_did(clock, place_order, seller):
    request = open_kind(RequestKind.BUYER_CANCEL, confirmed(place_order, seller), seller)
    clock.move_to(request.answer_by + timedelta(seconds=1))
    out = StringIO()
    call_command("sweep_requests", stdout=out)
    assert "reminders 1" in out.getvalue() and "went through 0" in out.getvalue()
    assert OrderRequest.objects.get(pk=request.pk).answering_side == ActorKind.SELLER


def test_the_beat_runs_the_request_sweep(settings):
    from orders import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-requests"]
    assert (entry["task"], entry["schedule"]) == ("orders.tasks.sweep_requests", 60.0)
    assert callable(tasks.sweep_requests)
