"""Outbox drain benchmark: 10,000 pending e-mails through our real delivery code to a local
fake ESP (Postmark's API, driven by django-anymail), on a PostgreSQL started for the run.

    .venv/bin/python bench/outbox.py [--messages 10000] [--workers 4] [--batch 100] [--profile]

Several worker processes claim batches with SKIP LOCKED and keep one HTTP session each.

The floor, measured in the same run before the drain: `raw_posts_per_s` — the same number of
worker processes POSTing the same payloads (the Postmark JSON bodies anymail sends for these
messages: the rendered confirmation, one per recipient, built before the clock starts) to the
same fake ESP over kept-alive connections (one `requests.Session` each, as our transport uses),
with no database, no rendering, no Django. `outbox_to_raw` = messages_per_s / raw_posts_per_s.
`--profile` runs one more drain of the same rows in a single worker under cProfile and prints
its top lines (not part of the figures).

Prints human-readable lines, then one JSON object as the last line: messages_per_s,
raw_posts_per_s, outbox_to_raw (target >= 0.6), lost (must be 0), duplicates (should be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ESP_TOKEN = "bench-server-token"


class FakeESP:
    """Postmark's /email and /email/batch endpoints on a lean asyncio HTTP/1.1 server (keep-alive,
    one write per answer) in a thread of this process; counts what it accepts by X-Outbox-Id."""

    def __init__(self):
        self.accepted: Counter = Counter()
        self.loop = asyncio.new_event_loop()
        self.server = self.loop.run_until_complete(asyncio.start_server(self.serve, "127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/"
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    async def serve(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
                body = json.loads(await reader.readexactly(length))
                if isinstance(body, list):  # POST /email/batch: one result per message, in order
                    answer = json.dumps([self.accept(one) for one in body]).encode()
                else:  # POST /email
                    answer = json.dumps(self.accept(body)).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(answer)).encode()
                    + b"\r\n\r\n"
                    + answer
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def accept(self, body: dict) -> dict:
        outbox_id = next(h["Value"] for h in body["Headers"] if h["Name"] == "X-Outbox-Id")
        self.accepted[int(outbox_id)] += 1
        return {
            "To": body["To"],
            "SubmittedAt": "2026-01-01T00:00:00Z",
            "MessageID": f"bench-{outbox_id}",
            "ErrorCode": 0,
            "Message": "OK",
        }

    def stop(self):
        self.loop.call_soon_threadsafe(self.server.close)


def setup_environment(esp_url: str) -> None:
    from tests.servers import start_postgres

    url = start_postgres()
    os.environ.update(
        {
            "DATABASE_URL": url,
            # As production runs: DEBUG off (with it, every query is kept in connection.queries and
            # the templates carry their debug information).
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
            "ALLOWED_HOSTS": "localhost",
            "VAR_DIR": tempfile.mkdtemp(prefix="mp-bench-var-"),
            "CELERY_BROKER_URL": "memory://",
            "ANYMAIL_ESP": "postmark",
            "ANYMAIL_API_KEY": ESP_TOKEN,
            "ANYMAIL_API_URL": esp_url,
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def create_pending(count: int) -> None:
    """Pending rows as notify() writes them: the buyer's confirmation of an order, its template
    and context (rendered by the worker as it sends, like in production)."""
    from decimal import Decimal

    from django.utils import timezone

    from notifications.models import OutboxMessage

    items = [
        {
            "title": "Чохол для телефона, силікон, чорний",
            "quantity": 2,
            "price": Decimal("250.00"),
            "line_total": Decimal("500.00"),
        },
        {
            "title": "Зарядний пристрій USB-C 30 Вт",
            "quantity": 1,
            "price": Decimal("499.90"),
            "line_total": Decimal("499.90"),
        },
    ]
    now = timezone.now()
    rows = []
    for i in range(count):
        order = {
            "number": 100000 + i,
            "status": "new",
            "store_name": "Alpha Shop",
            "buyer_name": "Ірина Покупець",
            "items": items,
            "items_total": Decimal("999.90"),
            "delivery_cost": None,
            "total": Decimal("999.90"),
            "delivery_method": "nova_poshta",
            "delivery_branch": "Відділення 12",
            "delivery_address": "",
            "ship_by": None,
            "ttn": "",
            "courier_phone": "",
            "courier_visit_at": None,
            "payment_method": "cod",
            "cancel_reason": "",
            "url": f"http://127.0.0.1:8000/o/token{i:08d}/",
        }
        rows.append(
            OutboxMessage(
                event="order_placed",
                audience="buyer",
                channel="email",
                recipient=f"buyer{i}@example.com",
                language="uk",
                template="order_placed_buyer",
                context={"order": order, "related": None, "store_name": "Alpha Shop", "params": {}},
                dedupe_key=f"bench-{i:08d}",
                created_at=now,
                next_attempt_at=now,
            )
        )
    OutboxMessage.objects.bulk_create(rows, batch_size=2000)


def raw_payloads(count: int) -> list[bytes]:
    """The request bodies anymail's Postmark backend sends for the pending rows: the first
    row rendered as the worker renders it (the others differ only in number and address)."""
    from django.conf import settings

    from notifications.models import OutboxMessage
    from notifications.rendering import render_message

    first = OutboxMessage.objects.order_by("pk").first()
    content = render_message(first)
    bodies = []
    for pk, recipient in OutboxMessage.objects.order_by("pk").values_list("pk", "recipient")[:count]:
        body = {
            "From": settings.DEFAULT_FROM_EMAIL,
            "To": recipient,
            "Subject": content["subject"],
            "Headers": [{"Name": "X-Outbox-Id", "Value": str(pk)}],
            "TextBody": content["text"],
            "HtmlBody": content["html"],
        }
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return bodies


def raw_worker(url: str, bodies: list[bytes], results) -> None:
    import requests

    session = requests.Session()
    session.trust_env = False
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-Postmark-Server-Token": ESP_TOKEN,
    }
    sent = 0
    for body in bodies:
        response = session.post(url + "email", data=body, headers=headers, timeout=30)
        response.raise_for_status()
        response.json()
        sent += 1
    session.close()
    results.put(sent)


def raw_posts(url: str, bodies: list[bytes], workers: int) -> float:
    """POSTs per second of `workers` processes sending `bodies` between them."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    shares = [bodies[k::workers] for k in range(workers)]
    processes = [context.Process(target=raw_worker, args=(url, share, results)) for share in shares]
    started = time.perf_counter()
    for process in processes:
        process.start()
    sent = sum(results.get(timeout=600) for _ in processes)
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join(30)
    return sent / elapsed


