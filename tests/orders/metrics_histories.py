"""Seeded random order histories written in bulk, for the metrics property test at scale (docs/rules.md §10,
"Metrics"; tests/orders/test_metrics_property.py).

`generate(rng, stores, count, start, span, now, late_days)` walks each order through the status machine's
path (new → accepted → confirmed → awaiting_shipment → in_delivery / awaiting_pickup → received), leaving
each status in a chosen band of its deadlines (before the excellent one, exactly at it, between, exactly
at the acceptable one, after it; 3 % without deadlines), editing some statuses on the way (deadlines
recomputed, ship-by moved: a history row in the same status), shipping before, on or after the ship-by
day (one second either side of Kyiv midnight among them), cancelling from any status with any reason the
reason table allows there, or leaving it open. Carrier orders get one or two parcels (a readdressed one
inactive) in any state group, with or without a scheduled date; some orders get buyers' and sellers'
requests in every state. The rows are what the services leave: the order, one history row per save (the
status and deadline columns as they were), the parcels and requests as they were when the order ended.

`Story.expected` is what the order adds to its day, counted by the generator from what it decided, apart
from orders.performance; `write()` stores the stories (bulk_create), `after_end()` makes the changes the
platform makes after an order ended that must not move its day (a late cause recorded: a later history row
in the same status; open requests lapsing; a refused parcel travelling back)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import NOT_PROVIDED

from marketplace.actors import ActorKind
from marketplace.worktime import KYIV
from orders.choices import CARRIER_METHODS, EXPIRY_REASONS, REASONS, CancelReason, DeliveryMethod, Status
from orders.models import Order, OrderRequest, Parcel
from orders.requests.models import CancelGround, RequestKind, RequestState

HistoricalOrder = Order.history.model
NP, COURIER, PICKUP = DeliveryMethod.NOVA_POSHTA, DeliveryMethod.COURIER, DeliveryMethod.PICKUP
NEXT = {
    Status.NEW: Status.ACCEPTED,
    Status.ACCEPTED: Status.CONFIRMED,
    Status.CONFIRMED: Status.AWAITING_SHIPMENT,
}
ACTION = {
    Status.ACCEPTED: "accept",
    Status.CONFIRMED: "confirm",
    Status.AWAITING_SHIPMENT: "pack",
    Status.IN_DELIVERY: "ship",
    Status.AWAITING_PICKUP: "ready_for_pickup",
}
TIMED = (Status.NEW, Status.ACCEPTED)
BANDS = ("excellent", "at_excellent", "acceptable", "at_acceptable", "late")
FOUND = ("created", "in_transit", "at_branch", "received", "refused", "returned", "readdressed", "failed_attempt")
NOT_FOUND = ("", "not_found")
# Who may cancel for each reason from each status (the reason table, docs/rules.md §5).
REASONS_IN = {
    status: [reason for reason, rule in REASONS.items() if any(status in statuses for _who, statuses in rule.who)]
    for status in Status
}


def kyiv_date(moment: datetime) -> date:
    return moment.astimezone(KYIV).date()


def at_kyiv(day: date, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second, micro), tzinfo=KYIV)


@dataclass
class Story:
    """One order's rows and what the generator says it adds to its day (None while open)."""

    fields: dict
    order: Order | None = None
    rows: list[dict] = field(default_factory=list)
    parcels: list[dict] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    expected: Counter | None = None
    late_cause_row: bool = False  # a late cause is recorded after the order ended

    @property
    def ended(self) -> bool:
        return self.expected is not None

    @property
    def key(self) -> tuple[int, date]:
        return self.order.store_id, kyiv_date(self.order.status_changed_at)


