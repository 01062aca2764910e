"""Cancelling an order: reasons and their rules (SPEC §5), stock back or corrected."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _

from marketplace import clock
from marketplace import phones
from marketplace.actors import Actor, ActorKind
from marketplace.errors import NotAllowed, RuleViolation
from notifications.services import notify, notify_expired

from sellers.fees import fee_charge
from sellers.models import FeeCharge

from ..choices import EXPIRY_REASONS, BEFORE_SHIPMENT, OPEN_STATUSES, SELLER_REASONS, CancelReason, Status
from marketplace.history import stamp
from ..models import Order
from .base import atomic, check_actor, lock_order, status_label, transition_and_save
from .lifecycle import lock_offers, release

MIN_CALL_ATTEMPTS = 2
MIN_CALL_SPREAD = timedelta(minutes=15)
PICKUP_ONLY_REASONS = (CancelReason.BUYER_CHANGED_MIND, CancelReason.BUYER_NOT_PICKED_UP)
# Platform reasons: who cancels and from which statuses (SPEC §4, §8).
PLATFORM_REASONS = {
    CancelReason.PROCESSING_TIME_EXPIRED: (ActorKind.PLATFORM, (Status.NEW, Status.ACCEPTED)),
    CancelReason.SHIPPING_TIME_EXPIRED: (ActorKind.PLATFORM, (Status.CONFIRMED, Status.AWAITING_SHIPMENT)),
    CancelReason.BUYER_CHANGED_MIND: (ActorKind.CARRIER, (Status.IN_DELIVERY,)),
}
# Reasons where the buyer did not cause the cancellation: the buyer is told at once.
BUYER_TOLD_AT_ONCE = (CancelReason.OUT_OF_STOCK, CancelReason.OTHER)


def _check_seller_reason(order: Order, reason: str, comment: str, stock: dict[int, int] | None) -> None:
    if reason not in SELLER_REASONS:
        raise RuleViolation(_("A seller cannot cancel with this reason."), code="reason")
    if reason in PICKUP_ONLY_REASONS and order.status != Status.AWAITING_PICKUP:
        raise RuleViolation(
            _("“%(reason)s” is only possible while the order awaits the buyer at the pickup point.")
            % {"reason": CancelReason(reason).label},
            code="reason_status",
        )
    if reason == CancelReason.OTHER and not comment.strip():
        raise RuleViolation(_("Explain the reason in a comment when cancelling for other reasons."), code="comment")
    if reason == CancelReason.BUYER_UNREACHABLE and not phones_says_unreachable(order):
        calls = list(order.call_attempts.order_by("called_at").values_list("called_at", flat=True))
        if len(calls) < MIN_CALL_ATTEMPTS or calls[-1] - calls[0] < MIN_CALL_SPREAD:
            raise RuleViolation(
                _("Log at least two calls to the buyer, at least 15 minutes apart, before cancelling as unreachable."),
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
    """A buyer's phone that is not a valid Ukrainian operator's number cannot be called."""
    return not phones.ukrainian_operator(order.buyer_phone)


def _return_stock(order: Order, actor: Actor, corrections: dict[int, int]) -> None:
    items = list(order.items.all())
    offers = lock_offers(order.store_id, [item.offer_id for item in items])
    back: dict[int, int] = {}
    for item in items:
        back[item.offer_id] = back.get(item.offer_id, 0) + item.quantity
    for offer_id, quantity in back.items():
        offer = offers[offer_id]
        if offer_id in corrections:
            offer.stock = corrections[offer_id]
            stamp(offer, actor, "cancel")
            offer.save(update_fields=["stock", "updated_at"])
        else:
            release(offer, quantity, actor, "cancel")


def _cancel(order: Order, actor: Actor, reason: str, comment: str, corrections: dict[int, int]) -> None:
    order.cancel_reason = reason
    order.cancel_comment = comment.strip()
    order.cancelled_by = actor.kind
    _return_stock(order, actor, corrections)
    transition_and_save(order, "cancel", actor, reason=reason)


def order_cancel(
    *, actor: Actor, order: Order, reason: str, comment: str = "", stock: dict[int, int] | None = None
) -> Order:
    """A seller cancels with one of the seller's reasons and its rule."""
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=(ActorKind.SELLER,))
        if order.status not in OPEN_STATUSES:
            raise RuleViolation(
                _("The order is already “%(status)s”; it cannot be cancelled.") % {"status": status_label(order.status)},
                code="illegal_transition",
            )
        _check_seller_reason(order, reason, comment, stock)
        _cancel(order, actor, reason, comment, stock if reason == CancelReason.OUT_OF_STOCK else {})
        notify("order_cancelled", order=order)
    return order


def order_cancel_by_buyer(*, order: Order, comment: str = "") -> Order:
    """The buyer cancels from the public page (instant mode, SPEC §6).

    After the agreed ship-by date passed with the goods still in the store, the reason is
    `late_delivery`, which counts against the seller."""
    actor = Actor.buyer()
    with atomic():
        order = lock_order(order)
        if order.status not in OPEN_STATUSES:
            raise RuleViolation(
                _("The order is already “%(status)s”; it cannot be cancelled.") % {"status": status_label(order.status)},
                code="illegal_transition",
            )
        late = (
            order.ship_by is not None
            and order.status in BEFORE_SHIPMENT
            and clock.today() > order.ship_by
        )
        reason = CancelReason.LATE_DELIVERY if late else CancelReason.BUYER_CANCELLED
        _cancel(order, actor, reason, comment, {})
        notify("order_cancelled", order=order)
    return order


def order_cancel_by_platform(*, order: Order, reason: str, expected_status: str | None = None) -> Order:
    """The platform cancels: a deadline expired or the carrier reported a refusal."""
    if reason not in PLATFORM_REASONS:
        raise NotAllowed(_("The platform does not cancel for this reason."))
    actor_kind, statuses = PLATFORM_REASONS[reason]
    actor = Actor(actor_kind)
    with atomic():
        order = lock_order(order)
        if expected_status is not None and order.status != expected_status:
            raise RuleViolation(_("The order changed meanwhile; nothing to do."), code="stale")
        if order.status not in statuses:
            # Each deadline belongs to its statuses (SPEC §4): an order that moved on meanwhile
            # (e.g. confirmed while the `new`/`accepted` deadline expired) is not cancelled for it.
            raise RuleViolation(
                _("“%(reason)s” does not apply to an order in status “%(status)s”.")
                % {"reason": CancelReason(reason).label, "status": status_label(order.status)},
                code="reason_status",
            )
        _cancel(order, actor, reason, "", {})
        if reason in EXPIRY_REASONS:
            fee_charge(order, FeeCharge.Kind.EXPIRED)  # charged as if completed (SPEC §4)
            notify_expired([order])
        else:
            notify("order_cancelled", order=order)
    return order
