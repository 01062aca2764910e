"""Disputes (docs/rules.md §6): opened by a declined request or a buyer's complaint about a late
order, taken by a moderator and decided — cancel naming who is at fault, or continue, optionally
with a new agreed date — with a note to each side, both told."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from marketplace import clock as platform_clock
from marketplace.actors import Actor, ActorKind
from marketplace.calendar import platform
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.worktime import KYIV
from notifications.models import Audience
from orders.choices import REASONS, CancelReason, Status
from orders.disputes.models import Decision, Dispute, DisputeOrigin, DisputeState, Fault
from orders.disputes.services import dispute_complain, dispute_decide, dispute_take
from orders.models import Order
from orders.services import order_cancel
from tests.conftest import make_user
from tests.orders.disputes.support import audiences, confirmed_dispute, outbox
from tests.orders.support import bring, fetch, order_test_env, refused, stocks  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("order_test_env")]

BUYER_NOTE = "We are sorry: the store could not supply it."
SELLER_NOTE = "Internal: the store misled the buyer about the supplier."


@pytest.fixture
def mod(moderator):
    return Actor.moderator(moderator)


@pytest.fixture
def second_moderator(moderator):
    user = make_user("moderator2", email="mod2@example.com", is_staff=True, first_name="Taras")
    user.groups.add(*moderator.groups.all())
    return user


def dispute_history(dispute) -> list[tuple[str, str]]:
    return list(Dispute.history.filter(id=dispute.pk).order_by("history_id").values_list("action", "actor_kind"))


# --- opening -------------------------------------------------------------------------------


def test_a_declined_request_opens_a_dispute_in_the_queue(place_order, seller, moderator):
    dispute = confirmed_dispute(place_order, seller)

    assert (dispute.origin, dispute.state) == (DisputeOrigin.DECLINED_REQUEST, DisputeState.OPEN)
    assert dispute.request.state == "declined"
    # Tue 10:00 + one working day (660 working minutes) = Wed 10:00, docs/rules.md §6.
    assert dispute.next_check_at == platform().calendar.add(dispute.opened_at, timedelta(minutes=660))
    assert dispute.next_check_at.astimezone(KYIV).date() == platform_clock.today() + timedelta(days=1)
    assert audiences("dispute_opened", dispute.order) == {Audience.BUYER, Audience.STORE, Audience.MODERATORS}
    assert dispute_history(dispute) == [("open", ActorKind.BUYER)]


# --- decisions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault, reason",
    [
        (Fault.SELLER, CancelReason.DISPUTE_SELLER_FAULT),
        (Fault.BUYER, CancelReason.DISPUTE_BUYER_FAULT),
        (Fault.NOBODY, CancelReason.DISPUTE_NO_FAULT),
    ],
)
def test_cancel_names_the_fault_and_its_reason(place_order, seller, offers, moderator, mod, fault, reason):
    dispute = confirmed_dispute(place_order, seller)
    before = stocks(offers)

    decided = dispute_decide(
        actor=mod,
        dispute=dispute,
        decision=Decision.CANCEL,
        fault=fault,
        note_to_buyer=BUYER_NOTE,
        note_to_seller=SELLER_NOTE,
    )

    order = fetch(dispute.order)
    assert (order.status, order.cancel_reason, order.cancelled_by) == (Status.CANCELLED, reason, ActorKind.MODERATOR)
    assert order.cancel_comment == ""  # the notes are the sides' own, never the order's comment
    assert REASONS[order.cancel_reason].against_seller is (fault == Fault.SELLER)
    assert REASONS[order.cancel_reason].buyer_side is (fault == Fault.BUYER)
    assert stocks(offers) == [before[0] + 2, before[1] + 1]
    last = Order.history.filter(id=order.pk).order_by("-history_id").first()
    assert (last.action, last.actor_kind, last.history_user, last.history_change_reason) == (
        "cancel",
        ActorKind.MODERATOR,
        moderator,
        reason,
    )
    saved = Dispute.objects.get(pk=dispute.pk)
    assert (saved.state, saved.decision, saved.fault) == (DisputeState.DECIDED, Decision.CANCEL, fault)
    assert (saved.decided_by, saved.taken_by, saved.next_check_at) == (moderator, moderator, None)
    assert decided.state == DisputeState.DECIDED
    assert dispute_history(dispute)[-1] == ("decide", ActorKind.MODERATOR)
    assert_told_both_sides(order)


def assert_told_both_sides(order):
    """dispute_decided reaches the buyer with the buyer's note only and the store with the store's."""
    rows = outbox("dispute_decided", order=order)
    assert {row.audience for row in rows} == {Audience.BUYER, Audience.STORE}
    for row in rows:
        text = json.dumps(row.context, default=str)
        if row.audience == Audience.BUYER:
            assert row.context["params"]["buyer_note"] == BUYER_NOTE
            assert SELLER_NOTE not in text and "seller_note" not in text
        else:
            assert row.context["params"]["seller_note"] == SELLER_NOTE
            assert BUYER_NOTE not in text


def test_continue_without_a_date_leaves_the_order_as_it_is(place_order, seller, moderator, mod):
    dispute = confirmed_dispute(place_order, seller)
    order_before = Order.objects.filter(pk=dispute.order_id).values().get()

    dispute_decide(
        actor=mod, dispute=dispute, decision=Decision.CONTINUE, note_to_buyer=BUYER_NOTE, note_to_seller=SELLER_NOTE
    )

    assert Order.objects.filter(pk=dispute.order_id).values().get() == order_before
    saved = Dispute.objects.get(pk=dispute.pk)
    assert (saved.state, saved.decision, saved.fault, saved.new_date) == (
        DisputeState.DECIDED,
        Decision.CONTINUE,
        "",
        None,
    )
    assert dispute_history(dispute)[-1] == ("decide", ActorKind.MODERATOR)
    assert_told_both_sides(dispute.order)


def test_continue_with_a_new_date_moves_the_ship_by_date_and_its_deadlines(place_order, seller, moderator, mod):
    dispute = confirmed_dispute(place_order, seller)
    old = fetch(dispute.order)
    new_date = old.ship_by + timedelta(days=5)

    dispute_decide(
        actor=mod,
        dispute=dispute,
        decision=Decision.CONTINUE,
        new_date=new_date,
        note_to_buyer=BUYER_NOTE,
        note_to_seller=SELLER_NOTE,
    )

    order = fetch(old)
    assert (order.status, order.ship_by) == (Status.CONFIRMED, new_date)
    # The end of the new date's working day (Tue 20:00) is 09:00 of the next working day (docs/rules.md §4).
    assert new_date.weekday() == 1
    assert order.acceptable_deadline == datetime.combine(new_date + timedelta(days=1), time(9), tzinfo=KYIV)
    assert order.acceptable_deadline > old.acceptable_deadline
    row = Order.history.filter(id=order.pk).order_by("-history_id").first()
    assert (row.action, row.actor_kind, row.ship_by) == ("move_date", ActorKind.MODERATOR, new_date)
    assert Order.history.filter(id=order.pk, ship_by=old.ship_by).exists()  # both dates in the history
    assert Dispute.objects.get(pk=dispute.pk).new_date == new_date
    assert_told_both_sides(order)
    assert str(outbox("dispute_decided", order=order)[0].context["params"]["new_date"]) == new_date.isoformat()


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"decision": "refund"}, "Choose a decision"),
        ({"decision": Decision.CANCEL}, "who is at fault"),
        ({"decision": Decision.CANCEL, "fault": "moon"}, "who is at fault"),
        ({"decision": Decision.CANCEL, "fault": Fault.SELLER, "new_date": "+3"}, "only when the order continues"),
        ({"decision": Decision.CONTINUE, "fault": Fault.SELLER}, "only when the order is cancelled"),
        ({"decision": Decision.CONTINUE, "new_date": "+0ship"}, "is the current one"),
        ({"decision": Decision.CONTINUE, "new_date": "-1"}, "in the past"),
        ({"decision": Decision.CONTINUE, "new_date": "+400"}, "at most"),
    ],
)
def test_a_refused_decision_changes_nothing(place_order, seller, mod, kwargs, fragment):
    dispute = confirmed_dispute(place_order, seller)
    order = fetch(dispute.order)
    kwargs = dict(kwargs)
    if "new_date" in kwargs:
        spec = kwargs["new_date"]
        base = order.ship_by if spec.endswith("ship") else platform_clock.today()
        kwargs["new_date"] = base + timedelta(days=int(spec.removesuffix("ship")))
    before_dispute = Dispute.objects.filter(pk=dispute.pk).values().get()
    messages = outbox("dispute_decided")

    refused(order, RuleViolation, lambda: dispute_decide(actor=mod, dispute=dispute, **kwargs), fragment)

    assert Dispute.objects.filter(pk=dispute.pk).values().get() == before_dispute
    assert outbox("dispute_decided") == messages


def test_a_new_date_only_while_the_goods_are_in_the_store(place_order, seller, mod, clock):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    clock.move_to(late_in_delivery(order))
    dispute = dispute_complain(order=order, complaint="Where is my parcel?")
    refused(
        order,
        RuleViolation,
        lambda: dispute_decide(
            actor=mod, dispute=dispute, decision=Decision.CONTINUE, new_date=platform_clock.today() + timedelta(days=3)
        ),
        "in the store",
    )


def day_after(day) -> datetime:
    """10:00 Kyiv on the day after `day`: the agreed date has passed."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time().replace(hour=10), tzinfo=KYIV)