class Walk:
    """Builds one Story: the order's state moves, each save appends a history row."""

    def __init__(self, rng: random.Random, story: Story, now: datetime):
        self.rng, self.story, self.now = rng, story, now
        self.state = {
            "status": Status.NEW,
            "status_changed_at": story.fields["created_at"],
            "excellent_deadline": None,
            "acceptable_deadline": None,
            "ship_by": None,
            "cancel_reason": "",
            "shipped_at": None,
            "ttn": "",
        }
        self.t = story.fields["created_at"]
        self.c = Counter(orders=1)

    def save(self, at: datetime, action: str, kind: str, **changes) -> None:
        assert at > self.t or not self.story.rows, (at, self.t)
        self.state.update(changes)
        self.t = at
        self.story.rows.append(dict(self.state, history_date=at, action=action, actor_kind=kind))

    def deadlines(self, start: datetime) -> dict:
        r = self.rng.random
        if r() < 0.03:
            return {"excellent_deadline": None, "acceptable_deadline": None}
        excellent = start + timedelta(minutes=20 + int(r() * 160), microseconds=int(r() * 10**6))
        return {"excellent_deadline": excellent, "acceptable_deadline": excellent + timedelta(hours=1 + r() * 47)}

    def enter(self, status, at: datetime, action: str, kind: str = ActorKind.SELLER, **changes) -> None:
        timed = self.deadlines(at) if status in TIMED else self.loose_deadlines(at)
        self.save(at, action, kind, status=status, status_changed_at=at, **timed, **changes)

    def loose_deadlines(self, at: datetime) -> dict:
        if self.state["ship_by"] is None:
            return {"excellent_deadline": None, "acceptable_deadline": None}
        end = at_kyiv(self.state["ship_by"], 20)
        return {"excellent_deadline": end - timedelta(hours=2), "acceptable_deadline": end}

    def maybe_edit(self) -> None:
        """A save in the same status: deadlines recomputed (calendar edit) or, once agreed, the ship-by moved."""
        if self.rng.random() >= 0.25:
            return
        at = self.t + timedelta(minutes=1 + self.rng.random() * 15)
        if self.state["status"] in TIMED:
            self.save(at, "recompute", ActorKind.PLATFORM, **self.deadlines(at))
        elif self.state["ship_by"] is not None:
            ship_by = max(kyiv_date(at), self.state["ship_by"] + timedelta(days=self.rng.choice((-1, 1, 2))))
            self.save(at, "move_date", ActorKind.SELLER, ship_by=ship_by, **self.loose_deadlines(at))

    def leave_at(self, *, counted: bool) -> datetime:
        """When the current status is left; a timed one in a random band of its deadlines, counted."""
        status, rng = self.state["status"], self.rng
        if status not in TIMED:
            return self.t + timedelta(minutes=5 + rng.random() * 600, microseconds=rng.randint(1, 999_999))
        excellent, acceptable = self.state["excellent_deadline"], self.state["acceptable_deadline"]
        if excellent is None:
            at, within = self.t + timedelta(minutes=1 + rng.random() * 300), (True, True)
        else:
            band = rng.choice(BANDS)
            start = max(self.t + timedelta(microseconds=1), excellent - timedelta(minutes=15))
            at, within = {
                "excellent": (start + (excellent - start) * rng.random() * 0.99, (True, True)),
                "at_excellent": (excellent, (False, True)),
                "acceptable": (excellent + (acceptable - excellent) * (0.01 + rng.random() * 0.98), (False, True)),
                "at_acceptable": (acceptable, (False, False)),
                "late": (acceptable + timedelta(minutes=1 + rng.random() * 3000), (False, False)),
            }[band]
            if at <= self.t:  # an edit row came after this band began
                at = self.t + timedelta(microseconds=1)
                within = (at < excellent, at < acceptable)
        if counted:
            self.c[f"{status}_left"] += 1
            self.c[f"{status}_excellent"] += within[0]
            self.c[f"{status}_acceptable"] += within[1]
        return at

    def cancel(self, reason: str, at: datetime) -> None:
        rule = REASONS[reason]
        kind = ActorKind.SELLER
        for who, statuses in rule.who:
            if self.state["status"] in statuses:
                kind = who
                break
        self.enter(Status.CANCELLED, at, "cancel", kind, cancel_reason=reason)
        self.c["expired"] += reason in EXPIRY_REASONS
        self.c["seller_fault"] += rule.against_seller
        self.c["buyer_cancelled"] += reason == CancelReason.BUYER_CANCELLED
        self.c["mutual"] += reason == CancelReason.MUTUAL

    def end_time(self, at: datetime) -> datetime:
        """Some orders end one second either side of Kyiv midnight: the day is the Kyiv date."""
        roll = self.rng.random()
        if roll < 0.06:
            day = kyiv_date(at) + timedelta(days=1)
            moment = at_kyiv(day, 0, 0, 0, self.rng.randint(0, 999_999)) - timedelta(seconds=1 if roll < 0.03 else 0)
            if moment > self.t:
                return moment
        return at


