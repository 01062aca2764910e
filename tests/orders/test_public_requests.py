"""Requests and disputes on the buyer's public page (docs/rules.md §6, issue 14): the cancel in
each mode, the store's requests and the buyer's answers, the thread, the withdraw, the complaint
about a late order and the moderators' decision as the buyer sees it. Every refusal shows the
sentence and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from marketplace import calendar
from marketplace import clock as platform_clock
from marketplace.actors import Actor
from marketplace.models import PlatformPolicy
from orders.choices import CancelReason, Status
from orders.disputes.models import Decision, Dispute, DisputeOrigin, DisputeState, Fault
from orders.disputes.services import dispute_decide, dispute_take
from orders.models import OrderComment
from orders.requests.models import CancelGround, OrderRequest, RequestKind, RequestMessage, RequestState
from orders.requests.services import MAX_MESSAGE, request_open
from orders.services import order_comment_add
from tests.conftest import PINNED_NOW, ready_delivery
from tests.orders.support import (  # noqa: F401 (order_test_env is a fixture)
    bring,
    fetch,
    order_test_env,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("order_test_env")
SECRET_COMMENT = "Internal: this buyer returns everything"
SECRET_NOTE = "Store: third late order this month, warn them"


@pytest.fixture
def client() -> Client:
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return browser


@pytest.fixture
def request_mode(db):
    PlatformPolicy.objects.filter(pk=1).update(buyer_cancel_mode="request")
    calendar.forget()
    yield
    calendar.forget()


def url(name, order) -> str:
    return reverse(f"orders:{name}", kwargs={"token": order.public_token})


def html(response) -> str:
    return response.content.decode()


def flashed(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def accepted(place_order, seller):
    """An order in the store with a ship-by date (today + 2 days)."""
    return ready_delivery(bring(place_order, seller, Status.ACCEPTED), seller)


def state_of(order) -> dict:
    """What a refusal must leave as it was: the order, its requests, messages and disputes."""
    return {
        "order": snapshot(order),
        "requests": list(OrderRequest.objects.filter(order=order).values_list("pk", "state", "answer_message")),
        "messages": RequestMessage.objects.filter(request__order=order).count(),
        "disputes": list(Dispute.objects.filter(order=order).values_list("pk", "state")),
    }


def seller_request(order, manager, kind, **extra) -> OrderRequest:
    return request_open(actor=Actor.seller(manager), order=order, kind=kind, **extra)


def move_to_late(clock, order) -> None:
    """The Kyiv date after the order's ship-by date: the order is late (docs/rules.md §6)."""
    clock.move_to(PINNED_NOW + (fetch(order).ship_by - platform_clock.today()) + timedelta(days=1))


# --- 1. the buyer's cancel -------------------------------------------------------------------


def test_instant_mode_cancels_at_once(client, place_order):
    order = place_order()
    page = html(client.get(url("public_order", order)))
    assert 'data-mode="at-once"' in page and "Ask the store to cancel" not in page
    response = client.post(url("public_order_cancel", order), {"confirm": "on", "comment": "Changed my mind"})
    assert response.status_code == 302
    assert (fetch(order).status, fetch(order).cancel_reason) == (Status.CANCELLED, CancelReason.BUYER_CANCELLED)
    assert not OrderRequest.objects.filter(order=order).exists()


