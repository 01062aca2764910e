"""The seller's cause of a late shipment (docs/rules.md §10, seed 002): stock, logistics, operator
error or system failure, with a note, on an order cancelled because its shipping time expired or
shipped after its ship-by day. Recorded (and corrected) within 30 days of the lateness; the
performance page counts the causes, the moderators' expiry list shows them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace import clock
from marketplace.actors import Actor, ActorKind
from marketplace.errors import RuleViolation
from marketplace.formats import when

from ..choices import CancelReason, LateCause, Status
from ..models import Order
from .base import atomic, check_actor, lock_order, save_order

# Fixed, not a policy setting (docs/rules.md §10).
LATE_CAUSE_WINDOW = timedelta(days=30)
NOTE_MAX = Order._meta.get_field("late_cause_note").max_length


def late_since(order: Order):
    """When the order became late as the cause is about, or None when it is not late: the
    shipping-time expiry's cancellation, or the shipment after the ship-by day (Kyiv date)."""
    if order.status == Status.CANCELLED and order.cancel_reason == CancelReason.SHIPPING_TIME_EXPIRED:
        return order.status_changed_at
    if order.shipped_at and order.ship_by and timezone.localdate(order.shipped_at) > order.ship_by:
        return order.shipped_at
    return None


def late_cause_open(order: Order, now=None) -> bool:
    """Whether the cause may be recorded or changed now (the cabinet shows the form then)."""
    since = late_since(order)
    return since is not None and (now or clock.now()) < since + LATE_CAUSE_WINDOW


def order_record_late_cause(*, actor: Actor, order: Order, cause: str, note: str = "") -> Order:
    """A store member records why the order was late (or corrects it within the window)."""
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=(ActorKind.SELLER,))
        since = late_since(order)
        if since is None:
            raise RuleViolation(
                _(
                    "Order #%(number)s was not late: a cause is recorded only for an order cancelled because "
                    "its shipping time expired or shipped after its ship-by day."
                )
                % {"number": order.pk},
                code="not_late",
            )
        now = clock.now()
        if now >= since + LATE_CAUSE_WINDOW:
            raise RuleViolation(
                _(
                    "The cause of a delay can be recorded within 30 days of it; for order #%(number)s that time "
                    "ended on %(date)s."
                )
                % {"number": order.pk, "date": when(since + LATE_CAUSE_WINDOW)},
                code="late_cause_closed",
            )
        if cause not in LateCause.values:
            raise RuleViolation(_("Choose the cause of the delay."), code="cause")
        note = (note or "").strip()
        if len(note) > NOTE_MAX:
            raise RuleViolation(_("The note is too long (at most %(max)s characters).") % {"max": NOTE_MAX})
        order.late_cause, order.late_cause_note, order.late_cause_at = cause, note, now
        save_order(order, actor, "late_cause")
    return order
