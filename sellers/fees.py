"""Platform fee: a percentage of the order total (SPEC §10)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from marketplace.calendar import platform

from .models import FeeCharge

CENT = Decimal("0.01")


def fee_for(total: Decimal, percent: Decimal) -> Decimal:
    return (Decimal(total) * Decimal(percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def build_charge(order, kind: str, percent: Decimal | None = None) -> FeeCharge:
    percent = Decimal(platform().fee_percent if percent is None else percent)
    return FeeCharge(store_id=order.store_id, order=order, kind=kind, base=order.total, percent=percent,
                     amount=fee_for(order.total, percent))


def fee_charge(order, kind: str) -> FeeCharge:
    """Charge the fee for `order` inside the caller's transaction (once per order)."""
    charge = build_charge(order, kind)
    charge.save()
    return charge
