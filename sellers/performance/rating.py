"""The store's rating, 0–100, from its 30-day metrics (docs/rules.md §10, "Rating").

rating = Σ weight × score over the metrics below (the weights add up to 100). A "higher is
better" metric scores its rate (98 % → 0.98); a "lower is better" one scores 1 − rate / limit,
never below 0, where the limit is the rate at which the metric alone loses all its weight. A
metric with nothing to count scores 1: no evidence against the store. `explain` gives each
metric's contribution and what it costs now: "what moves the rating"."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .definitions import BY_CODE

# metric code, weight, limit (lower-is-better metrics: the rate, in %, that scores 0)
WEIGHTS: tuple[tuple[str, int, Decimal | None], ...] = (
    ("seller_fault_rate", 25, Decimal(20)),
    ("late_shipment_rate", 20, Decimal(24)),
    ("new_excellent_rate", 10, None),
    ("accepted_excellent_rate", 10, None),
    ("valid_tracking_rate", 15, None),
    ("on_time_delivery_rate", 10, None),
    ("answered_requests_rate", 10, None),
)
assert sum(weight for _code, weight, _limit in WEIGHTS) == 100

ONE = Decimal(1)


@dataclass(frozen=True)
class Contribution:
    code: str
    label: str
    value: Decimal | None  # the metric's rate in %, None when nothing to count
    weight: int
    points: Decimal  # what it adds to the rating now
    lost: Decimal  # what it costs: weight − points

    @property
    def moves(self) -> bool:
        return self.lost > 0


def score(code: str, value: Decimal | None, limit: Decimal | None) -> Decimal:
    if value is None:
        return ONE
    if BY_CODE[code].higher_is_better:
        return min(ONE, max(Decimal(0), value / 100))
    return max(Decimal(0), ONE - value / limit)


def explain(values: dict) -> list[Contribution]:
    """Each rated metric's part of the rating, the costliest first."""
    parts = []
    for code, weight, limit in WEIGHTS:
        value = values.get(code)
        points = (weight * score(code, value, limit)).quantize(Decimal("0.01"))
        parts.append(Contribution(code, str(BY_CODE[code].label), value, weight, points, weight - points))
    return sorted(parts, key=lambda c: -c.lost)


def rating(values: dict) -> int:
    """The rating, 0–100 (rounded half up)."""
    total = sum((c.points for c in explain(values)), start=Decimal(0))
    return int(total.quantize(Decimal(1), rounding="ROUND_HALF_UP"))
