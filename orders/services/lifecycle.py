"""Placing an order and moving it along its status machine (docs/rules.md §2)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, models
from django.db.models import Case, F, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace import clock, phones
from marketplace.actors import Actor, ActorKind
from marketplace.errors import RuleViolation
from marketplace.history import stamp
from notifications.services import notify
from orders.fees import fee_charge
from sellers.models import FeeCharge, Offer, Store

from ..choices import CARRIER_METHODS, OPEN_STATUSES, DeliveryMethod, OrderSource, PaymentMethod, Status
from ..models import Order, OrderItem
from ..rules import valid_ttn
from ..tracking import parcels
from .base import (
    atomic,
    check_actor,
    check_courier_visit,
    check_ship_by,
    check_totals,
    lock_order,
    save_order,
    transition_and_save,
)

SELLER = (ActorKind.SELLER,)
# One sentence per carrier, so each language can inflect the carrier's name ("для Нової пошти").
INVALID_TTN = {
    DeliveryMethod.NOVA_POSHTA: gettext_lazy("“%(ttn)s” is not a valid Nova Poshta tracking number (14 digits)."),
}
INVALID_TTN_ANY = gettext_lazy("“%(ttn)s” is not a valid tracking number of this carrier.")


@dataclass(frozen=True)
class Line:
    offer_id: int
    quantity: int


def lock_offers(store_id: int, offer_ids) -> dict[int, Offer]:
    """Lock the offers in id order (so two orders never deadlock) and return them by id."""
    offers = Offer.objects.select_for_update().filter(store_id=store_id, pk__in=set(offer_ids)).order_by("pk")
    return {offer.pk: offer for offer in offers}


def reserve(offer: Offer, quantity: int, actor: Actor, action: str) -> None:
    if offer.stock < quantity:
        raise RuleViolation(
            _("Only %(stock)s of “%(title)s” in stock, %(quantity)s asked.")
            % {"stock": offer.stock, "title": offer.title, "quantity": quantity},
            code="stock",
        )
    offer.stock -= quantity
    stamp(offer, actor, action)
    offer.save(update_fields=["stock", "updated_at"])


def reserve_many(lines: list[tuple[Offer, int]], actor: Actor, action: str, *, now) -> None:
    """`reserve` for every line of an order at once (docs/rules.md §10): the offers are locked by
    the caller; every line is checked before any write, then one UPDATE takes the units off all
    the offers and one INSERT writes their history rows ("changed", stamped like `stamp`)."""
    for offer, quantity in lines:
        if offer.stock < quantity:
            raise RuleViolation(
                _("Only %(stock)s of “%(title)s” in stock, %(quantity)s asked.")
                % {"stock": offer.stock, "title": offer.title, "quantity": quantity},
                code="stock",
            )
    Offer.objects.filter(pk__in=[offer.pk for offer, _quantity in lines]).update(
        stock=Case(
            *(When(pk=offer.pk, then=F("stock") - quantity) for offer, quantity in lines),
            output_field=models.PositiveIntegerField(),
        ),
        updated_at=now,
    )
    for offer, quantity in lines:
        offer.stock -= quantity
        offer.updated_at = now
    _history(Offer, [offer for offer, _quantity in lines], actor, action, now=now, update=True)


def _history(model, rows, actor: Actor, action: str, *, now, update: bool) -> None:
    """History rows of rows written in bulk (bulk_create and update send no signal: the stamp goes
    in as the rows' own values, as `stamp` would put it)."""
    model.history.bulk_history_create(
        rows,
        update=update,
        default_date=now,
        default_user=actor.user,
        default_change_reason=None,  # as `stamp` leaves it without a reason
        custom_historical_attrs={"actor_kind": str(actor.kind), "action": action},
    )


def release(offer: Offer, quantity: int, actor: Actor, action: str) -> None:
    offer.stock += quantity
    stamp(offer, actor, action)
    offer.save(update_fields=["stock", "updated_at"])


def order_place(
    *,
    store: Store,
    buyer_name: str,
    buyer_phone: str,
    buyer_email: str = "",
    buyer_language: str = "uk",
    lines: list[Line],
    delivery_method: str = "",
    delivery_branch: str = "",
    delivery_address: str = "",
    payment_method: str = PaymentMethod.CASH_ON_DELIVERY,
    source: str = OrderSource.STOREFRONT,
    locked: dict[int, Offer] | None = None,
) -> Order:
    """A buyer places an order: stock is reserved, the store is told.

    `locked`: offers the caller already holds locked in its transaction (checkout_place locks every
    offer of the cart at once), so they are not locked again. In bulk (docs/rules.md §10): one UPDATE
    of the offers' stock, the items in one INSERT, each with its history rows in one INSERT."""
    if not buyer_name.strip() or not buyer_phone.strip():
        raise RuleViolation(_("The buyer's name and phone are required."))
    if not lines:
        raise RuleViolation(_("An order needs at least one item."))
    wanted: dict[int, int] = defaultdict(int)
    for line in lines:
        if line.quantity <= 0:
            raise RuleViolation(_("Quantities must be positive."))
        wanted[line.offer_id] += line.quantity
    if delivery_method and delivery_method not in DeliveryMethod.values:
        raise RuleViolation(_("Unknown delivery method."))
    if payment_method not in PaymentMethod.values:
        raise RuleViolation(_("Unknown payment method."))
    if source not in OrderSource.values:
        raise RuleViolation(_("Unknown order source."))
    if store.is_suspended or store.offers_hidden:
        raise RuleViolation(_("This store does not take orders now."))
    actor = Actor.buyer()
    with atomic():
        if locked is None:
            offers = lock_offers(store.pk, wanted)
        else:
            offers = {pk: offer for pk, offer in locked.items() if pk in wanted and offer.store_id == store.pk}
        lines_to_place = []
        for offer_id, quantity in wanted.items():
            offer = offers.get(offer_id)
            if offer is None or offer.paused:
                raise RuleViolation(_("An item of this order is not on sale."))
            lines_to_place.append((offer, quantity))
        items_total = sum((offer.price * quantity for offer, quantity in lines_to_place), start=Decimal(0))
        check_totals(items_total, None)  # before any write: a clear refusal, not a numeric overflow
        now = clock.now()
        reserve_many(lines_to_place, actor, "place", now=now)
        # One save of the order, with its totals: one "place" row in its history.
        order = Order(
            store=store,
            buyer_name=buyer_name.strip(),
            buyer_phone=phones.normalize(buyer_phone),
            buyer_email=buyer_email.strip(),
            buyer_language=buyer_language,
            delivery_method=delivery_method,
            delivery_branch=delivery_branch,
            delivery_address=delivery_address,
            payment_method=payment_method,
            source=source,
            items_total=items_total,
            total=items_total,
        )
        save_order(order, actor, "place", status_changed=True)
        items = OrderItem.objects.bulk_create(
            OrderItem(order=order, offer=offer, title=offer.title, sku=offer.sku, price=offer.price, quantity=quantity)
            for offer, quantity in lines_to_place
        )
        _history(OrderItem, items, actor, "place", now=now, update=False)
        _items_known(order, items)
        notify("order_placed", order=order)
    return order


def _items_known(order: Order, items: list[OrderItem]) -> None:
    """`order.items.all()` answers from the items just written (as prefetch_related would fill it),
    so the messages' snapshot of the order reads no row again."""
    queryset = order.items.all()
    queryset._result_cache = list(items)
    queryset._prefetch_done = True
    order._prefetched_objects_cache = {OrderItem._meta.get_field("order").remote_field.cache_name: queryset}


def order_open(*, actor: Actor, order: Order) -> Order:
    """A store member opens the order page: `new` becomes `accepted` (seed 000, step 1).

    Returns the order as stored: the status and the membership are read under the row lock,
    never from the caller's copy (a non-member is refused whatever the status). Its
    `accepted_now` is True when this call accepted it (the page says so once), else False."""
    if actor.kind != ActorKind.SELLER:
        return order
    stored = Order.objects.select_related("store").filter(pk=order.pk).first()
    if stored is not None and stored.status != Status.NEW:
        # Opened before: nothing to write, so no row lock for a page view (a writer or the sweep
        # would wait for it or pass over the order); the member is checked against the stored order.
        check_actor(actor, stored, allowed=SELLER)
        stored.accepted_now = False
        return stored
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=SELLER)
        order.accepted_now = order.status == Status.NEW  # else opened before (or by somebody else meanwhile)
        if order.accepted_now:
            transition_and_save(order, "accept", actor)
            notify("order_accepted", order=order)
    return order


