"""The storefront's search on SQLite (`make run`): no pg_trgm there, so sellers/catalog.py falls
back to a substring match in any letter case (marketplace/db.py's casefold). Runs in a separate
process on a temporary SQLite file, like tests/test_sqlite_search.py."""

from tests.sqlite_support import run_on_sqlite

STOREFRONT_SCRIPT = r"""
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

with time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Kyiv")), tick=True):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    assert connection.vendor == "sqlite", connection.vendor
    call_command("migrate", interactive=False, verbosity=0)  # sellers 0006: no pg_trgm, no trigram index here

    from sellers import catalog
    from sellers.models import Offer, Store

    one = Store.objects.create(name="Перший", slug="one")
    two = Store.objects.create(name="Другий", slug="two")
    Offer.objects.create(store=one, title="Навушники бездротові Sony", sku="SONY-1", price=Decimal("1899"), stock=3)
    Offer.objects.create(store=two, title="НАВУШНИКИ дротові", sku="PH-1", price=Decimal("399"), stock=3)
    Offer.objects.create(store=two, title="Навушники на паузі", sku="P-1", price=Decimal("1"), stock=3, paused=True)
    Offer.objects.create(store=two, title="Кабель USB-C", sku="CBL-1", price=Decimal("199"), stock=0)

    def skus(**kwargs):
        return sorted(o.sku for o in catalog.search(**kwargs).offers)

    for query, expected in (
        ("навушники", ["PH-1", "SONY-1"]),
        ("НАВУШНИКИ", ["PH-1", "SONY-1"]),
        ("бездротові sony", ["SONY-1"]),
        ("sony-1", ["SONY-1"]),
        ("ph-", ["PH-1"]),
        ("навушники; кабель", ["PH-1", "SONY-1"]),
        ("телевізор", []),
    ):
        assert skus(q=query) == expected, (query, skus(q=query))
    assert skus(q="навушники", exclude_store="one") == ["PH-1"]
    assert skus(in_stock=False) == ["CBL-1", "PH-1", "SONY-1"]
    response = Client().get("/", {"q": "навушники", "sort": "price_asc"})
    assert response.status_code == 200, response.status_code
    assert [o.sku for o in response.context["result"].offers] == ["PH-1", "SONY-1"]
    print("sqlite storefront ok")
"""


def test_storefront_search_falls_back_to_a_casefolded_substring_on_sqlite(tmp_path):
    result = run_on_sqlite(STOREFRONT_SCRIPT, tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    assert "sqlite storefront ok" in result.stdout
