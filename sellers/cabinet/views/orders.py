"""The order list and the order page with its actions (SPEC §3, §5, §7, §11).

Views parse input, call one service and render; every refusal of a service is shown next to
the form that asked for it, and the order is re-read so what is shown is what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_htmx.http import push_url

from marketplace import clock
from marketplace import phones
from marketplace.errors import ServiceError
from orders.buyers import buyer_history
from orders.choices import CancelReason, Status
from orders.deadlines import deadline_state, working_time_left
from orders.models import Order
from orders.selectors import order_timeline
from orders.services import (
    order_add_item,
    order_call_log,
    order_cancel,
    order_comment_add,
    order_confirm,
    order_mark_received,
    order_open,
    order_pack,
    order_ready_for_pickup,
    order_ship,
    order_split,
    order_update_delivery,
    order_update_payment,
)

from .. import forms
from ..selectors import DEFAULT_TAB, TAB_KEYS, TABS, OrderFilters, order_actions, order_list, order_tab_counts, page_of
from orders.services import order_items_update
from .base import cabinet_view, int_param, member_order

# --- the list ------------------------------------------------------------------------------


@dataclass
class Row:
    order: Order
    state: str | None
    left: timedelta | None
    url: str


@cabinet_view
def order_list_view(request):
    store = request.cabinet.store
    tab = request.GET.get("tab") if request.GET.get("tab") in TAB_KEYS else DEFAULT_TAB
    form = forms.OrderFilterForm(request.GET)
    filters = OrderFilters(tab=tab)
    if form.is_valid():
        data = form.cleaned_data
        filters = OrderFilters(tab=tab, q=data["q"], overdue=data["overdue"], due_soon=data["due_soon"],
                               delivery=data["delivery"])
    now = clock.now()
    counts = order_tab_counts(store.pk)
    page = page_of(order_list(store.pk, filters, now=now), int_param(request.GET.get("page")),
                   total=None if filters.narrowed else counts.exact(tab))
    detail = reverse("cabinet:order_detail", args=[0]).removesuffix("0/")
    rows = [Row(order, deadline_state(order, now), working_time_left(order, now), f"{detail}{order.pk}/")
            for order in page.rows]
    context = {
        "tabs": [(t, counts[t.key], t.key in counts.capped) for t in TABS],
        "tab": tab,
        "form": form,
        "filters": filters,
        "page": page,
        "rows": rows,
        "now": now,
    }
    if request.htmx and request.htmx.target == "order-results":
        return render(request, "cabinet/_order_results.html", context)
    return render(request, "cabinet/order_list.html", context)


# --- the order page ------------------------------------------------------------------------

ACTION_FORMS = {
    "confirm": forms.ConfirmForm,
    "pack": forms.PackForm,
    "ship": forms.ShipForm,
    "ready_for_pickup": forms.ReadyForPickupForm,
    "mark_received": forms.MarkReceivedForm,
    "cancel": forms.CancelForm,
}


def _items(order: Order):
    return list(order.items.select_related("offer"))


def _journal_context(order: Order, *, call_form=None, comment_form=None) -> dict:
    """The call log and the history timeline (with the seller-only comments)."""
    timeline = order_timeline(order)
    timeline.reverse()
    return {
        "order": order,
        "calls": [e for e in timeline if e.kind == "call"],
        "timeline": timeline,
        "call_form": (call_form or forms.CallForm(order=order, prefix="call")) if not order.is_terminal else None,
        "comment_form": comment_form or forms.CommentForm(order=order, prefix="comment"),
    }


def _order_context(request, order: Order, bound: dict) -> dict:
    items = _items(order)
    actions = order_actions(order)
    action_rows = []
    for action in actions:
        form = None
        if action.available:
            kwargs = {"items": items} if action.name == "cancel" else {}
            form = bound.get(action.name) or ACTION_FORMS[action.name](order=order, prefix=action.name, **kwargs)
        action_rows.append({"action": action, "form": form,
                            "url": reverse(f"cabinet:order_{action.name}", args=[order.pk])})
    edit = {}
    if order.status == Status.ACCEPTED:
        edit["items"] = bound.get("items") or forms.ItemsForm(order=order, items=items, prefix="items")
        edit["add_item"] = bound.get("add_item") or forms.AddItemForm(order=order, prefix="add_item")
    if order.before_shipment:
        edit["delivery"] = bound.get("delivery") or forms.DeliveryForm(order=order, prefix="delivery")
        edit["payment"] = bound.get("payment") or forms.PaymentForm(order=order, prefix="payment")
        if sum(item.quantity for item in items) > 1:
            edit["split"] = bound.get("split") or forms.SplitForm(order=order, items=items, prefix="split")
    shown = {row["action"].name for row in action_rows if row["form"]} | set(edit) | {"call", "comment"}
    # A refused form the page does not show now (the order moved on): its errors go on top.
    stray_errors = [
        error if field == "__all__" else f"{form.fields[field].label}: {error}"
        for name, form in bound.items() if name not in shown
        for field, errors in form.errors.items() for error in errors
    ]
    now = clock.now()
    member = request.user
    context = {
        "order": order,
        "store": order.store,
        "items": items,
        "action_rows": action_rows,
        "edit": edit,
        "stray_errors": stray_errors,
        "phone_pretty": phones.pretty(order.buyer_phone),
        "operator": phones.ukrainian_operator(order.buyer_phone),
        "buyer": buyer_history(order.buyer_phone, exclude_order_id=order.pk),
        "split_children": list(order.split_children.only("pk", "status")),
        "deadline_state": deadline_state(order, now),
        "time_left": working_time_left(order, now),
        "member_name": member.get_full_name() or member.get_username(),
        "script_items": ", ".join(f"{item.title} × {item.quantity}" for item in items),
        "script_delivery": ", ".join(
            part for part in (order.get_delivery_method_display(), order.delivery_branch, order.delivery_address) if part
        ),
        "platform_name": getattr(settings, "PLATFORM_NAME", "Magazito"),
        "out_of_stock": CancelReason.OUT_OF_STOCK.value,
    }
    context.update(_journal_context(order, call_form=bound.get("call"), comment_form=bound.get("comment")))
    return context


def render_order(request, order: Order, *, bound: dict | None = None, status: int = 200):
    response = render(request, "cabinet/order_detail.html", _order_context(request, order, bound or {}),
                      status=status)
    if status != 200:
        # A boosted form posted to an action URL: keep the order page's address in the bar.
        response = push_url(response, reverse("cabinet:order_detail", args=[order.pk]))
    return response


@cabinet_view
def order_detail(request, pk: int):
    order = member_order(request, pk)
    request.cabinet.switch(order.store_id)
    order = order_open(actor=request.cabinet.actor, order=order)  # new → accepted (seed 000, step 1)
    return render_order(request, order)


def _detail_url(order) -> str:
    return reverse("cabinet:order_detail", args=[order.pk])


def _run(request, pk: int, name: str, make_form, perform, done):
    """The shared shape of an order action: bind, validate, call the service; on a refusal
    show the page again with the form and the service's message (status 422)."""
    order = member_order(request, pk)  # another store's order: 404 whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = make_form(order)
    if form.is_valid():
        try:
            result = perform(order, form)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            return done(order, result)
    order = member_order(request, pk)  # as stored: a refused service changed nothing
    return render_order(request, order, bound={name: form}, status=422)


