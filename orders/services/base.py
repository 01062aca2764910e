"""Shared steps of order services: locking, permission, running a transition, saving."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition

from marketplace import clock
from marketplace.actors import Actor, ActorKind, is_moderator
from marketplace.calendar import platform
from marketplace.errors import ConflictError, NotAllowed, RuleViolation
from marketplace.history import stamp
from sellers.models import StoreMember

from .. import deadlines, performance
from ..choices import TERMINAL_STATUSES, Status
from ..models import Order

TRANSITION_VERBS = {
    "accept": gettext_lazy("taken into processing"),
    "confirm": gettext_lazy("confirmed"),
    "pack": gettext_lazy("marked as packed"),
    "ship": gettext_lazy("shipped"),
    "ready_for_pickup": gettext_lazy("marked as ready for pickup"),
    "mark_received": gettext_lazy("marked as received"),
    "hand_over": gettext_lazy("handed over"),
    "cancel": gettext_lazy("cancelled"),
}


def lock_order(order_or_id) -> Order:
    """Re-read the order under a row lock inside the caller's transaction.

    Every service works on this fresh copy, so two actors on the same order are serialised
    and the second one sees what the first one did."""
    order_id = order_or_id.pk if isinstance(order_or_id, Order) else order_or_id
    try:
        return Order.objects.select_for_update(of=("self",)).select_related("store").get(pk=order_id)
    except Order.DoesNotExist:
        raise NotAllowed(_("No such order.")) from None


def is_store_member(user, store_id: int) -> bool:
    """Whether `user` is an active member of the store; inside a transaction the membership row
    is held (FOR KEY SHARE) until it ends, so a member removed at the same moment waits for the
    action to finish or, removed first, is refused: never an action by a removed member."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    members = StoreMember.objects.filter(store_id=store_id, user=user)
    if not (connection.in_atomic_block and connection.features.has_select_for_update):  # SQLite locks no rows
        return members.exists()
    sql, params = members.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} FOR KEY SHARE", params)
        return cursor.fetchone() is not None


def check_actor(actor: Actor, order: Order, *, allowed: tuple[str, ...]) -> None:
    """Refuse actors that may not act on this order at all."""
    if actor.kind not in allowed:
        raise NotAllowed(_("This action is not available to you."))
    if actor.kind == ActorKind.SELLER and not is_store_member(actor.user, order.store_id):
        raise NotAllowed(_("No such order."))
    if actor.kind == ActorKind.MODERATOR and not is_moderator(actor.user):
        raise NotAllowed(_("Only moderators may do this."))


def status_label(status: str) -> str:
    return str(Status(status).label)


def run_transition(order: Order, name: str) -> None:
    """Run fsm transition `name`, or raise RuleViolation naming what stops it."""
    method = getattr(order, name)
    meta = method._django_fsm
    current = order.status
    found = meta.get_transition(current)
    if found is None:
        raise RuleViolation(
            _("The order is “%(status)s”: it cannot be %(action)s now.")
            % {"status": status_label(current), "action": TRANSITION_VERBS.get(name, name)},
            code="illegal_transition",
        )
    unmet = [str(getattr(cond, "message", cond.__name__)) for cond in found.conditions if not cond(order)]
    if unmet:
        raise RuleViolation(" ".join(unmet), code="condition")
    method()


def save_order(order: Order, actor: Actor, action: str, *, reason: str = "", status_changed: bool = False) -> None:
    """Save with the history stamp; recompute deadlines when the status or dates changed."""
    now = clock.now()
    if status_changed:
        order.status_changed_at = now
    deadlines.refresh(order, now=now, status_changed=status_changed)
    stamp(order, actor, action, reason)
    try:
        order.save()
    except ConcurrentTransition:
        raise ConflictError(_("Somebody changed this order at the same moment; reload it and try again.")) from None


def transition_and_save(order: Order, name: str, actor: Actor, *, reason: str = "") -> None:
    run_transition(order, name)
    save_order(order, actor, name, reason=reason, status_changed=True)
    performance.orders_ended([order])  # a terminal status adds to the store's day (docs/rules.md §10)
    if order.status in TERMINAL_STATUSES:  # its open request lapses, its dispute closes (docs/rules.md §6)
        from ..requests.outcomes import close_open_requests  # it imports these services

        close_open_requests([order], now=order.status_changed_at)


def _column_max(model, name: str) -> Decimal:
    field = model._meta.get_field(name)
    return Decimal(10) ** (field.max_digits - field.decimal_places) - Decimal(1).scaleb(-field.decimal_places)


# The largest amounts the columns hold: a total above them is refused before any write.
MAX_TOTAL = _column_max(Order, "total")
MAX_DELIVERY_COST = _column_max(Order, "delivery_cost")


def check_totals(items_total, delivery_cost) -> None:
    """Refuse an order whose total the order's columns cannot hold (a clear sentence instead of
    a database overflow)."""
    if delivery_cost is not None and delivery_cost > MAX_DELIVERY_COST:
        raise RuleViolation(_("The delivery cost cannot exceed %(max)s ₴.") % {"max": MAX_DELIVERY_COST}, code="amount")
    if items_total + (delivery_cost or 0) > MAX_TOTAL:
        raise RuleViolation(
            _("The order total would exceed %(max)s ₴: order fewer units or split the order.") % {"max": MAX_TOTAL},
            code="amount",
        )


def recompute_totals(order: Order) -> None:
    items_total = sum((item.price * item.quantity for item in order.items.all()), start=Decimal(0))
    check_totals(items_total, order.delivery_cost)
    order.items_total = items_total
    order.total = items_total + (order.delivery_cost or 0)


def check_ship_by(ship_by: date | None) -> None:
    """An agreed ship-by date is from today (Kyiv) up to the policy's maximum ahead (docs/rules.md §4):
    a past date would expire the order at the next sweep, a far one cannot be planned."""
    if ship_by is None:
        return
    today = clock.today()
    latest = today + timedelta(days=platform().ship_by_max_days)
    if ship_by < today:
        raise RuleViolation(
            _("The ship-by date %(date)s is in the past: choose today or a later day.")
            % {"date": ship_by.strftime("%d.%m.%Y")},
            code="ship_by",
        )
    if ship_by > latest:
        raise RuleViolation(
            _("The ship-by date can be at most %(days)s days ahead, up to %(latest)s.")
            % {"days": platform().ship_by_max_days, "latest": latest.strftime("%d.%m.%Y")},
            code="ship_by",
        )


# How far a courier's visit may be recorded in the past (the seller logs it afterwards).
COURIER_VISIT_PAST = timedelta(days=1)


def check_courier_visit(visit_at: datetime | None) -> None:
    """A courier's visit is at most a day ago and at most the ship-by maximum ahead."""
    if visit_at is None:
        return
    now = clock.now()
    if visit_at < now - COURIER_VISIT_PAST:
        raise RuleViolation(_("The courier's visit time is more than a day in the past."), code="courier_visit")
    if visit_at > now + timedelta(days=platform().ship_by_max_days):
        raise RuleViolation(
            _("The courier's visit can be at most %(days)s days ahead.") % {"days": platform().ship_by_max_days},
            code="courier_visit",
        )


atomic = transaction.atomic
