"""marketplace.db: `field__any=values` (AnyOf), the same rows as `__in`, read on PostgreSQL with the
values as one array parameter whatever their number; `c_timestamps()`, psycopg's C loader."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order

pytestmark = pytest.mark.django_db


def test_the_same_rows_as_in_with_one_parameter(place_order):
    orders = [place_order() for _ in range(3)]
    wanted = [orders[0].pk, orders[2].pk, 10**9, None]
    with CaptureQueriesContext(connection) as queries:
        found = sorted(Order.objects.filter(pk__any=wanted).values_list("pk", flat=True))
    assert found == sorted(Order.objects.filter(pk__in=wanted).values_list("pk", flat=True)) == sorted(wanted[:2])
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert connection.vendor == "postgresql" and '"orders_order"."id" = ANY(' in sql and " IN (" not in sql


def test_a_foreign_key_by_its_ids(place_order):
    order = place_order()
    items = order.items.model.objects.filter(order_id__any=[order.pk])
    assert list(items) == list(order.items.all()) and items.exists()


def test_strings_and_updates(place_order):
    order = place_order()
    assert Order.objects.filter(public_token__any=[order.public_token, "nope"]).update(priority=True) == 1
    assert Order.objects.get(pk=order.pk).priority is True


def test_nothing_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(Order.objects.filter(pk__any=[])) == []


def test_a_subquery_stays_in(place_order):
    order = place_order()
    assert list(Order.objects.filter(pk__any=Order.objects.filter(pk=order.pk).values("pk"))) == [order]


def test_c_timestamps_read_the_same_aware_datetimes_with_psycopgs_c_loader(place_order):
    from psycopg.pq import Format

    from marketplace.db import c_timestamps

    order = place_order()
    loaders = []

    def seen(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        loader = context["cursor"].cursor.adapters.get_loader(1184, Format.TEXT)  # timestamptz
        loaders.append(f"{loader.__module__}.{loader.__qualname__}")
        return result

    with connection.execute_wrapper(seen):
        plain = Order.objects.get(pk=order.pk)
        with c_timestamps():
            fast = Order.objects.get(pk=order.pk)
    stamps = ("created_at", "status_changed_at", "acceptable_deadline", "excellent_deadline", "next_check_at")
    assert [getattr(fast, f) for f in stamps] == [getattr(plain, f) for f in stamps]
    assert all(getattr(fast, f).tzinfo == getattr(plain, f).tzinfo for f in stamps if getattr(plain, f))
    assert "django" in loaders[0] and loaders[1].startswith("psycopg_"), loaders  # psycopg_binary or psycopg_c
