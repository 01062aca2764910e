"""A buyer's collaboration history (docs/rules.md §6): how the buyer's earlier orders ended.

A buyer has no account; the phone number is what identifies them across the platform. Only
counts leave this module: a store never sees another store's orders.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef

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
    """Counts over every order placed with this phone (all stores) on the buyer_phone index;
    `exclude_order_id` leaves out the order being looked at.

    One query in the usual case: the orders grouped by how they ended (status, reason), a
    handful of rows whatever the buyer's count. Only when some ended cancelled by agreement does
    a second query look which of those the store asked for on a ground of the buyer's side (an
    EXISTS per order, which would cost every order page its compile when folded into the first)."""
    orders = Order.objects.filter(buyer_phone=phone)
    if exclude_order_id is not None:
        orders = orders.exclude(pk=exclude_order_id)
    ended = dict.fromkeys(_BY_REASON, 0)
    total = received = mutual = 0
    for status, reason, count in orders.values_list("status", "cancel_reason").annotate(n=Count("pk")).order_by():
        total += count
        if status == Status.RECEIVED:
            received += count
        elif status == Status.CANCELLED and reason in ended:
            ended[reason] += count
        elif status == Status.CANCELLED and reason == CancelReason.MUTUAL:
            mutual += count
    mistaken = 0
    if mutual:
        # The seller's cancellation by agreement that ended the order, on a ground of the buyer's side.
        agreed = OrderRequest.objects.filter(
            order_id=OuterRef("pk"),
            kind=RequestKind.SELLER_CANCEL,
            state__in=(RequestState.ACCEPTED, RequestState.WENT_THROUGH),
            ground__in=BUYER_SIDE_GROUNDS,
        )
        mistaken = orders.filter(Exists(agreed), status=Status.CANCELLED, cancel_reason=CancelReason.MUTUAL).count()
    return BuyerHistory(
        orders=total,
        received=received,
        mistaken=mistaken,
        **{field: ended[reason] for reason, field in _BY_REASON.items()},
    )


# The buyer-side cancellation reasons and the BuyerHistory field that counts each.
_BY_REASON = {
    CancelReason.BUYER_UNREACHABLE: "unreachable",
    CancelReason.BUYER_CHANGED_MIND: "changed_mind",
    CancelReason.BUYER_NOT_PICKED_UP: "not_picked_up",
    CancelReason.DISPUTE_BUYER_FAULT: "dispute_buyer_fault",
}
