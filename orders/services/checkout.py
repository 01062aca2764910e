"""The storefront's checkout (docs/rules.md §12): a buyer's cart becomes one order per store, in one
transaction, all or nothing.

Every offer of the cart is locked first, across all stores and in id order (two checkouts of the
same goods never deadlock, whatever order their stores come in); the prices the buyer
acknowledged in the cart are compared with the locked rows, so a price that changed meanwhile
refuses the checkout instead of being charged; then `order_place` reserves the stock and tells
the stores and the buyer for each store under the same locks. A one-time key from the checkout
form makes a double submit or a retry find the checkout it already placed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from marketplace import clock, formats, phones
from marketplace.errors import RuleViolation
from sellers import catalog
from sellers.models import Offer, Store

from ..choices import DeliveryMethod, OrderSource, PaymentMethod
from ..models import Order
from ..storefront.models import Checkout
from .base import atomic
from .lifecycle import Line, order_place

# Bounds of a checkout (docs/rules.md §12): what a buyer may send at once.
MAX_STORES = 10
MAX_LINES = 50
MAX_QUANTITY = 999
NAME_MAX = Order._meta.get_field("buyer_name").max_length
EMAIL_MAX = Order._meta.get_field("buyer_email").max_length
BRANCH_MAX = Order._meta.get_field("delivery_branch").max_length
ADDRESS_MAX = Order._meta.get_field("delivery_address").max_length
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# Checkouts placed in the last hour: more from one phone or one network is refused.
PER_PHONE_PER_HOUR = 5
PER_IP_PER_HOUR = 30
LANGUAGES = {code for code, _name in settings.LANGUAGES}


@dataclass(frozen=True)
class CheckoutLine:
    offer_id: int
    quantity: int
    price: Decimal  # the price the buyer saw and acknowledged in the cart


@dataclass(frozen=True)
class StoreOrder:
    """One store's part of the cart: its lines and how the buyer wants them delivered and paid."""

    store_id: int
    lines: tuple[CheckoutLine, ...]
    delivery_method: str
    delivery_branch: str = ""
    delivery_address: str = ""
    payment_method: str = PaymentMethod.CASH_ON_DELIVERY


@dataclass
class Placed:
    checkout: Checkout
    orders: list[Order] = field(default_factory=list)
    placed_now: bool = True


def _check_buyer(name: str, phone: str, email: str, language: str) -> None:
    if not name.strip():
        raise RuleViolation(_("Enter your name."), code="name")
    if len(name) > NAME_MAX:
        raise RuleViolation(_("The name can be at most %(max)s characters long.") % {"max": NAME_MAX}, code="name")
    if not phones.is_valid(phone):
        raise RuleViolation(
            _("“%(phone)s” is not a valid phone number: enter it with the country code, e.g. +380 50 123 4567.")
            % {"phone": phone.strip()[:40]},
            code="phone",
        )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RuleViolation(_("Enter a valid e-mail address or leave it empty."), code="email") from None
        if len(email) > EMAIL_MAX:
            raise RuleViolation(_("Enter a valid e-mail address or leave it empty."), code="email")
    if language not in LANGUAGES:
        raise RuleViolation(_("Choose a language of the list."), code="language")


