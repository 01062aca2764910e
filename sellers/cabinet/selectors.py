"""Reads of the seller cabinet: the order list (tabs, search, filters, deadline order) and the
actions an order allows now, asked from its status machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import DateField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _

from marketplace import phones
from marketplace.actors import ActorKind
from marketplace.calendar import platform_calendar
from marketplace.worktime import KYIV
from orders import rules
from orders.carriers.base import StateGroup
from orders.choices import (
    CARRIER_METHODS,
    EXPIRY_REASONS,
    OPEN_STATUSES,
    REASONS,
    SELLER_REASONS,
    TERMINAL_STATUSES,
    CancelReason,
    DeliveryMethod,
    Status,
)
from orders.models import Order, Parcel
from sellers.models import Offer

# --- the order list --------------------------------------------------------------------------

PER_PAGE = 25
# Without a count (search, filters, the archive) pages go this deep at most: an OFFSET walks
# every row before it; beyond 10,000 rows the search is the way.
MAX_PAGE = 400
DUE_SOON = timedelta(hours=1)


@dataclass(frozen=True)
class Tab:
    key: str
    label: object
    statuses: tuple[str, ...] | None  # None: every status


TABS = (
    Tab("active", _("In progress"), tuple(OPEN_STATUSES)),
    *(Tab(str(status), status.label, (str(status),)) for status in Status),
    Tab("all", _("All"), None),
)
TAB_KEYS = {tab.key: tab for tab in TABS}
DEFAULT_TAB = "active"


@dataclass(frozen=True)
class TabCounts:
    """Orders per tab. Open statuses are counted exactly; the archive (received, cancelled)
    only up to ARCHIVE_CAP, so a store's history never makes the page slower: `capped`
    holds the tabs whose number is a lower bound (shown as “100+”)."""

    counts: dict[str, int]
    capped: frozenset[str]

    def __getitem__(self, key: str) -> int:
        return self.counts[key]

    def exact(self, key: str) -> int | None:
        return None if key in self.capped else self.counts[key]


# The archive's tabs count this many orders at most (“100+”): the same few index entries at any
# store size, so the list costs the same with 1,000 orders or 1,000,000 (bench/cabinet.py,
# `list_100k_to_1k`). A seller needs the open tabs' numbers exactly, the archive's only roughly.
ARCHIVE_CAP = 100


def order_tab_counts(store_id: int) -> TabCounts:
    """One query: a GROUP BY status over the store's open orders, plus the archive statuses
    counted up to ARCHIVE_CAP + 1 (index scans on (store, status, …) stop there)."""
    table = connection.ops.quote_name(Order._meta.db_table)
    open_statuses = [str(s) for s in OPEN_STATUSES]
    parts = [
        f"SELECT status, COUNT(*) FROM {table} WHERE store_id = %s AND status IN "
        f"({', '.join(['%s'] * len(open_statuses))}) GROUP BY status"
    ]
    params: list = [store_id, *open_statuses]
    for status in TERMINAL_STATUSES:
        # ORDER BY the (store, status, -created_at) index's order: the planner walks that index
        # and stops at the cap, instead of a sequential scan past other stores' rows.
        parts.append(
            f"SELECT CAST(%s AS varchar(20)), COUNT(*) FROM (SELECT 1 FROM {table} "
            f"WHERE store_id = %s AND status = %s ORDER BY created_at DESC LIMIT %s) AS archive"
        )
        params += [str(status), store_id, str(status), ARCHIVE_CAP + 1]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        per_status = dict(cursor.fetchall())
    capped = {str(s) for s in TERMINAL_STATUSES if per_status.get(str(s), 0) > ARCHIVE_CAP}
    counts, capped_tabs = {}, set()
    for tab in TABS:
        statuses = tab.statuses if tab.statuses is not None else per_status.keys()
        counts[tab.key] = sum(
            min(per_status.get(s, 0), ARCHIVE_CAP) if s in capped else per_status.get(s, 0) for s in statuses
        )
        if capped & set(statuses):
            capped_tabs.add(tab.key)
    return TabCounts(counts, frozenset(capped_tabs))


@dataclass
class OrderFilters:
    tab: str = DEFAULT_TAB
    q: str = ""
    overdue: bool = False
    due_soon: bool = False
    delivery: str = ""
    tracking: bool = False  # only orders in delivery with a tracking problem
    refused: bool = False  # the search could not be read: nothing matches it
    # The orders behind a number of the performance page (METRIC_ORDERS): the metric's code and its window.
    metric: str = ""
    days: int = 30

    @property
    def narrowed(self) -> bool:
        """True when the rows are fewer than the tab's count says."""
        return bool(
            self.q or self.overdue or self.due_soon or self.delivery or self.tracking or self.refused or self.metric
        )


