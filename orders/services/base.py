"""Shared steps of order services: locking, permission, running a transition, saving."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition

from marketplace import clock
from marketplace.actors import Actor, ActorKind, is_moderator
from marketplace.errors import ConflictError, NotAllowed, RuleViolation
from sellers.models import StoreMember

from .. import deadlines
from ..choices import Status
from marketplace.history import stamp
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
    return bool(
        user and user.is_authenticated and user.is_active
        and StoreMember.objects.filter(store_id=store_id, user=user).exists()
    )


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


def recompute_totals(order: Order) -> None:
    items_total = sum((item.price * item.quantity for item in order.items.all()), start=0)
    order.items_total = items_total
    order.total = items_total + (order.delivery_cost or 0)


atomic = transaction.atomic
