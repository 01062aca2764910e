"""Helpers for deadline tests: put an order into its status at a chosen moment."""

from __future__ import annotations

from datetime import datetime

from marketplace.worktime import KYIV
from orders import deadlines
from orders.models import Order


def kyiv(*args) -> datetime:
    return datetime(*args, tzinfo=KYIV)


def entered_at(order: Order, when: datetime) -> Order:
    """Pretend the order entered its current status at `when` and recompute its deadlines
    the way services do."""
    order = Order.objects.get(pk=order.pk)
    order.status_changed_at = when
    order.reminders_sent = 0
    deadlines.refresh(order, status_changed=True)
    Order.objects.filter(pk=order.pk).update(
        status_changed_at=when,
        excellent_deadline=order.excellent_deadline,
        acceptable_deadline=order.acceptable_deadline,
        next_check_at=order.next_check_at,
        reminders_sent=0,
    )
    return Order.objects.get(pk=order.pk)
