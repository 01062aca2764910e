"""The deadline sweep (docs/rules.md §4, §8): reads only due rows through the `order_due` index,
claims them with FOR UPDATE SKIP LOCKED (a second sweep or a seller holding a row makes the
sweep pass over it), and applies the policy rule of each order's status (`on_expiry`): the
expiry cancellation (orders.services.expiry, the one expiry path), the reminders, the pickup
reminder.

Rows are handled in batches, one transaction per batch. If a batch fails, its rows are
retried one by one; a row that still fails is logged and pushed forward, so one bad row
never stops the sweep. Every row a batch handles leaves with `next_check_at` after `now` (or
NULL), so a pass reads each row once; a batch of rows this pass already handled means no
progress, and the pass stops with an error in the log instead of reading them again forever.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import prefetch_related_objects

from marketplace import clock
from marketplace.actors import Actor
from marketplace.calendar import Platform, platform
from marketplace.db import c_timestamps
from marketplace.history import record_saved
from marketplace.models import ProcessingPolicy
from notifications.services import notify_many
from sellers.models import Store

from . import deadlines, sweeping
from .choices import OPEN_STATUSES
from .deadlines import Reminder
from .models import Order
from .services.expiry import expiry_reason, orders_expire

logger = logging.getLogger(__name__)
OnExpiry = ProcessingPolicy.OnExpiry
RETRY_FAILED_AFTER = timedelta(minutes=10)


@dataclass
class SweepResult:
    expired: int = 0
    reminded: int = 0
    pickup_reminded: int = 0
    restricted_stores: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    stalled: bool = False  # the pass stopped: a batch held only rows it had already handled

    def __str__(self) -> str:
        return (
            f"expired {self.expired}, reminders {self.reminded}, pickup reminders {self.pickup_reminded}, "
            f"stores restricted {len(self.restricted_stores)}, failed rows {len(self.failed)}"
            + (", stopped: no progress" if self.stalled else "")
        )


def _due(now: datetime):
    return (
        Order.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status__in=OPEN_STATUSES, next_check_at__lte=now)
        .order_by("next_check_at")
    )


def _claim(query) -> list[Order]:
    """The claimed orders, each with its store: one statement claims the rows, the batch's few
    stores are read once and shared (a joined store per row built a Store model per order)."""
    with c_timestamps():  # five per order: Django's Python loader was a sixth of the claim
        orders = list(query)
    if orders:
        stores = Store.objects.in_bulk({order.store_id for order in orders})
        for order in orders:
            order.store = stores[order.store_id]
    return orders


def sweep(*, now: datetime | None = None, batch_size: int = 500) -> SweepResult:
    """One pass over everything due at `now` (the shared machinery: orders.sweeping)."""
    now = now or clock.now()
    p = platform()
    result = SweepResult()
    sweeping.run(_machinery(now, p, batch_size, result), result, batch_size=batch_size)
    return result


def _machinery(now: datetime, p: Platform, batch_size: int, result: SweepResult) -> sweeping.Machinery:
    # Module globals looked up at call time (the tests replace _due, _process, _remind).
    return sweeping.Machinery(
        claim=lambda only: _claim(_due(now)[:batch_size] if only is None else _due(now).filter(pk=only)),
        due_ids=lambda: _due(now).values_list("pk", flat=True)[:batch_size],
        process=lambda orders: _process(orders, now, p, result),
        push_forward=lambda pk: Order.objects.filter(pk=pk).update(next_check_at=now + RETRY_FAILED_AFTER),
        logger=logger,
        label="Deadline sweep",
        rows_name="orders",
        row_name="order",
    )


def _process(orders: list[Order], now: datetime, p: Platform, result: SweepResult) -> None:
    """What each row's policy rule says is due: an expiry when the rule cancels (and its reason
    applies to the status) and the deadline passed; the reminders otherwise."""
    expiring: list[Order] = []
    reminding: list[Order] = []
    reasons: dict[int, str] = {}  # looked up once per order, handed to orders_expire
    for order in orders:
        deadline = order.acceptable_deadline
        why = expiry_reason(order, p) if deadline is not None and deadline <= now else None
        if why:
            expiring.append(order)
            reasons[order.pk] = why
        else:
            reminding.append(order)
    if expiring:
        expired = orders_expire(expiring, now=now, platform=p, reasons=reasons)
        result.expired += len(expired.orders)
        result.restricted_stores.extend(expired.restricted_stores)
    if reminding:
        _remind(reminding, now, p, result)


def _remind(orders: list[Order], now: datetime, p: Platform, result: SweepResult) -> None:
    """Reminders, each exactly once per status (the deadline warning once per deadline): the
    excellent threshold passed, the deadline is near, and — where the rule says so — the
    reminder at the deadline (a pickup order waits for days). Reminders are not order changes:
    no history row, the outbox keeps them. Each kind goes out for the whole batch at once."""
    due: dict[str, list[Order]] = defaultdict(list)
    not_applied: set[tuple[str, str]] = set()
    for order in orders:
        warn_at = deadlines.compute(order, p)[2]
        excellent, acceptable = order.excellent_deadline, order.acceptable_deadline
        overdue = acceptable is not None and acceptable <= now
        action = deadlines.at_deadline(order, p)
        sent = Reminder(order.reminders_sent)
        if overdue and action == OnExpiry.REMIND_PICKUP and Reminder.PICKUP not in sent:
            due["pickup_reminder"].append(order)
            sent |= Reminder.PICKUP
            result.pickup_reminded += 1
        if excellent and excellent <= now and Reminder.EXCELLENT_PASSED not in sent:
            due["deadline_excellent_passed"].append(order)
            sent |= Reminder.EXCELLENT_PASSED
            result.reminded += 1
        if warn_at and warn_at <= now and Reminder.DEADLINE_NEAR not in sent:
            if not overdue:  # once the deadline passed, a warning before it says nothing
                due["deadline_warning"].append(order)
                result.reminded += 1
            sent |= Reminder.DEADLINE_NEAR
        if overdue and action is None and order.status in p.rules:
            not_applied.add((order.status, p.rules[order.status].on_expiry))
        order.reminders_sent = int(sent)
        order.next_check_at = deadlines.next_check(order, excellent, acceptable, warn_at, p)
        if order.next_check_at is not None and order.next_check_at <= now:
            logger.error(
                "Deadline sweep: order %s would be due again at %s after its reminders; pushed forward by %s",
                order.pk,
                order.next_check_at,
                RETRY_FAILED_AFTER,
            )
            order.next_check_at = now + RETRY_FAILED_AFTER
    for status, on_expiry in sorted(not_applied):
        logger.warning(
            "Deadline sweep: the policy for “%s” says “%s” at the deadline, which does not apply to "
            "that status; nothing done (fix the processing policy)",
            status,
            on_expiry,
        )
    if due:
        prefetch_related_objects([o for group in due.values() for o in group], "items")
    for event, group in due.items():
        if event == "deadline_warning":
            # One warning per deadline: a moved deadline (a new ship-by date) is warned about again.
            notify_many(event, group, occurrence=lambda order: f"deadline@{order.acceptable_deadline.isoformat()}")
        else:
            notify_many(event, group)
    Order.objects.bulk_update(orders, ["reminders_sent", "next_check_at"])


DEADLINE_FIELDS = ("excellent_deadline", "acceptable_deadline")


def recompute_open_deadlines(*, chunk: int = 2000) -> int:
    """After an edit of the calendar or the policy: recompute the deadlines of open orders.

    Only rows that change are written; those whose deadlines moved get their history row
    (action "deadlines", by the platform) copied by the database, like every other change of
    a deadline: what the deadline was when, is what an expiry and its fee are judged by.
    Returns how many open orders were looked at."""
    p = platform()
    actor = Actor.platform()
    done, last_pk = 0, 0
    while True:
        with transaction.atomic():
            orders = list(
                Order.objects.select_for_update()
                .filter(status__in=OPEN_STATUSES, pk__gt=last_pk)
                .order_by("pk")[:chunk]
            )
            if not orders:
                return done
            changed, moved = [], []
            for order in orders:
                before = [getattr(order, name) for name in (*DEADLINE_FIELDS, "next_check_at", "reminders_sent")]
                deadlines.refresh(order, p=p)
                after = [getattr(order, name) for name in (*DEADLINE_FIELDS, "next_check_at", "reminders_sent")]
                if after != before:
                    changed.append(order)
                    if after[:2] != before[:2]:
                        moved.append(order.pk)
            if changed:
                Order.objects.bulk_update(changed, [*DEADLINE_FIELDS, "next_check_at", "reminders_sent"])
            if moved:
                record_saved(Order, moved, date=clock.now(), actor=actor, action="deadlines")
        done += len(orders)
        last_pk = orders[-1].pk
