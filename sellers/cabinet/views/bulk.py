"""Bulk actions on the order list (confirm, print, export) and the printable packing slip and
invoice.

Only orders of the member's current store are touched: ids of other stores (or of nothing) are
ignored, as if not sent. Confirming runs the order's own service per order, each in its own
transaction: every order is either confirmed or left as it was, and the seller is told which.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from marketplace import clock, phones
from marketplace.errors import NotAllowed, ServiceError
from orders.choices import Status
from orders.models import Order, OrderItem
from orders.services import order_confirm, order_open

from .base import cabinet_view, int_param
from .export import csv_response, current_language

# One page of the list is 25 rows; a hand-made request may not ask for more than this.
MAX_BULK = 200
BULK_ACTIONS = ("confirm", "print", "export")


def selected_ids(values) -> list[int]:
    """Positive whole numbers, in the order given, each once, at most MAX_BULK of them."""
    ids: list[int] = []
    for value in values:
        pk = int_param(value, 0, minimum=1)
        if pk and pk not in ids:
            ids.append(pk)
    return ids[:MAX_BULK]


def store_orders(request, ids: list[int]):
    """The orders of the member's current store among `ids` (others are ignored)."""
    return Order.objects.filter(store_id=request.cabinet.store.pk, pk__in=ids)


def _back(request) -> str:
    """Back to the list as the seller filtered it (only a cabinet list address is followed)."""
    url = request.POST.get("next", "")
    list_url = reverse("cabinet:order_list")
    if url.startswith(list_url) and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return list_url


def _numbers(pks) -> str:
    return ", ".join(f"#{pk}" for pk in pks)


def bulk_confirm(request, orders: list[Order]) -> None:
    """Each order in its own transaction: a new order is taken into processing and confirmed
    together (docs/rules.md §2), or neither when the confirmation is refused."""
    actor = request.cabinet.actor
    done, refused = [], []
    for order in orders:
        try:
            with transaction.atomic():
                if order.status == Status.NEW:
                    order = order_open(actor=actor, order=order)
                order_confirm(actor=actor, order=order)
        except (ServiceError, NotAllowed) as error:
            refused.append((order.pk, str(getattr(error, "message", error))))
        else:
            done.append(order.pk)
    if done:
        messages.success(request, _("Confirmed: %(orders)s.") % {"orders": _numbers(done)})
    # Partly done: the refusals are warnings beside the success; all refused: errors.
    report = messages.warning if done else messages.error
    for pk, message in refused:
        report(request, _("Order #%(number)s is not confirmed: %(reason)s") % {"number": pk, "reason": message})


@cabinet_view
def order_bulk_view(request):
    """POST `action` (confirm, print or export) and `ids` (the checked rows)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    action = request.POST.get("action")
    ids = selected_ids(request.POST.getlist("ids"))
    if action not in BULK_ACTIONS:
        messages.error(request, _("Choose what to do with the selected orders."))
        return HttpResponseRedirect(_back(request))
    orders = store_orders(request, ids)
    if action == "export":
        by_pk = {order.pk: order for order in orders.select_related(None)}
        if not by_pk:
            return _nothing_selected(request)
        return csv_response(
            [by_pk[pk] for pk in ids if pk in by_pk], store=request.cabinet.store, language=current_language()
        )
    if action == "print":
        documents = print_documents(orders, ids)
        if not documents:
            return _nothing_selected(request)
        context = {"documents": documents, "store": request.cabinet.store, "printed_at": clock.now()}
        return render(request, "cabinet/order_print.html", context)
    found = {order.pk: order for order in orders.only("pk", "status", "store_id")}
    if not found:
        return _nothing_selected(request)
    bulk_confirm(request, [found[pk] for pk in ids if pk in found])
    return HttpResponseRedirect(_back(request))


def _nothing_selected(request):
    messages.error(request, _("Select at least one order of this store."))
    return HttpResponseRedirect(_back(request))


# --- packing slip and invoice --------------------------------------------------------------


@dataclass
class Line:
    item: OrderItem
    amount: Decimal


@dataclass
class Document:
    order: Order
    lines: list[Line]
    units: int
    phone: str


def print_documents(orders, ids: list[int]) -> list[Document]:
    """The packing slip and invoice of each order, in the order asked (two queries)."""
    by_pk = {order.pk: order for order in orders.select_related("store").prefetch_related("items")}
    documents = []
    for pk in ids:
        order = by_pk.get(pk)
        if order is None:
            continue
        items = sorted(order.items.all(), key=lambda item: item.pk)
        documents.append(
            Document(
                order=order,
                lines=[Line(item, item.price * item.quantity) for item in items],
                units=sum(item.quantity for item in items),
                phone=phones.pretty(order.buyer_phone),
            )
        )
    return documents


@cabinet_view
def order_print_view(request):
    """GET ?order=<id>&order=<id>…: the packing slips and invoices to print (other stores'
    ids are ignored; none of this store's: 404)."""
    ids = selected_ids(request.GET.getlist("order"))
    documents = print_documents(store_orders(request, ids), ids)
    if not documents:
        raise Http404("No such order.")
    return render(
        request,
        "cabinet/order_print.html",
        {"documents": documents, "store": request.cabinet.store, "printed_at": clock.now()},
    )