# --- tracking problems (docs/rules.md §8) -----------------------------------------------------

# Checks with the carrier that failed in a row before the seller is shown a problem.
TRACKING_FAILURES_PROBLEM = 3
# Free storage at the branch ending within this many days is a problem (today and tomorrow).
STORAGE_ENDING_DAYS = 1


def tracking_problem_q(today) -> Q:
    """A parcel the seller should look at: the carrier does not know the number, checks keep
    failing, a delivery attempt failed, or it waits at the branch with free storage ending."""
    return (
        Q(group=StateGroup.NOT_FOUND)
        | Q(failures__gte=TRACKING_FAILURES_PROBLEM)
        | Q(group=StateGroup.FAILED_ATTEMPT)
        | Q(group=StateGroup.AT_BRANCH, storage_free_until__lte=today + timedelta(days=STORAGE_ENDING_DAYS))
    )


def tracking_problems(parcel: Parcel | None, today) -> list[str]:
    """The problems of the parcel the order follows, as codes (the order page words them)."""
    if parcel is None:
        return []
    problems = []
    if parcel.group == StateGroup.NOT_FOUND:
        problems.append("not_found")
    if parcel.failures >= TRACKING_FAILURES_PROBLEM:
        problems.append("failures")
    if parcel.group == StateGroup.FAILED_ATTEMPT:
        problems.append("failed_attempt")
    if (
        parcel.group == StateGroup.AT_BRANCH
        and parcel.storage_free_until is not None
        and parcel.storage_free_until <= today + timedelta(days=STORAGE_ENDING_DAYS)
    ):
        problems.append("storage_ending")
    return problems


def search_condition(q: str) -> Q | None:
    """Order number (with or without #), TTN, phone (full, any format, or its last digits), or
    part of the buyer's name. Number, TTN and full phone are index lookups."""
    q = q.strip()[:100]
    if not q:
        return None
    condition = Q(pk__in=[])
    compact = "".join(ch for ch in q if ch not in " -()#+")
    if compact.isascii() and compact.isdigit():  # "²".isdigit() is true, int("²") is not
        if q.lstrip("#").strip().isdigit() and len(compact) <= 12:
            condition |= Q(pk=int(compact))
        if len(compact) >= 10:
            condition |= Q(ttn=compact)
        if phones.is_valid(q):
            condition |= Q(buyer_phone=phones.normalize(q))
        elif len(compact) >= 5:
            condition |= Q(buyer_phone__endswith=compact)
    if any(ch.isalpha() for ch in q):
        # Any letter case, Cyrillic included, on SQLite too (marketplace/db.py).
        condition |= Q(buyer_name__icontains=q)
    return condition


# What a row of the list shows (and the deadline functions read).
LIST_COLUMNS = (
    "pk",
    "store_id",
    "status",
    "created_at",
    "buyer_name",
    "buyer_phone",
    "total",
    "delivery_method",
    "ttn",
    "excellent_deadline",
    "acceptable_deadline",
    "priority",
)


