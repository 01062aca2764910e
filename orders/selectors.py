"""Reads that span relations: the order's timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.template.defaultfilters import yesno
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.actors import ActorKind
from marketplace.calendar import platform
from marketplace.db import aware, table
from marketplace.formats import money, when
from marketplace.models import ProcessingPolicy
from marketplace.worktime import KYIV

from . import carriers
from .carriers.base import StateGroup
from .choices import EXPIRY_REASONS, OPEN_STATUSES, CancelReason, DeliveryMethod
from .deadlines import at_deadline
from .models import (
    CallAttempt,
    HistoricalOrder,
    HistoricalOrderItem,
    Order,
    OrderComment,
    OrderItem,
    Parcel,
    TrackingEvent,
)

# Order fields whose changes the timeline shows (bookkeeping columns are left out).
_HIDDEN_FIELDS = {
    "id",
    "status_changed_at",
    "created_at",
    "store",
    "items_total",
    "split_from",
    "public_token",
    "excellent_deadline",
    "acceptable_deadline",
    "next_check_at",
    "reminders_sent",
    "deliver_by",  # not in the history: written as the order ends (orders.performance)
}

# --- tracking as people read it (docs/rules.md §8) ---------------------------------------------

# The seller's and the moderators' words for a carrier's state group (timeline, cabinet, admin).
TRACKING_LABELS = {
    StateGroup.CREATED: gettext_lazy("Waybill created, not with the carrier yet"),
    StateGroup.IN_TRANSIT: gettext_lazy("In transit"),
    StateGroup.AT_BRANCH: gettext_lazy("At the branch, waiting for the buyer"),
    StateGroup.RECEIVED: gettext_lazy("Received by the buyer"),
    StateGroup.REFUSED: gettext_lazy("Refused by the buyer, returning"),
    StateGroup.RETURNED: gettext_lazy("Return delivered to the store"),
    StateGroup.NOT_FOUND: gettext_lazy("The carrier does not know the number"),
    StateGroup.READDRESSED: gettext_lazy("Readdressed under a new number"),
    StateGroup.FAILED_ATTEMPT: gettext_lazy("Delivery attempt failed or postponed"),
    StateGroup.UNKNOWN: gettext_lazy("Other carrier's state"),
}

# The carriers' public tracking pages, where a carrier package does not give one (`tracking_url`).
PUBLIC_TRACKING_URLS = {
    "nova_poshta": "https://novaposhta.ua/tracking/?cargo_number={number}",
    "ukrposhta": "https://track.ukrposhta.ua/tracking_UA.html?barcode={number}",
}


@dataclass
class Tracking:
    """An order's parcels and their events, for the buyer's page and the cabinet's order page
    (two queries)."""

    parcel: Parcel | None  # the one the order follows now (else the latest)
    earlier: list[Parcel]  # numbers it travelled under before (readdressed)
    events: list[TrackingEvent]  # newest first

    @property
    def carrier_label(self) -> str:
        return carrier_label(self.parcel.carrier) if self.parcel else ""

    @property
    def url(self) -> str:
        return public_tracking_url(self.parcel.carrier, self.parcel.number) if self.parcel else ""

    @property
    def label(self) -> str:
        return tracking_label(self.parcel.group) if self.parcel else ""


_PARCEL_COLUMNS = [f.attname for f in Parcel._meta.concrete_fields]
_EVENT_COLUMNS = [f.attname for f in TrackingEvent._meta.concrete_fields]


def order_tracking(order: Order, *, events: bool = True) -> Tracking:
    """One query: the order's parcels (the followed one first), with their events LEFT JOINed."""
    parcels_of_order = Parcel.objects.filter(order_id=order.pk).order_by("-active", "-created_at", "-pk")
    if not events:
        parcels = list(parcels_of_order)
        return Tracking(parcel=parcels[0] if parcels else None, earlier=parcels[1:], events=[])
    joined = [f"events__{name.removesuffix('_id')}" for name in _EVENT_COLUMNS]
    by_pk: dict[int, Parcel] = {}
    found: list[TrackingEvent] = []
    for row in parcels_of_order.values_list(*_PARCEL_COLUMNS, *joined):
        parcel_values, event_values = row[: len(_PARCEL_COLUMNS)], row[len(_PARCEL_COLUMNS) :]
        pk = parcel_values[0]
        if pk not in by_pk:
            by_pk[pk] = Parcel.from_db("default", _PARCEL_COLUMNS, parcel_values)
        if event_values[0] is not None:
            found.append(TrackingEvent.from_db("default", _EVENT_COLUMNS, event_values))
    parcels = list(by_pk.values())
    found.sort(key=lambda event: (event.recorded_at, event.pk), reverse=True)
    return Tracking(parcel=parcels[0] if parcels else None, earlier=parcels[1:], events=found)


