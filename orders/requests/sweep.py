"""The request sweep (docs/rules.md §6): request windows are deadline columns, swept like the
order deadlines (orders.sweep). `next_check_at` is `answer_by` until the answering side has been
reminded (the Reminded bit), then `expires_at`; NULL once the request is closed. The due rows are
read through the `request_due` index.

Locks in the order services' order, order first: a batch of due requests' orders is claimed with
FOR UPDATE SKIP LOCKED (an order a seller or the buyer is acting on is passed over and comes
again in the next pass), then their due requests are locked. Each batch is one transaction; a
batch that fails is retried one request at a time, and a request that still fails is logged and
pushed forward, so a bad row never stops the others. Every handled row leaves with
`next_check_at` after `now` or NULL, so a pass reads each row once; a batch of rows already
handled in this pass means no progress, and the pass stops with an error in the log.

What is due: the reminder at `answer_by` (once), the going-through at `expires_at` (the outcome,
orders.requests.outcomes, both sides told), and the lapse of a request whose order ended.
The same pass reminds the moderators of disputes nobody took (orders.disputes.sweep).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F

from marketplace import clock
from marketplace.actors import Actor, ActorKind
from marketplace.calendar import Platform, platform
from marketplace.history import record_saved
from notifications.services import notify_each
from sellers.models import Store

from .. import sweeping
from ..choices import OPEN_STATUSES
from ..models import Order
from ..services.expiry import _message_items as message_items
from . import outcomes
from .messages import request_params
from .models import OrderRequest, Reminded, RequestState

logger = logging.getLogger(__name__)
RETRY_FAILED_AFTER = timedelta(minutes=10)


@dataclass
class RequestSweepResult:
    reminded: int = 0
    went_through: int = 0
    lapsed: int = 0
    disputes_reminded: int = 0
    failed: list[int] = field(default_factory=list)
    stalled: bool = False

    def __str__(self) -> str:
        return (
            f"requests: reminders {self.reminded}, went through {self.went_through}, lapsed {self.lapsed}, "
            f"failed rows {len(self.failed)}; disputes: moderators reminded of {self.disputes_reminded}"
            + (", stopped: no progress" if self.stalled else "")
        )


def _due(now: datetime):
    return OrderRequest.objects.filter(state=RequestState.OPEN, next_check_at__lte=now)


# What the sweep reads of a due request: plain values, not a model (a model and its status machine
# per request cost the claim more than its statements).
_FIELDS = (
    "pk",
    "order_id",
    "kind",
    "opened_by",
    "ground",
    "old_date",
    "new_date",
    "message",
    "answer_by",
    "expires_at",
    "state",
    "answer_message",
    "reminded",
)


@dataclass(slots=True)
class Due:
    """A claimed request as the sweep, the outcomes and the messages read it (request_params)."""

    pk: int
    order_id: int
    kind: str
    opened_by: str
    ground: str
    old_date: object
    new_date: object
    message: str
    answer_by: datetime
    expires_at: datetime
    state: str
    answer_message: str
    reminded: int
    order: Order | None = None

    @property
    def answering_side(self) -> str:
        """Who must answer: the side that did not open it (OrderRequest.answering_side)."""
        return ActorKind.SELLER if self.opened_by == ActorKind.BUYER else ActorKind.BUYER


def _claim(now: datetime, batch_size: int, only: int | None = None) -> list[Due]:
    """Lock a batch of due requests, their orders first (SKIP LOCKED: an order somebody holds is
    passed over); each request gets its locked order, the batch's few stores read once and shared."""
    due = _due(now)
    if only is not None:
        due = due.filter(pk=only)
    order_ids = due.order_by("next_check_at").values("order_id")[:batch_size]
    orders = {o.pk: o for o in Order.objects.select_for_update(skip_locked=True, of=("self",)).filter(pk__in=order_ids)}
    if not orders:
        return []
    stores = Store.objects.in_bulk({order.store_id for order in orders.values()})
    for order in orders.values():
        order.store = stores[order.store_id]
    rows = due.select_for_update().filter(order_id__in=list(orders)).order_by("next_check_at", "pk")
    requests = [Due(*values) for values in rows.values_list(*_FIELDS)]
    for request in requests:
        request.order = orders[request.order_id]
    return requests


