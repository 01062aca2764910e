"""`manage.py seed_demo`: the demo through the services, idempotent; the bulk path for benchmarks."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F, Sum

from marketplace import phones
from marketplace.actors import MODERATORS_GROUP, is_moderator
from orders.choices import OPEN_STATUSES, CancelReason, DeliveryMethod, Status
from orders.models import CallAttempt, Order, OrderComment, OrderItem
from orders.rules import valid_ttn
from orders.seed import demo
from orders.services import Line, order_place
from sellers.models import Offer, Store, StoreMember


@pytest.fixture
def seed(db, settings):
    settings.DEBUG = True  # the command refuses to run without it
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    def run(**options) -> str:
        out = io.StringIO()
        call_command("seed_demo", stdout=out, **options)
        return out.getvalue()

    return run


def _snapshot() -> dict[str, int]:
    return {
        "orders": Order.objects.count(),
        "items": OrderItem.objects.count(),
        "history": Order.history.count(),
        "stores": Store.objects.count(),
        "offers": Offer.objects.count(),
        "members": StoreMember.objects.count(),
        "users": get_user_model().objects.count(),
        "comments": OrderComment.objects.count(),
        "calls": CallAttempt.objects.count(),
    }


def test_demo_has_every_status_made_through_the_services_and_is_idempotent(seed):
    out = seed()

    orders = Order.objects.all()
    assert set(orders.values_list("status", flat=True)) == set(Status.values)
    assert Store.objects.filter(slug__in=demo.DEMO_SLUGS).count() == len(demo.STORES)
    # Real history: a `place` row per order, and a row per transition after it.
    actions = Counter(Order.history.values_list("action", flat=True))
    assert actions["place"] >= orders.count() - orders.filter(split_from__isnull=False).count()
    for action in (
        "accept",
        "confirm",
        "pack",
        "ship",
        "ready_for_pickup",
        "mark_received",
        "hand_over",
        "cancel",
        "split",
    ):
        assert actions[action] > 0, action
    for order in orders.exclude(status=Status.NEW).filter(split_from__isnull=True):
        assert order.history.count() >= 2, order  # placed (one save) and at least one transition

    reasons = set(orders.filter(status=Status.CANCELLED).values_list("cancel_reason", flat=True))
    assert {
        CancelReason.OUT_OF_STOCK,
        CancelReason.BUYER_UNREACHABLE,
        CancelReason.BUYER_CHANGED_MIND,
        CancelReason.BUYER_NOT_PICKED_UP,
        CancelReason.OTHER,
        CancelReason.BUYER_CANCELLED,
        CancelReason.PROCESSING_TIME_EXPIRED,
    } <= reasons
    in_delivery = orders.filter(status=Status.IN_DELIVERY)
    assert {DeliveryMethod.NOVA_POSHTA, DeliveryMethod.COURIER} <= set(
        in_delivery.values_list("delivery_method", flat=True)
    )
    for order in in_delivery.filter(delivery_method=DeliveryMethod.NOVA_POSHTA):
        assert order.ttn.startswith("20") and valid_ttn(order.delivery_method, order.ttn)
    assert orders.filter(split_from__isnull=False).exists()
    assert OrderComment.objects.exists() and CallAttempt.objects.exists()
    # Buyers have valid Ukrainian mobile numbers, except the one whose foreign number made it unreachable.
    foreign = orders.exclude(status=Status.CANCELLED, cancel_reason=CancelReason.BUYER_UNREACHABLE)
    assert all(phones.ukrainian_operator(phone) for phone in foreign.values_list("buyer_phone", flat=True))

    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(demo.DEMO_PASSWORD)
    moderator = User.objects.get(username="moderator")
    assert is_moderator(moderator) and moderator.groups.filter(name=MODERATORS_GROUP).exists()
    assert moderator.has_perm("orders.view_order") and not moderator.has_perm("orders.change_order")
    for spec in demo.STORES:
        store = Store.objects.get(slug=spec.slug)
        assert store.members.filter(role=StoreMember.Role.OWNER, user__username=spec.owner.username).exists()
        assert store.members.filter(role=StoreMember.Role.MANAGER, user__username=spec.manager.username).exists()
        assert spec.owner.username in out and spec.manager.username in out
    assert demo.DEMO_PASSWORD in out and "/cabinet/" in out

    before = _snapshot()
    again = seed()
    assert _snapshot() == before
    assert "already present" in again


def test_reset_makes_the_demo_anew_and_removes_bulk_orders(seed):
    seed(orders=30, seed=3)
    demo_only = Order.objects.count() - 30

    seed(reset=True)

    assert Order.objects.count() == demo_only
    assert Store.objects.filter(slug__in=demo.DEMO_SLUGS).count() == len(demo.STORES)
    assert not Order.history.exclude(id__in=Order.objects.values("id")).exists()


def test_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Order.objects.exists()


def test_bulk_adds_exactly_n_valid_orders(seed):
    seed()
    before = set(Order.objects.values_list("pk", flat=True))
    out = seed(orders=200, batch=64, seed=7)

    added = Order.objects.exclude(pk__in=before)
    assert added.count() == 200
    assert "Added 200 orders" in out and "orders/s" in out
    statuses = Counter(added.values_list("status", flat=True))
    assert statuses[Status.RECEIVED] + statuses[Status.CANCELLED] >= 150
    assert sum(statuses[s] for s in OPEN_STATUSES) > 0
    assert not added.filter(status=Status.CANCELLED, cancel_reason="").exists()
    assert not added.exclude(status=Status.CANCELLED).exclude(cancel_reason="").exists()
    assert not added.filter(items__isnull=True).exists()
    assert not OrderItem.objects.filter(order__in=added, quantity__lte=0).exists()
    tokens = list(added.values_list("public_token", flat=True))
    assert len(set(tokens)) == 200 and all(len(token) == 32 for token in tokens)
    assert Order.objects.values("public_token").distinct().count() == Order.objects.count()
    # Totals add up, carriers' parcels carry a valid TTN, open orders have their deadlines.
    line_sums = (
        OrderItem.objects.filter(order__in=added).values_list("order").annotate(s=Sum(F("price") * F("quantity")))
    )
    sums = dict(line_sums)
    for order in added:
        assert order.items_total == sums[order.pk]
        assert order.total == order.items_total + (order.delivery_cost or 0)
        if order.status == Status.IN_DELIVERY and order.delivery_method == DeliveryMethod.NOVA_POSHTA:
            assert valid_ttn(order.delivery_method, order.ttn)
        if order.status in (Status.NEW, Status.ACCEPTED):
            assert order.acceptable_deadline is not None
        assert phones.ukrainian_operator(order.buyer_phone)
        assert order.created_at <= order.status_changed_at
    # History: a `place` row for each, and the last transition for those that moved on.
    history = Counter(
        Order.history.filter(id__in=before ^ set(Order.objects.values_list("pk", flat=True))).values_list(
            "action", flat=True
        )
    )
    assert history["place"] == 200
    assert sum(history.values()) == 200 + (200 - statuses[Status.NEW])
    # The id sequence continues after the copied rows.
    last_copied = max(added.values_list("pk", flat=True))
    offer = Offer.objects.filter(store__slug=demo.STORES[0].slug).first()
    fresh = order_place(
        store=offer.store, buyer_name="Ірина Нова", buyer_phone="+380931234567", lines=[Line(offer.pk, 1)]
    )
    assert fresh.pk > last_copied


def test_bulk_into_one_store(seed):
    seed()
    store = Store.objects.get(slug=demo.STORES[1].slug)
    before = store.orders.count()
    elsewhere = Order.objects.exclude(store=store).count()

    seed(orders=50, store=store.slug)

    assert store.orders.count() == before + 50
    assert Order.objects.exclude(store=store).count() == elsewhere


def test_bulk_refuses_an_unknown_store(seed):
    with pytest.raises(CommandError, match="no-such-store"):
        seed(orders=5, store="no-such-store")