def tracking_label(group: str) -> str:
    return str(TRACKING_LABELS[group]) if group in TRACKING_LABELS else ""


def _carrier(code: str):
    find = getattr(carriers, "get", None)
    if find is None:
        return None
    try:
        return find(code)
    except (KeyError, LookupError, ValueError):
        return None


def carrier_label(code: str) -> str:
    """The carrier's name for people: its package's label, else the delivery method's, else the code."""
    carrier = _carrier(code)
    if carrier is not None and getattr(carrier, "label", ""):
        return str(carrier.label)
    if code in DeliveryMethod.values:
        return str(DeliveryMethod(code).label)
    return code


def public_tracking_url(code: str, number: str) -> str:
    """The carrier's public page for the number, "" when the carrier has none."""
    carrier = _carrier(code)
    url_of = getattr(carrier, "tracking_url", None)
    if callable(url_of):
        return url_of(number) or ""
    pattern = PUBLIC_TRACKING_URLS.get(code)
    return pattern.format(number=number) if pattern and number.isalnum() else ""


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # "action" | "comment" | "call"
    actor: str
    action: str = ""
    text: str = ""
    changes: list[Change] = field(default_factory=list)
    seller_only: bool = False
    branch: str = ""  # a tracking event's branch


def _actor(record) -> str:
    """Who made a history record (`_history`'s rows): the kind of actor and the user's name."""
    kind = getattr(record, "actor_kind", "") or ""
    name = f"{record.user_first_name or ''} {record.user_last_name or ''}".strip() or record.user_login or ""
    label = str(ActorKind(kind).label) if kind in ActorKind.values else _("System")
    return f"{label}: {name}" if name else label


def _reason(text: str | None) -> str:
    """A history record's reason for people: a cancellation's reason by its label (the services
    record the code, e.g. `processing_time_expired`), other text as it was written."""
    if text and text in CancelReason.values:
        return str(CancelReason(text).label)
    return text or ""


def _display(model_field, value) -> str:
    """A changed value as people read it in the active language (issue 11): labels for choices,
    money and dates through marketplace.formats, booleans as words, “—” for none."""
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.DecimalField):
        return money(value)
    if isinstance(model_field, models.DateTimeField):  # before DateField: it is one
        return when(value, "short")
    if isinstance(model_field, models.DateField):
        return when(value, "long")
    if isinstance(model_field, models.BooleanField):
        return yesno(value)
    return str(value)


def _diff(model, fields, old, new) -> list[Change]:
    changes = []
    for f in fields:
        before, after = getattr(old, f.attname), getattr(new, f.attname)
        if before != after:
            changes.append(Change(str(f.verbose_name), _display(f, before), _display(f, after)))
    return changes


# Call outcomes that did not reach the buyer: only these prove `buyer_unreachable` (docs/rules.md §5).
UNANSWERED_CALLS = (CallAttempt.Outcome.NO_ANSWER, CallAttempt.Outcome.BUSY, CallAttempt.Outcome.UNAVAILABLE)


def unanswered_call_times(order: Order) -> list[datetime]:
    """When the logged calls to the buyer went unanswered, oldest first (a call that reached
    the buyer does not count)."""
    return list(
        CallAttempt.objects.filter(order_id=order.pk, outcome__in=UNANSWERED_CALLS)
        .order_by("called_at")
        .values_list("called_at", flat=True)
    )


