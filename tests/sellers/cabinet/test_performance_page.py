"""The cabinet's performance page (docs/rules.md §10, issue 15 item 2): each metric over 7 and 30 days
with its numerator and denominator, a server-drawn chart with the platform's median and the threshold
levels, the rating and what moves it, the standing, the late-shipment causes, every number linked to
the orders behind it (the order list's `metric` filter), at a fixed number of queries."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from marketplace import clock as mclock
from orders.choices import CancelReason, LateCause, Status
from orders.models import Order
from orders.services import order_cancel_by_buyer, order_cancel_by_platform, order_expire
from sellers.cabinet.selectors import OrderFilters, metric_filter, order_list
from sellers.cabinet.views.performance import rolling
from sellers.performance import definitions, rating
from sellers.performance.models import Standing, StoreDay, StoreStanding
from tests.orders.support import bring

pytestmark = pytest.mark.django_db


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</article>", start)] if "metric-" in element_id else html[start : start + 4000]


def number(text: str) -> str:
    return text.replace(",", ".")


def test_each_metric_over_7_and_30_days_with_its_numerator_and_denominator(owner_client, store, outsider_store):
    today = mclock.today()
    StoreDay.objects.create(store=store, day=today, orders=4, seller_fault=1, expired=1)
    StoreDay.objects.create(store=store, day=today - timedelta(days=10), orders=6, seller_fault=2)
    StoreDay.objects.create(store=store, day=today - timedelta(days=40), orders=50, seller_fault=50)  # outside both
    StoreDay.objects.create(store=outsider_store, day=today, orders=10, seller_fault=0)
    html = number(owner_client.get(reverse("cabinet:performance")).text)
    fault = section(html, "metric-seller_fault_rate")
    # 7 days: 1 of 4; 30 days: 3 of 10
    assert re.search(r'data-days="7"[^>]*>25\.00 %</a>\s*<small[^>]*>1 / 4<', fault), fault
    assert re.search(r'data-days="30"[^>]*>30\.00 %</a>\s*<small[^>]*>3 / 10<', fault), fault
    # the chart is inline SVG with the median (of this store's 30 % and the other's 0 %: 15 %) and both levels
    assert '<svg class="chart"' in fault and "level-median" in fault
    assert "level-warning" in fault and "level-restriction" in fault
    assert "15.00 %" in fault
    expiries = section(html, "metric-expiries")
    assert re.search(r'data-days="7"[^>]*>1</a>', expiries) and re.search(r'data-days="30"[^>]*>1</a>', expiries)
    # past the seller-fault levels (2.5 % / 10 %) but under the 20 orders a threshold needs: not flagged
    assert "past-restriction" not in fault
    # nothing to count: a dash, not 0 %
    assert re.search(r'data-days="30"[^>]*>—</a>', section(html, "metric-valid_tracking_rate"))


def test_a_metric_past_its_restriction_level_is_flagged(owner_client, store):
    StoreDay.objects.create(store=store, day=mclock.today(), orders=20, seller_fault=4)  # 20 % > 10 %
    html = owner_client.get(reverse("cabinet:performance")).text
    assert 'class="card metric past-restriction" id="metric-seller_fault_rate"' in html


def test_the_rating_what_moves_it_and_the_standing(owner_client, store):
    StoreDay.objects.create(store=store, day=mclock.today(), orders=10, seller_fault=1, shipped=10, shipped_late=3)
    StoreStanding.objects.create(store=store, level=Standing.WARNING, reason="Late shipment rate is 30 %.")
    html = owner_client.get(reverse("cabinet:performance")).text
    values = definitions.values(definitions.window(store.pk, today=mclock.today(), days=30))
    assert f'<strong id="rating-value">{rating.rating(values)}</strong>' in html
    assert rating.rating(values) < 100
    moves = html[html.index('id="rating-moves"') :]
    # the costliest first: late shipments (30 % of a 24 % limit: all 20 points) before seller faults
    assert moves.index('data-metric="late_shipment_rate"') < moves.index('data-metric="seller_fault_rate"')
    assert 'data-level="warning"' in html and "Late shipment rate is 30 %." in html


def test_late_causes_of_the_last_30_days_are_counted(owner_client, store, place_order, seller):
    expired = order_expire(order=bring(place_order, seller, Status.AWAITING_SHIPMENT))
    uncaused = order_expire(order=bring(place_order, seller, Status.AWAITING_SHIPMENT))
    Order.objects.filter(pk=expired.pk).update(late_cause=LateCause.LOGISTICS)
    html = owner_client.get(reverse("cabinet:performance")).text
    causes = html[html.index('id="late-causes"') :]
    assert 'data-cause="logistics">1<' in causes and 'data-cause="stock">0<' in causes
    assert 'data-cause="">1<' in causes
    assert uncaused.cancel_reason == CancelReason.SHIPPING_TIME_EXPIRED


def orders_behind(store, url: str) -> set[int]:
    """The order list's rows for a link of the page (the filter as the list reads it)."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    filters = OrderFilters(tab=query.get("tab", "all"), **metric_filter(query))
    return {order.pk for order in order_list(store.pk, filters, now=mclock.now())[0:100]}


