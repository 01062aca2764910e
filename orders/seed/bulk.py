"""Many orders fast, for benchmarks (`seed_demo --orders N`).

Rows are generated in Python with a realistic mix (≈90 % received or cancelled over the last
90 days, ≈10 % open and recent) and written batch by batch, one transaction per batch:
- PostgreSQL: psycopg 3 `COPY … FROM STDIN` into orders_order, orders_orderitem and
  orders_historicalorder. Order ids are reserved from the table's sequence (`nextval`) before
  the COPY, so the sequence is right by construction; `setval` at the end only moves it
  forward (to MAX(id) if something wrote ids past it), and ANALYZE refreshes the statistics.
- other databases (SQLite in development): `bulk_create` in batches.

Open orders get their deadline columns exactly as the services compute them on entering the
status (orders.deadlines), so the cabinet's countdowns and the sweep see them; the overdue
ones are what the sweep expires on its next run.

History: each order gets the row of its placement (`place`, by the buyer, status `new`) and,
unless it is still new, one row of its last transition with its final state, so the admin's
timeline and History show "placed → current status". Item history, stock, fees and
notifications are not written: this is benchmark data, not business.

The COPY column lists name only what is set here. Any other NOT NULL column (say, one a later
migration adds) takes its model default, evaluated once per batch, unless it has a database
default; a NOT NULL column with neither stops the run naming the column.
"""

from __future__ import annotations

import base64
import bisect
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from operator import itemgetter
from random import Random

from django.db import connection, transaction
from django.db.models import NOT_PROVIDED

from marketplace import clock
from marketplace.actors import ActorKind
from marketplace.calendar import platform
from sellers.models import Offer, Store, StoreMember

from .. import deadlines
from ..choices import OPEN_STATUSES, CancelReason, DeliveryMethod, PaymentMethod, Status
from ..models import HistoricalOrder, Order, OrderItem
from ..tracking.parcels import track_open_parcels
from . import people

# Final status → weight. ≈90 % terminal.
STATUS_MIX = {
    Status.RECEIVED: 700,
    Status.CANCELLED: 200,
    Status.NEW: 20,
    Status.ACCEPTED: 20,
    Status.CONFIRMED: 15,
    Status.AWAITING_SHIPMENT: 15,
    Status.IN_DELIVERY: 20,
    Status.AWAITING_PICKUP: 10,
}
CANCEL_MIX = {
    CancelReason.BUYER_CANCELLED: 30,
    CancelReason.BUYER_UNREACHABLE: 15,
    CancelReason.OUT_OF_STOCK: 12,
    CancelReason.PROCESSING_TIME_EXPIRED: 10,
    CancelReason.BUYER_CHANGED_MIND: 8,
    CancelReason.BUYER_NOT_PICKED_UP: 6,
    CancelReason.OTHER: 6,
    CancelReason.SHIPPING_TIME_EXPIRED: 5,
    CancelReason.LATE_DELIVERY: 4,
    CancelReason.MUTUAL: 4,
}
CANCELLED_BY = {
    CancelReason.BUYER_CANCELLED: ActorKind.BUYER,
    CancelReason.LATE_DELIVERY: ActorKind.BUYER,
    CancelReason.MUTUAL: ActorKind.BUYER,
    CancelReason.PROCESSING_TIME_EXPIRED: ActorKind.PLATFORM,
    CancelReason.SHIPPING_TIME_EXPIRED: ActorKind.PLATFORM,
    CancelReason.BUYER_CHANGED_MIND: ActorKind.CARRIER,
}
OTHER_COMMENTS = [
    "Покупець просить інший колір, якого немає.",
    "Товар пошкоджено на складі.",
    "Покупець оформив замовлення двічі.",
]
# The transition that led to each open status, and who made it.
LAST_ACTION = {
    Status.ACCEPTED: ("accept", ActorKind.SELLER),
    Status.CONFIRMED: ("confirm", ActorKind.SELLER),
    Status.AWAITING_SHIPMENT: ("pack", ActorKind.SELLER),
    Status.IN_DELIVERY: ("ship", ActorKind.SELLER),
    Status.AWAITING_PICKUP: ("ready_for_pickup", ActorKind.SELLER),
}
# How long ago an order now in each status was placed, in seconds (min, max).
AGE = {
    Status.NEW: (0, 3 * 3600),
    Status.ACCEPTED: (0, 8 * 3600),
    Status.CONFIRMED: (2 * 3600, 3 * 86400),
    Status.AWAITING_SHIPMENT: (2 * 3600, 3 * 86400),
    Status.IN_DELIVERY: (86400, 5 * 86400),
    Status.AWAITING_PICKUP: (86400, 4 * 86400),
    Status.RECEIVED: (2 * 86400, 90 * 86400),
    Status.CANCELLED: (0, 90 * 86400),
}
PAYMENTS = [PaymentMethod.CASH_ON_DELIVERY] * 12 + [PaymentMethod.CARD_ONLINE] * 7 + [PaymentMethod.BANK_TRANSFER]
LANGUAGES = ["uk"] * 16 + ["ru"] * 3 + ["en"]
LINE_COUNTS = [1] * 6 + [2] * 3 + [3]
QUANTITIES = [1] * 16 + [2] * 3 + [3]

