"""`make run` runs on SQLite: the cart and the checkout work there too (no row locks, the same rules)."""

from tests.sqlite_support import run_on_sqlite

SCRIPT = r"""
import re
from decimal import Decimal

import django

django.setup()
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()
assert connection.vendor == "sqlite", connection.vendor
call_command("migrate", interactive=False, verbosity=0)

from orders.models import Order
from sellers.models import Offer, Store

store = Store.objects.create(name="Alpha", slug="alpha", pickup_address="Kyiv, Khreshchatyk 1")
offer = Offer.objects.create(store=store, title="Case", sku="C-1", price=Decimal("250.00"), stock=3)
client = Client()
assert client.post("/cart/add/", {"offer": offer.pk, "quantity": 2}).status_code == 302
page = client.get("/checkout/").content.decode()
data = {
    "key": re.search(r'name="key" value="([^"]+)"', page).group(1),
    "cart": re.search(r'name="cart" value="([^"]+)"', page).group(1),
    "name": "Iryna", "phone": "+380501234567", "email": "", "language": "uk",
    f"s{store.pk}-delivery_method": "pickup", f"s{store.pk}-payment_method": "cod",
}
response = client.post("/checkout/", data)
assert response.status_code == 302, response.content.decode()[:2000]
assert client.post("/checkout/", data).url == response.url  # a double submit: the same page
order = Order.objects.get()
assert (order.delivery_method, order.items.get().quantity) == ("pickup", 2)
assert Offer.objects.get(pk=offer.pk).stock == 1
assert client.get(response.url).status_code == 200
print("ok")
"""


def test_checkout_works_on_sqlite(tmp_path):
    result = run_on_sqlite(SCRIPT, tmp_path, timeout=300)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-3000:]
