"""Goods that come back with a parcel (docs/rules.md §8).

An order cancelled while its parcel is with a carrier keeps its goods off sale: `return_stock`
(orders.services.expiry) records `return_expected_since` instead of putting them back. They go
back on sale here, once: when the carrier reports the return delivered to the store (the
tracking, actor carrier) or when the seller confirms the goods came back (the cabinet).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from marketplace import clock
from marketplace.actors import Actor, ActorKind
from marketplace.errors import RuleViolation
from marketplace.formats import when

from ..models import Order
from .base import atomic, check_actor, lock_order, save_order
from .expiry import return_stock


def order_return_received(*, actor: Actor, order: Order) -> Order:
    """The goods of an order cancelled in delivery are back in the store: their stock is put back
    (with the offers' history), `return_received_at` is set and the order's history says who.
    Refused, changing nothing, when no return is expected or it was received already."""
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=(ActorKind.SELLER, ActorKind.CARRIER))
        if order.return_received_at is not None:
            raise RuleViolation(
                _("The goods of order #%(number)s came back already on %(date)s; their stock was put back then.")
                % {"number": order.pk, "date": when(order.return_received_at)},
                code="return_received",
            )
        if order.return_expected_since is None:
            raise RuleViolation(
                _("No goods of order #%(number)s are on their way back to the store.") % {"number": order.pk},
                code="no_return",
            )
        now = clock.now()
        return_stock([order], actor, "return_received", now=now)
        order.return_received_at = now
        save_order(order, actor, "return_received")
    return order
