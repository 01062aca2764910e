"""Priority re-orders with compensation (docs/rules.md §10, seed 002, issue 15 item 6): after a
shipping-time expiry the store offers the goods again; the buyer's acceptance places a new order
through order_place — stock reserved, linked, priority, `accepted` — at today's prices less a
discount that never takes the total below zero; the offer expires; one acceptance only."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from marketplace import calendar, formats
from marketplace import clock as platform_clock
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.models import PlatformPolicy
from notifications.models import OutboxMessage
from notifications.rendering import render
from orders.choices import CancelReason, Status
from orders.models import Order, ReorderOffer
from orders.reorders.models import DiscountKind, ReorderState
from orders.reorders.rules import discounted
from orders.reorders.services import reorder_accept, reorder_decline, reorder_offer
from orders.services import order_expire
from sellers.cabinet.selectors import OrderFilters, order_list
from sellers.models import Offer
from tests.orders.support import bring, fetch, order_test_env, stocks  # noqa: F401
from tests.sellers.conftest import english_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("order_test_env")]


@pytest.fixture
def expired(place_order, seller):
    """Case × 2 (250.00) and charger × 1 (499.90), cancelled for the shipping time: stock is back."""
    order = order_expire(order=bring(place_order, seller, Status.AWAITING_SHIPMENT))
    assert fetch(order).cancel_reason == CancelReason.SHIPPING_TIME_EXPIRED
    return fetch(order)


def offer(seller, order, kind=DiscountKind.NONE, value=Decimal(0), **extra):
    return reorder_offer(actor=seller, order=order, discount_kind=kind, discount=value, **extra)


def test_acceptance_places_a_linked_priority_order_accepted_with_the_stock_reserved(expired, seller, offers):
    before = stocks(offers)
    offer(seller, expired, message="Sorry, first in line this time.")
    assert OutboxMessage.objects.filter(event="reorder_offered", audience="buyer", order=expired).count() == 1

    new = fetch(reorder_accept(order=expired))

    assert (new.status, new.reorder_of_id, new.priority) == (Status.ACCEPTED, expired.pk, True)
    assert stocks(offers) == [before[0] - 2, before[1] - 1]
    assert sorted((i.offer_id, i.quantity, i.price) for i in new.items.all()) == sorted(
        [(offers[0].pk, 2, Decimal("250.00")), (offers[1].pk, 1, Decimal("499.90"))]
    )
    assert (new.items_total, new.total) == (Decimal("999.90"), Decimal("999.90"))
    assert (new.buyer_name, new.buyer_phone, new.delivery_method) == (
        expired.buyer_name,
        expired.buyer_phone,
        expired.delivery_method,
    )
    accepted = new.history.order_by("-history_id").first()
    assert (accepted.action, accepted.actor_kind, accepted.status) == ("accept", "platform", Status.ACCEPTED)
    assert ReorderOffer.objects.get(original=expired).state == ReorderState.ACCEPTED
    assert fetch(expired).status == Status.CANCELLED  # the old order stays as it was
    assert OutboxMessage.objects.filter(event="reorder_accepted", audience="store", order=new).exists()


@pytest.mark.parametrize(
    ("kind", "value", "words"),
    [
        (DiscountKind.PERCENT, Decimal("12.5"), "Discount on the goods: 12.50 %."),
        (DiscountKind.AMOUNT, Decimal("1250"), "Discount on the goods: ₴1,250.00."),
        (DiscountKind.NONE, Decimal(0), None),
    ],
)
def test_the_buyers_offer_email_states_the_discount_and_until_when(expired, seller, kind, value, words):
    made = offer(seller, expired, kind, value)
    row = OutboxMessage.objects.get(event="reorder_offered", audience="buyer", order=expired, channel="email")
    email = render(row.template, language="en", audience=row.audience, channel=row.channel, facts=row.context)
    text = email["text"]
    if words:
        assert words in text
    else:
        assert "Discount" not in text
    assert "The offer holds until" in text and formats.when(made.expires_at, "day", "en") in text
    assert (words or "The offer holds until") in email["html"]


def test_a_percentage_discount_lowers_every_unit_price(expired, seller):
    offer(seller, expired, DiscountKind.PERCENT, Decimal("10"))
    new = fetch(reorder_accept(order=expired))
    assert sorted(new.items.values_list("price", flat=True)) == [Decimal("225.00"), Decimal("449.91")]
    assert new.total == Decimal("899.91")


def test_an_amount_discount_takes_at_least_the_amount_off(expired, seller):
    offer(seller, expired, DiscountKind.AMOUNT, Decimal("100"))
    new = fetch(reorder_accept(order=expired))
    assert Decimal("899.87") <= new.total <= Decimal("899.90")  # whole kopecks, rounded for the buyer


@pytest.mark.parametrize(
    ("kind", "value"), [(DiscountKind.AMOUNT, Decimal("5000")), (DiscountKind.PERCENT, Decimal("100"))]
)
def test_a_discount_never_takes_the_total_below_zero(expired, seller, kind, value):
    offer(seller, expired, kind, value)
    new = fetch(reorder_accept(order=expired))
    assert new.total == Decimal(0) and all(price == 0 for price in new.items.values_list("price", flat=True))


def test_discounted_never_below_zero_for_any_amount():
    lines = [(Decimal("0.01"), 3), (Decimal("19.99"), 1)]
    for amount in (Decimal("0.01"), Decimal("0.04"), Decimal("20"), Decimal("20.02"), Decimal("1e9")):
        prices = discounted(lines, DiscountKind.AMOUNT, amount)
        total = sum(p * q for p, (_price, q) in zip(prices, lines, strict=True))
        assert all(p >= 0 for p in prices) and 0 <= total <= max(Decimal(0), Decimal("20.02") - amount)


@pytest.mark.parametrize(
    ("kind", "value", "words"),
    [
        (DiscountKind.PERCENT, Decimal("101"), "at most 100"),
        (DiscountKind.AMOUNT, Decimal("-5"), "more than zero"),
        (DiscountKind.PERCENT, Decimal("0"), "more than zero"),
        ("gift", Decimal("5"), "Unknown kind"),
    ],
)
def test_a_bad_discount_is_refused_and_nothing_is_offered(expired, seller, kind, value, words):
    with pytest.raises(RuleViolation, match=words):
        offer(seller, expired, kind, value)
    assert not ReorderOffer.objects.exists()


def test_the_offer_expires_after_the_policy_period(expired, seller, clock, offers):
    PlatformPolicy.objects.filter(pk=1).update(reorder_offer_hours=24)
    calendar.forget()
    made = offer(seller, expired)
    assert made.expires_at == made.offered_at + timedelta(hours=24)
    before = stocks(offers)
    clock.move_to(made.expires_at + timedelta(minutes=1))
    with pytest.raises(RuleViolation, match="expired"):
        reorder_accept(order=expired)
    assert stocks(offers) == before and not Order.objects.filter(reorder_of=expired).exists()


def test_a_second_acceptance_is_refused(expired, seller, offers):
    offer(seller, expired)
    reorder_accept(order=expired)
    after_first = stocks(offers)
    with pytest.raises(RuleViolation, match="already accepted"):
        reorder_accept(order=expired)
    assert Order.objects.filter(reorder_of=expired).count() == 1 and stocks(offers) == after_first


def test_acceptance_is_refused_when_the_stock_is_gone(expired, seller, offers):
    offer(seller, expired)
    Offer.objects.filter(pk=offers[1].pk).update(stock=0)
    count = Order.objects.count()
    with pytest.raises(RuleViolation, match="in stock"):
        reorder_accept(order=expired)
    assert Order.objects.count() == count and stocks(offers)[0] == 10
    assert ReorderOffer.objects.get(original=expired).state == ReorderState.OFFERED  # may accept once restocked


def test_declined_offer_cannot_be_accepted(expired, seller):
    offer(seller, expired)
    reorder_decline(order=expired)
    with pytest.raises(RuleViolation, match="declined"):
        reorder_accept(order=expired)


def test_one_offer_per_order_and_only_after_a_shipping_time_expiry(expired, seller, place_order):
    offer(seller, expired)
    with pytest.raises(RuleViolation, match="one offer per order"):
        offer(seller, expired)
    other = bring(place_order, seller, Status.CANCELLED)
    with pytest.raises(RuleViolation, match="shipping time expired"):
        offer(seller, other)
    with pytest.raises(RuleViolation, match="not offered"):
        reorder_accept(order=other)


def test_another_store_cannot_offer(expired, outsider):
    from marketplace.actors import Actor

    with pytest.raises(NotAllowed):
        offer(Actor.seller(outsider), expired)
    assert not ReorderOffer.objects.exists()


def test_priority_orders_come_first_in_the_cabinet_list(expired, seller, place_order, store, clock):
    older = bring(place_order, seller, Status.ACCEPTED)  # an earlier deadline than the re-order's
    offer(seller, expired)
    clock.shift(timedelta(minutes=30))
    new = reorder_accept(order=expired)
    for tab in ("active", "accepted"):
        rows = list(order_list(store.pk, OrderFilters(tab=tab), now=platform_clock.now())[0:10])
        assert rows[0].pk == new.pk and older.pk in [r.pk for r in rows], tab


def test_the_seller_offers_in_the_cabinet_and_the_buyer_accepts_on_the_public_page(expired, manager, offers):
    client = english_client()
    client.force_login(manager)
    page = client.get(reverse("cabinet:order_detail", args=[expired.pk]))
    assert b'id="reorder"' in page.content
    form = client.get(reverse("cabinet:order_form", args=[expired.pk]), {"form": "reorder"}, HTTP_HX_REQUEST="true")
    assert b'data-form="reorder"' in form.content
    posted = client.post(
        reverse("cabinet:order_reorder", args=[expired.pk]),
        {"reorder-discount_kind": "percent", "reorder-discount": "10", "reorder-message": ""},
    )
    assert posted.status_code == 302, posted.content.decode()[:2000]
    assert ReorderOffer.objects.get(original=expired).discount == Decimal("10.00")

    buyer = english_client()
    public = buyer.get(reverse("orders:public_order", args=[expired.public_token]))
    assert b'id="reorder-accept"' in public.content and b"225" in public.content
    answered = buyer.post(reverse("orders:public_reorder_answer", args=[expired.public_token]), {"answer": "accept"})
    new = Order.objects.get(reorder_of=expired)
    assert answered.status_code == 302 and answered["Location"].endswith(f"/o/{new.public_token}/")
    again = buyer.post(reverse("orders:public_reorder_answer", args=[expired.public_token]), {"answer": "accept"})
    assert again.status_code == 422 and b"already accepted" in again.content
    assert Order.objects.filter(reorder_of=expired).count() == 1

    # The cabinet's list marks the re-order, first in line, and no other order.
    listed = client.get(reverse("cabinet:order_list"), {"tab": "all"}).content.decode()
    rows = re.findall(r'<tr class="[^"]*" data-order="(\d+)">(.*?)</tr>', listed, re.S)
    marked = [int(pk) for pk, cells in rows if "tag-priority" in cells]
    assert marked == [new.pk] and int(rows[0][0]) == new.pk and len(rows) >= 2
