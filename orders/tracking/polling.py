"""The tracking pass (docs/rules.md §8, "Tracking schedule"): `run_pass()` asks the carriers about
the parcels that are due and applies what they answer.

1. Claim: one short statement moves the due parcels' `next_check_at` to a lease — on PostgreSQL
   `WITH due AS MATERIALIZED (SELECT … LIMIT … FOR UPDATE SKIP LOCKED) UPDATE … RETURNING`, so two passes never ask
   about the same parcel; on SQLite (`make run`) a select and an update in one transaction. It
   reads the partial index `parcel_due`; with nothing due that one query is the whole pass. It
   returns each parcel's last state as plain values (`Claimed`), all the pass compares an answer with.
2. Ask: per carrier, in batches of `carrier.batch_size`, outside any transaction.
3. Apply: a parcel whose answer changes nothing is moved to its next check in one UPDATE per
   batch; the others are applied together (`batch.apply_batch()`, one transaction per batch), and
   what the batch leaves to one-by-one goes through `effects.apply()`. A parcel the carrier did
   not mention keeps its schedule. A batch the carrier could not answer is asked again with
   back-off (`schedule.backoff`); a parcel that fails to apply is logged and asked again later.
   Every claimed parcel leaves with a check time after now (or none).
4. Faults: when a carrier has failed for over an hour (a parcel's failures in a row span an hour
   of back-off) the moderators are told once per outage.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, F, Max, PositiveSmallIntegerField, Value, When

from marketplace import clock
from notifications.services import notify

from ..carriers.base import Carrier, ParcelQuery, ParcelState, StateGroup, TrackingUnavailable
from ..rows import rows_json
from . import batch, effects, schedule
from .models import Parcel

logger = logging.getLogger(__name__)

# The most parcels one pass takes (a backlog after an outage is caught up over several passes).
PASS_LIMIT = 10_000
# Changes applied in one transaction, as one batch (orders.tracking.batch): one commit for many
# parcels, order rows held locked for a fraction of a second.
APPLY_BATCH = 100
# A parcel that failed to apply is asked about again after this.
RETRY_FAILED_AFTER = timedelta(minutes=10)
# The carrier has failed for this long: the moderators are told.
ALERT_AFTER = timedelta(hours=1)


@dataclass
class PassResult:
    claimed: int = 0  # parcels due and taken by this pass
    asked: int = 0  # parcels asked about (in requests)
    changed: int = 0  # parcels whose state changed
    requests: int = 0  # calls to the carriers
    failures: int = 0  # calls the carrier could not answer
    errors: list[int] = field(default_factory=list)  # parcels that failed to apply (logged, moved on)
    alerts: int = 0  # moderators told that a carrier's tracking is failing

    def __str__(self) -> str:
        return (
            f"parcels due {self.claimed}, asked {self.asked} in {self.requests} requests, changed {self.changed}, "
            f"failed requests {self.failures}, failed parcels {len(self.errors)}"
            + (f", moderators alerted {self.alerts}" if self.alerts else "")
        )


# What the claim reads of a parcel: enough to tell, without another query or a model instance,
# whether an answer changes anything (effects.needs_apply) and when to ask next (schedule.next_check).
CLAIMED_FIELDS = (
    "id",
    "carrier",
    "number",
    "phone",
    "failures",
    "order_id",
    "created_at",
    "group",
    "code",
    "text",
    "branch",
    "scheduled_delivery",
    "storage_free_until",
    "state_at",
    "notified",
)


@dataclass(slots=True)
class Claimed:
    """A claimed parcel as plain values (the attributes effects and schedule read of a Parcel)."""

    pk: int
    carrier: str
    number: str
    phone: str
    failures: int
    order_id: int | None = None
    created_at: datetime | None = None
    group: str = ""
    code: str = ""
    text: str = ""
    branch: str = ""
    scheduled_delivery: date | None = None
    storage_free_until: date | None = None
    state_at: datetime | None = None
    notified: int = 0


def _claim(now: datetime, limit: int) -> list[Claimed]:
    lease = now + schedule.LEASE
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Parcel._meta.db_table)
        returning = ", ".join(f"p.{connection.ops.quote_name(name)}" for name in CLAIMED_FIELDS)
        # The due rows in a MATERIALIZED CTE: PostgreSQL may run an `IN (SELECT … LIMIT … SKIP
        # LOCKED)` subquery more than once and so claim more than the limit; a materialized CTE is
        # evaluated exactly once.
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH due AS MATERIALIZED (SELECT id FROM {table} "  # noqa: S608 - the table name is ours
                f"WHERE next_check_at IS NOT NULL AND next_check_at <= %s "
                f"ORDER BY next_check_at LIMIT %s FOR UPDATE SKIP LOCKED) "
                f"UPDATE {table} p SET next_check_at = %s FROM due WHERE p.id = due.id RETURNING {returning}",
                [now, limit, lease],
            )
            rows = cursor.fetchall()
    else:  # SQLite writes one transaction at a time: the select and the update cannot interleave
        due = Parcel.objects.filter(next_check_at__isnull=False, next_check_at__lte=now).order_by("next_check_at")
        due = due.values_list(*CLAIMED_FIELDS)[:limit]
        if not due.exists():  # the idle pass: one query, no write transaction
            return []
        with transaction.atomic():
            rows = list(due)
            ids = [row[0] for row in rows]
            for start in range(0, len(ids), 500):
                Parcel.objects.filter(pk__in=ids[start : start + 500]).update(next_check_at=lease)
    return sorted((Claimed(*row) for row in rows), key=lambda c: c.pk)


def _carrier(code: str, carriers: Mapping[str, Carrier] | None) -> Carrier:
    if carriers is not None:
        return carriers[code]
    from .. import carriers as registry

    return registry.get(code)


def run_pass(*, now: datetime | None = None, limit: int | None = None, carriers=None) -> PassResult:
    """One pass over the parcels due at `now` (at most `limit`, default PASS_LIMIT). `carriers`:
    code → Carrier, default `orders.carriers.get`."""
    now = now or clock.now()
    result = PassResult()
    claimed = _claim(now, limit or PASS_LIMIT)
    result.claimed = len(claimed)
    by_carrier: dict[str, list[Claimed]] = defaultdict(list)
    for row in claimed:
        by_carrier[row.carrier].append(row)
    for code, rows in by_carrier.items():
        try:
            carrier = _carrier(code, carriers)
        except Exception:
            logger.exception("Tracking: no carrier %r for %s parcels; asked again later", code, len(rows))
            _failed(rows, now, result, code=code, carrier=None)
            continue
        size = max(1, int(carrier.batch_size))
        for start in range(0, len(rows), size):
            _ask(carrier, rows[start : start + size], now, result)
    return result


def _ask(carrier: Carrier, rows: list[Claimed], now: datetime, result: PassResult) -> None:
    queries = list({row.number: ParcelQuery(row.number, row.phone) for row in rows}.values())
    result.requests += 1
    result.asked += len(rows)
    try:
        states = carrier.track(queries)
    except TrackingUnavailable as error:
        logger.warning("Tracking: %s could not answer about %s parcels: %s", carrier.code, len(rows), error)
        _failed(rows, now, result, code=carrier.code, carrier=carrier)
        return
    except Exception:
        logger.exception("Tracking: %s failed on a batch of %s parcels", carrier.code, len(rows))
        _failed(rows, now, result, code=carrier.code, carrier=carrier)
        return
    answers: dict[str, ParcelState] = {}
    for state in states or ():
        if state.group == StateGroup.UNKNOWN:
            logger.warning(
                "Tracking: %s parcel %s: unknown status %r (%s)", carrier.code, state.number, state.code, state.text
            )
            continue
        answers[state.number] = state
    _apply(rows, answers, now, result)


def _apply(rows: list[Claimed], answers: dict[str, ParcelState], now: datetime, result: PassResult) -> None:
    """The claimed rows are the parcels as they were claimed (no second read): a parcel whose
    answer changes nothing moves to its next check; the others are read again under their locks
    by the batch (or effects.apply)."""
    quiet: dict[int, tuple[datetime | None, bool]] = {}  # pk -> (next check, answered)
    changing: list[tuple[Claimed, ParcelState | None]] = []
    for parcel in rows:
        state = answers.get(parcel.number)
        if effects.needs_apply(parcel, state, now):
            changing.append((parcel, state))
        else:
            quiet[parcel.pk] = (schedule.next_check(parcel, now), state is not None)
    for start in range(0, len(changing), APPLY_BATCH):
        _apply_changes(changing[start : start + APPLY_BATCH], now, result)
    if quiet:
        _reschedule(quiet, now)


def _apply_changes(changing: list[tuple[Claimed, ParcelState | None]], now: datetime, result: PassResult) -> None:
    """The changes of up to APPLY_BATCH parcels in one transaction (one commit): first as a batch
    (orders.tracking.batch, a fixed number of statements), in a savepoint; what the batch leaves to
    one-by-one, or all of it when the batch fails, through `effects.apply()`, each parcel in its own
    savepoint: a parcel that fails is rolled back alone, logged and asked again later."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                applied = batch.apply_batch(changing, now=now)
        except Exception:
            logger.exception("Tracking: a batch of %s changes failed; applied one by one", len(changing))
            applied = batch.Applied(fallback=list(changing))
        result.changed += applied.changed
        for parcel, state in applied.fallback:
            try:
                if effects.apply(parcel.pk, state, now=now, order_id=parcel.order_id):
                    result.changed += 1
            except Exception:
                logger.exception(
                    "Tracking: parcel %s (%s) failed to apply; asked again in %s",
                    parcel.pk,
                    parcel.number,
                    RETRY_FAILED_AFTER,
                )
                result.errors.append(parcel.pk)
                Parcel.objects.filter(pk=parcel.pk, active=True).update(next_check_at=now + RETRY_FAILED_AFTER)


