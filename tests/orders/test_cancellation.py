"""Cancellation reasons and their rules (docs/rules.md §5), buyer and platform cancellations, comments."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from marketplace.actors import Actor, ActorKind
from marketplace.errors import NotAllowed, RuleViolation
from orders.choices import EXPIRY_REASONS, CancelReason, Status
from orders.models import Order, OrderComment
from orders.services import (
    order_call_log,
    order_cancel,
    order_cancel_by_buyer,
    order_cancel_by_platform,
    order_comment_add,
    order_update_delivery,
)
from sellers.models import FeeCharge
from tests.orders.support import (  # noqa: F401 (order_test_env is a fixture)
    BEFORE_SHIPMENT,
    NP,
    OPEN,
    assert_recorded,
    bring,
    fetch,
    history_count,
    label,
    order_test_env,
    placed_earlier,
    refused,
    stocks,
)

pytestmark = pytest.mark.usefixtures("order_test_env")
R = CancelReason


def assert_cancelled(order, reason, *, by):
    saved = fetch(order)
    assert (saved.status, saved.cancel_reason, saved.cancelled_by) == (Status.CANCELLED, reason, by)
    return saved


# --- out_of_stock: the stock is corrected in the same step ------------------------------------


def test_out_of_stock_needs_the_stock_correction(place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    for stock in (None, {}):
        refused(
            order,
            RuleViolation,
            lambda: order_cancel(actor=seller, order=order, reason=R.OUT_OF_STOCK, stock=stock),
            "Correct the stock",
        )


@pytest.mark.parametrize("count", [2, 3, 50])
def test_out_of_stock_refuses_a_correction_that_covers_the_order(place_order, seller, offers, count):
    order = bring(place_order, seller, Status.CONFIRMED)  # 2 cases ordered
    refused(
        order,
        RuleViolation,
        lambda: order_cancel(actor=seller, order=order, reason=R.OUT_OF_STOCK, stock={offers[0].pk: count}),
        f"A stock of {count} covers the 2 ordered",
    )


def test_out_of_stock_refuses_a_foreign_or_negative_correction(place_order, seller, offers, outsider_offer):
    order = bring(place_order, seller, Status.ACCEPTED, lines=[(offers[0], 2)])
    for stock, fragment in (
        ({offers[1].pk: 0}, "not in this order"),
        ({outsider_offer.pk: 0}, "not in this order"),
        ({offers[0].pk: -1}, "negative"),
    ):
        refused(
            order,
            RuleViolation,
            lambda: order_cancel(actor=seller, order=order, reason=R.OUT_OF_STOCK, stock=stock),
            fragment,
        )


@pytest.mark.parametrize("corrected", [0, 1])
def test_out_of_stock_sets_the_corrected_stock_and_returns_the_other_items(place_order, seller, offers, corrected):
    order = bring(place_order, seller, Status.AWAITING_SHIPMENT)  # 2 cases and 1 charger: stock 8 and 4
    order_cancel(actor=seller, order=order, reason=R.OUT_OF_STOCK, stock={offers[0].pk: corrected})
    assert stocks(offers) == [corrected, 5]
    assert_cancelled(order, R.OUT_OF_STOCK, by=ActorKind.SELLER)


# --- other: a comment is required -------------------------------------------------------------


@pytest.mark.parametrize("comment", ["", "   \n"])
def test_other_needs_a_comment(place_order, seller, comment):
    order = bring(place_order, seller, Status.NEW)
    refused(
        order,
        RuleViolation,
        lambda: order_cancel(actor=seller, order=order, reason=R.OTHER, comment=comment),
        "comment",
    )


def test_other_with_a_comment_cancels_and_keeps_the_comment(place_order, seller, manager):
    order = bring(place_order, seller, Status.CONFIRMED)
    before = history_count(order)
    order_cancel(actor=seller, order=order, reason=R.OTHER, comment="  The warehouse flooded.  ")
    saved = assert_cancelled(order, R.OTHER, by=ActorKind.SELLER)
    assert saved.cancel_comment == "The warehouse flooded."
    assert_recorded(order, before, action="cancel", kind=ActorKind.SELLER, user=manager)
    assert order.history.latest("history_id").history_change_reason == R.OTHER


# --- pickup-only reasons ----------------------------------------------------------------------


@pytest.mark.parametrize("reason", [R.BUYER_CHANGED_MIND, R.BUYER_NOT_PICKED_UP])
@pytest.mark.parametrize("status", [s for s in OPEN if s != Status.AWAITING_PICKUP])
def test_pickup_reasons_are_refused_outside_awaiting_pickup(place_order, seller, reason, status):
    order = bring(place_order, seller, status)
    refused(
        order,
        RuleViolation,
        lambda: order_cancel(actor=seller, order=order, reason=reason),
        "pickup point",
        str(R(reason).label),
    )


@pytest.mark.parametrize("reason", [R.BUYER_CHANGED_MIND, R.BUYER_NOT_PICKED_UP])
def test_pickup_reasons_cancel_an_order_awaiting_pickup(place_order, seller, offers, reason):
    order = bring(place_order, seller, Status.AWAITING_PICKUP)
    order_cancel(actor=seller, order=order, reason=reason)
    assert_cancelled(order, reason, by=ActorKind.SELLER)
    assert stocks(offers) == [10, 5]


# --- buyer_unreachable: two calls 15 minutes apart, or a number nobody can call ----------------


def log_calls(order, seller, *minutes_ago):
    now = timezone.now()
    placed_earlier(order, now - timedelta(hours=1))
    for minutes in minutes_ago:
        order_call_log(actor=seller, order=order, outcome="no_answer", called_at=now - timedelta(minutes=minutes))


@pytest.mark.parametrize("minutes_ago", [(), (30,), (20, 6), (14, 13, 0)], ids=["none", "one", "10-min", "14-min"])
def test_unreachable_needs_two_calls_at_least_15_minutes_apart(place_order, seller, minutes_ago):
    order = bring(place_order, seller, Status.ACCEPTED)
    log_calls(order, seller, *minutes_ago)
    refused(
        order,
        RuleViolation,
        lambda: order_cancel(actor=seller, order=order, reason=R.BUYER_UNREACHABLE),
        "two calls",
        "15 minutes",
    )


@pytest.mark.parametrize("minutes_ago", [(15, 0), (40, 20), (60, 50, 30)])
def test_unreachable_after_two_calls_15_minutes_apart(place_order, seller, minutes_ago):
    order = bring(place_order, seller, Status.ACCEPTED)
    log_calls(order, seller, *minutes_ago)
    order_cancel(actor=seller, order=order, reason=R.BUYER_UNREACHABLE)
    assert_cancelled(order, R.BUYER_UNREACHABLE, by=ActorKind.SELLER)


def test_calls_to_another_order_do_not_count(place_order, seller):
    order, other = bring(place_order, seller, Status.ACCEPTED), bring(place_order, seller, Status.ACCEPTED)
    log_calls(other, seller, 30, 0)
    refused(
        order, RuleViolation, lambda: order_cancel(actor=seller, order=order, reason=R.BUYER_UNREACHABLE), "two calls"
    )


# A Ukrainian landline is an operator's number: called like a mobile (tests/orders/test_notes.py).
@pytest.mark.parametrize("phone", ["+79161234567", "12345"], ids=["russian", "junk"])
def test_unreachable_at_once_when_the_number_is_not_a_ukrainian_operators(place_order, seller, phone):
    order = bring(place_order, seller, Status.NEW, phone=phone)
    order_cancel(actor=seller, order=order, reason=R.BUYER_UNREACHABLE)
    assert_cancelled(order, R.BUYER_UNREACHABLE, by=ActorKind.SELLER)


def test_a_call_cannot_be_logged_in_the_future(place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    refused(
        order,
        RuleViolation,
        lambda: order_call_log(
            actor=seller, order=order, outcome="busy", called_at=timezone.now() + timedelta(minutes=5)
        ),
        "future",
    )
    refused(order, RuleViolation, lambda: order_call_log(actor=seller, order=order, outcome="maybe"), "call")


# --- the seller's reasons only ----------------------------------------------------------------


@pytest.mark.parametrize(
    "reason",
    [R.BUYER_CANCELLED, R.LATE_DELIVERY, R.PROCESSING_TIME_EXPIRED, R.SHIPPING_TIME_EXPIRED, R.MUTUAL, "", "whim"],
)
def test_a_seller_cannot_use_buyer_or_platform_reasons(place_order, seller, reason):
    order = bring(place_order, seller, Status.ACCEPTED)
    refused(
        order,
        RuleViolation,
        lambda: order_cancel(actor=seller, order=order, reason=reason, comment="x"),
        "seller cannot cancel with this reason",
    )


def stock_after_cancel(status: str) -> list[int]:
    """Back on sale at once, except goods with the carrier: they come back with the parcel (docs/rules.md §8)."""
    return [8, 4] if status == Status.IN_DELIVERY else [10, 5]


# --- the buyer --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", OPEN)
def test_the_buyer_cancels_any_open_order(place_order, seller, offers, status):
    order = bring(place_order, seller, status)
    before = history_count(order)
    order_cancel_by_buyer(order=order, comment="Found it cheaper")
    saved = assert_cancelled(order, R.BUYER_CANCELLED, by=ActorKind.BUYER)
    assert saved.cancel_comment == "Found it cheaper"
    assert_recorded(order, before, action="cancel", kind=ActorKind.BUYER, user=None)
    assert stocks(offers) == stock_after_cancel(status)


@pytest.mark.parametrize("status", BEFORE_SHIPMENT)
def test_the_buyer_cancels_as_late_delivery_once_the_ship_by_date_passed(place_order, seller, status):
    order = bring(place_order, seller, status)
    Order.objects.filter(pk=order.pk).update(ship_by=timezone.localdate() - timedelta(days=1))
    order_cancel_by_buyer(order=order)
    assert_cancelled(order, R.LATE_DELIVERY, by=ActorKind.BUYER)


def test_the_ship_by_day_itself_is_not_late(place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    order_update_delivery(actor=seller, order=order, method=NP, branch="B", cost="0", ship_by=timezone.localdate())
    order_cancel_by_buyer(order=order)
    assert_cancelled(order, R.BUYER_CANCELLED, by=ActorKind.BUYER)


@pytest.mark.parametrize("status", [Status.IN_DELIVERY, Status.AWAITING_PICKUP])
def test_a_passed_date_after_shipment_is_not_late_delivery(place_order, seller, status):
    order = bring(place_order, seller, status)
    Order.objects.filter(pk=order.pk).update(ship_by=timezone.localdate() - timedelta(days=3))
    order_cancel_by_buyer(order=order)
    assert_cancelled(order, R.BUYER_CANCELLED, by=ActorKind.BUYER)


# --- the platform and the carrier -------------------------------------------------------------

PLATFORM_CASES = [
    (R.PROCESSING_TIME_EXPIRED, Status.NEW, ActorKind.PLATFORM),
    (R.PROCESSING_TIME_EXPIRED, Status.ACCEPTED, ActorKind.PLATFORM),
    (R.SHIPPING_TIME_EXPIRED, Status.CONFIRMED, ActorKind.PLATFORM),
    (R.SHIPPING_TIME_EXPIRED, Status.AWAITING_SHIPMENT, ActorKind.PLATFORM),
    (R.BUYER_CHANGED_MIND, Status.IN_DELIVERY, ActorKind.CARRIER),
]


@pytest.mark.parametrize("reason, status, kind", PLATFORM_CASES)
def test_the_platform_cancels_for_its_reasons(place_order, seller, offers, reason, status, kind):
    order = bring(place_order, seller, status)
    before = history_count(order)
    order_cancel_by_platform(order=order, reason=reason, expected_status=status)
    assert_cancelled(order, reason, by=kind)
    # Expiries take the one expiry path (orders.services.expiry): recorded as "expire", fee charged.
    expiry = reason in EXPIRY_REASONS
    assert_recorded(order, before, action="expire" if expiry else "cancel", kind=kind, user=None)
    assert FeeCharge.objects.filter(order=order, kind=FeeCharge.Kind.EXPIRED).exists() == expiry
    assert stocks(offers) == stock_after_cancel(status)


@pytest.mark.parametrize("reason, good, _kind", PLATFORM_CASES[::2])
def test_a_platform_reason_applies_only_to_its_statuses(place_order, seller, reason, good, _kind):
    for status in [s for s in OPEN if s not in {g for r, g, k in PLATFORM_CASES if r == reason}]:
        order = bring(place_order, seller, status)
        refused(order, RuleViolation, lambda: order_cancel_by_platform(order=order, reason=reason), label(status))


@pytest.mark.parametrize("reason", [R.OTHER, R.OUT_OF_STOCK, R.BUYER_UNREACHABLE, R.MUTUAL, R.BUYER_CANCELLED])
def test_the_platform_refuses_reasons_that_are_not_its_own(place_order, seller, reason):
    order = bring(place_order, seller, Status.NEW)
    refused(order, NotAllowed, lambda: order_cancel_by_platform(order=order, reason=reason), "platform")


def test_the_platform_does_nothing_when_the_order_moved_on(place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    refused(
        order,
        RuleViolation,
        lambda: order_cancel_by_platform(order=order, reason=R.PROCESSING_TIME_EXPIRED, expected_status=Status.NEW),
        "changed meanwhile",
    )


# --- every cancelled order carries a reason ---------------------------------------------------


def test_a_cancelled_order_without_a_reason_cannot_be_written(place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    with pytest.raises(IntegrityError, match="order_cancelled_has_reason"), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(status=Status.CANCELLED, cancel_reason="")
    cancelled = bring(place_order, seller, Status.CANCELLED)
    with pytest.raises(IntegrityError, match="order_cancelled_has_reason"), transaction.atomic():
        Order.objects.filter(pk=cancelled.pk).update(cancel_reason="")


# --- comments: the store's and the moderators' own notes ---------------------------------------


def test_comments_are_stored_for_the_store_and_never_on_the_order(place_order, seller, manager, moderator):
    order = bring(place_order, seller, Status.CONFIRMED)
    before = history_count(order)
    note = order_comment_add(actor=seller, order=order, text="  Buyer asks for a call after 18:00  ")
    order_comment_add(actor=Actor.moderator(moderator), order=order, text="Checked by support")
    assert list(order.comments.values_list("author__username", "text")) == [
        ("manager", "Buyer asks for a call after 18:00"),
        ("moderator", "Checked by support"),
    ]
    assert note.created_at is not None
    # Comments live in their own table: nothing of them on the order row or its history.
    assert history_count(order) == before
    assert "18:00" not in repr(model_to_dict(fetch(order)))
    assert not any("18:00" in repr(row.__dict__) for row in order.history.all())


def test_comments_are_refused_to_the_buyer_the_platform_and_when_empty(place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    for actor in (Actor.buyer(), Actor.platform()):
        refused(order, NotAllowed, lambda: order_comment_add(actor=actor, order=order, text="Hello"))
    refused(order, RuleViolation, lambda: order_comment_add(actor=seller, order=order, text="  "), "empty")
    refused(order, RuleViolation, lambda: order_comment_add(actor=seller, order=order, text="x" * 4001), "longer")
    assert OrderComment.objects.count() == 0


def test_a_call_cannot_be_logged_before_the_order_was_placed(place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    refused(
        order,
        RuleViolation,
        lambda: order_call_log(
            actor=seller, order=order, outcome="no_answer", called_at=order.created_at - timedelta(minutes=1)
        ),
        "before the order was placed",
    )
