from celery import shared_task

from . import sweep


@shared_task(ignore_result=True)
def sweep_deadlines() -> str:
    return str(sweep.sweep())


@shared_task(ignore_result=True)
def recompute_deadlines() -> int:
    return sweep.recompute_open_deadlines()


def recompute_after_calendar_edit(**_signal) -> None:
    """Receiver of marketplace.calendar.calendar_edited (connected in OrdersConfig.ready): open
    orders' deadlines follow a calendar or policy edit, in the worker."""
    recompute_deadlines.delay()
