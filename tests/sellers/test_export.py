"""CSV export of the order list: the page's tab, search and filters over every page, streamed,
UTF-8 with a BOM, no seller notes, a fixed number of queries however many orders."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from marketplace import clock
from marketplace.worktime import KYIV
from orders.choices import Status
from orders.models import Order
from orders.services import order_cancel, order_comment_add, order_open
from sellers.cabinet.selectors import PER_PAGE
from sellers.models import Offer
from tests.conftest import VALID_TTN
from tests.sellers.bulk import insert_orders

URL = reverse("cabinet:order_export")
LIST = reverse("cabinet:order_list")
HEADER = ["Number", "Placed", "Status", "Buyer", "Phone", "Total", "Delivery", "TTN", "Deadline"]


def read(response, delimiter: str = ",") -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming, "the export is streamed"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))


def listed(client, params) -> list[int]:
    """Every order the list shows for `params`, page after page."""
    pks, page = [], 1
    while True:
        response = client.get(LIST, {**params, "page": page})
        pks += [row.order.pk for row in response.context["rows"]]
        if not response.context["page"].has_next:
            return pks
        page += 1


def test_columns_and_values(manager_client, place_order, seller):
    order = order_open(actor=seller, order=place_order(phone="+380671112233"))
    Order.objects.filter(pk=order.pk).update(buyer_name="Taras Petrenko", ttn=VALID_TTN)
    order = Order.objects.get(pk=order.pk)
    header, *rows = read(manager_client.get(URL, {"tab": "all"}))
    assert header == HEADER
    with translation.override("en"):
        status_label = str(Status.ACCEPTED.label)
    kyiv = order.created_at.astimezone(KYIV)
    deadline = order.acceptable_deadline.astimezone(KYIV)
    assert rows == [
        [
            str(order.pk),
            kyiv.strftime("%d.%m.%Y %H:%M"),
            status_label,
            "Taras Petrenko",
            "067 111 2233",
            f"{order.total:.2f}",
            "Nova Poshta",
            f'="{VALID_TTN}"',  # as text: a bare 14-digit number is 2,045E+13 in Excel
            deadline.strftime("%d.%m.%Y %H:%M"),
        ]
    ]


def test_ukrainian_excel_gets_semicolons_decimal_commas_and_cyrillic(manager, store, place_order):
    order = place_order()
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    client.force_login(manager)
    header, row = read(client.get(URL), delimiter=";")
    assert len(header) == len(HEADER)  # labels translated as the catalogs have them
    assert row[0] == str(order.pk)
    assert row[5] == f"{order.total:.2f}".replace(".", ",")
    assert row[2] == "Новий"


@pytest.mark.parametrize(
    "params",
    [
        {"tab": "all"},
        {},  # the default tab: in progress
        {"tab": "cancelled"},
        {"tab": "all", "q": "Petrenko"},
        {"tab": "all", "delivery": "courier"},
        {"tab": "all", "q": "nobody"},
    ],
)
def test_the_export_holds_what_the_list_shows_on_every_page(manager_client, place_order, seller, offers, params):
    Offer.objects.filter(pk__in=[offer.pk for offer in offers]).update(stock=1000)
    for n in range(PER_PAGE + 3):  # more than one page
        place_order(delivery_method="courier" if n % 3 == 0 else "nova_poshta")
    petrenko = place_order()
    Order.objects.filter(pk=petrenko.pk).update(buyer_name="Taras Petrenko")
    order_cancel(actor=seller, order=place_order(), reason="other", comment="Not needed any more")
    _header, *rows = read(manager_client.get(URL, params))
    assert [int(row[0]) for row in rows] == listed(manager_client, params)


def test_no_seller_notes_and_no_formulas(manager_client, place_order, seller):
    order = place_order()
    Order.objects.filter(pk=order.pk).update(buyer_name='=HYPERLINK("http://evil.example")')
    order_comment_add(actor=seller, order=order, text="Secret seller note")
    order_cancel(actor=seller, order=order, reason="other", comment="Private cancel comment")
    body = b"".join(manager_client.get(URL, {"tab": "all"}).streaming_content).decode("utf-8-sig")
    assert "Secret seller note" not in body and "Private cancel comment" not in body
    [row] = list(csv.reader(io.StringIO(body)))[1:]
    assert row[3] == '\'=HYPERLINK("http://evil.example")'  # text, not a formula, in a spreadsheet
    assert row[8] == ""  # a cancelled order has no deadline


def test_other_stores_orders_are_not_exported(manager_client, place_order, outsider_store, outsider_offer):
    mine = place_order()
    place_order([(outsider_offer, 1)], target_store=outsider_store)
    _header, *rows = read(manager_client.get(URL, {"tab": "all"}))
    assert [int(row[0]) for row in rows] == [mine.pk]


def _export_queries(client, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(20) as captured:
        response = client.get(URL, {"tab": "all"})
        rows = sum(1 for _line in response.streaming_content) - 1
    return len(captured), rows


def test_queries_do_not_grow_with_the_orders(manager_client, store, django_assert_max_num_queries):
    now = clock.now()
    insert_orders(store.pk, 5, now=now)
    few, rows = _export_queries(manager_client, django_assert_max_num_queries)
    assert rows == 5
    insert_orders(store.pk, 3000, now=now, start=6)
    many, rows = _export_queries(manager_client, django_assert_max_num_queries)
    assert rows == 3005
    assert many == few
