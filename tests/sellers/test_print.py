"""The printable packing slip and invoice: one order or the bulk selection, the store's own
orders only, a print stylesheet; reading them changes nothing."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils import translation

from marketplace.templatetags.display import uah
from orders.choices import Status
from orders.models import Order
from orders.services import order_open
from tests.conftest import ready_delivery

URL = reverse("cabinet:order_print")


def test_packing_slip_and_invoice_of_one_order(manager_client, place_order, seller, store):
    order = ready_delivery(order_open(actor=seller, order=place_order()), seller)
    response = manager_client.get(URL, {"order": order.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "@media print" in html and "window.print()" in html
    assert f"Packing slip for order #{order.pk}" in html and f"Invoice for order #{order.pk}" in html
    assert store.name in html and "Iryna Buyer" in html and "+380 50 123 4567" in html
    assert "Nova Poshta" in html and "Branch 12" in html
    [doc] = response.context["documents"]
    assert [(line.item.sku, line.item.quantity, line.amount) for line in doc.lines] == [
        ("CASE-1", 2, Decimal("500.00")),
        ("CHG-1", 1, Decimal("499.90")),
    ]
    assert doc.units == 3
    assert order.total == Decimal("1069.90")
    with translation.override("en"):  # the page's language
        amounts = [uah(order.items_total), uah(order.delivery_cost), uah(order.total)]
    for text in ("Phone case", "Charger", *amounts):
        assert text in html, text


def test_print_of_the_selection_puts_each_order_on_its_own_pages(manager_client, place_order):
    first, second = place_order(), place_order(delivery_method="pickup")
    response = manager_client.get(URL, {"order": [second.pk, first.pk]})
    html = response.content.decode()
    assert [doc.order.pk for doc in response.context["documents"]] == [second.pk, first.pk]
    assert html.count('class="sheet packing-slip') == 2 and html.count('class="sheet invoice') == 2
    assert "break-before: page" in html
    # A pickup order's invoice has no delivery cost line.
    assert html.count('class="num delivery-cost"') == 1


def test_other_stores_orders_are_not_printed(manager_client, place_order, outsider_store, outsider_offer):
    mine = place_order()
    theirs = place_order([(outsider_offer, 1)], target_store=outsider_store)
    assert manager_client.get(URL, {"order": theirs.pk}).status_code == 404
    assert manager_client.get(URL).status_code == 404
    assert manager_client.get(URL, {"order": "²"}).status_code == 404
    response = manager_client.get(URL, {"order": [theirs.pk, mine.pk]})
    assert [doc.order.pk for doc in response.context["documents"]] == [mine.pk]
    assert "Lamp" not in response.content.decode()


def test_printing_a_new_order_does_not_open_it(manager_client, place_order, django_assert_max_num_queries):
    orders = [place_order() for _ in range(3)]
    with django_assert_max_num_queries(8):  # session, user, memberships, orders, items
        manager_client.get(URL, {"order": [o.pk for o in orders]})
    assert {Order.objects.get(pk=o.pk).status for o in orders} == {Status.NEW}


def test_every_list_row_links_to_its_print(manager_client, place_order):
    order = place_order()
    assert f'href="{URL}?order={order.pk}"' in manager_client.get(reverse("cabinet:order_list")).content.decode()
