"""Benchmark of the deadline sweep on PostgreSQL.

    .venv/bin/python bench/sweep.py [--small] [--profile]

Starts a throwaway PostgreSQL, loads orders with `seed_demo --orders` (≈10% open), gives the
open orders future deadlines, and measures:
- idle_sweep_ms_100k / idle_sweep_ms_1m: median time of a sweep with nothing due;
- due_per_s: 10,000 due orders expired by one sweep (history, stock, fee and outbox rows).
The last line is one JSON object with those keys.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import statistics
import sys
import time
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


def idle_sweep_ms(runs: int = 50) -> float:
    from marketplace import clock
    from orders.sweep import sweep

    sweep()  # warm caches (platform calendar, connection)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = sweep(now=clock.now())
        times.append((time.perf_counter() - start) * 1000)
        assert result.expired == result.reminded == 0 and not result.stalled, result
    return statistics.median(times)


def make_due(n: int) -> list[int]:
    """Turn the n newest orders (with their items) into `new` orders whose deadline passed an
    hour ago (fees of the received ones are not seeded, so none is in the way)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE orders_order SET status = 'new', status_changed_at = now() - interval '1 day', "
            "excellent_deadline = now() - interval '2 hours', acceptable_deadline = now() - interval '1 hour', "
            "next_check_at = now() - interval '1 hour', reminders_sent = 3, "
            "cancel_reason = '', cancelled_by = '' "
            "WHERE id IN (SELECT id FROM orders_order ORDER BY id DESC LIMIT %s) RETURNING id",
            [n],
        )
        ids = [row[0] for row in cur.fetchall()]
        cur.execute("ANALYZE orders_order")
    return ids


def counts(ids):
    from notifications.models import OutboxMessage
    from orders.models import Order
    from sellers.models import FeeCharge

    return {
        "history": Order.history.filter(id__in=ids).count(),
        "fees": FeeCharge.objects.filter(order_id__in=ids).count(),
        "outbox": OutboxMessage.objects.count(),
    }


def main() -> None:
    small = "--small" in sys.argv
    sizes = (10_000, 100_000) if small else (100_000, 1_000_000)
    setup_django()
    from django.core.management import call_command

    from marketplace import clock
    from orders.models import Order
    from orders.sweep import sweep

    call_command("seed_demo", verbosity=0, allow_production=True)
    figures = {}
    loaded = Order.objects.count()
    for size, key in zip(sizes, ("idle_sweep_ms_100k", "idle_sweep_ms_1m"), strict=True):
        start = time.perf_counter()
        call_command("seed_demo", orders=size - loaded, verbosity=0, allow_production=True)
        loaded = size
        print(f"loaded {size:,} orders in {time.perf_counter() - start:.1f} s", flush=True)
        open_count = give_open_orders_future_deadlines()
        figures[key] = round(idle_sweep_ms(), 2)
        print(f"{size:,} orders ({open_count:,} open): idle sweep {figures[key]} ms (median of 50)", flush=True)

    due = make_due(10_000)
    before = counts(due)
    profiler = cProfile.Profile() if "--profile" in sys.argv else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    result = sweep(now=clock.now())
    if profiler:
        profiler.disable()
    expired = result.expired
    elapsed = time.perf_counter() - start
    if profiler:  # the top of the due sweep, for docs/benchmarks.md (times inflated by the profiler)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    after = counts(due)
    # Every due order expired exactly once: one fee and one history row each.
    assert expired == len(due) == after["fees"] - before["fees"] == after["history"] - before["history"], result
    assert not result.failed and not result.stalled, result
    figures["due_per_s"] = round(len(due) / elapsed)
    print(
        f"{len(due):,} due orders expired in {elapsed:.2f} s: {figures['due_per_s']}/s; "
        f"history +{after['history'] - before['history']}, fees +{after['fees'] - before['fees']}, "
        f"outbox +{after['outbox'] - before['outbox']}",
        flush=True,
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
