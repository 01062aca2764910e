"""What each side may do about an order's requests now (docs/rules.md §6): one source for the
cabinet, the buyer's page, the API and admin — UIs never re-derive these. Pure reads: the services
(orders.requests.services) call the same functions under their locks and refuse what they say no to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from marketplace import clock
from marketplace.actors import ActorKind
from marketplace.calendar import Platform, platform
from marketplace.models import BuyerCancelMode, WindowCounting

from ..choices import BEFORE_SHIPMENT, OPEN_STATUSES, REASONS, CancelReason, Status
from ..disputes.models import Dispute, DisputeState
from .models import OrderRequest, RequestKind, RequestState

# A move of the agreed date: only while the order has a ship-by date and the goods are still in
# the store (docs/rules.md §6).
MOVE_DATE_STATUSES = (Status.ACCEPTED, Status.CONFIRMED, Status.AWAITING_SHIPMENT)
SELLER_KINDS = (RequestKind.SELLER_CANCEL, RequestKind.MOVE_DATE)
BUYER_KINDS = (RequestKind.BUYER_CANCEL,)
UNDECIDED = (DisputeState.OPEN, DisputeState.TAKEN)


@dataclass(frozen=True)
class RequestActions:
    request: OrderRequest | None  # the open request of the order, if any
    open_kinds: tuple[str, ...]  # RequestKind values this side may open now
    can_answer: bool  # this side must answer the open request
    can_withdraw: bool  # this side opened it and it is unanswered
    can_write: bool  # may post a message in the open request's thread
    can_follow_up: bool  # seller: may nudge now
    follow_up_from: datetime | None  # seller: when the next follow-up becomes possible
    can_cancel: bool  # buyer: the page shows a cancel button at all
    cancels_at_once: bool  # buyer: that button cancels at once (instant mode, or late)
    can_complain: bool  # buyer: the order is late and has no undecided dispute
    dispute: Dispute | None  # the undecided dispute of the order, if any


def windows(opened_at: datetime, *, p: Platform | None = None) -> tuple[datetime, datetime]:
    """(answer_by, expires_at) of a request opened at `opened_at` (docs/rules.md §6): the policy's
    hours in calendar time, or in working time when `request_window_counting` says so."""
    p = p or platform()
    accept, expire = timedelta(hours=p.request_accept_hours), timedelta(hours=p.request_expire_hours)
    if p.request_window_counting == WindowCounting.WORKING:
        return p.calendar.add(opened_at, accept), p.calendar.add(opened_at, expire)
    return opened_at + accept, opened_at + expire


def _active_parcel(order):
    cache = getattr(order, "_prefetched_objects_cache", {})
    if "parcels" in cache:
        return next((parcel for parcel in cache["parcels"] if parcel.active), None)
    return order.parcels.filter(active=True).first()


def agreed_date(order, *, p: Platform | None = None) -> date | None:
    """The date the order is late after (docs/rules.md §6): the ship-by date while the goods are in
    the store; for a parcel in delivery the carrier's scheduled delivery date, else the ship-by date
    plus the policy's `late_delivery_after_days`. None where lateness does not apply."""
    if order.status in BEFORE_SHIPMENT:
        return order.ship_by
    if order.status != Status.IN_DELIVERY:
        return None
    parcel = _active_parcel(order)
    if parcel is not None and parcel.scheduled_delivery is not None:
        return parcel.scheduled_delivery
    if order.ship_by is None:
        return None
    return order.ship_by + timedelta(days=(p or platform()).late_delivery_after_days)


def is_late(order, *, today: date | None = None, p: Platform | None = None) -> bool:
    """The agreed date passed: the Kyiv date is after it (docs/rules.md §6); the buyer may then
    cancel at once as `late_delivery` in every mode, or complain."""
    if not REASONS[CancelReason.LATE_DELIVERY].applies(ActorKind.BUYER, order.status):
        return False
    agreed = agreed_date(order, p=p)
    return agreed is not None and (today or clock.today()) > agreed


