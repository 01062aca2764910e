"""The platform's fee on an order (docs/rules.md §10): a percentage of the order total, charged once per
order when it is received, or when the platform cancels it after a deadline expired (as if it
had been completed). The rule is about orders and is applied by the order services; the ledger
it writes, `sellers.models.FeeCharge`, is the store's account of what it owes."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from marketplace.calendar import platform
from sellers.models import FeeCharge, Store

CENT = Decimal("0.01")


def fee_for(total: Decimal, percent: Decimal) -> Decimal:
    return (Decimal(total) * Decimal(percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_for(store, default: Decimal | None = None) -> Decimal:
    """The fee percent for `store`: its own rate when a moderator set one, else `default` (the
    platform's, read from the policy when not given) (docs/rules.md §10)."""
    if store.fee_percent is not None:
        return Decimal(store.fee_percent)
    return Decimal(platform().fee_percent if default is None else default)


def build_charge(order, kind: str, percent: Decimal | None = None) -> FeeCharge:
    """The charge for `order`, unsaved (the sweep creates a batch's charges in one query). `percent`
    is the platform's (read from the policy when not given); the store's own rate wins when set, and
    the charge keeps the percent it used."""
    percent = percent_for(order.store, percent)
    return FeeCharge(
        store_id=order.store_id,
        order=order,
        kind=kind,
        base=order.total,
        percent=percent,
        amount=fee_for(order.total, percent),
    )


def fee_charge(order, kind: str) -> FeeCharge:
    """Charge the fee for `order` inside the caller's transaction (once per order: a second charge
    is refused by the ledger's constraint)."""
    charge = build_charge(order, kind)
    charge.save()
    return charge


def charge_orders(orders, kind: str, percent: Decimal, *, at) -> int:
    """Charge the fee on every one of `orders` at once (the sweep's batch), inside the
    caller's transaction, which holds the orders locked (docs/rules.md §10): on PostgreSQL one
    `INSERT … SELECT` from the orders joined to their stores (a store's own rate, else `percent`, the
    platform's), no model per order, the amount rounded as `fee_for` rounds (half up, to the cent:
    the database's numeric is exact like Decimal); elsewhere one bulk INSERT of the same rows. `at` is
    the charge's time (the clock's now). Returns how many."""
    if not orders:
        return 0
    percent = Decimal(percent)
    if connection.vendor != "postgresql":
        # charged_at: auto_now_add, the clock's now like `at`.
        return len(FeeCharge.objects.bulk_create([build_charge(o, kind, percent) for o in orders]))
    ids = sorted(o.pk for o in orders)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FeeCharge._meta.db_table} "
            "(store_id, order_id, kind, base, percent, amount, charged_at, reason) "
            "SELECT o.store_id, o.id, %s, o.total, p.percent, round(o.total * p.percent / 100, 2), %s, '' "
            f"FROM {orders[0]._meta.db_table} o JOIN {Store._meta.db_table} s ON s.id = o.store_id "
            "CROSS JOIN LATERAL (SELECT COALESCE(s.fee_percent, %s::numeric) AS percent) p "
            "WHERE o.id = ANY(%s) ORDER BY o.id",
            [kind, at, percent, ids],
        )
        return cursor.rowcount
