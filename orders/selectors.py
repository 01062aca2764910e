"""Reads that span relations: the order's timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.actors import ActorKind

from .models import CallAttempt, Order, OrderComment, OrderItem

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
}


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


def _actor(record) -> str:
    kind = getattr(record, "actor_kind", "") or ""
    user = getattr(record, "history_user", None)
    name = (user.get_full_name() or user.get_username()) if user else ""
    label = str(ActorKind(kind).label) if kind in ActorKind.values else _("System")
    return f"{label}: {name}" if name else label


def _display(model_field, value) -> str:
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
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
    items), seller comments and call attempts. Four queries whatever the history's length."""
    order_fields = [f for f in Order._meta.concrete_fields if f.name not in _HIDDEN_FIELDS]
    item_fields = [f for f in OrderItem._meta.concrete_fields if f.name in {"quantity", "price", "title"}]
    entries: list[TimelineEntry] = []

    records = list(
        Order.history.filter(id=order.pk).select_related("history_user").order_by("history_date", "history_id")
    )
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
                    text=record.history_change_reason or "",
                    changes=changes,
                )
            )
        previous = record

    last_item: dict[int, object] = {}
    for record in (
        OrderItem.history.filter(order_id=order.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    ):
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

    for comment in OrderComment.objects.filter(order=order).select_related("author"):
        entries.append(
            TimelineEntry(
                at=comment.created_at,
                kind="comment",
                seller_only=True,
                text=comment.text,
                actor=comment.author.get_full_name() or comment.author.get_username(),
            )
        )
    for call in CallAttempt.objects.filter(order=order).select_related("caller"):
        entries.append(
            TimelineEntry(
                at=call.called_at,
                kind="call",
                seller_only=True,
                actor=call.caller.get_full_name() or call.caller.get_username(),
                action=call.get_outcome_display(),
                text=call.note,
            )
        )
    entries.sort(key=lambda e: e.at)
    return _merge_same_moment(entries)


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
}
