"""Expiry: the platform cancels orders whose acceptable deadline passed (docs/rules.md §4).

One path for the sweep's batches and for a single order (`order_expire`, and through it
`order_cancel_by_platform`): `orders_expire` works on orders the caller holds locked. The status
machine checks each one, then one UPDATE per reason, history rows copied by the database, the
fees in one INSERT, the messages (each buyer; one list per store and one for the moderators),
the stock back and, last, the stores that keep letting orders expire get their offers hidden.

The stock return of every cancellation (`return_stock`) lives here too: expiry is its bulk case.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count
from django.utils.translation import gettext as _

from marketplace import clock
from marketplace.actors import Actor, ActorKind
from marketplace.calendar import Platform
from marketplace.calendar import platform as current_platform
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.history import HistoryContext, record_saved, stamp
from notifications.services import notify, notify_expired
from orders.fees import charge_orders
from sellers.models import FeeCharge, Offer, Store
from sellers.services import store_hide_offers

from .. import deadlines
from ..choices import CARRIER_METHODS, EXPIRY_REASONS, REASONS, CancelReason, Status
from ..models import Order, OrderItem
from .base import atomic, lock_order, run_transition, status_label

# What notify_expired reads of an order's items (notifications.rendering.buyer_view).
MESSAGE_ITEM_FIELDS = ("order_id", "title", "price", "quantity")


@dataclass
class Expired:
    orders: list[Order] = field(default_factory=list)
    restricted_stores: list[int] = field(default_factory=list)


def check_reason_applies(order: Order, reason: str, kind: str) -> None:
    """Each platform reason belongs to its statuses (docs/rules.md §4, §5): an order that moved
    on meanwhile (e.g. confirmed while the `new`/`accepted` deadline expired) is not cancelled for it."""
    if not REASONS[reason].applies(kind, order.status):
        raise RuleViolation(
            _("“%(reason)s” does not apply to an order in status “%(status)s”.")
            % {"reason": CancelReason(reason).label, "status": status_label(order.status)},
            code="reason_status",
        )


def expiry_reason(order: Order, p: Platform) -> str | None:
    """The expiry reason the policy rule of the order's status names, if it applies there."""
    action = deadlines.at_deadline(order, p)
    return action if action in EXPIRY_REASONS else None


def orders_expire(
    orders: list[Order],
    *,
    now: datetime,
    platform: Platform,
    reason: str | None = None,
    actor: Actor | None = None,
    reasons: dict[int, str] | None = None,
) -> Expired:
    """Cancel `orders` (locked by the caller, store selected) for their expired deadline, each
    with `reason` or else the one its status's policy rule names (`reasons`: order pk -> that
    reason, when the caller already looked it up, as the sweep does). A refusal (a reason that is
    not the platform's or does not apply, a transition the status machine refuses) raises before
    anything is written."""
    actor = actor or Actor.platform()
    reasons = reasons or {}
    by_reason: dict[str, list[Order]] = defaultdict(list)
    for order in orders:
        why = reason or reasons.get(order.pk) or expiry_reason(order, platform)
        if why not in EXPIRY_REASONS:
            raise NotAllowed(_("The platform does not cancel for this reason."))
        check_reason_applies(order, why, ActorKind.PLATFORM)
        order.cancel_reason, order.cancel_comment, order.cancelled_by = why, "", ActorKind.PLATFORM
        run_transition(order, "cancel")
        order.status_changed_at = now
        # What deadlines.refresh() gives a cancelled order, and what the UPDATE below writes: no
        # deadline, no check, no reminder (the calendar walk per order was the sweep's repeated work).
        order.excellent_deadline = order.acceptable_deadline = order.next_check_at = None
        order.reminders_sent = 0
        by_reason[why].append(order)
    if not by_reason:
        return Expired()
    for why, group in by_reason.items():
        pks = [o.pk for o in group]
        Order.objects.filter(pk__any=pks).update(
            status=Status.CANCELLED,
            cancel_reason=why,
            cancel_comment="",
            cancelled_by=ActorKind.PLATFORM,
            status_changed_at=now,
            excellent_deadline=None,
            acceptable_deadline=None,
            next_check_at=None,
            reminders_sent=0,
        )
        record_saved(Order, pks, date=now, actor=actor, action="expire", reason=why)
    for order in orders:
        order._update_initial_state()  # saved above: a later save() of this copy starts from `cancelled`
    from ..requests.outcomes import close_open_requests  # it imports this module

    close_open_requests(orders, now=now)  # their open requests lapse, disputes close (docs/rules.md §6)
    # Charged as if the order had been completed (docs/rules.md §4).
    charge_orders(orders, FeeCharge.Kind.EXPIRED, platform.fee_percent, at=clock.now())
    __import__("orders.performance").performance.orders_ended(orders, now=now)  # docs/rules.md §10
    notify_expired(orders, items=_message_items(orders))
    # Last, so the offers' row locks (shared with sellers and other sweeps) are held briefly.
    return_stock(orders, actor, "expire", now=now)
    restricted = restrict_stores(
        {o.store_id for o in orders if not o.store.offers_hidden}, now=now, platform=platform, actor=actor
    )
    return Expired(orders=list(orders), restricted_stores=restricted)


