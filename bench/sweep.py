"""Benchmark of the deadline sweep on PostgreSQL.

    .venv/bin/python bench/sweep.py [--small] [--profile]

Starts a throwaway PostgreSQL, loads orders with `seed_demo --orders` (≈10% open), gives the
open orders future deadlines, and measures:
- idle_sweep_ms_100k / idle_sweep_ms_1m: median time of 200 sweeps with nothing due on each table
  size, measured in 10 interleaved rounds of 20 (the smaller database is copied before the bigger
  load), so both come from the same minutes and load; the idle pass is checked to be one query;
- due_per_s: 10,000 due orders expired by the sweep (history, stock, fee and outbox rows);
- raw_sql_per_s: the floor, measured in the same run on another 10,000 due orders: the same
  expiry by set-based SQL alone, batch by batch (claim and cancel the batch in one UPDATE …
  FOR UPDATE SKIP LOCKED; history, fee, stock, offer-history and outbox rows by INSERT … SELECT
  or UPDATE … FROM; no Python per row) — in the bench only. The floor and the sweep run in 4
  interleaved rounds of 2,500 due orders each (which goes first alternates), each rate the total
  over its rounds, so a burst of load elsewhere falls on both;
- sweep_to_raw = due_per_s / raw_sql_per_s (target ≥ 0.5) and idle_1m_to_100k (target ≤ 1.2),
  ratios that do not move with the machine's speed as the absolute figures do.
The last line is one JSON object with those keys. --small loads 10k and 100k orders instead of
100k and 1M (the issue's sizes, the default); --profile prints the due sweep's cProfile (and with
PROFILE_DUMP=path writes its stats there, for pstats).
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    from tests.servers import start_postgres

    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or start_postgres()
    # Production settings: with DEBUG Django keeps and formats every query it runs.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    import logging

    import django

    django.setup()
    logging.getLogger().setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def give_open_orders_future_deadlines() -> int:
    from django.db import connection

    from orders.choices import OPEN_STATUSES

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE orders_order SET status_changed_at = now(), "
            "acceptable_deadline = now() + interval '1 hour' + random() * interval '5 days', "
            "next_check_at = now() + interval '1 hour' + random() * interval '5 days', reminders_sent = 0 "
            "WHERE status = ANY(%s)",
            [list(OPEN_STATUSES)],
        )
        count = cur.rowcount
        cur.execute("ANALYZE orders_order")
    return count


def idle_sweep_times(runs: int) -> list[float]:
    from marketplace import clock
    from orders.sweep import sweep

    sweep()  # warm caches (platform calendar, connection, the plan)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = sweep(now=clock.now())
        times.append((time.perf_counter() - start) * 1000)
        assert result.expired == result.reminded == 0 and not result.stalled, result
    return times


def use_database(name: str) -> None:
    """Point the default connection at `name` (the next query connects to it)."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def copy_database(copy: str) -> None:
    """The loaded database as it is now, copied to `copy` (CREATE DATABASE … TEMPLATE: no other
    session may be connected to the source meanwhile)."""
    import psycopg
    from django.db import connection

    source = connection.settings_dict["NAME"]
    params = connection.get_connection_params()
    connection.close()
    params = {k: v for k, v in params.items() if k in ("host", "port", "user", "password")}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')


def idle_medians(databases: dict[str, str], *, rounds: int = 10, runs: int = 20) -> dict[str, float]:
    """The idle sweep's median on each database (key -> database name), measured in interleaved
    rounds — `runs` sweeps on one, then on the other, the order alternating — so both medians
    come from the same minutes and the same load: their ratio is about the table's size, not
    about the machine's load at two moments minutes apart."""
    times: dict[str, list[float]] = {key: [] for key in databases}
    keys = list(databases)
    for round_ in range(rounds):
        for key in keys if round_ % 2 == 0 else reversed(keys):
            use_database(databases[key])
            times[key] += idle_sweep_times(runs)
    return {key: statistics.median(values) for key, values in times.items()}


