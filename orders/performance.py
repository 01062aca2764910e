"""What an ended order adds to its store's day (docs/rules.md §10, "Metrics"), the rebuild of the
aggregates from the orders, and the evaluation of the stores' standing.

`orders_ended(orders)` is called by every service that ends orders, after their rows and history
are saved, in the same transaction: it reads the batch's history, parcels and requests in three
queries and adds the counters with one UPSERT per batch (sellers.performance.models.StoreDay).
`contribution` is the one definition both that path and `rebuild` use, so the aggregates always
equal a recomputation from the orders (`rebuild_metrics --check`)."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from celery import shared_task
from django.db import connection, transaction
from django.db.models import Q

from marketplace import clock
from marketplace.calendar import platform as current_platform
from marketplace.db import load_timestamps_in_c, table
from sellers.performance.models import COUNTERS, StoreDay
from sellers.performance.standing import store_evaluate

from .choices import CARRIER_METHODS, EXPIRY_REASONS, OPEN_STATUSES, REASONS, CancelReason, Status
from .models import HistoricalOrder, Order, OrderRequest, Parcel
from .requests.models import RequestKind, RequestState
from .rows import update_rows

log = logging.getLogger(__name__)
KYIV = ZoneInfo("Europe/Kyiv")
SHIPPED = (Status.IN_DELIVERY, Status.AWAITING_PICKUP)
# Statuses with an excellent and an acceptable time of their own (docs/rules.md §4); the shipping
# statuses' acceptable time is the ship-by day: the late shipment rate measures it.
TIMED = (Status.NEW, Status.ACCEPTED)
ORDER_FIELDS = ("id", "store_id", "status", "cancel_reason", "status_changed_at", "delivery_method", "deliver_by")
HISTORY_FIELDS = ("id", "status", "history_date", "excellent_deadline", "acceptable_deadline", "ship_by")


def kyiv_date(moment: datetime) -> date:
    return moment.astimezone(KYIV).date()


def _against_seller(reason: str) -> bool:
    rule = REASONS.get(reason)
    return bool(rule and rule.against_seller)


def contribution(
    order: dict,
    history: list[dict],
    parcel: dict | None,
    requests: list[dict],
    late_days: int,
    dues: dict[int, date] | None = None,
) -> Counter:
    """The counters one ended order adds to the day it ended (docs/rules.md §10):
    `order` its ORDER_FIELDS, `history` its rows in order, `parcel` its best carrier parcel found by
    the time the order ended (scheduled_delivery) or None, `requests` the buyers' requests the store
    had to answer. The agreed delivery date of an order received from delivery is its `deliver_by`
    once saved; else it is worked out here (with `late_days`) and put into `dues` to be saved."""
    c = Counter(orders=1)
    status, reason = order["status"], order["cancel_reason"]
    if status == Status.RECEIVED:
        c["received"] = 1
    else:
        rule = REASONS.get(reason)
        c["expired"] = int(reason in EXPIRY_REASONS)
        c["seller_fault"] = int(bool(rule and rule.against_seller))
        c["buyer_cancelled"] = int(reason == CancelReason.BUYER_CANCELLED)
        c["mutual"] = int(reason == CancelReason.MUTUAL)
    last = None
    shipped_row = None
    for row in history:
        if last is not None and row["status"] != last["status"]:
            left = last["status"]
            if left in TIMED and (row["status"] != Status.CANCELLED or _against_seller(reason)):
                at = row["history_date"]
                prefix = str(left)
                c[f"{prefix}_left"] += 1
                c[f"{prefix}_excellent"] += int(last["excellent_deadline"] is None or at < last["excellent_deadline"])
                c[f"{prefix}_acceptable"] += int(
                    last["acceptable_deadline"] is None or at < last["acceptable_deadline"]
                )
            if row["status"] in SHIPPED and shipped_row is None:
                shipped_row = row
        last = row
    if shipped_row is not None:
        c["shipped"] = 1
        ship_by = shipped_row["ship_by"]
        c["shipped_late"] = int(ship_by is not None and kyiv_date(shipped_row["history_date"]) > ship_by)
        if shipped_row["status"] == Status.IN_DELIVERY:
            if order["delivery_method"] in CARRIER_METHODS:
                c["carrier_shipped"] = 1
                c["tracking_valid"] = int(parcel is not None)
            if status == Status.RECEIVED:
                c["delivered"] = 1
                agreed = (
                    order.get("deliver_by")
                    or (parcel or {}).get("scheduled_delivery")
                    or (ship_by + timedelta(days=late_days) if ship_by else None)
                )
                if dues is not None and agreed is not None and order.get("deliver_by") is None:
                    dues[order["id"]] = agreed
                c["delivered_on_time"] = int(agreed is None or kyiv_date(order["status_changed_at"]) <= agreed)
    c["requests"] = len(requests)
    c["requests_answered"] = sum(
        1 for r in requests if r["answered_at"] is not None and r["answered_at"] < r["expires_at"]
    )
    return +c  # zeros dropped


def _plain(queryset, fields: tuple[str, ...], sql: str, params: list) -> list[dict]:
    """Rows of `fields` as dicts: on PostgreSQL `sql` (our own, one array parameter of ids) read by a
    plain cursor with psycopg's own (C) timestamp loader — Django's Python loader, its per-field
    converters and a placeholder per id were a fifth of an expiry batch's time (issue 16), for the
    same aware datetimes; elsewhere (SQLite converts its text dates) the equivalent `queryset`."""
    if connection.vendor != "postgresql":
        return list(queryset.values(*fields))
    with connection.cursor() as cursor:
        raw = cursor.cursor
        load_timestamps_in_c(raw)
        raw.execute(sql, params)
        return [dict(zip(fields, row, strict=True)) for row in raw.fetchall()]


PARCEL_FIELDS = ("order_id", "scheduled_delivery", "found_at")
REQUEST_FIELDS = ("order_id", "answered_at", "expires_at")


def _facts(orders: list[dict]):
    """History, found parcels and requests of the orders: three queries. A parcel counts as found
    when the carrier found it by the time its order ended: one found later (a cancelled order's
    parcel followed for its return) does not change the order's past day."""
    order_ids = [o["id"] for o in orders]
    ended_at = {o["id"]: o["status_changed_at"] for o in orders}
    history: dict[int, list[dict]] = defaultdict(list)
    rows = _plain(
        HistoricalOrder.objects.filter(id__in=order_ids).order_by("id", "history_date", "history_id"),
        HISTORY_FIELDS,
        f"SELECT {', '.join(HISTORY_FIELDS)} FROM {table(HistoricalOrder)} "  # noqa: S608 - our names
        "WHERE id = ANY(%s) ORDER BY id, history_date, history_id",
        [order_ids],
    )
    for row in rows:
        history[row["id"]].append(row)
    parcels: dict[int, dict] = {}
    rows = _plain(
        Parcel.objects.filter(order_id__in=order_ids, found_at__isnull=False).order_by(
            "order_id", "-active", "-created_at"
        ),
        PARCEL_FIELDS,
        f"SELECT {', '.join(PARCEL_FIELDS)} FROM {table(Parcel)} "  # noqa: S608 - our names
        "WHERE order_id = ANY(%s) AND found_at IS NOT NULL ORDER BY order_id, active DESC, created_at DESC",
        [order_ids],
    )
    for row in rows:
        if row["found_at"] <= ended_at[row["order_id"]]:
            parcels.setdefault(row["order_id"], row)
    requests: dict[int, list[dict]] = defaultdict(list)
    rows = _plain(
        OrderRequest.objects.filter(order_id__in=order_ids, kind=RequestKind.BUYER_CANCEL).exclude(
            state=RequestState.WITHDRAWN
        ),
        REQUEST_FIELDS,
        f"SELECT {', '.join(REQUEST_FIELDS)} FROM {table(OrderRequest)} "  # noqa: S608 - our names
        "WHERE order_id = ANY(%s) AND kind = %s AND state <> %s",
        [order_ids, str(RequestKind.BUYER_CANCEL), str(RequestState.WITHDRAWN)],
    )
    for row in rows:
        requests[row["order_id"]].append(row)
    return history, parcels, requests


