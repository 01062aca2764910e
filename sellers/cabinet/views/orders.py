"""The order list and the order page with its actions (docs/rules.md §3, §5, §7, §11).

Views parse input, call one service and render; every refusal of a service is shown next to
the form that asked for it, and the order is re-read so what is shown is what is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_htmx.http import push_url

from marketplace import clock, phones
from marketplace.errors import ServiceError
from orders.buyers import buyer_history
from orders.choices import CancelReason, Status
from orders.deadlines import deadline_state, working_time_left
from orders.models import Order
from orders.rules import editing_windows
from orders.selectors import order_timeline
from orders.services import (
    order_add_item,
    order_call_log,
    order_cancel,
    order_comment_add,
    order_confirm,
    order_items_update,
    order_mark_received,
    order_open,
    order_pack,
    order_ready_for_pickup,
    order_ship,
    order_split,
    order_update_delivery,
    order_update_payment,
)
from orders.services.cancellation import phones_says_unreachable

from .. import forms
from ..selectors import DEFAULT_TAB, TAB_KEYS, TABS, OrderFilters, order_actions, order_list, order_tab_counts, page_of
from .base import cabinet_view, int_param, member_order

# --- the list ------------------------------------------------------------------------------


@dataclass
class Row:
    order: Order
    state: str | None
    left: timedelta | None
    url: str


def list_filters(request, *, report: bool = True) -> tuple[str, forms.OrderFilterForm, OrderFilters]:
    """The tab, search and filters of the list's query string (the list and its CSV export)."""
    tab = request.GET.get("tab") if request.GET.get("tab") in TAB_KEYS else DEFAULT_TAB
    form = forms.OrderFilterForm(request.GET)
    if form.is_valid():
        data = form.cleaned_data
        filters = OrderFilters(
            tab=tab, q=data["q"], overdue=data["overdue"], due_soon=data["due_soon"], delivery=data["delivery"]
        )
    else:  # a refused search (NUL, too long) says why and finds nothing rather than everything
        filters = OrderFilters(tab=tab, refused=True)
        for errors in form.errors.values() if report else ():
            for error in errors:
                messages.error(request, _("Search: %(error)s") % {"error": error})
    return tab, form, filters


@cabinet_view
def order_list_view(request):
    store = request.cabinet.store
    tab, form, filters = list_filters(request)
    now = clock.now()
    counts = order_tab_counts(store.pk)
    page = page_of(
        order_list(store.pk, filters, now=now, open_count=None if filters.narrowed else counts.exact("active")),
        int_param(request.GET.get("page")),
        total=None if filters.narrowed else counts.exact(tab),
    )
    detail = reverse("cabinet:order_detail", args=[0]).removesuffix("0/")
    rows = [
        Row(order, deadline_state(order, now), working_time_left(order, now), f"{detail}{order.pk}/")
        for order in page.rows
    ]
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
    action_rows = []
    for action in order_actions(order):
        form = (bound.get(action.name) or ACTIONS[action.name].make_form(order, items)) if action.available else None
        action_rows.append(
            {"action": action, "form": form, "url": reverse(ACTIONS[action.name].url_name, args=[order.pk])}
        )
    # What may be edited now: the same windows the editing services check (orders.rules).
    windows = editing_windows(order)
    shown = [name for name, spec in ACTIONS.items() if spec.window and getattr(windows, spec.window)]
    if sum(item.quantity for item in items) < 2:
        shown = [name for name in shown if name != "split"]  # one unit cannot be split
    edit = {name: bound.get(name) or ACTIONS[name].make_form(order, items) for name in shown}
    visible = {row["action"].name for row in action_rows if row["form"]} | set(edit) | {"call", "comment"}
    # A refused form the page does not show now (the order moved on): its errors go on top.
    stray_errors = [
        error if field == "__all__" else f"{form.fields[field].label}: {error}"
        for name, form in bound.items()
        if name not in visible
        for field, errors in form.errors.items()
        for error in errors
    ]
    now = clock.now()
    member = request.user
    restock = _restock(order, items)
    context = {
        "order": order,
        "store": order.store,
        "items": items,
        "action_rows": action_rows,
        "windows": windows,
        "edit": edit,
        "stray_errors": stray_errors,
        "phone_pretty": phones.pretty(order.buyer_phone),
        "operator": phones.ukrainian_operator(order.buyer_phone),
        # The very rule the cancellation service applies (docs/rules.md §5).
        "unreachable_at_once": phones_says_unreachable(order),
        "buyer": buyer_history(order.buyer_phone, exclude_order_id=order.pk),
        "split_children": list(order.split_children.only("pk", "status")),
        "deadline_state": deadline_state(order, now),
        "time_left": working_time_left(order, now),
        "member_name": member.get_full_name() or member.get_username(),
        "script_items": ", ".join(f"{item.title} × {item.quantity}" for item in items),
        "script_delivery": ", ".join(
            part
            for part in (order.get_delivery_method_display(), order.delivery_branch, order.delivery_address)
            if part
        ),
        "platform_name": "Magazito",  # the marketplace's name in the call script (docs/rules.md §11)
        "out_of_stock": CancelReason.OUT_OF_STOCK.value,
        "restock": restock,
        "restock_url": "{}?check={}&order={}".format(
            reverse("cabinet:offer_list"), ",".join(str(offer.pk) for offer, _form in restock), order.pk
        ),
    }
    context.update(_journal_context(order, call_form=bound.get("call"), comment_form=bound.get("comment")))
    return context


