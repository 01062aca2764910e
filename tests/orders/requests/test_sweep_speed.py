"""The request sweep on the shared sweep machinery (orders.sweeping, docs/rules.md §6; issue 14 item 4):
a batch goes through in a fixed number of queries, whatever its size, its messages carry the orders'
items read in one query, and a pass that makes no progress stops like the order sweep's."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import OutboxMessage
from orders.choices import Status
from orders.requests import sweep as sweep_module
from orders.requests.models import OrderRequest, RequestKind, RequestState
from orders.requests.sweep import requests_sweep
from sellers.models import Offer
from tests.orders.requests.support import confirmed, open_kind
from tests.orders.support import fetch

pytestmark = pytest.mark.usefixtures("requests_env")


def _due_batch(place_order, seller, offers, n: int) -> list[OrderRequest]:
    kinds = [RequestKind.SELLER_CANCEL, RequestKind.MOVE_DATE, RequestKind.BUYER_CANCEL]
    Offer.objects.update(stock=1_000)
    lines = [(offers[0], 1), (offers[1], 2)]
    return [open_kind(kinds[i % 3], confirmed(place_order, seller, lines=lines), seller) for i in range(n)]


def _queries_of_a_pass(requests) -> int:
    at = max(r.expires_at for r in requests)
    with CaptureQueriesContext(connection) as queries:
        result = requests_sweep(now=at)
    assert (result.went_through, result.failed, result.stalled) == (len(requests), [], False)
    return len(queries.captured_queries)


def test_a_batch_goes_through_in_the_same_queries_for_3_requests_as_for_9(place_order, seller, offers):
    small = _queries_of_a_pass(_due_batch(place_order, seller, offers, 3))
    large = _queries_of_a_pass(_due_batch(place_order, seller, offers, 9))
    assert small == large


def test_the_went_through_messages_hold_every_item_of_the_order(place_order, seller, offers):
    requests = _due_batch(place_order, seller, offers, 3)
    requests_sweep(now=max(r.expires_at for r in requests))
    for request in requests:
        order = fetch(request.order)
        assert OrderRequest.objects.get(pk=request.pk).state == RequestState.WENT_THROUGH
        if request.kind == RequestKind.MOVE_DATE:
            assert order.ship_by == request.new_date
        else:
            assert order.status == Status.CANCELLED
        rows = OutboxMessage.objects.filter(order_id=order.pk, event="request_went_through")
        assert {row.audience for row in rows} >= {"buyer", "store"}
        expected = [(item.title, item.quantity, item.price) for item in order.items.order_by("id")]
        for row in rows:
            items = row.context["order"]["items"]
            assert [(i["title"], i["quantity"], i["price"]) for i in items] == expected
            assert row.context["order"]["status"] == order.status


def test_a_request_pass_that_makes_no_progress_stops_with_an_error(place_order, seller, offers, monkeypatch, caplog):
    requests = _due_batch(place_order, seller, offers, 3)
    monkeypatch.setattr(sweep_module, "_process", lambda requests, now, p, result: None)  # leaves every row due
    with caplog.at_level(logging.ERROR, logger="orders.requests.sweep"):
        result = requests_sweep(now=max(r.expires_at for r in requests), batch_size=2)
    assert result.stalled and "no progress" in str(result)
    assert "no progress" in caplog.text
    assert set(OrderRequest.objects.filter(pk__in=[r.pk for r in requests]).values_list("state", flat=True)) == {
        RequestState.OPEN
    }
