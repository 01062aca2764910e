"""Cancelling an order: reasons and their rules (docs/rules.md §5, read from orders.choices.REASONS),
stock back or corrected."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _

from marketplace import clock, phones
from marketplace.actors import Actor, ActorKind
from marketplace.calendar import platform
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.models import BuyerCancelMode
from notifications.services import notify

from ..choices import AUTOMATIC_ACTORS, EXPIRY_REASONS, OPEN_STATUSES, REASONS, SELLER_REASONS, CancelReason, Status
from ..models import Order
from ..selectors import unanswered_call_times
from .base import atomic, check_actor, lock_order, status_label, transition_and_save
from .expiry import check_reason_applies, order_expire, return_stock

MIN_CALL_ATTEMPTS = 2
MIN_CALL_SPREAD = timedelta(minutes=15)


def _check_seller_reason(order: Order, reason: str, comment: str, stock: dict[int, int] | None) -> None:
    if reason not in SELLER_REASONS:
        raise RuleViolation(_("A seller cannot cancel with this reason."), code="reason")
    rule = REASONS[reason]
    if not rule.applies(ActorKind.SELLER, order.status):
        if rule.statuses(ActorKind.SELLER) == (Status.AWAITING_PICKUP,):
            raise RuleViolation(
                _("“%(reason)s” is only possible while the order awaits the buyer at the pickup point.")
                % {"reason": CancelReason(reason).label},
                code="reason_status",
            )
        check_reason_applies(order, reason, ActorKind.SELLER)
    if rule.comment_required and not comment.strip():
        raise RuleViolation(_("Explain the reason in a comment when cancelling for other reasons."), code="comment")
    if reason == CancelReason.BUYER_UNREACHABLE and not phones_says_unreachable(order):
        # Only calls that did not reach the buyer count (no answer, busy, unavailable), docs/rules.md §5.
        calls = unanswered_call_times(order)
        if len(calls) < MIN_CALL_ATTEMPTS or calls[-1] - calls[0] < MIN_CALL_SPREAD:
            raise RuleViolation(
                _(
                    "Log at least two calls to the buyer that went unanswered (no answer, busy or unavailable), "
                    "at least 15 minutes apart, before cancelling as unreachable."
                ),
                code="calls",
            )
    if reason == CancelReason.OUT_OF_STOCK:
        if not stock:
            raise RuleViolation(_("Correct the stock of the missing item in the same step."), code="stock")
        ordered = {}
        for item in order.items.all():
            ordered[item.offer_id] = ordered.get(item.offer_id, 0) + item.quantity
        for offer_id, count in stock.items():
            if offer_id not in ordered:
                raise RuleViolation(_("The corrected offer is not in this order."), code="stock")
            if count < 0:
                raise RuleViolation(_("Stock cannot be negative."), code="stock")
            if count >= ordered[offer_id]:
                raise RuleViolation(
                    _("A stock of %(count)s covers the %(quantity)s ordered: the item is not out of stock.")
                    % {"count": count, "quantity": ordered[offer_id]},
                    code="stock",
                )


def phones_says_unreachable(order: Order) -> bool:
    """A buyer's phone that is not a valid Ukrainian operator's number (mobile or landline) cannot
    be called (docs/rules.md §5)."""
    return not phones.is_ukrainian_operator(order.buyer_phone)


def _cancel(order: Order, actor: Actor, reason: str, comment: str, corrections: dict[int, int]) -> None:
    order.cancel_reason = reason
    order.cancel_comment = comment.strip()
    order.cancelled_by = actor.kind
    return_stock([order], actor, "cancel", corrections=corrections)
    transition_and_save(order, "cancel", actor, reason=reason)


def cancel_as(*, order: Order, actor: Actor, reason: str, comment: str = "") -> None:
    """Cancel an order the caller holds locked and has checked, with stock back: a moderator's
    dispute decision (orders.disputes.services, docs/rules.md §6). Tells nobody: the caller does."""
    _cancel(order, actor, reason, comment, {})


def order_cancel(
    *, actor: Actor, order: Order, reason: str, comment: str = "", stock: dict[int, int] | None = None
) -> Order:
    """A seller cancels with one of the seller's reasons and its rule."""
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=(ActorKind.SELLER,))
        if order.status not in OPEN_STATUSES:
            raise RuleViolation(
                _("The order is already “%(status)s”; it cannot be cancelled.")
                % {"status": status_label(order.status)},
                code="illegal_transition",
            )
        _check_seller_reason(order, reason, comment, stock)
        _cancel(order, actor, reason, comment, stock if reason == CancelReason.OUT_OF_STOCK else {})
        notify("order_cancelled", order=order)
    return order


def order_cancel_by_buyer(*, order: Order, comment: str = "") -> Order:
    """The buyer cancels from the public page at once (docs/rules.md §6): in the `instant` mode as
    `buyer_cancelled`; once the agreed date passed (orders.requests.rules.is_late: the ship-by date
    with the goods in the store, the delivery date of a parcel in delivery) as `late_delivery`, which
    counts against the seller, in every mode. In the `request` mode an order that is not late is
    cancelled through a request the store answers (orders.requests.services.request_open)."""
    from ..requests import rules as request_rules  # orders.requests imports the order services

    actor = Actor.buyer()
    with atomic():
        order = lock_order(order)
        if order.status not in OPEN_STATUSES:
            raise RuleViolation(
                _("The order is already “%(status)s”; it cannot be cancelled.")
                % {"status": status_label(order.status)},
                code="illegal_transition",
            )
        p = platform()
        late = request_rules.is_late(order, today=clock.today(), p=p)
        if not late and p.buyer_cancel_mode == BuyerCancelMode.REQUEST:
            raise RuleViolation(
                _("The store must agree to cancel this order: ask for the cancellation instead."), code="mode"
            )
        reason = CancelReason.LATE_DELIVERY if late else CancelReason.BUYER_CANCELLED
        # A parcel in delivery keeps its goods off sale until they come back (return_stock).
        _cancel(order, actor, reason, comment, {})
        notify("order_cancelled", order=order)
    return order


def order_cancel_by_platform(*, order: Order, reason: str, expected_status: str | None = None) -> Order:
    """The platform cancels: a deadline expired (the expiry path, orders.services.expiry) or the
    carrier reported a refusal. Who and from which statuses: orders.choices.REASONS."""
    rule = REASONS.get(reason)
    if rule is None or not rule.automatic:
        raise NotAllowed(_("The platform does not cancel for this reason."))
    if reason in EXPIRY_REASONS:
        return order_expire(order=order, reason=reason, expected_status=expected_status)
    actor = Actor(next(kind for kind in rule.actors if kind in AUTOMATIC_ACTORS))
    with atomic():
        order = lock_order(order)
        if expected_status is not None and order.status != expected_status:
            raise RuleViolation(_("The order changed meanwhile; nothing to do."), code="stale")
        check_reason_applies(order, reason, actor.kind)
        _cancel(order, actor, reason, "", {})
        notify("order_cancelled", order=order)
    return order
