"""Celery tasks: thin wrappers around notifications/delivery.py."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from marketplace import clock

from . import delivery
from .services import outbox_purge

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def deliver_due() -> dict:
    """Send what is due; started after every commit that wrote outbox rows and by beat."""
    result = delivery.drain(time_budget=settings.NOTIFICATIONS_DRAIN_SECONDS)
    if result.more:
        kick()  # work is left: a fresh task goes on, this one ends within its budget
    return {"sent": result.sent, "retried": result.retried, "failed": result.failed}


@shared_task(ignore_result=True)
def purge_sent() -> int:
    return outbox_purge(older_than=clock.now() - timedelta(days=settings.NOTIFICATIONS_KEEP_SENT_DAYS))


def kick() -> bool:
    """Ask a worker to deliver now. Never raises and never waits long: with the broker down the
    rows simply wait for the beat job (`notifications-deliver`) once it is back."""
    app = deliver_due.app
    try:
        with app.pool.acquire(block=True, timeout=2) as connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0.2, interval_max=0.2, timeout=2
            )
            deliver_due.apply_async(connection=connection, retry=False)
    except Exception as exc:
        log.warning(
            "Could not queue outbox delivery (%s: %s); the beat job will send the messages", type(exc).__name__, exc
        )
        return False
    return True
