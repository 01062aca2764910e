"""The parcels of carrier orders (docs/rules.md §8): created when an order is shipped with a
tracking number, moved to a corrected or readdressed number (the old one kept, inactive), and
created for orders already in delivery (the migration 0010, the demo seed).

A parcel's carrier code is the order's delivery method (`orders.choices.CARRIER_METHODS`), the
code `orders.carriers.get()` finds the carrier by. The functions here run inside the caller's
transaction, which holds the order locked."""

from __future__ import annotations

from datetime import datetime, timedelta

from marketplace import clock

from ..choices import CARRIER_METHODS, Status
from ..models import Order
from .models import Parcel
from .schedule import SOON

# Parcels created in bulk (orders already in delivery) come due over this span, not all at once.
SPREAD_OPEN = timedelta(minutes=30)
_CHUNK = 5000


def carrier_code(delivery_method: str) -> str:
    return str(delivery_method)


def start(order: Order, *, now: datetime | None = None) -> Parcel:
    """The shipped order's parcel, followed from now on and first asked about in 30 minutes."""
    now = now or clock.now()
    return follow(order, order.ttn, now=now, due_at=now + SOON)


def follow(order: Order, number: str, *, now: datetime | None = None, due_at: datetime | None = None) -> Parcel:
    """Make `number` the order's active parcel: the one followed until now is kept inactive (no
    longer asked about), a parcel the order had under this number before is followed again. The
    new number is asked about at `due_at` (default: the next pass)."""
    now = now or clock.now()
    due_at = due_at or now
    current = Parcel.objects.select_for_update().filter(order=order, active=True).first()
    if current is not None and current.number == number:
        return current
    if current is not None:
        current.active = False
        current.next_check_at = None
        current.save(update_fields=["active", "next_check_at"])
    parcel = Parcel.objects.select_for_update().filter(order=order, number=number).first()
    if parcel is None:
        parcel = Parcel(order=order, number=number, created_at=now)
    parcel.carrier = carrier_code(order.delivery_method)
    parcel.phone = order.buyer_phone
    parcel.active = True
    # A number followed again starts afresh: what was said about it before is said again if it recurs.
    parcel.group, parcel.code, parcel.text, parcel.branch = "", "", "", ""
    parcel.state_at = parcel.scheduled_delivery = parcel.storage_free_until = None
    parcel.failures, parcel.notified = 0, 0
    parcel.created_at = now
    parcel.next_check_at = due_at
    parcel.save()
    return parcel


def track_open_parcels(*, now: datetime | None = None) -> int:
    """Parcels for the carrier orders in delivery that have a tracking number and none yet (orders
    shipped before tracking, bulk-seeded orders), inserted in bulk and due over the next 30 minutes.
    Returns how many were created."""
    now = now or clock.now()
    tracked = Parcel.objects.filter(active=True).values("order_id")
    rows = (
        Order.objects.filter(status=Status.IN_DELIVERY, delivery_method__in=CARRIER_METHODS)
        .exclude(ttn="")
        .exclude(pk__in=tracked)
        .order_by("pk")
        .values_list("pk", "delivery_method", "ttn", "buyer_phone")
    )
    spread = int(SPREAD_OPEN.total_seconds())
    created, batch = 0, []
    for pk, method, ttn, phone in rows.iterator(chunk_size=_CHUNK):
        batch.append(
            Parcel(
                order_id=pk,
                carrier=carrier_code(method),
                number=ttn,
                phone=phone,
                created_at=now,
                next_check_at=now + timedelta(seconds=pk * 37 % spread),
            )
        )
        if len(batch) >= _CHUNK:
            created += len(Parcel.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    if batch:
        created += len(Parcel.objects.bulk_create(batch, ignore_conflicts=True))
    return created
