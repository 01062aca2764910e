"""Rendering a message in the recipient's language from its templates.

Templates get plain dictionaries, never model instances: a buyer's view of an order is built
from a whitelist of fields, so nothing seller-internal (comments, the cancellation comment,
the call log) can reach a buyer's message whatever a template says.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.template.loader import get_template
from django.utils import translation
from django.utils.html import escape

from orders.models import Order

from . import links
from .models import Audience, Channel

TELEGRAM_LIMIT = 4096  # characters of one Bot API message
_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


def _items(order) -> list[dict]:
    return [
        {"title": item.title, "quantity": item.quantity, "price": item.price, "line_total": item.line_total}
        for item in order.items.all()
    ]


@lru_cache(maxsize=16)
def _choices(field: str) -> dict:
    return dict(Order._meta.get_field(field).flatchoices)


def _label(order, field: str) -> str:
    """The choice's label in the active language (get_FOO_display rebuilds the choices dict
    on every call)."""
    value = getattr(order, field)
    return str(_choices(field).get(value, value)) if value else ""


def buyer_view(order) -> dict | None:
    """What a buyer may know about an order: no seller comment, no cancellation comment."""
    if order is None:
        return None
    return {
        "number": order.pk,
        "status": order.status,
        "status_label": _label(order, "status"),
        "store_name": order.store.name,
        "buyer_name": order.buyer_name,
        "items": _items(order),
        "items_total": order.items_total,
        "delivery_cost": order.delivery_cost,
        "total": order.total,
        "delivery_method": order.delivery_method,
        "delivery_method_label": _label(order, "delivery_method"),
        "delivery_branch": order.delivery_branch,
        "delivery_address": order.delivery_address,
        "ship_by": order.ship_by,
        "ttn": order.ttn,
        "courier_phone": order.courier_phone,
        "courier_visit_at": order.courier_visit_at,
        "payment_method_label": _label(order, "payment_method"),
        "cancel_reason": order.cancel_reason,
        "cancel_reason_label": _label(order, "cancel_reason"),
        "url": links.public_order_url(order),
    }


def seller_view(order) -> dict | None:
    """The store's and moderators' view: adds the buyer's contacts and who cancelled and why."""
    if order is None:
        return None
    view = buyer_view(order)
    view.update({
        "buyer_phone": order.buyer_phone,
        "buyer_email": order.buyer_email,
        "cancelled_by": order.cancelled_by,
        "cancel_comment": order.cancel_comment,
        "deadline": order.acceptable_deadline,
        "url": links.cabinet_order_url(order),
        "admin_url": links.admin_order_url(order),
    })
    return view


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


def _context(recipient, *, order, store, related, params) -> dict:
    for_buyer = recipient.audience == Audience.BUYER
    view = buyer_view if for_buyer else seller_view
    context = {
        "order": view(order),
        "related": view(related),
        "store_name": store.name if store is not None else "",
        "params": {} if for_buyer else params,  # callers' parameters are for the store's eyes
        "cabinet_url": links.cabinet_url(),
    }
    if store is not None and not for_buyer:
        context["store"] = {
            "name": store.name,
            "email": store.email,
            "offers_hidden_reason": store.offers_hidden_reason,
            "admin_url": links.admin_store_url(store),
        }
    if order is not None and for_buyer:
        context["search_url"] = links.search_url(" ".join(item["title"] for item in context["order"]["items"]))
    return context


@lru_cache(maxsize=256)
def _template(name: str):
    """Compiled once per process (the sweep renders thousands of messages per batch)."""
    return get_template(f"notifications/{name}")


def render(template: str, recipient, *, order=None, store=None, related=None, params=None) -> dict:
    """The payload of one message: {subject, text, html} for e-mail, {text, parse_mode} for Telegram."""
    with translation.override(recipient.language):
        context = _context(recipient, order=order, store=store, related=related, params=params or {})
        subject = " ".join(_template(f"{template}.subject.txt").render(context).split())
        text = _BLANK_LINES.sub("\n\n", _template(f"{template}.txt").render(context)).strip() + "\n"
        if recipient.channel == Channel.TELEGRAM:
            return {"text": telegram_html(subject, text), "parse_mode": "HTML"}
        html = _template(f"{template}.html").render(context)
    return {"subject": subject, "text": text, "html": html}
