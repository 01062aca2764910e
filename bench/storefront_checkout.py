"""Server time of the storefront's checkout and the throughput of a hot offer, on PostgreSQL.

    .venv/bin/python bench/storefront_checkout.py [--requests 50]

Run alone, it starts a throw-away PostgreSQL (tests.servers.start_postgres) and migrates;
bench/storefront.py calls `measure(context)` in its own process instead (Django set up, its data
in place; only the context dict is agreed, and this module makes its own store and offers).
The last line printed alone is one JSON object:
    checkout_p50_ms: POST /checkout/ of one order of 3 items through the real view (the form, the
        checkout service with its row locks, order_place, history and outbox rows, the redirect);
        the cart is filled and the checkout page fetched before each timed request;
    hot_offer_orders_per_s: 8 buyers in their own threads and connections check out 1 unit each of
        one offer, through `checkout_place`, until its 1,000 units are gone;
    oversold: units sold beyond the stock (must be 0), with the stock left (must be 0);
    checkout_floor_p50_ms: a POST through the same middleware and session that writes one row in one
        transaction and redirects (bench-only URL), and checkout_to_floor, the ratio the machine's
        speed moves less; checkout_queries: the statements of one 3-item checkout_place.
Targets: checkout ≤ 100 ms p50, oversold 0.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchenv import setup_django  # noqa: E402

HOT_UNITS = 1000
HOT_BUYERS = 8


def _store(slug: str):
    from django.contrib.auth import get_user_model

    from sellers.models import Store, StoreMember

    user = get_user_model().objects.create_user(username=f"owner-{slug}", email=f"{slug}@example.com")
    store = Store.objects.create(name=f"Bench {slug}", slug=slug, pickup_address="Kyiv, Khreshchatyk 1")
    StoreMember.objects.create(store=store, user=user, role=StoreMember.Role.OWNER)
    return store


def checkout_p50_ms(requests: int, warmup: int) -> float:
    from django.test import Client
    from django.urls import reverse

    from sellers.models import Offer

    store = _store(f"bench-checkout-{time.time_ns()}")
    offers = [
        Offer.objects.create(
            store=store, title=f"Bench item {n}", sku=f"B-{n}", price=Decimal("199.90") + n, stock=10**6
        )
        for n in range(3)
    ]
    client = Client(HTTP_ACCEPT_LANGUAGE="uk")
    times = []
    for round_ in range(warmup + requests):
        for offer in offers:
            assert client.post(reverse("storefront:cart_add"), {"offer": offer.pk, "quantity": 1}).status_code == 302
        page = client.get(reverse("storefront:checkout")).content.decode()
        data = {
            "key": re.search(r'name="key" value="([^"]+)"', page).group(1),
            "cart": re.search(r'name="cart" value="([^"]+)"', page).group(1),
            "name": "Bench Buyer",
            "phone": f"+3805012{round_ % 100000:05d}",
            "email": "buyer@example.com",
            "language": "uk",
            f"s{store.pk}-delivery_method": "nova_poshta",
            f"s{store.pk}-delivery_branch": "Kyiv, branch 12",
            f"s{store.pk}-payment_method": "cod",
        }
        started = time.perf_counter()
        response = client.post(reverse("storefront:checkout"), data)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 302 and "/checkout/done/" in response.url, response
        if round_ >= warmup:
            times.append(elapsed)
    return round(statistics.median(times), 2)


FLOOR_PATH = "/__bench_checkout_floor__/"


def install_floor() -> str:
    """The checkout's floor: what any checkout POST pays before its own work — the middleware, the
    session read and written, one transaction with one INSERT (a Checkout row) and the redirect —
    mounted only in the bench's own URLconf (never a shipped URL)."""
    import types

    from django.conf import settings
    from django.http import HttpResponseRedirect
    from django.urls import clear_url_caches, path

    from marketplace import clock
    from orders.services.base import atomic
    from orders.storefront.checkout_forms import new_checkout_key
    from orders.storefront.models import Checkout

    def floor(request):
        request.session["bench"] = request.session.get("bench", 0) + 1
        with atomic():
            Checkout.objects.create(key=new_checkout_key(), buyer_phone="+380500000000", created_at=clock.now())
        return HttpResponseRedirect("/checkout/done/floor/")

    project = __import__(settings.ROOT_URLCONF, fromlist=["urlpatterns"])
    module = types.ModuleType("bench_checkout_urls")
    module.urlpatterns = [path(FLOOR_PATH.strip("/") + "/", floor), *project.urlpatterns]
    sys.modules["bench_checkout_urls"] = module
    settings.ROOT_URLCONF = "bench_checkout_urls"
    clear_url_caches()
    return FLOOR_PATH