def _check_parts(parts: list[StoreOrder]) -> None:
    if not parts:
        raise RuleViolation(_("Your cart is empty: add goods before checking out."), code="empty")
    if len(parts) > MAX_STORES:
        raise RuleViolation(_("One checkout takes goods of at most %(n)s stores.") % {"n": MAX_STORES}, code="bounds")
    if len({part.store_id for part in parts}) != len(parts):
        raise RuleViolation(_("Each store may appear only once in a checkout."), code="bounds")
    if sum(len(part.lines) for part in parts) > MAX_LINES:
        raise RuleViolation(_("One checkout takes at most %(n)s different goods.") % {"n": MAX_LINES}, code="bounds")
    for part in parts:
        if not part.lines:
            raise RuleViolation(_("An order needs at least one item."), code="empty")
        if len({line.offer_id for line in part.lines}) != len(part.lines):
            raise RuleViolation(_("Each item may appear only once in an order."), code="bounds")
        for line in part.lines:
            if not 1 <= line.quantity <= MAX_QUANTITY:
                raise RuleViolation(_("A quantity must be from 1 to %(max)s.") % {"max": MAX_QUANTITY}, code="quantity")
        if part.delivery_method not in DeliveryMethod.values:
            raise RuleViolation(_("Choose how the goods are delivered."), code="delivery")
        if part.payment_method not in PaymentMethod.values:
            raise RuleViolation(_("Choose how you pay."), code="payment")
        if part.delivery_method == DeliveryMethod.NOVA_POSHTA and not part.delivery_branch.strip():
            raise RuleViolation(_("Enter the Nova Poshta branch (its number or address)."), code="branch")
        if part.delivery_method == DeliveryMethod.COURIER and not part.delivery_address.strip():
            raise RuleViolation(_("Enter the address the courier brings the goods to."), code="address")
        if len(part.delivery_branch) > BRANCH_MAX or len(part.delivery_address) > ADDRESS_MAX:
            raise RuleViolation(_("The branch or the address is too long."), code="bounds")


def _throttle(phone: str, ip: str | None, checkout: Checkout) -> None:
    """At most PER_PHONE_PER_HOUR checkouts of one phone and PER_IP_PER_HOUR of one IP address an hour."""
    recent = Checkout.objects.filter(created_at__gte=clock.now() - timedelta(hours=1)).exclude(pk=checkout.pk)
    # One query for both counts; without an IP address its count is of no row (pk IS NULL).
    counts = recent.aggregate(
        phone=Count("pk", filter=Q(buyer_phone=phone)), ip=Count("pk", filter=Q(ip=ip) if ip else Q(pk=None))
    )
    if counts["phone"] >= PER_PHONE_PER_HOUR:
        raise RuleViolation(
            _(
                "Several orders were placed with this phone number in the last hour. If you need more, try again "
                "in an hour or call the store."
            ),
            code="throttled",
        )
    if counts["ip"] >= PER_IP_PER_HOUR:
        raise RuleViolation(
            _("Too many orders were placed from your network in the last hour. Try again in an hour."),
            code="throttled",
        )


def _check_offers(parts: list[StoreOrder], offers: dict[int, Offer], stores: dict[int, Store]) -> None:
    """Under the offers' locks: each line is of its store, on sale, at the price the buyer saw, in stock."""
    for part in parts:
        store = stores.get(part.store_id)
        if store is None:
            raise RuleViolation(_("An item of your cart is no longer on sale: check your cart."), code="unavailable")
        if part.delivery_method == DeliveryMethod.PICKUP and not store.pickup_address:
            raise RuleViolation(
                _("“%(store)s” has no pickup point: choose a delivery.") % {"store": store.name}, code="delivery"
            )
        for line in part.lines:
            offer = offers.get(line.offer_id)
            if offer is None or offer.store_id != part.store_id:
                raise RuleViolation(
                    _("An item of your cart is not sold by “%(store)s”: check your cart.") % {"store": store.name},
                    code="unavailable",
                )
            if not catalog.is_listed(offer):
                raise RuleViolation(
                    _("“%(title)s” is no longer on sale: remove it from your cart.") % {"title": offer.title},
                    code="unavailable",
                )
            if offer.stock <= 0:
                raise RuleViolation(
                    _("“%(title)s” has just sold out: remove it from your cart.") % {"title": offer.title},
                    code="stock",
                )
            if offer.price != line.price:
                raise RuleViolation(
                    _("The price of “%(title)s” changed from %(old)s to %(new)s: check your cart and order again.")
                    % {"title": offer.title, "old": formats.money(line.price), "new": formats.money(offer.price)},
                    code="price",
                )
            if offer.stock < line.quantity:
                raise RuleViolation(
                    _("Only %(stock)s of “%(title)s” left, you asked for %(quantity)s: check your cart.")
                    % {"stock": offer.stock, "title": offer.title, "quantity": line.quantity},
                    code="stock",
                )


