"""The buyer's cart (docs/rules.md §12): in the session, no account, goods of several stores.

Each line keeps the offer, the quantity and the price and stock the buyer last saw. The page
compares them with the offer now: a changed price, stock below the quantity, or an offer no
longer on sale is shown to the buyer (old → new) and blocks the checkout until they accept the
changes (`Cart.accept`) — nothing changes behind the buyer's back. The checkout charges the
price the buyer accepted, and refuses if it has changed since (orders/services/checkout.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from marketplace import formats
from marketplace.errors import RuleViolation
from sellers import catalog
from sellers.models import Offer, Store

from ..services.checkout import MAX_LINES, MAX_QUANTITY, CheckoutLine

SESSION_KEY = "cart"


@dataclass
class Row:
    """One line of the cart as the page shows it."""

    offer: Offer | None
    offer_id: int
    quantity: int
    price_seen: Decimal
    stock_seen: int

    @property
    def sellable(self) -> bool:
        return self.offer is not None and catalog.is_sellable(self.offer)

    @property
    def sold_out(self) -> bool:
        return self.offer is not None and catalog.is_listed(self.offer) and self.offer.stock <= 0

    @property
    def price_now(self) -> Decimal | None:
        return self.offer.price if self.offer is not None else None

    @property
    def stock_now(self) -> int:
        return self.offer.stock if self.offer is not None else 0

    @property
    def price_changed(self) -> bool:
        return self.sellable and self.offer.price != self.price_seen

    @property
    def stock_short(self) -> bool:
        """Fewer units left than the line asks for."""
        return self.sellable and self.offer.stock < self.quantity

    @property
    def stock_changed(self) -> bool:
        return self.sellable and self.offer.stock != self.stock_seen

    @property
    def needs_ack(self) -> bool:
        return not self.sellable or self.price_changed or self.stock_short

    def problem(self) -> str:
        """What the buyer must see before checking out this line ('' when nothing changed); the
        checkout service says the same when it finds the change under its locks."""
        if self.offer is None:
            return _("An item of your cart is no longer on sale: check your cart.")
        if self.sold_out:
            return _("“%(title)s” has just sold out: remove it from your cart.") % {"title": self.offer.title}
        if not self.sellable:
            return _("“%(title)s” is no longer on sale: remove it from your cart.") % {"title": self.offer.title}
        if self.price_changed:
            return _("The price of “%(title)s” changed from %(old)s to %(new)s: check your cart and order again.") % {
                "title": self.offer.title,
                "old": formats.money(self.price_seen),
                "new": formats.money(self.offer.price),
            }
        if self.stock_short:
            return _("Only %(stock)s of “%(title)s” left, you asked for %(quantity)s: check your cart.") % {
                "stock": self.offer.stock,
                "title": self.offer.title,
                "quantity": self.quantity,
            }
        return ""

    @property
    def max_quantity(self) -> int:
        return max(1, min(self.stock_now, MAX_QUANTITY))

    @property
    def line_total(self) -> Decimal:
        return self.price_seen * self.quantity


@dataclass
class StoreGroup:
    store: Store
    rows: list[Row] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((row.line_total for row in self.rows if row.sellable), start=Decimal(0))

    @property
    def checkout_lines(self) -> tuple[CheckoutLine, ...]:
        return tuple(CheckoutLine(row.offer_id, row.quantity, row.price_seen) for row in self.rows)


class Cart:
    """The session's cart. Lines are kept as {offer id: {"q": quantity, "p": price seen, "s": stock seen}}."""

    def __init__(self, session):
        self.session = session
        raw = session.get(SESSION_KEY)
        self.lines: dict[str, dict] = raw if isinstance(raw, dict) else {}

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def count(self) -> int:
        """Units in the cart (the header's link)."""
        return sum(line.get("q", 0) for line in self.lines.values() if isinstance(line, dict))

    def _save(self) -> None:
        self.session[SESSION_KEY] = self.lines
        self.session.modified = True

    def clear(self) -> None:
        self.lines = {}
        self.session.pop(SESSION_KEY, None)
        self.session.modified = True

    # --- changes the buyer makes ---

    def add(self, offer: Offer, quantity: int) -> None:
        """Add `quantity` units of a sellable offer (its store loaded); refuse beyond the stock."""
        if not catalog.is_sellable(offer):
            raise RuleViolation(_("“%(title)s” is not on sale now.") % {"title": offer.title}, code="unavailable")
        key = str(offer.pk)
        line = self.lines.get(key)
        if line is None and len(self.lines) >= MAX_LINES:
            raise RuleViolation(
                _("A cart holds at most %(n)s different goods: check out or remove some.") % {"n": MAX_LINES},
                code="bounds",
            )
        had = line["q"] if line else 0
        self._check_quantity(offer, had + quantity, had=had)
        # The buyer sees the price and stock now: what the line keeps as acknowledged.
        self.lines[key] = {"q": had + quantity, "p": str(offer.price), "s": offer.stock}
        self._save()

    def update(self, offer: Offer, quantity: int) -> None:
        """Set a line's quantity (0 removes it); the line must be in the cart."""
        key = str(offer.pk)
        if key not in self.lines:
            raise RuleViolation(_("This item is not in your cart."), code="unknown")
        if quantity == 0:
            self.remove(offer.pk)
            return
        if not catalog.is_sellable(offer):
            raise RuleViolation(_("“%(title)s” is not on sale now.") % {"title": offer.title}, code="unavailable")
        self._check_quantity(offer, quantity)
        self.lines[key] = {**self.lines[key], "q": quantity, "s": offer.stock}
        self._save()

    def remove(self, offer_id: int) -> None:
        if self.lines.pop(str(offer_id), None) is not None:
            self._save()

    def accept(self) -> None:
        """The buyer accepts what changed: prices now, quantities cut to the stock, goods no longer
        on sale removed."""
        for row in self.rows():
            key = str(row.offer_id)
            if not row.sellable:
                self.lines.pop(key, None)
                continue
            self.lines[key] = {
                "q": min(row.quantity, row.offer.stock, MAX_QUANTITY),
                "p": str(row.offer.price),
                "s": row.offer.stock,
            }
        self._save()

    @staticmethod
    def _check_quantity(offer: Offer, quantity: int, *, had: int = 0) -> None:
        if quantity < 1:
            raise RuleViolation(_("The quantity must be at least 1."), code="quantity")
        limit = min(offer.stock, MAX_QUANTITY)
        if quantity > limit:
            if had:
                message = _("Only %(stock)s of “%(title)s” can be ordered, and %(had)s are in your cart already.")
            else:
                message = _("Only %(stock)s of “%(title)s” can be ordered.")
            raise RuleViolation(message % {"stock": limit, "title": offer.title, "had": had}, code="quantity")

    # --- what the page shows ---

    def rows(self) -> list[Row]:
        parsed = []
        for key, line in self.lines.items():
            try:
                parsed.append((int(key), int(line["q"]), Decimal(line["p"]), int(line["s"])))
            except (KeyError, TypeError, ValueError, InvalidOperation):
                continue  # a line this code never wrote: ignored
        offers = Offer.objects.select_related("store").in_bulk([offer_id for offer_id, *_rest in parsed])
        return [Row(offers.get(offer_id), offer_id, q, p, s) for offer_id, q, p, s in parsed]

    def groups(self) -> list[StoreGroup]:
        """The rows by store, in the order the stores first appear in the cart; lines of offers
        that no longer exist are left out."""
        groups: dict[int, StoreGroup] = {}
        for row in self.rows():
            if row.offer is None:
                continue
            groups.setdefault(row.offer.store_id, StoreGroup(row.offer.store)).rows.append(row)
        return list(groups.values())

    def digest(self) -> str:
        """A fingerprint of what the buyer is shown: the checkout form carries it, so a cart
        changed in another tab is not ordered unseen."""
        text = ";".join(f"{key}:{line.get('q')}:{line.get('p')}" for key, line in sorted(self.lines.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:32]
