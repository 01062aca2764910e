"""The buyer's public order page at /o/<token>/: what it shows, what it never shows, its
headers, and the buyer's cancellation from it (docs/rules.md §1, §2, §6, §7)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from orders.choices import BUYER_STATUS_LABELS, CancelReason, Status
from orders.models import Order
from orders.services import order_call_log, order_cancel, order_comment_add, order_split
from tests.orders.support import (  # noqa: F401 (order_test_env is a fixture)
    COURIER,
    COURIER_PHONE,
    PICKUP,
    bring,
    fetch,
    order_test_env,
    snapshot,
    stocks,
)

pytestmark = pytest.mark.usefixtures("order_test_env")
SECRET_COMMENT = "Buyer sounds drunk, call the manager first"
SECRET_CANCEL = "Internal: supplier never delivered"


@pytest.fixture
def client() -> Client:
    """A buyer's browser that chose English with the language switch."""
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return browser


def page_url(order) -> str:
    return reverse("orders:public_order", kwargs={"token": order.public_token})


def cancel_url(order) -> str:
    return reverse("orders:public_order_cancel", kwargs={"token": order.public_token})


def html(response) -> str:
    return response.content.decode()


def test_url_matches_the_link_in_messages(place_order):
    from notifications.links import public_order_url

    order = place_order()
    assert page_url(order) == f"/o/{order.public_token}/"
    assert public_order_url(order).endswith(page_url(order))


def test_page_shows_the_order_without_login(client, place_order):
    order = place_order()
    response = client.get(page_url(order))
    assert response.status_code == 200
    page = html(response)
    assert f"Order #{order.pk}" in page and "Alpha Shop" in page
    assert 'id="order-status">Placed, waiting for the store<' in page
    for text in (
        "Phone case",
        "Charger",
        ">2<",
        "₴500.00",
        "₴499.90",
        "₴999.90",
        "Nova Poshta",
        "Branch 12",
        "Cash on delivery",
        "Cancel the order",
    ):
        assert text in page, text
    # the progress ahead of the order, from its status path
    assert "Confirmed, we are assembling it" in page and "On its way to you" in page and "Received" in page


def test_page_speaks_ukrainian_by_default(place_order):
    response = Client().get(page_url(place_order()))
    assert response.status_code == 200 and response["Content-Language"] == "uk"
    assert '<html lang="uk">' in html(response)


@pytest.mark.parametrize("token", ["x" * 32, "short", "A" * 65, "../../etc/passwd-aaaaaaaaaaaaaaaaaaaa"])
def test_unknown_or_malformed_token_is_404(client, place_order, token):
    place_order()
    assert client.get(f"/o/{token}/").status_code == 404
    assert client.post(f"/o/{token}/cancel/", {"confirm": "on"}).status_code == 404


def test_privacy_headers(client, place_order):
    response = client.get(page_url(place_order()))
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Robots-Tag"] == "noindex"


def test_timeline_shows_status_changes_only(client, place_order, seller):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    order_comment_add(actor=seller, order=order, text=SECRET_COMMENT)
    page = html(client.get(page_url(order)))
    steps = page.split('id="progress"')[1].split("</section>")[0]
    labels = [
        "Placed, waiting for the store",
        "We are agreeing the order with you",
        "Confirmed, we are assembling it",
        "Packed, about to be shipped",
        "On its way to you",
        "Received",
    ]
    positions = [steps.index(label) for label in labels]
    assert positions == sorted(positions)
    assert steps.count("<time") == 5 and 'aria-current="step"' in steps
    assert SECRET_COMMENT not in page
    assert "Mykola" not in page and "manager" not in page  # no seller user names
    assert "20450000000001" in page and "Nova Poshta: <strong>" in page


