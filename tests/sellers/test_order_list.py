"""The order list: tabs with counts, search, filters, deadline order, pages, fixed queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.calendar import forget, platform
from orders.choices import OPEN_STATUSES, Status
from orders.models import Order
from orders.services import order_cancel, order_confirm, order_open, order_ship
from sellers.cabinet.selectors import ARCHIVE_CAP, PER_PAGE
from tests.conftest import VALID_TTN, ready_delivery
from tests.sellers.bulk import insert_orders

URL = reverse("cabinet:order_list")


def listed(response) -> list[int]:
    return [row.order.pk for row in response.context["rows"]]


def set_deadline(order, delta: timedelta | None):
    """Put the order's acceptable deadline `delta` from now (bypassing services, as a test)."""
    deadline = None if delta is None else timezone.now() + delta
    Order.objects.filter(pk=order.pk).update(
        acceptable_deadline=deadline, excellent_deadline=deadline and deadline - timedelta(hours=2)
    )
    return Order.objects.get(pk=order.pk)


@pytest.fixture(autouse=True)
def fresh_platform_cache():
    forget()
    yield
    forget()


def test_tabs_count_each_status_and_list_the_open_orders_by_default(manager_client, place_order, seller):
    new = place_order()
    accepted = order_open(actor=seller, order=place_order())
    cancelled = order_cancel(actor=seller, order=place_order(), reason="other", comment="test")
    response = manager_client.get(URL)
    assert response.status_code == 200
    counts = {tab.key: count for tab, count, _capped in response.context["tabs"]}
    assert counts["active"] == 2 and counts["new"] == 1 and counts["accepted"] == 1
    assert counts["cancelled"] == 1 and counts["received"] == 0 and counts["all"] == 3
    assert set(listed(response)) == {new.pk, accepted.pk}
    assert listed(manager_client.get(URL, {"tab": "cancelled"})) == [cancelled.pk]
    assert set(listed(manager_client.get(URL, {"tab": "all"}))) == {new.pk, accepted.pk, cancelled.pk}
    assert listed(manager_client.get(URL, {"tab": "accepted"})) == [accepted.pk]
    assert set(listed(manager_client.get(URL, {"tab": "nonsense"}))) == {new.pk, accepted.pk}


def test_only_the_current_stores_orders(manager_client, place_order, outsider_store, outsider_offer):
    mine = place_order()
    theirs = place_order([(outsider_offer, 1)], target_store=outsider_store)
    response = manager_client.get(URL, {"tab": "all"})
    assert listed(response) == [mine.pk]
    assert theirs.pk not in listed(manager_client.get(URL, {"tab": "all", "q": str(theirs.pk)}))


@pytest.mark.parametrize(
    "query", ["{pk}", "#{pk}", "0671112233", "+380 67 111 22 33", "1112233", "Petrenko", "taras", VALID_TTN]
)
def test_search_by_number_phone_name_ttn(manager_client, place_order, seller, query):
    target = place_order(phone="+380671112233")
    Order.objects.filter(pk=target.pk).update(buyer_name="Taras Petrenko", ttn=VALID_TTN)
    other = place_order()
    response = manager_client.get(URL, {"tab": "all", "q": query.format(pk=target.pk)})
    assert listed(response) == [target.pk]
    assert other.pk not in listed(response)


def test_search_without_match_says_so(manager_client, place_order):
    place_order()
    response = manager_client.get(URL, {"q": "nobody-like-this"})
    assert listed(response) == []
    assert "No orders match the search." in response.content.decode()


def test_overdue_first_then_by_deadline_orders_without_deadline_last(manager_client, place_order):
    later = set_deadline(place_order(), timedelta(hours=5))
    overdue = set_deadline(place_order(), timedelta(minutes=-30))
    sooner = set_deadline(place_order(), timedelta(minutes=40))
    none = set_deadline(place_order(), None)
    response = manager_client.get(URL)
    assert listed(response) == [overdue.pk, sooner.pk, later.pk, none.pk]
    states = {row.order.pk: row.state for row in response.context["rows"]}
    assert states[overdue.pk] == "overdue"
    assert states[later.pk] == "excellent"
    assert states[none.pk] is None
    left = {row.order.pk: row.left for row in response.context["rows"]}
    assert left[overdue.pk] < timedelta(0) < left[later.pk]
    html = response.content.decode()
    assert 'class="deadline deadline-overdue"' in html and "overdue by" in html