def _simple(name: str, service, message: str):
    """An action whose form has no fields of its own (confirm, ready for pickup, received)."""

    @cabinet_view
    def view(request, pk: int):
        def done(order, result):
            messages.success(request, _(message) % {"number": order.pk})
            return redirect(_detail_url(order))

        return _run(request, pk, name, lambda order: ACTION_FORMS[name](request.POST, order=order, prefix=name),
                    lambda order, form: service(actor=request.cabinet.actor, order=order), done)

    view.__name__ = f"order_{name}"
    return view


order_confirm_view = _simple("confirm", order_confirm, gettext_noop("Order #%(number)s is confirmed."))
order_ready_for_pickup_view = _simple(
    "ready_for_pickup", order_ready_for_pickup, gettext_noop("Order #%(number)s awaits the buyer at the pickup point.")
)
order_mark_received_view = _simple("mark_received", order_mark_received, gettext_noop("Order #%(number)s is received."))


@cabinet_view
def order_pack_view(request, pk: int):
    def perform(order, form):
        return order_pack(actor=request.cabinet.actor, order=order, ship_by=form.cleaned_data["ship_by"])

    def done(order, result):
        messages.success(request, _("Order #%(number)s is packed and awaits shipment.") % {"number": order.pk})
        return redirect(_detail_url(order))

    return _run(request, pk, "pack", lambda order: forms.PackForm(request.POST, order=order, prefix="pack"),
                perform, done)


@cabinet_view
def order_ship_view(request, pk: int):
    def perform(order, form):
        return order_ship(actor=request.cabinet.actor, order=order, **form.service_kwargs())

    def done(order, result):
        messages.success(request, _("Order #%(number)s is in delivery.") % {"number": order.pk})
        return redirect(_detail_url(order))

    return _run(request, pk, "ship", lambda order: forms.ShipForm(request.POST, order=order, prefix="ship"),
                perform, done)