def test_request_mode_asks_the_store_and_shows_the_countdown(client, place_order, request_mode):
    order = place_order()
    page = html(client.get(url("public_order", order)))
    assert 'data-mode="request"' in page and "Ask the store to cancel" in page
    # The windows the request will have, in Kyiv time: answer in 24 h, silence cancels at 48 h.
    assert "The store answers by 25.11.2026 10:00" in page and "does not answer by 26.11.2026 10:00" in page

    response = client.post(url("public_order_cancel", order), {"confirm": "on", "comment": "Ordered twice"})
    assert response.status_code == 302
    assert fetch(order).status == Status.NEW  # not cancelled: the store answers
    asked = OrderRequest.objects.get(order=order)
    assert (asked.kind, asked.state, asked.opened_by, asked.message) == (
        RequestKind.BUYER_CANCEL,
        RequestState.OPEN,
        "buyer",
        "Ordered twice",
    )
    assert any("Your request is sent to the store" in m for m in flashed(response))

    page = html(client.get(url("public_order", order)))
    assert "You asked the store to cancel the order" in page and "Ordered twice" in page
    assert "The store answers by" in page and "the order is cancelled" in page
    assert 'id="request-withdraw"' in page and 'id="request-write"' in page
    assert 'id="request-answer"' not in page  # the buyer does not answer their own request
    assert 'id="cancel"' not in page  # one request at a time


def test_request_mode_needs_the_tick_and_changes_nothing_without_it(client, place_order, request_mode):
    order = place_order()
    before = state_of(order)
    response = client.post(url("public_order_cancel", order), {"comment": "hm"})
    assert response.status_code == 422 and "Tick the box to confirm the request." in html(response)
    assert state_of(order) == before


def test_a_second_cancel_request_is_refused(client, place_order, request_mode):
    order = place_order()
    client.post(url("public_order_cancel", order), {"confirm": "on"})
    before = state_of(order)
    response = client.post(url("public_order_cancel", order), {"confirm": "on"})
    assert response.status_code == 422 and 'id="error"' in html(response)
    assert state_of(order) == before


def test_a_late_order_cancels_at_once_as_late_delivery_in_request_mode(
    client, clock, place_order, seller, request_mode
):
    order = accepted(place_order, seller)
    move_to_late(clock, order)
    page = html(client.get(url("public_order", order)))
    assert 'data-mode="at-once"' in page and 'id="cancel-late"' in page
    assert "The agreed date, 26 November 2026, has passed" in page
    response = client.post(url("public_order_cancel", order), {"confirm": "on"})
    assert response.status_code == 302
    cancelled = fetch(order)
    assert (cancelled.status, cancelled.cancel_reason) == (Status.CANCELLED, CancelReason.LATE_DELIVERY)
    assert any("because the agreed date has passed" in m for m in flashed(response))


def test_withdraw_the_own_request(client, place_order, request_mode):
    order = place_order()
    client.post(url("public_order_cancel", order), {"confirm": "on"})
    asked = OrderRequest.objects.get(order=order)
    response = client.post(url("public_request_withdraw", order), {"request": asked.pk})
    assert response.status_code == 302
    assert OrderRequest.objects.get(pk=asked.pk).state == RequestState.WITHDRAWN
    assert fetch(order).status == Status.NEW
    page = html(client.get(url("public_order", order)))
    assert 'id="request"' not in page and "Ask the store to cancel" in page  # may ask again


def test_a_stale_or_foreign_request_id_is_refused(client, place_order, request_mode, store, offers):
    order = place_order()
    other = place_order()
    client.post(url("public_order_cancel", order), {"confirm": "on"})
    client.post(url("public_order_cancel", other), {"confirm": "on"})
    mine = OrderRequest.objects.get(order=order)
    theirs = OrderRequest.objects.get(order=other)
    before = state_of(order), state_of(other)
    for target, pk in ((order, theirs.pk), (order, mine.pk + 1000), (other, mine.pk)):
        for name, data in (
            ("public_request_withdraw", {}),
            ("public_request_message", {"text": "hello"}),
            ("public_request_answer", {"answer": "accept"}),
        ):
            response = client.post(url(name, target), {"request": pk, **data})
            assert response.status_code == 422, (name, pk)
            assert "no longer open or has changed meanwhile" in html(response)
    assert (state_of(order), state_of(other)) == before


