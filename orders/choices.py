from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.actors import ActorKind


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Needs agreement with the buyer")
    CONFIRMED = "confirmed", _("Confirmed, being assembled")
    AWAITING_SHIPMENT = "awaiting_shipment", _("Awaiting shipment")
    IN_DELIVERY = "in_delivery", _("In delivery")
    AWAITING_PICKUP = "awaiting_pickup", _("Awaiting at the pickup point")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


# What the buyer reads on their page (orders/views.py), said to them rather than about them: the labels
# above are the seller's and the moderators' words ("needs agreement with the buyer").
BUYER_STATUS_LABELS = {
    Status.NEW: _("Placed, waiting for the store"),
    Status.ACCEPTED: _("We are agreeing the order with you"),
    Status.CONFIRMED: _("Confirmed, we are assembling it"),
    Status.AWAITING_SHIPMENT: _("Packed, about to be shipped"),
    Status.IN_DELIVERY: _("On its way to you"),
    Status.AWAITING_PICKUP: _("Ready, waiting for you to pick it up"),
    Status.RECEIVED: _("Received"),
    Status.CANCELLED: _("Cancelled"),
}

TERMINAL_STATUSES = (Status.RECEIVED, Status.CANCELLED)
OPEN_STATUSES = tuple(s for s in Status if s not in TERMINAL_STATUSES)
# Statuses before the goods leave the store: delivery, payment and split may be edited.
BEFORE_SHIPMENT = (Status.NEW, Status.ACCEPTED, Status.CONFIRMED, Status.AWAITING_SHIPMENT)


class DeliveryMethod(models.TextChoices):
    NOVA_POSHTA = "nova_poshta", _("Nova Poshta")
    COURIER = "courier", _("Store courier")
    PICKUP = "pickup", _("Pickup at the store")


CARRIER_METHODS = (DeliveryMethod.NOVA_POSHTA,)


class OrderSource(models.TextChoices):
    """Where an order came from: the seller sees it on the order (docs/rules.md §1)."""

    STOREFRONT = "storefront", _("Storefront")
    API = "api", _("API")


class PaymentMethod(models.TextChoices):
    CASH_ON_DELIVERY = "cod", _("Cash on delivery")
    CARD_ONLINE = "card", _("Card online")
    BANK_TRANSFER = "bank", _("Bank transfer")


class CancelReason(models.TextChoices):
    OUT_OF_STOCK = "out_of_stock", _("Incorrect stock")
    BUYER_UNREACHABLE = "buyer_unreachable", _("Could not reach the buyer")
    BUYER_CHANGED_MIND = "buyer_changed_mind", _("Buyer changed their mind")
    BUYER_NOT_PICKED_UP = "buyer_not_picked_up", _("Buyer did not pick up")
    OTHER = "other", _("Other reasons")
    BUYER_CANCELLED = "buyer_cancelled", _("Cancelled by the buyer")
    LATE_DELIVERY = "late_delivery", _("Cancelled by the buyer: agreed date passed")
    PROCESSING_TIME_EXPIRED = "processing_time_expired", _("Processing time expired")
    SHIPPING_TIME_EXPIRED = "shipping_time_expired", _("Shipping time expired")
    MUTUAL = "mutual", _("Mutual cancellation")
    # A moderator's decision of a dispute (docs/rules.md §6): the fault picks the reason.
    DISPUTE_SELLER_FAULT = "dispute_seller_fault", _("Cancelled by the moderators: the store's fault")
    DISPUTE_BUYER_FAULT = "dispute_buyer_fault", _("Cancelled by the moderators: the buyer's fault")
    DISPUTE_NO_FAULT = "dispute_no_fault", _("Cancelled by the moderators: nobody's fault")


@dataclass(frozen=True)
class Reason:
    """What a cancellation reason means (docs/rules.md §5): every module reads these properties
    from REASONS instead of keeping its own list."""

    # Who may cancel with it directly, and from which statuses: (actor kind, statuses) pairs.
    who: tuple[tuple[str, tuple[str, ...]], ...]
    # Counts against the seller (§5, last column).
    against_seller: bool = False
    # Describes the buyer's side: such endings make a poor collaboration history (§6).
    buyer_side: bool = False
    # The seller's reason does not depend on the buyer: the buyer is told at once (§5).
    buyer_told_at_once: bool = False
    # The platform fee is charged as if the order had been completed (§4).
    fee_charged: bool = False
    # A comment is required (§5, `other`).
    comment_required: bool = False
    # Only through a cancellation request the other party accepted (§6, `mutual`).
    by_agreement: bool = False

    @property
    def actors(self) -> tuple[str, ...]:
        return tuple(kind for kind, _statuses in self.who)

    @property
    def platform_only(self) -> bool:
        return self.actors == (ActorKind.PLATFORM,)

    @property
    def automatic(self) -> bool:
        """Set by the platform or the carrier, never chosen by a person."""
        return any(kind in AUTOMATIC_ACTORS for kind in self.actors)

    def statuses(self, kind: str) -> tuple[str, ...]:
        """The statuses from which `kind` may cancel with this reason (none: not theirs)."""
        return next((statuses for who, statuses in self.who if who == kind), ())

    def applies(self, kind: str, status: str) -> bool:
        return status in self.statuses(kind)


