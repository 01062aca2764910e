"""Seller-only comments and the call-attempt log."""

from __future__ import annotations

from django.utils.translation import gettext as _

from marketplace import clock
from marketplace.actors import Actor, ActorKind
from marketplace.errors import RuleViolation

from ..models import CallAttempt, Order, OrderComment
from .base import atomic, check_actor, lock_order

MAX_COMMENT = 4000
MAX_CALL_NOTE = 300


def order_comment_add(*, actor: Actor, order: Order, text: str) -> OrderComment:
    text = (text or "").strip()
    if not text:
        raise RuleViolation(_("The comment is empty."), code="comment")
    if len(text) > MAX_COMMENT:
        raise RuleViolation(_("The comment is longer than %(max)s characters.") % {"max": MAX_COMMENT})
    with atomic():
        # Who may write is checked on the locked order, in the transaction that writes.
        order = lock_order(order)
        check_actor(actor, order, allowed=(ActorKind.SELLER, ActorKind.MODERATOR))
        return OrderComment.objects.create(order=order, author=actor.user, text=text)


def order_call_log(*, actor: Actor, order: Order, outcome: str, note: str = "", called_at=None) -> CallAttempt:
    if outcome not in CallAttempt.Outcome.values:
        raise RuleViolation(_("Choose how the call went."))
    now = clock.now()
    called_at = called_at or now
    if called_at > now:
        raise RuleViolation(_("A call cannot be logged in the future."))
    with atomic():
        # Membership and the order's status as stored now, under the row lock (not the caller's copy).
        order = lock_order(order)
        check_actor(actor, order, allowed=(ActorKind.SELLER,))
        if order.is_terminal:
            raise RuleViolation(_("The order is closed; calls are no longer logged."))
        if called_at < order.created_at:
            raise RuleViolation(_("A call cannot be logged before the order was placed."))
        return CallAttempt.objects.create(
            order=order,
            caller=actor.user,
            outcome=outcome,
            note=(note or "").strip()[:MAX_CALL_NOTE],
            called_at=called_at,
        )
