"""What a tracking batch costs (issue 16, bench/tracking.py): the batch's messages go out in one
outbox write, a parcel whose answer changes nothing is not read again after the claim, and the
orders the pass ends close their open requests (docs/rules.md §6) in the same batch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace import clock as platform_clock
from marketplace.actors import ActorKind
from notifications.models import OutboxMessage
from orders.carriers.base import StateGroup
from orders.choices import Status
from orders.requests.models import OrderRequest, RequestKind, RequestState
from orders.tracking.models import Parcel
from orders.tracking.polling import run_pass
from tests.orders.support import fetch
from tests.orders.tracking.support import CODE, ScriptedCarrier, make_due, state
from tests.orders.tracking.test_batch_path import ship_orders

pytestmark = pytest.mark.django_db


def _outbox_statements(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if '"notifications_outboxmessage"' in q["sql"]]


def test_a_batch_writes_all_its_messages_in_one_look_up_and_one_write(place_order, seller, offers):
    orders = ship_orders(place_order, seller, offers, 3, 300)
    carrier = ScriptedCarrier()
    today = platform_clock.today()
    carrier.set(orders[0].ttn, state(StateGroup.RECEIVED))
    carrier.set(orders[1].ttn, state(StateGroup.REFUSED))
    carrier.set(orders[2].ttn, state(StateGroup.AT_BRANCH, branch="Branch 5", storage_free_until=today + timedelta(3)))
    make_due(*orders)
    OutboxMessage.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        result = run_pass(carriers={CODE: carrier})
    assert result.changed == 3 and not result.errors
    assert [fetch(o).status for o in orders] == [Status.RECEIVED, Status.CANCELLED, Status.IN_DELIVERY]
    events = set(OutboxMessage.objects.values_list("event", flat=True))
    assert {"order_received", "order_cancelled", "parcel_at_branch"} <= events
    # The hand-overs', the refusals' and the parcels' messages: one dedupe look-up and one write.
    assert len(_outbox_statements(queries)) == 2, _outbox_statements(queries)


def test_a_parcel_whose_answer_changes_nothing_is_not_read_again(place_order, seller, offers):
    orders = ship_orders(place_order, seller, offers, 2, 310)
    carrier = ScriptedCarrier()
    for order in orders:
        carrier.set(order.ttn, state(StateGroup.IN_TRANSIT))
    make_due(*orders)
    assert run_pass(carriers={CODE: carrier}).changed == 2
    make_due(*orders)
    with CaptureQueriesContext(connection) as queries:
        result = run_pass(carriers={CODE: carrier})
    assert (result.claimed, result.changed) == (2, 0)
    parcel_sql = [q["sql"] for q in queries.captured_queries if "orders_parcel" in q["sql"]]
    # The claim (which returns what the answer is compared with) and one UPDATE of the next checks.
    assert len(parcel_sql) == 2 and all(
        s.lstrip().upper().startswith(("UPDATE", "WITH DUE AS MATERIALIZED")) for s in parcel_sql
    ), parcel_sql
    for parcel in Parcel.objects.filter(order__in=orders):
        assert parcel.next_check_at == parcel.last_checked_at + timedelta(hours=3)


def test_a_parcel_received_or_refused_closes_the_orders_open_request(place_order, seller, offers):
    orders = ship_orders(place_order, seller, offers, 2, 320)
    now = platform_clock.now()
    requests = [
        OrderRequest.objects.create(
            order=order,
            kind=RequestKind.BUYER_CANCEL,
            opened_by=ActorKind.BUYER,
            message="Please cancel",
            opened_at=now,
            answer_by=now + timedelta(hours=24),
            expires_at=now + timedelta(hours=48),
        )
        for order in orders
    ]
    carrier = ScriptedCarrier()
    carrier.set(orders[0].ttn, state(StateGroup.RECEIVED))
    carrier.set(orders[1].ttn, state(StateGroup.REFUSED))
    make_due(*orders)
    result = run_pass(carriers={CODE: carrier})
    assert result.changed == 2 and not result.errors
    assert [fetch(o).status for o in orders] == [Status.RECEIVED, Status.CANCELLED]
    for request in requests:
        request.refresh_from_db()
        assert request.state == RequestState.LAPSED
