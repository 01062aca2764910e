"""Editing an order inside its windows (docs/rules.md §3): items only in `accepted`; delivery and
payment before shipment; the buyer's personal data never. The windows are `orders.rules`'
(`editing_windows`), the same the cabinet shows."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from marketplace.actors import Actor, ActorKind
from marketplace.errors import RuleViolation
from marketplace.history import stamp

from .. import rules
from ..choices import CARRIER_METHODS, DeliveryMethod, PaymentMethod, Status
from ..models import Order, OrderItem
from ..tracking import parcels
from .base import (
    MAX_DELIVERY_COST,
    atomic,
    check_actor,
    check_ship_by,
    check_totals,
    lock_order,
    recompute_totals,
    save_order,
    status_label,
)
from .lifecycle import INVALID_TTN, INVALID_TTN_ANY, check_ttn_free, lock_offers, release, reserve

SELLER = (ActorKind.SELLER,)
CONFIRMED_KEEPS = (rules.has_delivery_method, rules.has_destination, rules.has_delivery_cost, rules.has_ship_by)


def _window_items(order: Order) -> None:
    if not rules.items_editable(order):
        raise RuleViolation(
            _(
                "Items and quantities can be changed only while the order needs agreement with the buyer; "
                "this order is “%(status)s”."
            )
            % {"status": status_label(order.status)},
            code="window",
        )


def _window_before_shipment(order: Order, what: str) -> None:
    """Delivery, payment and splitting (`rules.editable_before_shipment`)."""
    if not rules.editable_before_shipment(order):
        raise RuleViolation(
            _("%(what)s can be changed only before shipment; this order is “%(status)s”.")
            % {"what": what, "status": status_label(order.status)},
            code="window",
        )


def order_update_delivery(
    *,
    actor: Actor,
    order: Order,
    method: str,
    branch: str = "",
    address: str = "",
    cost=None,
    ship_by=None,
) -> Order:
    if method and method not in DeliveryMethod.values:
        raise RuleViolation(_("Unknown delivery method."))
    if cost is not None:
        try:
            cost = Decimal(cost)
        except (InvalidOperation, TypeError):
            raise RuleViolation(_("The delivery cost is not a number.")) from None
        if not cost.is_finite() or cost < 0 or cost != cost.quantize(Decimal("0.01")):
            raise RuleViolation(_("The delivery cost must be a non-negative amount in hryvnias and kopecks."))
        if cost > MAX_DELIVERY_COST:
            raise RuleViolation(_("The delivery cost cannot exceed %(max)s ₴.") % {"max": MAX_DELIVERY_COST})
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=SELLER)
        _window_before_shipment(order, _("Delivery"))
        if method == DeliveryMethod.PICKUP:
            cost = Decimal("0.00")  # the buyer collects the goods: no delivery to pay for (docs/rules.md §8)
        new_branch = branch.strip() if method == DeliveryMethod.NOVA_POSHTA else ""
        new_address = address.strip() if method != DeliveryMethod.PICKUP else ""
        wanted = (method, new_branch, new_address, cost, ship_by)
        if wanted == (
            order.delivery_method,
            order.delivery_branch,
            order.delivery_address,
            order.delivery_cost,
            order.ship_by,
        ):
            # An edit that changes nothing writes no history (as order_items_update refuses it).
            raise RuleViolation(_("Nothing changed: the order already has these values."), code="unchanged")
        blanked = method == DeliveryMethod.NOVA_POSHTA and order.delivery_branch and not new_branch
        if ship_by != order.ship_by:  # a date agreed earlier stays as it is (docs/rules.md §4)
            check_ship_by(ship_by)
        order.delivery_method = method
        order.delivery_branch = new_branch
        order.delivery_address = new_address
        order.delivery_cost = cost
        order.ship_by = ship_by
        if order.status in (Status.CONFIRMED, Status.AWAITING_SHIPMENT):
            # A confirmed order keeps what confirming it required (docs/rules.md §2).
            unmet = [str(rule.message) for rule in CONFIRMED_KEEPS if not rule(order)]
            if unmet:
                raise RuleViolation(" ".join(unmet), code="condition")
        if blanked:  # in `accepted` too: a carrier order's branch can be changed, not blanked
            raise RuleViolation(
                _("The Nova Poshta branch cannot be left empty: enter the branch the parcel goes to."),
                code="branch_required",
            )
        recompute_totals(order)
        save_order(order, actor, "edit_delivery")
    return order


def order_update_payment(*, actor: Actor, order: Order, method: str) -> Order:
    if method not in PaymentMethod.values:
        raise RuleViolation(_("Unknown payment method."))
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=SELLER)
        _window_before_shipment(order, _("Payment"))
        if method == order.payment_method:  # nothing to record (docs/rules.md §3)
            raise RuleViolation(_("Nothing changed: the order already has these values."), code="unchanged")
        order.payment_method = method
        save_order(order, actor, "edit_payment")
    return order


def order_set_item_quantity(*, actor: Actor, order: Order, item_id: int, quantity: int) -> Order:
    """Change an item's quantity (0 removes it); the offer's stock follows."""
    if quantity < 0:
        raise RuleViolation(_("“%(value)s” is not a quantity: quantities cannot be negative.") % {"value": quantity})
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=SELLER)
        _window_items(order)
        try:
            item = order.items.get(pk=item_id)
        except OrderItem.DoesNotExist:
            raise RuleViolation(_("This item is not in the order.")) from None
        if quantity == 0 and order.items.count() == 1:
            raise RuleViolation(_("An order keeps at least one item; cancel the order instead."), code="last_item")
        delta = quantity - item.quantity
        check_totals(order.items_total + item.price * delta, order.delivery_cost)
        offer = lock_offers(order.store_id, [item.offer_id])[item.offer_id]
        if delta > 0:
            reserve(offer, delta, actor, "edit_items")
        elif delta < 0:
            release(offer, -delta, actor, "edit_items")
        stamp(item, actor, "edit_items")
        if quantity == 0:
            item.delete()
        else:
            item.quantity = quantity
            item.save()
        recompute_totals(order)
        save_order(order, actor, "edit_items")
    return order


def order_add_item(*, actor: Actor, order: Order, offer_id: int, quantity: int) -> Order:
    if quantity <= 0:
        raise RuleViolation(
            _("“%(value)s” is not a quantity to add: quantities must be positive.") % {"value": quantity}
        )
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=SELLER)
        _window_items(order)
        offer = lock_offers(order.store_id, [offer_id]).get(offer_id)
        if offer is None:
            raise RuleViolation(_("This offer is not one of the store's."))
        if offer.paused:
            raise RuleViolation(_("This offer is paused."))
        check_totals(order.items_total + offer.price * quantity, order.delivery_cost)
        reserve(offer, quantity, actor, "edit_items")
        item = order.items.filter(offer=offer, price=offer.price).first()
        if item is None:
            item = OrderItem(
                order=order, offer=offer, title=offer.title, sku=offer.sku, price=offer.price, quantity=quantity
            )
        else:
            item.quantity += quantity
        stamp(item, actor, "edit_items")
        item.save()
        recompute_totals(order)
        save_order(order, actor, "edit_items")
    return order


def order_items_update(*, actor: Actor, order: Order, quantities: dict[int, int]) -> Order:
    """Set several items' quantities at once (0 removes an item): all or nothing.

    Every change goes through `order_set_item_quantity` (window, stock, history); the outer
    transaction rolls all of them back when one is refused."""
    changes = {int(item_id): int(qty) for item_id, qty in quantities.items()}
    negative = next((qty for qty in changes.values() if qty < 0), None)
    if negative is not None:
        raise RuleViolation(_("“%(value)s” is not a quantity: quantities cannot be negative.") % {"value": negative})
    current = dict(order.items.values_list("pk", "quantity"))
    changes = {item_id: qty for item_id, qty in changes.items() if current.get(item_id) != qty}
    if not changes:
        raise RuleViolation(_("Nothing changed: the order already has these values."), code="unchanged")
    if all(changes.get(item_id, qty) == 0 for item_id, qty in current.items()):
        raise RuleViolation(_("An order keeps at least one item; cancel the order instead."), code="last_item")
    with atomic():
        # Increases last, so stock freed by decreases in the same step can be reused.
        for item_id, qty in sorted(changes.items(), key=lambda kv: kv[1] - current.get(kv[0], 0)):
            order = order_set_item_quantity(actor=actor, order=order, item_id=item_id, quantity=qty)
    return order


def order_correct_ttn(*, actor: Actor, order: Order, ttn: str) -> Order:
    """The seller corrects the tracking number of a carrier order in delivery (the carrier does not
    know the one entered, docs/rules.md §8): the order follows the new number, the old parcel is
    kept inactive and the new one is tracked from the next pass."""
    ttn = (ttn or "").strip().replace(" ", "")
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=SELLER)
        if order.status != Status.IN_DELIVERY or order.delivery_method not in CARRIER_METHODS:
            raise RuleViolation(
                _(
                    "The tracking number can be corrected only while a carrier has the parcel; "
                    "this order is “%(status)s”."
                )
                % {"status": status_label(order.status)},
                code="window",
            )
        if not rules.valid_ttn(order.delivery_method, ttn):
            raise RuleViolation(INVALID_TTN.get(order.delivery_method, INVALID_TTN_ANY) % {"ttn": ttn}, code="ttn")
        if ttn == order.ttn:
            raise RuleViolation(_("Nothing changed: the order already has these values."), code="unchanged")
        check_ttn_free(order, ttn)
        order.ttn = ttn
        save_order(order, actor, "edit_ttn")
        parcels.follow(order, ttn)
    return order
