"""The one entry point every part calls to tell somebody something, and the outbox's services.

`notify()` writes the messages of one occurrence of an event to the outbox in the caller's
transaction — each with its template and what it must say as of now, for its recipient's side;
the delivery worker renders them after that transaction commits. A second call for the same
occurrence writes nothing (dedupe key unique per event occurrence, side, channel and address).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from django.db import transaction
from django.db.models import prefetch_related_objects

from marketplace import clock

from . import events, links, recipients, rendering, snapshot
from .models import Audience, Channel, OutboxMessage

log = logging.getLogger(__name__)

# Parameters that steer routing but do not tell one occurrence from another.
_NOT_IN_KEY = frozenset({"language", "orders"})


def _occurrence(event: str, *, order, store, related, params: dict, explicit) -> str:
    parts = [event]
    if order is not None:
        parts += [f"o{order.pk}", order.status]
    elif store is not None:
        parts.append(f"s{store.pk}")
    if related is not None:
        parts.append(f"r{related.pk}")
    if explicit is not None:
        parts.append(f"x{explicit}")
    elif order is None and related is None:
        # Nothing tells this occurrence from the next one of the same event (a store's offers hidden,
        # lifted and hidden again the same day): the caller must say which occurrence it is.
        raise ValueError(
            f"notify({event!r}) without an order or `related` needs `occurrence=` (what tells this "
            "occurrence from the next one, e.g. its time or the id of the row it is about)."
        )
    parts += [f"{name}={params[name]!r}" for name in sorted(params) if name not in _NOT_IN_KEY]
    return "|".join(parts)


def dedupe_key(occurrence: str, recipient: recipients.Recipient) -> str:
    return _key(occurrence, recipient.side, recipient.channel, recipient.address)


def _key(occurrence: str, side: str, channel: str, address: str) -> str:
    return hashlib.sha256(f"{occurrence}|{side}|{channel}|{address.strip().lower()}".encode()).hexdigest()


class _Shared:
    """What several occurrences can share: store audiences, the moderators, renders."""

    def __init__(self):
        self.audiences: dict[int, recipients.StoreAudience] = {}
        self.moderators: list | None = None

    def audience(self, store):
        if store is None:
            return None
        if store.pk not in self.audiences:
            self.audiences[store.pk] = recipients.StoreAudience(store)
        return self.audiences[store.pk]


@dataclass(slots=True)
class _Row:
    """An outbox row before it is written: plain values (a model instance per message cost the
    sweep more than the COPY of its rows, issue 16); `message()` makes the model for an INSERT."""

    event: str
    audience: str
    channel: str
    recipient: str
    language: str
    template: str
    context: dict
    dedupe_key: str
    order_id: int | None
    store_id: int | None
    created_at: datetime

    def message(self) -> OutboxMessage:
        return OutboxMessage(
            event=self.event,
            audience=self.audience,
            channel=self.channel,
            recipient=self.recipient,
            language=self.language,
            template=self.template,
            context=self.context,
            dedupe_key=self.dedupe_key,
            order_id=self.order_id,
            store_id=self.store_id,
            created_at=self.created_at,
            next_attempt_at=self.created_at,
        )


def _rows(event: str, *, order, store, related, occurrence, params: dict, shared: _Shared) -> dict[str, _Row]:
    event = events.canonical(event, order)
    routes = events.routes_for(event)
    if store is None and order is not None:
        store = order.store
    key_base = _occurrence(event, order=order, store=store, related=related, params=params, explicit=occurrence)
    store_audience = shared.audience(store)
    rows: dict[str, _Row] = {}
    facts: dict[bool, dict] = {}  # one context per side (buyer or not), shared by its rows
    now = clock.now()
    for route in routes:
        if route.when is not None and not route.when(order=order, store=store, related=related, params=params):
            continue
        if route.audience == Audience.MODERATORS:
            if shared.moderators is None:
                shared.moderators = recipients.moderators()
            found = shared.moderators
        else:
            found = recipients.resolve(route, order=order, store_audience=store_audience, params=params)
        for recipient in found:
            key = dedupe_key(key_base, recipient)
            if key in rows:
                continue
            for_buyer = recipient.audience == Audience.BUYER
            if for_buyer not in facts:
                facts[for_buyer] = rendering.context(
                    for_buyer=for_buyer, order=order, store=store, related=related, params=params
                )
            rows[key] = _Row(
                event=event,
                audience=str(recipient.audience),
                channel=str(recipient.channel),
                recipient=recipient.address,
                language=recipient.language,
                template=route.template,
                context=facts[for_buyer],
                dedupe_key=key,
                order_id=order.pk if order is not None else None,
                store_id=store.pk if store is not None else None,
                created_at=now,
            )
    return rows


_COPY_COLUMNS = (
    "event",
    "audience",
    "channel",
    "recipient",
    "language",
    "template",
    "context",
    "dedupe_key",
    "order_id",
    "store_id",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "provider_message_id",
    "created_at",
)
# Orders named in one expiry list; the rest are counted and linked. Telegram takes 4,096
# characters, and nobody reads a list of 500 order numbers in an e-mail.
EXPIRED_LIST_LIMIT = 20


def _expired_summary(order) -> dict:
    return {
        "number": order.pk,
        "store": order.store.name,
        "cancel_reason": order.cancel_reason,
        "url": links.cabinet_order_url(order),
        "admin_url": links.admin_order_url(order),
    }


def _expired_list(orders: list, list_url: str) -> dict:
    return {
        "orders": [_expired_summary(o) for o in orders[:EXPIRED_LIST_LIMIT]],
        "count": len(orders),
        "more": max(0, len(orders) - EXPIRED_LIST_LIMIT),
        "list_url": list_url,
    }


def notify_expired(orders, *, items: dict[int, list[dict]] | None = None) -> int:
    """Expiry cancellations (docs/rules.md §4): each buyer gets a message about their order (with the
    offer to buy the same goods elsewhere); each store gets one message listing its expired
    orders and the moderators one listing them all, however many a sweep batch expired (the
    first EXPIRED_LIST_LIMIT by number, the rest counted with a link to the full list).

    All of a batch's rows go in with one dedupe look-up and one write, the store audiences and
    the moderators read once (issue 16: the lists were a notify() each, with their own reads).
    `items` (order pk -> its items as `rendering.buyer_view` shows them, read by the caller in
    one query): the buyers' rows are then built from one prepared dict per order, the store's
    parts once per store, instead of the general per-occurrence path."""
    orders = sorted(orders, key=lambda o: o.pk)
    if not orders:
        return 0
    shared = _Shared()
    rows = _expired_buyer_rows(orders, items) if items is not None else None
    if rows is None:
        rows = _many_rows("order_expired", orders, occurrence=None, params={}, shared=shared)
    by_store: dict[int, list] = defaultdict(list)
    for order in orders:
        by_store[order.store_id].append(order)
    lists = [("orders_expired", group[0].store, group, links.cabinet_expired_url()) for group in by_store.values()]
    unread = [store for store in (group[0].store for group in by_store.values()) if store.pk not in shared.audiences]
    shared.audiences.update(recipients.store_audiences(unread))
    lists.append(("orders_expired_platform", None, orders, links.admin_expired_url()))
    for event, store, group, list_url in lists:
        rows.update(
            _rows(
                event,
                order=None,
                store=store,
                related=None,
                occurrence=_ids(group),
                params=_expired_list(group, list_url),
                shared=shared,
            )
        )
    return _write(rows, copy=True)


def _expired_buyer_rows(orders: list, items: dict[int, list[dict]]) -> dict[str, _Row] | None:
    """The buyers' `order_expired` rows of a batch: the same rows `_rows` writes (occurrence,
    dedupe key, `rendering.context` for the buyer's side) with the items the batch read at once
    (`items`), without a query per order. None when the
    registry routes the event to anybody but the buyer by e-mail (then the general path)."""
    event = "order_expired"
    routes = events.routes_for(event)
    if any(r.audience != Audience.BUYER or r.when is not None or Channel.EMAIL not in r.channels for r in routes):
        return None
    now = clock.now()
    rows: dict[str, _Row] = {}
    for order in orders:
        if not order.buyer_email:
            continue
        store = order.store
        context = rendering.context(for_buyer=True, order=order, store=store, items=items.get(order.pk, []))
        occurrence = f"{event}|o{order.pk}|{order.status}"  # _occurrence() of an order without params
        for route in routes:
            key = _key(occurrence, "buyer", Channel.EMAIL, order.buyer_email)
            if key in rows:  # as in _rows: one message per address, side and occurrence
                continue
            rows[key] = _Row(
                event=event,
                audience=str(Audience.BUYER),
                channel=str(Channel.EMAIL),
                recipient=order.buyer_email,
                language=order.buyer_language,
                template=route.template,
                context=context,
                dedupe_key=key,
                order_id=order.pk,
                store_id=store.pk,
                created_at=now,
            )
    return rows


def _ids(orders) -> str:
    return hashlib.sha256(",".join(str(o.pk) for o in orders).encode()).hexdigest()[:16]


def _copy(new: list[_Row]) -> None:
    """COPY is several times quicker than INSERT … UNNEST for thousands of messages, and for a
    tracking batch's few dozen too (bulk_create's UNNEST sends an array per column, each element
    quoted in Python by the client-side binding: 5 ms for 30 rows, issue 16). Only for callers
    that hold the rows' orders locked (the sweep, a tracking batch), so no concurrent writer can
    add the same dedupe key between the look-up and the copy."""
    connection = transaction.get_connection()
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    encoded: dict[int, str] = {}  # rows of one occurrence and side share their context
    started = time.monotonic()
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(f"COPY {table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN") as copy:
            for m in new:
                text = encoded.get(id(m.context))
                if text is None:
                    text = encoded[id(m.context)] = snapshot.dumps(m.context)
                copy.write_row(
                    (
                        m.event,
                        m.audience,
                        m.channel,
                        m.recipient,
                        m.language,
                        m.template,
                        text,
                        m.dedupe_key,
                        m.order_id,
                        m.store_id,
                        OutboxMessage.Status.PENDING,
                        0,
                        m.created_at,
                        "",
                        "",
                        m.created_at,
                    )
                )
    if connection.queries_logged:  # the COPY bypasses Django's cursor: counted like any statement
        sql = f"COPY {table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN  -- {len(new)} rows"
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def _write(rows: dict[str, _Row], *, copy: bool = False) -> int:
    if not rows:
        return 0
    # Inside the caller's transaction no savepoint of its own (two statements less per batch): a
    # failure here fails the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        found = OutboxMessage.objects.filter(dedupe_key__any=list(rows)).order_by()  # no sort of the model's ordering
        existing = set(found.values_list("dedupe_key", flat=True))
        new = [row for key, row in rows.items() if key not in existing]
        if copy and new and transaction.get_connection().vendor == "postgresql":
            _copy(new)
        else:
            OutboxMessage.objects.bulk_create([row.message() for row in new], ignore_conflicts=True)
        if new:
            kick_after_commit()
    return len(new)


def notify(event: str, *, order=None, store=None, related=None, occurrence=None, **params) -> int:
    """Write the outbox rows of one occurrence of `event`; returns how many were new.

    `order`, `store`, `related` and `params` feed the recipients and the templates; `occurrence`
    (optional) tells apart two occurrences that would otherwise look the same."""
    return _write(
        _rows(event, order=order, store=store, related=related, occurrence=occurrence, params=params, shared=_Shared())
    )


def notify_each(messages, *, items: dict[int, list[dict]] | None = None) -> int:
    """notify() of each (event, order, params), as one write: one dedupe look-up and one COPY for
    the batch, the store audiences read once (a tracking pass, where each parcel's message names
    its own number and branch, so notify_many's one set of params does not fit). The caller holds
    the orders locked; their items are read in one query where not prefetched. `items` (order pk ->
    its items as notify_expired takes them, read by the caller in one query of plain values): the
    orders' items are then those, with no query and no model per item (a request sweep batch)."""
    orders = list({id(order): order for _event, order, _params in messages}.values())
    if items is not None:
        _give_items(orders, items)
    prefetch_related_objects([o for o in orders if "items" not in getattr(o, "_prefetched_objects_cache", {})], "items")
    shared = _Shared()
    rows: dict = {}
    for event, order, params in messages:
        rows.update(_rows(event, order=order, store=None, related=None, occurrence=None, params=params, shared=shared))
    return _write(rows, copy=True)


def _give_items(orders, items: dict[int, list[dict]]) -> None:
    """The caller's items as each order's prefetched `items`: plain records of what the views read
    of an item (rendering._items), for messages only: the orders are the caller's batch, not reused."""
    for order in orders:
        if order.pk in items:
            cache = order.__dict__.setdefault("_prefetched_objects_cache", {})
            cache["items"] = [SimpleNamespace(**item) for item in items[order.pk]]


def notify_many(event: str, orders, *, occurrence=None, **params) -> int:
    """notify() for one event of many orders at once (the sweep): store audiences and the
    moderators are read once, and all rows go in with one look-up and one COPY. Prefetch the
    orders' `store` and `items` to keep it at a fixed number of queries; the caller must hold
    the orders locked. `occurrence` (optional): a function of the order that tells its
    occurrence apart (a deadline warning: the deadline it warns about)."""
    return _write(_many_rows(event, orders, occurrence=occurrence, params=params, shared=_Shared()), copy=True)


def _many_rows(event: str, orders, *, occurrence, params: dict, shared: _Shared) -> dict[str, _Row]:
    rows: dict[str, _Row] = {}
    for order in orders:
        rows.update(
            _rows(
                event,
                order=order,
                store=None,
                related=None,
                occurrence=occurrence(order) if occurrence else None,
                params=params,
                shared=shared,
            )
        )
    return rows


def kick_after_commit() -> None:
    """Start delivery once the outermost transaction commits: one kick per transaction, however
    many notify() calls it made (a sweep expiring a hundred orders queues one task)."""
    from .tasks import kick

    connection = transaction.get_connection()
    if any(entry[1] is kick for entry in getattr(connection, "run_on_commit", ())):
        return
    transaction.on_commit(kick)


def outbox_retry(*, message_ids) -> int:
    """A moderator sends failed (or waiting) messages again now, with a fresh set of attempts."""
    with transaction.atomic():
        count = OutboxMessage.objects.filter(
            pk__in=list(message_ids), status__in=[OutboxMessage.Status.FAILED, OutboxMessage.Status.PENDING]
        ).update(status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=clock.now(), claim=None)
        if count:
            kick_after_commit()
    return count


def outbox_purge(*, older_than) -> int:
    """Forget sent messages older than `older_than` (a datetime)."""
    with transaction.atomic():
        deleted, _ = OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT, sent_at__lt=older_than).delete()
    return deleted