def idle_plan() -> tuple[int, str]:
    """The idle pass's queries (one) and the plan of its claim: the partial `order_due` index."""
    from django.db import DatabaseError, connection, transaction
    from django.test.utils import CaptureQueriesContext

    from marketplace import clock
    from orders.sweep import sweep

    sweep(now=clock.now())  # the platform calendar read once per process, like a running beat
    with CaptureQueriesContext(connection) as queries:
        sweep(now=clock.now())
    # The transaction's own BEGIN/COMMIT are logged too: the statements are what it reads.
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("BEGIN", "COMMIT"))]
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("EXPLAIN " + statements[0])
            plan = " / ".join(row[0].strip() for row in cur.fetchall() if "Scan" in row[0])
    except DatabaseError as error:  # the logged SQL is for reading; its plan is only shown
        plan = f"(no plan: {error})"
    return len(statements), plan


def make_due(n: int, *, skip: int = 0) -> list[int]:
    """Turn the n newest orders (after the `skip` newest) with their items into `new` orders whose
    deadline passed an hour ago (fees of the received ones are not seeded, so none is in the way)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE orders_order SET status = 'new', status_changed_at = now() - interval '1 day', "
            "excellent_deadline = now() - interval '2 hours', acceptable_deadline = now() - interval '1 hour', "
            "next_check_at = now() - interval '1 hour', reminders_sent = 3, "
            "cancel_reason = '', cancelled_by = '' "
            "WHERE id IN (SELECT id FROM orders_order ORDER BY id DESC LIMIT %s OFFSET %s) RETURNING id",
            [n, skip],
        )
        ids = [row[0] for row in cur.fetchall()]
        cur.execute("ANALYZE orders_order")
    return ids


# The floor's statements. %(…)s are the batch's parameters; the batch is claimed like the sweep's
# (the due index, FOR UPDATE SKIP LOCKED, 500 rows) and cancelled in the same statement.
RAW_CLAIM_AND_CANCEL = """
    WITH batch AS (
        SELECT id FROM orders_order WHERE status = ANY(%(open)s) AND next_check_at <= %(now)s
        ORDER BY next_check_at LIMIT %(size)s FOR UPDATE SKIP LOCKED
    )
    UPDATE orders_order o SET status = 'cancelled', cancel_reason = %(reason)s, cancel_comment = '',
        cancelled_by = 'platform', status_changed_at = %(now)s, excellent_deadline = NULL,
        acceptable_deadline = NULL, next_check_at = NULL, reminders_sent = 0
    FROM batch WHERE o.id = batch.id RETURNING o.id
"""
RAW_FEES = """
    INSERT INTO sellers_feecharge (store_id, order_id, kind, base, percent, amount, charged_at, reason)
    SELECT store_id, id, 'expired', total, %(percent)s, round(total * %(percent)s / 100, 2), %(now)s, ''
    FROM orders_order WHERE id = ANY(%(ids)s)
"""
RAW_STOCK = """
    UPDATE sellers_offer f SET stock = f.stock + back.quantity, updated_at = %(now)s
    FROM (SELECT offer_id, sum(quantity) AS quantity FROM orders_orderitem
          WHERE order_id = ANY(%(ids)s) AND offer_id IS NOT NULL GROUP BY offer_id) back
    WHERE f.id = back.offer_id RETURNING f.id
"""
_OUTBOX = (
    "INSERT INTO notifications_outboxmessage (event, audience, channel, recipient, language, template, context, "
    "dedupe_key, order_id, store_id, status, attempts, next_attempt_at, last_error, provider_message_id, created_at) "
)
RAW_OUTBOX_BUYERS = (
    _OUTBOX
    + """
    SELECT 'order_expired', 'buyer', 'email', o.buyer_email, o.buyer_language, 'order_expired_buyer',
        jsonb_build_object('order', jsonb_build_object('number', o.id, 'status', o.status,
            'cancel_reason', o.cancel_reason, 'buyer_name', o.buyer_name, 'total', o.total::text,
            'delivery_method', o.delivery_method, 'items', (
                SELECT jsonb_agg(jsonb_build_object('title', i.title, 'quantity', i.quantity, 'price', i.price::text))
                FROM orders_orderitem i WHERE i.order_id = o.id)),
            'store', jsonb_build_object('name', s.name, 'phone', s.phone)),
        encode(sha256(convert_to('order_expired|o' || o.id || '|cancelled|buyer|email|' || lower(o.buyer_email),
            'UTF8')), 'hex'),
        o.id, o.store_id, 'pending', 0, %(now)s, '', '', %(now)s
    FROM orders_order o JOIN sellers_store s ON s.id = o.store_id
    WHERE o.id = ANY(%(ids)s) AND o.buyer_email <> ''
