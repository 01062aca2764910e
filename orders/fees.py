"""The platform's fee on an order (docs/rules.md §10): a percentage of the order total, charged once per
order when it is received, or when the platform cancels it after a deadline expired (as if it
had been completed). The rule is about orders and is applied by the order services; the ledger
it writes, `sellers.models.FeeCharge`, is the store's account of what it owes."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

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


def charge_orders(orders, kind: str, percent: Decimal, *, at) -> int:
    """Charge the fee on every one of `orders` at once (the sweep's batch), inside the
    caller's transaction, which holds the orders locked (docs/rules.md §10): on PostgreSQL one
    `INSERT … SELECT` from the orders, no model per order, the amount rounded as `fee_for` rounds
    (half up, to the cent: the database's numeric is exact like Decimal); elsewhere one bulk
    INSERT of the same rows. `at` is the charge's time (the clock's now). Returns how many."""
    if not orders:
        return 0
    percent = Decimal(percent)
    if connection.vendor != "postgresql":
        # charged_at: auto_now_add, the clock's now like `at`.
        return len(FeeCharge.objects.bulk_create([build_charge(o, kind, percent) for o in orders]))
    ids = sorted(o.pk for o in orders)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FeeCharge._meta.db_table} (store_id, order_id, kind, base, percent, amount, charged_at) "
            f"SELECT store_id, id, %s, total, %s, round(total * %s / 100, 2), %s FROM {orders[0]._meta.db_table} "
            "WHERE id = ANY(%s) ORDER BY id",
            [kind, percent, percent, at, ids],
        )
        return cursor.rowcount
