"""What the buyer's page shows of a re-order (docs/rules.md §10): the offer with today's prices less
the discount, and the link between the cancelled order and the new one. Read only for orders that
can have one, so other pages pay no query."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from marketplace import clock

from ..choices import CancelReason
from ..models import Order
from . import rules
from .models import ReorderOffer


@dataclass
class PreviewLine:
    title: str
    quantity: int
    price: Decimal
    new_price: Decimal

    @property
    def amount(self) -> Decimal:
        return self.new_price * self.quantity


@dataclass
class ReorderBox:
    offer: ReorderOffer | None
    open: bool
    expired: bool
    lines: list[PreviewLine]
    new_order: Order | None
    original: Order | None

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), start=Decimal(0))


def reorder_box(order: Order) -> ReorderBox | None:
    if order.reorder_of_id is not None:
        original = Order.objects.only("pk", "public_token").get(pk=order.reorder_of_id)
        return ReorderBox(None, False, False, [], None, original)
    if order.cancel_reason != CancelReason.SHIPPING_TIME_EXPIRED:
        return None
    offer = ReorderOffer.objects.filter(original_id=order.pk).first()
    if offer is None:
        return None
    now = clock.now()
    is_open = rules.is_open(offer, now)
    lines = []
    if is_open:
        items = [item for item in order.items.select_related("offer") if item.offer is not None]
        prices = rules.discounted([(i.offer.price, i.quantity) for i in items], offer.discount_kind, offer.discount)
        lines = [PreviewLine(i.title, i.quantity, i.offer.price, new) for i, new in zip(items, prices, strict=True)]
    new_order = Order.objects.filter(reorder_of_id=order.pk).only("pk", "public_token").first()
    return ReorderBox(offer, is_open, rules.is_expired(offer, now), lines, new_order, None)
