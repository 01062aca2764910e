"""What each state the carrier reports does to the order (docs/rules.md §8): exact history rows and
outbox rows per state group, and a repeated answer changes and sends nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from marketplace import clock as platform_clock
from marketplace.actors import ActorKind
from notifications import rendering
from notifications.models import Audience, OutboxMessage
from orders.buyers import buyer_history
from orders.carriers.base import StateGroup
from orders.choices import REASONS, CancelReason, Status
from orders.models import Order
from orders.tracking import schedule
from orders.tracking.models import Parcel, TrackingEvent
from sellers.models import FeeCharge
from tests.conftest import VALID_TTN
from tests.orders.support import fetch, stocks
from tests.orders.tracking.support import NEW_TTN, counts, kyiv_day, outbox, parcel_of, state, track

pytestmark = pytest.mark.django_db


def history(order) -> list[tuple[str, str, str]]:
    return list(Order.history.filter(id=order.pk).order_by("history_id").values_list("action", "actor_kind", "status"))


def test_received_hands_the_order_over_with_the_fee_and_thanks_the_buyer(shipped, carrier):
    before = history(shipped)
    carrier.set(VALID_TTN, state(StateGroup.RECEIVED, branch="Branch 12"))
    result = track(carrier, shipped)
    assert (result.asked, result.changed, result.requests) == (1, 1, 1)
    order = fetch(shipped)
    assert order.status == Status.RECEIVED
    assert history(order) == [*before, ("hand_over", ActorKind.CARRIER, Status.RECEIVED)]
    assert FeeCharge.objects.filter(order=order, kind=FeeCharge.Kind.RECEIVED).count() == 1
    assert outbox(order, "order_received") == [("order_received", Audience.BUYER)]
    event = TrackingEvent.objects.get(order=order)
    assert (event.group, event.code, event.text, event.branch) == ("received", "9", "Received", "Branch 12")
    parcel = parcel_of(order)
    assert (parcel.group, parcel.next_check_at, parcel.last_checked_at is not None) == ("received", None, True)


def test_refused_cancels_for_the_buyer_not_against_the_seller(shipped, carrier, offers):
    before = history(shipped)
    carrier.set(VALID_TTN, state(StateGroup.REFUSED))
    track(carrier, shipped)
    order = fetch(shipped)
    assert (order.status, order.cancel_reason, order.cancelled_by) == (
        Status.CANCELLED,
        CancelReason.BUYER_CHANGED_MIND,
        ActorKind.CARRIER,
    )
    assert history(order) == [*before, ("cancel", ActorKind.CARRIER, Status.CANCELLED)]
    assert not REASONS[order.cancel_reason].against_seller
    assert buyer_history(order.buyer_phone).changed_mind == 1
    assert not FeeCharge.objects.filter(order=order).exists()
    # The buyer and the store are told (the store did not cancel it itself).
    assert outbox(order) == sorted(
        {
            *outbox(order, "order_placed"),
            *outbox(order, "order_accepted"),
            *outbox(order, "order_confirmed"),
            *outbox(order, "order_shipped"),
            ("order_cancelled", Audience.BUYER),
            ("order_cancelled", Audience.STORE),
            ("order_cancelled", Audience.MEMBERS),
        }
    )
    # The parcel is followed until it is back at the store.
    assert parcel_of(order).next_check_at is not None


def test_a_refused_parcel_back_at_the_store_puts_its_goods_back_on_sale(shipped, carrier, offers):
    stock_in_delivery = stocks(offers)
    carrier.set(VALID_TTN, state(StateGroup.REFUSED))
    track(carrier, shipped)
    assert fetch(shipped).return_expected_since is not None
    carrier.set(VALID_TTN, state(StateGroup.RETURNED))
    track(carrier, shipped)
    order = fetch(shipped)
    assert order.return_received_at is not None
    assert stocks(offers) == [stock_in_delivery[0] + 2, stock_in_delivery[1] + 1]
    assert history(order)[-1] == ("return_received", ActorKind.CARRIER, Status.CANCELLED)
    assert parcel_of(order).next_check_at is None


def test_at_the_branch_the_buyer_is_told_once_and_reminded_the_day_before_storage_ends(shipped, carrier, clock):
    before = counts(shipped)
    ends = clock_today() + timedelta(days=3)
    carrier.set(VALID_TTN, state(StateGroup.AT_BRANCH, branch="Branch 5, Lviv", storage_free_until=ends))
    track(carrier, shipped)
    order = fetch(shipped)
    assert order.status == Status.IN_DELIVERY
    assert outbox(order, "parcel_at_branch") == [("parcel_at_branch", Audience.BUYER)]
    message = OutboxMessage.objects.get(order=order, event="parcel_at_branch")
    text = rendering.render_message(message)["text"]
    assert "Branch 5, Lviv" in text and "Branch 12" not in text  # where the carrier says it waits
    after = counts(order)
    assert after["history"] == before["history"] and after["events"] == before["events"] + 1
    parcel = parcel_of(order)
    reminder = kyiv_day(ends - timedelta(days=1))
    assert parcel.next_check_at <= platform_clock.now() + schedule.AT_BRANCH
    # The same answer later the same day: nothing new.
    track(carrier, order)
    assert counts(order) == after
    # The day before storage ends, the schedule brings the parcel up and the buyer is reminded, once.
    clock.move_to(reminder + timedelta(minutes=1))
    assert parcel_of(order).next_check_at <= reminder
    track(carrier)  # due by its own schedule
    assert outbox(order, "parcel_storage_ends") == [("parcel_storage_ends", Audience.BUYER)]
    reminded = counts(order)
    assert reminded["outbox"] == after["outbox"] + 1 and reminded["history"] == after["history"]
    track(carrier, order)
    assert counts(order) == reminded


def test_the_buyer_reads_where_and_until_when(shipped, carrier):
    ends = date(2026, 11, 28)
    carrier.set(VALID_TTN, state(StateGroup.AT_BRANCH, branch="Branch 5, Lviv", storage_free_until=ends))
    track(carrier, shipped)
    text = rendering.render_message(OutboxMessage.objects.get(order=shipped, event="parcel_at_branch"))["text"]
    assert "Branch 5, Lviv" in text and "28" in text


def test_a_number_the_carrier_does_not_know_is_reported_to_the_seller_after_the_grace_period(shipped, carrier, clock):
    carrier.set(VALID_TTN, state(StateGroup.NOT_FOUND))
    track(carrier, shipped)
    assert outbox(shipped, "parcel_number_not_found") == []
    parcel = parcel_of(shipped)
    assert parcel.next_check_at <= platform_clock.now() + schedule.NOT_FOUND_EARLY
    clock.move_to(parcel.created_at + schedule.NOT_FOUND_GRACE + timedelta(minutes=1))
    track(carrier, shipped)
    assert outbox(shipped, "parcel_number_not_found") == [("parcel_number_not_found", Audience.STORE)]
    told = counts(shipped)
    assert told["status"] == Status.IN_DELIVERY
    track(carrier, shipped)
    assert counts(shipped) == told
    # The number corrected: the new one gets its own grace period and its own message.
    from marketplace.actors import Actor
    from orders.services.editing import order_correct_ttn

    seller = Actor.seller(shipped.store.members.first().user)
    order_correct_ttn(actor=seller, order=shipped, ttn=NEW_TTN)
    carrier.set(NEW_TTN, state(StateGroup.IN_TRANSIT))
    track(carrier, shipped)
    assert carrier.calls[-1] == [NEW_TTN]
    assert parcel_of(shipped).group == StateGroup.IN_TRANSIT


def test_readdressed_the_order_follows_the_new_number_and_keeps_both(shipped, carrier):
    before = history(shipped)
    carrier.set(VALID_TTN, state(StateGroup.READDRESSED, new_number=NEW_TTN))
    track(carrier, shipped)
    order = fetch(shipped)
    assert order.ttn == NEW_TTN and order.status == Status.IN_DELIVERY
    assert history(order) == [*before, ("readdressed", ActorKind.CARRIER, Status.IN_DELIVERY)]
    ttns = list(Order.history.filter(id=order.pk).order_by("-history_id").values_list("ttn", flat=True)[:2])
    assert ttns == [NEW_TTN, VALID_TTN]
    old, new = Parcel.objects.get(order=order, number=VALID_TTN), Parcel.objects.get(order=order, number=NEW_TTN)
    assert (old.active, old.next_check_at, old.group) == (False, None, "readdressed")
    assert new.active and new.next_check_at <= platform_clock.now()
    # The next pass asks about the new number only, and its answer applies to the order.
    carrier.set(NEW_TTN, state(StateGroup.RECEIVED))
    track(carrier)
    assert carrier.calls[-1] == [NEW_TTN]
    assert fetch(order).status == Status.RECEIVED


def test_a_new_number_in_another_state_is_followed_too(shipped, carrier):
    carrier.set(VALID_TTN, state(StateGroup.IN_TRANSIT, new_number=NEW_TTN))
    track(carrier, shipped)
    assert fetch(shipped).ttn == NEW_TTN
    assert parcel_of(shipped).number == NEW_TTN


@pytest.mark.parametrize("group", [StateGroup.FAILED_ATTEMPT, StateGroup.IN_TRANSIT, StateGroup.CREATED])
def test_other_states_are_recorded_only(shipped, carrier, group):
    before = counts(shipped)
    carrier.set(VALID_TTN, state(group))
    result = track(carrier, shipped)
    assert result.changed == 1
    after = counts(shipped)
    assert after == {**before, "events": before["events"] + 1}
    assert parcel_of(shipped).group == group


def test_an_unknown_code_changes_nothing(shipped, carrier):
    before = counts(shipped)
    parcel = parcel_of(shipped)
    carrier.set(VALID_TTN, state(StateGroup.UNKNOWN))
    result = track(carrier, shipped)
    assert (result.asked, result.changed) == (1, 0)
    assert counts(shipped) == before
    after = parcel_of(shipped)
    assert (after.group, after.code) == (parcel.group, parcel.code)
    assert after.next_check_at > platform_clock.now()


@pytest.mark.parametrize(
    "group",
    [StateGroup.RECEIVED, StateGroup.REFUSED, StateGroup.AT_BRANCH, StateGroup.NOT_FOUND, StateGroup.FAILED_ATTEMPT],
)
def test_the_same_answer_twice_changes_and_sends_nothing(shipped, carrier, group):
    carrier.set(VALID_TTN, state(group, storage_free_until=clock_today() + timedelta(days=5)))
    track(carrier, shipped)
    once = counts(shipped)
    Parcel.objects.filter(order=shipped).update(next_check_at=platform_clock.now())  # even an ended parcel, asked again
    result = track(carrier)
    assert result.asked == 1 and result.changed == 0
    assert counts(shipped) == once


def test_an_older_answer_than_the_stored_state_is_ignored(shipped, carrier):
    now = platform_clock.now()
    carrier.set(VALID_TTN, state(StateGroup.AT_BRANCH, at=now))
    track(carrier, shipped)
    before = counts(shipped)
    carrier.set(VALID_TTN, state(StateGroup.IN_TRANSIT, at=now - timedelta(hours=5)))
    track(carrier, shipped)
    assert counts(shipped) == before
    assert parcel_of(shipped).group == StateGroup.AT_BRANCH


def clock_today():
    return platform_clock.today()