def test_filters_overdue_due_soon_and_delivery(manager_client, place_order):
    overdue = set_deadline(place_order(), timedelta(minutes=-10))
    soon = set_deadline(place_order(), timedelta(minutes=20))
    later = set_deadline(place_order(delivery_method="courier"), timedelta(days=5))
    assert listed(manager_client.get(URL, {"overdue": "on"})) == [overdue.pk]
    assert listed(manager_client.get(URL, {"due_soon": "on"})) == [soon.pk]
    assert listed(manager_client.get(URL, {"overdue": "on", "due_soon": "on"})) == [overdue.pk, soon.pk]
    assert listed(manager_client.get(URL, {"delivery": "courier"})) == [later.pk]


def test_due_soon_counts_working_time(manager_client, place_order):
    """At night a deadline early next working morning is within one working hour."""
    from marketplace.calendar import platform_calendar

    order = place_order()
    now = timezone.now()
    next_start = platform_calendar().add(now, timedelta(0))  # now, or the next working minute
    Order.objects.filter(pk=order.pk).update(acceptable_deadline=next_start + timedelta(minutes=30))
    assert listed(manager_client.get(URL, {"due_soon": "on"})) == [order.pk]


def test_pages_without_count(manager_client, store, django_assert_max_num_queries):
    insert_orders(store.pk, PER_PAGE + 5, now=timezone.now())
    open_count = Order.objects.filter(store=store, status__in=OPEN_STATUSES).count()
    first = manager_client.get(URL, {"tab": "all"})
    page = first.context["page"]
    assert (page.number, page.has_previous, page.has_next, page.num_pages) == (1, False, True, 2)
    second = manager_client.get(URL, {"tab": "all", "page": 2})
    assert len(second.context["rows"]) == 5 and not second.context["page"].has_next
    assert not set(listed(first)) & set(listed(second))
    narrowed = manager_client.get(URL, {"tab": "all", "q": "Buyer"})
    assert narrowed.context["page"].num_pages is None  # unknown: no COUNT for a search
    assert open_count == first.context["tabs"][0][1]


def test_htmx_search_answers_the_results_only(manager_client, place_order, htmx):
    order = place_order()
    response = manager_client.get(URL, {"q": str(order.pk)}, HTTP_HX_TARGET="order-results", **htmx)
    html = response.content.decode()
    assert f'data-order="{order.pk}"' in html
    assert "<html" not in html and 'class="tabs"' not in html


def test_row_shows_ttn_and_status(manager_client, place_order, seller):
    order = order_open(actor=seller, order=place_order())
    order = ready_delivery(order, seller)
    from orders.services import order_confirm

    order = order_ship(actor=seller, order=order_confirm(actor=seller, order=order), ttn=VALID_TTN)
    html = manager_client.get(URL, {"tab": "in_delivery"}).content.decode()
    assert VALID_TTN in html and "In delivery" in html


def _list_queries(client, django_assert_max_num_queries, bound: int):
    platform()  # warm: a process builds the platform's calendar once per calendar revision
    for params in (
        {},
        {"tab": "all"},
        {"tab": "received", "page": 3},
        {"overdue": "on"},
        {"q": "Buyer 5"},
        {"due_soon": "on", "delivery": "nova_poshta"},
    ):
        with django_assert_max_num_queries(bound):
            response = client.get(URL, params)
        assert response.status_code == 200


# Session, user, memberships, tab counts (one GROUP BY), the page's rows, the platform's
# announcements, and the calendar's revision check (at most once every few seconds).
LIST_QUERY_BOUND = 7


def test_list_queries_fixed_with_ten_orders(manager_client, store, django_assert_max_num_queries):
    insert_orders(store.pk, 10, now=timezone.now(), open_per_mille=600)  # open and archived ones
    _list_queries(manager_client, django_assert_max_num_queries, LIST_QUERY_BOUND)


