"""Reads for the moderators' queue of disputes (docs/rules.md §6)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Case, IntegerField, QuerySet, Value, When

from marketplace.calendar import platform

from .models import Dispute, DisputeState


def dispute_queue() -> QuerySet[Dispute]:
    """Undecided disputes first, oldest first (the index `dispute_queue`), then the rest."""
    return (
        Dispute.objects.select_related("order__store", "taken_by", "decided_by", "request")
        .annotate(
            _settled=Case(
                When(state__in=(DisputeState.OPEN, DisputeState.TAKEN), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("_settled", "opened_at", "id")
    )


def working_age(dispute: Dispute, now: datetime, *, p=None) -> timedelta:
    """How much working time the dispute has waited: until now while undecided, until the
    decision once decided."""
    p = p or platform()
    end = dispute.decided_at if dispute.decided_at is not None else now
    if end <= dispute.opened_at:
        return timedelta(0)
    return p.calendar.between(dispute.opened_at, end)
