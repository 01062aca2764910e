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

from django.db.models import Count, prefetch_related_objects
from django.utils.translation import gettext as _

from marketplace import clock
from marketplace.actors import Actor, ActorKind
from marketplace.calendar import Platform
from marketplace.calendar import platform as current_platform
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.history import HistoryContext, record_saved, stamp
from notifications.services import notify, notify_expired
from orders.fees import build_charge
from sellers.models import FeeCharge, Offer, Store
from sellers.services import store_hide_offers

from .. import deadlines
from ..choices import EXPIRY_REASONS, REASONS, CancelReason, Status
from ..models import Order, OrderItem
from .base import atomic, lock_order, run_transition, status_label


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
    orders: list[Order], *, now: datetime, platform: Platform, reason: str | None = None, actor: Actor | None = None
) -> Expired:
    """Cancel `orders` (locked by the caller, store selected) for their expired deadline, each
    with `reason` or else the one its status's policy rule names. A refusal (a reason that is
    not the platform's or does not apply, a transition the status machine refuses) raises before
    anything is written."""
    actor = actor or Actor.platform()
    by_reason: dict[str, list[Order]] = defaultdict(list)
    for order in orders:
        why = reason or expiry_reason(order, platform)
        if why not in EXPIRY_REASONS:
            raise NotAllowed(_("The platform does not cancel for this reason."))
        check_reason_applies(order, why, ActorKind.PLATFORM)
        order.cancel_reason, order.cancel_comment, order.cancelled_by = why, "", ActorKind.PLATFORM
        run_transition(order, "cancel")
        order.status_changed_at = now
        deadlines.refresh(order, status_changed=True, p=platform)
        by_reason[why].append(order)
    if not by_reason:
        return Expired()
    for why, group in by_reason.items():
        pks = [o.pk for o in group]
        Order.objects.filter(pk__in=pks).update(
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
    # Charged as if the order had been completed (docs/rules.md §4).
    FeeCharge.objects.bulk_create([build_charge(o, FeeCharge.Kind.EXPIRED, platform.fee_percent) for o in orders])
    prefetch_related_objects(orders, "items")
    notify_expired(orders)
    # Last, so the offers' row locks (shared with sellers and other sweeps) are held briefly.
    return_stock(orders, actor, "expire", now=now)
    restricted = restrict_stores(
        {o.store_id for o in orders if not o.store.offers_hidden}, now=now, platform=platform, actor=actor
    )
    return Expired(orders=list(orders), restricted_stores=restricted)


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
    """Put the cancelled orders' items back in stock (docs/rules.md §5), one offer row at a time
    locked in id order (no deadlock with a seller or another sweep), in one UPDATE with its
    history rows. `corrections` (out_of_stock) sets an offer's stock to the seller's count instead."""
    corrections = corrections or {}
    now = now or clock.now()
    back: dict[int, int] = defaultdict(int)
    for offer_id, quantity in OrderItem.objects.filter(order__in=orders).values_list("offer_id", "quantity"):
        back[offer_id] += quantity
    offers = list(Offer.objects.select_for_update().filter(pk__in=back).order_by("pk"))
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