"""
)
RAW_OUTBOX_STORES = (  # one list per store of the batch, to the store's e-mail (else its owner's)
    _OUTBOX
    + """
    SELECT 'orders_expired', 'store', 'email', coalesce(nullif(s.email, ''), u.email), s.language,
        'orders_expired_store', jsonb_build_object('count', count(*), 'orders', (array_agg(o.id ORDER BY o.id))[1:20]),
        encode(sha256(convert_to('orders_expired|s' || s.id || '|' || %(batch)s, 'UTF8')), 'hex'),
        NULL, s.id, 'pending', 0, %(now)s, '', '', %(now)s
    FROM orders_order o JOIN sellers_store s ON s.id = o.store_id
    JOIN sellers_storemember m ON m.store_id = s.id AND m.role = 'owner' JOIN auth_user u ON u.id = m.user_id
    WHERE o.id = ANY(%(ids)s) GROUP BY s.id, u.email
"""
)
RAW_OUTBOX_MODERATORS = (
    _OUTBOX
    + """
    SELECT 'orders_expired_platform', 'moderators', 'email', u.email, 'uk', 'orders_expired_moderators',
        jsonb_build_object('count', cardinality(%(ids)s::bigint[]), 'orders', (%(ids)s::bigint[])[1:20]),
        encode(sha256(convert_to('orders_expired_platform|' || %(batch)s || '|' || u.email, 'UTF8')), 'hex'),
        NULL, NULL, 'pending', 0, %(now)s, '', '', %(now)s
    FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id JOIN auth_group g ON g.id = ug.group_id
    WHERE g.name = 'moderators' AND u.is_active AND u.email <> ''
