"""Benchmark of the tracking pass on PostgreSQL (docs/rules.md §8).

    .venv/bin/python bench/tracking.py [--small] [--profile] [--per-parcel]

Starts a throwaway PostgreSQL and a local fake Nova Poshta API (tests/orders/carriers/fakes.py),
loads orders with `seed_demo --orders` and measures:
- idle_pass_ms_1m (idle_pass_ms_100k with --small): median time of a pass with nothing due, beside
  its floor `idle_floor_ms`, the bare indexed query for one due parcel on the same connection
  (`idle_to_floor`);
- parcels_per_s: 10,000 due parcels just shipped, answered with a realistic mix (MIX: most move in
  transit, some arrive at the branch, some are received — hand-over, fee, history, messages —, a few
  refused — cancelled, history, messages —, a few failed attempts, a few unknown codes), applied by
  one pass; beside its floor `floor_parcels_per_s`, the same batches of 100 documents POSTed to the
  same fake server over a kept-alive session and decoded, no database (`tracking_to_floor`), and
  `client_parcels_per_s`, the same batches through the Nova Poshta client (HTTP and parsing).
The last line is one JSON object with those keys. Targets: idle ≤ 20 ms, ≥ 1,000 parcels/s.
--profile: the due pass under cProfile (top lines by cumulative and own time).
--per-parcel: every change through effects.apply() one by one (the path before the batch, issue 16).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sweep import setup_django  # noqa: E402

DUE = 10_000
# Per 100 due parcels: (Nova Poshta StatusCode, how many, what it is).
MIX = (
    (5, 70, "in transit"),
    (7, 12, "at the branch (storage until in 5 days)"),
    (9, 10, "received"),
    (103, 3, "refused"),
    (111, 2, "failed attempt"),
    (999, 3, "unknown code"),
)


def push_parcels_into_the_future() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE orders_parcel SET next_check_at = now() + interval '1 hour' + random() * interval '5 days' "
            "WHERE next_check_at IS NOT NULL"
        )
        count = cur.rowcount
        cur.execute("ANALYZE orders_parcel")
    return count


def idle_floor_ms(runs: int = 50) -> float:
    """The least an idle pass can do: the bare indexed query for one due parcel."""
    from django.db import connection

    from marketplace import clock

    times = []
    with connection.cursor() as cur:
        for _ in range(runs + 1):
            start = time.perf_counter()
            cur.execute(
                "SELECT id FROM orders_parcel WHERE next_check_at IS NOT NULL AND next_check_at <= %s "
                "ORDER BY next_check_at LIMIT 1",
                [clock.now()],
            )
            assert cur.fetchall() == []
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[1:])


def idle_pass_ms(runs: int = 50) -> float:
    from marketplace import clock
    from orders.tracking.polling import run_pass

    run_pass()  # warm up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = run_pass(now=clock.now())
        times.append((time.perf_counter() - start) * 1000)
        assert result.claimed == 0, result
    return statistics.median(times)


def make_due(n: int) -> list[str]:
    """The n newest orders in delivery by Nova Poshta under their own numbers, their parcels due."""
    from django.db import connection

    from orders.tracking.models import Parcel
    from orders.tracking.parcels import track_open_parcels

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE orders_order SET status = 'in_delivery', delivery_method = 'nova_poshta', "
            "ttn = '2045' || lpad(id::text, 10, '0'), cancel_reason = '', cancelled_by = '', next_check_at = NULL "
            "WHERE id IN (SELECT id FROM orders_order ORDER BY id DESC LIMIT %s) RETURNING id, ttn",
            [n],
        )
        rows = cur.fetchall()
    ids = [pk for pk, _ in rows]
    Parcel.objects.filter(order_id__in=ids).delete()
    track_open_parcels()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE orders_parcel SET next_check_at = now() - interval '1 minute' WHERE order_id = ANY(%s)", [ids]
        )
        cur.execute("ANALYZE orders_parcel")
    return [ttn for _, ttn in rows]


def answer_mix(fake, numbers: list[str]) -> str:
    """The fake server answers each number with its part of MIX; returns the mix in words."""
    from datetime import timedelta

    from marketplace import clock

    codes = [code for code, share, _what in MIX for _ in range(share)]
    assert len(codes) == 100
    storage_until = clock.today() + timedelta(days=5)
    for i, number in enumerate(numbers):
        code = codes[i % 100]
        if code == 7:
            fake.set(number, code, storage_until=storage_until)
        elif code == 999:
            fake.set(number, 9, StatusCode="999", Status="Something new")
        else:
            fake.set(number, code)
    return ", ".join(f"{share}% {what} ({code})" for code, share, what in MIX)


def batches(numbers: list[str]) -> list[list[str]]:
    return [numbers[i : i + 100] for i in range(0, len(numbers), 100)]


def floor_parcels_per_s(url: str, numbers: list[str]) -> float:
    """The same batches POSTed to the same fake server over one kept-alive session, the answers
    decoded: no database, no parsing, the least a pass asking about them can take."""
    import requests

    from orders.carriers.novaposhta.client import _phone

    session = requests.Session()
    start = time.perf_counter()
    for batch in batches(numbers):
        body = {
            "apiKey": "",
            "modelName": "TrackingDocument",
            "calledMethod": "getStatusDocuments",
            "methodProperties": {"Documents": [{"DocumentNumber": n, "Phone": _phone("0671234567")} for n in batch]},
        }
        answer = session.post(url, json=body, timeout=10).json()
        assert len(answer["data"]) == len(batch)
    return len(numbers) / (time.perf_counter() - start)


def client_parcels_per_s(numbers: list[str]) -> float:
    """The same batches through the Nova Poshta client (HTTP and parsing into ParcelStates)."""
    from orders.carriers.base import ParcelQuery
    from orders.carriers.novaposhta.client import NovaPoshta

    client = NovaPoshta()
    start = time.perf_counter()
    for batch in batches(numbers):
        client.track([ParcelQuery(n, "0671234567") for n in batch])
    return len(numbers) / (time.perf_counter() - start)


def profiled(function):
    import cProfile
    import io
    import pstats

    profile = cProfile.Profile()
    value = profile.runcall(function)
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(25)
        print(f"--- profile of the due pass, by {order} ---", flush=True)
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000], flush=True)
    return value


def counts():
    from notifications.models import OutboxMessage
    from orders.models import Order
    from orders.tracking.models import TrackingEvent
    from sellers.models import FeeCharge

    return {
        "history": Order.history.count(),
        "events": TrackingEvent.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "fees": FeeCharge.objects.count(),
    }


def main() -> None:
    small = "--small" in sys.argv
    size, key = (100_000, "idle_pass_ms_100k") if small else (1_000_000, "idle_pass_ms_1m")
    setup_django()
    import logging

    from django.conf import settings
    from django.core.management import call_command
    from django.db.models import Count

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake server's access log
    for name in ("orders.tracking.polling", "orders.carriers.novaposhta"):
        logging.getLogger(name).setLevel(logging.ERROR)  # a warning per unknown code in MIX

    from orders.models import Order
    from orders.tracking.polling import run_pass
    from tests.orders.carriers.fakes import FakeNovaPoshta

    fake = FakeNovaPoshta().start()
    settings.NOVA_POSHTA_API_URL = fake.url
    try:
        call_command("seed_demo", verbosity=0, allow_production=True)
        start = time.perf_counter()
        call_command("seed_demo", orders=size - Order.objects.count(), verbosity=0, allow_production=True)
        print(f"loaded {size:,} orders in {time.perf_counter() - start:.1f} s", flush=True)
        tracked = push_parcels_into_the_future()
        figures = {key: round(idle_pass_ms(), 2)}
        print(f"{size:,} orders ({tracked:,} parcels tracked): idle pass {figures[key]} ms (median of 50)", flush=True)

        figures["idle_floor_ms"] = round(idle_floor_ms(), 3)
        figures["idle_to_floor"] = round(figures[key] / figures["idle_floor_ms"], 1)
        print(f"idle floor (the bare indexed query): {figures['idle_floor_ms']} ms; ratio {figures['idle_to_floor']}")

        numbers = make_due(DUE)
        mix = answer_mix(fake, numbers)
        figures["floor_parcels_per_s"] = round(floor_parcels_per_s(fake.url, numbers))
        figures["client_parcels_per_s"] = round(client_parcels_per_s(numbers))
        print(
            f"floor: the same {len(numbers) // 100} batches POSTed bare {figures['floor_parcels_per_s']}/s, "
            f"through the client {figures['client_parcels_per_s']}/s",
            flush=True,
        )
        if "--per-parcel" in sys.argv:
            from orders.tracking import batch

            batch.apply_batch = lambda changing, now: batch.Applied(fallback=list(changing))
        before = counts()
        start = time.perf_counter()
        result = profiled(run_pass) if "--profile" in sys.argv else run_pass()
        elapsed = time.perf_counter() - start
        after = counts()
        assert result.claimed == len(numbers) and not result.errors and not result.failures, result
        statuses = dict(
            Order.objects.filter(ttn__in=numbers).values_list("status").annotate(n=Count("id")).order_by("status")
        )
        figures["parcels_per_s"] = round(len(numbers) / elapsed)
        figures["tracking_to_floor"] = round(figures["parcels_per_s"] / figures["floor_parcels_per_s"], 3)
        figures["mix"] = mix
        print(
            f"{len(numbers):,} due parcels ({mix}) in {elapsed:.2f} s: {figures['parcels_per_s']}/s; {result}; "
            + ", ".join(f"{k} +{after[k] - before[k]}" for k in after)
            + f"; orders now {statuses}; ratio to the floor {figures['tracking_to_floor']}",
            flush=True,
        )
        print(json.dumps(figures))
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