def order_confirm(*, actor: Actor, order: Order) -> Order:
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=SELLER)
        if order.status == Status.ACCEPTED:
            # Confirming agrees the ship-by date: one that has passed would expire the order at
            # once (docs/rules.md §4).
            check_ship_by(order.ship_by)
        transition_and_save(order, "confirm", actor)
        notify("order_confirmed", order=order)
    return order


def order_pack(*, actor: Actor, order: Order, ship_by=None) -> Order:
    """The order is assembled: `awaiting_shipment`; the ship-by date may change in the same step."""
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=SELLER)
        if ship_by is not None and ship_by != order.ship_by:
            if order.status == Status.CONFIRMED:  # else the transition's refusal names the status
                check_ship_by(ship_by)
            order.ship_by = ship_by
        transition_and_save(order, "pack", actor)
    return order


def _split_family(order: Order) -> set[int]:
    """The order, the order it was split from and that order's other parts: the halves of a split
    order may travel in one parcel under one TTN (docs/rules.md §7)."""
    root = order.split_from_id or order.pk
    family = {root, order.pk}
    family |= set(Order.objects.filter(split_from_id__in=family).values_list("pk", flat=True))
    return family


def check_ttn_free(order: Order, ttn: str) -> None:
    """A tracking number names one parcel (Nova Poshta does not reuse one for a long time): it is
    refused while another open order carries it, unless that order is a part of the same split
    order (one parcel for both). The other order's number is named only to its own store; another
    store's order is never revealed. Concurrent shipments with one TTN are serialised by an
    advisory lock on the number until the transaction ends (PostgreSQL; SQLite writes one at a time).
    The lookup is the partial index `order_ttn`."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"order-ttn:{ttn}"])
    other = (
        Order.objects.filter(ttn=ttn, status__in=OPEN_STATUSES)
        .exclude(pk__in=_split_family(order))
        .values("pk", "store_id")
        .order_by("pk")
        .first()
    )
    if other is None:
        return
    if other["store_id"] == order.store_id:
        message = _("The tracking number %(ttn)s is already on order #%(number)s, which is still open.") % {
            "ttn": ttn,
            "number": other["pk"],
        }
    else:
        message = _("The tracking number %(ttn)s is already used by another parcel; check the number.") % {"ttn": ttn}
    raise RuleViolation(message, code="ttn_taken")


def order_ship(*, actor: Actor, order: Order, ttn: str = "", courier_phone: str = "", courier_visit_at=None) -> Order:
    """Hand the goods to the carrier (valid TTN) or to the store's courier (phone and visit time)."""
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=SELLER)
        if order.delivery_method == DeliveryMethod.COURIER:
            if courier_phone:
                if not phones.is_valid(courier_phone):
                    raise RuleViolation(_("The courier's phone is not a phone number."))
                order.courier_phone = phones.normalize(courier_phone)
            if courier_visit_at is not None:
                check_courier_visit(courier_visit_at)
                order.courier_visit_at = courier_visit_at
        elif ttn and order.delivery_method in CARRIER_METHODS:  # a pickup order is refused for what it is
            ttn = ttn.strip().replace(" ", "")
            if not valid_ttn(order.delivery_method, ttn):
                raise RuleViolation(INVALID_TTN.get(order.delivery_method, INVALID_TTN_ANY) % {"ttn": ttn}, code="ttn")
            check_ttn_free(order, ttn)
            order.ttn = ttn
        order.shipped_at = clock.now()  # late when its Kyiv date is after ship_by (docs/rules.md §10)
        transition_and_save(order, "ship", actor)
        if order.ttn and order.delivery_method in CARRIER_METHODS:
            parcels.start(order)  # tracked from now on (docs/rules.md §8)
        notify("order_shipped", order=order)
    return order


def order_ready_for_pickup(*, actor: Actor, order: Order) -> Order:
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=SELLER)
        transition_and_save(order, "ready_for_pickup", actor)
        notify("order_ready_for_pickup", order=order)
    return order


def order_mark_received(*, actor: Actor, order: Order) -> Order:
    """The seller records the hand-over where nothing tracks it (courier, pickup)."""
    with atomic():
        order = lock_order(order)
        check_actor(actor, order, allowed=SELLER)
        transition_and_save(order, "mark_received", actor)
        fee_charge(order, FeeCharge.Kind.RECEIVED)
        notify("order_received", order=order)
    return order


def order_hand_over(*, order: Order) -> Order:
    """The carrier's tracking reports the parcel handed to the buyer."""
    actor = Actor.carrier()
    with atomic():
        order = lock_order(order)
        transition_and_save(order, "hand_over", actor)
        fee_charge(order, FeeCharge.Kind.RECEIVED)
        notify("order_received", order=order)
    return order


__all__ = [
    "Line",
    "order_confirm",
    "order_hand_over",
    "order_mark_received",
    "order_open",
    "order_pack",
    "order_place",
    "order_ready_for_pickup",
    "order_ship",
]
