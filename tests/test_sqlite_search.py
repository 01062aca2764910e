"""Search in any letter case on SQLite (`make run`): SQLite's LIKE folds ASCII only, so
marketplace/db.py folds both sides with Python's casefold. Runs in a separate process on a
temporary SQLite file, like tests/test_sqlite_smoke.py; the clock is pinned as the suite's."""

from tests.sqlite_support import run_on_sqlite

SCRIPT = r"""
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

with time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Kyiv")), tick=True):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    assert connection.vendor == "sqlite", connection.vendor
    call_command("migrate", interactive=False, verbosity=0)

    from orders.models import Order
    from sellers.cabinet.selectors import offer_list
    from sellers.models import Offer, Store, StoreMember

    with connection.cursor() as cursor:  # the premise: SQLite alone does not fold Cyrillic
        cursor.execute("SELECT 'Лисенко' LIKE '%лисенко%', 'Petrenko' LIKE '%petrenko%'")
        assert cursor.fetchone() == (0, 1)

    store = Store.objects.create(name="Магазин", slug="shop")
    user = get_user_model().objects.create_user("seller", password="x")
    StoreMember.objects.create(store=store, user=user, role=StoreMember.Role.OWNER)
    for name in ("Олена Лисенко", "Іван Лисенко", "Марія ЛИСЕНКО", "Taras Petrenko"):
        Order.objects.create(store=store, buyer_name=name, buyer_phone="+380501234567")
    client = Client()
    client.force_login(user)
    for query, expected in (("лисенко", 3), ("Лисенко", 3), ("ЛИСЕНКО", 3), ("іван", 1), ("PETRENKO", 1)):
        response = client.get("/cabinet/orders/", {"tab": "all", "q": query})
        assert response.status_code == 200, response.status_code
        assert len(response.context["rows"]) == expected, (query, len(response.context["rows"]))

    Offer.objects.create(store=store, title="Чохол шкіряний", sku="ЧХ-10", price=Decimal("90"), stock=1)
    Offer.objects.create(store=store, title="Cable", sku="CASE-10", price=Decimal("90"), stock=1)
    for query, expected in (("чохол", ["ЧХ-10"]), ("ШКІР", ["ЧХ-10"]), ("чх-1", ["ЧХ-10"]), ("se-1", ["CASE-10"])):
        assert [o.sku for o in offer_list(store.pk, query)] == expected, query
    print("sqlite search ok")
"""


def test_search_folds_cyrillic_case_on_sqlite(tmp_path):
    result = run_on_sqlite(SCRIPT, tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    assert "sqlite search ok" in result.stdout
