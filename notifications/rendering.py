"""What a message says, and rendering it in the recipient's language from its templates.

`context()` takes the facts when the event happens; they are stored on the outbox row and
`render_message()` turns them into the message when the worker sends it. Templates get plain
dictionaries, never model instances: a buyer's view of an order is built from a whitelist of
fields, so nothing seller-internal (comments, the cancellation comment, the call log) can
reach a buyer's message whatever a template says.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial

from django.apps import apps
from django.template.loader import get_template
from django.utils import translation
from django.utils.html import escape

from orders.choices import CancelReason, DeliveryMethod, PaymentMethod, Status

from . import links
from .models import Audience, Channel

TELEGRAM_LIMIT = 4096  # characters of one Bot API message
_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


def _items(order) -> list[dict]:
    return [
        {"title": item.title, "quantity": item.quantity, "price": item.price, "line_total": item.line_total}
        for item in order.items.all()
    ]


def buyer_view(order, *, items: list[dict] | None = None, store=None) -> dict | None:
    """What a buyer may know about an order: no seller comment, no cancellation comment.
    Choices are kept as their values; their labels are added in the recipient's language when
    the message is rendered (`_labelled`). A batch (the sweep) passes the items it read for all
    its orders at once and the store it shares between them."""
    if order is None:
        return None
    store = store if store is not None else order.store
    return {
        "number": order.pk,
        "status": order.status,
        "store_name": store.name,
        "store_slug": store.slug,  # public: the storefront's store page and "the same goods elsewhere"
        "buyer_name": order.buyer_name,
        "items": _items(order) if items is None else items,
        "items_total": order.items_total,
        "delivery_cost": order.delivery_cost,
        "total": order.total,
        "delivery_method": order.delivery_method,
        "delivery_branch": order.delivery_branch,
        "delivery_address": order.delivery_address,
        "ship_by": order.ship_by,
        "ttn": order.ttn,
        "courier_phone": order.courier_phone,
        "courier_visit_at": order.courier_visit_at,
        "payment_method": order.payment_method,
        "cancel_reason": order.cancel_reason,
        "url": links.public_order_url(order),
    }


def seller_view(order) -> dict | None:
    """The store's and moderators' view: adds the buyer's contacts and who cancelled and why."""
    if order is None:
        return None
    view = buyer_view(order)
    view.update(
        {
            "buyer_phone": order.buyer_phone,
            "buyer_email": order.buyer_email,
            "cancelled_by": order.cancelled_by,
            "cancel_comment": order.cancel_comment,
            "deadline": order.acceptable_deadline,
            "url": links.cabinet_order_url(order),
            "admin_url": links.admin_order_url(order),
        }
    )
    return view


def store_profile(store) -> dict | None:
    """The store's public profile (its owner's, sellers.services.store_update_profile): where and
    when buyers of pickup orders collect them and the phone to call. Public facts, fit for either side."""
    if store is None:
        return None
    return {"pickup_address": store.pickup_address, "pickup_hours": store.pickup_hours, "phone": store.phone}


# The caller's parameters a buyer may read: the parcel's public facts (where it waits, until when);
# a request's and a dispute's facts both sides read (orders/requests/messages.py) and the note a
# moderator wrote to the buyer. Never the note to the store (`seller_note`) nor admin's links.
BUYER_PARAMS = frozenset(
    {
        "number",
        "branch",
        "storage_free_until",
        # requests (docs/rules.md §6)
        "to",
        "request_id",
        "kind",
        "opened_by",
        "ground",
        "old_date",
        "new_date",
        "message",
        "answer_by",
        "expires_at",
        "state",
        "answer",
        "text",
        # disputes
        "dispute_id",
        "origin",
        "opened_at",
        "complaint",
        "decision",
        "fault",
        "buyer_note",
        "request_kind",
        "request_message",
        "request_answer",
        "request_new_date",
        # a re-order offer (docs/rules.md §10)
        "discount_kind",
        "discount",
    }
)


def context(*, for_buyer: bool, order=None, store=None, related=None, params=None, items=None) -> dict:
    """What a message says, as of the event, for one side: stored on the outbox row and
    rendered at delivery. A buyer's context holds the buyer's view only, and of the caller's
    parameters only BUYER_PARAMS (the rest are for the store's eyes). `items`: the order's
    items as the views hold them, when a batch has read them already (buyer's side only)."""
    view = buyer_view if for_buyer else seller_view
    facts = {
        "order": buyer_view(order, items=items, store=store) if for_buyer else view(order),
        "related": view(related),
        "store_name": store.name if store is not None else "",
        "params": {k: v for k, v in (params or {}).items() if k in BUYER_PARAMS} if for_buyer else (params or {}),
    }
    profile = store_profile(store if store is not None else (order.store if order is not None else None))
    if profile:
        facts["store_profile"] = profile
    if store is not None and not for_buyer:
        facts["store"] = {
            "name": store.name,
            "email": store.email,
            "offers_hidden_reason": store.offers_hidden_reason,
            "admin_url": links.admin_store_url(store),
        }
    return facts


# The choices a view holds as values, labelled in the recipient's language when rendered.
_LABELLED = {
    "status": Status,
    "delivery_method": DeliveryMethod,
    "payment_method": PaymentMethod,
    "cancel_reason": CancelReason,
}