def compute(
    orders: list[dict], late_days: int, *, reported=None, dues: dict[int, date] | None = None
) -> dict[tuple[int, date], Counter]:
    """The counters per (store, Kyiv day ended) of these ended orders (ORDER_FIELDS dicts);
    `reported`: parcels the carrier reported found that are not saved yet (orders_ended); `dues`:
    filled with the agreed delivery dates to save (contribution)."""
    history, parcels, requests = _facts(orders)
    parcels.update(reported or {})
    days: dict[tuple[int, date], Counter] = defaultdict(Counter)
    for order in orders:
        key = (order["store_id"], kyiv_date(order["status_changed_at"]))
        days[key].update(
            contribution(order, history[order["id"]], parcels.get(order["id"]), requests[order["id"]], late_days, dues)
        )
    return days


_UPSERT = """
    INSERT INTO {table} (store_id, day, {columns}) VALUES {values}
    ON CONFLICT (store_id, day) DO UPDATE SET {updates}
"""


def add(days: dict[tuple[int, date], Counter]) -> None:
    """Add the counters to the stores' days: one statement for the batch."""
    if not days:
        return
    table = StoreDay._meta.db_table
    columns = ", ".join(COUNTERS)
    placeholders = "(" + ", ".join(["%s"] * (len(COUNTERS) + 2)) + ")"
    values, params = [], []
    for (store_id, day), counters in sorted(days.items()):
        values.append(placeholders)
        params += [store_id, day, *(counters.get(name, 0) for name in COUNTERS)]
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in COUNTERS)
    sql = _UPSERT.format(table=table, columns=columns, values=", ".join(values), updates=updates)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def orders_ended(orders, *, now: datetime | None = None, parcels: dict[int, dict] | None = None) -> None:
    """The services' one call as orders end (terminal status saved, history written): their
    counters go into their stores' days in the caller's transaction. `parcels`: the parcel the
    carrier just reported found for an order ({order_id: {"scheduled_delivery": …}}), when the
    tracking batch saves its parcels after ending the orders."""
    ended = [o for o in orders if o.status not in OPEN_STATUSES]
    if not ended:
        return
    facts = [{name: getattr(o, name) for name in ORDER_FIELDS} for o in ended]
    dues: dict[int, date] = {}
    add(compute(facts, current_platform().late_delivery_after_days, reported=parcels, dues=dues))
    # The agreed delivery dates are kept on the orders: a later policy edit or carrier report does
    # not move their past day.
    kept = [o for o in ended if o.pk in dues]
    for order in kept:
        order.deliver_by = dues[order.pk]
    update_rows(Order, kept, ["deliver_by"])  # nothing to do for none
    if any(o.cancel_reason in EXPIRY_REASONS for o in ended):
        # After expiries the thresholds are looked at at once (docs/rules.md §10), once committed.
        # In the worker, not in the sweep's own pass: a batch of expiries is not held up by it.
        stores = sorted({o.store_id for o in ended if o.cancel_reason in EXPIRY_REASONS})
        transaction.on_commit(lambda: _queue_evaluation(stores))


