"""The status machine (docs/rules.md §2): sources, conditions, who may act, terminal statuses, history."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from marketplace import clock as platform_clock
from marketplace.actors import Actor, ActorKind
from marketplace.errors import NotAllowed, RuleViolation
from orders import rules
from orders.choices import CancelReason, Status
from orders.services import (
    order_add_item,
    order_call_log,
    order_cancel,
    order_cancel_by_buyer,
    order_cancel_by_platform,
    order_comment_add,
    order_confirm,
    order_hand_over,
    order_mark_received,
    order_open,
    order_pack,
    order_ready_for_pickup,
    order_set_item_quantity,
    order_ship,
    order_split,
    order_update_delivery,
    order_update_payment,
)
from sellers.models import StoreMember
from tests.conftest import VALID_TTN, ready_delivery
from tests.orders.support import (  # noqa: F401 (order_test_env is a fixture)
    COURIER,
    COURIER_PHONE,
    NP,
    PICKUP,
    assert_recorded,
    bring,
    fetch,
    history_count,
    label,
    order_test_env,
    refused,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("order_test_env")
ALL = list(Status)


# --- new → accepted -------------------------------------------------------------------------


def test_open_by_a_member_accepts_the_order_and_records_who(place_order, seller, manager):
    order = place_order()
    before = history_count(order)
    opened = order_open(actor=seller, order=order)
    assert opened.status == fetch(order).status == Status.ACCEPTED
    assert_recorded(order, before, action="accept", kind=ActorKind.SELLER, user=manager)


def test_open_is_idempotent(place_order, seller, owner):
    order = order_open(actor=seller, order=place_order())
    state = snapshot(order)
    assert order_open(actor=Actor.seller(owner), order=order).status == Status.ACCEPTED
    assert order_open(actor=seller, order=order).status == Status.ACCEPTED
    assert snapshot(order) == state


def test_open_with_a_stale_copy_does_not_accept_twice(place_order, seller, owner):
    order = place_order()
    stale = fetch(order)  # this copy still says "new"
    order_open(actor=Actor.seller(owner), order=order)
    state = snapshot(order)
    assert order_open(actor=seller, order=stale).status == Status.ACCEPTED
    assert snapshot(order) == state


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.CONFIRMED, Status.RECEIVED, Status.CANCELLED])
def test_opening_a_later_status_changes_nothing(place_order, seller, status):
    order = bring(place_order, seller, status)
    state = snapshot(order)
    assert order_open(actor=seller, order=order).status == status
    assert snapshot(order) == state


@pytest.mark.parametrize("status", [Status.NEW, Status.ACCEPTED])
def test_open_by_a_member_of_another_store_is_refused(place_order, seller, outsider, outsider_store, status):
    order = bring(place_order, seller, status)
    error = refused(order, NotAllowed, lambda: order_open(actor=Actor.seller(outsider), order=order))
    assert isinstance(error, PermissionDenied)


def test_open_by_a_moderator_buyer_or_platform_does_not_accept(place_order, moderator):
    order = place_order()
    state = snapshot(order)
    for actor in (Actor.moderator(moderator), Actor.buyer(), Actor.platform(), Actor.carrier()):
        order_open(actor=actor, order=order)
    assert snapshot(order) == state
    assert fetch(order).status == Status.NEW


# --- accepted → confirmed -------------------------------------------------------------------


def test_confirm_records_the_seller(place_order, seller, manager):
    order = ready_delivery(order_open(actor=seller, order=place_order()), seller)
    before = history_count(order)
    assert order_confirm(actor=seller, order=order).status == Status.CONFIRMED
    assert_recorded(order, before, action="confirm", kind=ActorKind.SELLER, user=manager)


SHIP_BY = "in two days"  # resolved in the test, from the pinned clock (never at import)


def soon():
    return platform_clock.today() + timedelta(days=2)


@pytest.mark.parametrize(
    "delivery, rule",
    [
        (dict(method="", cost=Decimal("70"), ship_by=SHIP_BY), rules.has_delivery_method),
        (dict(method=NP, cost=Decimal("70"), ship_by=SHIP_BY), rules.has_destination),
        (dict(method=COURIER, branch="Branch 3", cost=Decimal("70"), ship_by=SHIP_BY), rules.has_destination),
        (dict(method=NP, branch="Branch 3", cost=None, ship_by=SHIP_BY), rules.has_delivery_cost),
        (dict(method=NP, branch="Branch 3", cost=Decimal("70"), ship_by=None), rules.has_ship_by),
    ],
    ids=["no-method", "carrier-no-branch", "courier-no-address", "no-cost", "no-ship-by"],
)
def test_confirm_needs_delivery_destination_cost_and_ship_by(place_order, seller, delivery, rule):
    delivery = delivery | {"ship_by": soon() if delivery["ship_by"] == SHIP_BY else None}
    # Placed without a delivery method: a branch the order had cannot be blanked (test_editing).
    placed = place_order(delivery_method="")
    order = order_update_delivery(actor=seller, order=order_open(actor=seller, order=placed), **delivery)
    refused(order, RuleViolation, lambda: order_confirm(actor=seller, order=order), rule.message)


def test_confirm_with_free_delivery_and_pickup_needs_no_destination(place_order, seller):
    order = order_open(actor=seller, order=place_order(delivery_method=PICKUP))
    order = order_update_delivery(actor=seller, order=order, method=PICKUP, cost=Decimal("0"), ship_by=soon())
    assert order_confirm(actor=seller, order=order).status == Status.CONFIRMED


@pytest.mark.parametrize("status", [s for s in ALL if s != Status.ACCEPTED])
def test_confirm_only_from_accepted(place_order, seller, status):
    order = bring(place_order, seller, status)
    refused(order, RuleViolation, lambda: order_confirm(actor=seller, order=order), label(status))


# --- confirmed → awaiting_shipment ----------------------------------------------------------


def test_pack_moves_confirmed_to_awaiting_shipment_and_may_change_the_ship_by_date(place_order, seller, owner):
    order = bring(place_order, seller, Status.CONFIRMED)
    before = history_count(order)
    new_date = fetch(order).ship_by + timedelta(days=3)
    packed = order_pack(actor=Actor.seller(owner), order=order, ship_by=new_date)
    assert (packed.status, fetch(order).ship_by) == (Status.AWAITING_SHIPMENT, new_date)
    assert_recorded(order, before, action="pack", kind=ActorKind.SELLER, user=owner)


def test_pack_without_a_date_keeps_the_ship_by_date(place_order, seller):
    order = bring(place_order, seller, Status.CONFIRMED)
    assert order_pack(actor=seller, order=order).ship_by == order.ship_by


@pytest.mark.parametrize("status", [s for s in ALL if s != Status.CONFIRMED])
def test_pack_only_from_confirmed(place_order, seller, status):
    order = bring(place_order, seller, status)
    refused(order, RuleViolation, lambda: order_pack(actor=seller, order=order, ship_by=soon()), label(status))


# --- → in_delivery --------------------------------------------------------------------------


@pytest.mark.parametrize("source", [Status.CONFIRMED, Status.AWAITING_SHIPMENT])
@pytest.mark.parametrize("ttn", [VALID_TTN, "59000000000000", " 2045 0000 0000 01 "])
def test_ship_by_carrier_with_a_valid_ttn(place_order, seller, manager, source, ttn):
    order = bring(place_order, seller, source)
    before = history_count(order)
    shipped = order_ship(actor=seller, order=order, ttn=ttn)
    assert (shipped.status, fetch(order).ttn) == (Status.IN_DELIVERY, ttn.replace(" ", ""))
    assert_recorded(order, before, action="ship", kind=ActorKind.SELLER, user=manager)


@pytest.mark.parametrize(
    "ttn", ["30450000000001", "2045000000000", "204500000000012", "2045000000000A", "+2045000000001"]
)
def test_ship_by_carrier_refuses_an_invalid_ttn(place_order, seller, ttn):
    order = bring(place_order, seller, Status.AWAITING_SHIPMENT)
    refused(order, RuleViolation, lambda: order_ship(actor=seller, order=order, ttn=ttn), "tracking number")


def test_ship_by_carrier_needs_a_ttn(place_order, seller):
    order = bring(place_order, seller, Status.CONFIRMED)
    refused(order, RuleViolation, lambda: order_ship(actor=seller, order=order), rules.carrier_has_valid_ttn.message)


def test_ship_by_courier_with_phone_and_visit_time(place_order, seller):
    order = bring(place_order, seller, Status.CONFIRMED, method=COURIER)
    visit = timezone.now() + timedelta(hours=2)
    order_ship(actor=seller, order=order, courier_phone="067 123 45 67", courier_visit_at=visit)
    saved = fetch(order)
    assert (saved.status, saved.courier_phone, saved.courier_visit_at) == (Status.IN_DELIVERY, COURIER_PHONE, visit)


@pytest.mark.parametrize(
    "phone, visit, fragment",
    [
        ("", True, rules.courier_is_arranged.message),
        (COURIER_PHONE, False, rules.courier_is_arranged.message),
        ("12345", True, "courier's phone"),
    ],
    ids=["no-phone", "no-visit-time", "invalid-phone"],
)
def test_ship_by_courier_needs_phone_and_visit_time(place_order, seller, phone, visit, fragment):
    order = bring(place_order, seller, Status.AWAITING_SHIPMENT, method=COURIER)
    visit_at = timezone.now() + timedelta(hours=2) if visit else None
    refused(
        order,
        RuleViolation,
        lambda: order_ship(actor=seller, order=order, courier_phone=phone, courier_visit_at=visit_at),
        fragment,
    )


def test_a_pickup_order_cannot_ship(place_order, seller):
    order = bring(place_order, seller, Status.AWAITING_SHIPMENT, method=PICKUP)
    refused(order, RuleViolation, lambda: order_ship(actor=seller, order=order), rules.is_not_pickup.message)
    refused(order, RuleViolation, lambda: order_ship(actor=seller, order=order, ttn=VALID_TTN))


@pytest.mark.parametrize("status", [Status.NEW, Status.ACCEPTED, Status.IN_DELIVERY, Status.RECEIVED, Status.CANCELLED])
def test_ship_only_from_confirmed_or_awaiting_shipment(place_order, seller, status):
    order = bring(place_order, seller, status)
    refused(order, RuleViolation, lambda: order_ship(actor=seller, order=order, ttn=VALID_TTN), label(status))


# --- → awaiting_pickup ----------------------------------------------------------------------


@pytest.mark.parametrize("source", [Status.CONFIRMED, Status.AWAITING_SHIPMENT])
def test_a_pickup_order_becomes_awaiting_pickup(place_order, seller, manager, source):
    order = bring(place_order, seller, source, method=PICKUP)
    before = history_count(order)
    assert order_ready_for_pickup(actor=seller, order=order).status == Status.AWAITING_PICKUP
    assert_recorded(order, before, action="ready_for_pickup", kind=ActorKind.SELLER, user=manager)


@pytest.mark.parametrize("method", [NP, COURIER])
def test_only_pickup_orders_await_pickup(place_order, seller, method):
    order = bring(place_order, seller, Status.AWAITING_SHIPMENT, method=method)
    refused(order, RuleViolation, lambda: order_ready_for_pickup(actor=seller, order=order), rules.is_pickup.message)


@pytest.mark.parametrize("status", [Status.NEW, Status.ACCEPTED, Status.AWAITING_PICKUP, Status.RECEIVED])
def test_ready_for_pickup_only_from_confirmed_or_awaiting_shipment(place_order, seller, status):
    order = bring(place_order, seller, status, method=PICKUP)
    refused(order, RuleViolation, lambda: order_ready_for_pickup(actor=seller, order=order), label(status))


# --- → received -----------------------------------------------------------------------------


@pytest.mark.parametrize("method, status", [(COURIER, Status.IN_DELIVERY), (PICKUP, Status.AWAITING_PICKUP)])
def test_seller_marks_received_a_courier_or_pickup_order(place_order, seller, manager, method, status):
    order = bring(place_order, seller, status, method=method)
    before = history_count(order)
    assert order_mark_received(actor=seller, order=order).status == Status.RECEIVED
    assert_recorded(order, before, action="mark_received", kind=ActorKind.SELLER, user=manager)


def test_seller_cannot_mark_a_carrier_parcel_received(place_order, seller):
    order = bring(place_order, seller, Status.IN_DELIVERY, method=NP)
    refused(
        order,
        RuleViolation,
        lambda: order_mark_received(actor=seller, order=order),
        rules.seller_can_mark_received.message,
    )


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.CONFIRMED, Status.AWAITING_SHIPMENT])
def test_mark_received_only_after_shipment(place_order, seller, status):
    order = bring(place_order, seller, status, method=COURIER)
    refused(order, RuleViolation, lambda: order_mark_received(actor=seller, order=order), label(status))


def test_carrier_tracking_hands_a_parcel_over(place_order, seller):
    order = bring(place_order, seller, Status.IN_DELIVERY, method=NP)
    before = history_count(order)
    assert order_hand_over(order=order).status == Status.RECEIVED
    assert_recorded(order, before, action="hand_over", kind=ActorKind.CARRIER, user=None)


def test_carrier_hand_over_is_only_for_carrier_parcels(place_order, seller):
    courier = bring(place_order, seller, Status.IN_DELIVERY, method=COURIER)
    refused(courier, RuleViolation, lambda: order_hand_over(order=courier), rules.is_carrier_parcel.message)
    pickup = bring(place_order, seller, Status.AWAITING_PICKUP)
    refused(pickup, RuleViolation, lambda: order_hand_over(order=pickup), label(Status.AWAITING_PICKUP))
    waiting = bring(place_order, seller, Status.AWAITING_SHIPMENT)
    refused(waiting, RuleViolation, lambda: order_hand_over(order=waiting), label(Status.AWAITING_SHIPMENT))


# --- terminal statuses never change ---------------------------------------------------------


def every_action(order, seller, offers):
    item_id = order.items.first().pk
    return {
        "confirm": lambda: order_confirm(actor=seller, order=order),
        "pack": lambda: order_pack(actor=seller, order=order, ship_by=soon()),
        "ship": lambda: order_ship(actor=seller, order=order, ttn=VALID_TTN),
        "ship_courier": lambda: order_ship(
            actor=seller, order=order, courier_phone=COURIER_PHONE, courier_visit_at=timezone.now()
        ),
        "ready_for_pickup": lambda: order_ready_for_pickup(actor=seller, order=order),
        "mark_received": lambda: order_mark_received(actor=seller, order=order),
        "hand_over": lambda: order_hand_over(order=order),
        "cancel": lambda: order_cancel(actor=seller, order=order, reason=CancelReason.OTHER, comment="Why not"),
        "cancel_unreachable": lambda: order_cancel(actor=seller, order=order, reason=CancelReason.BUYER_UNREACHABLE),
        "cancel_by_buyer": lambda: order_cancel_by_buyer(order=order),
        "processing_expired": lambda: order_cancel_by_platform(order=order, reason="processing_time_expired"),
        "shipping_expired": lambda: order_cancel_by_platform(order=order, reason="shipping_time_expired"),
        "carrier_refusal": lambda: order_cancel_by_platform(order=order, reason="buyer_changed_mind"),
        "update_delivery": lambda: ready_delivery(order, seller),
        "update_payment": lambda: order_update_payment(actor=seller, order=order, method="card"),
        "set_quantity": lambda: order_set_item_quantity(actor=seller, order=order, item_id=item_id, quantity=1),
        "add_item": lambda: order_add_item(actor=seller, order=order, offer_id=offers[1].pk, quantity=1),
        "split": lambda: order_split(actor=seller, order=order, quantities={item_id: 1}),
    }


TERMINAL_CASES = [(Status.RECEIVED, NP), (Status.RECEIVED, COURIER), (Status.RECEIVED, PICKUP), (Status.CANCELLED, NP)]


@pytest.mark.parametrize("status, method", TERMINAL_CASES)
def test_terminal_statuses_never_change(place_order, seller, offers, status, method):
    order = bring(place_order, seller, status, method=method)
    for name, action in every_action(order, seller, offers).items():
        try:
            refused(order, RuleViolation, action, label(status))
        except AssertionError as error:  # name the action that got through
            raise AssertionError(f"{name} on a {status} order: {error}") from error
    state = snapshot(order)
    order_open(actor=seller, order=order)
    assert snapshot(order) == state
    refused(order, RuleViolation, lambda: order_call_log(actor=seller, order=order, outcome="no_answer"), "closed")


# --- who may act ----------------------------------------------------------------------------


def seller_services(order, actor, offers):
    item_id = order.items.first().pk
    return {
        "confirm": lambda: order_confirm(actor=actor, order=order),
        "pack": lambda: order_pack(actor=actor, order=order),
        "ship": lambda: order_ship(actor=actor, order=order, ttn=VALID_TTN),
        "ready_for_pickup": lambda: order_ready_for_pickup(actor=actor, order=order),
        "mark_received": lambda: order_mark_received(actor=actor, order=order),
        "cancel": lambda: order_cancel(actor=actor, order=order, reason=CancelReason.OTHER, comment="Mine now"),
        "update_delivery": lambda: ready_delivery(order, actor),
        "update_payment": lambda: order_update_payment(actor=actor, order=order, method="card"),
        "set_quantity": lambda: order_set_item_quantity(actor=actor, order=order, item_id=item_id, quantity=1),
        "add_item": lambda: order_add_item(actor=actor, order=order, offer_id=offers[1].pk, quantity=1),
        "split": lambda: order_split(actor=actor, order=order, quantities={item_id: 1}),
        "call_log": lambda: order_call_log(actor=actor, order=order, outcome="busy"),
    }


def refuse_all(order, actor, offers, *, skip=()):
    for name, action in seller_services(order, actor, offers).items():
        if name in skip:
            continue
        try:
            error = refused(order, NotAllowed, action)
        except AssertionError as failure:  # name the service that let it through
            raise AssertionError(f"{name}: {failure}") from failure
        assert isinstance(error, PermissionDenied)


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.AWAITING_SHIPMENT])
def test_a_member_of_another_store_is_refused_everywhere(place_order, seller, offers, outsider, outsider_store, status):
    order = bring(place_order, seller, status)
    outsider_actor = Actor.seller(outsider)
    refuse_all(order, outsider_actor, offers)
    refused(order, NotAllowed, lambda: order_comment_add(actor=outsider_actor, order=order, text="Hi"))


@pytest.mark.parametrize("kind", ["moderator", "buyer", "platform", "carrier"])
def test_other_actor_kinds_are_refused_seller_only_services(place_order, seller, offers, moderator, kind):
    order = bring(place_order, seller, Status.ACCEPTED)
    actor = Actor.moderator(moderator) if kind == "moderator" else Actor(kind)
    refuse_all(order, actor, offers)


def test_a_moderator_kind_without_the_moderators_group_is_refused(place_order, seller, outsider):
    order = bring(place_order, seller, Status.ACCEPTED)
    refused(order, NotAllowed, lambda: order_comment_add(actor=Actor.moderator(outsider), order=order, text="Hi"))


def test_an_inactive_member_is_refused(place_order, seller, offers, manager):
    order = bring(place_order, seller, Status.ACCEPTED)
    manager.is_active = False
    manager.save()
    refuse_all(order, Actor.seller(manager), offers)


# --- history of a whole life ----------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        (NP, ["place", "accept", "edit_delivery", "confirm", "pack", "ship", "hand_over"]),
        (COURIER, ["place", "accept", "edit_delivery", "confirm", "pack", "ship", "mark_received"]),
        (PICKUP, ["place", "accept", "edit_delivery", "confirm", "pack", "ready_for_pickup", "mark_received"]),
    ],
)
def test_the_history_tells_the_whole_life_of_an_order(place_order, seller, method, path):
    order = bring(place_order, seller, Status.RECEIVED, method=method)
    rows = list(order.history.order_by("history_id"))
    assert [row.action for row in rows] == path
    assert (rows[0].actor_kind, rows[0].history_user_id) == (ActorKind.BUYER, None)
    assert rows[-1].status == Status.RECEIVED


# --- the order as stored: opening reads status and membership under the lock --------------------


def test_open_returns_the_order_as_stored_not_the_callers_copy(place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    stale = fetch(order)  # the page read "accepted"
    order_cancel(actor=seller, order=order, reason=CancelReason.OTHER, comment="The buyer wrote")
    assert order_open(actor=seller, order=stale).status == Status.CANCELLED


def test_open_refuses_a_member_removed_meanwhile_whatever_the_status(place_order, seller, manager, store):
    order = bring(place_order, seller, Status.CONFIRMED)
    StoreMember.objects.filter(store=store, user=manager).delete()
    refused(order, NotAllowed, lambda: order_open(actor=seller, order=order))


# --- dates the seller agrees: from today up to the policy's maximum (docs/rules.md §4) ----------


def test_pack_refuses_a_ship_by_date_in_the_past_or_too_far(place_order, seller):
    order = bring(place_order, seller, Status.CONFIRMED)
    today = platform_clock.today()
    for ship_by, fragment in [
        (today - timedelta(days=1), "in the past"),
        (date(1, 1, 1), "in the past"),
        (today + timedelta(days=91), "at most 90 days"),
        (date(9999, 12, 31), "at most"),
    ]:
        refused(order, RuleViolation, lambda: order_pack(actor=seller, order=order, ship_by=ship_by), fragment)
    assert order_pack(actor=seller, order=order, ship_by=today + timedelta(days=90)).ship_by == today + timedelta(
        days=90
    )


def test_confirm_refuses_a_ship_by_date_that_has_passed(place_order, seller, clock):
    order = ready_delivery(order_open(actor=seller, order=place_order()), seller)  # ship by in two days
    clock.move_to(timezone.now() + timedelta(days=3))
    refused(order, RuleViolation, lambda: order_confirm(actor=seller, order=order), "in the past")
    order = order_update_delivery(
        actor=seller, order=order, method=NP, branch="Branch 12", cost=Decimal("70"), ship_by=platform_clock.today()
    )
    assert order_confirm(actor=seller, order=order).status == Status.CONFIRMED


@pytest.mark.parametrize(
    "visit, fragment",
    [
        (lambda now: now - timedelta(days=2), "in the past"),
        (lambda now: now + timedelta(days=91), "at most 90 days"),
        (lambda now: now.replace(year=9999), "at most 90 days"),
        (lambda now: now.replace(year=1, month=1, day=2), "in the past"),
    ],
    ids=["two-days-ago", "too-far", "year-9999", "year-1"],
)
def test_ship_by_courier_refuses_a_visit_time_far_from_now(place_order, seller, visit, fragment):
    order = bring(place_order, seller, Status.AWAITING_SHIPMENT, method=COURIER)
    visit_at = visit(timezone.now())
    refused(
        order,
        RuleViolation,
        lambda: order_ship(actor=seller, order=order, courier_phone=COURIER_PHONE, courier_visit_at=visit_at),
        fragment,
    )