def order_list(
    store_id: int, filters: OrderFilters, *, now: datetime, open_count: int | None = None
) -> QuerySet[Order] | OpenFirst:
    """The store's orders for the list: overdue first, then by deadline (orders without one
    last, newest first); on the "all" tab open orders before received and cancelled ones. Served
    by (store, status, acceptable_deadline, created_at DESC) and (store, acceptable_deadline,
    created_at DESC) indexes."""
    tab = TAB_KEYS.get(filters.tab) or TAB_KEYS[DEFAULT_TAB]
    if filters.refused:
        return Order.objects.none()
    orders = Order.objects.filter(store_id=store_id)
    if tab.statuses is not None:
        orders = (
            orders.filter(status=tab.statuses[0]) if len(tab.statuses) == 1 else orders.filter(status__in=tab.statuses)
        )
    condition = search_condition(filters.q)
    if condition is not None:
        orders = orders.filter(condition)
    if filters.delivery in DeliveryMethod.values:
        orders = orders.filter(delivery_method=filters.delivery)
    if filters.overdue and filters.due_soon:
        orders = orders.filter(acceptable_deadline__lte=platform_calendar().add(now, DUE_SOON))
    elif filters.overdue:
        orders = orders.filter(acceptable_deadline__lte=now)
    elif filters.due_soon:
        # Due within one *working* hour: the deadline is before the instant one working hour
        # from now (at 21:00 a deadline at 09:30 tomorrow is half an hour away).
        orders = orders.filter(
            acceptable_deadline__gt=now, acceptable_deadline__lte=platform_calendar().add(now, DUE_SOON)
        )
    if filters.overdue or filters.due_soon:
        orders = orders.filter(status__in=OPEN_STATUSES)
    if filters.tracking:
        # The store's orders in delivery (the (store, status, …) index), each parcel looked up by its order.
        problem = Parcel.objects.filter(order_id=OuterRef("pk"), active=True).filter(
            tracking_problem_q(now.astimezone(KYIV).date())
        )
        orders = orders.filter(status=Status.IN_DELIVERY).filter(Exists(problem))
    if filters.metric in METRIC_ORDERS:
        orders = metric_orders(orders, filters.metric, days=filters.days, today=now.astimezone(KYIV).date())
    ordering = (F("acceptable_deadline").asc(nulls_last=True), F("created_at").desc(), F("pk").desc())
    # Open priority re-orders come first (docs/rules.md §10); the archive keeps its index order.
    open_ordering = (F("priority").desc(), *ordering)
    orders = orders.only(*LIST_COLUMNS)
    if tab.statuses is None:
        # The "all" tab: open orders first (an open order without a deadline, e.g. in delivery,
        # is not buried among the archive's), then the archive, each read in index order.
        return OpenFirst(
            orders.filter(status__in=OPEN_STATUSES).order_by(*open_ordering),
            orders.exclude(status__in=OPEN_STATUSES).order_by(*ordering),
            open_count=open_count,
        )
    if all(status in OPEN_STATUSES for status in tab.statuses):
        return orders.order_by(*open_ordering)
    return orders.order_by(*ordering)


class OpenFirst:
    """Open orders, then the rest, as one sliceable sequence of two index-ordered queries. One
    ORDER BY CASE … would sort every order of the store to show a page (83 ms at 100,000 orders
    in bench/cabinet.py); this reads the page's rows and counts the store's open orders, which
    the tab counts usually know already."""

    def __init__(self, open_orders: QuerySet, archive: QuerySet, *, open_count: int | None = None):
        self.open_orders, self.archive, self._open_count = open_orders, archive, open_count

    def open_count(self) -> int:
        if self._open_count is None:
            self._open_count = self.open_orders.count()
        return self._open_count

    def __getitem__(self, window: slice) -> list:
        start, stop = window.start or 0, window.stop
        opened = self.open_count()
        rows = list(self.open_orders[start : min(stop, opened)]) if start < opened else []
        if stop > opened:
            rows += list(self.archive[max(0, start - opened) : stop - opened])
        return rows

    def iterator(self, chunk_size: int = 2000):
        yield from self.open_orders.iterator(chunk_size=chunk_size)
        yield from self.archive.iterator(chunk_size=chunk_size)

    def __iter__(self):
        return self.iterator()


