"""Disputes nobody took in time (docs/rules.md §6): the moderators are reminded once. Called by the
requests sweep (orders.requests.sweep.requests_sweep) in the same pass."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction

from marketplace.actors import Actor, ActorKind
from marketplace.history import stamp

from ..requests.messages import tell_dispute
from .models import Dispute, DisputeState

log = logging.getLogger(__name__)

BATCH_SIZE = 200
# A row that fails is looked at again this much later, never blocking the others.
RETRY_AFTER = timedelta(minutes=15)


def remind_untaken(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Each open dispute whose `next_check_at` has come: one `dispute_waiting` message to the
    moderators, `reminded_at` set, `next_check_at` cleared (so once). Rows are claimed with
    FOR UPDATE SKIP LOCKED in batches, each batch its own transaction; returns how many were reminded."""
    reminded = 0
    actor = Actor.platform()
    while True:
        with transaction.atomic():
            batch = list(
                Dispute.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("order__store")
                .filter(state=DisputeState.OPEN, next_check_at__lte=now)
                .order_by("next_check_at", "id")[:batch_size]
            )
            if not batch:
                return reminded
            for dispute in batch:
                try:
                    with transaction.atomic():
                        tell_dispute("dispute_waiting", dispute, to=ActorKind.MODERATOR)
                        dispute.reminded_at = now
                        dispute.next_check_at = None
                        stamp(dispute, actor, "remind")
                        dispute.save(update_fields=["reminded_at", "next_check_at"])
                    reminded += 1
                except Exception:  # a bad row is logged and pushed forward, never stopping the others
                    log.exception("dispute %s: the untaken reminder failed", dispute.pk)
                    Dispute.objects.filter(pk=dispute.pk).update(next_check_at=now + RETRY_AFTER)
        if len(batch) < batch_size:
            return reminded
