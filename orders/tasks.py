from celery import shared_task

from . import sweep


@shared_task(ignore_result=True)
def sweep_deadlines() -> str:
    return str(sweep.sweep())


@shared_task(ignore_result=True)
def recompute_deadlines() -> int:
    return sweep.recompute_open_deadlines()