def floor_p50_ms(requests: int, warmup: int) -> float:
    from django.test import Client

    url = install_floor()
    client = Client(HTTP_ACCEPT_LANGUAGE="uk")
    times = []
    for round_ in range(warmup + requests):
        started = time.perf_counter()
        response = client.post(url, {"name": "Bench Buyer"})
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 302, response
        if round_ >= warmup:
            times.append(elapsed)
    return round(statistics.median(times), 2)


def checkout_queries() -> int:
    """Statements of one checkout of 3 items through checkout_place (transaction control left out)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.services import CheckoutLine, StoreOrder, checkout_place
    from orders.storefront.checkout_forms import new_checkout_key
    from sellers.models import Offer

    store = _store(f"bench-queries-{time.time_ns()}")
    offers = [
        Offer.objects.create(store=store, title=f"Q item {n}", sku=f"Q-{n}", price=Decimal("10"), stock=100)
        for n in range(3)
    ]
    part = StoreOrder(
        store_id=store.pk,
        lines=tuple(CheckoutLine(offer.pk, 1, offer.price) for offer in offers),
        delivery_method="nova_poshta",
        delivery_branch="Kyiv, branch 1",
    )
    with CaptureQueriesContext(connection) as queries:
        checkout_place(key=new_checkout_key(), buyer_name="Bench", buyer_phone="+380501234567", parts=[part])
    return sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"])


def hot_offer() -> dict:
    from django.db import connection

    from orders.models import OrderItem
    from orders.services import CheckoutLine, StoreOrder, checkout_place
    from orders.storefront.checkout_forms import new_checkout_key
    from sellers.models import Offer

    store = _store(f"bench-hot-{time.time_ns()}")
    offer = Offer.objects.create(store=store, title="Hot offer", sku="HOT-1", price=Decimal("999.00"), stock=HOT_UNITS)
    part = StoreOrder(
        store_id=store.pk,
        lines=(CheckoutLine(offer.pk, 1, offer.price),),
        delivery_method="nova_poshta",
        delivery_branch="Kyiv, branch 1",
    )
    placed = [0] * HOT_BUYERS
    refused = [0] * HOT_BUYERS
    errors: list[BaseException] = []
    barrier = threading.Barrier(HOT_BUYERS)

    def buyer(index: int) -> None:
        from marketplace.errors import RuleViolation

        try:
            barrier.wait(timeout=30)
            n = 0
            while True:
                n += 1
                try:
                    checkout_place(
                        key=new_checkout_key(),
                        buyer_name=f"Buyer {index}",
                        buyer_phone=f"+380671{index:02d}{n % 10000:04d}",
                        parts=[part],
                    )
                    placed[index] += 1
                except RuleViolation as error:
                    if error.code != "stock":
                        raise
                    refused[index] += 1
                    return  # sold out
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(HOT_BUYERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    sold = sum(OrderItem.objects.filter(offer=offer).values_list("quantity", flat=True))
    left = Offer.objects.get(pk=offer.pk).stock
    return {
        "hot_offer_orders_per_s": round(sum(placed) / elapsed, 1),
        "hot_offer_orders": sum(placed),
        "hot_offer_seconds": round(elapsed, 2),
        "oversold": max(0, sold - HOT_UNITS),
        "hot_offer_stock_left": left,
        "hot_offer_sold": sold,
    }


def measure(context: dict | None = None, *, requests: int = 50, warmup: int = 5) -> dict:
    """Both figures; `context` (bench/storefront.py's dict) is not needed: this makes its own data.
    The checkout's hourly per-phone and per-IP limits are lifted while it runs (one client, one IP)."""
    from orders.services import checkout

    limits = checkout.PER_PHONE_PER_HOUR, checkout.PER_IP_PER_HOUR
    checkout.PER_PHONE_PER_HOUR = checkout.PER_IP_PER_HOUR = 10**9
    try:
        result = {"checkout_p50_ms": checkout_p50_ms(requests, warmup)}
        result["checkout_floor_p50_ms"] = floor_p50_ms(requests, warmup)
        result["checkout_to_floor"] = round(result["checkout_p50_ms"] / result["checkout_floor_p50_ms"], 2)
        result["checkout_queries"] = checkout_queries()
        result.update(hot_offer())
    finally:
        checkout.PER_PHONE_PER_HOUR, checkout.PER_IP_PER_HOUR = limits
    result["checkout_measured_through"] = "test client POST /checkout/ (3 items, one store)"
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(json.dumps(measure({}, requests=args.requests, warmup=args.warmup), ensure_ascii=False))


if __name__ == "__main__":
    main()
