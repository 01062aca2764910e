"""Races on PostgreSQL: run callables at the same moment, each in its own thread and database
connection, and collect what each one did."""

from __future__ import annotations

import threading

from django.db import connection
from django.utils import translation


def run_at_once(actions, *, read=None, timeout: float = 30) -> list:
    """Start every action in its own thread; they wait for each other at a barrier and go at once.
    With `read`, each thread first reads its own copy (`read()`) and the action gets it
    (`action(copy)`), so all racers read before any writes. Returns [("ok", value) or
    ("error", exception)] in the order of `actions`; a racer still running after `timeout`
    fails the test (a deadlock)."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index, action):
        try:
            copy = read() if read is not None else None
            barrier.wait(timeout=20)
            with translation.override("en"):  # the language is per thread
                results[index] = ("ok", action(copy) if read is not None else action())
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a racer hung (a deadlock?)"
    return results
