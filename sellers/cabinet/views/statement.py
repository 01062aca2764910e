"""The store's fee statement (docs/rules.md §10): a Kyiv calendar month of the fee ledger — totals
(charged, reversed, net) and each row with its order and why — for the owner and the managers,
with the same rows as CSV (views.export.statement_export_view)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse

from sellers.fees import Month, statement_page, statement_totals

from .base import cabinet_view, int_param

PAGE_SIZE = 100


def statement_month(request) -> Month:
    """The month the query string asks for (`?month=YYYY-MM`), this month (Kyiv) otherwise."""
    return Month.parse(request.GET.get("month")) or Month.current()


@cabinet_view
def statement_view(request):
    store = request.cabinet.store
    month = statement_month(request)
    totals = statement_totals(store.pk, month)
    pages = max(1, -(-totals.rows // PAGE_SIZE))
    page = int_param(request.GET.get("page"), minimum=1, maximum=pages)
    start = (page - 1) * PAGE_SIZE
    detail = reverse("cabinet:order_detail", args=[0]).removesuffix("0/")
    # The page's rows as plain values (sellers.fees.statement_page): no model, order or translation per row.
    rows = statement_page(store.pk, month, offset=start, limit=PAGE_SIZE)
    current = Month.current()
    context = {
        "month": month,
        "previous": month.previous(),
        "next": month.next() if month.first_day < current.first_day else None,
        "totals": totals,
        "rows": rows,
        "order_url": detail,  # + the order's number + "/" (the template; no reverse() per row)
        "page": page,
        "pages": pages,
        "export_url": f"{reverse('cabinet:statement_export')}?month={month}",
    }
    return render(request, "cabinet/statement.html", context)
