"""The expiry sweep's cost (issue 16): a batch's messages, fees and history in a number of
queries that does not grow with the batch, and the messages say what they said before."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.calendar import forget
from marketplace.models import PlatformPolicy
from notifications.models import OutboxMessage
from orders.choices import Status
from orders.models import Order
from orders.sweep import sweep
from sellers.models import FeeCharge, Offer
from tests.orders.deadline_support import entered_at, kyiv

TUE_18 = kyiv(2026, 11, 24, 18, 0)  # new-order deadline: Wed 10:00
DEADLINE = kyiv(2026, 11, 25, 10, 0)


@pytest.fixture(autouse=True)
def fresh_platform_cache():
    forget()
    yield
    forget()


def expire(place_order, count: int) -> tuple[list[Order], int]:
    orders = [entered_at(place_order(), TUE_18) for _ in range(count)]
    sweep(now=TUE_18)  # warm the platform cache; nothing is due yet
    with CaptureQueriesContext(connection) as queries:
        assert sweep(now=DEADLINE).expired == count
    return orders, len(queries)


def test_an_expiry_batch_takes_the_same_queries_for_2_orders_as_for_12(place_order, offers, moderator):
    Offer.objects.update(stock=10_000)
    PlatformPolicy.objects.filter(pk=1).update(expiry_restrict_count=1000)  # no store restricted in between
    forget()
    _few, few = expire(place_order, 2)
    OutboxMessage.objects.all().delete()
    _many, many = expire(place_order, 12)
    assert many == few, (few, many)


def test_the_buyers_message_holds_every_item_and_the_lists_name_the_batch(place_order, offers, moderator):
    Offer.objects.update(stock=10_000)
    orders, _queries = expire(place_order, 3)
    for order in orders:
        message = OutboxMessage.objects.get(event="order_expired", order=order)
        items = [(i["title"], i["quantity"], i["price"], i["line_total"]) for i in message.context["order"]["items"]]
        assert items == [(i.title, i.quantity, i.price, i.line_total) for i in order.items.order_by("id")]
        assert message.audience == "buyer" and message.context["order"]["status"] == Status.CANCELLED
    store_list = OutboxMessage.objects.get(event="orders_expired", audience="store")
    assert [o["number"] for o in store_list.context["params"]["orders"]] == sorted(o.pk for o in orders)
    moderators = OutboxMessage.objects.get(event="orders_expired_platform")
    assert moderators.recipient == moderator.email and moderators.context["params"]["count"] == 3


def test_a_single_expiry_leaves_no_partial_items_on_the_order(place_order):
    from orders.services import order_expire

    order = order_expire(order=entered_at(place_order(), TUE_18))
    assert order.status == Status.CANCELLED
    assert [i.sku for i in order.items.all()] == ["CASE-1", "CHG-1"]  # full rows, not the messages' fields


def test_a_batch_of_two_stores_writes_its_messages_in_one_look_up_and_one_write(
    place_order, offers, outsider_store, outsider_offer, moderator
):
    Offer.objects.update(stock=10_000)
    ours = [entered_at(place_order(), TUE_18) for _ in range(2)]
    theirs = [entered_at(place_order([(outsider_offer, 1)], target_store=outsider_store), TUE_18) for _ in range(2)]
    sweep(now=TUE_18)
    with CaptureQueriesContext(connection) as queries:
        assert sweep(now=DEADLINE).expired == 4
    sql = [q["sql"] for q in queries.captured_queries]
    outbox = [s for s in sql if '"notifications_outboxmessage"' in s]
    assert len(outbox) == 2, outbox  # the dedupe look-up and one INSERT (or COPY) of every row
    # The two stores' members and their choices: one query each for the batch, not per store.
    assert len([s for s in sql if 'FROM "sellers_storemember"' in s]) == 1
    assert len([s for s in sql if 'FROM "notifications_notificationpreference"' in s]) == 1
    lists = OutboxMessage.objects.filter(event="orders_expired", audience="store")
    assert sorted(m.store_id for m in lists) == sorted({ours[0].store_id, theirs[0].store_id})
    assert OutboxMessage.objects.filter(event="order_expired").count() == 4
    assert OutboxMessage.objects.filter(event="orders_expired_platform").count() == 1


def test_the_buyers_rows_of_a_batch_are_the_rows_the_general_path_writes(place_order, offers):
    """notify_expired builds the buyers' rows from one prepared dict per order (issue 16): the
    same dedupe keys, recipients, templates and contexts as notify()'s per-occurrence path,
    which reads the order, its store and its items itself."""
    from notifications import snapshot
    from notifications.services import _expired_buyer_rows, _many_rows, _Shared
    from orders.services.expiry import _message_items

    Offer.objects.update(stock=10_000)
    expire(place_order, 3)
    expired = list(Order.objects.filter(status=Status.CANCELLED).select_related("store").order_by("pk"))
    assert len(expired) == 3
    general = _many_rows("order_expired", expired, occurrence=None, params={}, shared=_Shared())
    prepared = _expired_buyer_rows(expired, _message_items(expired))
    assert prepared is not None and sorted(prepared) == sorted(general)
    for key, row in general.items():
        ours = prepared[key]
        assert (ours.event, ours.audience, ours.channel, ours.recipient, ours.language, ours.template) == (
            row.event,
            row.audience,
            row.channel,
            row.recipient,
            row.language,
            row.template,
        )
        assert (ours.order_id, ours.store_id) == (row.order_id, row.store_id)
        assert json.loads(snapshot.dumps(ours.context)) == json.loads(snapshot.dumps(row.context))


def test_a_batch_returns_each_offers_stock_summed_with_one_history_row_per_offer(place_order, offers, clock):
    """The stock back of a batch is one statement (issue 16): two orders of the same offers give
    each offer both quantities back, and each offer one history row stamped by the platform."""
    from marketplace import clock as platform_clock

    Offer.objects.filter(pk__in=[o.pk for o in offers]).update(stock=100)
    orders = [entered_at(place_order(), TUE_18) for _ in range(2)]  # 2 + 1 of the two offers each
    assert [Offer.objects.get(pk=o.pk).stock for o in offers] == [96, 98]
    before = {o.pk: o.history.count() for o in offers}
    sweep(now=TUE_18)
    with CaptureQueriesContext(connection) as queries:
        assert sweep(now=DEADLINE).expired == 2
    # The offers are locked and changed in the database: none is loaded into Python.
    offer_reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "sellers_offer"')]
    assert offer_reads == []
    assert [Offer.objects.get(pk=o.pk).stock for o in offers] == [100, 100]
    for offer in offers:
        assert offer.history.count() == before[offer.pk] + 1
        last = offer.history.order_by("-history_id").first()
        assert (last.action, last.actor_kind, last.history_user_id, last.history_type) == (
            "expire",
            "platform",
            None,
            "~",
        )
        assert last.stock == 100 and last.history_date == DEADLINE and last.history_change_reason == ""
        assert Offer.objects.get(pk=offer.pk).updated_at == DEADLINE
    assert platform_clock.now() < DEADLINE  # the sweep's own `now`, not the clock's, stamps the stock
    assert {o.status for o in Order.objects.filter(pk__in=[o.pk for o in orders])} == {Status.CANCELLED}


def test_the_batchs_fees_round_half_up_to_the_cent_as_one_order_would(place_order, offers):
    """Fees of a batch go in by one INSERT … SELECT (issue 16): the amount is the single-order
    rule's (orders.fees.fee_for, half up), the charge at the clock's time."""
    from marketplace import clock as platform_clock
    from orders.fees import fee_for

    Offer.objects.update(stock=10_000)
    PlatformPolicy.objects.filter(pk=1).update(fee_percent=Decimal("5"))
    forget()
    orders = [entered_at(place_order(), TUE_18) for _ in range(2)]
    # 12.50 × 5 % = 0.625: half up gives 0.63 (half even would give 0.62).
    Order.objects.filter(pk=orders[0].pk).update(total=Decimal("12.50"), items_total=Decimal("12.50"), delivery_cost=0)
    sweep(now=TUE_18)
    start = platform_clock.now()
    assert sweep(now=DEADLINE).expired == 2
    fees = {f.order_id: f for f in FeeCharge.objects.filter(order__in=orders)}
    assert fees[orders[0].pk].amount == Decimal("0.63")
    for order in Order.objects.filter(pk__in=[o.pk for o in orders]):
        fee = fees[order.pk]
        assert (fee.store_id, fee.kind, fee.base, fee.percent) == (order.store_id, "expired", order.total, Decimal("5"))
        assert fee.amount == fee_for(order.total, Decimal("5"))
        assert start <= fee.charged_at <= platform_clock.now()
