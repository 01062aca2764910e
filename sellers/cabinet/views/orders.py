"""The order list and the order page with its actions (docs/rules.md §3, §5, §7, §11).

Views parse input, call one service and render; every refusal of a service is shown next to
the form that asked for it, and the order is re-read so what is shown is what is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_htmx.http import HttpResponseClientRefresh, push_url

from marketplace import clock, phones
from marketplace.errors import ServiceError
from orders.buyers import buyer_history
from orders.choices import CARRIER_METHODS, CancelReason, Status
from orders.deadlines import deadline_state, working_time_left
from orders.models import Order
from orders.reorders import rules as reorder_rules
from orders.reorders.services import reorder_offer
from orders.rules import editing_windows
from orders.selectors import order_timeline, order_tracking
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
    order_record_late_cause,
    order_return_received,
    order_ship,
    order_split,
    order_update_delivery,
    order_update_payment,
)
from orders.services.cancellation import phones_says_unreachable
from orders.services.editing import order_correct_ttn
from orders.services.late_causes import late_cause_open

from .. import forms
from ..selectors import (
    DEFAULT_TAB,
    TAB_KEYS,
    TABS,
    OrderFilters,
    metric_filter,
    order_actions,
    order_list,
    order_tab_counts,
    page_of,
    tracking_problems,
)
from .base import SESSION_STORE, cabinet_view, int_param, member_order
from .requests import REQUEST_FORM_GROUPS, request_panel

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
            tab=tab,
            q=data["q"],
            overdue=data["overdue"],
            due_soon=data["due_soon"],
            delivery=data["delivery"],
            tracking=data["tracking"],
            **metric_filter(request.GET),  # from the performance page: the orders behind a number
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


def _timeline(order: Order) -> list:
    """The order's timeline, newest first."""
    timeline = order_timeline(order)
    timeline.reverse()
    return timeline


def _journal_context(order: Order, *, call_form=None, comment_form=None, timeline=None) -> dict:
    """The call log and the history timeline (with the seller-only comments)."""
    timeline = _timeline(order) if timeline is None else timeline
    return {
        "order": order,
        "calls": [e for e in timeline if e.kind == "call"],
        "timeline": timeline,
        "call_form": (call_form or forms.CallForm(order=order, prefix="call")) if not order.is_terminal else None,
        "comment_form": comment_form or forms.CommentForm(order=order, prefix="comment"),
    }


# The order page's editing forms that wait in a closed <details>: each group is rendered when
# the seller opens it (an htmx GET of `order_form`; without JavaScript a plain link to the page
# with that group open), or at once when it comes back refused, so a page view renders none of
# their widgets. The ACTIONS names each group holds.
FORM_GROUPS: dict[str, tuple[str, ...]] = {
    "cancel": ("cancel",),
    "items": ("items", "add_item"),
    "delivery": ("delivery",),
    "payment": ("payment",),
    "split": ("split",),
    "ttn": ("ttn",),
    "late_cause": ("late_cause",),
    "reorder": ("reorder",),
}


def _carrier_tracked(order: Order) -> bool:
    """The order went with a carrier under a tracking number (or its goods are coming back)."""
    return order.delivery_method in CARRIER_METHODS and bool(order.ttn or order.return_expected_since)


def _awaiting_return(order: Order) -> bool:
    return order.return_expected_since is not None and order.return_received_at is None


