"""Server time of what the cabinet's performance page and fee statement read, on PostgreSQL.

    .venv/bin/python bench/performance.py [--small] [--runs 200] [--stores 400]

Starts a throw-away PostgreSQL (tests.servers.start_postgres), migrates, and makes two stores: one
with 1,000,000 orders (--small: 50,000) and one with 10,000 (INSERT … SELECT generate_series through
tests.sellers.bulk.insert_orders, no history), their days (`StoreDay`, one row per Kyiv date an order
ended, summed from those orders) and their fee ledgers (one `FeeCharge` per received order, one per
expiry), plus --stores other stores with 90 days each, so the platform's medians have a platform to
go over. Then it times, through one Django connection, the median of --runs calls of:
    performance: definitions.windows (7 and 30 days) + values, definitions.daily (90 days),
        definitions.platform_medians (30 days), rating.explain and rating.rating — what the
        performance page reads (docs/rules.md §10) → performance_p50_ms_1m / performance_p50_ms_10k;
    statement: sellers.fees.statement_totals + the first page of sellers.fees.statement_page (values
        rows, each with its why) for the current month, what the statement view reads
        → statement_p50_ms_1m / statement_p50_ms_10k;
    floor: one StoreDay row by its unique index (store, day) → floor_p50_ms: the least a read through
        this connection costs on this machine now;
and the ratios (performance_1m_to_floor, performance_1m_to_10k, statement_1m_to_10k), which do not
move with the machine's load as the ms do. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchenv import setup_django  # noqa: E402

KYIV_DAY = "(o.status_changed_at AT TIME ZONE 'Europe/Kyiv')::date"


def make_store(name: str, orders: int, start: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from sellers.models import Offer, Store, StoreMember

    user = get_user_model().objects.create_user(username=f"owner-{name}", email=f"{name}@example.com")
    store = Store.objects.create(name=f"Store {name}", slug=f"store-{name}")
    StoreMember.objects.create(store=store, user=user, role=StoreMember.Role.OWNER)
    Offer.objects.create(store=store, title="Offer", sku="SKU-1", price=Decimal("199.00"), stock=1000)
    from tests.sellers.bulk import insert_orders

    insert_orders(store.pk, orders, now=timezone.now(), start=start, open_per_mille=20)
    return store


def fill_days(store_id: int) -> int:
    """The store's days from its ended orders: the counts the orders give (orders, received,
    expiries, cancellations), the rest as plausible shares of them (the rebuild would need the
    history the bulk insert does not write)."""
    from django.db import connection

    from orders.choices import OPEN_STATUSES
    from orders.models import Order
    from sellers.performance.models import StoreDay

    sql = f"""
        INSERT INTO {StoreDay._meta.db_table} (store_id, day, orders, received, new_left, new_excellent,
            new_acceptable, accepted_left, accepted_excellent, accepted_acceptable, expired, seller_fault,
            buyer_cancelled, mutual, shipped, shipped_late, carrier_shipped, tracking_valid, delivered,
            delivered_on_time, requests, requests_answered)
        SELECT store_id, day, n, received, n, n * 9 / 10, n * 98 / 100, received + 1, received * 9 / 10,
            received, expired, expired + other, buyer, n / 50, received, received / 20, received,
            received * 97 / 100, received, received * 95 / 100, n / 40, n / 45
        FROM (
            SELECT o.store_id, {KYIV_DAY} AS day, count(*) AS n,
                count(*) FILTER (WHERE o.status = 'received') AS received,
                count(*) FILTER (WHERE o.cancel_reason IN ('processing_time_expired', 'shipping_time_expired'))
                    AS expired,
                count(*) FILTER (WHERE o.cancel_reason IN ('other', 'out_of_stock')) AS other,
                count(*) FILTER (WHERE o.cancel_reason = 'buyer_cancelled') AS buyer
            FROM {Order._meta.db_table} o
            WHERE o.store_id = %s AND NOT (o.status = ANY(%s))
            GROUP BY o.store_id, {KYIV_DAY}
        ) per_day
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [store_id, list(OPEN_STATUSES)])
        return cursor.rowcount


