"""A buyer's collaboration history (docs/rules.md §6): how the buyer's earlier orders ended.

A buyer has no account; the phone number is what identifies them across the platform. Only
counts leave this module: a store never sees another store's orders.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from .choices import CancelReason, Status
from .models import Order
from .requests.models import BUYER_SIDE_GROUNDS, OrderRequest, RequestKind, RequestState

# Orders that ended on the buyer's side from which the history counts as poor.
POOR_THRESHOLD = 2


@dataclass(frozen=True)
class BuyerHistory:
    orders: int
    received: int
    unreachable: int
    changed_mind: int
    not_picked_up: int
    # A moderator found the buyer at fault in a dispute (docs/rules.md §6).
    dispute_buyer_fault: int = 0
    # Cancelled by agreement on the grounds "ordered by mistake" or "duplicate" (§6).
    mistaken: int = 0

    @property
    def buyer_side_cancellations(self) -> int:
        return self.unreachable + self.changed_mind + self.not_picked_up + self.dispute_buyer_fault + self.mistaken

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
    # The seller's cancellation by agreement that ended the order, on a ground of the buyer's side.
    agreed = OrderRequest.objects.filter(
        order_id=OuterRef("pk"),
        kind=RequestKind.SELLER_CANCEL,
        state__in=(RequestState.ACCEPTED, RequestState.WENT_THROUGH),
        ground__in=BUYER_SIDE_GROUNDS,
    )
    orders = orders.annotate(on_buyer_side_ground=Exists(agreed))
    counts = orders.aggregate(
        orders=Count("pk"),
        received=Count("pk", filter=Q(status=Status.RECEIVED)),
        unreachable=Count("pk", filter=cancelled & Q(cancel_reason=CancelReason.BUYER_UNREACHABLE)),
        changed_mind=Count("pk", filter=cancelled & Q(cancel_reason=CancelReason.BUYER_CHANGED_MIND)),
        not_picked_up=Count("pk", filter=cancelled & Q(cancel_reason=CancelReason.BUYER_NOT_PICKED_UP)),
        dispute_buyer_fault=Count("pk", filter=cancelled & Q(cancel_reason=CancelReason.DISPUTE_BUYER_FAULT)),
        mistaken=Count("pk", filter=cancelled & Q(cancel_reason=CancelReason.MUTUAL) & Q(on_buyer_side_ground=True)),
    )
    return BuyerHistory(**counts)