def order_forms(order: Order, items, bound: dict, actions=None) -> dict:
    """Every form the order takes now, by its ACTIONS name — the one answer to "what may happen
    now" for the page and for its on-demand form groups: the transitions the status machine
    allows (`order_actions`), the editing windows the editing services check
    (`orders.rules.editing_windows`), the return of the goods and the tracking number's
    correction. A refused form (`bound`) stands in for a fresh one."""
    actions = order_actions(order) if actions is None else actions
    names = [action.name for action in actions if action.available]
    windows = editing_windows(order)
    names += [name for name, spec in ACTIONS.items() if spec.window and getattr(windows, spec.window)]
    if "split" in names and sum(item.quantity for item in items) < 2:
        names.remove("split")  # one unit cannot be split
    if _carrier_tracked(order) and _awaiting_return(order):
        names.append("return_received")
    if _carrier_tracked(order) and order.status == Status.IN_DELIVERY:
        names.append("ttn")  # while the carrier has the parcel (orders.services.editing)
    if late_cause_open(order):
        names.append("late_cause")  # shipped late or expired before shipping (docs/rules.md §10)
    if reorder_rules.may_offer(order):
        names.append("reorder")  # the goods again after a shipping-time expiry (docs/rules.md §10)
    return {name: bound.get(name) or ACTIONS[name].make_form(order, items) for name in names}


def _order_context(request, order: Order, bound: dict, opened: str = "") -> dict:
    items = _items(order)
    actions = order_actions(order)
    available = order_forms(order, items, bound, actions)
    action_rows = [
        {
            "action": action,
            "form": available.get(action.name) if action.available else None,
            "url": reverse(ACTIONS[action.name].url_name, args=[order.pk]),
        }
        for action in actions
    ]
    # What may be edited now: the same windows the editing services check (orders.rules).
    windows = editing_windows(order)
    edit = {name: form for name, form in available.items() if ACTIONS[name].window}
    tracking = _tracking(order, available)
    # The groups rendered in the page: a refused one, the one the plain link asked for, and the
    # tracking number's when the carrier does not know it (its <details> is open then).
    inline = {group for group, names in FORM_GROUPS.items() if group == opened or any(n in bound for n in names)}
    inline |= {group for group in REQUEST_FORM_GROUPS if group == opened or group in bound}
    if tracking and "not_found" in tracking["problems"]:
        inline.add("ttn")
    # The request panel: what orders.requests.rules.request_actions allows the store (docs/rules.md §6).
    panel = request_panel(order, bound)
    visible = set(available) | {"call", "comment"} | set(panel["forms"])
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
    timeline = _timeline(order)
    context = {
        "order": order,
        "store": order.store,
        "items": items,
        "action_rows": action_rows,
        "windows": windows,
        "edit": edit,
        "forms": available,
        "inline": inline,
        "form_url": reverse("cabinet:order_form", args=[order.pk]),
        "stray_errors": stray_errors,
        "phone_pretty": phones.pretty(order.buyer_phone),
        "operator": phones.ukrainian_operator(order.buyer_phone),
        # The very rule the cancellation service applies (docs/rules.md §5).
        "unreachable_at_once": phones_says_unreachable(order),
        "buyer": buyer_history(order.buyer_phone, exclude_order_id=order.pk),
        # An order is split only by order_split, which records it in the order's history.
        "split_children": list(order.split_children.only("pk", "status"))
        if any(entry.action == "split" for entry in timeline)
        else [],
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
        "tracking": tracking,
        "requests": panel,
        "restock_url": "{}?check={}&order={}".format(
            reverse("cabinet:offer_list"), ",".join(str(offer.pk) for offer, _form in restock), order.pk
        ),
    }
    context.update(
        _journal_context(order, call_form=bound.get("call"), comment_form=bound.get("comment"), timeline=timeline)
    )
    return context


def _tracking(order: Order, available: dict) -> dict | None:
    """The parcel's state, last and next check, its problems and the return of its goods
    (docs/rules.md §8), for an order that went with a carrier."""
    if not _carrier_tracked(order):
        return None
    tracking = order_tracking(order, events=False)
    return {
        "parcel": tracking.parcel,
        "tracking": tracking,
        "problems": tracking_problems(tracking.parcel, clock.today()) if order.status == Status.IN_DELIVERY else [],
        "awaiting_return": _awaiting_return(order),
        "return_form": available.get("return_received"),
        "ttn_form": available.get("ttn"),
    }


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