def test_the_buyer_cannot_answer_their_own_request(client, place_order, request_mode):
    order = place_order()
    client.post(url("public_order_cancel", order), {"confirm": "on"})
    asked = OrderRequest.objects.get(order=order)
    before = state_of(order)
    response = client.post(url("public_request_answer", order), {"request": asked.pk, "answer": "accept"})
    assert response.status_code == 422 and 'id="error"' in html(response)
    assert state_of(order) == before


# --- 2. the store's requests -------------------------------------------------------------------


def test_a_cancel_request_of_the_store_shows_and_is_accepted(client, place_order, seller, manager):
    order = accepted(place_order, seller)
    asked = seller_request(
        order, manager, RequestKind.SELLER_CANCEL, ground=CancelGround.DUPLICATE, message="You ordered it twice"
    )
    page = html(client.get(url("public_order", order)))
    assert "The store asks you to agree to cancel the order" in page
    assert "A duplicate order" in page and "You ordered it twice" in page
    assert "Please answer by 25.11.2026 10:00" in page
    assert "If you do not answer by 26.11.2026 10:00, the order is cancelled by agreement." in page
    assert 'id="request-accept"' in page and 'id="request-decline"' in page and 'id="request-withdraw"' not in page

    response = client.post(
        url("public_request_answer", order), {"request": asked.pk, "answer": "accept", "message": "Yes, sorry"}
    )
    assert response.status_code == 302
    answered = OrderRequest.objects.get(pk=asked.pk)
    assert (answered.state, answered.answer_message) == (RequestState.ACCEPTED, "Yes, sorry")
    assert (fetch(order).status, fetch(order).cancel_reason) == (Status.CANCELLED, CancelReason.MUTUAL)
    assert any("You agreed to cancel the order" in m for m in flashed(response))


def test_a_move_of_the_date_is_accepted_and_the_ship_by_date_moves(client, place_order, seller, manager):
    order = accepted(place_order, seller)
    old = fetch(order).ship_by
    new = old + timedelta(days=3)
    asked = seller_request(order, manager, RequestKind.MOVE_DATE, new_date=new, message="The supplier is late")
    page = html(client.get(url("public_order", order)))
    assert "The store asks to move the agreed date from 26 November 2026 to 29 November 2026" in page
    assert "The supplier is late" in page and "the new date applies" in page
    assert "Accept the new date" in page

    response = client.post(url("public_request_answer", order), {"request": asked.pk, "answer": "accept"})
    assert response.status_code == 302
    assert OrderRequest.objects.get(pk=asked.pk).state == RequestState.ACCEPTED
    moved = fetch(order)
    assert (moved.status, moved.ship_by) == (Status.ACCEPTED, new)
    assert any("You accepted the new date" in m for m in flashed(response))


def test_a_declined_request_goes_to_the_moderators(client, place_order, seller, manager):
    order = accepted(place_order, seller)
    asked = seller_request(
        order, manager, RequestKind.SELLER_CANCEL, ground=CancelGround.CANNOT_SUPPLY, message="No stock"
    )
    response = client.post(
        url("public_request_answer", order), {"request": asked.pk, "answer": "decline", "message": "I need it"}
    )
    assert response.status_code == 302
    assert OrderRequest.objects.get(pk=asked.pk).state == RequestState.DECLINED
    dispute = Dispute.objects.get(order=order)
    assert (dispute.origin, dispute.state) == (DisputeOrigin.DECLINED_REQUEST, DisputeState.OPEN)
    assert fetch(order).status == Status.ACCEPTED
    page = html(client.get(url("public_order", order)))
    assert "The moderators are looking at it" in page and 'id="request"' not in page


def test_an_answer_needs_a_choice_and_bounded_text(client, place_order, seller, manager):
    order = accepted(place_order, seller)
    asked = seller_request(order, manager, RequestKind.SELLER_CANCEL, ground=CancelGround.OTHER, message="Why")
    before = state_of(order)
    for data in (
        {"request": asked.pk},
        {"request": asked.pk, "answer": "maybe"},
        {"request": asked.pk, "answer": "accept", "message": "x" * (MAX_MESSAGE + 1)},
        {"request": "junk", "answer": "accept"},
        {"answer": "accept"},
    ):
        assert client.post(url("public_request_answer", order), data).status_code == 422, data
    assert state_of(order) == before


