"""One expiry path (docs/rules.md §4): the sweep's batches and a single order's expiry write the
same cancellation, stock, fee, history, messages and store restriction."""

from datetime import timedelta

import pytest

from marketplace import clock
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.models import PlatformPolicy
from notifications.models import OutboxMessage
from orders.choices import CancelReason, Status
from orders.models import Order
from orders.services import order_cancel_by_platform, order_expire
from orders.sweep import sweep
from sellers.models import FeeCharge, Offer, Store
from tests.orders.deadline_support import entered_at, kyiv
from tests.orders.support import bring, order_test_env, refused, stocks  # noqa: F401 (order_test_env is a fixture)

pytestmark = pytest.mark.usefixtures("order_test_env")
R = CancelReason
TUE_18 = kyiv(2026, 11, 24, 18, 0)  # new-order deadline: Wed 10:00
DEADLINE = kyiv(2026, 11, 25, 10, 0)


def outcome(order) -> dict:
    """What an expiry leaves behind for one order, without ids and times."""
    saved = Order.objects.get(pk=order.pk)
    last = saved.history.order_by("-history_id").first()
    fee = FeeCharge.objects.get(order=saved)
    return {
        "order": (saved.status, saved.cancel_reason, saved.cancelled_by, saved.next_check_at, saved.reminders_sent),
        "history": (last.action, last.actor_kind, last.history_user_id, last.history_change_reason, last.status),
        "fee": (fee.kind, fee.base, fee.percent, fee.amount),
        "messages": sorted(OutboxMessage.objects.filter(order=saved).values_list("event", "audience", "recipient")),
    }


def offer_rows(after: int = 0):
    return sorted(
        Offer.history.filter(history_id__gt=after).values_list(
            "id", "stock", "action", "actor_kind", "history_change_reason"
        )
    )


def last_offer_row() -> int:
    return Offer.history.order_by("-history_id").values_list("history_id", flat=True).first()


def test_a_single_expiry_and_the_sweeps_write_the_same(place_order, offers, moderator):
    before = stocks(offers)
    by_sweep = entered_at(place_order(), TUE_18)
    mark = last_offer_row()
    assert sweep(now=DEADLINE).expired == 1
    by_sweep_rows = offer_rows(after=mark)
    by_service = place_order()
    mark = last_offer_row()
    order_expire(order=by_service, reason=R.PROCESSING_TIME_EXPIRED)
    assert outcome(by_sweep) == outcome(by_service)
    assert outcome(by_service)["history"] == ("expire", "platform", None, R.PROCESSING_TIME_EXPIRED, Status.CANCELLED)
    # The stock comes back the same way: one history row per offer, stamped by the platform.
    assert offer_rows(after=mark) == by_sweep_rows
    assert [(action, kind) for _id, _stock, action, kind, _reason in by_sweep_rows] == [("expire", "platform")] * 2
    assert stocks(offers) == before
    # Each store gets one list per expiry run, the moderators one.
    assert OutboxMessage.objects.filter(event="orders_expired", audience="store").count() == 2
    assert OutboxMessage.objects.filter(event="orders_expired_platform").count() == 2


def test_a_single_expiry_hides_a_repeat_offenders_offers(place_order, store, moderator):
    """order_cancel_by_platform used to cancel without ever restricting the store."""
    PlatformPolicy.objects.filter(pk=1).update(expiry_restrict_count=3)
    for n in range(3):
        order_cancel_by_platform(order=place_order(), reason=R.PROCESSING_TIME_EXPIRED)
        assert Store.objects.get(pk=store.pk).offers_hidden == (n == 2)
    assert {(m.audience, m.recipient) for m in OutboxMessage.objects.filter(event="store_offers_hidden")} == {
        ("owner", "owner@example.com"),
        ("moderators", "mod@example.com"),
    }


def test_the_store_restriction_is_recorded_with_the_platform_and_the_reason(place_order, store):
    PlatformPolicy.objects.filter(pk=1).update(expiry_restrict_count=1)
    order_expire(order=place_order(), reason=R.PROCESSING_TIME_EXPIRED)
    store = Store.objects.get(pk=store.pk)
    assert store.offers_hidden and "1 or more orders expired" in store.offers_hidden_reason
    row = store.history.order_by("-history_id").first()
    assert (row.action, row.actor_kind, row.history_user_id, row.offers_hidden) == (
        "hide_offers",
        "platform",
        None,
        True,
    )
    assert row.history_change_reason == store.offers_hidden_reason


def test_the_expiry_reason_comes_from_the_policy_rule_when_not_given(place_order, seller):
    order = bring(place_order, seller, Status.CONFIRMED)
    order_expire(order=order)
    assert Order.objects.get(pk=order.pk).cancel_reason == R.SHIPPING_TIME_EXPIRED


@pytest.mark.parametrize("status", [Status.IN_DELIVERY, Status.AWAITING_PICKUP, Status.RECEIVED, Status.CANCELLED])
def test_nothing_to_expire_where_no_rule_cancels(place_order, seller, status):
    order = bring(place_order, seller, status)
    refused(order, NotAllowed, lambda: order_expire(order=order), "platform")
    assert not FeeCharge.objects.filter(order=order, kind=FeeCharge.Kind.EXPIRED).exists()


def test_an_expiry_for_another_status_changes_nothing(place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    refused(order, RuleViolation, lambda: order_expire(order=order, reason=R.SHIPPING_TIME_EXPIRED), "Shipping time")
    refused(order, RuleViolation, lambda: order_expire(order=order, expected_status=Status.NEW), "changed meanwhile")


def test_a_batch_refusal_writes_nothing(place_order, seller, offers):
    """The service checks every order of the batch before it writes anything."""
    from django.db import transaction

    from marketplace.calendar import platform
    from orders.services import orders_expire

    good, moved_on = place_order(), bring(place_order, seller, Status.CONFIRMED)
    before = stocks(offers)
    with pytest.raises(RuleViolation), transaction.atomic():
        locked = list(
            Order.objects.select_for_update()
            .select_related("store")
            .filter(pk__in=[good.pk, moved_on.pk])
            .order_by("pk")
        )
        orders_expire(locked, now=clock.now(), platform=platform(), reason=R.PROCESSING_TIME_EXPIRED)
    assert Order.objects.get(pk=good.pk).status == Status.NEW
    assert stocks(offers) == before and not FeeCharge.objects.exists()
    assert OutboxMessage.objects.filter(event="order_expired").count() == 0


def test_the_single_expiry_history_row_is_at_the_platforms_clock(place_order):
    order = order_expire(order=place_order(), reason=R.PROCESSING_TIME_EXPIRED)
    row = Order.objects.get(pk=order.pk).history.order_by("-history_id").first()
    assert abs(row.history_date - clock.now()) < timedelta(minutes=1)
    assert order.status == Status.CANCELLED  # the returned copy is the saved one
