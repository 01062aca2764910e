"""The store's performance page (docs/rules.md §10, "Metrics, rating and thresholds"): each metric over
7 and 30 days with its numerator and denominator, a chart of it over the last 90 days (each point the
7 days ending that day) beside the platform's median and the thresholds' warning and restriction
levels, the rating and what moves it, the store's standing and why, and the late-shipment causes of
the last 30 days. Every number links to the orders behind it (the order list's `metric` filter,
selectors.METRIC_ORDERS). A fixed number of queries at any store size: the aggregates are the
StoreDay rows, never the orders."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from marketplace import clock
from marketplace.models import PerformanceThreshold
from marketplace.worktime import KYIV
from orders.choices import CancelReason, LateCause, Status
from orders.models import Order
from sellers.performance import definitions, rating
from sellers.performance.models import COUNTERS, Standing, StoreStanding

from ..charts import Level, line_chart
from ..selectors import METRIC_ORDERS
from .base import cabinet_view

CHART_DAYS = 90
ROLLING = 7  # each point of a chart: the metric over the 7 days ending that day
LATE_CAUSE_DAYS = 30
# The order list's tab for a metric's orders (the rest: "all").
METRIC_TABS = {
    "expiries": "cancelled",
    "seller_fault_rate": "cancelled",
    "buyer_cancellation_rate": "cancelled",
    "mutual_cancellation_rate": "cancelled",
    "on_time_delivery_rate": "received",
}


def orders_url(metric: str, days: int) -> str:
    """The order list filtered to the orders behind a metric's number."""
    query = {"tab": METRIC_TABS.get(metric, "all"), "metric": metric, "days": days}
    return f"{reverse('cabinet:order_list')}?{urlencode(query)}"


@dataclass
class Window:
    days: int
    value: object  # the rate in %, the count, or None
    numerator: int
    denominator: int | None
    url: str


@dataclass
class MetricRow:
    code: str
    label: str
    is_rate: bool
    higher_is_better: bool
    windows: list[Window]
    median: object
    threshold: PerformanceThreshold | None
    state: str  # "", "warning", "restriction": where the threshold's window puts the metric
    chart: str
    moves: list = field(default_factory=list)


def rolling(days: list, *, today: date) -> list[dict[str, int]]:
    """For each of the last CHART_DAYS days, the counters of the ROLLING days ending on it."""
    by_day = {row.day: row for row in days}
    first = definitions.window_start(today, CHART_DAYS)
    totals = Counter()
    result = []
    for offset in range(-(ROLLING - 1), CHART_DAYS):
        day = first + timedelta(days=offset)
        row = by_day.get(day)
        if row is not None:
            totals.update({name: getattr(row, name) for name in COUNTERS})
        gone = by_day.get(day - timedelta(days=ROLLING))
        if gone is not None:
            totals.subtract({name: getattr(gone, name) for name in COUNTERS})
        if offset >= 0:
            result.append(dict(totals))
    return result


def _state(threshold: PerformanceThreshold | None, sums: dict[int, dict], value_of) -> tuple[str, object]:
    if threshold is None or threshold.window_days not in sums:
        return "", None
    window = sums[threshold.window_days]
    if window["orders"] < threshold.min_orders:
        return "", None
    value = value_of(window)
    if threshold.past(value, threshold.restriction):
        return "restriction", value
    if threshold.past(value, threshold.warning):
        return "warning", value
    return "", value


def late_causes(store_id: int, *, now: datetime) -> tuple[list[tuple[str, str, int]], int]:
    """The late orders of the last 30 days (shipped after the ship-by day, or cancelled because the
    shipping time expired) per recorded cause, and how many have none yet: one query."""
    since = now - timedelta(days=LATE_CAUSE_DAYS)
    late = Q(
        status=Status.CANCELLED, cancel_reason=CancelReason.SHIPPING_TIME_EXPIRED, status_changed_at__gte=since
    ) | Q(shipped_at__gte=since, ship_by__isnull=False, shipped_at__date__gt=F("ship_by"))
    counts = Order.objects.filter(late, store_id=store_id).aggregate(
        **{cause.value: Count("pk", filter=Q(late_cause=cause.value)) for cause in LateCause},
        none=Count("pk", filter=Q(late_cause="")),
    )
    causes = [(cause.value, str(cause.label), counts[cause.value]) for cause in LateCause]
    return causes, counts["none"]


@cabinet_view
def performance_view(request):
    store = request.cabinet.store
    now = clock.now()
    today = now.astimezone(KYIV).date()
    sums = definitions.windows(store.pk, today=today)  # 1 query: the 7 and 30 days
    values = {d: definitions.values(s) for d, s in sums.items()}
    days = definitions.daily(store.pk, today=today, days=CHART_DAYS + ROLLING - 1)  # 1 query
    series = rolling(days, today=today)
    medians = definitions.platform_medians(today=today)  # 1 query
    levels = {t.metric: t for t in PerformanceThreshold.objects.all()}  # 1 query
    standing = StoreStanding.objects.filter(store_id=store.pk).first()  # 1 query
    causes, uncaused = late_causes(store.pk, now=now)  # 1 query
    contributions = rating.explain(values[30])
    moves = {c.code: c for c in contributions}
    first_label = date_format(definitions.window_start(today, CHART_DAYS), "d.m")
    last_label = date_format(today, "d.m")

    rows = []
    for metric in definitions.METRICS:
        threshold = levels.get(metric.code)
        state, _judged = _state(threshold, sums, metric.value)
        is_rate = metric.denominator is not None
        marks = []
        median = medians.get(metric.code)
        if median is not None:
            marks.append(Level(median, _("Platform median"), "median"))
        if threshold is not None:
            if threshold.warning is not None:
                marks.append(Level(threshold.warning, _("Warning level"), "warning"))
            if threshold.restriction is not None:
                marks.append(Level(threshold.restriction, _("Restriction level"), "restriction"))
        windows = [
            Window(
                d,
                values[d][metric.code],
                sums[d][metric.numerator],
                sums[d][metric.denominator] if is_rate else None,
                orders_url(metric.code, d) if metric.code in METRIC_ORDERS else "",
            )
            for d in definitions.WINDOWS
        ]
        chart = line_chart(
            [metric.value(point) for point in series],
            levels=marks,
            percent=is_rate,
            title=_("%(metric)s over the last %(days)s days") % {"metric": metric.label, "days": CHART_DAYS},
            first_label=first_label,
            last_label=last_label,
        )
        rows.append(
            MetricRow(
                code=metric.code,
                label=str(metric.label),
                is_rate=is_rate,
                higher_is_better=metric.higher_is_better,
                windows=windows,
                median=median,
                threshold=threshold,
                state=state,
                chart=chart,
                moves=[moves[metric.code]] if metric.code in moves else [],
            )
        )
    context = {
        "rows": rows,
        "rating": rating.rating(values[30]),
        "contributions": contributions,
        "standing": standing,
        "standing_level": standing.level if standing else Standing.GOOD,
        "standing_label": (standing.get_level_display() if standing else Standing.GOOD.label),
        "causes": causes,
        "uncaused": uncaused,
        "late_days": LATE_CAUSE_DAYS,
        "late_url": orders_url("late_shipment_rate", 30),
        "expiries_url": orders_url("expiries", 30),
        "chart_days": CHART_DAYS,
        "rolling": ROLLING,
        "today": today,
        "Standing": Standing,
    }
    return render(request, "cabinet/performance.html", context)
