"""The warning → restriction → lift cycle (docs/rules.md §10, "Thresholds")."""

from datetime import timedelta

import pytest

from marketplace import clock as mclock
from marketplace.actors import Actor
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.models import PerformanceThreshold, PlatformPolicy
from notifications.models import OutboxMessage
from orders.performance import evaluate_stores
from sellers.models import Store
from sellers.performance.models import Standing, StoreDay, StoreStanding
from sellers.performance.standing import store_lift_restriction, store_restrict

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_legacy_rule():
    PlatformPolicy.objects.filter(pk=1).update(expiry_restrict_count=0)


def day(store, **counters):
    StoreDay.objects.update_or_create(store=store, day=mclock.today(), defaults={"orders": 40, **counters})


def events(store):
    return list(OutboxMessage.objects.filter(audience="owner").values_list("event", flat=True).order_by("id"))


def test_warning_then_restriction_then_lift(store, place_order, seller, clock):
    assert PerformanceThreshold.objects.get(metric="seller_fault_rate").warning == 2.5
    day(store, seller_fault=2)  # 5 % of 40: past 2.5 %, under 10 %
    assert evaluate_stores([store.pk]) == {"warned": [store.pk]}
    standing = StoreStanding.objects.get(store=store)
    assert standing.level == Standing.WARNING and standing.metrics == ["seller_fault_rate"]
    warning = OutboxMessage.objects.get(event="store_performance_warning", audience="owner")
    assert warning.context["params"]["fixes"][0]["metric"] == "seller_fault_rate"
    assert evaluate_stores([store.pk]) == {}  # told once

    overdue = place_order()  # it will be past its deadline tomorrow
    day(store, seller_fault=6)  # 15 %: past the restriction level
    assert evaluate_stores([store.pk]) == {"restricted": [store.pk]}
    store.refresh_from_db()
    assert store.offers_hidden and "15.00" in store.offers_hidden_reason
    row = store.history.latest("history_date")
    assert (row.action, row.actor_kind, row.offers_hidden) == ("hide_offers", "platform", True)

    # an overdue order keeps the restriction even when the metrics recover
    day(store, seller_fault=0)
    clock.move_to(mclock.now() + timedelta(days=1))
    StoreDay.objects.filter(store=store).update(day=mclock.today())
    assert evaluate_stores([store.pk]) == {}
    assert Store.objects.get(pk=store.pk).offers_hidden
    # the store handles it
    from orders.services import order_open

    order_open(actor=seller, order=overdue)
    from orders.models import Order

    Order.objects.filter(pk=overdue.pk).update(acceptable_deadline=mclock.now() + timedelta(hours=3))
    assert evaluate_stores([store.pk]) == {"lifted": [store.pk]}
    store.refresh_from_db()
    assert not store.offers_hidden
    assert StoreStanding.objects.get(store=store).level == Standing.GOOD
    assert events(store) == ["store_performance_warning", "store_restricted", "store_restriction_lifted"]
    assert [h.action for h in StoreStanding.objects.get(store=store).history.order_by("history_id")][-3:] == [
        "warn",
        "restrict",
        "lift",
    ]


def test_too_few_orders_are_not_judged(store):
    StoreDay.objects.create(store=store, day=mclock.today(), orders=5, seller_fault=5)
    assert evaluate_stores([store.pk]) == {}


def test_a_moderators_restriction_is_lifted_only_by_a_moderator(store, moderator, seller):
    with pytest.raises(RuleViolation):
        store_restrict(actor=Actor.moderator(moderator), store=store, reason="  ")
    with pytest.raises(NotAllowed):
        store_restrict(actor=seller, store=store, reason="Fake goods")
    store_restrict(actor=Actor.moderator(moderator), store=store, reason="Fake goods")
    assert evaluate_stores([store.pk]) == {}  # healthy metrics, no overdue: still hidden
    assert Store.objects.get(pk=store.pk).offers_hidden
    store_lift_restriction(actor=Actor.moderator(moderator), store=store, reason="Checked the goods")
    store = Store.objects.get(pk=store.pk)
    assert not store.offers_hidden
    assert store.history.latest("history_date").history_change_reason == "Checked the goods"


def test_offers_hidden_by_the_expiry_rule_come_back_when_the_store_recovers(store, place_order, clock):
    from orders.choices import CancelReason
    from orders.services import order_cancel_by_platform

    PlatformPolicy.objects.filter(pk=1).update(expiry_restrict_count=1, expiry_restrict_days=7)
    order_cancel_by_platform(order=place_order(), reason=CancelReason.PROCESSING_TIME_EXPIRED)
    assert Store.objects.get(pk=store.pk).offers_hidden  # the rule of docs/rules.md §4
    assert evaluate_stores([store.pk]) == {}  # the expiry is still in the window
    clock.move_to(mclock.now() + timedelta(days=8))
    assert evaluate_stores([store.pk]) == {"lifted": [store.pk]}
    assert not Store.objects.get(pk=store.pk).offers_hidden
