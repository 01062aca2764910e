"""Search in any letter case, Cyrillic included, and partial SKUs for offers (PostgreSQL here;
the same on SQLite in tests/test_sqlite_search.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order
from sellers.cabinet.selectors import offer_list
from sellers.models import Offer


@pytest.mark.parametrize("query", ["лисенко", "ЛИСЕНКО", "Лисенко", "лисЕНко", "олена лис", "лисенко олена"])
def test_buyer_name_in_any_case(manager_client, place_order, query):
    target = place_order()
    Order.objects.filter(pk=target.pk).update(buyer_name="Олена Лисенко")
    place_order()
    response = manager_client.get(reverse("cabinet:order_list"), {"tab": "all", "q": query})
    assert [row.order.pk for row in response.context["rows"]] == ([target.pk] if query != "лисенко олена" else [])


@pytest.mark.parametrize(
    "query, found",
    [
        ("CASE-1", {"CASE-1", "CASE-10"}),
        ("case", {"CASE-1", "CASE-10"}),
        ("se-1", {"CASE-1", "CASE-10"}),
        ("-10", {"CASE-10"}),
        ("чохол", {"ЧХ-5"}),
        ("ЧОХОЛ", {"ЧХ-5"}),
        ("чх", {"ЧХ-5"}),
        ("nothing", set()),
    ],
)
def test_offers_by_part_of_the_title_or_sku(store, offers, query, found):
    Offer.objects.create(store=store, title="Cable", sku="CASE-10", price=Decimal("90"), stock=1)
    Offer.objects.create(store=store, title="Чохол шкіряний", sku="ЧХ-5", price=Decimal("90"), stock=1)
    assert {offer.sku for offer in offer_list(store.pk, query)} == found


def test_offer_page_finds_a_partial_sku(manager_client, offers):
    response = manager_client.get(reverse("cabinet:offer_list"), {"q": "hg-"})
    assert [row["offer"].sku for row in response.context["rows"]] == ["CHG-1"]
