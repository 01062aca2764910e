"""Requests between the store and the buyer in the cabinet (docs/rules.md §6): the requests
tab, the order page's request panel and its actions.

What the panel offers is `orders.requests.rules.request_actions(order, seller)`, the one answer
the buyer's page and the API also read; every action posts to a thin view that calls one
service of `orders.requests.services` and, on a refusal, shows the order page again with the
service's sentence next to the form (nothing changed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace import clock
from marketplace.actors import ActorKind
from marketplace.errors import RuleViolation, ServiceError
from marketplace.worktime import KYIV
from orders.models import Dispute, Order, OrderRequest, RequestMessage
from orders.requests import services
from orders.requests.models import RequestKind, RequestState
from orders.requests.rules import request_actions
from orders.requests.selectors import requests_and_disputes

from .. import forms_requests as rforms
from ..selectors import DEFAULT_REQUEST_TAB, REQUEST_TAB_KEYS, REQUEST_TABS, request_counts, request_list
from .base import cabinet_view, member_order

# --- the requests tab ------------------------------------------------------------------------


@cabinet_view
def request_list_view(request):
    store = request.cabinet.store
    tab = request.GET.get("tab") if request.GET.get("tab") in REQUEST_TAB_KEYS else DEFAULT_REQUEST_TAB
    now = clock.now()
    counts = request_counts(store, now=now)
    context = {
        "tabs": [(t, counts[t.key]) for t in REQUEST_TABS],
        "tab": tab,
        "rows": request_list(store, tab, now=now),
        "detail_url": reverse("cabinet:order_detail", args=[0]).removesuffix("0/"),
    }
    return render(request, "cabinet/requests.html", context)


# --- the order page's panel ------------------------------------------------------------------


@dataclass(frozen=True)
class RequestActionSpec:
    """An action of the request panel: its form, the service it calls (`perform(actor, order,
    form)`) and what the seller is told on success."""

    name: str  # the form's prefix and the URL's action
    form: type
    perform: Callable
    message: str
    about_open: bool = False  # the form names the open request

    def make_form(self, order: Order, open_request=None, data=None):
        extra = {"open_request": open_request} if self.about_open else {}
        return self.form(data, order=order, prefix=self.name, **extra)


def _the_open_request(order: Order, form) -> OrderRequest:
    """The request the form names, if it is still the order's open one (the service checks it
    again under its lock)."""
    wanted = form.cleaned_data["request"]
    found = OrderRequest.objects.filter(pk=wanted, order=order, state=RequestState.OPEN).first()
    if found is None:
        raise RuleViolation(_("This request is not open any more: the page now shows it as it is."))
    return found


def _open_cancel(actor, order, form):
    data = form.cleaned_data
    return services.request_open(
        actor=actor, order=order, kind=RequestKind.SELLER_CANCEL, ground=data["ground"], message=data["message"]
    )


def _open_move(actor, order, form):
    data = form.cleaned_data
    return services.request_open(
        actor=actor, order=order, kind=RequestKind.MOVE_DATE, new_date=data["new_date"], message=data["message"]
    )


def _answer(actor, order, form):
    return services.request_answer(
        actor=actor,
        request=_the_open_request(order, form),
        accept=form.accepts,
        message=form.cleaned_data["message"],
    )


REQUEST_ACTIONS: dict[str, RequestActionSpec] = {
    spec.name: spec
    for spec in (
        RequestActionSpec(
            "request_cancel",
            rforms.SellerCancelRequestForm,
            _open_cancel,
            gettext_lazy("The buyer is asked to agree to cancel order #%(number)s."),
        ),
        RequestActionSpec(
            "request_move",
            rforms.MoveDateRequestForm,
            _open_move,
            gettext_lazy("The buyer is asked to agree to the new date of order #%(number)s."),
        ),
        RequestActionSpec(
            "request_answer",
            rforms.AnswerForm,
            _answer,
            gettext_lazy("Your answer to the buyer's request on order #%(number)s is sent."),
            about_open=True,
        ),
        RequestActionSpec(
            "request_withdraw",
            rforms.WithdrawForm,
            lambda actor, order, form: services.request_withdraw(actor=actor, request=_the_open_request(order, form)),
            gettext_lazy("The request on order #%(number)s is withdrawn."),
            about_open=True,
        ),
        RequestActionSpec(
            "request_follow_up",
            rforms.FollowUpForm,
            lambda actor, order, form: services.request_follow_up(actor=actor, request=_the_open_request(order, form)),
            gettext_lazy("The buyer is reminded of the request on order #%(number)s."),
            about_open=True,
        ),
        RequestActionSpec(
            "request_message",
            rforms.RequestMessageForm,
            lambda actor, order, form: services.request_message_add(
                actor=actor, request=_the_open_request(order, form), text=form.cleaned_data["text"]
            ),
            gettext_lazy("The message is sent to the buyer."),
            about_open=True,
        ),
    )
}


# The panel's forms that wait in a closed <details>, each rendered when the seller opens it (an
# htmx GET of `order_form`, as the order page's FORM_GROUPS): asking the buyer to move the date or
# to cancel. The open request's answer, thread and withdrawal stay in the page.
REQUEST_FORM_GROUPS = ("request_move", "request_cancel")


@dataclass
class PastRequest:
    request: OrderRequest
    thread: list
    dispute: Dispute | None


def request_panel(order: Order, bound: dict) -> dict:
    """The order page's request panel: what `request_actions` allows the store now, the open
    request with its countdown and thread, the requests before it and the order's disputes
    (with the moderators' decision and their note to the store). One query when the order has
    neither requests nor disputes, else up to three more (the requests and the disputes, which
    `request_actions` reads from, and the requests' threads). A refused form
    (`bound`) stands in for a fresh one."""
    requests, disputes = requests_and_disputes(order)  # each newest first
    actions = request_actions(order, ActorKind.SELLER, requests=requests, disputes=disputes)
    threads: dict[int, list[RequestMessage]] = {r.pk: [] for r in requests}
    if requests:
        for message in RequestMessage.objects.filter(request__order=order).select_related("author"):
            threads[message.request_id].append(message)
    by_request = {d.request_id: d for d in disputes if d.request_id}
    open_request = actions.request
    names = []
    if RequestKind.SELLER_CANCEL in actions.open_kinds:
        names.append("request_cancel")
    if RequestKind.MOVE_DATE in actions.open_kinds:
        names.append("request_move")
    if open_request is not None:
        if actions.can_answer:
            names.append("request_answer")
        if actions.can_withdraw:
            names.append("request_withdraw")
        if actions.can_follow_up or actions.follow_up_from is not None:
            names.append("request_follow_up")
        if actions.can_write:
            names.append("request_message")
    panel_forms = {name: bound.get(name) or REQUEST_ACTIONS[name].make_form(order, open_request) for name in names}
    now = clock.now()
    return {
        "actions": actions,
        "open": open_request,
        "thread": threads.get(open_request.pk, []) if open_request else [],
        "answer_left": open_request.answer_by - now if open_request else None,
        "expires_left": open_request.expires_at - now if open_request else None,
        "answer_window_passed": bool(open_request and now >= open_request.answer_by),
        "follow_up_today": bool(
            actions.follow_up_from and actions.follow_up_from.astimezone(KYIV).date() == clock.today()
        ),
        "past": [
            PastRequest(r, threads[r.pk], by_request.get(r.pk))
            for r in requests
            if open_request is None or r.pk != open_request.pk
        ],
        # complaints about a late order have no request; the undecided dispute is shown on top
        "complaints": [d for d in disputes if not d.request_id],
        "dispute": actions.dispute,
        "forms": panel_forms,
        "shown": bool(names or requests or disputes),
    }


@cabinet_view
def order_request_view(request, pk: int, action: str):
    """Every action of the request panel (`REQUEST_ACTIONS[action]`): bind its form, call its
    service; on a refusal show the order page again with the service's sentence (422)."""
    from .orders import render_order  # the order page imports this module's panel

    spec = REQUEST_ACTIONS[action]
    order = member_order(request, pk)  # another store's order: 404 whatever the method
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = spec.make_form(order, data=request.POST)
    valid = form.is_valid()
    if "request" in form.errors:  # a hidden field: its error is said on top of the form
        form.add_error(None, _("This request is not open any more: the page now shows it as it is."))
    if valid:
        try:
            spec.perform(request.cabinet.actor, order, form)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, str(spec.message) % {"number": order.pk})
            return HttpResponseRedirect(reverse("cabinet:order_detail", args=[order.pk]) + "#request")
    order = member_order(request, pk)  # as stored: a refused service changed nothing
    return render_order(request, order, bound={action: form}, status=422)