"""
)


# The stores' day counters of the batch (orders.performance.contribution of an expired order), in one
# INSERT … SELECT … ON CONFLICT: the status changes from each order's history by a window, the first
# shipment, the parcels found by the end and the buyers' cancellation requests.
_RAW_COUNTERS = {
    "orders": "count(*)",
    "expired": "count(*)",
    "seller_fault": "count(*) FILTER (WHERE %(against)s)",
    "new_left": "sum(per.new_left)",
    "new_excellent": "sum(per.new_excellent)",
    "new_acceptable": "sum(per.new_acceptable)",
    "accepted_left": "sum(per.accepted_left)",
    "accepted_excellent": "sum(per.accepted_excellent)",
    "accepted_acceptable": "sum(per.accepted_acceptable)",
    "shipped": "count(ship.id)",
    "shipped_late": "count(*) FILTER (WHERE (ship.history_date AT TIME ZONE 'Europe/Kyiv')::date > ship.ship_by)",
    "carrier_shipped": "count(*) FILTER (WHERE ship.status = 'in_delivery' AND o.delivery_method = ANY(%(carrier)s))",
    "tracking_valid": (
        "count(*) FILTER (WHERE ship.status = 'in_delivery' AND o.delivery_method = ANY(%(carrier)s) AND EXISTS ("
        "SELECT 1 FROM orders_parcel p WHERE p.order_id = o.id AND p.found_at <= o.status_changed_at))"
    ),
    "requests": "coalesce(sum(r.n), 0)",
    "requests_answered": "coalesce(sum(r.answered), 0)",
}


def raw_metrics_sql() -> str:
    from sellers.performance.models import COUNTERS

    columns = ", ".join(COUNTERS)
    values = ", ".join(_RAW_COUNTERS.get(name, "0") for name in COUNTERS)
    updates = ", ".join(f"{name} = sellers_storeday.{name} + excluded.{name}" for name in COUNTERS)
    timed = []
    for status in ("new", "accepted"):
        left = f"p_status = '{status}' AND status <> '{status}' AND (status <> 'cancelled' OR %(against)s)"
        timed += [
            f"count(*) FILTER (WHERE {left}) AS {status}_left",
            f"count(*) FILTER (WHERE {left} AND (p_ex IS NULL OR history_date < p_ex)) AS {status}_excellent",
            f"count(*) FILTER (WHERE {left} AND (p_acc IS NULL OR history_date < p_acc)) AS {status}_acceptable",
        ]
    return f"""
    WITH h AS (
        SELECT id, history_id, status, history_date, ship_by, lag(status) OVER w AS p_status,
            lag(excellent_deadline) OVER w AS p_ex, lag(acceptable_deadline) OVER w AS p_acc
        FROM orders_historicalorder WHERE id = ANY(%(ids)s)
        WINDOW w AS (PARTITION BY id ORDER BY history_date, history_id)
    ), per AS (SELECT id, {", ".join(timed)} FROM h GROUP BY id
    ), ship AS (
        SELECT DISTINCT ON (id) id, status, history_date, ship_by FROM h
        WHERE status <> p_status AND status IN ('in_delivery', 'awaiting_pickup') ORDER BY id, history_date, history_id
    )
    INSERT INTO sellers_storeday (store_id, day, {columns})
    SELECT o.store_id, (o.status_changed_at AT TIME ZONE 'Europe/Kyiv')::date, {values}
    FROM orders_order o JOIN per ON per.id = o.id LEFT JOIN ship ON ship.id = o.id
    LEFT JOIN LATERAL (
        SELECT count(*) AS n, count(*) FILTER (WHERE q.answered_at < q.expires_at) AS answered
        FROM orders_orderrequest q WHERE q.order_id = o.id AND q.kind = 'buyer_cancel' AND q.state <> 'withdrawn'
    ) r ON true
    WHERE o.id = ANY(%(ids)s) GROUP BY 1, 2
    ON CONFLICT (store_id, day) DO UPDATE SET {updates}
    """


def raw_sql_expire(now, batch_size: int = 500) -> dict[str, int]:
    """The floor: every due order expired by set-based SQL, one transaction per batch."""
    from django.db import connection, transaction

    from marketplace.actors import Actor
    from marketplace.history import record_saved
    from orders.choices import OPEN_STATUSES
    from orders.models import Order
    from sellers.models import Offer

    p = platform_rules()
    metrics = raw_metrics_sql().replace("%(against)s", "TRUE" if p["against_seller"] else "FALSE")
    written = {"orders": 0, "outbox": 0, "offers": 0}
    actor = Actor.platform()
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            params = {"open": list(OPEN_STATUSES), "now": now, "size": batch_size, "reason": p["reason"]}
            cur.execute(RAW_CLAIM_AND_CANCEL, params)
            ids = [row[0] for row in cur.fetchall()]
            if not ids:
                return written
            params |= {"ids": ids, "percent": p["percent"], "batch": str(ids[0]), "carrier": p["carrier"]}
            record_saved(Order, ids, date=now, actor=actor, action="expire", reason=p["reason"])
            cur.execute(RAW_FEES, params)
            cur.execute(metrics, params)
            for statement in (RAW_OUTBOX_BUYERS, RAW_OUTBOX_STORES, RAW_OUTBOX_MODERATORS):
                cur.execute(statement, params)
                written["outbox"] += cur.rowcount
            cur.execute(RAW_STOCK, params)
            offers = [row[0] for row in cur.fetchall()]
            record_saved(Offer, offers, date=now, actor=actor, action="expire")
            written["orders"] += len(ids)
            written["offers"] += len(offers)
        if len(ids) < batch_size:
            return written


def platform_rules() -> dict:
    """The expiry reason of a `new` order and the fee, as the policy says (read once)."""
    from marketplace.calendar import platform
    from orders.choices import CARRIER_METHODS, REASONS

    p = platform()
    reason = p.rules["new"].on_expiry
    return {
        "reason": reason,
        "percent": p.fee_percent,
        "against_seller": REASONS[reason].against_seller,
        "carrier": [str(m) for m in CARRIER_METHODS],
        "late_days": p.late_delivery_after_days,
    }


def counts(ids):
    from notifications.models import OutboxMessage
    from orders.models import Order
    from sellers.models import FeeCharge

    return {
        "history": Order.history.filter(id__in=ids).count(),
        "fees": FeeCharge.objects.filter(order_id__in=ids).count(),
        "outbox": OutboxMessage.objects.count(),
    }


DUE_ROUNDS, DUE_PER_ROUND = 4, 2_500  # 10,000 due orders for the floor and 10,000 for the sweep


def main() -> None:
    small = "--small" in sys.argv
    sizes = (10_000, 100_000) if small else (100_000, 1_000_000)
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from marketplace import clock
    from orders import performance
    from orders.models import Order
    from orders.sweep import sweep

    call_command("seed_demo", verbosity=0, allow_production=True)
    figures = {}
    loaded = Order.objects.count()
    main_db = connection.settings_dict["NAME"]
    small_db = f"{main_db}_small"
    for size in sizes:
        start = time.perf_counter()
        call_command("seed_demo", orders=size - loaded, verbosity=0, allow_production=True)
        loaded = size
        print(f"loaded {size:,} orders in {time.perf_counter() - start:.1f} s", flush=True)
        open_count = give_open_orders_future_deadlines()
        print(f"{size:,} orders ({open_count:,} open)", flush=True)
        if size == sizes[0]:  # the smaller table kept as it is, for the interleaved idle rounds
            copy_database(small_db)
    queries, plan = idle_plan()
    assert queries == 1, (queries, plan)
    print(f"idle pass: {queries} query; {plan}", flush=True)
    medians = idle_medians({"idle_sweep_ms_100k": small_db, "idle_sweep_ms_1m": main_db})
    use_database(main_db)
    for key, median in medians.items():
        figures[key] = round(median, 2)
    print(
        f"idle sweep, median of 200 each in 10 interleaved rounds: "
        f"{sizes[0]:,} orders {figures['idle_sweep_ms_100k']} ms, "
        f"{sizes[1]:,} orders {figures['idle_sweep_ms_1m']} ms",
        flush=True,
    )

    # The floor and the sweep in interleaved rounds (which goes first alternates), each on its
    # own due orders, so both totals come from the same minutes and load.
    profiler = cProfile.Profile() if "--profile" in sys.argv else None
    elapsed = {"raw": 0.0, "sweep": 0.0}
    done = {"raw": 0, "sweep": 0}
    days_before = performance.stored()
    expired_ids: list[int] = []
    written = {"raw_outbox": 0, "raw_offers": 0, "history": 0, "fees": 0, "outbox": 0}
    for round_ in range(DUE_ROUNDS):
        for i, phase in enumerate(("raw", "sweep") if round_ % 2 == 0 else ("sweep", "raw")):
            due = make_due(DUE_PER_ROUND, skip=(2 * round_ + i) * DUE_PER_ROUND)
            expired_ids += due
            if phase == "raw":
                start = time.perf_counter()
                raw = raw_sql_expire(clock.now())
                elapsed["raw"] += time.perf_counter() - start
                assert raw["orders"] == len(due), raw
                written["raw_outbox"] += raw["outbox"]
                written["raw_offers"] += raw["offers"]
            else:
                before = counts(due)
                start = time.perf_counter()
                if profiler:
                    profiler.enable()
                result = sweep(now=clock.now())
                if profiler:
                    profiler.disable()
                elapsed["sweep"] += time.perf_counter() - start
                after = counts(due)
                # Every due order expired exactly once: one fee and one history row each.
                assert (
                    result.expired == len(due) == after["fees"] - before["fees"] == after["history"] - before["history"]
                ), result
                assert not result.failed and not result.stalled, result
                for key in ("history", "fees", "outbox"):
                    written[key] += after[key] - before[key]
            done[phase] += len(due)
    # Both counted the same day counters: what they added equals the one definition's recomputation.
    added = performance.stored()
    for key, counters in days_before.items():
        added[key] = added.get(key, Counter()) - counters
    expected = performance.compute(
        list(Order.objects.filter(pk__in=expired_ids).values(*performance.ORDER_FIELDS)),
        platform_rules()["late_days"],
    )
    assert {k: +v for k, v in added.items() if +v} == {k: +v for k, v in expected.items() if +v}, "day counters differ"
    print(f"day counters: the floor's and the sweep's equal a recomputation of {len(expired_ids):,} orders", flush=True)
    if profiler:  # the top of the due sweep, for docs/benchmarks.md (times inflated by the profiler)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
        if os.environ.get("PROFILE_DUMP"):
            profiler.dump_stats(os.environ["PROFILE_DUMP"])
    figures["raw_sql_per_s"] = round(done["raw"] / elapsed["raw"])
    figures["due_per_s"] = round(done["sweep"] / elapsed["sweep"])
    print(
        f"floor: {done['raw']:,} due orders expired by set-based SQL in {elapsed['raw']:.2f} s: "
        f"{figures['raw_sql_per_s']}/s; outbox +{written['raw_outbox']}, offers +{written['raw_offers']}",
        flush=True,
    )
    print(
        f"sweep: {done['sweep']:,} due orders expired in {elapsed['sweep']:.2f} s: {figures['due_per_s']}/s; "
        f"history +{written['history']}, fees +{written['fees']}, outbox +{written['outbox']} "
        f"({DUE_ROUNDS} interleaved rounds of {DUE_PER_ROUND:,} each)",
        flush=True,
    )
    figures["sweep_to_raw"] = round(figures["due_per_s"] / figures["raw_sql_per_s"], 2)  # target ≥ 0.5
    idle_small, idle_big = (figures[key] for key in ("idle_sweep_ms_100k", "idle_sweep_ms_1m"))
    figures["idle_1m_to_100k"] = round(idle_big / idle_small, 2)  # target ≤ 1.2
    bench_requests(figures)  # due_requests_per_s, target ≥ 1,000
    print(json.dumps(figures))


# --- requests (docs/rules.md §6): 10,000 open requests past expires_at, gone through ---------------

REQUEST_ROUNDS, REQUESTS_PER_ROUND = 4, 2_500  # 10,000 for the floor and 10,000 for requests_sweep
_REQUEST_KINDS = "(ARRAY['seller_cancel', 'move_date', 'buyer_cancel'])[1 + (o.id %% 3)]"


def make_due_requests(n: int) -> list[int]:
    """n open orders with no request become `confirmed` with a ship-by date, each with an open request
    (a mix of seller_cancel, move_date and buyer_cancel) whose window ended an hour ago."""
    from django.db import connection

    from orders.choices import OPEN_STATUSES

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE orders_order o SET status = 'confirmed', ship_by = current_date + 2, next_check_at = NULL "
            "WHERE o.id IN (SELECT id FROM orders_order x WHERE status = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM orders_orderrequest r WHERE r.order_id = x.id) ORDER BY id LIMIT %s) RETURNING id",
            [list(OPEN_STATUSES), n],
        )
        ids = [row[0] for row in cur.fetchall()]
        cur.execute(
            "INSERT INTO orders_orderrequest (order_id, kind, state, opened_by, ground, old_date, new_date, message, "
            "opened_at, answer_by, expires_at, next_check_at, reminded, answer_message) "
            f"SELECT o.id, k.kind, 'open', CASE k.kind WHEN 'buyer_cancel' THEN 'buyer' ELSE 'seller' END, "
            "CASE k.kind WHEN 'seller_cancel' THEN 'duplicate' ELSE '' END, "
            "CASE k.kind WHEN 'move_date' THEN o.ship_by END, CASE k.kind WHEN 'move_date' THEN o.ship_by + 3 END, "
            "'bench', now() - interval '49 hours', now() - interval '25 hours', now() - interval '1 hour', "
            f"now() - interval '1 hour', 1, '' FROM orders_order o, LATERAL (SELECT {_REQUEST_KINDS} AS kind) k "
            "WHERE o.id = ANY(%s)",
            [ids],
        )
        cur.execute("ANALYZE orders_orderrequest")
    return ids


# The floor of the going-through: one batch claimed and closed in one statement, the orders cancelled
# or moved by UPDATE … FROM, history by INSERT … SELECT (record_saved), stock by one UPDATE, two outbox
# rows per request by INSERT … SELECT.
RAW_REQUESTS_CLAIM = """
    WITH batch AS (
        SELECT id FROM orders_orderrequest WHERE state = 'open' AND next_check_at <= %(now)s
        ORDER BY next_check_at LIMIT %(size)s FOR UPDATE SKIP LOCKED
    )
    UPDATE orders_orderrequest r SET state = 'went_through', closed_at = %(now)s, next_check_at = NULL
    FROM batch WHERE r.id = batch.id RETURNING r.id, r.order_id, r.kind