# The choices of a request's and a dispute's parameters (orders/requests/messages.py), labelled in
# the recipient's language as `<name>_label`: read from the models' fields through the app registry,
# since notifications imports nothing of orders but its choices (the layers contract).
_PARAM_CHOICES = {
    "kind": ("OrderRequest", "kind"),
    "request_kind": ("OrderRequest", "kind"),
    "ground": ("OrderRequest", "ground"),
    "state": ("OrderRequest", "state"),
    "opened_by": ("OrderRequest", "opened_by"),
    "origin": ("Dispute", "origin"),
    "decision": ("Dispute", "decision"),
    "fault": ("Dispute", "fault"),
}


@lru_cache(maxsize=16)
def _param_choices(name: str) -> dict:
    model, field = _PARAM_CHOICES[name]
    return dict(apps.get_model("orders", model)._meta.get_field(field).flatchoices)


def param_label(name: str, value) -> str:
    """The label of a request's or dispute's choice parameter in the active language ("" for none)."""
    try:
        label = _param_choices(name).get(value)
    except TypeError:  # an unhashable value (never written by orders.requests.messages)
        label = None
    return str(label) if label is not None else str(value or "")


def _labelled_params(params: dict) -> dict:
    found = [name for name in _PARAM_CHOICES if name in params]
    if not found:
        return params
    return {**params, **{f"{name}_label": param_label(name, params[name]) for name in found}}


@lru_cache(maxsize=1024)
def _label(field: str, value, language: str | None) -> str:
    """The label of one choice value in `language` (the active one: part of the cache key)."""
    choices = _LABELLED[field]
    return str(choices(value).label) if value in choices.values else (value or "")


def _labelled(view: dict | None) -> dict | None:
    """The view with `<field>_label` for each choice it holds, in the active language."""
    if not view:
        return view
    view = dict(view)
    language = translation.get_language()
    for field in _LABELLED:
        if field in view:
            value = view[field]
            try:
                view[f"{field}_label"] = _label(field, value, language)
            except TypeError:  # an unhashable value (never written by context()): its text as is
                view[f"{field}_label"] = str(value or "")
    return view


def _for_templates(facts: dict, *, for_buyer: bool) -> dict:
    ctx = dict(facts)
    ctx["order"] = _labelled(facts.get("order"))
    ctx["related"] = _labelled(facts.get("related"))
    params = facts.get("params") or {}
    if isinstance(params.get("orders"), list):
        params = {**params, "orders": [_labelled(entry) for entry in params["orders"]]}
    ctx["params"] = _labelled_params(params)
    # Links few templates use are callables: a template calls them where it uses them, the others
    # skip the URL reversing (a worker renders every message it sends).
    ctx["cabinet_url"] = links.cabinet_url
    if for_buyer and ctx["order"]:
        ctx["search_url"] = partial(_same_goods_elsewhere, ctx["order"])
    return ctx


def _same_goods_elsewhere(order: dict) -> str:
    """The same goods in other stores: each item's title an alternative ("a; b"), the store that
    let the order expire left out (sellers/catalog.py)."""
    return links.search_url(
        "; ".join(item["title"] for item in order["items"]), exclude_store=order.get("store_slug", "")
    )


def telegram_html(subject: str, text: str) -> str:
    """Subject in bold, then the plain text, escaped for the Bot API's HTML mode and cut to its
    limit without breaking an entity."""
    head = f"<b>{escape(subject)}</b>\n\n"
    raw = text.strip()
    body = escape(raw)
    while len(head) + len(body) > TELEGRAM_LIMIT:
        raw = raw[: max(0, len(raw) - (len(head) + len(body) - TELEGRAM_LIMIT) - 1)]
        body = escape(raw) + "…"
    return head + body


@lru_cache(maxsize=256)
def _template(name: str):
    """Compiled once per process (a worker renders every message it sends)."""
    return get_template(f"notifications/{name}")


def render(template: str, *, language: str, audience: str, channel: str, facts: dict) -> dict:
    """One message: {subject, text, html} for e-mail, {text, parse_mode} for Telegram."""
    with translation.override(language):
        ctx = _for_templates(facts, for_buyer=audience == Audience.BUYER)
        # One line, ASCII whitespace collapsed; the no-break spaces of amounts stay.
        subject = _ASCII_SPACE.sub(" ", _template(f"{template}.subject.txt").render(ctx)).strip()
        text = _BLANK_LINES.sub("\n\n", _template(f"{template}.txt").render(ctx)).strip() + "\n"
        if channel == Channel.TELEGRAM:
            return {"text": telegram_html(subject, text), "parse_mode": "HTML"}
        html = _template(f"{template}.html").render(ctx)
    return {"subject": subject, "text": text, "html": html}


_ASCII_SPACE = re.compile(r"[ \t\r\n\f\v]+")

# Parameters that carry a credential (a one-time link to set a password or to accept an invitation):
# only the recipient may see them, so every screen other than the message itself shows them masked.
SECRET_PARAMS = frozenset({"set_password_url", "reset_url", "accept_url"})
MASK = "••••••"


def redacted(facts: dict) -> dict:
    """The stored context with its credentials masked (for admin, logs)."""
    params = facts.get("params") or {}
    if not SECRET_PARAMS & params.keys():
        return facts
    return {**facts, "params": {k: (MASK if k in SECRET_PARAMS else v) for k, v in params.items()}}


def render_message(message, *, redact: bool = False) -> dict:
    """An outbox row, rendered as it goes out (with `redact`, its credentials masked)."""
    facts = redacted(message.context) if redact else message.context
    return render(
        message.template, language=message.language, audience=message.audience, channel=message.channel, facts=facts
    )