def order_ended(order: Order) -> None:
    orders_ended([order])


def rebuild(*, chunk: int = 5000, store_ids=None) -> dict[tuple[int, date], Counter]:
    """The stores' days recomputed from every ended order (read only; `replace` writes them)."""
    late_days = current_platform().late_delivery_after_days
    ended = Order.objects.exclude(status__in=OPEN_STATUSES)
    if store_ids is not None:
        ended = ended.filter(store_id__in=store_ids)
    total: dict[tuple[int, date], Counter] = defaultdict(Counter)
    last = 0
    while True:
        batch = list(ended.filter(id__gt=last).order_by("id").values(*ORDER_FIELDS)[:chunk])
        if not batch:
            return total
        for key, counters in compute(batch, late_days).items():
            total[key].update(counters)
        last = batch[-1]["id"]


def stored(store_ids=None) -> dict[tuple[int, date], Counter]:
    rows = StoreDay.objects.all() if store_ids is None else StoreDay.objects.filter(store_id__in=store_ids)
    return {
        (row["store_id"], row["day"]): +Counter({name: row[name] for name in COUNTERS})
        for row in rows.values("store_id", "day", *COUNTERS)
    }


def differences(store_ids=None) -> list[tuple[int, date, dict, dict]]:
    """Where the stored days and a recomputation disagree: (store, day, stored, recomputed)."""
    fresh = {key: +counters for key, counters in rebuild(store_ids=store_ids).items()}
    fresh = {key: counters for key, counters in fresh.items() if counters}
    kept = {key: counters for key, counters in stored(store_ids).items() if counters}
    return [
        (key[0], key[1], dict(kept.get(key, {})), dict(fresh.get(key, {})))
        for key in sorted(set(fresh) | set(kept))
        if kept.get(key) != fresh.get(key)
    ]