"""
RAW_REQUESTS_CANCEL = """
    UPDATE orders_order o SET status = 'cancelled', cancel_reason = CASE r.kind WHEN 'buyer_cancel'
        THEN 'buyer_cancelled' ELSE 'mutual' END, cancel_comment = '', cancelled_by = r.opened_by,
        status_changed_at = %(now)s, excellent_deadline = NULL, acceptable_deadline = NULL, next_check_at = NULL,
        reminders_sent = 0
    FROM orders_orderrequest r WHERE r.id = ANY(%(requests)s) AND r.kind <> 'move_date' AND o.id = r.order_id
"""
RAW_REQUESTS_MOVE = """
    UPDATE orders_order o SET ship_by = r.new_date
    FROM orders_orderrequest r WHERE r.id = ANY(%(requests)s) AND r.kind = 'move_date' AND o.id = r.order_id
"""
RAW_REQUESTS_OUTBOX = (
    _OUTBOX
    + """
    SELECT 'request_went_through', side.audience, 'email', CASE side.audience WHEN 'buyer' THEN o.buyer_email
        ELSE s.email END, o.buyer_language, 'request_went_through_' || side.audience,
        jsonb_build_object('order', jsonb_build_object('number', o.id, 'status', o.status),
            'request_id', r.id, 'kind', r.kind, 'new_date', r.new_date, 'to', side.audience),
        md5('went_through:' || r.id || ':' || side.audience), o.id, o.store_id, 'pending', 0, %(now)s, '', '', %(now)s
    FROM orders_orderrequest r JOIN orders_order o ON o.id = r.order_id JOIN sellers_store s ON s.id = o.store_id
    CROSS JOIN (VALUES ('buyer'), ('store')) side(audience) WHERE r.id = ANY(%(requests)s)