@dataclass
class Page:
    rows: list
    number: int
    has_previous: bool
    has_next: bool
    num_pages: int | None  # None when unknown (filters narrowed the tab)

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def page_of(queryset: QuerySet, number: int, *, total: int | None, per_page: int = PER_PAGE) -> Page:
    """One page without COUNT: fetch one row more than shown to know whether a next one exists."""
    num_pages = max(1, -(-total // per_page)) if total is not None else None
    number = max(1, min(number, num_pages or MAX_PAGE))
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    has_next = len(rows) > per_page and (num_pages is not None or number < MAX_PAGE)
    return Page(rows=rows[:per_page], number=number, has_previous=number > 1, has_next=has_next, num_pages=num_pages)


# --- the orders behind a number of the performance page (docs/rules.md §10, "Metrics") -----------


def _ended_within(orders: QuerySet, *, days: int, today) -> QuerySet:
    """Orders that ended (received or cancelled) on a Kyiv day of the window ending today: the day
    a metric counts them (the (store, status_changed_at) index)."""
    start = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), tzinfo=KYIV)
    end = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=KYIV)
    return orders.filter(status__in=TERMINAL_STATUSES, status_changed_at__gte=start, status_changed_at__lt=end)


def _found_parcels() -> QuerySet:
    """The order's parcels the carrier found by the time the order ended (orders.performance)."""
    return Parcel.objects.filter(order_id=OuterRef("pk"), found_at__lte=OuterRef("status_changed_at"))


def _missed_time(status: str, deadline: str):
    """Orders that left `status` at or after that status's `deadline` (the deadline columns of its last
    history row in it), counted like orders.performance.contribution: a cancellation not against the
    seller does not count."""
    history = Order.history.model.objects.filter(id=OuterRef("pk"))
    before = [str(s) for s in Status][: [str(s) for s in Status].index(str(status)) + 1]
    after = history.exclude(status__in=before).order_by("history_date", "history_id")
    last_in = history.filter(status=status).order_by("-history_date", "-history_id")
    not_against = [code for code, rule in REASONS.items() if not rule.against_seller]

    def apply(orders: QuerySet, late_days: int) -> QuerySet:
        orders = orders.alias(
            _left_at=Subquery(after.values("history_date")[:1]),
            _left_to=Subquery(after.values("status")[:1]),
            _deadline=Subquery(last_in.values(deadline)[:1]),
        )
        orders = orders.filter(_left_at__isnull=False, _deadline__isnull=False, _left_at__gte=F("_deadline"))
        return orders.exclude(Q(_left_to=Status.CANCELLED) & Q(cancel_reason__in=not_against))

    return apply


def _late_deliveries(orders: QuerySet, late_days: int) -> QuerySet:
    """Received from delivery after the agreed date: the one saved as the order was received, for an
    order received before it was saved the carrier's scheduled date, else ship-by + the policy's days
    (docs/rules.md §6, §10)."""
    scheduled = _found_parcels().order_by("-active", "-created_at").values("scheduled_delivery")[:1]
    agreed = Coalesce(
        F("deliver_by"),
        Subquery(scheduled),
        ExpressionWrapper(F("ship_by") + timedelta(days=late_days), output_field=DateField()),
    )
    orders = orders.filter(status=Status.RECEIVED, shipped_at__isnull=False).exclude(
        delivery_method=DeliveryMethod.PICKUP
    )
    return orders.alias(_agreed=agreed, _received=TruncDate("status_changed_at", tzinfo=KYIV)).filter(
        _agreed__isnull=False, _received__gt=F("_agreed")
    )


