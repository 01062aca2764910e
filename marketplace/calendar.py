"""The platform's working calendar and processing policy, built once per process and rebuilt
when a moderator edits them (every edit bumps PlatformPolicy.calendar_revision)."""

from __future__ import annotations

import threading
import time as _time
from dataclasses import dataclass
from datetime import date

import holidays
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal

from . import clock
from .models import NonWorkingPeriod, PlatformPolicy, ProcessingPolicy, WorkingDayOverride
from .worktime import KYIV, WorkCalendar

# Sent after the commit of an edit of the calendar or the policy. marketplace imports no app:
# the apps that keep dates computed from the calendar connect to it (orders, in its AppConfig.ready).
calendar_edited = Signal()

# How long a process trusts its cached revision before asking the database again.
REVISION_TTL_SECONDS = 5.0
HOLIDAY_YEARS_BACK, HOLIDAY_YEARS_AHEAD = 2, 3


@dataclass(frozen=True)
class PolicyRule:
    status: str
    excellent_minutes: int | None
    deadline: str
    acceptable_minutes: int | None
    warn_before_minutes: int | None
    on_expiry: str


@dataclass(frozen=True)
class Platform:
    revision: int
    calendar: WorkCalendar
    rules: dict[str, PolicyRule]
    fee_percent: object
    expiry_restrict_count: int
    expiry_restrict_days: int
    ship_by_max_days: int
    # Requests between buyer and seller (docs/rules.md §6).
    buyer_cancel_mode: str = "instant"
    request_window_counting: str = "calendar"
    request_accept_hours: int = 24
    request_expire_hours: int = 48
    follow_up_working_minutes: int = 240
    dispute_take_working_minutes: int = 660
    late_delivery_after_days: int = 3
    reorder_offer_hours: int = 72  # a re-order offer stands this long (docs/rules.md §10)


REQUEST_POLICY_FIELDS = (
    "buyer_cancel_mode",
    "request_window_counting",
    "request_accept_hours",
    "request_expire_hours",
    "follow_up_working_minutes",
    "dispute_take_working_minutes",
    "late_delivery_after_days",
    "reorder_offer_hours",
)


_lock = threading.Lock()
_cached: dict[str, object] = {"platform": None, "checked": 0.0}


def public_holidays(years) -> frozenset[date]:
    """Ukrainian public holidays that are days off, as the `holidays` package says.

    Under martial law it lists none as days off (correct today); this stays data-driven, so
    the days come back by themselves when the package changes."""
    ua = holidays.country_holidays("UA", years=years, categories=(holidays.PUBLIC,))
    return frozenset(ua.keys())


def _build(policy: PlatformPolicy) -> Platform:
    this_year = clock.today().year
    years = range(this_year - HOLIDAY_YEARS_BACK, this_year + HOLIDAY_YEARS_AHEAD + 1)
    overrides = frozenset(WorkingDayOverride.objects.values_list("date", flat=True))
    closures = tuple(NonWorkingPeriod.objects.values_list("starts_at", "ends_at"))
    calendar = WorkCalendar(
        non_working_dates=public_holidays(years) - overrides,
        working_dates=overrides,
        closures=closures,
        tz=KYIV,
    )
    rules = {
        p.status: PolicyRule(
            p.status, p.excellent_minutes, p.deadline, p.acceptable_minutes, p.warn_before_minutes, p.on_expiry
        )
        for p in ProcessingPolicy.objects.all()
    }
    return Platform(
        policy.calendar_revision,
        calendar,
        rules,
        policy.fee_percent,
        policy.expiry_restrict_count,
        policy.expiry_restrict_days,
        policy.ship_by_max_days,
        *(getattr(policy, name) for name in REQUEST_POLICY_FIELDS),
    )


def _policy_values(source) -> tuple:
    """What the cache must match: the revision (the calendar and the processing policy; every
    edit through marketplace.services bumps it) and each platform-wide value read from it."""
    return (
        source.calendar_revision if isinstance(source, PlatformPolicy) else source.revision,
        source.fee_percent,
        source.expiry_restrict_count,
        source.expiry_restrict_days,
        source.ship_by_max_days,
        *(getattr(source, name) for name in REQUEST_POLICY_FIELDS),
    )


def platform() -> Platform:
    """The current calendar and policy; one small query at most every few seconds."""
    now = _time.monotonic()
    current = _cached["platform"]
    if current is not None and now - _cached["checked"] < REVISION_TTL_SECONDS:
        return current
    policy = PlatformPolicy.get()
    with _lock:
        current = _cached["platform"]
        if current is None or _policy_values(current) != _policy_values(policy):
            current = _build(policy)
            _cached["platform"] = current
        _cached["checked"] = now
    return current


def platform_calendar() -> WorkCalendar:
    return platform().calendar


def forget() -> None:
    """Drop this process's cache (tests, and right after an edit in this process)."""
    _cached["platform"] = None


def calendar_changed() -> None:
    """Call inside the transaction of any edit of the calendar or the policy: bumps the
    revision (other processes rebuild within seconds) and, after commit, sends
    `calendar_edited` (orders connects the recompute of open orders' deadlines to it)."""
    PlatformPolicy.get()
    PlatformPolicy.objects.filter(pk=1).update(calendar_revision=F("calendar_revision") + 1)
    forget()
    transaction.on_commit(lambda: calendar_edited.send(sender=PlatformPolicy))


def announced_closures(now=None):
    """Non-working periods announced to sellers now (shown in the cabinet ahead of time)."""
    now = now or clock.now()
    return list(
        NonWorkingPeriod.objects.filter(announce_from__lte=now, ends_at__gt=now)
        .exclude(announcement="")
        .order_by("starts_at")
    )