def reasons_from(status, method) -> list[str]:
    reasons = REASONS_IN[status]
    if status == Status.IN_DELIVERY and method not in CARRIER_METHODS:
        reasons = [r for r in reasons if r != CancelReason.BUYER_CHANGED_MIND]
    return reasons


def story(rng: random.Random, store_id: int, placed: datetime, now: datetime, late_days: int) -> Story:
    r = rng.random
    method = rng.choices((NP, COURIER, PICKUP), weights=(6, 2, 2))[0]
    s = Story(
        {
            "store_id": store_id,
            "buyer_name": "Buyer",
            "buyer_phone": f"+38050{rng.randint(1000000, 9999999)}",
            "delivery_method": method,
            "created_at": placed,
        }
    )
    w = Walk(rng, s, now)
    w.save(placed, "place", ActorKind.BUYER, **w.deadlines(placed))
    w.maybe_edit()
    status = Status.NEW
    while True:  # the statuses before shipment
        roll = r()
        if roll < 0.03 and w.t > now - timedelta(days=10):
            return finish(s, w, None)  # still open
        if roll < (0.25 if status in TIMED else 0.12):
            reason = rng.choice(reasons_from(status, method))
            at = w.leave_at(counted=REASONS[reason].against_seller)
            at = at if status in TIMED else w.end_time(at)  # a timed status keeps its band
            w.cancel(reason, at)
            return finish(s, w, None, ended=True)
        at = w.leave_at(counted=True)
        nxt = NEXT.get(status)
        if nxt is None:
            break
        changes = {}
        if nxt == Status.CONFIRMED:
            changes["ship_by"] = kyiv_date(at) + timedelta(days=rng.randint(0, 3))
        w.enter(nxt, at, ACTION[nxt], **changes)
        w.maybe_edit()
        status = nxt

    # Shipment: before, on or after the ship-by day it has then.
    ship_by = w.state["ship_by"]
    shape = rng.choice(("early", "evening", "past_midnight", "late"))
    at = {
        "early": w.t + timedelta(minutes=10 + r() * 120),
        "evening": at_kyiv(ship_by, 23, 59, 59, 999_999),
        "past_midnight": at_kyiv(ship_by + timedelta(days=1), 0, 0, 0, rng.randint(0, 999)),
        "late": at_kyiv(ship_by + timedelta(days=rng.randint(1, 3)), 9 + rng.randint(0, 10), rng.randint(0, 59)),
    }[shape]
    at = max(at, w.t + timedelta(seconds=1))
    shipped_status = Status.AWAITING_PICKUP if method == PICKUP else Status.IN_DELIVERY
    ttn = f"20{rng.randint(10**11, 10**12 - 1)}" if method in CARRIER_METHODS else ""
    w.enter(shipped_status, at, ACTION[shipped_status], shipped_at=at, ttn=ttn)
    w.c["shipped"] = 1
    w.c["shipped_late"] = int(kyiv_date(at) > ship_by)
    if ttn:
        parcels(rng, s, at)
        w.c["carrier_shipped"] = 1
    roll = r()
    if roll < 0.08 and w.t > now - timedelta(days=10):
        return finish(s, w, None)  # travelling, or waiting at the pickup point
    at = w.end_time(w.t + timedelta(hours=2 + r() * 140, microseconds=rng.randint(0, 999_999)))
    best = best_parcel(s, at) if ttn else None
    if ttn:
        w.c["tracking_valid"] = int(best is not None)
    if roll < 0.75:
        carrier = ttn and shipped_status == Status.IN_DELIVERY
        w.enter(
            Status.RECEIVED,
            at,
            "hand_over" if carrier else "mark_received",
            ActorKind.CARRIER if carrier else ActorKind.SELLER,
        )
        w.c["received"] = 1
        if shipped_status == Status.IN_DELIVERY:
            w.c["delivered"] = 1
            agreed = (best or {}).get("scheduled_delivery") or ship_by + timedelta(days=late_days)
            w.c["delivered_on_time"] = int(kyiv_date(at) <= agreed)
    else:
        w.cancel(rng.choice(reasons_from(shipped_status, method)), at)
    return finish(s, w, shape, ended=True)


