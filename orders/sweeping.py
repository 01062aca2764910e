"""The sweep machinery every deadline column shares (docs/architecture.md "Deadlines as columns"):
the order deadlines (orders.sweep) and the request windows (orders.requests.sweep, docs/rules.md §6).

One pass claims due rows in batches (the caller's `claim`: FOR UPDATE SKIP LOCKED, so a second sweep
or somebody acting on a row passes over it) and handles each batch in one transaction (`process`).
A batch that fails is retried one row at a time; a row that still fails is logged and pushed
forward (`push_forward`), so a bad row never stops the others. Every handled row leaves with its
`next_check_at` after `now` (or NULL), so a pass reads each row once: a batch that holds only rows
this pass already handled means no progress, and the pass stops with an error in the log instead
of reading them again forever.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction


@dataclass(frozen=True)
class Machinery:
    """What one kind of deadline row gives the shared loop.

    - `claim(only)`: lock and return the next batch of due rows (`only`: just the row with that id,
      for the one-by-one retry); called inside the batch's transaction;
    - `due_ids()`: the ids of the next batch of due rows, without handling them (the retry's list);
    - `process(rows)`: handle a claimed batch (in its transaction);
    - `push_forward(pk)`: move a row that failed on its own out of this pass (a later pass retries it);
    - `rows_name`: how the log names the rows ("orders", "requests"); `logger`: where it says so."""

    claim: Callable[[int | None], list]
    due_ids: Callable[[], list[int]]
    process: Callable[[list], None]
    push_forward: Callable[[int], None]
    logger: logging.Logger
    label: str
    rows_name: str = "rows"
    row_name: str = "row"


def key(row) -> int:
    """A claimed row's id: a model's pk, a plain record's `pk`/`id`, or the id itself."""
    for name in ("pk", "id"):
        value = getattr(row, name, None)
        if value is not None:
            return value
    return row


def run(machinery: Machinery, result, *, batch_size: int) -> None:
    """One pass: batches until one comes back short, or the pass stalls (`result.stalled`). Rows that
    failed on their own are added to `result.failed`."""
    seen: set[int] = set()
    while True:
        try:
            with transaction.atomic():
                rows = machinery.claim(None)
                if stalled(machinery, rows, seen, result):
                    return
                machinery.process(rows)
            seen.update(key(row) for row in rows)
        except Exception:
            machinery.logger.exception(
                "%s: a batch failed; retrying its %s one by one", machinery.label, machinery.rows_name
            )
            rows = one_by_one(machinery, seen, result)
            if result.stalled:
                return
        if len(rows) < batch_size:
            return


def stalled(machinery: Machinery, rows: Iterable, seen: set[int], result) -> bool:
    """True (and the pass marked stopped) when every row of the batch was handled earlier in this
    pass and is due again."""
    ids = {key(row) for row in rows}
    if ids and ids <= seen:
        machinery.logger.error(
            "%s: no progress, %s %s are due again after being handled in this pass; stopping the pass",
            machinery.label,
            machinery.rows_name,
            sorted(ids),
        )
        result.stalled = True
        return True
    return False


def one_by_one(machinery: Machinery, seen: set[int], result) -> list[int]:
    """The failed batch's rows again, each in its own transaction; a row that fails alone is logged,
    counted in `result.failed` and pushed forward."""
    with transaction.atomic():
        ids = list(machinery.due_ids())
    if stalled(machinery, ids, seen, result):
        return ids
    for pk in ids:
        try:
            with transaction.atomic():
                machinery.process(machinery.claim(pk))
        except Exception:
            machinery.logger.exception("%s: %s %s failed; pushed forward", machinery.label, machinery.row_name, pk)
            result.failed.append(pk)
            machinery.push_forward(pk)
    seen.update(ids)
    return ids