@pytest.mark.slow
def test_list_queries_fixed_with_100k_orders(manager_client, store, django_assert_max_num_queries):
    insert_orders(store.pk, 100_000, now=timezone.now())
    assert Order.objects.filter(store=store).count() == 100_000
    _list_queries(manager_client, django_assert_max_num_queries, LIST_QUERY_BOUND)
    response = manager_client.get(URL, {"tab": "all"})
    tabs = {tab.key: (n, capped) for tab, n, capped in response.context["tabs"]}
    for status in Status:
        exact = Order.objects.filter(store=store, status=status).count()
        if status in ("received", "cancelled"):  # the archive is counted up to a cap
            assert tabs[status] == (ARCHIVE_CAP, True) and exact > ARCHIVE_CAP
        else:
            assert tabs[status] == (exact, False)
    assert tabs["all"][1] and tabs["active"] == (sum(tabs[s][0] for s in OPEN_STATUSES), False)
    assert len(response.context["rows"]) == PER_PAGE
    assert f"{ARCHIVE_CAP}+" in response.content.decode()


def test_archive_tabs_are_counted_up_to_a_cap(manager_client, store, monkeypatch):
    from sellers.cabinet import selectors

    monkeypatch.setattr(selectors, "ARCHIVE_CAP", 5)
    insert_orders(store.pk, 100, now=timezone.now())
    exact = {s: Order.objects.filter(store=store, status=s).count() for s in Status}
    assert exact["received"] > 5 and exact["cancelled"] > 5
    response = manager_client.get(URL, {"tab": "received"})
    tabs = {tab.key: (n, capped) for tab, n, capped in response.context["tabs"]}
    open_total = sum(exact[s] for s in OPEN_STATUSES)
    assert tabs["received"] == (5, True) and tabs["cancelled"] == (5, True) and tabs["active"] == (open_total, False)
    assert tabs["all"] == (open_total + 10, True)
    assert response.context["page"].num_pages is None and response.context["page"].has_next
    assert "5+</span>" in response.content.decode()


def test_pages_without_a_count_stop_at_a_depth(manager_client, store, monkeypatch):
    from sellers.cabinet import selectors

    monkeypatch.setattr(selectors, "MAX_PAGE", 2)
    insert_orders(store.pk, 3 * PER_PAGE, now=timezone.now())
    response = manager_client.get(URL, {"tab": "all", "q": "Buyer", "page": 99})
    page = response.context["page"]
    assert (page.number, page.has_next, page.num_pages) == (2, False, None)
    assert manager_client.get(URL, {"tab": "all", "page": "x"}).context["page"].number == 1


def test_a_search_that_cannot_be_read_says_why_and_finds_nothing(manager_client, place_order):
    place_order()
    for q in ("a\x00b", "x" * 101):
        page = manager_client.get(reverse("cabinet:order_list"), {"q": q})
        assert page.status_code == 200
        assert list(page.context["rows"]) == []
        assert any(str(m).startswith("Search:") for m in page.context["messages"])
    assert len(manager_client.get(reverse("cabinet:order_list"), {"q": "Iryna"}).context["rows"]) == 1


def test_the_all_tab_lists_open_orders_before_the_archive(manager_client, place_order, seller, store):
    from sellers.cabinet.selectors import OrderFilters, order_list

    cancelled = order_cancel(actor=seller, order=place_order(), reason="other", comment="test")
    shipped = order_ship(  # open, and without a deadline while in delivery
        actor=seller,
        order=order_confirm(actor=seller, order=ready_delivery(order_open(actor=seller, order=place_order()), seller)),
        ttn=VALID_TTN,
    )
    assert shipped.acceptable_deadline is None
    newest_cancelled = order_cancel(actor=seller, order=place_order(), reason="other", comment="test")
    new = place_order()
    rows = list(order_list(store.pk, OrderFilters(tab="all"), now=timezone.now()))
    assert [o.pk for o in rows] == [new.pk, shipped.pk, newest_cancelled.pk, cancelled.pk]
    assert listed(manager_client.get(URL, {"tab": "all"})) == [new.pk, shipped.pk, newest_cancelled.pk, cancelled.pk]
