"""The platform's fee on an order (docs/rules.md §10): a percentage of the order total, charged once per
order when it is received, or when the platform cancels it after a deadline expired (as if it
had been completed). The rule is about orders and is applied by the order services; the ledger
it writes, `sellers.models.FeeCharge`, is the store's account of what it owes."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from marketplace.calendar import platform
from sellers.models import FeeCharge

CENT = Decimal("0.01")


def fee_for(total: Decimal, percent: Decimal) -> Decimal:
    return (Decimal(total) * Decimal(percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def build_charge(order, kind: str, percent: Decimal | None = None) -> FeeCharge:
    """The charge for `order`, unsaved (the sweep creates a batch's charges in one query)."""
    percent = Decimal(platform().fee_percent if percent is None else percent)
    return FeeCharge(
        store_id=order.store_id,
        order=order,
        kind=kind,
        base=order.total,
        percent=percent,
        amount=fee_for(order.total, percent),
    )


def fee_charge(order, kind: str) -> FeeCharge:
    """Charge the fee for `order` inside the caller's transaction (once per order)."""
    charge = build_charge(order, kind)
    charge.save()
    return charge