def _unanswered_requests(orders: QuerySet, late_days: int) -> QuerySet:
    from orders.models import OrderRequest
    from orders.requests.models import RequestKind, RequestState

    missed = (
        OrderRequest.objects.filter(order_id=OuterRef("pk"), kind=RequestKind.BUYER_CANCEL)
        .exclude(state=RequestState.WITHDRAWN)
        .filter(Q(answered_at__isnull=True) | Q(answered_at__gte=F("expires_at")))
    )
    return orders.filter(Exists(missed))


def _where(**condition):
    return lambda orders, late_days: orders.filter(**condition)


# For each metric of sellers.performance.definitions, the orders a seller wants to see behind its
# number: a count's orders, or the ones a rate counts against the store (a lower-is-better rate's
# numerator, a higher-is-better rate's misses), among the orders that ended in the window.
METRIC_ORDERS = {
    "orders": lambda orders, late_days: orders,
    "new_excellent_rate": _missed_time(Status.NEW, "excellent_deadline"),
    "new_acceptable_rate": _missed_time(Status.NEW, "acceptable_deadline"),
    "accepted_excellent_rate": _missed_time(Status.ACCEPTED, "excellent_deadline"),
    "accepted_acceptable_rate": _missed_time(Status.ACCEPTED, "acceptable_deadline"),
    "expiries": _where(cancel_reason__in=list(EXPIRY_REASONS)),
    "seller_fault_rate": _where(
        status=Status.CANCELLED, cancel_reason__in=[code for code, rule in REASONS.items() if rule.against_seller]
    ),
    "late_shipment_rate": _where(shipped_at__isnull=False, ship_by__isnull=False, shipped_at__date__gt=F("ship_by")),
    "valid_tracking_rate": lambda orders, late_days: orders.filter(
        delivery_method__in=CARRIER_METHODS, shipped_at__isnull=False
    ).exclude(Exists(_found_parcels())),
    "on_time_delivery_rate": _late_deliveries,
    "buyer_cancellation_rate": _where(cancel_reason=CancelReason.BUYER_CANCELLED),
    "mutual_cancellation_rate": _where(cancel_reason=CancelReason.MUTUAL),
    "answered_requests_rate": _unanswered_requests,
}
METRIC_DAYS = (7, 30)  # sellers.performance.definitions.WINDOWS


def metric_filter(query) -> dict:
    """`metric` and `days` of a query string (?metric=expiries&days=30) as OrderFilters keywords, or
    nothing when the metric is not one of METRIC_ORDERS (an unknown `days` is 30)."""
    metric = query.get("metric")
    if not isinstance(metric, str) or metric not in METRIC_ORDERS:
        return {}
    days = query.get("days")
    return {"metric": metric, "days": int(days) if days in {str(d) for d in METRIC_DAYS} else 30}


def metric_orders(orders: QuerySet, metric: str, *, days: int, today) -> QuerySet:
    """The orders behind the number `metric` shows over `days` days ending `today`."""
    from marketplace.calendar import platform

    days = days if days in METRIC_DAYS else 30
    return METRIC_ORDERS[metric](_ended_within(orders, days=days, today=today), platform().late_delivery_after_days)


# --- actions an order allows now -------------------------------------------------------------