def late_in_delivery(order) -> datetime:
    """A parcel with no scheduled date is late after ship-by + late_delivery_after_days (3)."""
    return day_after(order.ship_by + timedelta(days=platform().late_delivery_after_days))


def test_only_a_moderator_decides(place_order, seller, outsider, owner):
    dispute = confirmed_dispute(place_order, seller)
    order = fetch(dispute.order)
    staff = make_user("staff", is_staff=True)  # staff, but not in the moderators group
    for actor in (seller, Actor.seller(owner), Actor.buyer(), Actor.platform(), Actor.moderator(staff)):
        refused(
            order,
            (NotAllowed, PermissionDenied),
            lambda actor=actor: dispute_decide(actor=actor, dispute=dispute, decision=Decision.CONTINUE),
        )
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.OPEN


def test_a_decided_dispute_is_not_decided_again(place_order, seller, mod):
    dispute = confirmed_dispute(place_order, seller)
    dispute_decide(actor=mod, dispute=dispute, decision=Decision.CONTINUE)
    refused(
        fetch(dispute.order),
        RuleViolation,
        lambda: dispute_decide(actor=mod, dispute=dispute, decision=Decision.CANCEL, fault=Fault.SELLER),
        "already",
    )
    assert len(outbox("dispute_decided")) == 2