@cabinet_view
def order_cancel_view(request, pk: int):
    def perform(order, form):
        data = form.cleaned_data
        stock = form.stock() if data["reason"] == CancelReason.OUT_OF_STOCK else None
        return order_cancel(actor=request.cabinet.actor, order=order, reason=data["reason"],
                            comment=data["comment"], stock=stock)

    def done(order, result):
        messages.success(request, _("Order #%(number)s is cancelled: %(reason)s.")
                         % {"number": order.pk, "reason": result.get_cancel_reason_display()})
        if result.cancel_reason == CancelReason.OUT_OF_STOCK:
            # Ask the seller to look at the corrected offers (and pause what cannot be shipped).
            ids = ",".join(str(i) for i in sorted(set(result.items.values_list("offer_id", flat=True))))
            return HttpResponseRedirect(f"{reverse('cabinet:offer_list')}?check={ids}&order={order.pk}")
        return redirect(_detail_url(order))

    return _run(request, pk, "cancel",
                lambda order: forms.CancelForm(request.POST, order=order, items=_items(order), prefix="cancel"),
                perform, done)


@cabinet_view
def order_delivery_view(request, pk: int):
    def perform(order, form):
        data = form.cleaned_data
        return order_update_delivery(actor=request.cabinet.actor, order=order, method=data["method"],
                                     branch=data["branch"], address=data["address"], cost=data["cost"],
                                     ship_by=data["ship_by"])

    def done(order, result):
        messages.success(request, _("Delivery of order #%(number)s is saved.") % {"number": order.pk})
        return redirect(_detail_url(order))

    return _run(request, pk, "delivery",
                lambda order: forms.DeliveryForm(request.POST, order=order, prefix="delivery"), perform, done)


@cabinet_view
def order_payment_view(request, pk: int):
    def perform(order, form):
        return order_update_payment(actor=request.cabinet.actor, order=order, method=form.cleaned_data["method"])

    def done(order, result):
        messages.success(request, _("Payment of order #%(number)s is saved.") % {"number": order.pk})
        return redirect(_detail_url(order))

    return _run(request, pk, "payment",
                lambda order: forms.PaymentForm(request.POST, order=order, prefix="payment"), perform, done)


@cabinet_view
def order_items_view(request, pk: int):
    def perform(order, form):
        return order_items_update(actor=request.cabinet.actor, order=order, quantities=form.quantities())

    def done(order, result):
        messages.success(request, _("Items of order #%(number)s are saved.") % {"number": order.pk})
        return redirect(_detail_url(order))

    return _run(request, pk, "items",
                lambda order: forms.ItemsForm(request.POST, order=order, items=_items(order), prefix="items"),
                perform, done)


@cabinet_view
def order_item_add_view(request, pk: int):
    def perform(order, form):
        return order_add_item(actor=request.cabinet.actor, order=order, offer_id=form.cleaned_data["offer"],
                              quantity=form.cleaned_data["quantity"])

    def done(order, result):
        messages.success(request, _("The item is added to order #%(number)s.") % {"number": order.pk})
        return redirect(_detail_url(order))

    return _run(request, pk, "add_item",
                lambda order: forms.AddItemForm(request.POST, order=order, prefix="add_item"), perform, done)


@cabinet_view
def order_split_view(request, pk: int):
    def perform(order, form):
        return order_split(actor=request.cabinet.actor, order=order, quantities=form.quantities())

    def done(order, new):
        messages.success(request, _("Order #%(number)s is split: the chosen items are now order #%(new)s.")
                         % {"number": order.pk, "new": new.pk})
        return redirect(_detail_url(order))

    return _run(request, pk, "split",
                lambda order: forms.SplitForm(request.POST, order=order, items=_items(order), prefix="split"),
                perform, done)


def _journal(request, pk: int, name: str, form_class, perform, message: str):
    """Comments and calls: htmx swaps only the journal; without htmx, the whole page."""
    order = member_order(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = form_class(request.POST, order=order, prefix=name)
    if form.is_valid():
        try:
            perform(order, form)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            if not request.htmx:
                messages.success(request, message)
                return HttpResponseRedirect(_detail_url(order) + "#journal")
            return render(request, "cabinet/_journal.html", _journal_context(order))
    if request.htmx:
        return render(request, "cabinet/_journal.html", _journal_context(order, **{f"{name}_form": form}),
                      status=422)
    return render_order(request, order, bound={name: form}, status=422)


@cabinet_view
def order_comment_view(request, pk: int):
    def perform(order, form):
        return order_comment_add(actor=request.cabinet.actor, order=order, text=form.cleaned_data["text"])

    return _journal(request, pk, "comment", forms.CommentForm, perform, _("The comment is added."))


@cabinet_view
def order_call_view(request, pk: int):
    def perform(order, form):
        return order_call_log(actor=request.cabinet.actor, order=order, outcome=form.cleaned_data["outcome"],
                              note=form.cleaned_data["note"])

    return _journal(request, pk, "call", forms.CallForm, perform, _("The call is logged."))
