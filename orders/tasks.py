from celery import shared_task

from . import sweep


@shared_task(ignore_result=True)
def sweep_deadlines() -> str:
    return str(sweep.sweep())


@shared_task(ignore_result=True)
def sweep_requests() -> str:
    """Requests' reminders, going-through and lapses, and untaken disputes (docs/rules.md §6)."""
    from .requests.sweep import requests_sweep

    return str(requests_sweep())


@shared_task(ignore_result=True)
def track_parcels() -> str:
    """One tracking pass (docs/rules.md §8); beat runs it every few minutes."""
    from .tracking.polling import run_pass

    return str(run_pass())


@shared_task(ignore_result=True)
def recompute_deadlines() -> int:
    return sweep.recompute_open_deadlines()


def recompute_after_calendar_edit(**_signal) -> None:
    """Receiver of marketplace.calendar.calendar_edited (connected in OrdersConfig.ready): open
    orders' deadlines follow a calendar or policy edit, in the worker."""
    recompute_deadlines.delay()