def test_seller_comments_calls_and_cancel_comment_never_shown(client, place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    order_comment_add(actor=seller, order=order, text=SECRET_COMMENT)
    order_call_log(actor=seller, order=order, outcome="no_answer", note="Left a voicemail about it")
    order = order_cancel(actor=seller, order=order, reason=CancelReason.OTHER, comment=SECRET_CANCEL)
    page = html(client.get(page_url(order)))
    assert SECRET_COMMENT not in page and SECRET_CANCEL not in page and "voicemail" not in page
    assert "No answer" not in page
    assert "Other reasons" in page and 'id="cancel-reason"' in page


def test_courier_details_and_times_in_kyiv(client, place_order, seller):
    order = bring(place_order, seller, Status.IN_DELIVERY, method=COURIER)
    page = html(client.get(page_url(order)))
    visit = order.courier_visit_at.astimezone(ZoneInfo("Europe/Kyiv"))
    assert "Store courier" in page and "Khreshchatyk 1, Kyiv" in page
    assert COURIER_PHONE in page and visit.strftime("%d.%m.%Y %H:%M") in page


def test_buyer_cancels(client, place_order, offers):
    order = place_order()
    before = stocks(offers)
    response = client.post(cancel_url(order), {"confirm": "on", "comment": "Found it cheaper"})
    assert response.status_code == 302 and response["Location"] == page_url(order)
    stored = fetch(order)
    assert (stored.status, stored.cancel_reason) == (Status.CANCELLED, CancelReason.BUYER_CANCELLED)
    assert stored.cancelled_by == "buyer"
    assert stocks(offers) == [before[0] + 2, before[1] + 1]
    page = html(client.get(page_url(order)))
    assert "Your order is cancelled" in page and "Cancelled by the buyer" in page
    assert "Found it cheaper" not in page  # the cancellation comment is for the store


def test_cancel_needs_the_confirmation_box(client, place_order):
    order = place_order()
    before = snapshot(order)
    response = client.post(cancel_url(order), {"comment": "hm"})
    assert response.status_code == 422 and "Tick the box to confirm" in html(response)
    assert snapshot(order) == before


def test_a_second_cancel_shows_the_rule_and_changes_nothing(client, place_order):
    order = place_order()
    client.post(cancel_url(order), {"confirm": "on"})
    before = snapshot(order)
    response = client.post(cancel_url(order), {"confirm": "on"})
    assert response.status_code == 422
    assert "The order is already “Cancelled”; it cannot be cancelled." in html(response)
    assert snapshot(order) == before
    assert response["Cache-Control"] == "no-store"


def test_cancel_is_csrf_protected(place_order):
    order = place_order()
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(cancel_url(order), {"confirm": "on"}).status_code == 403
    assert fetch(order).status == Status.NEW
    assert browser.get(cancel_url(order)).status_code == 405


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.CANCELLED])
def test_no_cancel_form_on_closed_orders(client, place_order, seller, status):
    order = bring(place_order, seller, status, method=PICKUP if status == Status.RECEIVED else None)
    page = html(client.get(page_url(order)))
    assert cancel_url(order) not in page and 'id="cancel"' not in page


def test_split_orders_link_each_other(client, place_order, seller):
    order = bring(place_order, seller, Status.ACCEPTED)
    items = list(order.items.all())
    child = order_split(actor=seller, order=order, quantities={items[1].pk: 1})
    parent_page, child_page = html(client.get(page_url(order))), html(client.get(page_url(child)))
    assert page_url(child) in parent_page and f"Order #{child.pk}" in parent_page
    assert page_url(order) in child_page and "the original order" in child_page
    assert Order.objects.count() == 2


def test_page_query_count_is_bounded(client, place_order, seller, django_assert_max_num_queries):
    """Order with store, items, status history, split relatives, the parcel with its tracking events,
    the open request and the disputes (docs/rules.md §6): whatever the history's length."""
    order = bring(place_order, seller, Status.ACCEPTED)
    child = order_split(actor=seller, order=order, quantities={order.items.first().pk: 1})
    order = bring(place_order, seller, Status.IN_DELIVERY)
    for shown in (order, child):
        with django_assert_max_num_queries(8):
            assert client.get(page_url(shown)).status_code == 200


@pytest.mark.parametrize("status", [s for s in Status])
def test_the_page_speaks_to_the_buyer(client, place_order, seller, status):
    """Every status has the buyer's own words (orders.choices.BUYER_STATUS_LABELS), in the badge
    and the progress, never the seller's “needs agreement with the buyer”."""
    order = bring(place_order, seller, status)
    with translation.override("en"):
        said = str(BUYER_STATUS_LABELS[status])
    page = html(client.get(page_url(order)))
    assert f'id="order-status">{said}<' in page
    assert said in page.split('id="progress"')[1].split("</section>")[0]
    assert "with the buyer" not in page and "Needs agreement" not in page


def test_the_buyer_reads_we_are_agreeing_the_order_with_you_in_ukrainian(place_order, seller):
    with translation.override("uk"):
        expected = str(BUYER_STATUS_LABELS[Status.ACCEPTED])
        seller_words = str(Status.ACCEPTED.label)
    order = bring(place_order, seller, Status.ACCEPTED)
    page = html(Client().get(page_url(order)))  # no language chosen: the buyer's, uk
    assert f'id="order-status">{expected}<' in page
    assert seller_words not in page.split('id="order-status"')[1].split("</h1>")[0]


def test_money_and_dates_in_the_buyers_language(place_order, seller):
    """uk: “1 369,00 ₴” and dates in Kyiv as 24.11.2026 10:00; en: “₴1,369.00”."""
    order = bring(place_order, seller, Status.CONFIRMED)
    placed = order.created_at.astimezone(ZoneInfo("Europe/Kyiv")).strftime("%d.%m.%Y %H:%M")
    uk = html(Client().get(page_url(order)))
    assert 'id="order-total">1\u202f069,90\u00a0₴<' in uk and placed in uk
    assert "листопада 2026" in uk.split('id="delivery"')[1]  # the ship-by date, spelled out
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = html(english.get(page_url(order)))
    assert 'id="order-total">₴1,069.90<' in en and "November 2026" in en.split('id="delivery"')[1]
