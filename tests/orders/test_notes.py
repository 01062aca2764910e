"""Seller comments and the call log (docs/rules.md §3, §5): who may write and whether the order
is still open are checked on the order as stored, under its row lock, in the transaction that
writes; and only unanswered calls prove a buyer unreachable."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import translation

from marketplace import clock
from marketplace.errors import NotAllowed, RuleViolation
from orders.choices import CancelReason, Status
from orders.models import CallAttempt, OrderComment
from orders.services import Line, order_call_log, order_cancel, order_comment_add, order_open, order_place
from sellers.models import StoreMember
from tests.conftest import VALID_PHONE
from tests.orders.support import (  # noqa: F401 (order_test_env is a fixture)
    bring,
    fetch,
    order_test_env,
    placed_earlier,
    refused,
)

pytestmark = pytest.mark.usefixtures("order_test_env")
R = CancelReason


def log(order, seller, *calls):
    """Log calls given as (minutes ago, outcome)."""
    now = clock.now()
    placed_earlier(order, now - timedelta(hours=2))
    for minutes, outcome in calls:
        order_call_log(actor=seller, order=order, outcome=outcome, called_at=now - timedelta(minutes=minutes))


# --- the order as stored, not the caller's copy ----------------------------------------------


def test_a_call_on_an_order_cancelled_meanwhile_is_refused(place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    stale = fetch(order)  # what the page showed
    order_cancel(actor=seller, order=order, reason=R.OTHER, comment="The buyer wrote")
    refused(order, RuleViolation, lambda: order_call_log(actor=seller, order=stale, outcome="busy"), "closed")


def test_a_call_cannot_predate_the_stored_placement(place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    refused(
        order,
        RuleViolation,
        lambda: order_call_log(
            actor=seller, order=order, outcome="busy", called_at=fetch(order).created_at - timedelta(minutes=1)
        ),
        "before the order",
    )


def test_a_removed_member_can_neither_comment_nor_log_calls(place_order, seller, manager, store):
    order = bring(place_order, seller, Status.ACCEPTED)
    StoreMember.objects.filter(store=store, user=manager).delete()
    refused(order, NotAllowed, lambda: order_comment_add(actor=seller, order=order, text="hello"))
    refused(order, NotAllowed, lambda: order_call_log(actor=seller, order=order, outcome="busy"))


def test_comments_and_calls_are_written(place_order, seller, manager):
    order = bring(place_order, seller, Status.ACCEPTED)
    comment = order_comment_add(actor=seller, order=order, text="  Asked to call after 18:00  ")
    call = order_call_log(actor=seller, order=order, outcome="talked", note=" agreed ")
    assert (comment.text, comment.author, call.note, call.caller) == (
        "Asked to call after 18:00",
        manager,
        "agreed",
        manager,
    )


# --- buyer_unreachable counts unanswered calls only --------------------------------------------


@pytest.mark.parametrize(
    "calls",
    [
        [(30, "talked"), (0, "no_answer")],
        [(30, "no_answer"), (0, "talked")],
        [(40, "talked"), (20, "talked"), (0, "busy")],
        [(30, "busy"), (20, "talked"), (25, "unavailable")],
    ],
    ids=["talked-first", "talked-last", "talked-twice", "unanswered-5-min-apart"],
)
def test_calls_that_reached_the_buyer_do_not_count(place_order, seller, calls):
    order = bring(place_order, seller, Status.ACCEPTED)
    log(order, seller, *calls)
    refused(
        order,
        RuleViolation,
        lambda: order_cancel(actor=seller, order=order, reason=R.BUYER_UNREACHABLE),
        "two calls",
        "unanswered",
        "15 minutes",
    )


@pytest.mark.parametrize("outcomes", [("no_answer", "busy"), ("unavailable", "no_answer"), ("busy", "busy")])
def test_two_unanswered_calls_15_minutes_apart_allow_unreachable(place_order, seller, outcomes):
    order = bring(place_order, seller, Status.ACCEPTED)
    log(order, seller, (40, outcomes[0]), (30, "talked"), (25, outcomes[1]))
    order_cancel(actor=seller, order=order, reason=R.BUYER_UNREACHABLE)
    assert fetch(order).cancel_reason == R.BUYER_UNREACHABLE


@pytest.mark.parametrize("phone", ["+380441234567", "+380322123456"], ids=["kyiv", "lviv"])
def test_a_landline_buyer_must_be_called_like_a_mobile_one(place_order, seller, phone):
    order = bring(place_order, seller, Status.ACCEPTED, phone=phone)
    refused(
        order, RuleViolation, lambda: order_cancel(actor=seller, order=order, reason=R.BUYER_UNREACHABLE), "two calls"
    )
    log(order, seller, (20, "no_answer"), (0, "no_answer"))
    order_cancel(actor=seller, order=order, reason=R.BUYER_UNREACHABLE)
    assert fetch(order).status == Status.CANCELLED


# --- a member removed at the same moment (real PostgreSQL, two connections) ----------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_migrations_data")
@pytest.mark.parametrize("action", ["comment", "call"])
def test_a_member_removed_while_acting_is_refused(store, offers, seller, manager, action):
    """The removal deletes the membership and commits a moment later; the comment (or call)
    started in between must wait for it and be refused, not written by a removed member."""
    order = order_open(
        actor=seller,
        order=order_place(
            store=store,
            buyer_name="Race Buyer",
            buyer_phone=VALID_PHONE,
            lines=[Line(offers[0].pk, 1)],
            delivery_method="nova_poshta",
            delivery_branch="Branch 1",
        ),
    )
    run = {
        "comment": lambda: order_comment_add(actor=seller, order=order, text="hello"),
        "call": lambda: order_call_log(actor=seller, order=order, outcome="busy"),
    }[action]
    outcome = {}

    def act():
        try:
            with translation.override("en"):
                outcome["value"] = run()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            outcome["error"] = error
        finally:
            connection.close()

    with transaction.atomic():  # the removal, not committed yet
        StoreMember.objects.filter(store=store, user=manager).delete()
        racer = threading.Thread(target=act)
        racer.start()
        time.sleep(0.5)  # the racer reaches its membership check meanwhile
    racer.join(timeout=20)
    assert not racer.is_alive(), "the racer hung"
    assert isinstance(outcome.get("error"), NotAllowed), outcome
    assert not OrderComment.objects.exists() and not CallAttempt.objects.exists()
