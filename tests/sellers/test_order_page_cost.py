"""The order page's cost (issue 16): a view of an order opened before reads it once, writes
nothing (no session save, no order row read twice) and keeps to a fixed number of queries;
opening a new order still accepts it, and another store's order still switches the store."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.choices import Status
from orders.models import Order
from orders.services import order_open
from sellers.cabinet.views.base import SESSION_STORE
from sellers.models import StoreMember
from tests.conftest import make_store

# Session, user, memberships, announcements; the order, its items, the buyer's history; the
# timeline's three (order and item history, comments and calls in one UNION); whether the order
# has requests or disputes (the request panel reads them only then, docs/rules.md §6). An order
# never split reads no split children, one without a tracking number no tracking events. What an
# accepted order's page needs, at any store size.
ORDER_PAGE_QUERIES = 11


def url(order) -> str:
    return reverse("cabinet:order_detail", args=[order.pk])


@pytest.fixture
def accepted(place_order, seller):
    return order_open(actor=seller, order=place_order())


def sql_of(client, path) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_a_second_view_writes_nothing_and_reads_the_order_once(manager_client, accepted):
    from marketplace.calendar import platform

    platform()
    sql_of(manager_client, url(accepted))  # the first view may remember the store in the session
    sql = sql_of(manager_client, url(accepted))
    assert not [s for s in sql if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))], sql
    order_reads = [s for s in sql if re.search(r'FROM "orders_order" .*WHERE \(?"orders_order"\."id" = \d', s)]
    assert len(order_reads) == 1, order_reads
    assert len(sql) <= ORDER_PAGE_QUERIES, sql
    assert manager_client.session[SESSION_STORE] == accepted.store_id


def test_opening_a_new_order_still_accepts_it(manager_client, place_order):
    order = place_order()
    response = manager_client.get(url(order))
    assert response.context["accepted_now"] is True
    assert Order.objects.get(pk=order.pk).status == Status.ACCEPTED
    response = manager_client.get(url(order))
    assert response.context["accepted_now"] is False


def test_an_order_of_the_members_other_store_switches_the_store(manager_client, manager, owner, accepted, offers):
    other = make_store("Beta Shop", owner=owner)
    StoreMember.objects.create(store=other, user=manager, role=StoreMember.Role.MANAGER)
    session = manager_client.session
    session[SESSION_STORE] = other.pk
    session.save()
    response = manager_client.get(url(accepted))
    assert response.status_code == 200
    assert response.wsgi_request.cabinet.store.pk == accepted.store_id
    assert manager_client.session[SESSION_STORE] == accepted.store_id
