"""The moderators' store view (issue 15 item 4, docs/rules.md §10): each store with its rating,
standing, overdue orders, hidden offers and fees, in a fixed number of queries; sorted by rating,
filtered by standing / suspended / offers hidden; suspend and unsuspend with a reason through the
services. And the fee statement's page read as plain rows (the statement's speed)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace import clock as mclock
from marketplace.actors import Actor
from marketplace.errors import NotAllowed, RuleViolation
from notifications.models import OutboxMessage
from orders.choices import BEFORE_SHIPMENT
from orders.models import Order
from orders.performance import overdue_counts
from sellers.admin import STORES_OWN_WORK
from sellers.catalog import listed_offers
from sellers.fees import Month, statement_page, statement_rows, why
from sellers.models import FeeCharge, Offer, Store
from sellers.performance import definitions, rating
from sellers.performance.models import Standing, StoreDay, StoreStanding
from sellers.services import store_suspend, store_unsuspend
from tests.conftest import make_store, make_user
from tests.sellers.conftest import english_client

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sellers_store_changelist")


@pytest.fixture
def moderator_client(moderator):
    client = english_client()
    client.force_login(moderator)
    return client


def day(store, days_back=0, **counters):
    StoreDay.objects.update_or_create(
        store=store, day=mclock.today() - timedelta(days=days_back), defaults={"orders": 40, **counters}
    )


def rows(page) -> dict[str, list[str]]:
    """The changelist's rows by store name: the cells' text."""
    found: dict[str, list[str]] = {}
    if "<tbody>" not in page.text:
        return found  # nothing matched
    body = page.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", " ", c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        cells = [" ".join(c.split()) for c in cells]
        if len(cells) > 3:
            found[cells[1]] = cells[1:]
    return found


def column(page, name: str, index: int) -> str:
    return rows(page)[name][index]


def test_the_rating_is_the_performance_pages_rating_hand_computed(moderator_client, store, outsider_store):
    # 30 days: seller fault 4 of 80 orders = 5 % (limit 20 %: 25 × 0.75 = 18.75 of 25);
    # late shipments 6 of 60 = 10 % (limit 24 %: 20 × (1 − 10/24) = 11.67 of 20); the rest nothing to count.
    day(store, 0, seller_fault=1, shipped=30, shipped_late=6)
    day(store, 20, seller_fault=3, shipped=30)
    day(store, 40, seller_fault=40)  # outside the 30 days
    expected = round(Decimal("18.75") + Decimal("11.67") + 55)  # 85.42 → 85
    sums = definitions.window(store.pk, today=mclock.today(), days=30)
    assert rating.rating(definitions.values(sums)) == expected == 85
    page = moderator_client.get(CHANGELIST)
    assert page.status_code == 200
    assert column(page, store.name, 1) == "85"
    assert column(page, outsider_store.name, 1) == "100"  # no days: nothing against it


def test_standing_overdue_and_hidden_offers(moderator_client, moderator, store, outsider_store, place_order, offers):
    StoreStanding.objects.create(store=store, level=Standing.WARNING, reason="Late shipment rate is 12 %.")
    late, on_time, shipped = place_order(), place_order(), place_order()
    past = mclock.now() - timedelta(hours=1)
    Order.objects.filter(pk=late.pk).update(acceptable_deadline=past)
    Order.objects.filter(pk=shipped.pk).update(acceptable_deadline=past, status="in_delivery")  # not the store's work
    Offer.objects.filter(pk=offers[0].pk).update(paused=True)
    Offer.objects.create(store=outsider_store, title="More", sku="O-2", price=Decimal("5.00"), stock=3)
    from sellers.performance.standing import store_restrict

    store_restrict(actor=Actor.moderator(moderator), store=outsider_store, reason="Counterfeit goods reported")

    page = moderator_client.get(CHANGELIST)
    mine, theirs = rows(page)[store.name], rows(page)[outsider_store.name]
    assert mine[2].startswith("Warning") and "Late shipment rate is 12 %." in mine[2]
    assert theirs[2].startswith("Restricted: offers hidden by a moderator") and "Counterfeit" in theirs[2]
    assert (mine[3], theirs[3]) == ("1", "0")
    assert overdue_counts([store.pk, outsider_store.pk]) == {store.pk: 1}  # the orders layer's count agrees
    assert (mine[4], theirs[4]) == ("1", str(outsider_store.offers.count()))  # paused; all while hidden
    assert on_time.pk  # an open order before its deadline is not overdue


def test_the_change_page_shows_the_same(moderator_client, store, place_order):
    day(store, seller_fault=8)  # 20 % seller fault: 75
    StoreStanding.objects.create(store=store, level=Standing.WARNING, reason="Seller-fault rate 20 %.")
    Order.objects.filter(pk=place_order().pk).update(acceptable_deadline=mclock.now() - timedelta(hours=2))
    page = moderator_client.get(reverse("admin:sellers_store_change", args=[store.pk]))
    assert page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "Rating: 75" in text and "Seller-fault rate 20 %." in text and "Overdue orders: 1" in text


def test_the_stores_own_work_is_the_orders_layers():
    assert set(STORES_OWN_WORK) == {str(s) for s in BEFORE_SHIPMENT}


def test_the_list_costs_the_same_queries_for_two_stores_or_ten(moderator_client, store, outsider_store, place_order):
    def cost():
        with CaptureQueriesContext(connection) as queries:
            assert moderator_client.get(CHANGELIST).status_code == 200
        return len(queries)

    day(store, seller_fault=2)
    few = cost()
    for i in range(8):
        other = make_store(f"Extra {i}", owner=make_user(f"extra-{i}"))
        day(other, shipped=10, shipped_late=i)
        StoreStanding.objects.create(store=other, level=Standing.WARNING, reason=f"reason {i}")
        Offer.objects.create(store=other, title="X", sku=f"X-{i}", price=Decimal("1.00"), stock=1, paused=i % 2 == 0)
    order = place_order()
    Order.objects.filter(pk=order.pk).update(acceptable_deadline=mclock.now() - timedelta(minutes=5))
    page = moderator_client.get(CHANGELIST)
    assert len(rows(page)) == 10
    assert cost() == few


def test_sorted_by_rating_and_filtered(moderator_client, store, outsider_store):
    third = make_store("Third", owner=make_user("third"))
    day(store, seller_fault=8)  # 20 %: the seller-fault part scores 0 → 75
    day(outsider_store, seller_fault=2)  # 5 % → 94
    Store.objects.filter(pk=third.pk).update(is_suspended=True)
    StoreStanding.objects.create(store=store, level=Standing.RESTRICTED, reason="x")
    StoreStanding.objects.create(store=outsider_store, level=Standing.WARNING, reason="y")
    position = 2  # list_display's second column: the rating
    ascending = list(rows(moderator_client.get(CHANGELIST, {"o": str(position)})))
    assert ascending == [store.name, outsider_store.name, third.name]
    assert [r[1] for r in rows(moderator_client.get(CHANGELIST, {"o": str(position)})).values()] == ["75", "94", "100"]
    descending = list(rows(moderator_client.get(CHANGELIST, {"o": f"-{position}"})))
    assert descending == [third.name, outsider_store.name, store.name]

    def names(**query):
        return set(rows(moderator_client.get(CHANGELIST, query)))

    assert names(standing="restricted") == {store.name}
    assert names(standing="warning") == {outsider_store.name}
    assert names(standing="good") == {third.name}  # never evaluated: good
    assert names(is_suspended__exact="1") == {third.name}
    assert names(offers_hidden__exact="1") == set()


def test_a_moderator_suspends_and_unsuspends_with_a_reason(moderator_client, moderator, store, offers, outsider_store):
    data = {"action": "suspend", "_selected_action": [store.pk], "reason": "Fraud reported by buyers"}
    page = moderator_client.post(CHANGELIST, data, follow=True)
    assert f"{store}: suspended" in page.text
    saved = Store.objects.get(pk=store.pk)
    assert saved.is_suspended and not Store.objects.get(pk=outsider_store.pk).is_suspended
    row = saved.history.latest("history_date")
    assert (row.action, row.actor_kind, row.history_user, row.history_change_reason) == (
        "suspend",
        "moderator",
        moderator,
        "Fraud reported by buyers",
    )
    told = OutboxMessage.objects.filter(event="store_suspended", audience="owner").get()
    assert told.context["params"]["reason"] == "Fraud reported by buyers"
    assert not listed_offers().filter(store=store).exists()  # the storefront hides the store

    page = moderator_client.post(
        CHANGELIST, {**data, "action": "unsuspend", "reason": "Checked: no fraud"}, follow=True
    )
    assert f"{store}: suspension lifted" in page.text
    saved = Store.objects.get(pk=store.pk)
    assert not saved.is_suspended
    assert saved.history.latest("history_date").history_change_reason == "Checked: no fraud"
    assert OutboxMessage.objects.filter(event="store_unsuspended", audience="owner").count() == 1
    assert listed_offers().filter(store=store).exists()


def test_suspension_refusals_change_nothing(moderator_client, moderator, owner, store):
    page = moderator_client.post(
        CHANGELIST, {"action": "suspend", "_selected_action": [store.pk], "reason": "  "}, follow=True
    )
    assert "Give the reason" in page.text and not Store.objects.get(pk=store.pk).is_suspended
    with pytest.raises(NotAllowed):
        store_suspend(actor=Actor.seller(owner), store=store, reason="mine")
    with pytest.raises(RuleViolation):
        store_unsuspend(actor=Actor.moderator(moderator), store=store, reason="not suspended")
    store_suspend(actor=Actor.moderator(moderator), store=store, reason="Fraud")
    with pytest.raises(RuleViolation):
        store_suspend(actor=Actor.moderator(moderator), store=store, reason="again")
    assert [h.action for h in Store.objects.get(pk=store.pk).history.all()].count("suspend") == 1
    assert OutboxMessage.objects.filter(event="store_suspended").count() == 1


# --- the statement's page as plain rows (issue 15 item 7, its speed) ---------------------------


@pytest.fixture
def ledger(store, place_order):
    made = []
    for i in range(5):
        order = place_order()
        made.append(
            FeeCharge.objects.create(
                store=store, order=order, kind="received", base=Decimal("100.00"), percent=5, amount=Decimal("5.00")
            )
        )
        if i == 2:
            Order.objects.filter(pk=order.pk).update(status="cancelled", cancel_reason="processing_time_expired")
    FeeCharge.objects.create(
        store=store,
        order=made[0].order,
        kind="reversal",
        base=Decimal("100.00"),
        percent=5,
        amount=Decimal("-5.00"),
        reverses=made[0],
        reason="Returned",
    )
    FeeCharge.objects.filter(pk=made[2].pk).update(kind="expired")
    return made


def test_the_statement_page_is_the_ledgers_rows_with_why(store, ledger):
    month = Month.current()
    page = statement_page(store.pk, month, offset=0, limit=100)
    models = list(statement_rows(store.pk, month))
    assert [r["id"] for r in page] == [m.pk for m in models]
    assert [r["why"] for r in page] == [why(m) for m in models]
    assert [r["kind_label"] for r in page] == [m.get_kind_display() for m in models]
    assert [r["amount"] for r in page] == [m.amount for m in models]
    assert [r["id"] for r in statement_page(store.pk, month, offset=2, limit=3)] == [m.pk for m in models[2:5]]


def test_the_statement_page_reads_two_queries_however_many_rows(manager_client, store, ledger):
    def cost():
        with CaptureQueriesContext(connection) as queries:
            page = manager_client.get(reverse("cabinet:statement"))
        assert page.status_code == 200
        ledger_queries = [q["sql"] for q in queries.captured_queries if '"sellers_feecharge"' in q["sql"]]
        return len(queries), len(ledger_queries), page.text.count('<tr data-kind="')

    few, few_ledger, shown = cost()
    assert (few_ledger, shown) == (2, 6)  # the totals and the page
    more = FeeCharge.objects.bulk_create(
        FeeCharge(
            store=store,
            order=o.order,
            kind="reversal",
            base=o.base,
            percent=5,
            amount=-o.amount,
            reverses=o,
            reason="r",
        )
        for o in ledger[1:5]
    )
    assert len(more) == 4
    total, total_ledger, shown = cost()
    assert (total, total_ledger, shown) == (few, 2, 10)