def order_timeline(order: Order) -> list[TimelineEntry]:
    """The order's history, oldest first: actions with field changes old → new (order and
    items), seller comments, call attempts and the carrier's tracking events (docs/rules.md §8).
    Three queries whatever the history's length (the order's and its items' history, the seller's
    comments and calls as one UNION), a fourth for the tracking events of an order that has had a
    tracking number."""
    order_fields = [f for f in Order._meta.concrete_fields if f.name not in _HIDDEN_FIELDS]
    item_fields = [f for f in OrderItem._meta.concrete_fields if f.name in {"quantity", "price", "title"}]
    entries: list[TimelineEntry] = []

    records = _history(HistoricalOrder, "id", order.pk)
    previous = None
    for record in records:
        changes = [] if previous is None else _diff(Order, order_fields, previous, record)
        if previous is None or changes or record.action:
            entries.append(
                TimelineEntry(
                    at=record.history_date,
                    kind="action",
                    actor=_actor(record),
                    action=record.action,
                    text=_reason(record.history_change_reason),
                    changes=changes,
                )
            )
        previous = record

    last_item: dict[int, object] = {}
    for record in _history(HistoricalOrderItem, "order_id", order.pk):
        before = last_item.get(record.id)
        if record.history_type == "+":
            changes = [Change(_("Item"), "—", f"{record.title} × {record.quantity}")]
        elif record.history_type == "-":
            changes = [Change(_("Item"), f"{record.title} × {record.quantity}", "—")]
        else:
            changes = _diff(OrderItem, item_fields, before, record) if before else []
            changes = [Change(f"{record.title}: {c.field}", c.old, c.new) for c in changes]
        last_item[record.id] = record
        if changes:
            entries.append(
                TimelineEntry(
                    at=record.history_date, kind="action", actor=_actor(record), action=record.action, changes=changes
                )
            )

    entries += _seller_notes(order)
    # Tracking events exist only for a parcel, and a parcel only for a number the order was
    # given (orders.tracking.parcels): an order without one reads no tracking table.
    events = TrackingEvent.objects.filter(order_id=order.pk).select_related("parcel")
    for event in events if order.ttn or order.return_expected_since else ():
        code = f" ({event.code})" if event.code else ""
        entries.append(
            TimelineEntry(
                at=event.at or event.recorded_at,
                kind="tracking",
                actor=f"{ActorKind.CARRIER.label}: {carrier_label(event.parcel.carrier)} {event.parcel.number}",
                action=tracking_label(event.group),
                text=f"{event.text}{code}",
                branch=event.branch,
            )
        )
    entries.sort(key=lambda e: e.at)
    return _merge_same_moment(entries)


def _history(model, column: str, pk: int) -> list:
    """The history records whose `column` is `pk`, oldest first, each with the name of the user
    who made it (user_first_name, user_last_name, user_login; None for the buyer, the platform or
    a carrier): the model's own rows (Django's field converters) from our SQL, which the ORM
    compiled in as long as the query took, twice on every view of the order page (issue 16)."""
    return list(model.objects.raw(_history_sql(model, column), [pk]))


def _users() -> tuple[str, str]:
    """The user table and its login column, quoted, for the journal's SQL."""
    user = get_user_model()
    return table(user), connection.ops.quote_name(user._meta.get_field(user.USERNAME_FIELD).column)


@cache
def _history_sql(model, column: str) -> str:
    users, login = _users()
    return (
        f"SELECT h.*, u.first_name AS user_first_name, u.last_name AS user_last_name, "  # noqa: S608 - our names
        f"u.{login} AS user_login FROM {table(model)} h "
        f"LEFT JOIN {users} u ON u.id = h.history_user_id "
        f"WHERE h.{connection.ops.quote_name(column)} = %s ORDER BY h.history_date, h.history_id"
    )


def _seller_notes(order: Order) -> list[TimelineEntry]:
    """The seller-only comments and call attempts, in one query: a UNION ALL of the two tables
    in plain SQL (`_notes_sql`). The ORM compiled the same UNION of two `values_list` in ten times
    the query's own time, on every view of the order page (issue 16)."""
    with connection.cursor() as cursor:
        cursor.execute(_notes_sql(), [order.pk, order.pk])
        rows = cursor.fetchall()
    outcomes = dict(CallAttempt._meta.get_field("outcome").flatchoices)
    entries = []
    # Comments before calls of the same moment, each kind in its own order (created, id).
    rows = [(kind, pk, aware(at), *rest) for kind, pk, at, *rest in rows]
    for kind, _pk, at, text, outcome, first, last, login in sorted(
        rows, key=lambda row: (row[2], row[0] == "call", row[1])
    ):
        actor = f"{first} {last}".strip() or login
        if kind == "comment":
            entries.append(TimelineEntry(at=at, kind="comment", seller_only=True, text=text, actor=actor))
        else:
            action = str(outcomes.get(outcome, outcome))
            entries.append(TimelineEntry(at=at, kind="call", seller_only=True, actor=actor, action=action, text=text))
    return entries


