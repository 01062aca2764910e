"""Server time of the storefront's catalog and search over 100,000 offers on PostgreSQL.

    .venv/bin/python bench/storefront.py [--offers 100000] [--stores 200] [--requests 50]

Starts a throw-away PostgreSQL (tests.servers.start_postgres), migrates (pg_trgm and the
trigram indexes of sellers/migrations/0006), creates the stores and the offers with one
INSERT … SELECT generate_series (titles from a Ukrainian vocabulary, SKUs, prices, stock; a few
paused, out of stock, or of a hidden store), ANALYZEs, and times GET requests through the real
views with Django's test Client (URL resolution, middleware, the selector sellers/catalog.py
and the template render): the median of N requests after a warm-up.

If bench/storefront_checkout.py exists, its `measure(context) -> dict` is called with
{"database_url", "stores" (ids), "offers" (a few sellable offer ids per store)} and its figures
are merged. The last line printed is one JSON object:
    search_p50_ms_100k: "/?q=навушники бездротові" (relevance order),
    catalog_p50_ms_100k: "/" (the first page, newest first),
    floor_p50_ms: the storefront's base template with nothing in it, through the same middleware,
        and the ratios search_to_floor, catalog_to_floor (the machine's load moves them less),
    and a few variants (a typo, a price sort deep in the pages, a category, a store page).
Targets: search and catalog ≤ 50 ms p50.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchenv import setup_django  # noqa: E402

NOUNS = [
    "Навушники",
    "Павербанк",
    "Чохол",
    "Зарядний пристрій",
    "Кабель",
    "Смарт-годинник",
    "Колонка",
    "Ковдра",
    "Подушка",
    "Лампа",
    "Рушник",
    "Плед",
    "Чайник",
    "Сковорода",
    "Рюкзак",
    "Кросівки",
    "Футболка",
    "Куртка",
    "Книга",
    "Конструктор",
]
ADJECTIVES = [
    "бездротові",
    "портативний",
    "силіконовий",
    "швидкий",
    "плетений",
    "спортивний",
    "водостійкий",
    "вовняна",
    "ортопедична",
    "настільна",
    "махровий",
    "флісовий",
    "електричний",
    "антипригарна",
    "міський",
    "легкі",
    "бавовняна",
    "зимова",
    "подарункова",
    "дитячий",
]
BRANDS = ["Sony", "Xiaomi", "Samsung", "Philips", "Tefal", "JBL", "Anker", "Baseus", "Lego", "Ikea", "Nike", "Puma"]
CATEGORIES = ["electronics", "accessories", "home", "kitchen", "clothes", "books", "toys", "sport"]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


def make_data(offers: int, stores: int) -> list[int]:
    from django.db import connection

    from sellers.models import Category, Store

    for position, slug in enumerate(CATEGORIES):
        Category.objects.create(slug=slug, name=slug.title(), position=position)
    Store.objects.bulk_create(
        Store(name=f"Магазин {n:03}", slug=f"store-{n:03}", offers_hidden=(n % 50 == 49)) for n in range(stores)
    )
    store_ids = list(Store.objects.order_by("pk").values_list("pk", flat=True))
    first_category = Category.objects.order_by("pk").values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO sellers_offer (store_id, title, sku, price, stock, paused, description, photo, category_id,
                                       updated_at)
            SELECT %(first_store)s + (g %% %(stores)s),
                   ({_array(NOUNS)})[1 + g %% {len(NOUNS)}]
                       || ' ' || ({_array(ADJECTIVES)})[1 + (g / 7) %% {len(ADJECTIVES)}]
                       || ' ' || ({_array(BRANDS)})[1 + (g / 3) %% {len(BRANDS)}] || ' ' || (1 + g %% 997)::text,
                   'SKU-' || lpad(g::text, 7, '0'),
                   (50 + (g * 37) %% 9950)::numeric(12, 2),
                   CASE WHEN g %% 23 = 0 THEN 0 ELSE 1 + g %% 40 END,
                   g %% 31 = 0,
                   'Опис товару ' || g::text,
                   '',
                   %(first_category)s + g %% {len(CATEGORIES)},
                   now()
            FROM generate_series(1, %(offers)s) AS g
            """,
            {"first_store": store_ids[0], "stores": stores, "offers": offers, "first_category": first_category},
        )
        cursor.execute("VACUUM (ANALYZE) sellers_offer")
        cursor.execute("ANALYZE sellers_store")
    return store_ids


def medians(client, cases: dict, warmup: int, requests: int) -> dict[str, float]:
    """Median server time of each case, ms; the cases take turns request by request."""
    for _ in range(warmup):
        for url, params in cases.values():
            assert client.get(url, params).status_code == 200, url
    times: dict[str, list[float]] = {key: [] for key in cases}
    for _ in range(requests):
        for key, (url, params) in cases.items():
            started = time.perf_counter()
            response = client.get(url, params)
            times[key].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, url
    return {key: round(statistics.median(values), 2) for key, values in times.items()}


