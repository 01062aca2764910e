"""The buyer's public order page (docs/rules.md §1, §2, §6), reached by the order's unguessable token.

The buyer sees only what is theirs to see: the status and its dated changes, items, totals,
delivery and payment, the cancellation reason's label, and their side of requests and disputes:
the cancel (or the request to cancel), the store's requests to answer, the request's thread, the
complaint about a late order and the moderators' decision with the note to the buyer. Never the
seller's comments, call attempts, cancellation comments, internal deadlines, the note to the
store or the names of the store's people. What the buyer may do comes from
orders.requests.rules.request_actions; every write is a service (docs/rules.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.db.models import Q, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from marketplace import clock
from marketplace.actors import Actor, ActorKind
from marketplace.errors import NotAllowed, RuleViolation, ServiceError
from marketplace.formats import when

from .carriers.base import StateGroup
from .choices import BUYER_STATUS_LABELS, CARRIER_METHODS, OPEN_STATUSES, CancelReason, DeliveryMethod, Status
from .disputes.models import Dispute, DisputeState
from .disputes.services import dispute_complain
from .forms_public import (
    BuyerCancelForm,
    BuyerCancelRequestForm,
    ComplaintForm,
    RequestAnswerForm,
    RequestMessageForm,
    RequestWithdrawForm,
)
from .models import Order
from .reorders.buyer import reorder_box
from .reorders.forms import ReorderAnswerForm
from .reorders.services import reorder_accept, reorder_decline
from .requests.models import OrderRequest, RequestKind
from .requests.rules import RequestActions, agreed_date, is_late, request_actions, windows
from .requests.services import request_answer, request_message_add, request_open, request_withdraw
from .selectors import Tracking, order_tracking, public_tracking_url
from .services import order_cancel_by_buyer

# A token in the URL must not travel to other sites (Referer), be stored (caches) or be indexed.
# `same-origin`, not `no-referrer`: with no referrer at all Chromium sends `Origin: null` on the
# page's own form posts, and Django's CSRF check refuses them (tests/browser/test_public_order.py).
PUBLIC_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin", "X-Robots-Tag": "noindex"}
LANGUAGES = {code for code, _name in settings.LANGUAGES}


@dataclass
class Step:
    status: str
    label: str
    at: datetime | None
    state: str  # "done" | "current" | "todo"


def public_view(view):
    """Find the order by its token (404 for any other string), speak the buyer's language
    unless they chose one, and set the page's privacy headers."""

    @wraps(view)
    def wrapper(request, token: str):
        order = Order.objects.select_related("store").filter(public_token=token).first()
        if order is None:
            raise Http404()
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in LANGUAGES else order.buyer_language
        with translation.override(language):
            response = view(request, order)
        for header, value in {**PUBLIC_HEADERS, "Content-Language": language}.items():
            response.headers[header] = value
        return response

    return wrapper


def status_changes(order: Order) -> list[tuple[str, datetime]]:
    """(status, when) each time the status changed, oldest first: only these two columns of
    the history are read, so nothing else of it can reach the page."""
    rows = (
        Order.history.filter(id=order.pk).order_by("history_date", "history_id").values_list("status", "history_date")
    )
    changes: list[tuple[str, datetime]] = []
    for status, at in rows:
        if not changes or changes[-1][0] != status:
            changes.append((status, at))
    if not changes or changes[-1][0] != order.status:
        changes.append((order.status, order.status_changed_at))
    return changes


def buyer_label(status: str) -> str:
    """A status as the buyer reads it on their page (orders.choices.BUYER_STATUS_LABELS)."""
    return str(BUYER_STATUS_LABELS.get(status, Status(status).label))


def progress(order: Order) -> list[Step]:
    """The statuses passed (with dates), the current one, and for an open order those ahead,
    each in the buyer's words."""
    steps = [Step(status, buyer_label(status), at, "done") for status, at in status_changes(order)]
    steps[-1].state = "current"
    if order.status in OPEN_STATUSES:
        last_leg = Status.AWAITING_PICKUP if order.delivery_method == DeliveryMethod.PICKUP else Status.IN_DELIVERY
        path = [Status.NEW, Status.ACCEPTED, Status.CONFIRMED, Status.AWAITING_SHIPMENT, last_leg, Status.RECEIVED]
        ahead = path[path.index(order.status) + 1 :] if order.status in path else []
        steps += [Step(status, buyer_label(status), None, "todo") for status in ahead]
    return steps


def split_relatives(order: Order) -> list[Order]:
    """The orders this one was split from or into, and its siblings from the same split."""
    related = Q(split_from_id=order.pk)
    if order.split_from_id:
        related |= Q(pk=order.split_from_id) | Q(split_from_id=order.split_from_id)
    return list(Order.objects.filter(related).exclude(pk=order.pk).only("pk", "public_token", "status").order_by("pk"))


