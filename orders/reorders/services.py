"""Priority re-orders with compensation (docs/rules.md §10, seed 002): after a shipping-time
expiry the store offers the buyer the same goods again, optionally with a discount; the buyer
accepts on the public page and the new order is placed, linked, marked priority and accepted."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from marketplace import clock
from marketplace.actors import Actor, ActorKind
from marketplace.calendar import platform
from marketplace.errors import RuleViolation
from marketplace.formats import when
from marketplace.history import stamp
from notifications.services import notify

from ..choices import CancelReason, Status
from ..models import Order, OrderItem
from ..services.base import MAX_TOTAL, check_actor, lock_order, transition_and_save
from ..services.lifecycle import Line, order_place
from . import rules
from .models import DiscountKind, ReorderOffer, ReorderState

MESSAGE_MAX = ReorderOffer._meta.get_field("message").max_length


def _check_discount(kind: str, value: Decimal) -> Decimal:
    if kind not in DiscountKind.values:
        raise RuleViolation(_("Unknown kind of discount."), code="discount")
    if kind == DiscountKind.NONE:
        return Decimal(0)
    if value is None or value <= 0:
        raise RuleViolation(_("A discount must be more than zero; choose “no discount” otherwise."), code="discount")
    if kind == DiscountKind.PERCENT and value > 100:
        raise RuleViolation(_("A percentage discount can be at most 100 %."), code="discount")
    if kind == DiscountKind.AMOUNT and value > MAX_TOTAL:
        raise RuleViolation(_("The discount cannot exceed %(max)s ₴.") % {"max": MAX_TOTAL}, code="discount")
    return value.quantize(rules.KOPECK)


def reorder_offer(
    *, actor: Actor, order: Order, discount_kind: str = DiscountKind.NONE, discount=Decimal(0), message: str = ""
) -> ReorderOffer:
    """A store member offers the buyer the goods of an order cancelled `shipping_time_expired`
    again; the offer stands `reorder_offer_hours` (docs/rules.md §10). One per order."""
    value = _check_discount(discount_kind, Decimal(discount or 0))
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise RuleViolation(_("The note can be at most %(max)s characters.") % {"max": MESSAGE_MAX}, code="message")
    with transaction.atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=(ActorKind.SELLER,))
        if order.status != Status.CANCELLED or order.cancel_reason != CancelReason.SHIPPING_TIME_EXPIRED:
            raise RuleViolation(
                _("A re-order can be offered only for an order cancelled because its shipping time expired."),
                code="reorder",
            )
        if ReorderOffer.objects.filter(original_id=order.pk).exists():
            raise RuleViolation(
                _("The goods of this order were already offered again: one offer per order."), code="reorder"
            )
        if not order.items.filter(offer__isnull=False).exists():
            raise RuleViolation(_("None of the order's goods is on sale any more."), code="reorder")
        now = clock.now()
        offer = ReorderOffer(
            original=order,
            discount_kind=discount_kind,
            discount=value,
            message=message,
            offered_by=actor.user,
            offered_at=now,
            expires_at=now + timedelta(hours=platform().reorder_offer_hours),
        )
        stamp(offer, actor, "reorder_offer")
        offer.save()
        notify(
            "reorder_offered",
            order=order,
            discount_kind=str(offer.discount_kind),
            discount=str(offer.discount),
            expires_at=offer.expires_at,
        )
    return offer


def _open_offer(order: Order) -> ReorderOffer:
    """The order's offer, locked, while the buyer may answer it; else a refusal saying why."""
    offer = ReorderOffer.objects.select_for_update().filter(original_id=order.pk).first()
    now = clock.now()
    if offer is None:
        raise RuleViolation(_("The store has not offered these goods again."), code="reorder")
    if offer.state == ReorderState.ACCEPTED:
        raise RuleViolation(_("You have already accepted this offer: the new order is on its way."), code="reorder")
    if offer.state == ReorderState.DECLINED:
        raise RuleViolation(_("You declined this offer."), code="reorder")
    if rules.is_expired(offer, now):
        raise RuleViolation(
            _("The offer expired on %(date)s.") % {"date": when(offer.expires_at)},
            code="reorder_expired",
        )
    return offer


def reorder_accept(*, order: Order) -> Order:
    """The buyer accepts: the goods are placed as a new order through order_place (the stock is
    reserved, or the acceptance is refused with the sentence saying what is missing), at the
    current prices less the discount, linked to the old order, priority, and `accepted` at once
    by the platform on the store's behalf — the store offered it, the buyer agreed."""
    with transaction.atomic():
        original = lock_order(order)  # one acceptance at a time: the second sees it accepted
        offer = _open_offer(original)
        items = list(original.items.select_related("offer").order_by("pk"))
        if any(item.offer_id is None for item in items):
            raise RuleViolation(_("An item of this order is no longer on sale."), code="reorder")
        new = order_place(
            store=original.store,
            buyer_name=original.buyer_name,
            buyer_phone=original.buyer_phone,
            buyer_email=original.buyer_email,
            buyer_language=original.buyer_language,
            lines=[Line(item.offer_id, item.quantity) for item in items],
            delivery_method=original.delivery_method,
            delivery_branch=original.delivery_branch,
            delivery_address=original.delivery_address,
            payment_method=original.payment_method,
            source=original.source,
        )
        actor = Actor.platform()
        placed = list(OrderItem.objects.filter(order=new).order_by("pk"))
        prices = rules.discounted([(i.price, i.quantity) for i in placed], offer.discount_kind, offer.discount)
        for item, price in zip(placed, prices, strict=True):
            if item.price != price:
                item.price = price
                stamp(item, actor, "reorder_discount")
                item.save(update_fields=["price"])
        new.items_total = sum((i.price * i.quantity for i in placed), start=Decimal(0))
        new.total = new.items_total + (new.delivery_cost or 0)
        new.reorder_of = original
        new.priority = True
        transition_and_save(new, "accept", actor, reason=f"re-order of #{original.pk}")
        offer.state = ReorderState.ACCEPTED
        offer.answered_at = clock.now()
        stamp(offer, Actor.buyer(), "reorder_accept", f"order #{new.pk}")
        offer.save(update_fields=["state", "answered_at"])
        notify("reorder_accepted", order=new, original=original.pk)
    return new


def reorder_decline(*, order: Order) -> ReorderOffer:
    """The buyer declines the offer; nothing else changes."""
    with transaction.atomic():
        original = lock_order(order)
        offer = _open_offer(original)
        offer.state = ReorderState.DECLINED
        offer.answered_at = clock.now()
        stamp(offer, Actor.buyer(), "reorder_decline")
        offer.save(update_fields=["state", "answered_at"])
    return offer


def new_order_of(original: Order) -> Order | None:
    return Order.objects.filter(reorder_of=original).order_by("pk").first()


__all__ = ["new_order_of", "reorder_accept", "reorder_decline", "reorder_offer"]