FLOOR_URLCONF = "bench_storefront_urls"


def install_floor_page() -> str:
    """The floor: what every storefront page pays before its own work — the middleware, the
    session, the storefront's base template (header, search, cart link, language switch) with an
    empty content block — mounted only in the bench's own URLconf (never a shipped URL)."""
    import types

    from django.conf import settings
    from django.http import HttpResponse
    from django.template import engines
    from django.urls import path

    template = engines["django"].from_string(
        '{% extends "storefront/base.html" %}{% block content %}<h1>Floor</h1>{% endblock %}'
    )

    def floor(request):
        return HttpResponse(template.render({}, request))

    module = types.ModuleType(FLOOR_URLCONF)
    project = __import__(settings.ROOT_URLCONF, fromlist=["urlpatterns"])
    module.urlpatterns = [path("__bench_floor__/", floor), *project.urlpatterns]
    sys.modules[FLOOR_URLCONF] = module
    settings.ROOT_URLCONF = FLOOR_URLCONF
    return "/__bench_floor__/"


def explain(client, cases: dict) -> None:
    """Each case's queries with their plans and times, on stderr."""
    from django.db import connection

    from sellers.catalog import WORD_SIMILARITY_THRESHOLD as threshold

    for key, (url, params) in cases.items():
        queries = []

        def capture(execute, sql, values, many, context, queries=queries):
            queries.append((sql, values))
            return execute(sql, values, many, context)

        with connection.execute_wrapper(capture):
            client.get(url, params)
        print(f"--- {key}", file=sys.stderr)
        for sql, values in queries:
            if not sql.lstrip().upper().startswith("SELECT") or "set_config" in sql:
                continue
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(threshold)])
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, values)
                plan = [row[0] for row in cursor.fetchall()]
            print(sql[:300], file=sys.stderr)
            print("\n".join(plan[:25]), file=sys.stderr)


def checkout_figures(context: dict) -> dict:
    path = ROOT / "bench" / "storefront_checkout.py"
    if not path.exists():
        return {}
    spec = importlib.util.spec_from_file_location("bench_storefront_checkout", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.measure(context))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each case's queries")
    args = parser.parse_args()

    url = setup_django()
    from django.core.management import call_command
    from django.test import Client

    from sellers import catalog

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    store_ids = make_data(args.offers, args.stores)
    print(f"data ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    floor_url = install_floor_page()
    client = Client(HTTP_ACCEPT_LANGUAGE="uk")
    cases = {
        "floor_p50_ms": (floor_url, {}),
        "search_p50_ms_100k": ("/", {"q": "навушники бездротові"}),
        "catalog_p50_ms_100k": ("/", {}),
        "search_typo_p50_ms_100k": ("/", {"q": "павербанг xiaomi"}),
        "search_broad_p50_ms_100k": ("/", {"q": "навушники"}),
        "search_sku_p50_ms_100k": ("/", {"q": "SKU-0012345"}),
        "catalog_price_page_20_p50_ms_100k": ("/", {"sort": "price_asc", "page": "20"}),
        "catalog_category_p50_ms_100k": ("/", {"category": "books", "sort": "price_desc"}),
        "store_page_p50_ms_100k": ("/store/store-007/", {}),
    }
    sample = catalog.search(q="навушники бездротові")
    print(f"search found {sample.total}{'+' if sample.capped else ''}: {sample.offers[0].title!r}", file=sys.stderr)
    if args.explain:
        explain(client, cases)
    result = medians(client, cases, args.warmup, args.requests)
    for key in ("search_p50_ms_100k", "catalog_p50_ms_100k"):  # what the machine's speed does not move
        result[key.replace("_p50_ms_100k", "_to_floor")] = round(result[key] / result["floor_p50_ms"], 2)
    result["offers"] = args.offers
    result["stores"] = args.stores
    result["count_cap"] = catalog.COUNT_CAP
    result["measured_through"] = "test client: the real views, selector and templates"
    offers = {
        store: list(catalog.sellable_offers().filter(store_id=store).order_by("pk").values_list("pk", flat=True)[:5])
        for store in store_ids[:10]
    }
    print(f"catalog figures: {json.dumps(result, ensure_ascii=False)}", file=sys.stderr)
    try:
        result.update(checkout_figures({"database_url": url, "stores": store_ids, "offers": offers}))
    except Exception as error:  # noqa: BLE001 - the catalog's figures still come out, with the reason
        traceback.print_exc()
        result["checkout_error"] = f"{type(error).__name__}: {error}"
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