def open_request(order, requests=None) -> OrderRequest | None:
    """The order's open request; from `requests` (all of the order's, already read) when given."""
    if requests is not None:
        return next((r for r in requests if r.state == RequestState.OPEN), None)
    return OrderRequest.objects.filter(order_id=order.pk, state=RequestState.OPEN).first()


def undecided_dispute(order, disputes=None) -> Dispute | None:
    """The order's undecided dispute; from `disputes` (all of the order's, already read) when given."""
    if disputes is not None:
        return next((d for d in disputes if d.state in UNDECIDED), None)
    return Dispute.objects.filter(order_id=order.pk, state__in=UNDECIDED).first()


def follow_up_from(request: OrderRequest, *, p: Platform | None = None) -> datetime:
    """When the seller may next nudge the buyer: `follow_up_working_minutes` of working time after
    the request was opened (its own message just went out) or after the last follow-up."""
    p = p or platform()
    since = max(request.opened_at, request.last_follow_up_at or request.opened_at)
    return p.calendar.add(since, timedelta(minutes=p.follow_up_working_minutes))


def outcome_applies(request: OrderRequest, order) -> bool:
    """Whether the order can still take what the request does: a cancellation while the order is
    open; a new date while it has a ship-by date and the goods are in the store. A request whose
    order no longer can lapses (orders.requests.outcomes)."""
    if order.status not in OPEN_STATUSES:
        return False
    if request.kind == RequestKind.MOVE_DATE:
        return order.status in MOVE_DATE_STATUSES and order.ship_by is not None
    return True


def seller_kinds(order) -> tuple[str, ...]:
    """What the seller may ask for on an order with no open request and no undecided dispute."""
    if order.status not in OPEN_STATUSES:
        return ()
    kinds = [RequestKind.SELLER_CANCEL]
    if order.status in MOVE_DATE_STATUSES and order.ship_by is not None:
        kinds.append(RequestKind.MOVE_DATE)
    return tuple(kinds)


def buyer_kinds(order, *, late: bool, p: Platform) -> tuple[str, ...]:
    if order.status not in OPEN_STATUSES or late or p.buyer_cancel_mode != BuyerCancelMode.REQUEST:
        return ()
    return BUYER_KINDS


def request_actions(
    order, side: str, *, p: Platform | None = None, now: datetime | None = None, requests=None, disputes=None
) -> RequestActions:
    """What `side` (ActorKind.BUYER or SELLER) may do about the order's requests now. A page that
    shows the order's requests and disputes anyway passes them (`requests`, `disputes`: all of the
    order's) and this reads nothing more."""
    p = p or platform()
    now = now or clock.now()
    request = open_request(order, requests)
    dispute = undecided_dispute(order, disputes)
    is_open = order.status in OPEN_STATUSES
    late = is_late(order, today=clock.today(), p=p)
    if request is not None or dispute is not None or not is_open:
        kinds: tuple[str, ...] = ()
    elif side == ActorKind.SELLER:
        kinds = seller_kinds(order)
    elif side == ActorKind.BUYER:
        kinds = buyer_kinds(order, late=late, p=p)
    else:
        kinds = ()
    in_thread = request is not None and side in (ActorKind.BUYER, ActorKind.SELLER)
    answering = in_thread and request.answering_side == side
    can_answer = answering and now < request.expires_at and outcome_applies(request, order)
    nudge_from = None
    if in_thread and side == ActorKind.SELLER and request.opened_by == ActorKind.SELLER:
        nudge_from = follow_up_from(request, p=p)
    cancels_at_once = side == ActorKind.BUYER and is_open and (p.buyer_cancel_mode == BuyerCancelMode.INSTANT or late)
    return RequestActions(
        request=request,
        open_kinds=kinds,
        can_answer=can_answer,
        can_withdraw=in_thread and request.opened_by == side,
        can_write=in_thread,
        can_follow_up=nudge_from is not None and nudge_from <= now < request.expires_at,
        follow_up_from=nudge_from,
        can_cancel=side == ActorKind.BUYER and (cancels_at_once or RequestKind.BUYER_CANCEL in kinds),
        cancels_at_once=cancels_at_once,
        can_complain=side == ActorKind.BUYER and late and dispute is None,
        dispute=dispute,
    )