ORDER_COLUMNS = [
    "id",
    "store_id",
    "status",
    "created_at",
    "status_changed_at",
    "buyer_name",
    "buyer_phone",
    "buyer_email",
    "buyer_language",
    "public_token",
    "delivery_method",
    "delivery_branch",
    "delivery_address",
    "delivery_cost",
    "ship_by",
    "ttn",
    "courier_phone",
    "courier_visit_at",
    "payment_method",
    "items_total",
    "total",
    "cancel_reason",
    "cancel_comment",
    "cancelled_by",
    "excellent_deadline",
    "acceptable_deadline",
    "next_check_at",
]
ITEM_COLUMNS = ["order_id", "offer_id", "title", "sku", "price", "quantity"]
_HISTORY_FIELDS = {f.attname for f in HistoricalOrder._meta.concrete_fields}
HISTORY_COLUMNS = [c for c in ORDER_COLUMNS if c in _HISTORY_FIELDS] + [
    "actor_kind",
    "action",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
]
TOKEN_BYTES = 24  # as orders.models.new_public_token: 192 random bits, 32 URL-safe characters


def _plain(mapping: dict) -> dict:
    """Plain-string keys and values: hashing an Enum member runs Python code, a str does not."""
    return {str(key): str(value) if isinstance(value, str) else value for key, value in mapping.items()}


STATUS_MIX, CANCEL_MIX, CANCELLED_BY, AGE = map(_plain, (STATUS_MIX, CANCEL_MIX, CANCELLED_BY, AGE))
LAST_ACTION = {str(status): (action, str(kind)) for status, (action, kind) in LAST_ACTION.items()}
PAYMENTS = [str(method) for method in PAYMENTS]
OPEN = frozenset(str(status) for status in OPEN_STATUSES)
NEW, ACCEPTED, CANCELLED, RECEIVED = str(Status.NEW), str(Status.ACCEPTED), str(Status.CANCELLED), str(Status.RECEIVED)
IN_DELIVERY, AWAITING_PICKUP = str(Status.IN_DELIVERY), str(Status.AWAITING_PICKUP)
NOVA_POSHTA, COURIER, PICKUP = str(DeliveryMethod.NOVA_POSHTA), str(DeliveryMethod.COURIER), str(DeliveryMethod.PICKUP)
SELLER, BUYER, CARRIER = str(ActorKind.SELLER), str(ActorKind.BUYER), str(ActorKind.CARRIER)
NOT_PICKED_UP, CHANGED_MIND = str(CancelReason.BUYER_NOT_PICKED_UP), str(CancelReason.BUYER_CHANGED_MIND)
OTHER = str(CancelReason.OTHER)


def _cumulative(mix: dict) -> tuple[list, list[float]]:
    total = sum(mix.values())
    keys, bounds, running = list(mix), [], 0
    for key in keys:
        running += mix[key]
        bounds.append(running / total)
    return keys, bounds