def test_an_answer_at_expiry_is_too_late(client, clock, place_order, seller, manager):
    order = accepted(place_order, seller)
    asked = seller_request(order, manager, RequestKind.SELLER_CANCEL, ground=CancelGround.OTHER, message="Why")
    clock.move_to(asked.expires_at)
    page = html(client.get(url("public_order", order)))
    assert 'id="request-answer"' not in page  # the sweep owns that instant
    before = state_of(order)
    response = client.post(url("public_request_answer", order), {"request": asked.pk, "answer": "accept"})
    assert response.status_code == 422 and 'id="error"' in html(response)
    assert state_of(order) == before


def test_after_the_answer_window_the_buyer_can_still_answer(client, clock, place_order, seller, manager):
    order = accepted(place_order, seller)
    asked = seller_request(order, manager, RequestKind.SELLER_CANCEL, ground=CancelGround.OTHER, message="Why")
    clock.move_to(asked.answer_by + timedelta(minutes=1))
    page = html(client.get(url("public_order", order)))
    assert "The time to answer passed at 25.11.2026 10:00; you can still answer now." in page
    assert 'id="request-answer"' in page


# --- 3. the thread -----------------------------------------------------------------------------


def test_the_thread_shows_both_sides_and_never_the_stores_own_comments(client, place_order, seller, manager):
    from orders.requests.services import request_message_add

    order = accepted(place_order, seller)
    asked = seller_request(order, manager, RequestKind.SELLER_CANCEL, ground=CancelGround.OTHER, message="Why")
    request_message_add(actor=seller, request=asked, text="Please answer soon")
    order_comment_add(actor=seller, order=order, text=SECRET_COMMENT)
    response = client.post(url("public_request_message", order), {"request": asked.pk, "text": "Let me think"})
    assert response.status_code == 302
    written = RequestMessage.objects.filter(request=asked).order_by("pk").last()
    assert (written.author_kind, written.text) == ("buyer", "Let me think")
    page = html(client.get(url("public_order", order)))
    assert "Please answer soon" in page and "Let me think" in page and ">You<" in page
    assert SECRET_COMMENT not in page and OrderComment.objects.filter(order=order).exists()


def test_an_empty_message_is_refused(client, place_order, seller, manager):
    order = accepted(place_order, seller)
    asked = seller_request(order, manager, RequestKind.SELLER_CANCEL, ground=CancelGround.OTHER, message="Why")
    before = state_of(order)
    for text in ("", "   ", "a\x00b", "x" * (MAX_MESSAGE + 1)):
        response = client.post(url("public_request_message", order), {"request": asked.pk, "text": text})
        assert response.status_code == 422, text
    assert "Write the message first." in html(client.post(url("public_request_message", order), {"request": asked.pk}))
    assert state_of(order) == before


# --- 4. the complaint and the moderators' decision ---------------------------------------------


def test_a_late_order_can_be_complained_about(client, clock, place_order, seller):
    order = accepted(place_order, seller)
    page = html(client.get(url("public_order", order)))
    assert 'id="complain"' not in page  # not late yet
    move_to_late(clock, order)
    page = html(client.get(url("public_order", order)))
    assert 'id="complain"' in page and 'id="cancel-late"' in page  # beside the cancel

    before = state_of(order)
    response = client.post(url("public_order_complain", order), {"complaint": "  "})
    assert response.status_code == 422 and "Describe the problem for the moderators." in html(response)
    assert state_of(order) == before

    response = client.post(url("public_order_complain", order), {"complaint": "Still nothing shipped"})
    assert response.status_code == 302
    dispute = Dispute.objects.get(order=order)
    assert (dispute.origin, dispute.state, dispute.complaint) == (
        DisputeOrigin.LATE_ORDER,
        DisputeState.OPEN,
        "Still nothing shipped",
    )
    page = html(client.get(url("public_order", order)))
    assert "The moderators are looking at it" in page and "You complained that the order is late." in page
    assert 'id="complain"' not in page