def parcels(rng: random.Random, s: Story, shipped: datetime) -> None:
    """The order's parcels as the tracking pass left them: a found one was found some hours after it
    was handed over, sometimes only after its order ended (a cancelled order's parcel followed for
    its return), which the metrics do not count."""
    ship_by = s.rows[-1]["ship_by"]
    count = 2 if rng.random() < 0.2 else 1
    made = []
    for i in range(count):
        group = rng.choice(FOUND) if rng.random() < 0.8 else rng.choice(NOT_FOUND)
        scheduled = ship_by + timedelta(days=rng.randint(-1, 4)) if rng.random() < 0.6 else None
        created = shipped + timedelta(hours=i * 5)
        found = created + timedelta(minutes=rng.randint(1, 60 * 160)) if group not in NOT_FOUND else None
        made.append(
            {
                "number": f"{s.rows[-1]['ttn']}{i}",
                "group": group,
                "scheduled_delivery": scheduled,
                "active": i == count - 1,
                "created_at": created,
                "found_at": found,
            }
        )
    s.parcels = made


def best_parcel(s: Story, ended: datetime) -> dict | None:
    """The parcel the metrics read of an order that ended at `ended`: found by then, the active one
    first, then the newest; None when none was."""
    found = [p for p in s.parcels if p["found_at"] is not None and p["found_at"] <= ended]
    found.sort(key=lambda p: (not p["active"], -p["created_at"].timestamp()))
    return found[0] if found else None


def requests(rng: random.Random, s: Story, w: Walk) -> None:
    """Buyers' and sellers' requests while the order was open, in every state; only the buyers'
    cancellation requests not withdrawn count, answered when before they went through."""
    if rng.random() >= 0.2:
        return
    placed, ended = s.rows[0]["history_date"], s.rows[-1]["history_date"]
    count = rng.randint(1, 2)
    for i in range(count):
        kind = rng.choices(list(RequestKind), weights=(6, 2, 2))[0]
        opened = placed + (ended - placed) * rng.random() * 0.9
        expires = opened + timedelta(hours=rng.choice((8, 24, 48)))
        states = (RequestState.ACCEPTED, RequestState.DECLINED, RequestState.WENT_THROUGH, RequestState.WITHDRAWN)
        # the last one may still be open when the order ended (one open at a time): it lapses later
        state = rng.choice((*states, RequestState.OPEN) if i == count - 1 else states)
        answered = None
        if state in (RequestState.ACCEPTED, RequestState.DECLINED):
            answered = opened + (expires - opened) * rng.random() * 0.999
        s.requests.append(
            {
                "kind": kind,
                "state": state,
                "opened_by": ActorKind.BUYER if kind == RequestKind.BUYER_CANCEL else ActorKind.SELLER,
                "opened_at": opened,
                "answer_by": opened + (expires - opened) / 2,
                "expires_at": expires,
                "answered_at": answered,
                "new_date": kyiv_date(expires) + timedelta(days=2) if kind == RequestKind.MOVE_DATE else None,
                "ground": CancelGround.CANNOT_SUPPLY if kind == RequestKind.SELLER_CANCEL else "",
            }
        )
        if kind == RequestKind.BUYER_CANCEL and state != RequestState.WITHDRAWN:
            w.c["requests"] += 1
            w.c["requests_answered"] += answered is not None


def finish(s: Story, w: Walk, shape, *, ended: bool = False) -> Story:
    state = w.state
    fields = dict(s.fields, **{name: state[name] for name in ("status", "status_changed_at", "ship_by", "ttn")})
    fields.update(cancel_reason=state["cancel_reason"], shipped_at=state["shipped_at"])
    if ended:
        fields["cancelled_by"] = next((row["actor_kind"] for row in s.rows if row["action"] == "cancel"), "")
        late = state["cancel_reason"] == CancelReason.SHIPPING_TIME_EXPIRED or shape in ("past_midnight", "late")
        s.late_cause_row = late and w.rng.random() < 0.5
        requests(w.rng, s, w)
        s.expected = +w.c
    else:
        fields.update(excellent_deadline=state["excellent_deadline"], acceptable_deadline=state["acceptable_deadline"])
    s.order = Order(**fields)
    return s


