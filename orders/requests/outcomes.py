"""What a request does to its order when it is accepted or goes through (docs/rules.md §6), for one
request (the answer) or a sweep batch, and the closing of an ended order's open request and
undecided dispute.

Done the way the sweep expires a batch (orders.services.expiry.orders_expire): the status machine
checks each order in memory, then one UPDATE per outcome, history rows copied by the database
(`record_saved`), the stock back for the batch (`return_stock`). The caller holds the orders and
the requests locked (the order first, then the request: the order services' order) and has
already saved the requests' new state.

- a cancellation (`seller_cancel`, `buyer_cancel`) accepted → the order cancelled `mutual`; gone
  through → `mutual` for the seller's, `buyer_cancelled` for the buyer's (none counts against the
  seller). `cancelled_by` is the side that asked to cancel.
- `move_date` accepted or gone through → the ship-by date becomes the new one, the deadlines are
  recomputed from it, a history row (action "move_date") keeps both dates.
A request whose order can no longer take its outcome (rules.outcome_applies: e.g. shipped meanwhile
for a new date) lapses instead.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from marketplace.actors import Actor
from marketplace.calendar import Platform
from marketplace.calendar import platform as current_platform
from marketplace.history import record_saved

from .. import deadlines, performance
from ..choices import REASONS, CancelReason, Status
from ..disputes.models import Dispute
from ..models import Order
from ..services.base import check_ship_by, run_transition
from ..services.expiry import return_stock
from .models import OrderRequest, RequestKind, RequestState
from .rules import UNDECIDED, outcome_applies

DEADLINE_FIELDS = ("excellent_deadline", "acceptable_deadline", "next_check_at", "reminders_sent")


def cancel_reason(request: OrderRequest, *, accepted: bool) -> str:
    """The reason an accepted or gone-through cancellation request cancels with (docs/rules.md §6)."""
    if request.kind == RequestKind.BUYER_CANCEL and not accepted:
        return CancelReason.BUYER_CANCELLED
    return CancelReason.MUTUAL


def apply(requests: list[OrderRequest], *, accepted: bool, actor: Actor, now: datetime, p: Platform | None = None):
    """Apply each request's outcome to its order (`request.order`, locked by the caller). Returns
    the requests whose order could not take it: the caller lapses them (nothing was changed)."""
    p = p or current_platform()
    cancels: dict[tuple[str, str], list[Order]] = defaultdict(list)
    moves: list[Order] = []
    lapsed: list[OrderRequest] = []
    for request in requests:
        order = request.order
        if not outcome_applies(request, order):
            lapsed.append(request)
        elif request.kind == RequestKind.MOVE_DATE:
            order.ship_by = request.new_date
            deadlines.refresh(order, now=now, p=p)
            moves.append(order)
        else:
            reason = cancel_reason(request, accepted=accepted)
            cancels[(reason, request.opened_by)].append(order)
    if moves:
        _save_moves(moves)
        record_saved(Order, [o.pk for o in moves], date=now, actor=actor, action="move_date")
    cancelled = [order for group in cancels.values() for order in group]
    if cancelled:
        _cancel(cancels, actor=actor, now=now)
    return lapsed


# The new dates and deadlines of a batch in one statement (bulk_update's CASE per row and field
# cost the sweep more than everything else of a going-through).
_MOVE_SQL = """
    UPDATE {orders} o SET ship_by = v.ship_by, excellent_deadline = v.excellent, acceptable_deadline = v.acceptable,
        next_check_at = v.next_check, reminders_sent = v.reminders
    FROM unnest(%s::bigint[], %s::date[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[], %s::integer[])
        AS v(id, ship_by, excellent, acceptable, next_check, reminders)
    WHERE o.id = v.id
"""


def _save_moves(orders: list[Order]) -> None:
    if connection.vendor != "postgresql":
        Order.objects.bulk_update(orders, ["ship_by", *DEADLINE_FIELDS])
        return
    columns = [[o.pk for o in orders], [o.ship_by for o in orders]]
    columns += [[getattr(o, name) for o in orders] for name in DEADLINE_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_MOVE_SQL.format(orders=Order._meta.db_table), columns)


def _cancel(groups: dict[tuple[str, str], list[Order]], *, actor: Actor, now: datetime) -> None:
    orders = [order for group in groups.values() for order in group]
    for (reason, by), group in groups.items():
        for order in group:
            if not REASONS[reason].applies(by, order.status):  # outcome_applies let it through: a bug
                raise RuntimeError(f"{reason} does not apply to order {order.pk} in {order.status} for {by}")
            order.cancel_reason, order.cancel_comment, order.cancelled_by = reason, "", by
    # Before the status changes: goods with a carrier are not back on sale, only expected back.
    return_stock(orders, actor, "cancel", now=now)
    for order in orders:
        run_transition(order, "cancel")
        order.status_changed_at = now
        deadlines.refresh(order, status_changed=True)
    for (reason, by), group in groups.items():
        Order.objects.filter(pk__any=[o.pk for o in group]).update(
            status=Status.CANCELLED,
            cancel_reason=reason,
            cancel_comment="",
            cancelled_by=by,
            status_changed_at=now,
            excellent_deadline=None,
            acceptable_deadline=None,
            next_check_at=None,
            reminders_sent=0,
        )
    returning = [o.pk for o in orders if o.return_expected_since == now]
    if returning:
        Order.objects.filter(pk__any=returning).update(return_expected_since=now)
    for (reason, _by), group in groups.items():
        record_saved(Order, [o.pk for o in group], date=now, actor=actor, action="cancel", reason=reason)
    for order in orders:
        order._update_initial_state()  # saved above: a later save() of this copy starts from `cancelled`
    performance.orders_ended(orders, now=now)  # their stores' days count them (docs/rules.md §10)
    close_open_requests(orders, now=now)


def move_agreed_date(order: Order, new_date, *, actor: Actor, now: datetime) -> Order:
    """A new agreed (ship-by) date for an order the caller holds locked (a moderator's "continue
    with a date", docs/rules.md §6): the deadlines follow, a history row "move_date" keeps both."""
    check_ship_by(new_date)
    order.ship_by = new_date
    deadlines.refresh(order, now=now)
    Order.objects.filter(pk=order.pk).update(
        ship_by=new_date, **{name: getattr(order, name) for name in DEADLINE_FIELDS}
    )
    record_saved(Order, [order.pk], date=now, actor=actor, action="move_date")
    return order


def lapse(requests: list[OrderRequest], *, now: datetime) -> None:
    """Close open requests (locked by the caller) whose order ended or can no longer take their
    outcome: one UPDATE and their history rows, by the platform. Takes models or the sweep's plain
    records (orders.requests.sweep.Due)."""
    if not requests:
        return
    models = [r for r in requests if isinstance(r, OrderRequest)]
    for request in models:
        request.lapse()
        request.closed_at, request.next_check_at = now, None
    for request in requests:
        if not isinstance(request, OrderRequest):  # the sweep's plain records, claimed open
            request.state = RequestState.LAPSED
    pks = [r.pk for r in requests]
    OrderRequest.objects.filter(pk__any=pks, state=RequestState.OPEN).update(
        state=RequestState.LAPSED, closed_at=now, next_check_at=None
    )
    record_saved(OrderRequest, pks, date=now, actor=Actor.platform(), action="lapse")
    for request in models:
        request._update_initial_state()


def close_open_requests(orders, *, now: datetime) -> None:
    """An order that ended (received, cancelled) closes its open request as `lapsed` and its
    undecided dispute (docs/rules.md §6). Runs on every order end: one query when there is none."""
    ids = [getattr(order, "pk", order) for order in orders]
    if not ids:
        return
    has_request = Exists(OrderRequest.objects.filter(order_id=OuterRef("pk"), state=RequestState.OPEN))
    has_dispute = Exists(Dispute.objects.filter(order_id=OuterRef("pk"), state__in=UNDECIDED))
    found = list(
        Order.objects.filter(pk__any=ids)
        .annotate(r=has_request, d=has_dispute)
        .filter(Q(r=True) | Q(d=True))
        .values_list("pk", "r", "d")
    )
    if not found:
        return
    with_request = [pk for pk, r, _d in found if r]
    if with_request:
        lapse(
            list(OrderRequest.objects.select_for_update().filter(order_id__any=with_request, state=RequestState.OPEN)),
            now=now,
        )
    with_dispute = [pk for pk, _r, d in found if d]
    if with_dispute:
        from ..disputes.services import dispute_close_for_order  # the disputes lane (it imports this module)

        by_pk = {getattr(order, "pk", None): order for order in orders}
        for pk in with_dispute:
            order = by_pk.get(pk)
            dispute_close_for_order(order=order if isinstance(order, Order) else Order.objects.get(pk=pk), now=now)
