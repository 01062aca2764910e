"""Splitting an order in two before shipment (docs/rules.md §7)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from marketplace.actors import Actor, ActorKind
from marketplace.errors import RuleViolation
from marketplace.history import stamp
from notifications.services import notify

from ..models import Order, OrderItem
from .base import atomic, check_actor, lock_order, recompute_totals, save_order
from .editing import _window_before_shipment

# Fields the new order takes over from the original one.
COPIED_FIELDS = (
    "store_id",
    "buyer_name",
    "buyer_phone",
    "buyer_email",
    "buyer_language",
    "delivery_method",
    "delivery_branch",
    "delivery_address",
    "delivery_cost",
    "ship_by",
    "payment_method",
    "created_at",
)


def order_split(*, actor: Actor, order: Order, quantities: dict[int, int]) -> Order:
    """Move the chosen items (and part-quantities) to a new order for the same buyer.

    `quantities` maps an item id of `order` to how many units move. Returns the new order,
    which starts in the same status and is linked to the original through `split_from`."""
    moving = {int(item_id): int(qty) for item_id, qty in quantities.items() if int(qty) != 0}
    if not moving:
        raise RuleViolation(_("Choose at least one item to move to the new order."), code="split_empty")
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=(ActorKind.SELLER,))
        _window_before_shipment(order, _("The order's composition"))
        items = {item.pk: item for item in order.items.all()}
        for item_id, qty in moving.items():
            item = items.get(item_id)
            if item is None:
                raise RuleViolation(_("This item is not in the order."), code="split_item")
            if qty < 0 or qty > item.quantity:
                raise RuleViolation(
                    _("Between 1 and %(max)s of “%(title)s” can move, not %(value)s.")
                    % {"value": qty, "max": item.quantity, "title": item.title},
                    code="split_quantity",
                )
        if all(moving.get(pk, 0) == item.quantity for pk, item in items.items()):
            raise RuleViolation(_("Leave at least one item in the original order."), code="split_all")

        new = Order(status=order.status, split_from=order, **{f: getattr(order, f) for f in COPIED_FIELDS})
        new.status_changed_at = order.status_changed_at
        # Delivery is paid once: the new order carries no delivery cost of its own. Its totals
        # are known before its one save (one "split" row in its history).
        new.delivery_cost = 0 if order.delivery_cost is not None else None
        new.items_total = sum((items[pk].price * qty for pk, qty in moving.items()), start=Decimal(0))
        new.total = new.items_total + (new.delivery_cost or 0)
        save_order(new, actor, "split", reason=f"#{order.pk}")
        for item_id, qty in moving.items():
            item = items[item_id]
            moved = OrderItem(
                order=new, offer_id=item.offer_id, title=item.title, sku=item.sku, price=item.price, quantity=qty
            )
            stamp(moved, actor, "split")
            moved.save()
            stamp(item, actor, "split")
            if qty == item.quantity:
                item.delete()
            else:
                item.quantity -= qty
                item.save()
        recompute_totals(order)
        save_order(order, actor, "split", reason=f"#{new.pk}")
        notify("order_split", order=order, related=new)
    return new