# The parcel's state in the buyer's words (docs/rules.md §8): what it means for them, not the
# carrier's code. The events list reads the short form; the headline may name branch and dates.
BUYER_TRACKING_LABELS = {
    StateGroup.CREATED: gettext_lazy("The store has prepared the parcel for the carrier"),
    StateGroup.IN_TRANSIT: gettext_lazy("The parcel is on its way"),
    StateGroup.AT_BRANCH: gettext_lazy("The parcel is waiting for you at the branch"),
    StateGroup.RECEIVED: gettext_lazy("You received the parcel"),
    StateGroup.REFUSED: gettext_lazy("The parcel was not collected and is going back to the store"),
    StateGroup.RETURNED: gettext_lazy("The parcel went back to the store"),
    StateGroup.NOT_FOUND: gettext_lazy("The carrier has not registered the parcel yet"),
    StateGroup.READDRESSED: gettext_lazy("The parcel was redirected and travels under a new number"),
    StateGroup.FAILED_ATTEMPT: gettext_lazy("The delivery did not take place as planned"),
    StateGroup.UNKNOWN: gettext_lazy("The carrier updated the parcel's status"),
}


@dataclass
class BuyerEvent:
    at: datetime
    label: str
    text: str  # the carrier's own status text (public on its tracking page too)
    branch: str


def buyer_tracking_headline(order: Order, parcel) -> str:
    """The parcel's current state as one sentence for the buyer ("" when there is nothing to say)."""
    if parcel is None or not parcel.group:
        if order.status == Status.RECEIVED:
            return str(BUYER_TRACKING_LABELS[StateGroup.RECEIVED]) + "."
        if order.status != Status.IN_DELIVERY:
            return ""
        return _("The parcel is with the carrier; its progress appears here once the carrier reports it.")
    if parcel.group == StateGroup.AT_BRANCH:
        branch = parcel.branch or _("the branch")
        if parcel.storage_free_until:
            return _("Waiting for you at %(branch)s until %(date)s — storage is free until then.") % {
                "branch": branch,
                "date": when(parcel.storage_free_until, "day"),
            }
        return _("Waiting for you at %(branch)s.") % {"branch": branch}
    return str(BUYER_TRACKING_LABELS.get(parcel.group, BUYER_TRACKING_LABELS[StateGroup.UNKNOWN])) + "."


def buyer_tracking(order: Order) -> dict | None:
    """The tracking section of the buyer's page: only what the buyer may see (no polling data,
    no carrier codes), or None for an order that never went with a carrier."""
    if order.delivery_method not in CARRIER_METHODS or not order.ttn:
        return None
    tracking: Tracking = order_tracking(order)
    parcel = tracking.parcel
    events = [
        BuyerEvent(
            at=event.at or event.recorded_at,
            label=str(BUYER_TRACKING_LABELS.get(event.group, BUYER_TRACKING_LABELS[StateGroup.UNKNOWN])),
            text=event.text,
            branch=event.branch,
        )
        for event in tracking.events
    ]
    return {
        "headline": buyer_tracking_headline(order, parcel),
        "group": parcel.group if parcel else "",
        "number": parcel.number if parcel else order.ttn,
        "carrier": tracking.carrier_label if parcel else order.get_delivery_method_display(),
        "url": tracking.url if parcel else public_tracking_url(order.delivery_method, order.ttn),
        "scheduled_delivery": parcel.scheduled_delivery if parcel and order.status == Status.IN_DELIVERY else None,
        "events": events,
    }


@dataclass
class RequestBox:
    """The open request as the buyer's page shows it, in the buyer's words."""

    request: OrderRequest
    mine: bool  # the buyer opened it (a cancellation request)
    title: str
    outcome: str  # what happens if nobody answers by expires_at
    answer_window_passed: bool
    thread: list
    answer_form: RequestAnswerForm | None
    withdraw_form: RequestWithdrawForm | None
    message_form: RequestMessageForm | None


def request_title(request: OrderRequest) -> str:
    if request.kind == RequestKind.BUYER_CANCEL:
        return _("You asked the store to cancel the order")
    if request.kind == RequestKind.SELLER_CANCEL:
        return _("The store asks you to agree to cancel the order")
    return _("The store asks to move the agreed date from %(old)s to %(new)s") % {
        "old": when(request.old_date, "long") if request.old_date else "—",
        "new": when(request.new_date, "long"),
    }


def request_outcome(request: OrderRequest) -> str:
    """What silence does at expires_at (docs/rules.md §6: an unanswered request goes through)."""
    at = when(request.expires_at)
    if request.kind == RequestKind.BUYER_CANCEL:
        return _("If the store does not answer by %(at)s, the order is cancelled.") % {"at": at}
    if request.kind == RequestKind.SELLER_CANCEL:
        return _("If you do not answer by %(at)s, the order is cancelled by agreement.") % {"at": at}
    return _("If you do not answer by %(at)s, the new date applies.") % {"at": at}