# The seller's transitions and the form each one takes; `accept` happens on opening the page
# and `hand_over` is the carrier's, so neither is offered.
SELLER_TRANSITIONS = ("confirm", "pack", "ship", "ready_for_pickup", "mark_received", "cancel")
# Conditions the action's own form fills in: they cannot hold before the seller submits it.
FORM_SUPPLIED = {
    "ship": {rules.carrier_has_valid_ttn, rules.courier_is_arranged},
    "cancel": {rules.has_cancel_reason},
}
# Transitions that belong to one kind of delivery: not shown at all for the others.
SUITS_DELIVERY = {
    "ship": rules.is_not_pickup,
    "ready_for_pickup": rules.is_pickup,
    "mark_received": rules.seller_can_mark_received,
}
# The natural next step of each open status, most wanted first: the first of them the order
# allows now is the page's one primary action (the others stay, as secondary ones). Cancelling
# is never the next step. `new` is accepted on opening the page; a carrier's `in_delivery` waits
# for the carrier's hand-over, so it has none.
PRIMARY_ACTIONS = {
    Status.ACCEPTED: ("confirm",),
    Status.CONFIRMED: ("pack", "ship", "ready_for_pickup"),
    Status.AWAITING_SHIPMENT: ("ship", "ready_for_pickup"),
    Status.IN_DELIVERY: ("mark_received",),
    Status.AWAITING_PICKUP: ("mark_received",),
}
ACTION_LABELS = {
    "confirm": _("Confirm the order"),
    "pack": _("Packed: awaiting shipment"),
    "ship": _("Ship"),
    "ready_for_pickup": _("Ready at the pickup point"),
    "mark_received": _("Mark as received"),
    "cancel": _("Cancel the order"),
}


@dataclass
class OrderAction:
    name: str
    label: object
    blocked_by: list[str] = field(default_factory=list)
    primary: bool = False  # the one next step the page emphasises (PRIMARY_ACTIONS)

    @property
    def available(self) -> bool:
        return not self.blocked_by


def order_actions(order: Order) -> list[OrderAction]:
    """The seller's transitions from the order's current status, from django-fsm: available
    ones (every condition met, `get_available_status_transitions`, or only the conditions
    their form fills in unmet) and blocked ones with the rules that stop them. At most one
    available action is `primary` (PRIMARY_ACTIONS) and comes first; cancelling comes last."""
    available = {t.name for t in order.get_available_status_transitions()}
    actions = []
    for name in SELLER_TRANSITIONS:
        transition = getattr(type(order), name)._django_fsm.get_transition(order.status)
        if transition is None:
            continue
        if name in available:
            actions.append(OrderAction(name, ACTION_LABELS[name]))
            continue
        suits = SUITS_DELIVERY.get(name)
        if suits is not None and not suits(order):
            continue  # not this order's kind of delivery: nothing the seller could fix
        skipped = FORM_SUPPLIED.get(name, set())
        unmet = [
            str(getattr(cond, "message", cond.__name__))
            for cond in transition.conditions
            if cond not in skipped and not cond(order)
        ]
        actions.append(OrderAction(name, ACTION_LABELS[name], unmet))
    by_name = {action.name: action for action in actions if action.available}
    primary = next((by_name[name] for name in PRIMARY_ACTIONS.get(order.status, ()) if name in by_name), None)
    if primary is not None:
        primary.primary = True
    # The primary action first, cancelling last, the rest in SELLER_TRANSITIONS' order.
    return sorted(actions, key=lambda action: (not action.primary, action.name == "cancel"))


def seller_cancel_reasons(order: Order) -> list[tuple[str, object]]:
    """The seller's reasons that apply in the order's status (orders.choices.REASONS; the rest
    of each reason's rule is checked by the service when the seller submits)."""
    return [(r.value, r.label) for r in SELLER_REASONS if REASONS[r].applies(ActorKind.SELLER, order.status)]


# --- offers ----------------------------------------------------------------------------------


def offer_list(store_id: int, q: str = "") -> QuerySet[Offer]:
    """The store's offers; `q` matches part of the title or of the SKU, in any letter case
    (Cyrillic too on SQLite: marketplace/db.py)."""
    offers = Offer.objects.filter(store_id=store_id)
    q = q.strip()
    if q:
        offers = offers.filter(Q(title__icontains=q) | Q(sku__icontains=q))
    return offers.order_by("title", "pk")


# --- requests and disputes (docs/rules.md §6) --------------------------------------------------


@dataclass(frozen=True)
class RequestTab:
    key: str
    label: object