"""
)


def raw_sql_requests(now, batch_size: int = 500) -> int:
    """The floor: every due request gone through by set-based SQL, one transaction per batch."""
    from django.db import connection, transaction

    from marketplace.actors import Actor
    from marketplace.history import record_saved
    from orders.models import Order
    from orders.requests.models import OrderRequest
    from sellers.models import Offer

    actor, done = Actor.platform(), 0
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(RAW_REQUESTS_CLAIM, {"now": now, "size": batch_size})
            rows = cur.fetchall()
            if not rows:
                return done
            params = {"now": now, "requests": [r[0] for r in rows]}
            record_saved(OrderRequest, params["requests"], date=now, actor=actor, action="go_through")
            cancelled = [order for _pk, order, kind in rows if kind != "move_date"]
            cur.execute(RAW_STOCK, {"now": now, "ids": cancelled})
            record_saved(Offer, [row[0] for row in cur.fetchall()], date=now, actor=actor, action="cancel")
            cur.execute(RAW_REQUESTS_CANCEL, params)
            cur.execute(RAW_REQUESTS_MOVE, params)
            record_saved(Order, [row[1] for row in rows], date=now, actor=actor, action="cancel")
            cur.execute(RAW_REQUESTS_OUTBOX, params)
            done += len(rows)
        if len(rows) < batch_size:
            return done


def bench_requests(figures: dict) -> None:
    """due_requests_per_s (target ≥ 1,000) and its floor, in interleaved rounds like the orders'."""
    from marketplace import clock
    from orders.requests.models import OrderRequest, RequestState
    from orders.requests.sweep import requests_sweep

    elapsed, done = {"raw": 0.0, "sweep": 0.0}, {"raw": 0, "sweep": 0}
    profiler = cProfile.Profile() if "--profile-requests" in sys.argv else None
    for round_ in range(REQUEST_ROUNDS):
        for phase in ("raw", "sweep") if round_ % 2 == 0 else ("sweep", "raw"):
            due = make_due_requests(REQUESTS_PER_ROUND)
            start = time.perf_counter()
            if phase == "raw":
                count = raw_sql_requests(clock.now())
            else:
                if profiler:
                    profiler.enable()
                result = requests_sweep(now=clock.now())
                if profiler:
                    profiler.disable()
                assert not result.failed and not result.stalled, result
                count = result.went_through
            elapsed[phase] += time.perf_counter() - start
            assert count == len(due), (phase, count, len(due))
            assert not OrderRequest.objects.filter(order_id__in=due, state=RequestState.OPEN).exists()
            done[phase] += count
    if profiler:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
        if os.environ.get("BENCH_PROFILE_FILE"):  # for pstats / snakeviz: the whole profile
            profiler.dump_stats(os.environ["BENCH_PROFILE_FILE"])
    figures["requests_raw_sql_per_s"] = round(done["raw"] / elapsed["raw"])
    figures["due_requests_per_s"] = round(done["sweep"] / elapsed["sweep"])
    figures["requests_to_raw"] = round(figures["due_requests_per_s"] / figures["requests_raw_sql_per_s"], 2)
    print(
        f"requests: {done['sweep']:,} gone through by requests_sweep in {elapsed['sweep']:.2f} s: "
        f"{figures['due_requests_per_s']}/s; floor {figures['requests_raw_sql_per_s']}/s "
        f"({REQUEST_ROUNDS} interleaved rounds of {REQUESTS_PER_ROUND:,} each)",
        flush=True,
    )