def _reschedule(quiet: dict[int, tuple[datetime | None, bool]], now: datetime) -> None:
    """One UPDATE for the parcels whose answer changed nothing (a parcel no longer followed, its
    number corrected meanwhile, is left as it is): on PostgreSQL `UPDATE … FROM jsonb_to_recordset`
    of one parameter (a CASE of one When per parcel cost more than the rest of an idle batch)."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Parcel._meta.db_table)
        rows = rows_json([{"id": pk, "at": at, "answered": answered} for pk, (at, answered) in quiet.items()])
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS t SET failures = 0, next_check_at = v.at, "  # noqa: S608 - the table is ours
                "last_checked_at = CASE WHEN v.answered THEN %s ELSE t.last_checked_at END "
                "FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, at timestamptz, answered boolean) "
                "WHERE t.id = v.id AND t.active",
                [now, rows],
            )
        return
    answered = [pk for pk, (_at, was_answered) in quiet.items() if was_answered]
    Parcel.objects.filter(pk__in=list(quiet), active=True).update(
        failures=0,
        next_check_at=Case(
            *(When(pk=pk, then=Value(at, output_field=DateTimeField())) for pk, (at, _answered) in quiet.items()),
            default=F("next_check_at"),  # the column's type for the CASE, even when every branch is NULL
            output_field=DateTimeField(),
        ),
        last_checked_at=Case(
            When(pk__in=answered, then=Value(now, output_field=DateTimeField())),
            default=F("last_checked_at"),
            output_field=DateTimeField(),
        ),
    )


def _failed(rows: list[Claimed], now: datetime, result: PassResult, *, code: str, carrier) -> None:
    """The carrier could not answer: each parcel is asked again with back-off; the moderators are
    told once when the carrier has failed for over an hour."""
    result.failures += 1
    when: dict[int, tuple[int, datetime]] = {}  # pk -> (failures in a row, next check)
    for row in rows:
        stub = Parcel(pk=row.pk, failures=min(row.failures + 1, 32767))
        when[row.pk] = (stub.failures, schedule.backoff(stub, now))
    Parcel.objects.filter(pk__in=list(when), active=True).update(
        failures=Case(
            *(When(pk=pk, then=Value(n)) for pk, (n, _at) in when.items()),
            default=F("failures"),
            output_field=PositiveSmallIntegerField(),
        ),
        next_check_at=Case(
            *(When(pk=pk, then=Value(at, output_field=DateTimeField())) for pk, (_n, at) in when.items()),
            default=F("next_check_at"),
            output_field=DateTimeField(),
        ),
    )
    worst = max((n for n, _at in when.values()), default=0)
    if schedule.failing_for(worst) >= ALERT_AFTER:
        result.alerts += _alert(code, carrier)


def _alert(code: str, carrier) -> int:
    """`tracking_failing` to the moderators, once per outage: the outage is named by the carrier's
    last answer, which stays the same until the carrier answers again."""
    last = Parcel.objects.filter(carrier=code, next_check_at__isnull=False).aggregate(last=Max("last_checked_at"))
    label = str(getattr(carrier, "label", "") or code)
    return notify(
        "tracking_failing",
        occurrence=f"{code}@{last['last'].isoformat() if last['last'] else 'never'}",
        carrier=label,
        last_answer=last["last"],
    )