def test_a_complaint_on_an_order_that_is_not_late_is_refused(client, place_order, seller):
    order = accepted(place_order, seller)
    before = state_of(order)
    response = client.post(url("public_order_complain", order), {"complaint": "Slow"})
    assert response.status_code == 422 and "The agreed date has not passed yet" in html(response)
    assert state_of(order) == before


def test_the_decision_shows_the_note_to_the_buyer_only(client, clock, place_order, seller, moderator):
    order = accepted(place_order, seller)
    move_to_late(clock, order)
    client.post(url("public_order_complain", order), {"complaint": "Still nothing shipped"})
    dispute = Dispute.objects.get(order=order)
    dispute = dispute_take(actor=Actor.moderator(moderator), dispute=dispute)
    page = html(client.get(url("public_order", order)))
    assert "The moderators are looking at it" in page
    dispute_decide(
        actor=Actor.moderator(moderator),
        dispute=dispute,
        decision=Decision.CANCEL,
        fault=Fault.SELLER,
        note_to_buyer="Sorry, the store failed you",
        note_to_seller=SECRET_NOTE,
    )
    page = html(client.get(url("public_order", order)))
    assert "The moderators decided" in page and "The order is cancelled." in page and "The store" in page
    assert "Sorry, the store failed you" in page
    assert SECRET_NOTE not in page
    assert fetch(order).cancel_reason == CancelReason.DISPUTE_SELLER_FAULT


# --- the page is public: POST only, CSRF, the token ------------------------------------------


@pytest.mark.parametrize(
    "name", ["public_order_complain", "public_request_answer", "public_request_withdraw", "public_request_message"]
)
def test_the_new_actions_are_post_only_with_csrf(name, place_order):
    order = place_order()
    browser = Client(enforce_csrf_checks=True)
    assert browser.get(url(name, order)).status_code == 405
    assert browser.post(url(name, order), {"request": 1, "text": "x", "complaint": "x"}).status_code == 403
    token = "A" * 30
    assert Client().post(reverse(f"orders:{name}", kwargs={"token": token}), {}).status_code == 404


def test_the_page_with_a_request_and_its_thread_reads_a_bounded_number_of_queries(
    client, place_order, seller, manager, django_assert_max_num_queries
):
    """The order, its open request (one query for the thread, whatever its length), the undecided
    and the last decided dispute, items, status history, split relatives."""
    from orders.requests.services import request_message_add

    order = accepted(place_order, seller)
    asked = seller_request(order, manager, RequestKind.SELLER_CANCEL, ground=CancelGround.OTHER, message="Why")
    for n in range(5):
        request_message_add(actor=seller, request=asked, text=f"Message {n}")
    with django_assert_max_num_queries(8):
        assert client.get(url("public_order", order)).status_code == 200


@pytest.mark.parametrize("language", ["uk", "ru", "en"])
def test_the_request_box_renders_in_each_language_with_the_private_headers(language, place_order, seller, manager):
    order = accepted(place_order, seller)
    asked = seller_request(
        order, manager, RequestKind.MOVE_DATE, new_date=fetch(order).ship_by + timedelta(days=1), message="Late"
    )
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = browser.get(url("public_order", order))
    assert response.status_code == 200 and response.headers["Content-Language"] == language
    assert f'data-request="{asked.pk}"' in html(response)
    refused = browser.post(url("public_request_answer", order), {"request": asked.pk})
    assert refused.status_code == 422
    for answer in (response, refused):
        assert answer.headers["Cache-Control"] == "no-store" and answer.headers["X-Robots-Tag"] == "noindex"
