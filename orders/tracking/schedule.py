"""When the platform asks a carrier about a parcel next (docs/rules.md §8, "Tracking schedule").

`next_check(parcel, now)` reads the parcel's last reported state and answers the moment of its next
check: often while it matters (just shipped, waiting for the buyer at a branch), rarely once it has
not moved for days, never (None) once it ended. `backoff(parcel, now)` is the moment after a check
the carrier could not answer. Pure functions: the pass and the effects store what they answer.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from marketplace.worktime import KYIV

from ..carriers.base import StateGroup

# Just shipped, or the waybill exists but the carrier has not taken the parcel yet.
SOON = timedelta(minutes=30)
IN_TRANSIT = timedelta(hours=3)
AT_BRANCH = timedelta(hours=6)
# A refused parcel travels back to the store: asked until the return is delivered (stock, §8).
RETURNING = timedelta(hours=6)
# A state that has not changed for this long: asked once a day.
STALE_AFTER = timedelta(days=3)
STALE = timedelta(days=1)
# A number the carrier does not know: asked every hour while the seller may still be registering the
# waybill; after the grace period the seller is told once to fix the number, then asked every 6 hours.
# A parcel in these states is not (yet) found by the carrier: no state, or "not found".
NOT_FOUND_GROUPS = ("", str(StateGroup.NOT_FOUND))
NOT_FOUND_GRACE = timedelta(hours=24)
NOT_FOUND_EARLY = timedelta(hours=1)
NOT_FOUND_LATE = timedelta(hours=6)
# A parcel is not followed for ever: after this long it is no longer asked about.
TRACK_AT_MOST = timedelta(days=60)
# The buyer is reminded the day before free storage ends, from this hour (Kyiv).
STORAGE_REMINDER_AT = time(10, 0)
# The carrier could not answer: asked again after BACKOFF_BASE · 2^(failures-1), at most BACKOFF_MAX.
BACKOFF_BASE = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=3)
# A claimed parcel's check time moves this far ahead while its pass asks about it; a pass that dies
# leaves it due again after the lease.
LEASE = timedelta(minutes=10)

ENDED = frozenset({StateGroup.RECEIVED, StateGroup.RETURNED})

# Parcel.notified bits: what was already said for the parcel's current state.
TOLD_AT_BRANCH = 1
TOLD_STORAGE_ENDS = 2
TOLD_NOT_FOUND = 4


def storage_reminder_at(storage_free_until: date | None) -> datetime | None:
    """The moment of the reminder: the day before free storage ends, 10:00 Kyiv."""
    if storage_free_until is None:
        return None
    return datetime.combine(storage_free_until - timedelta(days=1), STORAGE_REMINDER_AT, tzinfo=KYIV)


def not_found_told_at(parcel) -> datetime:
    """When an unknown number is reported to the seller: the grace period after it was tracked."""
    return parcel.created_at + NOT_FOUND_GRACE


def _spread(parcel, delay: timedelta) -> timedelta:
    """Up to +45 % by the parcel's id, so parcels failed together do not come due together."""
    return delay * (1 + (parcel.pk or 0) % 10 / 20)


def next_check(parcel, now: datetime) -> datetime | None:
    group = parcel.group
    if group in ENDED or now - parcel.created_at >= TRACK_AT_MOST:
        return None
    if group == StateGroup.NOT_FOUND:
        if not parcel.notified & TOLD_NOT_FOUND:
            told_at = not_found_told_at(parcel)
            return min(now + NOT_FOUND_EARLY, max(told_at, now + timedelta(minutes=1)))
        return now + NOT_FOUND_LATE
    if group in ("", StateGroup.CREATED):
        return now + SOON
    if parcel.state_at is not None and now - parcel.state_at >= STALE_AFTER:
        return now + STALE
    if group == StateGroup.AT_BRANCH:
        at = now + AT_BRANCH
        remind = storage_reminder_at(parcel.storage_free_until)
        ends = parcel.storage_free_until
        if remind is not None and not parcel.notified & TOLD_STORAGE_ENDS and now.astimezone(KYIV).date() <= ends:
            at = min(at, max(remind, now + timedelta(minutes=1)))
        return at
    if group == StateGroup.REFUSED:
        return now + RETURNING
    return now + IN_TRANSIT  # in transit, failed attempt, readdressed, unknown


def backoff(parcel, now: datetime) -> datetime:
    """After `parcel.failures` (already counted) checks in a row the carrier could not answer."""
    delay = min(BACKOFF_BASE * 2 ** max(0, parcel.failures - 1), BACKOFF_MAX)
    return now + _spread(parcel, delay)


def failing_for(failures: int) -> timedelta:
    """How long a parcel has been failing, at least, after `failures` failed checks in a row."""
    return sum((min(BACKOFF_BASE * 2 ** (n - 1), BACKOFF_MAX) for n in range(1, failures)), start=timedelta(0))