def _restock(order: Order, items) -> list:
    """After an `out_of_stock` cancellation the page asks for new stock of the order's offers
    (docs/rules.md §10): a stock form per offer, posting to the offer's stock action."""
    if order.status != Status.CANCELLED or order.cancel_reason != CancelReason.OUT_OF_STOCK:
        return []
    offers = {}
    for item in items:
        if item.offer_id is not None and item.offer_id not in offers:
            offers[item.offer_id] = item.offer
    return [
        (offer, forms.StockForm(initial={"stock": offer.stock}, prefix=f"offer-{offer.pk}"))
        for offer in offers.values()
    ]


def render_order(request, order: Order, *, bound: dict | None = None, status: int = 200, accepted_now: bool = False):
    context = _order_context(request, order, bound or {})
    context["accepted_now"] = accepted_now
    response = render(request, "cabinet/order_detail.html", context, status=status)
    if status != 200:
        # A boosted form posted to an action URL: keep the order page's address in the bar.
        response = push_url(response, reverse("cabinet:order_detail", args=[order.pk]))
    return response


@cabinet_view
def order_detail(request, pk: int):
    order = member_order(request, pk)
    request.cabinet.switch(order.store_id)
    order = order_open(actor=request.cabinet.actor, order=order)  # new → accepted (seed 000, step 1)
    # Said once, on the visit that accepted it, so the seller is not surprised (docs/rules.md §2).
    return render_order(request, order, accepted_now=getattr(order, "accepted_now", False))


def _detail_url(order) -> str:
    return reverse("cabinet:order_detail", args=[order.pk])


# --- the order's actions: one table, one view ----------------------------------------------


@dataclass(frozen=True)
class OrderActionSpec:
    """An action of the order page: the form that parses it, the service it calls (`perform`,
    given the actor, the order and the valid form) and what the seller is told on success.

    `message` is formatted with the order's `number` and whatever `params(order, result)` adds;
    `next_url(order, result)` is where the browser goes then (the order page unless given).
    `window` names the editing window (`orders.rules.EditingWindows`) that shows the form."""

    name: str  # the form's prefix; for a transition, the name `order_actions` gives it
    url_name: str
    form: type
    perform: Callable
    message: str
    with_items: bool = False
    params: Callable | None = None
    next_url: Callable | None = None
    window: str = ""

    def make_form(self, order: Order, items, data=None):
        extra = {"items": items} if self.with_items else {}
        return self.form(data, order=order, prefix=self.name, **extra)


def _cancel(actor, order, form):
    data = form.cleaned_data
    stock = form.stock() if data["reason"] == CancelReason.OUT_OF_STOCK else None
    return order_cancel(actor=actor, order=order, reason=data["reason"], comment=data["comment"], stock=stock)


def _after_cancel(order, result) -> str:
    if result.cancel_reason == CancelReason.OUT_OF_STOCK:
        # Ask the seller to look at the corrected offers (and pause what cannot be shipped).
        ids = ",".join(str(i) for i in sorted(set(result.items.values_list("offer_id", flat=True))))
        return f"{reverse('cabinet:offer_list')}?check={ids}&order={order.pk}"
    return _detail_url(order)


def _delivery(actor, order, form):
    data = form.cleaned_data
    return order_update_delivery(
        actor=actor,
        order=order,
        method=data["method"],
        branch=data["branch"],
        address=data["address"],
        cost=data["cost"],
        ship_by=data["ship_by"],
    )