def money(kopecks: int) -> str:
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def tokens(count: int) -> list[str]:
    """`count` public tokens, each like secrets.token_urlsafe(24), from one urandom call."""
    text = base64.urlsafe_b64encode(secrets.token_bytes(TOKEN_BYTES * count)).decode()
    size = TOKEN_BYTES * 4 // 3
    return [text[i * size : (i + 1) * size] for i in range(count)]


def _default_columns(model, named: list[str]) -> dict[str, object]:
    """NOT NULL columns not in `named` and without a database default: their model default."""
    extra = {}
    for field in model._meta.concrete_fields:
        if field.attname in named or field.null or field.primary_key:
            continue
        if getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
            continue
        if not field.has_default() and not (field.blank and field.empty_strings_allowed):
            raise RuntimeError(
                f"{model._meta.db_table}.{field.column} is NOT NULL without a default: "
                "orders/seed/bulk.py does not know what to write there."
            )
        extra[field.attname] = field.get_db_prep_save(field.get_default(), connection)
    return extra


@dataclass
class StoreStock:
    store_id: int
    seller_id: int | None
    offers: list[tuple[int, str, str, int]]  # id, title, sku, price in kopecks


def load_stores(stores: list[Store]) -> list[StoreStock]:
    result = []
    for store in stores:
        offers = [(o.pk, o.title, o.sku, int(o.price * 100)) for o in Offer.objects.filter(store=store).order_by("pk")]
        if not offers:
            raise ValueError(f"Store {store.slug!r} has no offers to order.")
        seller = StoreMember.objects.filter(store=store).order_by("role", "pk").values_list("user_id", flat=True)
        result.append(StoreStock(store.pk, seller.first(), offers))
    return result


class _DeadlineProbe:
    """What orders.deadlines reads and writes, without a model instance (fast)."""

    __slots__ = (
        "status",
        "status_changed_at",
        "ship_by",
        "reminders_sent",
        "excellent_deadline",
        "acceptable_deadline",
        "next_check_at",
    )

    def __init__(self, status, status_changed_at, ship_by):
        self.status, self.status_changed_at, self.ship_by, self.reminders_sent = status, status_changed_at, ship_by, 0