def request_box(actions: RequestActions, bound: dict) -> RequestBox | None:
    request = actions.request
    if request is None:
        return None
    initial = {"request": request.pk}

    def form(name, form_class, allowed):
        if not allowed:
            return None
        return bound.get(name) or form_class(initial=initial)

    return RequestBox(
        request=request,
        mine=request.opened_by == ActorKind.BUYER,
        title=request_title(request),
        outcome=request_outcome(request),
        answer_window_passed=clock.now() >= request.answer_by,
        thread=list(request.messages.all()),
        answer_form=form("answer", RequestAnswerForm, actions.can_answer),
        withdraw_form=form("withdraw", RequestWithdrawForm, actions.can_withdraw),
        message_form=form("message", RequestMessageForm, actions.can_write),
    )


def last_decided_dispute(disputes: list[Dispute], actions: RequestActions) -> Dispute | None:
    """The latest decision of the moderators (from the order's disputes, read once), shown while
    no other dispute is undecided."""
    if actions.dispute is not None:
        return None
    decided = [d for d in disputes if d.state == DisputeState.DECIDED]
    return max(decided, key=lambda d: (d.decided_at, d.pk), default=None)


def render_page(request, order: Order, *, bound: dict | None = None, error: str = "", status: int = 200):
    """The page; `bound` holds the forms of a refused post (by name: cancel, answer, withdraw,
    message, complaint) so their errors and text stay. What the buyer may do comes from one
    source, orders.requests.rules.request_actions (docs/rules.md §6)."""
    bound = bound or {}
    if order.status == Status.IN_DELIVERY:
        # The agreed date of a parcel on its way is the carrier's (rules.agreed_date): read the parcels once.
        prefetch_related_objects([order], "parcels")
    disputes = list(order.disputes.all())  # the undecided one and the last decision, in one read
    actions = request_actions(order, ActorKind.BUYER, disputes=disputes)
    cancel_form = None
    ask_windows = None
    if actions.can_cancel:
        form_class = BuyerCancelForm if actions.cancels_at_once else BuyerCancelRequestForm
        cancel_form = bound.get("cancel") or form_class()
        if not actions.cancels_at_once:
            ask_windows = windows(clock.now())
    late = actions.cancels_at_once and is_late(order)
    context = {
        "order": order,
        "store": order.store,
        "status_label": buyer_label(order.status),
        "items": list(order.items.all()),
        "steps": progress(order),
        "relatives": split_relatives(order),
        "is_carrier": order.delivery_method == DeliveryMethod.NOVA_POSHTA,
        "is_courier": order.delivery_method == DeliveryMethod.COURIER,
        "tracking": buyer_tracking(order),
        "actions": actions,
        "form": cancel_form,
        "cancel_at_once": actions.cancels_at_once,
        "late": late,
        "agreed_date": agreed_date(order) if late else None,
        "ask_windows": ask_windows,
        "request_box": request_box(actions, bound),
        "dispute": actions.dispute,
        "decided": last_decided_dispute(disputes, actions),
        "complaint_form": (bound.get("complaint") or ComplaintForm()) if actions.can_complain else None,
        "error": error,
        "reorder_box": reorder_box(order),  # a re-order offer or link (docs/rules.md §10)
    }
    return render(request, "orders/public_order.html", context, status=status)


def refuse(request, order: Order, refusal: Exception, bound: dict):
    """A refusal: the service's sentence on the page as it is now; nothing was changed."""
    fresh = Order.objects.select_related("store").get(pk=order.pk)
    return render_page(request, fresh, bound=bound, error=str(refusal), status=422)


def back(order: Order):
    return redirect("orders:public_order", token=order.public_token)


def read_request(order: Order, form) -> OrderRequest:
    """The open request the buyer read (its id in the form); a request that was answered,
    withdrawn or replaced meanwhile is refused, so a stale page never acts on another one."""
    current = request_actions(order, ActorKind.BUYER).request
    if current is None or current.pk != form.cleaned_data["request"]:
        raise RuleViolation(
            _("This request is no longer open or has changed meanwhile; see the page as it is now."), code="stale"
        )
    return current


@require_safe
@public_view
def public_order(request, order: Order):
    return render_page(request, order)


