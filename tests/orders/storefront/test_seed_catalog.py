"""`seed_demo` gives every demo store a living storefront: categories, goods with descriptions
and locally drawn photos, and the store's pickup address, hours and phone (issues 11 and 12)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from marketplace import phones
from orders.seed import demo
from sellers import catalog
from sellers.models import Category, Offer, Store


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    return tmp_path


def test_every_demo_store_has_a_catalog_and_a_profile(seeded):
    assert Category.objects.count() >= 4
    for spec in demo.STORES:
        store = Store.objects.get(slug=spec.slug)
        assert store.pickup_address and store.pickup_hours
        assert phones.is_valid(store.phone) and store.phone == phones.normalize(store.phone)
        offers = Offer.objects.filter(store=store)
        assert offers.count() >= 12
        assert offers.values("category").distinct().count() >= 2
        assert not offers.filter(category__isnull=True).exists()
        assert not offers.filter(description="").exists()
        sellable = catalog.sellable_offers().filter(store=store)
        assert sellable.count() >= 10
        for offer in offers.exclude(photo=""):
            assert (seeded / offer.photo.name).is_file()
    assert Offer.objects.exclude(photo="").count() >= 30


def test_the_storefront_shows_the_demo(seeded):
    client = Client()
    response = client.get("/", {"q": "навушники"})
    assert response.status_code == 200
    assert len(response.context["result"].offers) >= 2
    store = Store.objects.get(slug=demo.STORES[2].slug)
    page = client.get(f"/store/{store.slug}/").content.decode()
    assert store.pickup_address in page
