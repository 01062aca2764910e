"""Offers and stock: list, search, stock edit, pause and resume; services check and stamp."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from marketplace.actors import Actor
from marketplace.errors import RuleViolation
from sellers.models import Offer
from sellers.services import offer_set_paused, offer_update_stock

LIST = reverse("cabinet:offer_list")


def stock_url(offer):
    return reverse("cabinet:offer_stock", args=[offer.pk])


def pause_url(offer):
    return reverse("cabinet:offer_pause", args=[offer.pk])


def test_list_and_search(manager_client, offers, outsider_offer):
    response = manager_client.get(LIST)
    assert [row["offer"].title for row in response.context["rows"]] == ["Charger", "Phone case"]
    assert [row["offer"].pk for row in manager_client.get(LIST, {"q": "case-1"}).context["rows"]] == [offers[0].pk]
    assert [row["offer"].pk for row in manager_client.get(LIST, {"q": "charg"}).context["rows"]] == [offers[1].pk]
    assert "Lamp" not in response.content.decode()


def test_stock_edit_plain_post(manager_client, offers, manager):
    response = manager_client.post(stock_url(offers[0]), {f"offer-{offers[0].pk}-stock": "42", "next": LIST + "?q=x"})
    assert response.status_code == 302 and response.url == LIST + "?q=x"
    offer = Offer.objects.get(pk=offers[0].pk)
    assert offer.stock == 42
    record = offer.history.latest()
    assert (record.history_user, record.stock, record.history_change_reason) == (manager, 42, None)


def test_stock_edit_via_htmx_returns_the_row(manager_client, offers, htmx):
    response = manager_client.post(stock_url(offers[1]), {f"offer-{offers[1].pk}-stock": "7"}, **htmx)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith("<tr") and "saved" in html
    assert Offer.objects.get(pk=offers[1].pk).stock == 7


@pytest.mark.parametrize("value", ["-1", "abc", "", "10000001"])
def test_stock_edit_refuses_bad_values(manager_client, offers, htmx, value):
    before = Offer.objects.get(pk=offers[0].pk).stock
    response = manager_client.post(stock_url(offers[0]), {f"offer-{offers[0].pk}-stock": value}, **htmx)
    assert response.status_code == 422 and "error-text" in response.content.decode()
    assert Offer.objects.get(pk=offers[0].pk).stock == before


def test_pause_and_resume(manager_client, offers, htmx):
    response = manager_client.post(pause_url(offers[0]), {"paused": "1"}, **htmx)
    assert Offer.objects.get(pk=offers[0].pk).paused and "Resume" in response.content.decode()
    manager_client.post(pause_url(offers[0]), {"paused": "0"})
    assert not Offer.objects.get(pk=offers[0].pk).paused


def test_services_check_membership(offers, outsider, manager):
    with pytest.raises(PermissionDenied):
        offer_update_stock(actor=Actor.seller(outsider), offer=offers[0], stock=1)
    with pytest.raises(PermissionDenied):
        offer_set_paused(actor=Actor.seller(outsider), offer=offers[0], paused=True)
    with pytest.raises(PermissionDenied):
        offer_update_stock(actor=Actor.buyer(), offer=offers[0], stock=1)
    with pytest.raises(RuleViolation):
        offer_update_stock(actor=Actor.seller(manager), offer=offers[0], stock=-3)
    assert Offer.objects.get(pk=offers[0].pk).stock == 10 and not Offer.objects.get(pk=offers[0].pk).paused


def test_unchanged_stock_writes_no_history(offers, manager):
    count = offers[0].history.count()
    offer_update_stock(actor=Actor.seller(manager), offer=offers[0], stock=offers[0].stock)
    assert offers[0].history.count() == count
    offer_set_paused(actor=Actor.seller(manager), offer=offers[0], paused=True)
    assert offers[0].history.count() == count + 1


def test_check_prompt_lists_only_own_offers(manager_client, offers, outsider_offer):
    response = manager_client.get(LIST, {"check": f"{offers[1].pk},{outsider_offer.pk},x", "order": "5"})
    assert [row["offer"].pk for row in response.context["checked_rows"]] == [offers[1].pk]
    assert 'id="check-stock"' in response.content.decode()


def test_an_offer_without_stock_shows_out_of_stock_not_on_sale(manager_client, offers):
    Offer.objects.filter(pk=offers[0].pk).update(stock=0)
    html = manager_client.get(LIST).content.decode()
    row = html[html.index(f'id="offer-{offers[0].pk}"') :]
    row = row[: row.index("</tr>")]
    assert "out of stock" in row and "on sale" not in row and "out-of-stock" in row
    other = html[html.index(f'id="offer-{offers[1].pk}"') :]
    assert "on sale" in other[: other.index("</tr>")]
    # ... and the htmx answer of a stock edit to 0 says the same at once.
    response = manager_client.post(stock_url(offers[1]), {f"offer-{offers[1].pk}-stock": "0"}, HTTP_HX_REQUEST="true")
    assert "out of stock" in response.content.decode() and "on sale" not in response.content.decode()
