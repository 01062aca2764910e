"""Many orders fast: one INSERT … SELECT over generate_series on PostgreSQL (100,000 rows in
about a second). Used by the list's query-count test and by bench/cabinet.py.

Every concrete column of Order is filled: the ones below by an SQL expression of the row
number `g`, the others with the default of a template Order (so new columns with defaults
need no change here). No history rows and no items are written (bulk paths write none).
"""

from __future__ import annotations

import re

from django.db import connection

from orders.models import Order


# SQL below runs with parameters: `%%` is a literal %, {now} and {store} become parameters.
# `r` spreads the row numbers over 0..999 (a multiplicative hash), so any run of rows has the
# mix: r < open_per_mille → an open order, else a received (3/4) or cancelled (1/4) one.
def _expressions(open_per_mille: int) -> dict[str, str]:
    k = int(open_per_mille)
    r = "((g::bigint * 7919) %% 1000)"
    is_open = f"({r} < {k})"
    status = f"""CASE WHEN {is_open} THEN
            (ARRAY['new','new','accepted','accepted','confirmed','awaiting_shipment','in_delivery',
                   'awaiting_pickup'])[1 + g %% 8]
        WHEN {r} %% 4 < 3 THEN 'received' ELSE 'cancelled' END"""
    cancelled = f"(NOT {is_open} AND {r} %% 4 = 3)"
    received = f"(NOT {is_open} AND {r} %% 4 < 3)"
    in_delivery = f"({is_open} AND g %% 8 = 6)"  # the status machine's ARRAY index 7
    with_deadline = f"({is_open} AND g %% 8 <> 6)"
    deadline = "({now}::timestamptz + ((g::bigint * 7919) %% 1440 - 240) * interval '1 minute')"
    return {
        "status": status,
        "created_at": "{now}::timestamptz - g * interval '1 minute'",
        "status_changed_at": "{now}::timestamptz - g * interval '1 minute'",
        "public_token": "md5({store}::text || '-' || g::text || '-' || random()::text)",
        "buyer_name": "'Buyer ' || g::text",
        "buyer_phone": "'+38050' || lpad((g %% 10000000)::text, 7, '0')",
        "delivery_method": "CASE WHEN g %% 8 = 7 THEN 'pickup' WHEN g %% 5 = 0 THEN 'courier' ELSE 'nova_poshta' END",
        "delivery_branch": "'Branch ' || (g %% 300)::text",
        "ttn": f"""CASE WHEN ({received} OR {in_delivery}) AND g %% 8 <> 7 AND g %% 5 <> 0
            THEN '2045' || lpad(g::text, 10, '0') ELSE '' END""",
        "items_total": "100 + (g %% 50) * 10",
        "total": "170 + (g %% 50) * 10",
        "delivery_cost": "70",
        "cancel_reason": f"""CASE WHEN {cancelled} THEN
            (ARRAY['out_of_stock','buyer_unreachable','buyer_cancelled','processing_time_expired'])[1 + g %% 4]
            ELSE '' END""",
        "cancelled_by": f"CASE WHEN {cancelled} THEN 'seller' ELSE '' END",
        "acceptable_deadline": f"CASE WHEN {with_deadline} THEN {deadline} END",
        "excellent_deadline": f"CASE WHEN {with_deadline} THEN {deadline} - interval '2 hours' END",
    }


_TOKEN = re.compile(r"\{(now|store)\}")


def insert_orders(store_id: int, count: int, *, now, start: int = 1, open_per_mille: int = 200) -> None:
    """Insert `count` orders of the store (row numbers start..start+count-1), `open_per_mille`
    of every thousand still open (default 20 %: a stress mix; a working store has ~1-2 %)."""
    expressions = _expressions(open_per_mille)
    template = Order(store_id=store_id, buyer_name="Bulk", buyer_phone="+380501234567")
    columns, values, params = [], [], []
    for field in Order._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in expressions:
            sql = expressions[field.name]
            params.extend(now if name == "now" else store_id for name in _TOKEN.findall(sql))
            values.append(_TOKEN.sub("%s", sql))
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.value_from_object(template), connection))
    sql = (
        f"INSERT INTO {Order._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series(%s::int, %s::int) AS g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, start, start + count - 1])
