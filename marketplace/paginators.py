"""A paginator for admin lists over big tables: it never runs an unbounded COUNT(*).

It counts exactly up to `exact_limit` rows (`SELECT COUNT(*) FROM (… LIMIT n+1)`, which stops
early) and beyond that asks PostgreSQL's planner for its estimate (`EXPLAIN`), which costs
no scan at all. On other databases (SQLite in development) it counts exactly.
`label` is what to show: "1234", "≈ 1,000,000", or "1,000+" when the planner guesses lower
than what was already counted.
"""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    exact_limit = 1_000

    is_estimate = False
    label = ""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not hasattr(queryset, "query") or connections[queryset.db].vendor != "postgresql":
            count = super().count
            self.label = str(count)
            return count
        bounded = queryset.order_by()[: self.exact_limit + 1].count()
        if bounded <= self.exact_limit:
            self.label = str(bounded)
            return bounded
        self.is_estimate = True
        estimate = planner_estimate(queryset)
        if estimate <= self.exact_limit:
            self.label = f"{self.exact_limit:,}+"
            return self.exact_limit + 1
        self.label = f"≈ {estimate:,}"
        return estimate


def planner_estimate(queryset) -> int:
    """The planner's row estimate for the queryset (PostgreSQL), without running it."""
    sql, params = queryset.order_by().query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