def _message_items(orders: list[Order]) -> dict[int, list[dict]]:
    """The orders' items as the buyers' messages show them (notifications.rendering.buyer_view),
    read for the batch in one query of plain values: no model or queryset per item or order."""
    by_order: dict[int, list[dict]] = {o.pk: [] for o in orders}
    rows = OrderItem.objects.filter(order_id__any=list(by_order)).order_by("id").values_list(*MESSAGE_ITEM_FIELDS)
    for order_id, title, price, quantity in rows:
        by_order[order_id].append(
            {"title": title, "quantity": quantity, "price": price, "line_total": price * quantity}
        )
    return by_order


def order_expire(*, order: Order, reason: str | None = None, expected_status: str | None = None) -> Order:
    """One order's expiry, the platform's decision now (its deadline is not checked): the same
    path as the sweep's batches."""
    with atomic():
        order = lock_order(order)
        if expected_status is not None and order.status != expected_status:
            raise RuleViolation(_("The order changed meanwhile; nothing to do."), code="stale")
        orders_expire([order], now=clock.now(), platform=current_platform(), reason=reason)
    return order


def return_stock(
    orders: list[Order],
    actor: Actor,
    action: str,
    *,
    corrections: dict[int, int] | None = None,
    now: datetime | None = None,
) -> None:
    """Put the cancelled orders' items back in stock (docs/rules.md §5), the offer rows locked in
    id order (no deadlock with a seller or another sweep), in one UPDATE with its history rows:
    on PostgreSQL one statement that sums the items per offer in the database (a sweep batch's
    hundreds of items are never loaded), the history rows copied by `record_saved`.
    `corrections` (out_of_stock) sets an offer's stock to the seller's count instead.

    Called before the order's own status changes. Goods already with a carrier are not back in
    the store (docs/rules.md §8): such an order only records that their return is expected
    (`return_expected_since`, saved with the order by the caller); `order_return_received` puts
    them back when the carrier reports the return delivered or the seller confirms it."""
    corrections = corrections or {}
    now = now or clock.now()
    in_store = []
    for order in orders:
        if goods_with_carrier(order):
            order.return_expected_since = now
        else:
            in_store.append(order.pk)
    if not in_store and not corrections:
        return
    if connection.vendor == "postgresql":
        offers = _return_stock_in_sql(in_store, corrections, now)
        if offers:  # their history rows copied by the database, stamped like a save's
            record_saved(Offer, offers, date=now, actor=actor, action=action)
        return
    back: dict[int, int] = defaultdict(int)
    if in_store:
        for offer_id, quantity in OrderItem.objects.filter(order__in=in_store).values_list("offer_id", "quantity"):
            back[offer_id] += quantity
    offers = list(Offer.objects.select_for_update().filter(pk__in={*back, *corrections}).order_by("pk"))
    for offer in offers:
        offer.stock = corrections[offer.pk] if offer.pk in corrections else offer.stock + back[offer.pk]
        offer.updated_at = now
        stamp(offer, actor, action)
    Offer.objects.bulk_update(offers, ["stock", "updated_at"])
    # bulk_history_create sends no signal: the stamp goes in as the rows' own values.
    stamped = {"actor_kind": str(actor.kind), "action": action}
    Offer.history.bulk_history_create(
        offers, update=True, default_date=now, custom_historical_attrs=stamped if _has_stamp(Offer) else None
    )