def test_an_order_that_ends_another_way_closes_its_dispute(place_order, seller, mod):
    dispute = confirmed_dispute(place_order, seller)
    order_cancel(actor=seller, order=dispute.order, reason=CancelReason.OTHER, comment="Sold out at the warehouse")

    closed = Dispute.objects.get(pk=dispute.pk)
    assert (closed.state, closed.next_check_at) == (DisputeState.CLOSED, None)
    assert dispute_history(dispute)[-1] == ("close", ActorKind.PLATFORM)
    refused(
        fetch(dispute.order),
        RuleViolation,
        lambda: dispute_decide(actor=mod, dispute=dispute, decision=Decision.CANCEL, fault=Fault.BUYER),
        "already",
    )


# --- taking --------------------------------------------------------------------------------


def test_a_dispute_is_taken_once_and_taken_over_only_explicitly(place_order, seller, moderator, mod, second_moderator):
    dispute = confirmed_dispute(place_order, seller)
    taken = dispute_take(actor=mod, dispute=dispute)
    assert (taken.state, taken.taken_by, taken.next_check_at) == (DisputeState.TAKEN, moderator, None)
    assert dispute_take(actor=mod, dispute=dispute).taken_by == moderator  # one's own again: nothing changes
    other = Actor.moderator(second_moderator)

    error = refused(
        fetch(dispute.order), RuleViolation, lambda: dispute_take(actor=other, dispute=dispute), "moderator"
    )
    assert "take it over" in str(error)
    refused(
        fetch(dispute.order),
        RuleViolation,
        lambda: dispute_decide(actor=other, dispute=dispute, decision=Decision.CONTINUE),
        "take it over",
    )

    over = dispute_take(actor=other, dispute=dispute, take_over=True)
    assert (over.state, over.taken_by) == (DisputeState.TAKEN, second_moderator)
    dispute_decide(actor=other, dispute=dispute, decision=Decision.CONTINUE)
    saved = Dispute.objects.get(pk=dispute.pk)
    assert (saved.decided_by, saved.state) == (second_moderator, DisputeState.DECIDED)
    assert [action for action, _kind in dispute_history(dispute)] == ["open", "take", "take_over", "decide"]


def test_deciding_an_open_dispute_takes_it(place_order, seller, moderator, mod):
    dispute = confirmed_dispute(place_order, seller)
    dispute_decide(actor=mod, dispute=dispute, decision=Decision.CONTINUE)
    saved = Dispute.objects.get(pk=dispute.pk)
    assert (saved.taken_by, saved.decided_by) == (moderator, moderator)


