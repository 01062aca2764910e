"""Request services (docs/rules.md §6): open, withdraw, answer, follow up, write in the thread.

Each is keyword-only and runs in one transaction: lock the order (lock_order), then the request,
check the actor and the rule under the locks (orders.requests.rules, the same source the pages
read), run the request's transition, save it with the history stamp, apply the outcome through
orders.requests.outcomes, and tell the other side through orders.requests.messages. A refusal
raises RuleViolation / NotAllowed with a sentence and changes nothing.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from marketplace import clock
from marketplace.actors import Actor, ActorKind
from marketplace.calendar import platform
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.history import stamp
from marketplace.worktime import KYIV

from ..choices import OPEN_STATUSES
from ..models import Order
from ..services.base import atomic, check_actor, check_ship_by, lock_order, status_label
from . import outcomes, rules
from .messages import tell
from .models import CancelGround, OrderRequest, RequestKind, RequestMessage, RequestState

# The longest message a request or its thread takes (a short exchange, not a letter).
MAX_MESSAGE = 2000
SIDES = (ActorKind.BUYER, ActorKind.SELLER)


def _check_side(actor: Actor, order: Order) -> str:
    """The side `actor` speaks for: the buyer (the public page holds the order's secret link) or a
    member of the order's store."""
    check_actor(actor, order, allowed=SIDES)
    return actor.kind


def _text(value: str, *, required: bool, what: str) -> str:
    value = (value or "").strip()
    if required and not value:
        raise RuleViolation(_("Write %(what)s: the other side reads it.") % {"what": what}, code="message")
    if len(value) > MAX_MESSAGE:
        raise RuleViolation(
            _("A message can be at most %(max)s characters long.") % {"max": MAX_MESSAGE}, code="message"
        )
    return value


def _lock_request(request, order: Order) -> OrderRequest:
    pk = request.pk if isinstance(request, OrderRequest) else request
    found = OrderRequest.objects.select_for_update().filter(pk=pk, order_id=order.pk).first()
    if found is None:
        raise NotAllowed(_("No such request."))
    found.order = order
    return found


def _lock(request) -> tuple[Order, OrderRequest]:
    """The request's order locked first, then the request (the order services' order)."""
    if isinstance(request, OrderRequest):
        order_id = request.order_id
    else:
        order_id = OrderRequest.objects.filter(pk=request).values_list("order_id", flat=True).first()
        if order_id is None:
            raise NotAllowed(_("No such request."))
    order = lock_order(order_id)
    return order, _lock_request(request, order)


def _check_open(request: OrderRequest) -> None:
    if request.state != RequestState.OPEN:
        raise RuleViolation(
            _("The request is already closed (%(state)s); reload the page.")
            % {"state": RequestState(request.state).label},
            code="request_closed",
        )


def _refuse_open(order: Order, side: str, kind: str, actions: rules.RequestActions, p) -> None:
    """The sentence for a request `side` may not open now."""
    if order.status not in OPEN_STATUSES:
        raise RuleViolation(
            _("The order is already “%(status)s”; there is nothing to ask.") % {"status": status_label(order.status)},
            code="illegal_transition",
        )
    if actions.request is not None:
        raise RuleViolation(
            _("This order already has an open request: it must be answered or withdrawn first."), code="request_open"
        )
    if actions.dispute is not None:
        raise RuleViolation(
            _("The moderators are deciding a dispute about this order; no new request until they decide."),
            code="dispute_open",
        )
    if kind not in (rules.SELLER_KINDS if side == ActorKind.SELLER else rules.BUYER_KINDS):
        raise NotAllowed(_("This action is not available to you."))
    if kind == RequestKind.MOVE_DATE:
        raise RuleViolation(
            _("The agreed date can be moved only while the order has a ship-by date and is still in the store."),
            code="move_date_status",
        )
    if kind == RequestKind.BUYER_CANCEL and rules.is_late(order, p=p):
        raise RuleViolation(_("The agreed date has passed: cancel the order at once instead."), code="late")
    raise RuleViolation(_("The buyer's cancellation does not need the store's answer: cancel at once."), code="mode")


def request_open(*, actor: Actor, order, kind: str, message: str = "", ground: str = "", new_date=None) -> OrderRequest:
    """The seller asks to cancel by agreement or to move the agreed date; the buyer (request mode)
    asks to cancel. The answering side is told."""
    if kind not in RequestKind.values:
        raise RuleViolation(_("There is no such request."), code="kind")
    with atomic():
        order = lock_order(order)
        side = _check_side(actor, order)
        p = platform()
        now = clock.now()
        actions = rules.request_actions(order, side, p=p, now=now)
        if kind not in actions.open_kinds:
            _refuse_open(order, side, kind, actions, p)
        fields = {}
        if kind == RequestKind.SELLER_CANCEL:
            if ground not in CancelGround.values:
                raise RuleViolation(_("Choose why the order should be cancelled."), code="ground")
            fields["ground"] = ground
            fields["message"] = _text(message, required=True, what=_("a message to the buyer"))
        elif kind == RequestKind.MOVE_DATE:
            if new_date is None:
                raise RuleViolation(_("Choose the new agreed date."), code="new_date")
            if new_date == order.ship_by:
                raise RuleViolation(_("The new date is the agreed date already: choose another one."), code="new_date")
            check_ship_by(new_date)
            fields.update(old_date=order.ship_by, new_date=new_date)
            fields["message"] = _text(message, required=True, what=_("why the date moves"))
        else:
            fields["message"] = _text(message, required=False, what="")
        answer_by, expires_at = rules.windows(now, p=p)
        request = OrderRequest(
            order=order,
            kind=kind,
            opened_by=side,
            opened_by_user=actor.user if side == ActorKind.SELLER else None,
            opened_at=now,
            answer_by=answer_by,
            expires_at=expires_at,
            next_check_at=answer_by,
            **fields,
        )
        stamp(request, actor, "open")
        request.save()
        tell("request_opened", request, to=request.answering_side)
    return request


def request_withdraw(*, actor: Actor, request) -> OrderRequest:
    """Whoever opened the request takes it back while it is unanswered; the other side is told."""
    with atomic():
        order, request = _lock(request)
        side = _check_side(actor, order)
        _check_open(request)
        if request.opened_by != side:
            raise RuleViolation(_("Only the side that opened the request can withdraw it."), code="not_opener")
        now = clock.now()
        request.withdraw()
        request.closed_at, request.next_check_at = now, None
        stamp(request, actor, "withdraw")
        request.save()
        tell("request_withdrawn", request, to=request.answering_side)
    return request


def request_answer(*, actor: Actor, request, accept: bool, message: str = "") -> OrderRequest:
    """The other side accepts (the outcome applies at once) or declines (a dispute opens for the
    moderators); the opener is told. At or after `expires_at` the sweep owns the request."""
    with atomic():
        order, request = _lock(request)
        side = _check_side(actor, order)
        _check_open(request)
        if request.answering_side != side:
            raise RuleViolation(_("The side that opened the request cannot answer it."), code="not_answering")
        now = clock.now()
        if now >= request.expires_at:
            raise RuleViolation(
                _("The time to answer is over: the request goes through without an answer."), code="too_late"
            )
        if accept and not rules.outcome_applies(request, order):
            raise RuleViolation(
                _("The order is “%(status)s” now: this request can no longer be carried out.")
                % {"status": status_label(order.status)},
                code="outcome",
            )
        text = _text(message, required=False, what="")
        request.accept() if accept else request.decline()
        request.answered_at, request.answer_message = now, text
        request.answered_by_user = actor.user if side == ActorKind.SELLER else None
        request.closed_at, request.next_check_at = now, None
        stamp(request, actor, "accept" if accept else "decline")
        request.save()
        if accept:
            outcomes.apply([request], accepted=True, actor=actor, now=now)
        else:
            from ..disputes.services import dispute_open_for_request  # the disputes lane

            dispute_open_for_request(request=request, now=now)
        tell("request_answered", request, to=request.opened_by)
    return request


def request_follow_up(*, actor: Actor, request) -> OrderRequest:
    """The seller nudges a buyer who has not answered the seller's request: at most once per
    `follow_up_working_minutes` of working time; the buyer gets an e-mail."""
    with atomic():
        order, request = _lock(request)
        check_actor(actor, order, allowed=(ActorKind.SELLER,))
        _check_open(request)
        if request.opened_by != ActorKind.SELLER:
            raise RuleViolation(_("Only the store's own requests can be followed up."), code="not_opener")
        now = clock.now()
        p = platform()
        ready = rules.follow_up_from(request, p=p)
        if now < ready:
            raise RuleViolation(
                _("The buyer was reminded recently; the next follow-up is possible from %(when)s.")
                % {"when": ready.astimezone(KYIV).strftime("%d.%m.%Y %H:%M")},
                code="follow_up_soon",
            )
        if now >= request.expires_at:
            raise RuleViolation(_("The request goes through now; there is nothing to follow up."), code="too_late")
        request.last_follow_up_at = now
        stamp(request, actor, "follow_up")
        request.save()
        tell("request_followed_up", request, to=ActorKind.BUYER, occurrence=now.isoformat())
    return request


def request_message_add(*, actor: Actor, request, text: str) -> RequestMessage:
    """A message in the open request's thread, from the author's side to the other side."""
    with atomic():
        order, request = _lock(request)
        side = _check_side(actor, order)
        _check_open(request)
        text = _text(text, required=True, what=_("a message"))
        written = RequestMessage.objects.create(
            request=request,
            author_kind=side,
            author=actor.user if side == ActorKind.SELLER else None,
            text=text,
            created_at=clock.now(),
        )
        other = ActorKind.SELLER if side == ActorKind.BUYER else ActorKind.BUYER
        tell("request_message", request, to=other, occurrence=str(written.pk), text=text)
    return written
