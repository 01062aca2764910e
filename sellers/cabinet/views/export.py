"""The order list as CSV: the same tab, search and filters as the page, every page of it.

Streamed row by row (a server-side cursor on PostgreSQL), so a store with 100,000 orders costs
one query and little memory. UTF-8 with a BOM, so Excel reads Cyrillic; for Ukrainian and
Russian the separator is ";" and the decimal mark ",", as Excel expects there (English: "," and
"."). The buyer's name, phone and delivery only: never seller comments or call notes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from marketplace import clock, phones
from marketplace.worktime import KYIV
from orders.models import Order

from ..selectors import order_list
from .base import cabinet_view
from .orders import list_filters

BOM = "\ufeff"
# language → (separator, decimal mark)
DIALECTS = {"en": (",", ".")}
DEFAULT_DIALECT = (";", ",")
# A cell that starts with one of these is a formula in a spreadsheet: a buyer's name must not be.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 1000


class _Line:
    """csv.writer writes into it; the generator hands each line on."""

    def write(self, value: str) -> str:
        return value


def _text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _number(value: str) -> str:
    """A long number kept as text (a 14-digit TTN): Excel shows a bare one as 2,045E+13 and drops
    its last digits; ="…" is the form every spreadsheet reads as the literal text."""
    return f'="{value}"' if value.isdigit() and len(value) > 11 else _text(value)


def _phone(value: str) -> str:
    """The national form (050 123 4567): a leading + would make the cell a formula or a number."""
    pretty = phones.pretty(value)
    if pretty.startswith("+380 "):
        return "0" + pretty.removeprefix("+380 ")
    return _text(pretty)


def _when(value) -> str:
    return value.astimezone(KYIV).strftime("%d.%m.%Y %H:%M") if value else ""


def _amount(value, decimal_mark: str) -> str:
    if value is None:
        return ""
    return f"{Decimal(value):.2f}".replace(".", decimal_mark)


def header() -> list[str]:
    return [
        _("Number"),
        _("Placed"),
        _("Status"),
        _("Buyer"),
        _("Phone"),
        _("Total"),
        _("Delivery"),
        _("TTN"),
        _("Deadline"),
    ]


def csv_lines(orders: Iterable[Order], language: str) -> Iterator[str]:
    """The CSV's lines, the BOM first; labels in `language` (the generator runs after the view
    has returned, when the request's language may no longer be active)."""
    separator, decimal_mark = DIALECTS.get(language, DEFAULT_DIALECT)
    writer = csv.writer(_Line(), delimiter=separator, lineterminator="\r\n")
    with translation.override(language):
        yield BOM + writer.writerow(header())
        for order in orders:
            yield writer.writerow(
                [
                    order.pk,
                    _when(order.created_at),
                    order.get_status_display(),
                    _text(order.buyer_name),
                    _phone(order.buyer_phone),
                    _amount(order.total, decimal_mark),
                    order.get_delivery_method_display(),
                    _number(order.ttn),
                    _when(order.acceptable_deadline) if not order.is_terminal else "",
                ]
            )


def current_language() -> str:
    return (translation.get_language() or "uk").split("-")[0]


def csv_response(orders: Iterable[Order], *, store, language: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(orders, language), content_type="text/csv; charset=utf-8")
    filename = f"orders-{store.slug}-{clock.today():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"  # buyers' phones
    return response


@cabinet_view
def order_export_view(request):
    """GET with the list's query string: every order the list would show, on every page."""
    store = request.cabinet.store
    _tab, _form, filters = list_filters(request, report=False)
    orders = order_list(store.pk, filters, now=clock.now()).iterator(chunk_size=CHUNK)
    return csv_response(orders, store=store, language=current_language())


# --- the fee statement (docs/rules.md §10) -------------------------------------------------


def statement_csv_lines(rows: Iterable, language: str) -> Iterator[str]:
    """The statement's rows as CSV lines (the page's columns), the BOM first, in `language`."""
    from sellers.fees import why

    separator, decimal_mark = DIALECTS.get(language, DEFAULT_DIALECT)
    writer = csv.writer(_Line(), delimiter=separator, lineterminator="\r\n")
    with translation.override(language):
        yield BOM + writer.writerow(
            [_("Date"), _("Order"), _("Kind"), _("Order total"), _("Percent"), _("Fee"), _("Why")]
        )
        for row in rows:
            yield writer.writerow(
                [
                    _when(row.charged_at),
                    row.order_id,
                    row.get_kind_display(),
                    _amount(row.base, decimal_mark),
                    _amount(row.percent, decimal_mark),
                    _amount(row.amount, decimal_mark),
                    _text(why(row)),
                ]
            )


@cabinet_view
def statement_export_view(request):
    """GET `?month=YYYY-MM`: every row of the month's statement (the page shows them by 100)."""
    from sellers.fees import statement_rows

    from .statement import statement_month

    store = request.cabinet.store
    month = statement_month(request)
    rows = statement_rows(store.pk, month).iterator(chunk_size=CHUNK)
    response = StreamingHttpResponse(
        statement_csv_lines(rows, current_language()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="fees-{store.slug}-{month}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
