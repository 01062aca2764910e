"""Server time of the seller cabinet's order list and order page on PostgreSQL.

    .venv/bin/python bench/cabinet.py [--no-indexes] [--requests 50] [--open-per-mille 20] [--profile]

Starts a throw-away PostgreSQL (tests.servers.start_postgres), migrates, creates two stores,
one with 1,000 and one with 100,000 orders (INSERT … SELECT generate_series, no history; the
small one with at least a page and one of open orders, so both lists show 25 rows),
keeps the indexes the list needs (--no-indexes drops them, to compare), and times GET requests
through Django's test Client, signed in: the median of N requests after a warm-up. The last
line printed is one JSON object:
    list_p50_ms_1k, list_p50_ms_100k, order_p50_ms_100k (+ a few more list variants),
    floor_p50_ms: the least a cabinet page costs on this machine now — a page of the bench's own
        URLconf (never a shipped URL) through the same middleware, session, sign-in and store
        look-up (`cabinet_view`) and the cabinet's base template with an empty content block;
    the ratios order_to_floor, list_to_floor (the 100k list), order_to_list (target ≤ 1.25) and
    list_100k_to_1k (target ≤ 1.2), which do not move with the machine's speed as the ms do.
--profile also prints each page's query count and the order page's cProfile top lines.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import json
import pstats
import statistics
import sys
import time
import types
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchenv import setup_django  # noqa: E402

# The indexes the cabinet's list needs (orders/models.py; the list orders by
# acceptable_deadline ASC NULLS LAST, created_at DESC, id DESC; see sellers/cabinet/selectors.py).
# --no-indexes drops them to show what they are worth.
LIST_INDEXES = ("order_store_status_deadline", "order_store_deadline_all", "order_store_open_list")


FLOOR_URLCONF = "bench_cabinet_urls"


def install_floor_page() -> str:
    """The floor page, mounted only in the bench's own URLconf (the project's URLs plus one):
    what every cabinet page pays before its own work — the middleware, the session, the sign-in
    and the member's stores (`cabinet_view`), the base template with nothing in its content."""
    from django.conf import settings
    from django.http import HttpResponse
    from django.template import engines
    from django.urls import path

    from sellers.cabinet.views.base import cabinet_view

    template = engines["django"].from_string(
        '{% extends "cabinet/base.html" %}{% block content %}<h1>Floor</h1>{% endblock %}'
    )

    @cabinet_view
    def floor(request):
        return HttpResponse(template.render({}, request))

    module = types.ModuleType(FLOOR_URLCONF)
    module.urlpatterns = [
        path("bench-floor/", floor, name="bench_floor"),
        *importlib.import_module(settings.ROOT_URLCONF).urlpatterns,
    ]
    sys.modules[FLOOR_URLCONF] = module
    settings.ROOT_URLCONF = FLOOR_URLCONF
    return "/bench-floor/"


def query_counts(cases: dict) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found = {}
    for key, (client, url, params) in cases.items():
        client.get(url, params)  # the steady state: the first view also reads the platform's settings
        with CaptureQueriesContext(connection) as queries:
            client.get(url, params)
        found[key] = len(queries)
    return found


def profile_page(client, url: str, runs: int = 20) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        client.get(url)
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)


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
    parser.add_argument("--profile", action="store_true", help="print query counts and the order page's profile")
    args = parser.parse_args()

    setup_django()
    floor_url = install_floor_page()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    # No setup_test_environment(): its instrumented template rendering would be measured too.
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    # By default a working store: 2 % of its orders in progress (20 of 1,000; 2,000 of
    # 100,000). --open-per-mille 200 is a stress mix (20,000 of 100,000 in progress).
    # The small store has at least a page and one of open orders, as the big one has, so both
    # lists show the same 25 rows and a next page: the ratio compares store sizes, not 20 rows
    # against 25 (2 % of 1,000 is 20, less than a page).
    from sellers.cabinet.selectors import PER_PAGE

    small_open = max(args.open_per_mille, PER_PAGE + 1)  # per mille of 1,000: that many open orders
    small, small_user = make_store("1k", 1_000, start=1, open_per_mille=small_open)
    big, big_user = make_store("100k", 100_000, start=1, open_per_mille=args.open_per_mille)
    order = an_order_with_history(big, big_user)
    if args.no_indexes:
        drop_list_indexes()
    with connection.cursor() as cursor:
        # What autovacuum does in time: the table's pages all-visible, so counting the open
        # orders is an index-only scan. Right after the bulk INSERT the first VACUUM here sets
        # almost none of the visibility map (relallvisible 0 of 2,806 pages); a second one sets it.
        for _ in range(3):
            cursor.execute("VACUUM (FREEZE, ANALYZE) orders_order")
            cursor.execute("SELECT relpages, relallvisible FROM pg_class WHERE relname = 'orders_order'")
            pages, visible = cursor.fetchone()
            if visible >= 0.95 * pages:
                break
    print(f"orders_order: {visible} of {pages} pages all-visible", file=sys.stderr)
    print(f"data ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    clients = {}
    for key, user in (("1k", small_user), ("100k", big_user)):
        clients[key] = Client(HTTP_ACCEPT_LANGUAGE="uk")
        clients[key].force_login(user)
    orders = reverse("cabinet:order_list")
    small_c, big_c = clients["1k"], clients["100k"]
    order_url = reverse("cabinet:order_detail", args=[order.pk])
    cases = {
        "floor_p50_ms": (big_c, floor_url, {}),
        "list_p50_ms_1k": (small_c, orders, {}),
        "list_p50_ms_100k": (big_c, orders, {}),
        "order_p50_ms_100k": (big_c, order_url, {}),
        "list_all_tab_p50_ms_100k": (big_c, orders, {"tab": "all", "page": 3}),
        "list_cancelled_tab_p50_ms_100k": (big_c, orders, {"tab": "cancelled"}),
        "list_overdue_p50_ms_100k": (big_c, orders, {"overdue": "on"}),
        "list_search_phone_p50_ms_100k": (big_c, orders, {"tab": "all", "q": "+380500012345"}),
    }
    if args.profile:
        print(f"queries per page: {json.dumps(query_counts(cases))}", file=sys.stderr)
        profile_page(big_c, order_url)
    result = medians(cases, args.warmup, args.requests)
    floor, order_ms = result["floor_p50_ms"], result["order_p50_ms_100k"]
    list_1k, list_100k = result["list_p50_ms_1k"], result["list_p50_ms_100k"]
    result["order_to_floor"] = round(order_ms / floor, 2)
    result["list_to_floor"] = round(list_100k / floor, 2)
    result["order_to_list"] = round(order_ms / list_100k, 2)  # target ≤ 1.25
    result["list_100k_to_1k"] = round(list_100k / list_1k, 2)  # target ≤ 1.2
    result["indexes"] = not args.no_indexes
    result["open_per_mille_1k"] = small_open
    result["open_per_mille"] = args.open_per_mille
    print(json.dumps(result))


if __name__ == "__main__":
    main()
