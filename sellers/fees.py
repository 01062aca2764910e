"""The store's fee ledger (docs/rules.md §10): the monthly statement's reads and the moderators'
reversal of a charge.

Every charge and every reversal is a `FeeCharge` row; a statement is the store's rows charged within
a Kyiv calendar month, and its totals are sums over the same rows (so they always equal the ledger).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from marketplace import clock
from marketplace.actors import Actor, ActorKind, is_moderator
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.history import stamp

from .models import FeeCharge, Store

ZERO = Decimal("0.00")
REASON_MAX = FeeCharge._meta.get_field("reason").max_length


@dataclass(frozen=True)
class Month:
    """A Kyiv calendar month: [start, end) as aware datetimes."""

    year: int
    month: int

    @classmethod
    def current(cls) -> Month:
        today = clock.today()
        return cls(today.year, today.month)

    @classmethod
    def parse(cls, value: str | None) -> Month | None:
        """`YYYY-MM` (the month picker's value), or None when it is not one."""
        try:
            year, month = (int(part) for part in (value or "").split("-"))
            date(year, month, 1)
        except (TypeError, ValueError):
            return None
        if not 2000 <= year <= 2100:
            return None
        return cls(year, month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))

    @property
    def end(self) -> datetime:
        return self.next().start

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Totals:
    charged: Decimal
    reversed: Decimal  # zero or negative
    net: Decimal
    rows: int = 0


def totals_filter(prefix: str = "") -> dict:
    """The three sums over ledger rows (`prefix` for rows reached through a relation)."""
    amount, kind = f"{prefix}amount", f"{prefix}kind"
    return {
        "charged": Coalesce(Sum(amount, filter=~Q(**{kind: FeeCharge.Kind.REVERSAL})), ZERO),
        "reversed": Coalesce(Sum(amount, filter=Q(**{kind: FeeCharge.Kind.REVERSAL})), ZERO),
        "net": Coalesce(Sum(amount), ZERO),
    }


def statement_rows(store_id: int, month: Month) -> QuerySet[FeeCharge]:
    """The store's ledger rows charged within `month`, oldest first, with what the statement shows
    of each order and of the charge a reversal reverses."""
    return (
        FeeCharge.objects.filter(store_id=store_id, charged_at__gte=month.start, charged_at__lt=month.end)
        .select_related("order", "reverses")
        .only(
            "kind",
            "base",
            "percent",
            "amount",
            "charged_at",
            "reason",
            "store_id",
            "order__id",
            "order__cancel_reason",
            "reverses__kind",
            "reverses__charged_at",
        )
        .order_by("charged_at", "id")
    )


def statement_totals(store_id: int, month: Month) -> Totals:
    """Charged, reversed and net for the store's `month`, and how many rows: one aggregate over the
    statement's rows."""
    sums = FeeCharge.objects.filter(store_id=store_id, charged_at__gte=month.start, charged_at__lt=month.end).aggregate(
        **totals_filter(), rows=Count("id")
    )
    return Totals(**sums)


def why_text(kind: str, cancel_reason: str, reason: str) -> str:
    """Why a row is on the statement: "received", "expired: shipping time", "reversed: <reason>"."""
    if kind == FeeCharge.Kind.RECEIVED:
        return _("received")
    if kind == FeeCharge.Kind.EXPIRED:
        # The expiry's reason names the deadline that passed (orders.choices.EXPIRY_REASONS).
        if cancel_reason == "processing_time_expired":
            return _("expired: processing time")
        if cancel_reason == "shipping_time_expired":
            return _("expired: shipping time")
        return _("expired")
    return _("reversed: %(reason)s") % {"reason": reason}


def why(row: FeeCharge) -> str:
    """`why_text` of a ledger row loaded with its order."""
    return why_text(row.kind, row.order.cancel_reason, row.reason)


# What a statement page shows of each row (`statement_page`): plain values, no model per row.
PAGE_FIELDS = ("id", "kind", "base", "percent", "amount", "charged_at", "reason", "order_id", "order__cancel_reason")


