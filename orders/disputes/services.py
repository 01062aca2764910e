"""Disputes the moderators decide (docs/rules.md §6): a declined request or a buyer's complaint about
a late order opens one; a moderator takes it and decides (cancel naming who is at fault, or continue,
optionally with a new agreed date), with a note to each side.

Each service locks the order, then the dispute, checks under the locks, runs the dispute's
transition and saves it with the history stamp; messages go through orders.requests.messages.

Taking: a dispute is taken once. A second moderator taking a dispute somebody else took is refused
with a sentence naming who took it, unless they take it over explicitly (`take_over=True`, the
admin's "take over" button); deciding an open dispute takes it on the way; deciding a dispute taken
by another moderator is refused until it is taken over."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from marketplace import clock
from marketplace.actors import Actor, ActorKind
from marketplace.calendar import platform
from marketplace.errors import ConflictError, NotAllowed, RuleViolation
from marketplace.history import stamp

from ..choices import OPEN_STATUSES, REASONS, CancelReason, Status
from ..models import Order
from ..requests.messages import tell_dispute
from ..requests.outcomes import move_agreed_date
from ..requests.rules import is_late
from ..services.base import atomic, check_actor, check_ship_by, lock_order, status_label
from ..services.cancellation import cancel_as
from .models import Decision, Dispute, DisputeOrigin, DisputeState, Fault

# Who is at fault picks the cancellation reason (docs/rules.md §5, §6).
FAULT_REASONS = {
    Fault.SELLER: CancelReason.DISPUTE_SELLER_FAULT,
    Fault.BUYER: CancelReason.DISPUTE_BUYER_FAULT,
    Fault.NOBODY: CancelReason.DISPUTE_NO_FAULT,
}
# A new agreed date only while the goods are in the store and the order has a ship-by date (§6).
NEW_DATE_STATUSES = (Status.ACCEPTED, Status.CONFIRMED, Status.AWAITING_SHIPMENT)
UNDECIDED = (DisputeState.OPEN, DisputeState.TAKEN)


def take_by(opened_at: datetime, *, p=None) -> datetime:
    """When the moderators are reminded of a dispute nobody took: `dispute_take_working_minutes`
    of working time after it opened (docs/rules.md §6)."""
    p = p or platform()
    return p.calendar.add(opened_at, timedelta(minutes=p.dispute_take_working_minutes))


def lock_dispute(dispute_or_id) -> Dispute:
    dispute_id = dispute_or_id.pk if isinstance(dispute_or_id, Dispute) else dispute_or_id
    try:
        return Dispute.objects.select_for_update(of=("self",)).select_related("taken_by").get(pk=dispute_id)
    except Dispute.DoesNotExist:
        raise NotAllowed(_("No such dispute.")) from None


def _lock(dispute) -> tuple[Order, Dispute]:
    """The order, then the dispute (always in this order: no deadlock with the order services)."""
    if isinstance(dispute, Dispute):
        order_id = dispute.order_id
    else:
        order_id = Dispute.objects.filter(pk=dispute).values_list("order_id", flat=True).first()
        if order_id is None:
            raise NotAllowed(_("No such dispute."))
    order = lock_order(order_id)
    locked = lock_dispute(dispute)
    locked.order = order
    return order, locked


def _undecided_of(order) -> Dispute | None:
    return Dispute.objects.select_for_update(of=("self",)).filter(order=order, state__in=UNDECIDED).first()


def _save(dispute: Dispute, actor: Actor, action: str, reason: str = "") -> None:
    stamp(dispute, actor, action, reason)
    try:
        dispute.save()
    except ConcurrentTransition:
        raise ConflictError(_("Somebody changed this dispute at the same moment; reload it and try again.")) from None


def _tell_opened(dispute: Dispute) -> None:
    for side in (ActorKind.BUYER, ActorKind.SELLER, ActorKind.MODERATOR):
        tell_dispute("dispute_opened", dispute, to=side)


def _moderator_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else "—"


def dispute_open_for_request(*, request, now: datetime) -> Dispute:
    """A declined request goes to the moderators (docs/rules.md §6). Called by request_answer in its
    transaction, which holds the order and the request locked.

    An order already has at most one undecided dispute: when one is open (a buyer's complaint), the
    declined request joins it instead of opening a second one, and the moderators are told."""
    actor = Actor(request.answering_side, request.answered_by_user)
    existing = _undecided_of(request.order_id)
    if existing is not None:
        if existing.request_id is None:
            existing.request = request
            _save(existing, actor, "request_joined")
        existing.order = request.order
        tell_dispute("dispute_opened", existing, to=ActorKind.MODERATOR, occurrence=f"request{request.pk}")
        return existing
    dispute = Dispute(
        order=request.order,
        request=request,
        origin=DisputeOrigin.DECLINED_REQUEST,
        opened_at=now,
        next_check_at=take_by(now),
    )
    _save(dispute, actor, "open")
    _tell_opened(dispute)
    return dispute


def dispute_complain(*, order, complaint: str) -> Dispute:
    """The buyer complains from the public page about a late order (docs/rules.md §6): the agreed
    date has passed (orders.requests.rules.is_late) and the order has no undecided dispute."""
    complaint = (complaint or "").strip()
    with atomic():
        order = lock_order(order)
        if order.status not in OPEN_STATUSES:
            raise RuleViolation(
                _("The order is already “%(status)s”; there is nothing to complain about.")
                % {"status": status_label(order.status)},
                code="illegal_transition",
            )
        if not is_late(order):
            raise RuleViolation(
                _("The agreed date has not passed yet: a complaint about a late order is possible after it."),
                code="not_late",
            )
        if _undecided_of(order) is not None:
            raise RuleViolation(
                _("The moderators are already looking at this order; they will tell you their decision."),
                code="dispute_undecided",
            )
        if not complaint:
            raise RuleViolation(_("Describe what is wrong with the order in the complaint."), code="complaint")
        now = clock.now()
        dispute = Dispute(
            order=order,
            origin=DisputeOrigin.LATE_ORDER,
            complaint=complaint,
            opened_at=now,
            next_check_at=take_by(now),
        )
        _save(dispute, Actor.buyer(), "complain")
        _tell_opened(dispute)
    return dispute


def dispute_take(*, actor: Actor, dispute, take_over: bool = False) -> Dispute:
    """A moderator takes a dispute (docs/rules.md §6): once. Somebody else's dispute only with
    `take_over`; taking one's own again changes nothing."""
    with atomic():
        order, dispute = _lock(dispute)
        check_actor(actor, order, allowed=(ActorKind.MODERATOR,))
        if not dispute.is_undecided:
            raise RuleViolation(
                _("The dispute is already “%(state)s”; it cannot be taken.") % {"state": dispute.get_state_display()},
                code="dispute_state",
            )
        if dispute.state == DisputeState.TAKEN:
            if dispute.taken_by_id == actor.user.pk:
                return dispute
            if not take_over:
                raise RuleViolation(
                    _("%(name)s already took this dispute; take it over if you are to decide it instead.")
                    % {"name": _moderator_name(dispute.taken_by)},
                    code="dispute_taken",
                )
            action = "take_over"
        else:
            dispute.take()
            action = "take"
        dispute.taken_by = actor.user
        dispute.taken_at = clock.now()
        dispute.next_check_at = None
        _save(dispute, actor, action)
    return dispute


def _check_decision(order: Order, dispute: Dispute, decision: str, fault: str, new_date: date | None) -> str:
    """What the decision does to the order, checked before any write; returns the cancel reason
    (empty when the order continues)."""
    if decision not in Decision.values:
        raise RuleViolation(_("Choose a decision: cancel the order or continue it."), code="decision")
    if order.status not in OPEN_STATUSES:
        raise RuleViolation(
            _("The order is already “%(status)s”; the dispute can no longer change it.")
            % {"status": status_label(order.status)},
            code="illegal_transition",
        )
    if decision == Decision.CANCEL:
        if fault not in Fault.values:
            raise RuleViolation(
                _("Name who is at fault when cancelling: the store, the buyer or nobody."), code="fault"
            )
        if new_date is not None:
            raise RuleViolation(_("A new agreed date is given only when the order continues."), code="new_date")
        reason = FAULT_REASONS[fault]
        if not REASONS[reason].applies(ActorKind.MODERATOR, order.status):  # pragma: no cover - every open status
            raise RuleViolation(_("The moderators cannot cancel an order in this status."), code="reason_status")
        return reason
    if fault:
        raise RuleViolation(_("Who is at fault is named only when the order is cancelled."), code="fault")
    if new_date is not None:
        if order.status not in NEW_DATE_STATUSES or order.ship_by is None:
            raise RuleViolation(
                _(
                    "The agreed date can be moved only while the goods are in the store "
                    "and the order has a ship-by date."
                ),
                code="new_date",
            )
        if new_date == order.ship_by:
            raise RuleViolation(_("The new agreed date is the current one: choose another day."), code="new_date")
        check_ship_by(new_date)
    return ""


def dispute_decide(
    *,
    actor: Actor,
    dispute,
    decision: str,
    fault: str = "",
    new_date: date | None = None,
    note_to_buyer: str = "",
    note_to_seller: str = "",
) -> Dispute:
    """A moderator decides (docs/rules.md §6): `cancel` with who is at fault (the reason
    dispute_seller_fault / dispute_buyer_fault / dispute_no_fault, stock back), or `continue`,
    optionally with a new agreed date (the ship-by date moves, deadlines follow). Each side is told,
    with its own note only."""
    with atomic():
        order, dispute = _lock(dispute)
        check_actor(actor, order, allowed=(ActorKind.MODERATOR,))
        if not dispute.is_undecided:
            raise RuleViolation(
                _("The dispute is already “%(state)s”; it cannot be decided again.")
                % {"state": dispute.get_state_display()},
                code="dispute_state",
            )
        if dispute.state == DisputeState.TAKEN and dispute.taken_by_id != actor.user.pk:
            raise RuleViolation(
                _("%(name)s took this dispute; take it over before deciding it.")
                % {"name": _moderator_name(dispute.taken_by)},
                code="dispute_taken",
            )
        fault = fault or ""
        reason = _check_decision(order, dispute, decision, fault, new_date)
        now = clock.now()
        if dispute.state == DisputeState.OPEN:
            dispute.taken_by, dispute.taken_at = actor.user, now
        dispute.decide()
        dispute.decision = decision
        dispute.fault = fault if decision == Decision.CANCEL else ""
        dispute.new_date = new_date
        dispute.note_to_buyer = (note_to_buyer or "").strip()
        dispute.note_to_seller = (note_to_seller or "").strip()
        dispute.decided_by, dispute.decided_at = actor.user, now
        dispute.next_check_at = None
        # The dispute is saved before the order changes: whatever closes an ended order's undecided
        # dispute finds this one decided.
        _save(dispute, actor, "decide", reason)
        if reason:
            # No comment: the notes are the sides' own, and the buyer's page shows the order's comment.
            cancel_as(order=order, actor=actor, reason=reason)
        elif new_date is not None:
            move_agreed_date(order, new_date, actor=actor, now=now)
        dispute.order = order
        tell_dispute("dispute_decided", dispute, to=ActorKind.BUYER, buyer_note=dispute.note_to_buyer)
        tell_dispute("dispute_decided", dispute, to=ActorKind.SELLER, seller_note=dispute.note_to_seller)
    return dispute


def dispute_close_for_order(*, order, now: datetime) -> None:
    """The order ended another way (received, cancelled): its undecided dispute closes
    (docs/rules.md §6). The caller holds the order locked, in its transaction."""
    dispute = _undecided_of(order)
    if dispute is None:
        return
    dispute.close()
    dispute.next_check_at = None
    _save(dispute, Actor.platform(), "close")
