"""Item 6 of issue 12: the buyer's page links back to the storefront and the store; the cabinet's
order page and the order admin say where the order came from (`Order.source`)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from orders.choices import OrderSource
from orders.models import Order
from tests.orders.storefront.support import buyer_client, en  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("en")]


def test_the_buyers_page_links_to_the_storefront_and_the_store(place_order, store):
    order = place_order()
    html = buyer_client().get(reverse("orders:public_order", args=[order.public_token])).content.decode()
    assert f'href="{reverse("storefront:store", args=[store.slug])}" id="back-store"' in html
    assert f'href="{reverse("storefront:catalog")}" id="back-catalog"' in html


@pytest.mark.parametrize(("source", "label"), [(OrderSource.STOREFRONT, "Storefront"), (OrderSource.API, "API")])
def test_the_cabinet_shows_where_the_order_came_from(place_order, manager, source, label):
    order = place_order(source=source)
    client = buyer_client()
    client.force_login(manager)
    html = client.get(reverse("cabinet:order_detail", args=[order.pk])).content.decode()
    assert f'<span id="order-source">Placed through: {label}</span>' in html


def test_the_admin_shows_and_filters_the_source(place_order, moderator):
    storefront = place_order()
    api = place_order(source=OrderSource.API)
    client = Client()
    client.cookies["django_language"] = "en"
    moderator.is_superuser = True  # view rights without assigning permissions one by one
    moderator.save()
    client.force_login(moderator)
    change = client.get(reverse("admin:orders_order_change", args=[storefront.pk])).content.decode()
    assert "Placed through" in change and "Storefront" in change
    listing = client.get(reverse("admin:orders_order_changelist"), {"source__exact": "api"})
    assert [o.pk for o in listing.context["cl"].result_list] == [api.pk]
    assert Order.objects.count() == 2