def test_a_decided_dispute_cannot_be_taken(place_order, seller, mod):
    dispute = confirmed_dispute(place_order, seller)
    dispute_decide(actor=mod, dispute=dispute, decision=Decision.CONTINUE)
    refused(fetch(dispute.order), RuleViolation, lambda: dispute_take(actor=mod, dispute=dispute), "Decided")


# --- the buyer's complaint about a late order ------------------------------------------------


def test_a_complaint_only_after_the_agreed_date(place_order, seller, moderator, clock):
    order = bring(place_order, seller, Status.CONFIRMED)
    clock.move_to(datetime.combine(order.ship_by, datetime.min.time().replace(hour=19), tzinfo=KYIV))
    refused(order, RuleViolation, lambda: dispute_complain(order=order, complaint="Late!"), "has not passed")
    assert not Dispute.objects.exists()

    clock.move_to(day_after(order.ship_by))
    dispute = dispute_complain(order=order, complaint="  It was promised for yesterday.  ")

    assert (dispute.origin, dispute.state, dispute.request) == (DisputeOrigin.LATE_ORDER, DisputeState.OPEN, None)
    assert dispute.complaint == "It was promised for yesterday."
    assert dispute.next_check_at == platform().calendar.add(dispute.opened_at, timedelta(minutes=660))
    assert dispute_history(dispute) == [("complain", ActorKind.BUYER)]
    assert audiences("dispute_opened", order) == {Audience.BUYER, Audience.STORE, Audience.MODERATORS}
    buyer_row = outbox("dispute_opened", audience=Audience.BUYER)[0]
    assert buyer_row.context["params"]["complaint"] == "It was promised for yesterday."
    assert fetch(order).status == Status.CONFIRMED  # a complaint changes nothing on the order


def test_a_complaint_about_a_parcel_late_in_delivery(place_order, seller, clock):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    clock.move_to(late_in_delivery(order) - timedelta(days=1))
    refused(order, RuleViolation, lambda: dispute_complain(order=order, complaint="Late!"), "has not passed")
    clock.move_to(late_in_delivery(order))
    assert dispute_complain(order=order, complaint="Still not here.").origin == DisputeOrigin.LATE_ORDER


def test_a_complaint_needs_its_text_and_one_undecided_dispute_at_a_time(place_order, seller, mod, clock):
    order = bring(place_order, seller, Status.CONFIRMED)
    clock.move_to(day_after(order.ship_by))
    refused(order, RuleViolation, lambda: dispute_complain(order=order, complaint="   "), "Describe")
    dispute = dispute_complain(order=order, complaint="Late.")
    refused(order, RuleViolation, lambda: dispute_complain(order=order, complaint="Again."), "already looking")
    dispute_decide(actor=mod, dispute=dispute, decision=Decision.CONTINUE)
    # Decided: a new complaint is possible (the order is still late).
    assert dispute_complain(order=order, complaint="Still late.").pk != dispute.pk


def test_a_complaint_while_a_declined_request_waits_for_the_moderators(place_order, seller, clock):
    dispute = confirmed_dispute(place_order, seller)
    order = fetch(dispute.order)
    clock.move_to(day_after(order.ship_by))
    refused(order, RuleViolation, lambda: dispute_complain(order=order, complaint="Late."), "already looking")


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.RECEIVED])
def test_no_complaint_about_an_ended_order(place_order, seller, status):
    order = bring(place_order, seller, status)
    refused(order, RuleViolation, lambda: dispute_complain(order=order, complaint="Late."), "nothing to complain")


def test_a_request_declined_while_a_complaint_waits_joins_that_dispute(place_order, seller, moderator, clock):
    from orders.requests.models import CancelGround, RequestKind
    from orders.requests.services import request_answer, request_open

    order = bring(place_order, seller, Status.CONFIRMED)
    clock.move_to(day_after(order.ship_by))
    request = request_open(
        actor=seller, order=order, kind=RequestKind.SELLER_CANCEL, ground=CancelGround.CANNOT_SUPPLY, message="Gone."
    )
    dispute = dispute_complain(order=order, complaint="Late, and now they want to cancel.")
    request_answer(actor=Actor.buyer(), request=request, accept=False)

    assert Dispute.objects.filter(order=order).count() == 1  # one undecided dispute per order
    joined = Dispute.objects.get(pk=dispute.pk)
    assert (joined.request_id, joined.origin, joined.state) == (request.pk, DisputeOrigin.LATE_ORDER, DisputeState.OPEN)
    assert len(outbox("dispute_opened", audience=Audience.MODERATORS)) == 2  # the complaint, then the request
