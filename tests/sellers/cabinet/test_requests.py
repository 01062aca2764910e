"""The cabinet's requests (issue 14 item 7, the seller's half of items 2–3; docs/rules.md §6): the
order page's request panel offers exactly what orders.requests.rules.request_actions allows,
each action posts to a thin view over orders.requests.services (a manager may, another store's
member gets 404, a refusal shows the service's sentence and changes nothing), and the requests
tab counts what waits for whom in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from marketplace import calendar
from marketplace import clock as platform_clock
from marketplace.actors import Actor
from marketplace.models import PlatformPolicy
from orders.choices import CancelReason, Status
from orders.disputes.services import dispute_decide
from orders.models import Dispute, OrderComment, OrderRequest, RequestMessage
from orders.requests.models import RequestKind, RequestState
from orders.requests.services import request_open, request_withdraw
from orders.services import order_comment_add
from sellers.cabinet.selectors import request_counts
from tests.conftest import ready_delivery
from tests.orders.support import bring, fetch

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(place_order, seller):
    """An order in the store with a ship-by date (today + 2 days): every seller request applies."""
    return ready_delivery(bring(place_order, seller, Status.ACCEPTED), seller)


@pytest.fixture
def request_mode(db):
    PlatformPolicy.objects.filter(pk=1).update(buyer_cancel_mode="request")
    calendar.forget()
    yield
    calendar.forget()


def page(client, order):
    return client.get(reverse("cabinet:order_detail", args=[order.pk]))


def post(client, name, order, data):
    return client.post(reverse(f"cabinet:order_{name}", args=[order.pk]), data)


def panel(response) -> dict:
    return response.context["requests"]


def html(response) -> str:
    return response.content.decode()


def state_of(order) -> tuple:
    """What a request action could change."""
    return (
        tuple(OrderRequest.objects.filter(order=order).order_by("pk").values_list("pk", "state", "last_follow_up_at")),
        RequestMessage.objects.filter(request__order=order).count(),
        Dispute.objects.filter(order=order).count(),
        tuple(fetch(order).__dict__[f] for f in ("status", "cancel_reason", "ship_by")),
        OrderRequest.history.filter(order_id=order.pk).count(),
    )


def seller_request(order, seller, kind=RequestKind.MOVE_DATE) -> OrderRequest:
    if kind == RequestKind.MOVE_DATE:
        return request_open(
            actor=seller, order=order, kind=kind, new_date=order.ship_by + timedelta(days=3), message="Supplier late"
        )
    return request_open(actor=seller, order=order, kind=kind, ground="duplicate", message="You ordered twice")


# --- the panel offers what request_actions allows ------------------------------------------------


def test_an_order_without_requests_offers_both_seller_requests(manager_client, order):
    response = page(manager_client, order)
    assert set(panel(response)["forms"]) == {"request_cancel", "request_move"}
    assert 'id="request-move"' in html(response) and 'id="request-cancel"' in html(response)


def form_url(order, group: str) -> str:
    return reverse("cabinet:order_form", args=[order.pk]) + f"?form={group}"


REQUEST_GROUP_FIELDS = {
    "request_move": 'name="request_move-new_date"',
    "request_cancel": 'name="request_cancel-ground"',
}


def test_the_request_forms_come_when_the_seller_opens_them(manager_client, order):
    """Both asks wait in closed <details>: the page renders neither form's widgets, each is one
    htmx GET away (a plain link without JavaScript opens the page with it), and the fragment posts
    to the request's action."""
    page_html = html(page(manager_client, order))
    for group, field in REQUEST_GROUP_FIELDS.items():
        assert field not in page_html, group
        assert f'hx-get="{form_url(order, group)}"' in page_html, group
        anchor = group.replace("_", "-")
        assert f'href="{form_url(order, group)}#{anchor}"' in page_html, group
        fragment = manager_client.get(form_url(order, group), HTTP_HX_REQUEST="true")
        assert fragment.status_code == 200 and "<html" not in html(fragment)
        action = reverse(f"cabinet:order_{group}", args=[order.pk])
        assert f'action="{action}"' in html(fragment) and field in html(fragment), group
        plain = html(manager_client.get(form_url(order, group)))
        assert f'<details class="edit" id="{anchor}" open>' in plain and field in plain, group
        other = next(f for g, f in REQUEST_GROUP_FIELDS.items() if g != group)
        assert other not in plain, group  # the other one still waits