class Generator:
    """Consistent rows of one order at a time: the order, its items, its history."""

    def __init__(self, stores: list[StoreStock], *, seed: int | None = None, now=None):
        self.rng = Random(seed)
        self.stores = stores
        self.now = now or clock.now()
        self.statuses, self.status_bounds = _cumulative(STATUS_MIX)
        self.reasons, self.reason_bounds = _cumulative(CANCEL_MIX)
        self.platform = platform()

    def order(self, order_id: int | None, token: str) -> tuple[dict, list[dict], list[dict]]:
        rng = self.rng
        r = rng.random
        now = self.now
        store = self.stores[int(r() * len(self.stores))]
        status = self.statuses[bisect.bisect(self.status_bounds, r())]
        cancelled = status == CANCELLED
        reason = self.reasons[bisect.bisect(self.reason_bounds, r())] if cancelled else ""
        low, high = AGE[status]
        created = now - timedelta(seconds=low + (high - low) * r())
        changed = created if status == NEW else min(now, created + timedelta(seconds=600 + 345_000 * r()))

        if status == AWAITING_PICKUP or reason == NOT_PICKED_UP:
            method = PICKUP
        elif reason == CHANGED_MIND:
            method = NOVA_POSHTA
        else:
            roll = r()
            method = NOVA_POSHTA if roll < 0.7 else (COURIER if roll < 0.85 or status == IN_DELIVERY else PICKUP)
        carrier, courier = method == NOVA_POSHTA, method == COURIER

        offers = store.offers
        count = min(len(offers), LINE_COUNTS[int(r() * 10)])
        first = int(r() * len(offers))
        items, items_total = [], 0
        for offer_id, title, sku, price in (offers[(first + i) % len(offers)] for i in range(count)):
            quantity = QUANTITIES[int(r() * 20)]
            items_total += price * quantity
            items.append(
                {
                    "order_id": order_id,
                    "offer_id": offer_id,
                    "title": title,
                    "sku": sku,
                    "price": money(price),
                    "quantity": quantity,
                }
            )

        agreed = status not in (NEW, ACCEPTED) and not (cancelled and r() < 0.5)
        delivery_cost = ship_by = None
        if agreed:
            delivery_cost = (8000 if items_total < 150_000 else 0) if carrier else (15000 if courier else 0)
            ship_by = (created + timedelta(days=1 + int(r() * 3))).date()
        shipped = status in (IN_DELIVERY, RECEIVED) or reason == CHANGED_MIND
        name, phone, email = people.buyer(rng)
        row = {
            "id": order_id,
            "store_id": store.store_id,
            "status": status,
            "created_at": created,
            "status_changed_at": changed,
            "buyer_name": name,
            "buyer_phone": phone,
            "buyer_email": email,
            "buyer_language": LANGUAGES[int(r() * 20)],
            "public_token": token,
            "delivery_method": method,
            "delivery_branch": people.branch(rng) if carrier else "",
            "delivery_address": people.address(rng) if courier else "",
            "delivery_cost": None if delivery_cost is None else money(delivery_cost),
            "ship_by": ship_by,
            "ttn": people.ttn(rng) if shipped and carrier else "",
            "courier_phone": people.phone(rng) if shipped and courier else "",
            "courier_visit_at": changed if shipped and courier else None,
            "payment_method": PAYMENTS[int(r() * 20)],
            "items_total": money(items_total),
            "total": money(items_total + (delivery_cost or 0)),
            "cancel_reason": reason,
            "cancel_comment": OTHER_COMMENTS[int(r() * 3)] if reason == OTHER else "",
            "cancelled_by": CANCELLED_BY.get(reason, SELLER) if cancelled else "",
            "excellent_deadline": None,
            "acceptable_deadline": None,
            "next_check_at": None,
        }
        if status in OPEN:
            probe = _DeadlineProbe(status, changed, ship_by)
            deadlines.refresh(probe, status_changed=True, p=self.platform)
            row["excellent_deadline"] = probe.excellent_deadline
            row["acceptable_deadline"] = probe.acceptable_deadline
            row["next_check_at"] = probe.next_check_at
        return row, items, self._history(row, store)

    def _history(self, row: dict, store: StoreStock) -> list[dict]:
        placed = dict(
            row,
            status=NEW,
            status_changed_at=row["created_at"],
            delivery_cost=None,
            ship_by=None,
            ttn="",
            courier_phone="",
            courier_visit_at=None,
            total=row["items_total"],
            cancel_reason="",
            cancel_comment="",
            cancelled_by="",
            excellent_deadline=None,
            acceptable_deadline=None,
            actor_kind=BUYER,
            action="place",
            history_date=row["created_at"],
            history_change_reason=None,
            history_type="+",
            history_user_id=None,
        )
        status = row["status"]
        if status == NEW:
            return [placed]
        if status == CANCELLED:
            kind, action, reason = row["cancelled_by"], "cancel", row["cancel_reason"]
        elif status == RECEIVED:
            carrier = row["delivery_method"] == NOVA_POSHTA
            kind = CARRIER if carrier else SELLER
            action, reason = ("hand_over" if carrier else "mark_received"), None
        else:
            (action, kind), reason = LAST_ACTION[status], None
        last = dict(
            row,
            actor_kind=kind,
            action=action,
            history_date=row["status_changed_at"],
            history_change_reason=reason,
            history_type="~",
            history_user_id=store.seller_id if kind == SELLER else None,
        )
        return [placed, last]


@dataclass
class Result:
    orders: int = 0
    items: int = 0
    history: int = 0
    seconds: float = 0.0


def add_orders(
    count: int,
    stores: list[Store],
    *,
    batch_size: int = 20_000,
    history: bool = True,
    seed: int | None = None,
    progress=None,
) -> Result:
    """Add `count` orders spread over `stores`; `progress(result)` is called after each batch."""
    generator = Generator(load_stores(stores), seed=seed)
    writer = _CopyWriter(history) if connection.vendor == "postgresql" else _OrmWriter(history)
    result = Result()
    started = time.monotonic()
    while result.orders < count:
        size = min(batch_size, count - result.orders)
        with transaction.atomic():
            items, history_rows = writer.write_batch(generator, size)
        result.orders += size
        result.items += items
        result.history += history_rows
        result.seconds = time.monotonic() - started
        if progress:
            progress(result)
    writer.finish()
    track_open_parcels()  # the bulk orders in delivery are tracked too, inserted in bulk (docs/rules.md §8)
    result.seconds = time.monotonic() - started
    return result