def statement_page(store_id: int, month: Month, *, offset: int = 0, limit: int = 100) -> list[dict]:
    """One page of the statement (the rows of `statement_rows`, in its order) as dicts of
    PAGE_FIELDS plus "kind_label" and "why": one query, and per row only a dictionary look-up —
    the labels are translated once per call (docs/rules.md §10)."""
    rows = list(
        FeeCharge.objects.filter(store_id=store_id, charged_at__gte=month.start, charged_at__lt=month.end)
        .order_by("charged_at", "id")
        .values(*PAGE_FIELDS)[offset : offset + limit]
    )
    kinds = {value: str(label) for value, label in FeeCharge.Kind.choices}
    fixed: dict[tuple[str, str], str] = {}
    reversed_as = _("reversed: %(reason)s")
    for row in rows:
        kind = row["kind"]
        row["kind_label"] = kinds.get(kind, kind)
        if kind == FeeCharge.Kind.REVERSAL:
            row["why"] = reversed_as % {"reason": row["reason"]}
            continue
        key = (kind, row["order__cancel_reason"])
        if key not in fixed:
            fixed[key] = why_text(kind, row["order__cancel_reason"], "")
        row["why"] = fixed[key]
    return rows


def fee_reverse(*, actor: Actor, charge: FeeCharge | int, reason: str) -> FeeCharge:
    """A moderator reverses a charge with a reason (docs/rules.md §10): a ledger row of the negative
    amount pointing at the charge, once per charge; the charge itself stays as it was."""
    if actor.kind != ActorKind.MODERATOR or not is_moderator(actor.user):
        raise NotAllowed(_("Only a moderator may reverse a fee."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise RuleViolation(_("Say why the fee is reversed."), code="reason")
    if len(reason) > REASON_MAX:
        raise RuleViolation(_("The reason is too long (at most %(max)s characters).") % {"max": REASON_MAX})
    charge_id = charge.pk if isinstance(charge, FeeCharge) else charge
    with transaction.atomic():
        try:
            charge = FeeCharge.objects.select_for_update().get(pk=charge_id)
        except FeeCharge.DoesNotExist:
            raise NotAllowed(_("No such fee.")) from None
        if charge.kind == FeeCharge.Kind.REVERSAL:
            raise RuleViolation(_("A reversal cannot be reversed."), code="reversal")
        if FeeCharge.objects.filter(order_id=charge.order_id, kind=FeeCharge.Kind.REVERSAL).exists():
            raise RuleViolation(
                _("The fee on order #%(number)s has already been reversed.") % {"number": charge.order_id},
                code="reversed",
            )
        try:
            with transaction.atomic():
                return FeeCharge.objects.create(
                    store_id=charge.store_id,
                    order_id=charge.order_id,
                    kind=FeeCharge.Kind.REVERSAL,
                    base=charge.base,
                    percent=charge.percent,
                    amount=-charge.amount,
                    reverses=charge,
                    reason=reason,
                    reversed_by=actor.user,
                )
        except IntegrityError:  # a reversal written at the same moment (the constraint is the last word)
            raise RuleViolation(
                _("The fee on order #%(number)s has already been reversed.") % {"number": charge.order_id},
                code="reversed",
            ) from None


def store_set_fee_percent(*, actor: Actor, store, percent: Decimal | None) -> None:
    """A moderator sets the store's own fee rate (None: the platform's) for charges from now on;
    charges already made keep the percent they used (docs/rules.md §10). In the store's history."""
    if actor.kind != ActorKind.MODERATOR or not is_moderator(actor.user):
        raise NotAllowed(_("Only a moderator may set a store's fee."))
    if percent is not None and not Decimal(0) <= Decimal(percent) <= Decimal(100):
        raise RuleViolation(_("The fee is a percentage from 0 to 100."), code="percent")
    with transaction.atomic():
        locked = Store.objects.select_for_update().get(pk=store.pk)
        locked.fee_percent = percent
        stamp(locked, actor, "fee_percent")
        locked.save(update_fields=["fee_percent"])
    store.fee_percent = percent