def profile_drain(batch: int) -> None:
    """One more drain of the same rows, in this process under cProfile: the top lines."""
    import cProfile
    import pstats

    from django.utils import timezone

    from notifications.delivery import drain
    from notifications.models import OutboxMessage

    OutboxMessage.objects.update(
        status="pending", claim=None, attempts=0, sent_at=None, provider_message_id="", next_attempt_at=timezone.now()
    )
    profiler = cProfile.Profile()
    profiler.enable()
    drain(batch_size=batch)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)


def worker(batch: int, results) -> None:
    from django.db import connections

    from notifications.delivery import drain

    connections.close_all()  # a connection of its own, not the parent's
    result = drain(batch_size=batch)
    results.put((result.sent, result.retried, result.failed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--profile", action="store_true", help="profile one more drain in one worker")
    args = parser.parse_args()

    esp = FakeESP()
    esp_url = esp.url
    print(f"fake ESP at {esp_url}")

    setup_environment(esp_url)
    from django.db import connections

    from notifications.models import OutboxMessage

    create_pending(args.messages)
    with connections["default"].cursor() as cursor:
        # What autovacuum does within a minute of a burst of rows: without statistics the planner
        # expects a handful of due rows and sorts every pending one at each claim, instead of
        # reading the first hundred from the `outbox_due` index.
        cursor.execute("ANALYZE notifications_outboxmessage")
    print(f"{OutboxMessage.objects.filter(status='pending').count()} pending messages")
    bodies = raw_payloads(args.messages)
    connections.close_all()

    raw_rate = raw_posts(esp_url, bodies, args.workers)
    print(f"floor: {args.workers} workers POSTing the same {len(bodies)} payloads, no database: {raw_rate:.0f} posts/s")
    esp.accepted.clear()

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [context.Process(target=worker, args=(args.batch, results)) for _ in range(args.workers)]
    started = time.perf_counter()
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=600) for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join(30)

    sent_rows = OutboxMessage.objects.filter(status="sent").count()
    ids = set(OutboxMessage.objects.values_list("pk", flat=True))
    lost = len(ids - {pk for pk, n in esp.accepted.items() if n >= 1}) + (args.messages - sent_rows)
    duplicates = sum(n - 1 for n in esp.accepted.values() if n > 1)
    per_worker = [sent for sent, _, _ in outcomes]
    rate = sent_rows / elapsed
    print(
        f"{args.workers} workers, batches of {args.batch}: {sent_rows} sent in {elapsed:.2f} s "
        f"({rate:.0f} messages/s); per worker {per_worker}"
    )
    print(f"ESP accepted {sum(esp.accepted.values())} messages; lost {lost}; duplicates {duplicates}")
    print(f"outbox/raw {rate / raw_rate:.2f} (target >= 0.6)")
    if args.profile:
        profile_drain(args.batch)
    esp.stop()
    print(
        json.dumps(
            {
                "messages_per_s": round(rate, 1),
                "raw_posts_per_s": round(raw_rate, 1),
                "outbox_to_raw": round(rate / raw_rate, 3),
                "lost": lost,
                "duplicates": duplicates,
                "messages": args.messages,
                "workers": args.workers,
                "seconds": round(elapsed, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