REQUEST_TABS = (
    RequestTab("store", _("Waiting for the store")),
    RequestTab("buyer", _("Waiting for the buyer")),
    RequestTab("moderators", _("Passed to the moderators")),
    RequestTab("closed", _("Closed recently")),
)
REQUEST_TAB_KEYS = {tab.key: tab for tab in REQUEST_TABS}
DEFAULT_REQUEST_TAB = "store"
# "Closed recently": requests closed in the last 30 days, at most this many rows listed.
RECENTLY_CLOSED = timedelta(days=30)
REQUEST_LIST_LIMIT = 100


def _store_requests(store_id: int) -> QuerySet:
    from orders.models import OrderRequest

    return OrderRequest.objects.filter(order__store_id=store_id)


def _undecided_disputes(store_id: int) -> QuerySet:
    from orders.disputes.models import DisputeState
    from orders.models import Dispute

    return Dispute.objects.filter(order__store_id=store_id, state__in=(DisputeState.OPEN, DisputeState.TAKEN))


def _recently_closed(now: datetime) -> Q:
    from orders.requests.models import RequestState

    since = now - RECENTLY_CLOSED
    return ~Q(state=RequestState.OPEN) & (Q(closed_at__gte=since) | Q(closed_at__isnull=True, opened_at__gte=since))


def request_counts(store, *, now: datetime) -> dict[str, int]:
    """The requests tab's counts, in two queries at any store size: one pass over the store's
    requests (open ones by who must answer, recently closed ones) and the undecided disputes."""
    from django.db.models import Count

    from orders.requests.models import RequestState

    open_ = Q(state=RequestState.OPEN)
    by_buyer = Q(opened_by=ActorKind.BUYER)
    counts = _store_requests(store.pk).aggregate(
        store=Count("pk", filter=open_ & by_buyer),
        buyer=Count("pk", filter=open_ & ~by_buyer),
        closed=Count("pk", filter=_recently_closed(now)),
    )
    counts["moderators"] = _undecided_disputes(store.pk).count()
    return counts


@dataclass
class RequestRow:
    """One line of the requests tab: a request, or a dispute (which may have no request: a
    buyer's complaint about a late order)."""

    order_id: int
    kind: str
    opened_by: str
    state: str
    state_label: str
    left: timedelta | None = None  # until an open request goes through


def request_list(store, tab: str, *, now: datetime) -> list[RequestRow]:
    """The rows of one requests tab (one query): open ones soonest-to-go-through first, the
    moderators' oldest first, closed ones newest first."""
    from orders.disputes.models import DisputeOrigin
    from orders.requests.models import RequestState

    if tab == "moderators":
        rows = []
        for dispute in _undecided_disputes(store.pk).select_related("request").order_by("opened_at", "pk"):
            request = dispute.request
            rows.append(
                RequestRow(
                    order_id=dispute.order_id,
                    kind=str(request.get_kind_display() if request else DisputeOrigin(dispute.origin).label),
                    opened_by=str(ActorKind(request.opened_by).label if request else ActorKind.BUYER.label),
                    state=dispute.state,
                    state_label=str(dispute.get_state_display()),
                )
            )
        return rows
    requests = _store_requests(store.pk)
    if tab == "closed":
        requests = requests.filter(_recently_closed(now)).order_by(F("closed_at").desc(nulls_last=True), "-pk")
    else:
        by_buyer = Q(opened_by=ActorKind.BUYER)
        requests = requests.filter(Q(state=RequestState.OPEN) & (by_buyer if tab == "store" else ~by_buyer))
        requests = requests.order_by("expires_at", "pk")
    return [
        RequestRow(
            order_id=request.order_id,
            kind=str(request.get_kind_display()),
            opened_by=str(request.get_opened_by_display()),
            state=request.state,
            state_label=str(request.get_state_display()),
            left=request.expires_at - now if request.state == RequestState.OPEN else None,
        )
        for request in requests[:REQUEST_LIST_LIMIT]
    ]