def copy_orders(n: int) -> None:
    """n copies of one confirmed demo order with its items, by SQL (quicker than the bulk seed)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT id FROM orders_order WHERE status = 'confirmed' AND ttn = '' ORDER BY id LIMIT 1")
        template = cur.fetchone()[0]
        for table, skip in (("orders_order", ("id",)), ("orders_orderitem", ("id", "order_id"))):
            cur.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
                [table],
            )
            columns = [row[0] for row in cur.fetchall() if row[0] not in skip]
            if table == "orders_order":
                chosen = ["md5(random()::text || g)" if c == "public_token" else f"o.{c}" for c in columns]
                cur.execute(
                    f"INSERT INTO orders_order ({', '.join(columns)}) SELECT {', '.join(chosen)} "
                    "FROM orders_order o CROSS JOIN generate_series(1, %s) g WHERE o.id = %s RETURNING id",
                    [n, template],
                )
                copies = [row[0] for row in cur.fetchall()]
            else:
                cur.execute(
                    f"INSERT INTO orders_orderitem ({', '.join(columns)}, order_id) "
                    f"SELECT {', '.join('i.' + c for c in columns)}, c.id FROM orders_orderitem i "
                    "CROSS JOIN unnest(%s::bigint[]) c(id) WHERE i.order_id = %s",
                    [copies, template],
                )
        cur.execute("ANALYZE orders_order")


def requests_only() -> None:
    """--requests-only: the request figures alone on a small seeded database (quick to re-measure)."""
    setup_django()
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0, allow_production=True)
    copy_orders(2 * REQUEST_ROUNDS * REQUESTS_PER_ROUND)
    give_open_orders_future_deadlines()
    figures: dict = {}
    bench_requests(figures)
    print(json.dumps(figures))


if __name__ == "__main__":
    requests_only() if "--requests-only" in sys.argv else main()
