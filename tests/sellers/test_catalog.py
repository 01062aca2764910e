"""sellers/catalog.py: the one rule of what may be sold, and the catalog's search (PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sellers import catalog
from sellers.models import Category, Offer
from tests.conftest import make_store

pytestmark = pytest.mark.django_db


def offer(store, title, sku, price="100", stock=5, **extra):
    return Offer.objects.create(store=store, title=title, sku=sku, price=Decimal(price), stock=stock, **extra)


def skus(page) -> list[str]:
    return [o.sku for o in page.offers]


@pytest.fixture
def shelf(store, outsider_store):
    return {
        "ok": offer(store, "Навушники бездротові Sony", "SONY-1"),
        "paused": offer(store, "Павербанк Xiaomi", "PB-1", paused=True),
        "empty": offer(store, "Кабель USB-C", "CBL-1", stock=0),
        "other": offer(outsider_store, "Навушники дротові Philips", "PH-1", price="300"),
    }


def test_sellable_excludes_paused_out_of_stock_suspended_and_hidden(shelf, store, outsider_store):
    assert set(catalog.sellable_offers().values_list("sku", flat=True)) == {"SONY-1", "PH-1"}
    assert [catalog.is_sellable(o) for o in (shelf["ok"], shelf["paused"], shelf["empty"])] == [True, False, False]

    outsider_store.is_suspended = True
    outsider_store.save()
    assert set(catalog.sellable_offers().values_list("sku", flat=True)) == {"SONY-1"}
    assert not catalog.is_sellable(Offer.objects.get(sku="PH-1"))

    store.offers_hidden = True
    store.save()
    assert not catalog.sellable_offers().exists()
    assert not catalog.is_sellable(Offer.objects.get(sku="SONY-1"))
    assert not catalog.search().offers


def test_search_lists_only_sellable_and_out_of_stock_only_on_request(shelf):
    assert set(skus(catalog.search())) == {"SONY-1", "PH-1"}
    assert set(skus(catalog.search(in_stock=False))) == {"SONY-1", "PH-1", "CBL-1"}  # never the paused one


@pytest.mark.parametrize(
    "query, expected",
    [
        ("навушники", {"SONY-1", "PH-1"}),
        ("НАВУШНИКИ", {"SONY-1", "PH-1"}),
        ("навушнікі", {"SONY-1", "PH-1"}),  # a typo
        ("наушники", {"SONY-1", "PH-1"}),  # a letter missing
        ("бездротові sony", {"SONY-1"}),
        ("sony-1", {"SONY-1"}),  # SKU, any case
        ("ph-", {"PH-1"}),  # part of a SKU
        ("навушники; кабель", {"SONY-1", "PH-1"}),  # alternatives; the cable is out of stock
        ("телевізор", set()),
    ],
)
def test_search_is_typo_tolerant_on_postgresql(shelf, query, expected):
    assert set(skus(catalog.search(q=query))) == expected


def test_relevance_puts_the_closer_title_first(store):
    offer(store, "Чохол для телефону", "A-1")
    offer(store, "Чохол шкіряний для iPhone 15", "A-2")
    offer(store, "Кабель Lightning", "A-3")
    assert skus(catalog.search(q="iphone 15"))[0] == "A-2"
    assert skus(catalog.search(q="A-3"))[0] == "A-3"


def test_exclude_store_leaves_that_store_out(shelf, store, outsider_store):
    assert skus(catalog.search(q="навушники", exclude_store=store.slug)) == ["PH-1"]
    assert skus(catalog.search(q="навушники", store=store.slug)) == ["SONY-1"]


def test_filters_price_category_and_sorting(store):
    phones = Category.objects.create(name="Phones", slug="phones")
    offer(store, "A", "P-100", price="100", category=phones)
    offer(store, "B", "P-300", price="300", category=phones)
    offer(store, "C", "P-200", price="200")
    assert skus(catalog.search(sort=catalog.SORT_PRICE_ASC)) == ["P-100", "P-200", "P-300"]
    assert skus(catalog.search(sort=catalog.SORT_PRICE_DESC)) == ["P-300", "P-200", "P-100"]
    assert skus(catalog.search()) == ["P-200", "P-300", "P-100"]  # newest first
    assert skus(catalog.search(price_min=Decimal("150"), price_max=Decimal("250"))) == ["P-200"]
    assert set(skus(catalog.search(category="phones"))) == {"P-100", "P-300"}


def test_pagination_pages_and_caps_the_count(store, monkeypatch):
    Offer.objects.bulk_create(
        Offer(store=store, title=f"Item {n}", sku=f"I-{n:03}", price=Decimal(n + 1), stock=1) for n in range(30)
    )
    first = catalog.search(per_page=12)
    assert (first.total, first.num_pages, first.has_next, first.has_previous) == (30, 3, True, False)
    last = catalog.search(per_page=12, page=3)
    assert len(last.offers) == 6 and not last.has_next
    seen = [o.sku for n in (1, 2, 3) for o in catalog.search(per_page=12, page=n).offers]
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 30
    assert catalog.search(per_page=12, page=99).number == 3  # past the end: the last page

    monkeypatch.setattr(catalog, "COUNT_CAP", 20)
    capped = catalog.search(per_page=12)
    assert (capped.total, capped.capped, capped.num_pages) == (20, True, 2)


def test_other_store_with_the_same_goods_when_one_is_excluded(store):
    other = make_store("Gamma")
    offer(store, "Phone case", "C-1")
    offer(other, "Phone case", "C-2")
    assert skus(catalog.search(q="Phone case", exclude_store=store.slug)) == ["C-2"]
