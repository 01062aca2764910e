"""Reads of one order's requests and disputes for the pages that show them (docs/rules.md §6)."""

from __future__ import annotations

from django.db import connection

from marketplace.db import table

from ..disputes.models import Dispute
from .models import OrderRequest


def requests_and_disputes(order) -> tuple[list[OrderRequest], list[Dispute]]:
    """All of the order's requests and disputes, each newest first, as `request_actions` takes
    them. Most orders have neither: one plain query asks whether there is any first, which costs
    the order page less than compiling and running the two reads (issue 16)."""
    requests, disputes = table(OrderRequest), table(Dispute)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {requests} WHERE order_id = %s), "  # noqa: S608 - our names
            f"EXISTS (SELECT 1 FROM {disputes} WHERE order_id = %s)",
            [order.pk, order.pk],
        )
        has_requests, has_disputes = cursor.fetchone()
    return (
        list(OrderRequest.objects.filter(order_id=order.pk).order_by("-opened_at", "-pk")) if has_requests else [],
        list(Dispute.objects.filter(order_id=order.pk).order_by("-opened_at", "-pk")) if has_disputes else [],
    )