ACTIONS: dict[str, OrderActionSpec] = {
    spec.name: spec
    for spec in (
        OrderActionSpec(
            "confirm",
            "cabinet:order_confirm",
            forms.ConfirmForm,
            lambda actor, order, form: order_confirm(actor=actor, order=order),
            gettext_noop("Order #%(number)s is confirmed."),
        ),
        OrderActionSpec(
            "pack",
            "cabinet:order_pack",
            forms.PackForm,
            lambda actor, order, form: order_pack(actor=actor, order=order, ship_by=form.cleaned_data["ship_by"]),
            gettext_noop("Order #%(number)s is packed and awaits shipment."),
        ),
        OrderActionSpec(
            "ship",
            "cabinet:order_ship",
            forms.ShipForm,
            lambda actor, order, form: order_ship(actor=actor, order=order, **form.service_kwargs()),
            gettext_noop("Order #%(number)s is in delivery."),
        ),
        OrderActionSpec(
            "ready_for_pickup",
            "cabinet:order_ready_for_pickup",
            forms.ReadyForPickupForm,
            lambda actor, order, form: order_ready_for_pickup(actor=actor, order=order),
            gettext_noop("Order #%(number)s awaits the buyer at the pickup point."),
        ),
        OrderActionSpec(
            "mark_received",
            "cabinet:order_mark_received",
            forms.MarkReceivedForm,
            lambda actor, order, form: order_mark_received(actor=actor, order=order),
            gettext_noop("Order #%(number)s is received."),
        ),
        OrderActionSpec(
            "cancel",
            "cabinet:order_cancel",
            forms.CancelForm,
            _cancel,
            gettext_noop("Order #%(number)s is cancelled: %(reason)s."),
            with_items=True,
            params=lambda order, result: {"reason": result.get_cancel_reason_display()},
            next_url=_after_cancel,
        ),
        OrderActionSpec(
            "delivery",
            "cabinet:order_delivery",
            forms.DeliveryForm,
            _delivery,
            gettext_noop("Delivery of order #%(number)s is saved."),
            window="delivery",
        ),
        OrderActionSpec(
            "payment",
            "cabinet:order_payment",
            forms.PaymentForm,
            lambda actor, order, form: order_update_payment(
                actor=actor, order=order, method=form.cleaned_data["method"]
            ),
            gettext_noop("Payment of order #%(number)s is saved."),
            window="payment",
        ),
        OrderActionSpec(
            "items",
            "cabinet:order_items",
            forms.ItemsForm,
            lambda actor, order, form: order_items_update(actor=actor, order=order, quantities=form.quantities()),
            gettext_noop("Items of order #%(number)s are saved."),
            with_items=True,
            window="items",
        ),
        OrderActionSpec(
            "add_item",
            "cabinet:order_item_add",
            forms.AddItemForm,
            lambda actor, order, form: order_add_item(
                actor=actor, order=order, offer_id=form.cleaned_data["offer"], quantity=form.cleaned_data["quantity"]
            ),
            gettext_noop("The item is added to order #%(number)s."),
            window="items",
        ),
        OrderActionSpec(
            "split",
            "cabinet:order_split",
            forms.SplitForm,
            lambda actor, order, form: order_split(actor=actor, order=order, quantities=form.quantities()),
            gettext_noop("Order #%(number)s is split: the chosen items are now order #%(new)s."),
            with_items=True,
            params=lambda order, new: {"new": new.pk},
            window="split",
        ),
    )
}


@cabinet_view
def order_action_view(request, pk: int, action: str):
    """Every action of the order page (`ACTIONS[action]`): bind its form, call its service; on a
    refusal show the page again with the form and the service's message (status 422)."""
    spec = ACTIONS[action]
    order = member_order(request, pk)  # another store's order: 404 whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = spec.make_form(order, _items(order) if spec.with_items else None, request.POST)
    if form.is_valid():
        try:
            result = spec.perform(request.cabinet.actor, order, form)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            params = {"number": order.pk, **(spec.params(order, result) if spec.params else {})}
            messages.success(request, _(spec.message) % params)
            return HttpResponseRedirect(spec.next_url(order, result) if spec.next_url else _detail_url(order))
    order = member_order(request, pk)  # as stored: a refused service changed nothing
    return render_order(request, order, bound={action: form}, status=422)


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
        return render(request, "cabinet/_journal.html", _journal_context(order, **{f"{name}_form": form}), status=422)
    return render_order(request, order, bound={name: form}, status=422)


@cabinet_view
def order_comment_view(request, pk: int):
    def perform(order, form):
        return order_comment_add(actor=request.cabinet.actor, order=order, text=form.cleaned_data["text"])

    return _journal(request, pk, "comment", forms.CommentForm, perform, _("The comment is added."))


@cabinet_view
def order_call_view(request, pk: int):
    def perform(order, form):
        return order_call_log(
            actor=request.cabinet.actor,
            order=order,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )

    return _journal(request, pk, "call", forms.CallForm, perform, _("The call is logged."))
