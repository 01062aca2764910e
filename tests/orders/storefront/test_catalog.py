"""The storefront's catalog pages (orders/storefront/catalog_views.py): the catalog at "/", the
offer page and the store page, as a buyer sees them; and the expiry e-mail's link to the same
goods in other stores."""

from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from notifications.models import OutboxMessage
from notifications.rendering import render_message
from orders.choices import CancelReason
from orders.services import order_cancel_by_platform
from sellers.models import Category, Offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    c = Client()
    c.cookies["django_language"] = "en"
    return c


def shown(response) -> list[str]:
    return [o.sku for o in response.context["result"].offers]


def test_catalog_lists_sellable_offers_with_filters(client, offers, outsider_offer, store):
    Offer.objects.create(store=store, title="Paused thing", sku="P-1", price=Decimal("1"), stock=3, paused=True)
    response = client.get(reverse("storefront:catalog"))
    assert response.status_code == 200
    assert set(shown(response)) == {"CASE-1", "CHG-1", "LAMP-1"}
    assert "Paused thing" not in response.content.decode()
    html = response.content.decode()
    assert "₴" in html and reverse("storefront:offer", args=[offers[0].pk]) in html

    assert shown(client.get("/", {"store": store.slug, "sort": "price_desc"})) == ["CHG-1", "CASE-1"]
    assert shown(client.get("/", {"price_min": "300", "price_max": "1000"})) == ["LAMP-1", "CHG-1"]
    assert shown(client.get("/", {"q": "chargr"})) == ["CHG-1"]  # a typo


def test_catalog_ignores_junk_parameters(client, offers):
    response = client.get("/", {"price_min": "abc", "page": "-4", "sort": "DROP", "store": "no such store!"})
    assert response.status_code == 200
    assert set(shown(response)) == {"CASE-1", "CHG-1"}


def test_catalog_pages_keep_the_filters(client, store):
    Offer.objects.bulk_create(
        Offer(store=store, title=f"Cable {n}", sku=f"CB-{n:02}", price=Decimal(10 + n), stock=1) for n in range(30)
    )
    first = client.get("/", {"q": "cable", "sort": "price_asc"})
    page = first.context["result"]
    assert (page.total, page.num_pages, len(page.offers)) == (30, 2, 24)
    assert 'href="?q=cable&amp;sort=price_asc&amp;page=2"' in first.content.decode()
    second = client.get("/", {"q": "cable", "sort": "price_asc", "page": "2"})
    assert shown(second) == [f"CB-{n:02}" for n in range(24, 30)]


def test_htmx_gets_only_the_results(client, offers):
    response = client.get("/", {"q": "case"}, headers={"HX-Request": "true", "HX-Target": "results"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"') and "<html" not in html


def test_offer_page_shows_the_offer_and_its_store(client, offers, store):
    offer = offers[0]
    offer.description = "Soft silicone.\n\nFits iPhone 15."
    offer.category = Category.objects.create(name="Cases", slug="cases")
    offer.save()
    response = client.get(reverse("storefront:offer", args=[offer.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Phone case" in html and "<p>Fits iPhone 15.</p>" in html and "250.00" in html
    assert "10 left in stock" in html
    assert reverse("storefront:store", args=[store.slug]) in html


@pytest.mark.parametrize("change", ["paused", "suspended", "hidden"])
def test_offer_page_is_not_found_for_an_offer_not_on_sale(client, offers, store, change):
    if change == "paused":
        Offer.objects.filter(pk=offers[0].pk).update(paused=True)
    elif change == "suspended":
        store.is_suspended = True
        store.save()
    else:
        store.offers_hidden = True
        store.save()
    assert client.get(reverse("storefront:offer", args=[offers[0].pk])).status_code == 404


def test_offer_out_of_stock_is_shown_as_not_on_sale(client, offers):
    Offer.objects.filter(pk=offers[0].pk).update(stock=0)
    response = client.get(reverse("storefront:offer", args=[offers[0].pk]))
    assert response.status_code == 200
    assert response.context["sellable"] is False
    assert 'id="not-on-sale"' in response.content.decode()
    assert client.get(reverse("storefront:offer", args=[10**12])).status_code == 404


def test_store_page_lists_its_offers_and_profile(client, offers, outsider_offer, store):
    store.pickup_address = "Київ, вул. Хрещатик, 1"
    store.pickup_hours = "Пн–Пт 10:00–19:00"
    store.email = "secret-orders@example.com"
    store.save()
    response = client.get(reverse("storefront:store", args=[store.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert set(shown(response)) == {"CASE-1", "CHG-1"}
    assert "Хрещатик" in html and "10:00–19:00" in html
    assert "secret-orders@example.com" not in html
    store.is_suspended = True
    store.save()
    assert client.get(reverse("storefront:store", args=[store.slug])).status_code == 404


def test_the_expiry_email_opens_the_same_goods_in_other_stores(client, place_order, outsider_store, store):
    Offer.objects.create(store=outsider_store, title="Phone case", sku="PC-9", price=Decimal("260"), stock=4)
    Offer.objects.create(store=outsider_store, title="Charger", sku="CH-9", price=Decimal("480"), stock=4)
    order = place_order()
    order_cancel_by_platform(order=order, reason=CancelReason.PROCESSING_TIME_EXPIRED)
    message = OutboxMessage.objects.get(event="order_expired", audience="buyer")
    text = render_message(message)["text"]
    url = re.search(r"http://\S+\?q=\S+", text).group(0)
    assert f"exclude_store={store.slug}" in url
    response = client.get(url.split("8000", 1)[1] if "8000" in url else url)
    assert response.status_code == 200
    assert set(shown(response)) == {"PC-9", "CH-9"}  # both goods, neither from the store that let it expire
    assert outsider_store.name in response.content.decode()


def _png() -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (20, 20), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_offer_card_shows_the_photo(client, offers, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    offers[0].photo.save("p.png", SimpleUploadedFile("p.png", _png()), save=True)
    html = client.get("/").content.decode()
    assert offers[0].photo.url in html
