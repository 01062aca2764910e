"""What a re-order offer allows and what its discount does to the prices (docs/rules.md §10).

Pure functions: the services, the cabinet and the buyer's page read the same answers."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from ..choices import CancelReason, Status
from .models import DiscountKind, ReorderOffer, ReorderState

KOPECK = Decimal("0.01")


def may_offer(order) -> bool:
    """The store may offer the goods again after a shipping-time expiry, once per order."""
    return (
        order.status == Status.CANCELLED
        and order.cancel_reason == CancelReason.SHIPPING_TIME_EXPIRED
        and not ReorderOffer.objects.filter(original_id=order.pk).exists()
    )


def is_open(offer: ReorderOffer | None, now: datetime) -> bool:
    """The buyer may still accept or decline: offered and not past its policy period."""
    return offer is not None and offer.state == ReorderState.OFFERED and now < offer.expires_at


def is_expired(offer: ReorderOffer | None, now: datetime) -> bool:
    return offer is not None and offer.state == ReorderState.OFFERED and now >= offer.expires_at


def discounted(prices: list[tuple[Decimal, int]], kind: str, value: Decimal) -> list[Decimal]:
    """Each line's unit price after the discount, in whole kopecks, never below zero.

    A percentage takes that share off every unit price; an amount takes the same share
    (amount / goods total) off every unit price, so no line goes negative and an amount at or
    above the goods total makes them free. Rounding is down, in the buyer's favour: the goods
    never cost more than the total less the discount."""
    if kind == DiscountKind.PERCENT:
        keep = (Decimal(100) - min(max(value, Decimal(0)), Decimal(100))) / Decimal(100)
    elif kind == DiscountKind.AMOUNT:
        total = sum((price * quantity for price, quantity in prices), start=Decimal(0))
        if total <= 0 or value >= total:
            keep = Decimal(0)
        else:
            keep = (total - max(value, Decimal(0))) / total
    else:
        return [price for price, _quantity in prices]
    return [max(Decimal(0), (price * keep).quantize(KOPECK, rounding=ROUND_DOWN)) for price, _quantity in prices]
