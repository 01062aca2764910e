"""A buyer's collaboration history (docs/rules.md §6): how the buyer's earlier orders ended.

A buyer has no account; the phone number is what identifies them across the platform. Only
counts leave this module: a store never sees another store's orders.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from .choices import CancelReason, Status
from .models import Order

# Orders that ended on the buyer's side from which the history counts as poor.
POOR_THRESHOLD = 2


@dataclass(frozen=True)
class BuyerHistory:
    orders: int
    received: int
    unreachable: int
    changed_mind: int
    not_picked_up: int

    @property
    def buyer_side_cancellations(self) -> int:
        return self.unreachable + self.changed_mind + self.not_picked_up

    @property
    def is_poor(self) -> bool:
        return self.buyer_side_cancellations >= POOR_THRESHOLD


def buyer_history(phone: str, *, exclude_order_id: int | None = None) -> BuyerHistory:
    """Counts over every order placed with this phone (all stores), in one query on the
    buyer_phone index; `exclude_order_id` leaves out the order being looked at."""
    orders = Order.objects.filter(buyer_phone=phone)
    if exclude_order_id is not None:
        orders = orders.exclude(pk=exclude_order_id)
    cancelled = Q(status=Status.CANCELLED)
    counts = orders.aggregate(
        orders=Count("pk"),
        received=Count("pk", filter=Q(status=Status.RECEIVED)),
        unreachable=Count("pk", filter=cancelled & Q(cancel_reason=CancelReason.BUYER_UNREACHABLE)),
        changed_mind=Count("pk", filter=cancelled & Q(cancel_reason=CancelReason.BUYER_CHANGED_MIND)),
        not_picked_up=Count("pk", filter=cancelled & Q(cancel_reason=CancelReason.BUYER_NOT_PICKED_UP)),
    )
    return BuyerHistory(**counts)