def link(html: str, metric: str, days: int) -> str:
    match = re.search(rf'class="metric-number" data-days="{days}" href="([^"]+)"', section(html, f"metric-{metric}"))
    return match.group(1).replace("&amp;", "&")


def test_every_number_links_to_the_orders_behind_it(owner_client, store, place_order, seller, clock):
    received = bring(place_order, seller, Status.RECEIVED)
    expired = order_cancel_by_platform(order=place_order(), reason=CancelReason.PROCESSING_TIME_EXPIRED)
    by_buyer = order_cancel_by_buyer(order=place_order())
    faulty = bring(place_order, seller, Status.CANCELLED)  # `other`: against the seller
    bring(place_order, seller, Status.CONFIRMED)  # open: behind no number
    old = bring(place_order, seller, Status.CANCELLED)
    Order.objects.filter(pk=old.pk).update(status_changed_at=mclock.now() - timedelta(days=10))
    html = owner_client.get(reverse("cabinet:performance")).text
    assert urlsplit(link(html, "expiries", 30)).path == reverse("cabinet:order_list")
    assert orders_behind(store, link(html, "expiries", 30)) == {expired.pk}
    assert orders_behind(store, link(html, "buyer_cancellation_rate", 7)) == {by_buyer.pk}
    assert orders_behind(store, link(html, "seller_fault_rate", 30)) == {expired.pk, faulty.pk, old.pk}
    assert orders_behind(store, link(html, "seller_fault_rate", 7)) == {expired.pk, faulty.pk}  # the window
    assert orders_behind(store, link(html, "orders", 7)) == {received.pk, expired.pk, by_buyer.pk, faulty.pk}
    assert orders_behind(store, link(html, "on_time_delivery_rate", 30)) == set()  # delivered on time


def test_a_late_shipment_and_a_missed_excellent_time_are_behind_their_numbers(store, place_order, seller, clock):
    order = place_order(delivery_method="nova_poshta")
    clock.move_to(mclock.now() + timedelta(days=3))  # past the excellent and acceptable times of `new`
    late = bring(place_order, seller, Status.RECEIVED)
    Order.objects.filter(pk=late.pk).update(ship_by=mclock.today() - timedelta(days=2))
    from orders.services import order_open

    opened = order_open(actor=seller, order=order)
    order_cancel_by_buyer(order=opened)
    today = mclock.today()

    def behind(metric):
        filters = OrderFilters(tab="all", metric=metric, days=30)
        return {o.pk for o in order_list(store.pk, filters, now=mclock.now())[0:100]}

    assert behind("late_shipment_rate") == {late.pk}
    assert behind("new_excellent_rate") == {order.pk}
    assert order.pk not in behind("accepted_excellent_rate")
    assert StoreDay.objects.get(store=store, day=today).new_left >= 1


def test_the_metric_filter_reads_only_known_metrics_and_windows():
    assert metric_filter({"metric": "expiries", "days": "7"}) == {"metric": "expiries", "days": 7}
    assert metric_filter({"metric": "expiries", "days": "9999"}) == {"metric": "expiries", "days": 30}
    assert metric_filter({"metric": "x' OR 1=1", "days": "7"}) == {}
    assert metric_filter({"metric": ["expiries"]}) == {}
    assert OrderFilters(metric="expiries").narrowed


def test_a_chart_point_is_the_7_days_ending_that_day(store):
    today = mclock.today()
    days = [
        StoreDay(store=store, day=today - timedelta(days=8), orders=1, seller_fault=1),
        StoreDay(store=store, day=today, orders=3),
    ]
    series = rolling(days, today=today)
    assert len(series) == 90
    assert series[-1]["orders"] == 3 and series[-1]["seller_fault"] == 0  # the 8-days-old day has left
    # the day 8 days ago is in the windows ending on it and the 6 days after it (series[-9] … series[-3])
    assert series[-9]["orders"] == 1 and series[-3]["orders"] == 1
    assert series[-2].get("orders", 0) == 0 and series[-10].get("orders", 0) == 0


def test_the_page_costs_the_same_queries_at_any_size(
    owner_client, store, place_order, seller, django_assert_num_queries
):
    def cost() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(reverse("cabinet:performance")).status_code == 200
        return len(queries)

    empty = cost()
    today = mclock.today()
    StoreDay.objects.bulk_create(
        [StoreDay(store=store, day=today - timedelta(days=n), orders=5, shipped=3, shipped_late=1) for n in range(120)]
    )
    StoreStanding.objects.create(store=store, level=Standing.WARNING, reason="x")
    for _ in range(3):
        order_expire(order=bring(place_order, seller, Status.AWAITING_SHIPMENT))
    with django_assert_num_queries(empty):
        owner_client.get(reverse("cabinet:performance"))
    # session, user, memberships, announcements, then windows, days, medians, thresholds, standing, late causes
    assert empty <= 10, empty


def test_only_members_see_it(client, outsider_client, store):
    StoreDay.objects.create(store=store, day=mclock.today(), orders=7, seller_fault=7)
    assert client.get(reverse("cabinet:performance")).status_code == 302  # sign in first
    html = outsider_client.get(reverse("cabinet:performance")).text
    assert "7 / 7" not in html  # the outsider's own store: nothing of this one
