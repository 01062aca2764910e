"""Each metric as a numerator over a denominator of StoreDay counters (docs/rules.md §10, "Metrics").

A window is the sum of its days (`window`); a rate with a zero denominator is None (nothing to
judge). The selectors here are what the performance page and the moderators' store view read."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from .models import COUNTERS, StoreDay

WINDOWS = (7, 30)


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    numerator: str
    denominator: str | None  # None: a count, not a rate
    higher_is_better: bool

    def value(self, sums: dict) -> Decimal | int | None:
        """The rate in percent (two places), or the count; None when there is nothing to count."""
        top = sums.get(self.numerator) or 0
        if self.denominator is None:
            return top
        bottom = sums.get(self.denominator) or 0
        if not bottom:
            return None
        return (Decimal(100) * top / bottom).quantize(Decimal("0.01"))


METRICS: tuple[Metric, ...] = (
    Metric("orders", _("Orders ended"), "orders", None, True),
    Metric("new_excellent_rate", _("Opened within the excellent time"), "new_excellent", "new_left", True),
    Metric("new_acceptable_rate", _("Opened within the acceptable time"), "new_acceptable", "new_left", True),
    Metric(
        "accepted_excellent_rate", _("Confirmed within the excellent time"), "accepted_excellent", "accepted_left", True
    ),
    Metric(
        "accepted_acceptable_rate",
        _("Confirmed within the acceptable time"),
        "accepted_acceptable",
        "accepted_left",
        True,
    ),
    Metric("expiries", _("Expired orders"), "expired", None, False),
    Metric("seller_fault_rate", _("Seller-fault cancellation rate"), "seller_fault", "orders", False),
    Metric("late_shipment_rate", _("Late shipment rate"), "shipped_late", "shipped", False),
    Metric("valid_tracking_rate", _("Valid tracking rate"), "tracking_valid", "carrier_shipped", True),
    Metric("on_time_delivery_rate", _("On-time delivery rate"), "delivered_on_time", "delivered", True),
    Metric("buyer_cancellation_rate", _("Buyer cancellation rate"), "buyer_cancelled", "orders", False),
    Metric("mutual_cancellation_rate", _("Cancellation by agreement rate"), "mutual", "orders", False),
    Metric("answered_requests_rate", _("Answered requests rate"), "requests_answered", "requests", True),
)
BY_CODE = {m.code: m for m in METRICS}


def window_start(today: date, days: int) -> date:
    """The first day of the window of `days` days that ends today (today included)."""
    return today - timedelta(days=days - 1)


def window(store_id: int, *, today: date, days: int) -> dict[str, int]:
    """The store's counters summed over the last `days` days (one indexed query)."""
    sums = StoreDay.objects.filter(store_id=store_id, day__gte=window_start(today, days), day__lte=today).aggregate(
        **{name: Sum(name) for name in COUNTERS}
    )
    return {name: sums[name] or 0 for name in COUNTERS}


def windows(store_id: int, *, today: date, days=WINDOWS) -> dict[int, dict[str, int]]:
    """`window` for several lengths in one query: {days: sums}."""
    from django.db.models import Q

    longest = max(days)
    aggregates = {
        f"{name}__{d}": Sum(name, filter=Q(day__gte=window_start(today, d))) for d in days for name in COUNTERS
    }
    row = StoreDay.objects.filter(store_id=store_id, day__gte=window_start(today, longest), day__lte=today).aggregate(
        **aggregates
    )
    return {d: {name: row[f"{name}__{d}"] or 0 for name in COUNTERS} for d in days}


def values(sums: dict) -> dict[str, Decimal | int | None]:
    """Every metric of one window's sums."""
    return {m.code: m.value(sums) for m in METRICS}


def daily(store_id: int, *, today: date, days: int = 90) -> list[StoreDay]:
    """The store's days of the last `days` days, oldest first (the charts; missing days had no ended order)."""
    return list(
        StoreDay.objects.filter(store_id=store_id, day__gte=window_start(today, days), day__lte=today).order_by("day")
    )


def platform_medians(*, today: date, days: int = 30) -> dict[str, Decimal | int | None]:
    """Each metric's median over the stores that have something to count in the window (docs/rules.md §10)."""
    start = window_start(today, days)
    if connection.vendor == "postgresql":
        return _medians_in_sql(start, today)
    per_store: dict[int, dict] = {}
    for row in (
        StoreDay.objects.filter(day__gte=start, day__lte=today)
        .values("store_id")
        .annotate(**{name: Sum(name) for name in COUNTERS})
    ):
        per_store[row["store_id"]] = row
    result = {}
    for metric in METRICS:
        found = [v for v in (metric.value(sums) for sums in per_store.values()) if v is not None]
        result[metric.code] = Decimal(statistics.median(found)).quantize(Decimal("0.01")) if found else None
    return result


def _medians_in_sql(start: date, today: date) -> dict[str, Decimal | None]:
    table = StoreDay._meta.db_table
    sums = ", ".join(f"sum({name}) AS {name}" for name in COUNTERS)
    columns = []
    for metric in METRICS:
        if metric.denominator is None:
            columns.append(f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {metric.numerator})")
        else:
            columns.append(
                f"percentile_cont(0.5) WITHIN GROUP (ORDER BY 100.0 * {metric.numerator} / {metric.denominator})"
                f" FILTER (WHERE {metric.denominator} > 0)"
            )
    sql = (
        f"WITH per AS (SELECT store_id, {sums} FROM {table} WHERE day BETWEEN %s AND %s GROUP BY store_id) "
        f"SELECT {', '.join(columns)} FROM per"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, today])
        row = cursor.fetchone()
    return {
        m.code: (None if v is None else Decimal(str(v)).quantize(Decimal("0.01")))
        for m, v in zip(METRICS, row, strict=True)
    }