AUTOMATIC_ACTORS = (ActorKind.PLATFORM, ActorKind.CARRIER)
_OPEN = tuple(OPEN_STATUSES)
_PICKUP = (Status.AWAITING_PICKUP,)
_SELLER, _BUYER, _PLATFORM, _CARRIER = ActorKind.SELLER, ActorKind.BUYER, ActorKind.PLATFORM, ActorKind.CARRIER
_MODERATOR = ActorKind.MODERATOR

# docs/rules.md §5, one row per reason (§4 for the platform's statuses, §6 for the buyer's, §8 for the carrier's).
REASONS: dict[str, Reason] = {
    CancelReason.OUT_OF_STOCK: Reason(((_SELLER, _OPEN),), against_seller=True, buyer_told_at_once=True),
    CancelReason.BUYER_UNREACHABLE: Reason(((_SELLER, _OPEN),), buyer_side=True),
    # Only a refusal at the pickup point; set by the carrier's tracking when the parcel is refused.
    CancelReason.BUYER_CHANGED_MIND: Reason(((_SELLER, _PICKUP), (_CARRIER, (Status.IN_DELIVERY,))), buyer_side=True),
    CancelReason.BUYER_NOT_PICKED_UP: Reason(((_SELLER, _PICKUP),), buyer_side=True),
    CancelReason.OTHER: Reason(
        ((_SELLER, _OPEN),), against_seller=True, buyer_told_at_once=True, comment_required=True
    ),
    CancelReason.BUYER_CANCELLED: Reason(((_BUYER, _OPEN),)),
    # The agreed date passed: the ship-by date with the goods still in the store, or the delivery
    # date of a parcel still on its way (orders.requests.rules.is_late, docs/rules.md §6).
    CancelReason.LATE_DELIVERY: Reason(((_BUYER, (*BEFORE_SHIPMENT, Status.IN_DELIVERY)),), against_seller=True),
    CancelReason.PROCESSING_TIME_EXPIRED: Reason(
        ((_PLATFORM, (Status.NEW, Status.ACCEPTED)),), against_seller=True, fee_charged=True
    ),
    CancelReason.SHIPPING_TIME_EXPIRED: Reason(
        ((_PLATFORM, (Status.CONFIRMED, Status.AWAITING_SHIPMENT)),), against_seller=True, fee_charged=True
    ),
    CancelReason.MUTUAL: Reason(((_SELLER, _OPEN), (_BUYER, _OPEN)), by_agreement=True),
    CancelReason.DISPUTE_SELLER_FAULT: Reason(((_MODERATOR, _OPEN),), against_seller=True),
    CancelReason.DISPUTE_BUYER_FAULT: Reason(((_MODERATOR, _OPEN),), buyer_side=True),
    CancelReason.DISPUTE_NO_FAULT: Reason(((_MODERATOR, _OPEN),)),
}


def reasons_where(test) -> tuple[CancelReason, ...]:
    """The reasons, in their declared order, whose Reason passes `test`."""
    return tuple(CancelReason(code) for code, reason in REASONS.items() if test(reason))


# What a seller may choose in the cabinet (an agreed cancellation goes through a request instead).
SELLER_REASONS = reasons_where(lambda r: _SELLER in r.actors and not r.by_agreement)
SELLER_FAULT_REASONS = reasons_where(lambda r: r.against_seller)
BUYER_SIDE_REASONS = reasons_where(lambda r: r.buyer_side)
BUYER_TOLD_AT_ONCE = reasons_where(lambda r: r.buyer_told_at_once)
# Set by the platform or the carrier (orders.services.order_cancel_by_platform).
AUTOMATIC_REASONS = reasons_where(lambda r: r.automatic)
# The platform's expiry cancellations (§4): the fee is charged, the store may get its offers hidden.
EXPIRY_REASONS = reasons_where(lambda r: r.platform_only and r.fee_charged)
# A moderator's cancellation in a dispute's decision (orders.disputes).
MODERATOR_REASONS = reasons_where(lambda r: r.actors == (_MODERATOR,))


class LateCause(models.TextChoices):
    """Why an order shipped late or expired before shipping, as the seller records it (docs/rules.md §10,
    seed 002's common causes)."""

    STOCK = "stock", _("Stock: the goods were not in stock")
    LOGISTICS = "logistics", _("Logistics: the carrier did not collect or was late")
    OPERATOR_ERROR = "operator_error", _("Operator error: the order was handled wrongly")
    SYSTEM_FAILURE = "system_failure", _("System failure: the platform's or the store's system failed")