def replace() -> int:
    """Rewrite every store's days from the orders, in one transaction; returns the days written."""
    with transaction.atomic():
        fresh = rebuild()
        StoreDay.objects.all().delete()
        StoreDay.objects.bulk_create(
            [
                StoreDay(store_id=store_id, day=day, **{name: counters.get(name, 0) for name in COUNTERS})
                for (store_id, day), counters in sorted(fresh.items())
            ],
            batch_size=2000,
        )
    return len(fresh)


def overdue_counts(store_ids, *, now: datetime | None = None) -> dict[int, int]:
    """Open orders past their acceptable deadline per store: the ones that expire or are about to
    (the store's own work; a parcel in delivery or waiting at a pickup point is not)."""
    now = now or clock.now()
    rows = (
        Order.objects.filter(
            Q(store_id__in=list(store_ids)),
            status__in=[s for s in OPEN_STATUSES if s not in SHIPPED],
            acceptable_deadline__lt=now,
        )
        .values_list("store_id")
        .order_by()
    )
    return Counter(store_id for (store_id,) in rows)


def evaluate_stores(store_ids=None, *, now: datetime | None = None) -> dict[str, list[int]]:
    """The thresholds applied to the stores (all with days or hidden offers, when None): what changed."""
    from sellers.models import Store

    now = now or clock.now()
    if store_ids is None:
        since = clock.today() - timedelta(days=90)
        store_ids = set(StoreDay.objects.filter(day__gte=since).values_list("store_id", flat=True).distinct())
        store_ids |= set(Store.objects.filter(offers_hidden=True).values_list("pk", flat=True))
    overdue = overdue_counts(store_ids, now=now)
    changed: dict[str, list[int]] = defaultdict(list)
    for store_id in sorted(store_ids):
        try:
            what = store_evaluate(store=store_id, overdue=overdue.get(store_id, 0), now=now)
        except Exception:  # one store's failure never stops the others
            log.exception("evaluating store %s failed", store_id)
            continue
        if what:
            changed[what].append(store_id)
    return dict(changed)


def _queue_evaluation(store_ids: list[int]) -> None:
    """Queue the stores' evaluation; never raises: with the broker down the hourly job looks at them."""
    try:
        evaluate_standing_of.apply_async((store_ids,), retry=False)
    except Exception as exc:
        log.warning("Could not queue the stores' evaluation (%s: %s); the hourly job will", type(exc).__name__, exc)


@shared_task(name="orders.performance.evaluate_standing_of", ignore_result=True)
def evaluate_standing_of(store_ids: list[int]) -> dict:
    """After expiries (queued once they are committed): those stores' standing (docs/rules.md §10)."""
    return evaluate_stores(store_ids)


@shared_task(name="orders.performance.evaluate_standing")
def evaluate_standing() -> dict:
    """Beat, hourly: every store's standing (docs/rules.md §10)."""
    return evaluate_stores()