def render_order(
    request,
    order: Order,
    *,
    bound: dict | None = None,
    status: int = 200,
    accepted_now: bool = False,
    opened: str = "",
):
    context = _order_context(request, order, bound or {}, opened)
    context["accepted_now"] = accepted_now
    response = render(request, "cabinet/order_detail.html", context, status=status)
    if status != 200:
        # A boosted form posted to an action URL: keep the order page's address in the bar.
        response = push_url(response, reverse("cabinet:order_detail", args=[order.pk]))
    return response


@cabinet_view
def order_detail(request, pk: int):
    order = member_order(request, pk)
    if request.session.get(SESSION_STORE) != order.store_id:  # a view of the current store's order writes no session
        request.cabinet.switch(order.store_id)
    if order.status == Status.NEW:  # an order opened before has nothing to accept (member_order checked the member)
        order = order_open(actor=request.cabinet.actor, order=order)  # new → accepted (seed 000, step 1)
    # Said once, on the visit that accepted it, so the seller is not surprised (docs/rules.md §2).
    return render_order(request, order, accepted_now=getattr(order, "accepted_now", False))


def _detail_url(order) -> str:
    return reverse("cabinet:order_detail", args=[order.pk])


@cabinet_view
def order_form_view(request, pk: int):
    """One group of the order page's editing forms (FORM_GROUPS and the request panel's
    REQUEST_FORM_GROUPS, `?form=`), asked for when the seller opens its <details>: htmx gets the
    fragment; a plain link (no JavaScript) gets the whole page with the group open. Whether the
    group's forms exist is `order_forms`' answer (the panel's `request_panel`), the same as the
    page's; one the order no longer takes reloads the page."""
    order = member_order(request, pk)  # another store's order: 404 whatever the method
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    group = request.GET.get("form", "")
    if group not in FORM_GROUPS and group not in REQUEST_FORM_GROUPS:
        raise Http404("No such form.")
    if not request.htmx:
        return render_order(request, order, opened=group)
    if group in REQUEST_FORM_GROUPS:  # the request panel's, by the panel's own answer
        form = request_panel(order, {})["forms"].get(group)
        if form is None:
            return HttpResponseClientRefresh()
        return render(request, f"cabinet/order_forms/{group}.html", {"order": order, "form": form})
    items = _items(order)
    available = order_forms(order, items, {})
    if not any(name in available for name in FORM_GROUPS[group]):
        return HttpResponseClientRefresh()  # the order moved on since the page was shown
    context = {"order": order, "store": order.store, "items": items, "forms": available}
    return render(request, f"cabinet/order_forms/{group}.html", context)


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
            "ttn",
            "cabinet:order_ttn",
            forms.TtnForm,
            lambda actor, order, form: order_correct_ttn(actor=actor, order=order, ttn=form.cleaned_data["ttn"]),
            gettext_noop("Order #%(number)s now follows the tracking number %(ttn)s."),
            params=lambda order, result: {"ttn": result.ttn},
        ),
        OrderActionSpec(
            "return_received",
            "cabinet:order_return_received",
            forms.ReturnReceivedForm,
            lambda actor, order, form: order_return_received(actor=actor, order=order),
            gettext_noop("The goods of order #%(number)s are back in stock."),
        ),
        OrderActionSpec(
            "late_cause",
            "cabinet:order_late_cause",
            forms.LateCauseForm,
            lambda actor, order, form: order_record_late_cause(
                actor=actor, order=order, cause=form.cleaned_data["cause"], note=form.cleaned_data["note"]
            ),
            gettext_noop("The cause of the delay of order #%(number)s is saved."),
        ),
        OrderActionSpec(
            "reorder",
            "cabinet:order_reorder",
            forms.ReorderForm,
            lambda actor, order, form: reorder_offer(
                actor=actor,
                order=order,
                discount_kind=form.cleaned_data["discount_kind"],
                discount=form.cleaned_data["discount"],
                message=form.cleaned_data["message"],
            ),
            gettext_noop("The goods of order #%(number)s are offered to the buyer again."),
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