def requests_sweep(*, now: datetime | None = None, batch_size: int = 500) -> RequestSweepResult:
    """One pass over every request due at `now` (the shared machinery: orders.sweeping), and the
    disputes waiting for a moderator."""
    now = now or clock.now()
    p = platform()
    result = RequestSweepResult()
    machinery = sweeping.Machinery(
        claim=lambda only: _claim(now, batch_size if only is None else 1, only=only),
        due_ids=lambda: _due(now).order_by("next_check_at").values_list("pk", flat=True)[:batch_size],
        process=lambda requests: _process(requests, now, p, result),
        push_forward=lambda pk: OrderRequest.objects.filter(pk=pk).update(next_check_at=now + RETRY_FAILED_AFTER),
        logger=logger,
        label="Request sweep",
        rows_name="requests",
        row_name="request",
    )
    sweeping.run(machinery, result, batch_size=batch_size)
    result.disputes_reminded = _remind_disputes(now)
    return result


def _remind_disputes(now: datetime) -> int:
    try:
        from ..disputes.sweep import remind_untaken  # the disputes lane

        return remind_untaken(now=now)
    except Exception:
        logger.exception("Request sweep: reminding the moderators of untaken disputes failed")
        return 0


def _process(requests: list[Due], now: datetime, p: Platform, result: RequestSweepResult) -> None:
    ended, expiring, reminding = [], [], []
    for request in requests:
        if request.order.status not in OPEN_STATUSES:
            ended.append(request)
        elif request.expires_at <= now:
            expiring.append(request)
        else:
            reminding.append(request)
    if expiring:
        lapsed = go_through(expiring, now=now, p=p)
        result.went_through += len(expiring) - len(lapsed)
        result.lapsed += len(lapsed)
    if ended:
        outcomes.lapse(ended, now=now)
        result.lapsed += len(ended)
    if reminding:
        result.reminded += _remind(reminding, now)


def _remind(requests: list[Due], now: datetime) -> int:
    """The answer window passed unanswered: the answering side is reminded once that the request
    goes through at `expires_at`, and the sweep comes back then."""
    told = [r for r in requests if r.answer_by <= now and not r.reminded & Reminded.ANSWER_WINDOW_PASSED]
    for request in told:
        request.reminded |= Reminded.ANSWER_WINDOW_PASSED
    if told:
        notify_each(
            [("request_reminder", r.order, {**request_params(r), "to": r.answering_side}) for r in told],
            items=message_items([r.order for r in told]),
        )
        OrderRequest.objects.filter(pk__in=[r.pk for r in told]).update(
            reminded=F("reminded").bitor(Reminded.ANSWER_WINDOW_PASSED)
        )
    OrderRequest.objects.filter(pk__in=[r.pk for r in requests]).update(next_check_at=F("expires_at"))
    return len(told)


def go_through(requests: list[Due], *, now: datetime, p: Platform | None = None) -> list[Due]:
    """Unanswered at `expires_at`: each request goes through (its outcome applies) and both sides
    are told; one whose order can no longer take it lapses. Returns the lapsed ones. The caller
    holds the orders and the requests locked (docs/rules.md §6)."""
    p = p or platform()
    actor = Actor.platform()
    applicable = [r for r in requests if outcomes.outcome_applies(r, r.order)]
    lapsed = [r for r in requests if r not in applicable] if len(applicable) != len(requests) else []
    if applicable:
        pks = [r.pk for r in applicable]
        # Claimed open under the lock: open → went_through is the status machine's go_through.
        OrderRequest.objects.filter(pk__in=pks, state=RequestState.OPEN).update(
            state=RequestState.WENT_THROUGH, closed_at=now, next_check_at=None
        )
        for request in applicable:
            request.state = RequestState.WENT_THROUGH
        record_saved(OrderRequest, pks, date=now, actor=actor, action="go_through")
        outcomes.apply(applicable, accepted=False, actor=actor, now=now, p=p)
        notify_each(
            [
                ("request_went_through", r.order, {**request_params(r), "to": side})
                for r in applicable
                for side in (ActorKind.BUYER, ActorKind.SELLER)
            ],
            items=message_items([r.order for r in applicable]),
        )
    outcomes.lapse(lapsed, now=now)
    return lapsed