class _CopyWriter:
    def __init__(self, history: bool):
        self.history = history
        self.tables = []
        self.orders = self._table(Order, ORDER_COLUMNS + ["split_from_id"], ORDER_COLUMNS)
        self.items = self._table(OrderItem, ITEM_COLUMNS, ITEM_COLUMNS)
        self.history_rows = self._table(HistoricalOrder, HISTORY_COLUMNS + ["history_id"], HISTORY_COLUMNS)

    def _table(self, model, known: list[str], columns: list[str]):
        """(COPY statement, row → tuple) for `columns` plus the defaults of unnamed NOT NULL columns."""
        qn = connection.ops.quote_name
        extra = _default_columns(model, known)
        db_columns = {f.attname: f.column for f in model._meta.concrete_fields}
        names = ", ".join(qn(db_columns[c]) for c in [*columns, *extra])
        pick, constants = itemgetter(*columns), tuple(extra.values())
        self.tables.append(model)
        return f"COPY {qn(model._meta.db_table)} ({names}) FROM STDIN", (lambda row: pick(row) + constants)

    def write_batch(self, generator: Generator, size: int) -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Order._meta.db_table, size],
            )
            ids = [row[0] for row in cursor.fetchall()]
            items, history = [], []
            order_row, item_row, history_row = self.orders[1], self.items[1], self.history_rows[1]
            # Orders stream to the server while the next ones are generated; their items and
            # history rows follow in their own COPY.
            with cursor.copy(self.orders[0]) as copy:
                write = copy.write_row
                for order_id, token in zip(ids, tokens(size), strict=True):
                    row, order_items, order_history = generator.order(order_id, token)
                    write(order_row(row))
                    items.extend(item_row(item) for item in order_items)
                    if self.history:
                        history.extend(history_row(record) for record in order_history)
            self._copy(cursor, self.items[0], items)
            if history:
                self._copy(cursor, self.history_rows[0], history)
        return len(items), len(history)

    @staticmethod
    def _copy(cursor, sql: str, rows: list[tuple]) -> None:
        with cursor.copy(sql) as copy:
            write = copy.write_row
            for row in rows:
                write(row)

    def finish(self) -> None:
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model in self.tables:
                table, pk = model._meta.db_table, model._meta.pk.column
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
                sequence = cursor.fetchone()[0]
                cursor.execute(
                    f"SELECT setval(%s, GREATEST((SELECT COALESCE(MAX({qn(pk)}), 1) FROM {qn(table)}), "
                    f"(SELECT last_value FROM {sequence})))",
                    [sequence],
                )
            # Fresh statistics: the planner and the admin's estimated counts see the new rows at once.
            cursor.execute("ANALYZE " + ", ".join(qn(model._meta.db_table) for model in self.tables))


class _OrmWriter:
    def __init__(self, history: bool):
        self.history = history
        self.history_fields = set(HISTORY_COLUMNS)

    def write_batch(self, generator: Generator, size: int) -> tuple[int, int]:
        generated = [generator.order(None, token) for token in tokens(size)]
        orders = Order.objects.bulk_create([Order(**row) for row, _items, _history in generated], batch_size=500)
        items, history = [], []
        for order, (_row, order_items, order_history) in zip(orders, generated, strict=True):
            for item in order_items:
                items.append(OrderItem(**dict(item, order_id=order.pk)))
            if self.history:
                for record in order_history:
                    fields = {key: value for key, value in record.items() if key in self.history_fields}
                    history.append(HistoricalOrder(**dict(fields, id=order.pk)))
        OrderItem.objects.bulk_create(items, batch_size=500)
        if history:
            HistoricalOrder.objects.bulk_create(history, batch_size=500)
        return len(items), len(history)

    def finish(self) -> None:
        return None