def test_a_request_form_the_order_no_longer_takes_reloads_the_page(manager_client, order, seller):
    seller_request(order, seller)  # one open request per order: neither ask is offered now
    for group in REQUEST_GROUP_FIELDS:
        response = manager_client.get(form_url(order, group), HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and response.headers["HX-Refresh"] == "true", group
        assert REQUEST_GROUP_FIELDS[group] not in html(response)


def test_a_terminal_order_offers_nothing(manager_client, order, seller):
    from orders.services import order_cancel

    cancelled = order_cancel(actor=seller, order=order, reason=CancelReason.OTHER, comment="test")
    response = page(manager_client, cancelled)
    assert panel(response)["forms"] == {}
    assert 'id="request"' not in html(response)  # no request ever: no panel at all


def test_move_date_is_not_offered_without_a_ship_by_date(manager_client, place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    assert order.ship_by is None
    assert set(panel(page(manager_client, order))["forms"]) == {"request_cancel"}


# --- opening requests ---------------------------------------------------------------------------


def test_a_manager_asks_to_move_the_agreed_date(manager_client, manager, order):
    new_date = order.ship_by + timedelta(days=3)
    response = post(
        manager_client,
        "request_move",
        order,
        {"request_move-new_date": new_date.isoformat(), "request_move-message": "Supplier late"},
    )
    assert response.status_code == 302 and response.url.endswith("#request")
    request = OrderRequest.objects.get(order=order)
    assert (request.kind, request.state, request.opened_by, request.opened_by_user) == (
        RequestKind.MOVE_DATE,
        RequestState.OPEN,
        "seller",
        manager,
    )
    assert (request.old_date, request.new_date, request.message) == (order.ship_by, new_date, "Supplier late")
    shown = page(manager_client, order)
    content = html(shown)
    # The open request with its countdown, and only the opener's actions: no answer, no new request.
    assert set(panel(shown)["forms"]) == {"request_withdraw", "request_follow_up", "request_message"}
    assert 'data-kind="move_date"' in content and "Supplier late" in content
    assert "1 d 0 h" in content and "2 d 0 h" in content  # to answer_by (24 h) and to going through (48 h)
    assert 'id="follow-up-from"' in content  # the request's own message just went out


def test_the_owner_asks_to_cancel_by_agreement(owner_client, owner, order):
    response = post(
        owner_client,
        "request_cancel",
        order,
        {"request_cancel-ground": "duplicate", "request_cancel-message": "You ordered twice"},
    )
    assert response.status_code == 302
    request = OrderRequest.objects.get(order=order)
    assert (request.kind, request.ground, request.opened_by_user) == (RequestKind.SELLER_CANCEL, "duplicate", owner)


def test_a_second_request_is_refused_with_the_services_sentence(manager_client, order, seller):
    seller_request(order, seller)
    before = state_of(order)
    response = post(
        manager_client,
        "request_cancel",
        order,
        {"request_cancel-ground": "duplicate", "request_cancel-message": "You ordered twice"},
    )
    assert response.status_code == 422
    assert "This order already has an open request" in html(response)
    assert state_of(order) == before


def test_a_refused_date_is_said_next_to_the_form(manager_client, order):
    before = state_of(order)
    response = post(
        manager_client,
        "request_move",
        order,
        {"request_move-new_date": order.ship_by.isoformat(), "request_move-message": "same day"},
    )
    assert response.status_code == 422
    assert "The new date is the agreed date already" in html(response)
    assert 'id="request-move" open' in html(response)
    assert state_of(order) == before


def test_a_message_is_required_by_the_form(manager_client, order):
    before = state_of(order)
    response = post(manager_client, "request_cancel", order, {"request_cancel-ground": "other"})
    assert response.status_code == 422
    assert panel(response)["forms"]["request_cancel"].errors["message"]
    assert state_of(order) == before


# --- answering the buyer's request ----------------------------------------------------------------


@pytest.fixture
def buyer_request(request_mode, order):
    return request_open(actor=Actor.buyer(), order=order, kind=RequestKind.BUYER_CANCEL, message="Found it cheaper")


def test_the_buyers_request_is_answered_from_the_panel(manager_client, order, buyer_request):
    shown = page(manager_client, order)
    assert set(panel(shown)["forms"]) == {"request_answer", "request_message"}  # not the buyer's to withdraw
    assert "Found it cheaper" in html(shown)
    response = post(
        manager_client,
        "request_answer",
        order,
        {"request_answer-request": buyer_request.pk, "request_answer-answer": "accept", "request_answer-message": "OK"},
    )
    assert response.status_code == 302
    buyer_request.refresh_from_db()
    assert (buyer_request.state, buyer_request.answer_message) == (RequestState.ACCEPTED, "OK")
    assert (fetch(order).status, fetch(order).cancel_reason) == (Status.CANCELLED, CancelReason.MUTUAL)


def test_declining_passes_the_request_to_the_moderators(manager_client, order, buyer_request, moderator):
    response = post(
        manager_client,
        "request_answer",
        order,
        {
            "request_answer-request": buyer_request.pk,
            "request_answer-answer": "decline",
            "request_answer-message": "Sent",
        },
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get(order=order)
    assert dispute.request_id == buyer_request.pk and dispute.is_undecided
    shown = page(manager_client, order)
    assert panel(shown)["dispute"] == dispute
    assert 'id="request-dispute"' in html(shown)
    assert panel(shown)["forms"] == {}  # no new request while the moderators decide
    # The moderators' decision and their note to the store are shown; the note to the buyer is not.
    dispute_decide(
        actor=Actor.moderator(moderator),
        dispute=dispute,
        decision="continue",
        note_to_buyer="Wait for the parcel, please",
        note_to_seller="Ship it this week",
    )
    content = html(page(manager_client, order))
    assert "Ship it this week" in content and "Wait for the parcel" not in content
    assert 'class="dispute-decision"' in content


def test_an_answer_to_a_request_that_closed_meanwhile_changes_nothing(manager_client, order, buyer_request):
    stale = page(manager_client, order)  # the page the seller still looks at
    assert "request_answer" in panel(stale)["forms"]
    request_withdraw(actor=Actor.buyer(), request=buyer_request)
    before = state_of(order)
    response = post(
        manager_client,
        "request_answer",
        order,
        {"request_answer-request": buyer_request.pk, "request_answer-answer": "accept"},
    )
    assert response.status_code == 422
    assert "This request is not open any more" in html(response)
    assert state_of(order) == before


def test_an_answer_without_a_request_id_is_refused(manager_client, order, buyer_request):
    before = state_of(order)
    response = post(manager_client, "request_answer", order, {"request_answer-answer": "accept"})
    assert response.status_code == 422
    assert "This request is not open any more" in html(response)
    assert state_of(order) == before


# --- withdraw, follow up, write -------------------------------------------------------------------


def test_the_store_withdraws_its_request(manager_client, order, seller):
    request = seller_request(order, seller)
    response = post(manager_client, "request_withdraw", order, {"request_withdraw-request": request.pk})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == RequestState.WITHDRAWN
    shown = page(manager_client, order)
    assert set(panel(shown)["forms"]) == {"request_cancel", "request_move"}  # a new one may be opened
    assert [p.request.pk for p in panel(shown)["past"]] == [request.pk]


def test_follow_up_waits_four_working_hours(manager_client, order, seller, clock):
    request = seller_request(order, seller)
    shown = page(manager_client, order)
    assert panel(shown)["actions"].can_follow_up is False
    assert "possible from 14:00" in html(shown)  # Tue 10:00 + 4 working hours
    before = state_of(order)
    response = post(manager_client, "request_follow_up", order, {"request_follow_up-request": request.pk})
    assert response.status_code == 422
    assert "the next follow-up is possible from" in html(response)
    assert state_of(order) == before
    clock.move_to(request.opened_at + timedelta(hours=4, minutes=1))
    shown = page(manager_client, order)
    assert panel(shown)["actions"].can_follow_up is True
    assert response.status_code == 422
    response = post(manager_client, "request_follow_up", order, {"request_follow_up-request": request.pk})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.last_follow_up_at is not None


def test_a_message_goes_into_the_thread_and_a_comment_stays_out(manager_client, order, seller, manager):
    request = seller_request(order, seller)
    order_comment_add(actor=seller, order=fetch(order), text="Internal: call the supplier")
    response = post(
        manager_client,
        "request_message",
        order,
        {"request_message-request": request.pk, "request_message-text": "We can also send a similar model"},
    )
    assert response.status_code == 302
    message = RequestMessage.objects.get(request=request)
    assert (message.author_kind, message.author, message.text) == (
        "seller",
        manager,
        "We can also send a similar model",
    )
    shown = page(manager_client, order)
    assert [m.text for m in panel(shown)["thread"]] == ["We can also send a similar model"]
    thread = html(shown).split('data-thread="', 1)[1].split("</ol>", 1)[0]
    assert "We can also send a similar model" in thread and "call the supplier" not in thread
    assert OrderComment.objects.filter(order=order).count() == 1


def test_an_empty_message_is_refused(manager_client, order, seller):
    request = seller_request(order, seller)
    before = state_of(order)
    response = post(
        manager_client, "request_message", order, {"request_message-request": request.pk, "request_message-text": "  "}
    )
    assert response.status_code == 422
    assert state_of(order) == before


# --- permissions ----------------------------------------------------------------------------------

ACTION_PAYLOADS = {
    "request_cancel": lambda r: {"request_cancel-ground": "duplicate", "request_cancel-message": "twice"},
    "request_move": lambda r: {"request_move-new_date": "2026-12-01", "request_move-message": "late"},
    "request_answer": lambda r: {"request_answer-request": r.pk, "request_answer-answer": "accept"},
    "request_withdraw": lambda r: {"request_withdraw-request": r.pk},
    "request_follow_up": lambda r: {"request_follow_up-request": r.pk},
    "request_message": lambda r: {"request_message-request": r.pk, "request_message-text": "hi"},
}


@pytest.mark.parametrize("name", sorted(ACTION_PAYLOADS))
def test_another_stores_member_gets_404(name, outsider_client, order, seller):
    request = seller_request(order, seller)
    before = state_of(order)
    assert post(outsider_client, name, order, ACTION_PAYLOADS[name](request)).status_code == 404
    assert outsider_client.get(reverse(f"cabinet:order_{name}", args=[order.pk])).status_code == 404
    assert state_of(order) == before


def test_a_get_changes_nothing(manager_client, order):
    assert manager_client.get(reverse("cabinet:order_request_cancel", args=[order.pk])).status_code == 405


# --- the requests tab -----------------------------------------------------------------------------


@pytest.fixture
def many(request_mode, place_order, seller, moderator):
    """Two buyer's requests, one store's request, one declined (a dispute), one withdrawn."""
    orders = [ready_delivery(bring(place_order, seller, Status.ACCEPTED), seller) for _ in range(5)]
    buyer = Actor.buyer()
    waiting_store = [request_open(actor=buyer, order=o, kind=RequestKind.BUYER_CANCEL) for o in orders[:2]]
    waiting_buyer = seller_request(orders[2], seller)
    from orders.requests.services import request_answer

    declined = request_answer(
        actor=seller,
        request=request_open(actor=buyer, order=orders[3], kind=RequestKind.BUYER_CANCEL),
        accept=False,
    )
    withdrawn = request_withdraw(actor=seller, request=seller_request(orders[4], seller, RequestKind.SELLER_CANCEL))
    return {"store": waiting_store, "buyer": [waiting_buyer], "moderators": [declined], "closed": [withdrawn, declined]}


def test_the_tab_counts_what_waits_for_whom_in_two_queries(many, store, django_assert_num_queries):
    with django_assert_num_queries(2):
        counts = request_counts(store, now=platform_clock.now())
    assert counts == {"store": 2, "buyer": 1, "moderators": 1, "closed": 2}


def test_the_tab_lists_each_group(manager_client, many, outsider_client):
    response = manager_client.get(reverse("cabinet:request_list"))
    assert response.status_code == 200
    assert {tab.key: n for tab, n in response.context["tabs"]} == {"store": 2, "buyer": 1, "moderators": 1, "closed": 2}
    assert sorted(row.order_id for row in response.context["rows"]) == sorted(r.order_id for r in many["store"])
    assert all(timedelta(hours=47, minutes=59) < row.left <= timedelta(hours=48) for row in response.context["rows"])
    assert "2 d 0 h" in html(response)
    for tab in ("buyer", "moderators", "closed"):
        rows = manager_client.get(reverse("cabinet:request_list"), {"tab": tab}).context["rows"]
        assert sorted(row.order_id for row in rows) == sorted(r.order_id for r in many[tab]), tab
    # another store sees none of them
    other = outsider_client.get(reverse("cabinet:request_list"))
    assert {tab.key: n for tab, n in other.context["tabs"]} == {"store": 0, "buyer": 0, "moderators": 0, "closed": 0}
    assert other.context["rows"] == []


def test_the_tab_queries_do_not_grow_with_the_requests(manager_client, many, django_assert_max_num_queries):
    calendar.platform()
    for tab in ("store", "buyer", "moderators", "closed", "junk"):
        with django_assert_max_num_queries(8):  # session, user, memberships, two counts, rows, announcements
            assert manager_client.get(reverse("cabinet:request_list"), {"tab": tab}).status_code == 200
