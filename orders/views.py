"""The buyer's public order page (docs/rules.md §1, §2, §6), reached by the order's unguessable token.

The buyer sees only what is theirs to see: the status and its dated changes, items, totals,
delivery and payment, the cancellation reason's label. Never the seller's comments, call
attempts, cancellation comments, internal deadlines or the names of the store's people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from marketplace.errors import ServiceError
from marketplace.formats import when

from .carriers.base import StateGroup
from .choices import BUYER_STATUS_LABELS, CARRIER_METHODS, OPEN_STATUSES, DeliveryMethod, Status
from .models import Order
from .selectors import Tracking, order_tracking, public_tracking_url
from .services import order_cancel_by_buyer

# A token in the URL must not travel to other sites (Referer), be stored (caches) or be indexed.
# `same-origin`, not `no-referrer`: with no referrer at all Chromium sends `Origin: null` on the
# page's own form posts, and Django's CSRF check refuses them (tests/browser/test_public_order.py).
PUBLIC_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin", "X-Robots-Tag": "noindex"}
LANGUAGES = {code for code, _name in settings.LANGUAGES}


class BuyerCancelForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("Yes, cancel this order"),
        error_messages={"required": gettext_lazy("Tick the box to confirm the cancellation.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Why are you cancelling? (optional, for the store)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


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


def render_page(request, order: Order, *, form: BuyerCancelForm | None = None, error: str = "", status: int = 200):
    can_cancel = order.status in OPEN_STATUSES
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
        "can_cancel": can_cancel,
        "form": (form or BuyerCancelForm()) if can_cancel else None,
        "error": error,
    }
    return render(request, "orders/public_order.html", context, status=status)


@require_safe
@public_view
def public_order(request, order: Order):
    return render_page(request, order)


@require_POST
@public_view
def public_order_cancel(request, order: Order):
    form = BuyerCancelForm(request.POST)
    if not form.is_valid():
        return render_page(request, order, form=form, status=422)
    try:
        order_cancel_by_buyer(order=order, comment=form.cleaned_data["comment"])
    except ServiceError as refusal:
        fresh = Order.objects.select_related("store").get(pk=order.pk)
        return render_page(request, fresh, form=form, error=str(refusal), status=422)
    messages.success(request, _("Your order is cancelled. The store has been told."))
    return redirect("orders:public_order", token=order.public_token)