# The stock back of a batch in one statement (PostgreSQL): the items summed per offer, the
# seller's counts (`corrections`), the offers locked in id order first (MATERIALIZED: the lock
# is taken before the UPDATE, in that order, so no deadlock with a seller or another sweep).
_RETURN_STOCK_SQL = """
    WITH back AS (
        SELECT offer_id, sum(quantity) AS quantity FROM {items}
        WHERE order_id = ANY(%(orders)s) AND offer_id IS NOT NULL GROUP BY offer_id
    ), fixed AS (
        SELECT * FROM unnest(%(fixed_ids)s::bigint[], %(fixed_stock)s::integer[]) AS f(offer_id, stock)
    ), change AS (
        SELECT coalesce(b.offer_id, f.offer_id) AS offer_id, b.quantity, f.stock
        FROM back b FULL JOIN fixed f ON f.offer_id = b.offer_id
    ), locked AS MATERIALIZED (
        SELECT o.id FROM {offers} o JOIN change c ON c.offer_id = o.id ORDER BY o.id FOR UPDATE OF o
    )
    UPDATE {offers} o SET stock = coalesce(c.stock, o.stock + c.quantity), updated_at = %(now)s
    FROM change c JOIN locked l ON l.id = c.offer_id WHERE o.id = c.offer_id RETURNING o.id
"""


def _return_stock_in_sql(order_ids: list[int], corrections: dict[int, int], now: datetime) -> list[int]:
    """The offers' stock back (docs/rules.md §5) with no Python per item or offer; returns the offers changed."""
    sql = _RETURN_STOCK_SQL.format(items=OrderItem._meta.db_table, offers=Offer._meta.db_table)
    params = {
        "orders": order_ids,
        "fixed_ids": list(corrections),
        "fixed_stock": list(corrections.values()),
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def goods_with_carrier(order: Order) -> bool:
    """The order's goods are with a carrier: it is in delivery by a carrier (a tracking number
    given), not the store's courier (docs/rules.md §8)."""
    return order.status == Status.IN_DELIVERY and order.delivery_method in CARRIER_METHODS


def _has_stamp(model) -> bool:
    return issubclass(model.history.model, HistoryContext)


def restrict_stores(store_ids: set[int], *, now: datetime, platform: Platform, actor: Actor) -> list[int]:
    """A store that keeps letting orders expire gets its offers hidden (docs/rules.md §4): the
    stores among `store_ids` with at least the policy's count of expiries in its window."""
    if not store_ids:
        return []
    since = now - timedelta(days=platform.expiry_restrict_days)
    counts = (
        Order.objects.filter(store_id__in=store_ids, cancel_reason__in=EXPIRY_REASONS, status_changed_at__gte=since)
        .values("store_id")
        .annotate(n=Count("id"))
    )
    over = [row["store_id"] for row in counts if row["n"] >= platform.expiry_restrict_count]
    if not over:
        return []
    reason = _("%(count)s or more orders expired within %(days)s days.") % {
        "count": platform.expiry_restrict_count,
        "days": platform.expiry_restrict_days,
    }
    restricted = []
    for store_id in sorted(Store.objects.filter(pk__in=over, offers_hidden=False).values_list("pk", flat=True)):
        store = store_hide_offers(actor=actor, store=store_id, reason=reason)
        if store is None:  # hidden meanwhile by somebody else, who told the store
            continue
        # Each restriction is its own occurrence: hidden, lifted and hidden again the same day is told twice.
        notify("store_offers_hidden", store=store, occurrence=f"hidden@{now.isoformat()}")
        restricted.append(store.pk)
    return restricted