def generate(
    rng: random.Random,
    stores: list[int],
    count: int,
    *,
    start: datetime,
    span: timedelta,
    now: datetime,
    late_days: int,
) -> list[Story]:
    stories = []
    for _ in range(count):
        placed = start + span * rng.random()
        stories.append(story(rng, rng.choice(stores), placed, now, late_days))
    return stories


HISTORY_KEEP = ("status", "status_changed_at", "excellent_deadline", "acceptable_deadline", "ship_by")
HISTORY_KEEP += ("cancel_reason", "shipped_at", "ttn", "history_date", "action", "actor_kind")


def write(stories: list[Story]) -> None:
    """The stories' rows, as the services left them when each order ended."""
    orders = Order.objects.bulk_create([s.order for s in stories], batch_size=2000)
    history, parcel_rows, request_rows = [], [], []
    for order, s in zip(orders, stories, strict=True):
        base = {
            "id": order.pk,
            "store_id": order.store_id,
            "buyer_name": order.buyer_name,
            "buyer_phone": order.buyer_phone,
            "delivery_method": order.delivery_method,
            "created_at": order.created_at,
        }
        for i, row in enumerate(s.rows):
            fields = {name: row[name] for name in HISTORY_KEEP}
            history.append({**base, **fields, "history_type": "+" if i == 0 else "~"})
        for p in s.parcels:
            parcel_rows.append(Parcel(order_id=order.pk, carrier=str(order.delivery_method), **p))
        for req in s.requests:
            request_rows.append(OrderRequest(order_id=order.pk, **req))
    copy_history(history)
    Parcel.objects.bulk_create(parcel_rows, batch_size=5000)
    OrderRequest.objects.bulk_create(request_rows, batch_size=5000)


def copy_history(rows: list[dict]) -> None:
    """History rows by COPY (bulk_create of ~50,000 wide rows takes ~20 s): the named columns, every other
    NOT NULL column its model default. Enum members go as their plain values."""
    if not rows:
        return
    named = list(rows[0])
    fields = {f.attname: f for f in HistoricalOrder._meta.concrete_fields}
    extra = {
        name: f.get_db_prep_save(f.get_default(), connection)
        for name, f in fields.items()
        if name not in named and not f.null and not f.primary_key and f.db_default is NOT_PROVIDED
    }
    qn = connection.ops.quote_name
    columns = ", ".join(qn(fields[name].column) for name in [*named, *extra])
    constants = tuple(extra.values())
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {qn(HistoricalOrder._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(tuple(str(v) if isinstance(v, str) else v for v in row.values()) + constants)


def after_end(stories: list[Story], now: datetime) -> dict[str, int]:
    """What the platform does to ended orders later, none of which moves their day: a late cause
    recorded (a history row in the same status), open requests lapsing, found parcels of cancelled
    orders travelling back (refused → returned, a new scheduled date). Returns how many of each."""
    rows = []
    for s in stories:
        if s.late_cause_row:
            last = s.rows[-1]
            fields = {name: last[name] for name in HISTORY_KEEP if name not in ("history_date", "action", "actor_kind")}
            o = s.order
            rows.append(
                {
                    "id": o.pk,
                    "store_id": o.store_id,
                    "buyer_name": o.buyer_name,
                    "buyer_phone": o.buyer_phone,
                    "delivery_method": o.delivery_method,
                    "created_at": o.created_at,
                    **fields,
                    "history_date": last["history_date"] + timedelta(hours=5),
                    "action": "record_late_cause",
                    "actor_kind": ActorKind.SELLER,
                    "history_type": "~",
                    "late_cause": "stock",
                    "late_cause_note": "Supplier late",
                }
            )
    copy_history(rows)
    ended = [s.order.pk for s in stories if s.ended]
    lapsed = OrderRequest.objects.filter(order_id__in=ended, state=RequestState.OPEN).update(
        state=RequestState.LAPSED, closed_at=now
    )
    cancelled = [s.order.pk for s in stories if s.ended and s.order.status == Status.CANCELLED]
    returned = Parcel.objects.filter(order_id__in=cancelled, group__in=["refused", "in_transit", "at_branch"]).update(
        group="returned", scheduled_delivery=None
    )
    return {"late_causes": len(rows), "lapsed": lapsed, "returned": returned}