@cache
def _notes_sql() -> str:
    """The comments' and the calls' rows of one order (two parameters, its id twice): kind, id,
    when, text, the call's outcome and the author's first name, last name and login."""
    users, login = _users()
    who = f"u.first_name, u.last_name, u.{login}"
    comments, calls = table(OrderComment), table(CallAttempt)
    return (
        f"SELECT 'comment', n.id, n.created_at, n.text, '', {who} "  # noqa: S608 - our own names
        f"FROM {comments} n JOIN {users} u ON u.id = n.author_id WHERE n.order_id = %s "
        f"UNION ALL SELECT 'call', c.id, c.called_at, c.note, c.outcome, {who} "
        f"FROM {calls} c JOIN {users} u ON u.id = c.caller_id WHERE c.order_id = %s"
    )


def _merge_same_moment(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """One service call writes the order row and its item rows within the same transaction:
    show them as one entry when actor and action match and they are less than a second apart."""
    merged: list[TimelineEntry] = []
    for entry in entries:
        last = merged[-1] if merged else None
        if (
            last
            and entry.kind == last.kind == "action"
            and entry.action
            and entry.action == last.action
            and entry.actor == last.actor
            and abs((entry.at - last.at).total_seconds()) < 1
        ):
            last.changes.extend(entry.changes)
            last.text = last.text or entry.text
        else:
            merged.append(entry)
    return merged


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


ACTION_LABELS = {
    "place": gettext_lazy("Order placed"),
    "accept": gettext_lazy("Opened by the store"),
    "confirm": gettext_lazy("Confirmed"),
    "pack": gettext_lazy("Packed, awaiting shipment"),
    "ship": gettext_lazy("Shipped"),
    "ready_for_pickup": gettext_lazy("Ready for pickup"),
    "mark_received": gettext_lazy("Received"),
    "hand_over": gettext_lazy("Handed over by the carrier"),
    "cancel": gettext_lazy("Cancelled"),
    "edit_delivery": gettext_lazy("Delivery changed"),
    "edit_payment": gettext_lazy("Payment changed"),
    "edit_items": gettext_lazy("Items changed"),
    "split": gettext_lazy("Split"),
    "expire": gettext_lazy("Cancelled by the platform"),
    "deadlines": gettext_lazy("Deadlines recomputed"),
    "return_received": gettext_lazy("Goods came back to the store"),
    "edit_ttn": gettext_lazy("Tracking number corrected"),
    "move_date": gettext_lazy("Agreed date moved"),
    "late_cause": gettext_lazy("Cause of the delay recorded"),
}


# --- the deadline explained (the cabinet's order page, docs/rules.md §4) ---------------------

_SEARCH_BACK = timedelta(days=62)  # how far back the last working minute before a deadline is looked for
_CLOSED_LABELS = {
    "weekend": gettext_lazy("weekend"),
    "holiday": gettext_lazy("public holiday"),
    "closed": gettext_lazy("the platform's non-working period"),
}


@dataclass(frozen=True)
class DeadlineExplained:
    """Why the order's deadline is where it is: the ship-by date it follows, the last working
    minute before it, and the days off in between or ahead."""

    deadline: datetime  # the stored acceptable deadline (Kyiv time)
    working_end: datetime  # when the working time before it runs out (the deadline, unless time off precedes it)
    ship_by: date | None  # the ship-by date, when the deadline is the end of its working day
    cancels: bool  # the platform cancels the order at the deadline
    closed_for: tuple[str, ...] = ()  # the days off that push the deadline on: weekend, holiday, closed
    resumes_at: datetime | None = None  # now is outside working time: when the countdown goes on
    resumes_after: tuple[str, ...] = ()  # the days off before resumes_at

    @property
    def says_anything(self) -> bool:
        """Something to explain beyond the deadline itself."""
        return bool(self.ship_by or self.closed_for or self.resumes_at)

    @property
    def ship_by_day_end(self) -> bool:
        """The working time runs out on the ship-by date itself (not on a working day before it)."""
        return self.ship_by is not None and self.working_end.astimezone(KYIV).date() == self.ship_by

    @property
    def closed_text(self) -> str:
        return _closed_text(self.closed_for)

    @property
    def resumes_text(self) -> str:
        return _closed_text(self.resumes_after)


def _closed_text(reasons: tuple[str, ...]) -> str:
    text = ", ".join(str(_CLOSED_LABELS[reason]) for reason in reasons)
    return text[:1].upper() + text[1:]


def _working_end(cal, deadline: datetime) -> datetime:
    """The moment the working time before `deadline` runs out: the deadline itself when it falls
    in working time, else the end of the last working period before it (Fri 20:00 for Mon 09:00)."""
    tick = timedelta(microseconds=1)
    if cal.between(deadline - tick, deadline) > timedelta(0):
        return deadline
    lo, hi = deadline - _SEARCH_BACK, deadline
    if cal.between(lo, hi) == timedelta(0):
        return deadline
    # Working time left before the deadline falls to zero exactly there: halve the interval down to a microsecond.
    while hi - lo > tick:
        mid = lo + (hi - lo) / 2
        if cal.between(mid, deadline) > timedelta(0):
            lo = mid
        else:
            hi = mid
    return hi.astimezone(KYIV)


def _closed_for(cal, start: datetime, end: datetime) -> tuple[str, ...]:
    """What keeps [start, end) free of working time beyond an ordinary night: weekend days, public
    holidays, the platform's non-working periods (empty for a night between two working days)."""
    reasons: list[str] = []
    day, last = start.astimezone(KYIV).date(), end.astimezone(KYIV).date()
    while day <= last:
        if not cal.is_working_day(day):
            reasons.append("holiday" if day in cal.non_working_dates else "weekend")
        day += timedelta(days=1)
    if any(a < end and b > start for a, b in cal.closures):
        reasons.append("closed")
    return tuple(dict.fromkeys(reasons))


def deadline_explained(order, now: datetime) -> DeadlineExplained | None:
    """The order's deadline explained for the order page: "ship by Fri 27.11; the platform cancels
    at the end of that working day, Fri 20:00" and, when days off come before it, "weekend: the
    deadline is Monday 09:00" (the next working minute). None when the order has no deadline."""
    deadline = order.acceptable_deadline
    if deadline is None or order.status not in OPEN_STATUSES:
        return None
    p = platform()
    rule = p.rules.get(order.status)
    deadline = deadline.astimezone(KYIV)
    cancels = at_deadline(order, p) in EXPIRY_REASONS
    if rule is None or rule.deadline == ProcessingPolicy.Deadline.CALENDAR_MINUTES:
        # Calendar time runs on days off too: nothing to explain beyond the deadline itself.
        return DeadlineExplained(deadline=deadline, working_end=deadline, ship_by=None, cancels=cancels)
    cal = p.calendar
    ship_by = order.ship_by if rule.deadline == ProcessingPolicy.Deadline.SHIP_BY_DAY_END else None
    working_end = _working_end(cal, deadline)
    # The days off that put the deadline later than the clock alone would: after the ship-by date's
    # working day, or (a budget of working minutes) between now and the deadline.
    start = working_end if ship_by is not None else now
    closed_for = _closed_for(cal, start, deadline) if start < deadline else ()
    resumes_at, resumes_after = None, ()
    if now < deadline:
        next_working = cal.next_working_instant(now)
        if now < next_working < deadline:
            resumes_at, resumes_after = next_working.astimezone(KYIV), _closed_for(cal, now, next_working)
    return DeadlineExplained(
        deadline=deadline,
        working_end=working_end,
        ship_by=ship_by,
        cancels=cancels,
        closed_for=closed_for,
        resumes_at=resumes_at,
        resumes_after=resumes_after,
    )
