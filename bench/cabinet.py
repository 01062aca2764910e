"""Server time of the seller cabinet's order list and order page on PostgreSQL.

    .venv/bin/python bench/cabinet.py [--no-indexes] [--requests 50] [--open-per-mille 20]

Starts a throw-away PostgreSQL (tests.servers.start_postgres), migrates, creates two stores,
one with 1,000 and one with 100,000 orders (INSERT … SELECT generate_series, no history),
keeps the indexes the list needs (--no-indexes drops them, to compare), and times GET requests
through Django's test Client, signed in: the median of N requests after a warm-up. The last
line printed is one JSON object:
    list_p50_ms_1k, list_p50_ms_100k, order_p50_ms_100k (+ a few more list variants).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The indexes the cabinet's list needs (orders/models.py; the list orders by
# acceptable_deadline ASC NULLS LAST, created_at DESC, id DESC; see sellers/cabinet/selectors.py).
# --no-indexes drops them to show what they are worth.
LIST_INDEXES = ("order_store_status_deadline", "order_store_deadline_all")


def setup_django() -> None:
    from tests.servers import start_postgres

    url = start_postgres()  # with its database created
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = "bench-only-secret-key-not-for-production-use-0123456789"
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["AXES_ENABLED"] = "0"
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="mp-bench-var-")
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    import django

    django.setup()


def drop_list_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for name in LIST_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


def make_store(name: str, orders: int, start: int, open_per_mille: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from sellers.models import Offer, Store, StoreMember
    from tests.sellers.bulk import insert_orders

    user = get_user_model().objects.create_user(
        username=f"owner-{name}", email=f"{name}@example.com", first_name="Olena"
    )
    store = Store.objects.create(name=f"Store {name}", slug=f"store-{name}")
    StoreMember.objects.create(store=store, user=user, role=StoreMember.Role.OWNER)
    Offer.objects.bulk_create(
        Offer(store=store, title=f"Offer {i}", sku=f"SKU-{i}", price=Decimal("199.00") + i, stock=1000)
        for i in range(50)
    )
    insert_orders(store.pk, orders, now=timezone.now(), start=start, open_per_mille=open_per_mille)
    return store, user


def an_order_with_history(store, user):
    """An accepted order placed and edited through the services (items, history, timeline)."""
    from marketplace.actors import Actor
    from orders.services import Line, order_comment_add, order_open, order_place, order_update_delivery
    from sellers.models import Offer

    offers = list(Offer.objects.filter(store=store)[:3])
    order = order_place(
        store=store,
        buyer_name="Iryna Buyer",
        buyer_phone="+380501234567",
        buyer_email="buyer@example.com",
        lines=[Line(o.pk, 1 + i) for i, o in enumerate(offers)],
        delivery_method="nova_poshta",
        delivery_branch="Branch 12",
    )
    actor = Actor.seller(user)
    order = order_open(actor=actor, order=order)
    order = order_update_delivery(
        actor=actor,
        order=order,
        method="nova_poshta",
        branch="Branch 12",
        cost=Decimal("70"),
        ship_by=date.today() + timedelta(days=2),
    )
    for text in ("Called, agreed the branch", "Buyer asks for a gift wrap"):
        order_comment_add(actor=actor, order=order, text=text)
    return order


def medians(cases: dict, warmup: int, requests: int) -> dict[str, float]:
    """Median server time of each case, ms. The cases take turns request by request, so a
    change of the machine's load during the run weighs on all of them alike."""
    for _ in range(warmup):
        for client, url, params in cases.values():
            assert client.get(url, params).status_code == 200, url
    times: dict[str, list[float]] = {key: [] for key in cases}
    for _ in range(requests):
        for key, (client, url, params) in cases.items():
            started = time.perf_counter()
            response = client.get(url, params)
            times[key].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, url
    return {key: round(statistics.median(values), 2) for key, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-indexes", action="store_true", help="measure without the recommended indexes")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--open-per-mille", type=int, default=20, help="orders in progress per 1000 (default 20)")
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()

    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    # No setup_test_environment(): its instrumented template rendering would be measured too.
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    # By default a working store: 2 % of its orders in progress (20 of 1,000; 2,000 of
    # 100,000). --open-per-mille 200 is a stress mix (20,000 of 100,000 in progress).
    small, small_user = make_store("1k", 1_000, start=1, open_per_mille=args.open_per_mille)
    big, big_user = make_store("100k", 100_000, start=1, open_per_mille=args.open_per_mille)
    order = an_order_with_history(big, big_user)
    if args.no_indexes:
        drop_list_indexes()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (FREEZE, ANALYZE) orders_order")  # what autovacuum does in time
    print(f"data ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    clients = {}
    for key, user in (("1k", small_user), ("100k", big_user)):
        clients[key] = Client(HTTP_ACCEPT_LANGUAGE="uk")
        clients[key].force_login(user)
    orders = reverse("cabinet:order_list")
    small_c, big_c = clients["1k"], clients["100k"]
    result = medians(
        {
            "list_p50_ms_1k": (small_c, orders, {}),
            "list_p50_ms_100k": (big_c, orders, {}),
            "order_p50_ms_100k": (big_c, reverse("cabinet:order_detail", args=[order.pk]), {}),
            "list_all_tab_p50_ms_100k": (big_c, orders, {"tab": "all", "page": 3}),
            "list_cancelled_tab_p50_ms_100k": (big_c, orders, {"tab": "cancelled"}),
            "list_overdue_p50_ms_100k": (big_c, orders, {"overdue": "on"}),
            "list_search_phone_p50_ms_100k": (big_c, orders, {"tab": "all", "q": "+380500012345"}),
        },
        args.warmup,
        args.requests,
    )
    result["indexes"] = not args.no_indexes
    result["open_per_mille"] = args.open_per_mille
    print(json.dumps(result))


if __name__ == "__main__":
    main()
