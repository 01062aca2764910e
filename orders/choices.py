from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Needs agreement with the buyer")
    CONFIRMED = "confirmed", _("Confirmed, being assembled")
    AWAITING_SHIPMENT = "awaiting_shipment", _("Awaiting shipment")
    IN_DELIVERY = "in_delivery", _("In delivery")
    AWAITING_PICKUP = "awaiting_pickup", _("Awaiting at the pickup point")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


TERMINAL_STATUSES = (Status.RECEIVED, Status.CANCELLED)
OPEN_STATUSES = tuple(s for s in Status if s not in TERMINAL_STATUSES)
# Statuses before the goods leave the store: delivery, payment and split may be edited.
BEFORE_SHIPMENT = (Status.NEW, Status.ACCEPTED, Status.CONFIRMED, Status.AWAITING_SHIPMENT)


class DeliveryMethod(models.TextChoices):
    NOVA_POSHTA = "nova_poshta", _("Nova Poshta")
    COURIER = "courier", _("Store courier")
    PICKUP = "pickup", _("Pickup at the store")


CARRIER_METHODS = (DeliveryMethod.NOVA_POSHTA,)


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


SELLER_REASONS = (
    CancelReason.OUT_OF_STOCK,
    CancelReason.BUYER_UNREACHABLE,
    CancelReason.BUYER_CHANGED_MIND,
    CancelReason.BUYER_NOT_PICKED_UP,
    CancelReason.OTHER,
)
# Reasons that hold the seller responsible (SPEC §5, last column).
SELLER_FAULT_REASONS = (
    CancelReason.OUT_OF_STOCK,
    CancelReason.OTHER,
    CancelReason.LATE_DELIVERY,
    CancelReason.PROCESSING_TIME_EXPIRED,
    CancelReason.SHIPPING_TIME_EXPIRED,
)
# Reasons that describe the buyer's side (poor collaboration history, SPEC §6).
BUYER_SIDE_REASONS = (
    CancelReason.BUYER_UNREACHABLE,
    CancelReason.BUYER_CHANGED_MIND,
    CancelReason.BUYER_NOT_PICKED_UP,
)
EXPIRY_REASONS = (CancelReason.PROCESSING_TIME_EXPIRED, CancelReason.SHIPPING_TIME_EXPIRED)