def checkout_place(
    *,
    key: str,
    buyer_name: str,
    buyer_phone: str,
    buyer_email: str = "",
    buyer_language: str = "uk",
    parts: list[StoreOrder],
    ip: str | None = None,
) -> Placed:
    """Place one order per store of the cart, all or nothing (docs/rules.md §12). A key already used
    returns the checkout it placed (`placed_now` False) and places nothing."""
    if not KEY_PATTERN.match(key or ""):
        raise RuleViolation(_("The checkout form has expired: reload the page and try again."), code="key")
    buyer_name, buyer_email = buyer_name.strip(), buyer_email.strip()
    _check_buyer(buyer_name, buyer_phone, buyer_email, buyer_language)
    _check_parts(parts)
    phone = phones.normalize(buyer_phone)
    try:
        with atomic():
            # First, so a second submit of the same form waits here for the first one, then fails on
            # the key and shows what the first one placed.
            checkout = Checkout.objects.create(key=key, buyer_phone=phone, ip=ip or None, created_at=clock.now())
            _throttle(phone, ip, checkout)
            wanted = [line.offer_id for part in parts for line in part.lines]
            # Every offer of the cart, of all stores, locked in id order (docs/rules.md §10: stock under row locks).
            locked = Offer.objects.select_for_update(of=("self",)).select_related("store").filter(pk__in=wanted)
            offers = {offer.pk: offer for offer in locked.order_by("pk")}
            stores = {offer.store_id: offer.store for offer in offers.values()}
            missing = {part.store_id for part in parts} - set(stores)
            if missing:
                stores.update(Store.objects.in_bulk(missing))
            _check_offers(parts, offers, stores)
            orders = [
                _place(part, stores[part.store_id], offers, buyer_name, buyer_phone, buyer_email, buyer_language)
                for part in parts
            ]
            checkout.order_ids = [order.pk for order in orders]
            checkout.save(update_fields=["order_ids"])
    except IntegrityError:
        existing = Checkout.objects.filter(key=key).first()
        if existing is None:
            raise
        return _placed(existing)
    return Placed(checkout, orders, placed_now=True)


def _place(
    part: StoreOrder, store: Store, locked: dict[int, Offer], name: str, phone: str, email: str, language: str
) -> Order:
    return order_place(
        store=store,
        buyer_name=name,
        buyer_phone=phone,
        buyer_email=email,
        buyer_language=language,
        lines=[Line(line.offer_id, line.quantity) for line in part.lines],
        delivery_method=part.delivery_method,
        delivery_branch=part.delivery_branch.strip() if part.delivery_method == DeliveryMethod.NOVA_POSHTA else "",
        delivery_address=part.delivery_address.strip() if part.delivery_method == DeliveryMethod.COURIER else "",
        payment_method=part.payment_method,
        source=OrderSource.STOREFRONT,
        locked=locked,  # every offer of the cart, locked above: not locked again per store
    )


def _placed(checkout: Checkout) -> Placed:
    by_id = {order.pk: order for order in Order.objects.filter(pk__in=checkout.order_ids).select_related("store")}
    return Placed(checkout, [by_id[pk] for pk in checkout.order_ids if pk in by_id], placed_now=False)


def checkout_orders(key: str) -> Placed | None:
    """The checkout placed with this key and its orders, for the thank-you page; None if there is none."""
    if not KEY_PATTERN.match(key or ""):
        return None
    checkout = Checkout.objects.filter(key=key).first()
    return _placed(checkout) if checkout is not None else None
