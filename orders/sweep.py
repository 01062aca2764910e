"""The deadline sweep (SPEC §4, §8): reads only due rows through the `order_due` index,
claims them with FOR UPDATE SKIP LOCKED (a second sweep or a seller holding a row makes the
sweep pass over it), and applies the policy: expiry cancellation, reminders, pickup reminder.

Rows are handled in batches, one transaction per batch. If a batch fails, its rows are
retried one by one; a row that still fails is logged and pushed forward, so one bad row
never stops the sweep.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.db.models import Count
from django.utils.translation import gettext as _

from marketplace import clock
from marketplace.actors import Actor, ActorKind
from marketplace.calendar import Platform, platform
from marketplace.models import ProcessingPolicy
from notifications.services import notify, notify_expired, notify_many
from sellers.fees import build_charge
from sellers.models import FeeCharge, Offer, Store

from . import deadlines
from .choices import EXPIRY_REASONS, OPEN_STATUSES, Status
from .deadlines import Reminder
from marketplace.history import record_saved, stamp
from .models import Order, OrderItem
from .services.base import run_transition

logger = logging.getLogger(__name__)
OnExpiry = ProcessingPolicy.OnExpiry
CANCELS = {OnExpiry.CANCEL_PROCESSING: "processing_time_expired", OnExpiry.CANCEL_SHIPPING: "shipping_time_expired"}
RETRY_FAILED_AFTER = timedelta(minutes=10)


@dataclass
class SweepResult:
    expired: int = 0
    reminded: int = 0
    pickup_reminded: int = 0
    restricted_stores: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"expired {self.expired}, reminders {self.reminded}, pickup reminders {self.pickup_reminded}, "
                f"stores restricted {len(self.restricted_stores)}, failed rows {len(self.failed)}")


def _due(now: datetime):
    return (Order.objects.select_for_update(skip_locked=True, of=("self",)).select_related("store")
            .filter(status__in=OPEN_STATUSES, next_check_at__lte=now).order_by("next_check_at"))


def sweep(*, now: datetime | None = None, batch_size: int = 500) -> SweepResult:
    """One pass over everything due at `now`."""
    now = now or clock.now()
    p = platform()
    result = SweepResult()
    while True:
        try:
            with transaction.atomic():
                orders = list(_due(now)[:batch_size])
                _process(orders, now, p, result)
        except Exception:
            logger.exception("Deadline sweep: a batch failed; retrying its rows one by one")
            orders = _one_by_one(now, p, batch_size, result)
        if len(orders) < batch_size:
            return result


def _one_by_one(now, p, batch_size, result) -> list:
    with transaction.atomic():
        ids = list(_due(now).values_list("pk", flat=True)[:batch_size])
    for pk in ids:
        try:
            with transaction.atomic():
                orders = list(_due(now).filter(pk=pk))
                _process(orders, now, p, result)
        except Exception:
            logger.exception("Deadline sweep: order %s failed; pushed forward by %s", pk, RETRY_FAILED_AFTER)
            result.failed.append(pk)
            Order.objects.filter(pk=pk).update(next_check_at=now + RETRY_FAILED_AFTER)
    return ids


def _process(orders: list[Order], now: datetime, p: Platform, result: SweepResult) -> None:
    expiring: dict[str, list[Order]] = defaultdict(list)
    reminding: list[Order] = []
    for order in orders:
        rule = p.rules.get(order.status)
        if rule and order.acceptable_deadline and order.acceptable_deadline <= now and rule.on_expiry in CANCELS:
            expiring[CANCELS[rule.on_expiry]].append(order)
        else:
            reminding.append(order)
    if expiring:
        _expire(expiring, now, p, result)
    if reminding:
        _remind(reminding, now, p, result)


def _expire(by_reason: dict[str, list[Order]], now: datetime, p: Platform, result: SweepResult) -> None:
    """Cancel expired orders in bulk: fsm checks each one in memory, then one UPDATE per reason,
    stock returned, history, fee and outbox rows written in the same transaction."""
    actor = Actor.platform()
    orders = [order for group in by_reason.values() for order in group]
    for reason, group in by_reason.items():
        for order in group:
            order.cancel_reason, order.cancelled_by = reason, ActorKind.PLATFORM
            run_transition(order, "cancel")
            order.status_changed_at = now
            deadlines.refresh(order, status_changed=True, p=p)
        pks = [o.pk for o in group]
        Order.objects.filter(pk__in=pks).update(
            status=Status.CANCELLED, cancel_reason=reason, cancelled_by=ActorKind.PLATFORM, status_changed_at=now,
            excellent_deadline=None, acceptable_deadline=None, next_check_at=None, reminders_sent=0,
        )
        record_saved(Order, pks, date=now, actor=actor, action="expire", reason=reason)
    FeeCharge.objects.bulk_create([build_charge(o, FeeCharge.Kind.EXPIRED, p.fee_percent) for o in orders])
    prefetch_related_objects(orders, "items")
    notify_expired(orders)
    # Last, so the offers' row locks (shared with sellers and other sweeps) are held briefly.
    _return_stock(orders, actor)
    result.expired += len(orders)
    _restrict_stores({o.store_id for o in orders if not o.store.offers_hidden}, now, p, result)


def _return_stock(orders: list[Order], actor: Actor) -> None:
    back: dict[int, int] = defaultdict(int)
    for offer_id, quantity in OrderItem.objects.filter(order__in=orders).values_list("offer_id", "quantity"):
        back[offer_id] += quantity
    offers = list(Offer.objects.select_for_update().filter(pk__in=back).order_by("pk"))
    for offer in offers:
        offer.stock += back[offer.pk]
        stamp(offer, actor, "expire")
    Offer.objects.bulk_update(offers, ["stock"])
    Offer.history.bulk_history_create(offers, update=True)


def _restrict_stores(store_ids: set[int], now: datetime, p: Platform, result: SweepResult) -> None:
    """A store that keeps letting orders expire gets its offers hidden (SPEC §4)."""
    if not store_ids:
        return
    since = now - timedelta(days=p.expiry_restrict_days)
    counts = (Order.objects.filter(store_id__in=store_ids, cancel_reason__in=EXPIRY_REASONS,
                                   status_changed_at__gte=since)
              .values("store_id").annotate(n=Count("id")))
    over = [row["store_id"] for row in counts if row["n"] >= p.expiry_restrict_count]
    if not over:
        return
    stores = list(Store.objects.select_for_update().filter(pk__in=over, offers_hidden=False))
    for store in stores:
        store.offers_hidden = True
        store.offers_hidden_reason = _("%(count)s or more orders expired within %(days)s days.") % {
            "count": p.expiry_restrict_count, "days": p.expiry_restrict_days}
        store.save(update_fields=["offers_hidden", "offers_hidden_reason"])
        notify("store_offers_hidden", store=store)
        result.restricted_stores.append(store.pk)


def _remind(orders: list[Order], now: datetime, p: Platform, result: SweepResult) -> None:
    """Reminders, each exactly once per status: the excellent threshold passed, the deadline
    is near, a pickup order waits for days. Reminders are not order changes: no history row,
    the outbox keeps them. Each kind goes out for the whole batch at once."""
    due: dict[str, list[Order]] = defaultdict(list)
    for order in orders:
        excellent, acceptable, warn_at = deadlines.compute(order, p)
        sent = Reminder(order.reminders_sent)
        if acceptable and acceptable <= now and order.status == Status.AWAITING_PICKUP:
            if Reminder.PICKUP not in sent:
                due["pickup_reminder"].append(order)
                sent |= Reminder.PICKUP
                result.pickup_reminded += 1
        else:
            if excellent and excellent <= now and Reminder.EXCELLENT_PASSED not in sent:
                due["deadline_excellent_passed"].append(order)
                sent |= Reminder.EXCELLENT_PASSED
                result.reminded += 1
            if warn_at and warn_at <= now and Reminder.DEADLINE_NEAR not in sent:
                due["deadline_warning"].append(order)
                sent |= Reminder.DEADLINE_NEAR
                result.reminded += 1
        order.reminders_sent = int(sent)
        order.next_check_at = deadlines.next_check(order, excellent, acceptable, warn_at)
    if due:
        prefetch_related_objects([o for group in due.values() for o in group], "items")
    for event, group in due.items():
        notify_many(event, group)
    Order.objects.bulk_update(orders, ["reminders_sent", "next_check_at"])


def recompute_open_deadlines(*, chunk: int = 2000) -> int:
    """After an edit of the calendar or the policy: recompute the deadlines of open orders."""
    p = platform()
    done, last_pk = 0, 0
    while True:
        with transaction.atomic():
            orders = list(Order.objects.select_for_update().filter(status__in=OPEN_STATUSES, pk__gt=last_pk)
                          .order_by("pk")[:chunk])
            if not orders:
                return done
            for order in orders:
                deadlines.refresh(order, p=p)
            Order.objects.bulk_update(orders, ["excellent_deadline", "acceptable_deadline", "next_check_at"])
        done += len(orders)
        last_pk = orders[-1].pk
