"""Conditions of the status machine: pure functions of the order, each with the message
shown when it does not hold. fsm uses them as `conditions=`; services report the unmet ones."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import carriers
from .choices import BEFORE_SHIPMENT, CARRIER_METHODS, DeliveryMethod, Status


def rule(message):
    def decorate(func):
        func.message = message
        return func

    return decorate


def valid_ttn(method: str, ttn: str) -> bool:
    """A tracking number of the method's carrier, written as the carrier writes it (its format lives
    in the carrier's package: orders/carriers/<name>/, `normalize_number`)."""
    carrier = carriers.for_delivery_method(method)
    if carrier is None or not ttn:
        return False
    try:
        return carrier.normalize_number(ttn) == ttn
    except ValueError:
        return False


@rule(_("Choose a delivery method."))
def has_delivery_method(order) -> bool:
    return bool(order.delivery_method)


@rule(_("Set the delivery cost (0 for free delivery)."))
def has_delivery_cost(order) -> bool:
    return order.delivery_cost is not None


@rule(_("Set the ship-by date."))
def has_ship_by(order) -> bool:
    return order.ship_by is not None


@rule(_("Set the destination: a carrier branch or the courier's address."))
def has_destination(order) -> bool:
    if order.delivery_method == DeliveryMethod.PICKUP:
        return True
    if order.delivery_method == DeliveryMethod.COURIER:
        return bool(order.delivery_address)
    return bool(order.delivery_branch or order.delivery_address)


@rule(_("The order has no items."))
def has_items(order) -> bool:
    return order.items_total > 0


@rule(_("A pickup order is handed over at the pickup point, not shipped."))
def is_not_pickup(order) -> bool:
    return order.delivery_method != DeliveryMethod.PICKUP


@rule(_("Enter a valid tracking number (TTN) of the carrier."))
def carrier_has_valid_ttn(order) -> bool:
    if order.delivery_method not in CARRIER_METHODS:
        return True
    return valid_ttn(order.delivery_method, order.ttn)


@rule(_("Give the courier's phone and visit time."))
def courier_is_arranged(order) -> bool:
    if order.delivery_method != DeliveryMethod.COURIER:
        return True
    return bool(order.courier_phone and order.courier_visit_at)


@rule(_("Only pickup orders wait at the pickup point."))
def is_pickup(order) -> bool:
    return order.delivery_method == DeliveryMethod.PICKUP


@rule(_("A carrier's parcel is marked received by its tracking, not by the seller."))
def seller_can_mark_received(order) -> bool:
    return order.status == Status.AWAITING_PICKUP or order.delivery_method == DeliveryMethod.COURIER


@rule(_("Only a carrier's tracking reports hand-over of a carrier parcel."))
def is_carrier_parcel(order) -> bool:
    return order.delivery_method in CARRIER_METHODS


@rule(_("A cancellation needs a reason."))
def has_cancel_reason(order) -> bool:
    return bool(order.cancel_reason)


# --- editing windows (docs/rules.md §3): one source for the services, the cabinet view and its template ---


@rule(_("Items and quantities can be changed only while the order needs agreement with the buyer."))
def items_editable(order) -> bool:
    return order.status == Status.ACCEPTED


@rule(_("Delivery, payment and the order's composition can be changed only before shipment."))
def editable_before_shipment(order) -> bool:
    return order.status in BEFORE_SHIPMENT


@dataclass(frozen=True)
class EditingWindows:
    """What the seller may edit in the order's current status."""

    items: bool
    delivery: bool
    payment: bool
    split: bool


# Each window and the rule that opens it; the services check through these same rules.
WINDOW_RULES = {
    "items": items_editable,
    "delivery": editable_before_shipment,
    "payment": editable_before_shipment,
    "split": editable_before_shipment,
}


def editing_windows(order) -> EditingWindows:
    return EditingWindows(**{window: check(order) for window, check in WINDOW_RULES.items()})