@require_POST
@public_view
def public_order_cancel(request, order: Order):
    """The buyer's cancel: at once (instant mode, or a late order as late_delivery), or, in request
    mode, a cancellation request the store answers (docs/rules.md §6)."""
    actions = request_actions(order, ActorKind.BUYER)
    asks = actions.can_cancel and not actions.cancels_at_once
    form = (BuyerCancelRequestForm if asks else BuyerCancelForm)(request.POST)
    if not form.is_valid():
        return render_page(request, order, bound={"cancel": form}, status=422)
    comment = form.cleaned_data["comment"]
    try:
        if asks:
            opened = request_open(actor=Actor.buyer(), order=order, kind=RequestKind.BUYER_CANCEL, message=comment)
        elif actions.cancels_at_once or order.status not in OPEN_STATUSES:
            # A closed order: the service refuses with the status and changes nothing.
            order = order_cancel_by_buyer(order=order, comment=comment)
        else:
            raise RuleViolation(_("You cannot cancel the order now; the page shows what you can do."), code="cancel")
    except (ServiceError, NotAllowed) as refusal:
        return refuse(request, order, refusal, {"cancel": form})
    if asks:
        messages.success(
            request,
            _(
                "Your request is sent to the store. It answers by %(answer_by)s; "
                "without an answer the order is cancelled at %(expires_at)s."
            )
            % {"answer_by": when(opened.answer_by), "expires_at": when(opened.expires_at)},
        )
    elif order.cancel_reason == CancelReason.LATE_DELIVERY:
        messages.success(
            request, _("Your order is cancelled because the agreed date has passed. The store has been told.")
        )
    else:
        messages.success(request, _("Your order is cancelled. The store has been told."))
    return back(order)


@require_POST
@public_view
def public_request_answer(request, order: Order):
    """The buyer accepts or declines the store's request, with an optional message."""
    form = RequestAnswerForm(request.POST)
    if not form.is_valid():
        return render_page(request, order, bound={"answer": form}, status=422)
    accept = form.cleaned_data["answer"] == "accept"
    try:
        answered = request_answer(
            actor=Actor.buyer(),
            request=read_request(order, form),
            accept=accept,
            message=form.cleaned_data["message"],
        )
    except (ServiceError, NotAllowed) as refusal:
        return refuse(request, order, refusal, {"answer": form})
    if not accept:
        messages.success(request, _("You declined the request. The moderators will look at it and decide."))
    elif answered.kind == RequestKind.MOVE_DATE:
        messages.success(request, _("You accepted the new date. The store has been told."))
    else:
        messages.success(request, _("You agreed to cancel the order. The store has been told."))
    return back(order)


def buyer_action(request, order: Order, name: str, form_class, act, done: str):
    """One of the buyer's plain actions: the form (`name` in the page's bound forms), the service
    `act(form)`, and on success the sentence `done`; a refusal shows the page as it is now with the
    service's sentence (nothing changed)."""
    form = form_class(request.POST)
    if not form.is_valid():
        return render_page(request, order, bound={name: form}, status=422)
    try:
        act(form)
    except (ServiceError, NotAllowed) as refusal:
        return refuse(request, order, refusal, {name: form})
    messages.success(request, done)
    return back(order)


@require_POST
@public_view
def public_request_withdraw(request, order: Order):
    """The buyer withdraws their own cancellation request while it is unanswered."""
    return buyer_action(
        request,
        order,
        "withdraw",
        RequestWithdrawForm,
        lambda form: request_withdraw(actor=Actor.buyer(), request=read_request(order, form)),
        _("You withdrew your request. The order goes on."),
    )


@require_POST
@public_view
def public_request_message(request, order: Order):
    """A message to the store in the open request's thread."""
    return buyer_action(
        request,
        order,
        "message",
        RequestMessageForm,
        lambda form: request_message_add(
            actor=Actor.buyer(), request=read_request(order, form), text=form.cleaned_data["text"]
        ),
        _("Your message is sent to the store."),
    )


@require_POST
@public_view
def public_order_complain(request, order: Order):
    """The buyer of a late order complains to the moderators instead of cancelling (a dispute)."""
    return buyer_action(
        request,
        order,
        "complaint",
        ComplaintForm,
        lambda form: dispute_complain(order=order, complaint=form.cleaned_data["complaint"]),
        _("Your complaint is with the moderators. They will look at it and tell you."),
    )


@require_POST
@public_view
def public_reorder_answer(request, order: Order):
    """The buyer accepts the store's re-order offer (a new priority order) or declines it (docs/rules.md §10)."""
    form = ReorderAnswerForm(request.POST)
    if not form.is_valid():
        return refuse(request, order, RuleViolation(_("Choose to accept or decline the offer.")), {})
    try:
        if form.cleaned_data["answer"] == "accept":
            new = reorder_accept(order=order)
        else:
            reorder_decline(order=order)
            new = None
    except (ServiceError, NotAllowed) as refusal:
        return refuse(request, order, refusal, {})
    if new is None:
        messages.success(request, _("You declined the offer."))
        return back(order)
    messages.success(request, _("Thank you: the goods come as the new order #%(number)s.") % {"number": new.pk})
    return back(new)