def fill_ledger(store_id: int) -> int:
    """One charge per received order and one per expiry, charged when the order ended."""
    from django.db import connection

    from orders.models import Order
    from sellers.models import FeeCharge

    sql = f"""
        INSERT INTO {FeeCharge._meta.db_table} (store_id, order_id, kind, base, percent, amount, charged_at, reason)
        SELECT o.store_id, o.id,
            CASE WHEN o.status = 'received' THEN 'received' ELSE 'expired' END,
            o.total, 5.00, round(o.total * 0.05, 2), o.status_changed_at, ''
        FROM {Order._meta.db_table} o
        WHERE o.store_id = %s AND (o.status = 'received'
            OR o.cancel_reason IN ('processing_time_expired', 'shipping_time_expired'))
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [store_id])
        return cursor.rowcount


def fill_platform(stores: int) -> None:
    """`stores` other stores with 90 days each (generate_series), counters varying by store and day."""
    from django.db import connection

    from marketplace import clock
    from sellers.models import Store
    from sellers.performance.models import StoreDay

    Store.objects.bulk_create(Store(name=f"Other {i}", slug=f"other-{i}") for i in range(stores))
    sql = f"""
        INSERT INTO {StoreDay._meta.db_table} (store_id, day, orders, received, new_left, new_excellent,
            new_acceptable, accepted_left, accepted_excellent, accepted_acceptable, expired, seller_fault,
            buyer_cancelled, shipped, shipped_late, carrier_shipped, tracking_valid, delivered, delivered_on_time,
            requests, requests_answered)
        SELECT s.id, %s::date - d, 20 + s.id %% 17, 15 + s.id %% 11, 20 + s.id %% 17, 15 + (s.id + d) %% 5,
            19 + s.id %% 17, 18, 12 + d %% 6, 17, (s.id + d) %% 3, (s.id * d) %% 4, d %% 2, 15, (s.id + d) %% 4,
            14, 12 + d %% 3, 15, 13 + s.id %% 3, d %% 3, d %% 2
        FROM {Store._meta.db_table} s CROSS JOIN generate_series(0, 89) AS d
        WHERE s.slug LIKE 'other-%%'
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [clock.today()])


def performance_reads(store_id: int, today) -> int:
    """What the performance page reads (docs/rules.md §10)."""
    from sellers.performance import definitions, rating

    sums = definitions.windows(store_id, today=today)
    values = {days: definitions.values(window) for days, window in sums.items()}
    days = definitions.daily(store_id, today=today, days=90)
    medians = definitions.platform_medians(today=today)
    parts = rating.explain(values[30])
    score = rating.rating(values[30])
    return len(days) + len(parts) + len(medians) + score


def statement_reads(store_id: int, month) -> int:
    """What the fee statement reads: the month's totals and its first page of rows, each with why."""
    from sellers.cabinet.views.statement import PAGE_SIZE
    from sellers.fees import statement_page, statement_totals

    totals = statement_totals(store_id, month)
    rows = statement_page(store_id, month, offset=0, limit=PAGE_SIZE)  # each row with its why, as the view reads
    return totals.rows + len(rows)


def floor_read(store_id: int, today) -> int:
    from sellers.performance.models import StoreDay

    row = StoreDay.objects.filter(store_id=store_id, day=today).first()
    return 0 if row is None else row.orders


def medians(cases: dict, warmup: int, runs: int) -> dict[str, float]:
    """Median time of each case, ms; the cases take turns run by run, so a change of the machine's
    load weighs on all of them alike."""
    for _ in range(warmup):
        for call in cases.values():
            call()
    times: dict[str, list[float]] = {key: [] for key in cases}
    for _ in range(runs):
        for key, call in cases.items():
            started = time.perf_counter()
            call()
            times[key].append((time.perf_counter() - started) * 1000)
    return {key: round(statistics.median(values), 3) for key, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="a quick run: 50,000 orders instead of 1,000,000")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--stores", type=int, default=400, help="other stores the medians go over (90 days each)")
    args = parser.parse_args()
    big_orders = 50_000 if args.small else 1_000_000

    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from marketplace import clock
    from sellers.fees import Month
    from sellers.performance.models import StoreDay

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    big = make_store("1m", big_orders, start=1)
    small = make_store("10k", 10_000, start=1)
    fill_platform(args.stores if not args.small else min(args.stores, 100))
    made = {key: (fill_days(store.pk), fill_ledger(store.pk)) for key, store in (("1m", big), ("10k", small))}
    with connection.cursor() as cursor:
        for table in ("orders_order", StoreDay._meta.db_table, "sellers_feecharge"):
            cursor.execute(f"VACUUM (FREEZE, ANALYZE) {table}")
    print(f"days and fee rows per store: {made}", file=sys.stderr)
    print(f"data ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    today, month = clock.today(), Month.current()
    cases = {
        "floor_p50_ms": lambda: floor_read(big.pk, today),
        "performance_p50_ms_1m": lambda: performance_reads(big.pk, today),
        "performance_p50_ms_10k": lambda: performance_reads(small.pk, today),
        "statement_p50_ms_1m": lambda: statement_reads(big.pk, month),
        "statement_p50_ms_10k": lambda: statement_reads(small.pk, month),
    }
    result = medians(cases, args.warmup, args.runs)
    floor = result["floor_p50_ms"]
    result["performance_1m_to_floor"] = round(result["performance_p50_ms_1m"] / floor, 2)
    result["performance_1m_to_10k"] = round(result["performance_p50_ms_1m"] / result["performance_p50_ms_10k"], 2)
    result["statement_1m_to_10k"] = round(result["statement_p50_ms_1m"] / result["statement_p50_ms_10k"], 2)
    result["orders_1m"] = big_orders
    result["days_1m"], result["fee_rows_1m"] = made["1m"]
    result["platform_stores"] = StoreDay.objects.values("store_id").distinct().count()
    result["target_ms"] = 50
    print(json.dumps(result))


if __name__ == "__main__":
    main()
