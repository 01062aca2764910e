"""Processing deadlines of an order (docs/rules.md §4).

A deadline is a column computed when the order enters a status (and when its ship-by date,
the calendar or the policy changes), never at read time. `next_check_at` is the earliest
moment the sweep has something to do for the order: a reminder or the deadline itself.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from marketplace.actors import ActorKind
from marketplace.calendar import Platform, PolicyRule, platform
from marketplace.models import ProcessingPolicy
from marketplace.worktime import KYIV

from .choices import EXPIRY_REASONS, OPEN_STATUSES, REASONS

Deadline = ProcessingPolicy.Deadline
OnExpiry = ProcessingPolicy.OnExpiry


class Reminder(enum.IntFlag):
    EXCELLENT_PASSED = 1
    DEADLINE_NEAR = 2
    PICKUP = 4


def _ship_by_deadline(p: Platform, ship_by) -> datetime | None:
    """End of the ship-by date's working day: the first working instant after that day."""
    if ship_by is None:
        return None
    next_midnight = datetime.combine(ship_by + timedelta(days=1), datetime.min.time(), tzinfo=KYIV)
    return p.calendar.next_working_instant(next_midnight)


def compute(order, p: Platform | None = None) -> tuple[datetime | None, datetime | None, datetime | None]:
    """(excellent, acceptable, warn_at) for the order in its current status."""
    if order.status not in OPEN_STATUSES:
        return None, None, None
    p = p or platform()
    rule: PolicyRule | None = p.rules.get(order.status)
    if rule is None:
        return None, None, None
    entered = order.status_changed_at
    cal = p.calendar
    excellent = cal.add(entered, timedelta(minutes=rule.excellent_minutes)) if rule.excellent_minutes else None
    if rule.deadline == Deadline.WORKING_MINUTES:
        acceptable = cal.add(entered, timedelta(minutes=rule.acceptable_minutes))
    elif rule.deadline == Deadline.SHIP_BY_DAY_END:
        acceptable = _ship_by_deadline(p, order.ship_by)
    else:
        acceptable = entered + timedelta(minutes=rule.acceptable_minutes)
    warn_at = None
    if acceptable is not None and rule.warn_before_minutes and rule.deadline != Deadline.CALENDAR_MINUTES:
        budget = cal.between(entered, acceptable)
        warn_at = cal.add(entered, max(budget - timedelta(minutes=rule.warn_before_minutes), timedelta(0)))
    return excellent, acceptable, warn_at


def at_deadline(order, p: Platform | None = None) -> str | None:
    """What the platform does when the order's acceptable deadline passes (docs/rules.md §4),
    read from the policy rule of its status (`on_expiry`), never from the status itself: the
    expiry reason to cancel with, `remind_pickup`, or None. None also for a cancellation whose
    reason does not apply from the order's status (orders.choices.REASONS): nothing is due at
    such a deadline, so the sweep does not come back for it."""
    if order.status not in OPEN_STATUSES:
        return None
    rule: PolicyRule | None = (p or platform()).rules.get(order.status)
    if rule is None:
        return None
    if rule.on_expiry == OnExpiry.REMIND_PICKUP:
        return OnExpiry.REMIND_PICKUP
    if rule.on_expiry in EXPIRY_REASONS and REASONS[rule.on_expiry].applies(ActorKind.PLATFORM, order.status):
        return rule.on_expiry
    return None


def next_check(order, excellent, acceptable, warn_at, p: Platform | None = None) -> datetime | None:
    """The earliest of what is still to do: a reminder not yet sent, or what the rule does at
    the acceptable deadline (an expiry, or the pickup reminder once)."""
    sent = Reminder(order.reminders_sent)
    candidates = []
    if excellent and Reminder.EXCELLENT_PASSED not in sent:
        candidates.append(excellent)
    if warn_at and Reminder.DEADLINE_NEAR not in sent:
        candidates.append(warn_at)
    if acceptable:
        action = at_deadline(order, p)
        if action in EXPIRY_REASONS or (action == OnExpiry.REMIND_PICKUP and Reminder.PICKUP not in sent):
            candidates.append(acceptable)
    return min(candidates) if candidates else None


def refresh(order, *, now=None, status_changed: bool = False, p: Platform | None = None) -> None:
    """Recompute the deadline columns in memory; the caller saves in its transaction.

    A new status arms every reminder again; a deadline that moved (the ship-by date, the
    calendar or the policy changed) arms its warning again (docs/rules.md §4): the warning
    was about the old deadline. The outbox keys that warning on the deadline (orders.sweep)."""
    previous = getattr(order, "acceptable_deadline", None)  # unset on a row being built (orders.seed.bulk)
    if status_changed:
        order.reminders_sent = 0
    excellent, acceptable, warn_at = compute(order, p)
    if acceptable != previous:
        order.reminders_sent = int(Reminder(order.reminders_sent) & ~Reminder.DEADLINE_NEAR)
    order.excellent_deadline = excellent
    order.acceptable_deadline = acceptable
    order.next_check_at = next_check(order, excellent, acceptable, warn_at, p)


def warn_at(order, p: Platform | None = None) -> datetime | None:
    return compute(order, p)[2]


def _left_until(deadline: datetime, now: datetime, rule: PolicyRule | None) -> timedelta:
    """Time until `deadline` as the policy counts it: working time, or calendar time for a
    calendar-minutes rule; negative (calendar time) once it has passed."""
    if now >= deadline:
        return deadline - now
    if rule is not None and rule.deadline == Deadline.CALENDAR_MINUTES:
        return deadline - now
    return platform().calendar.between(now, deadline)


def working_time_left(order, now: datetime) -> timedelta | None:
    """Working time until the acceptable deadline; negative (calendar time) when overdue.

    Zero also before the deadline when no working time is left until it (a budget that ran out
    at 20:00 ends at the next 09:00): the countdown then shows "time is up", as overdue."""
    if order.acceptable_deadline is None or order.status not in OPEN_STATUSES:
        return None
    return _left_until(order.acceptable_deadline, now, platform().rules.get(order.status))


def deadline_state(order, now: datetime) -> str | None:
    """The countdown's colour, from the same time left the countdown shows (docs/rules.md §4):
    'excellent' while working time is left until the excellent threshold, 'acceptable' while it
    is left until the acceptable deadline, 'overdue' from the moment none is (0 minutes left is
    overdue, never green)."""
    if order.acceptable_deadline is None or order.status not in OPEN_STATUSES:
        return None
    rule = platform().rules.get(order.status)
    if _left_until(order.acceptable_deadline, now, rule) <= timedelta(0):
        return "overdue"
    if order.excellent_deadline is None or _left_until(order.excellent_deadline, now, rule) > timedelta(0):
        return "excellent"
    return "acceptable"
