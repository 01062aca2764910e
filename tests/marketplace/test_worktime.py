"""Tests of marketplace.worktime (docs/rules.md §4): worked examples, a minute-by-minute
brute-force reference, an exact interval-walk reference (microseconds), and properties.

Plain pytest + hypothesis; no database, no Django settings needed.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.worktime import KYIV, WorkCalendar

UTC = UTC
MIN = timedelta(minutes=1)
US = timedelta(microseconds=1)
H = timedelta(hours=1)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
DST_NIGHTS = [date(2025, 3, 30), date(2025, 10, 26), date(2026, 3, 29), date(2026, 10, 25)]


def kyiv(*args) -> datetime:
    return datetime(*args, tzinfo=KYIV)


def U(dt: datetime) -> datetime:
    """Compare instants in UTC: == between different tzinfos is False for fold times
    (PEP 495) and == / < within one ZoneInfo compare wall clocks, ignoring fold."""
    return dt.astimezone(UTC)


# ----------------------------------------------------------------------------- seeds
# 2025-05-06 is a Tuesday.
@pytest.mark.parametrize(
    "start, hours, expected",
    [
        (kyiv(2025, 5, 6, 18), 3, kyiv(2025, 5, 7, 10)),  # Tue 18:00 + 3h -> Wed 10:00
        (kyiv(2025, 5, 9, 18), 3, kyiv(2025, 5, 12, 10)),  # Fri 18:00 + 3h -> Mon 10:00
        (kyiv(2025, 5, 6, 17), 3, kyiv(2025, 5, 7, 9)),  # runs out at 20:00 -> Wed 09:00
        (kyiv(2025, 5, 6, 10), 0, kyiv(2025, 5, 6, 10)),
        (kyiv(2025, 5, 6, 20), 0, kyiv(2025, 5, 7, 9)),
        (kyiv(2025, 5, 6, 3), 1, kyiv(2025, 5, 6, 10)),  # night start: counts from 09:00
        (kyiv(2025, 5, 10, 12), 1, kyiv(2025, 5, 12, 10)),  # Saturday start
        (kyiv(2025, 5, 6, 9), 11, kyiv(2025, 5, 7, 9)),  # a full day
        (kyiv(2025, 3, 28, 19), 2, kyiv(2025, 3, 31, 10)),  # across spring DST weekend
        (kyiv(2025, 10, 24, 19), 2, kyiv(2025, 10, 27, 10)),  # across autumn DST weekend
    ],
)
def test_seed_examples(start, hours, expected):
    cal = WorkCalendar()
    got = cal.add(start, timedelta(hours=hours))
    assert got == expected and got.utcoffset() == expected.utcoffset()
    assert got.tzinfo is KYIV
    assert cal.between(start, got) == timedelta(hours=hours)


def test_holiday_working_day_and_closure_rules():
    tue, wed, sat = date(2025, 5, 6), date(2025, 5, 7), date(2025, 5, 10)
    cal = WorkCalendar(non_working_dates={wed}, working_dates={sat})
    assert cal.add(kyiv(2025, 5, 6, 18), 3 * H) == kyiv(2025, 5, 8, 10)  # Wed is a holiday
    assert cal.add(kyiv(2025, 5, 9, 18), 3 * H) == kyiv(2025, 5, 10, 10)  # working Saturday
    both = WorkCalendar(non_working_dates={sat}, working_dates={sat})  # non-working wins
    assert both.add(kyiv(2025, 5, 9, 18), 3 * H) == kyiv(2025, 5, 12, 10)
    # A closure starting exactly where the budget ends: the result is the closure's end.
    closed = WorkCalendar(closures=[(kyiv(2025, 5, 6, 12), kyiv(2025, 5, 6, 15, 30))])
    assert closed.add(kyiv(2025, 5, 6, 10), 2 * H) == kyiv(2025, 5, 6, 15, 30)
    assert closed.add(kyiv(2025, 5, 6, 10), 3 * H) == kyiv(2025, 5, 6, 16, 30)
    assert closed.between(kyiv(2025, 5, 6, 9), kyiv(2025, 5, 7, 9)) == timedelta(hours=7, minutes=30)
    # A closure ending at 20:00 with the budget exhausted at its start -> next 09:00.
    late = WorkCalendar(closures=[(kyiv(2025, 5, 6, 19), kyiv(2025, 5, 6, 21))])
    assert late.add(kyiv(2025, 5, 6, 18), H) == kyiv(2025, 5, 7, 9)
    assert tue.weekday() == 1


def test_errors_and_timezones():
    cal = WorkCalendar()
    with pytest.raises(ValueError):
        cal.add(datetime(2025, 5, 6, 10), H)
    with pytest.raises(ValueError):
        cal.add(kyiv(2025, 5, 6, 10), -US)
    with pytest.raises(ValueError):
        cal.between(datetime(2025, 5, 6, 10), kyiv(2025, 5, 6, 12))
    with pytest.raises(ValueError):
        WorkCalendar(closures=[(datetime(2025, 5, 6, 10), kyiv(2025, 5, 6, 12))])
    with pytest.raises(ValueError):
        WorkCalendar(day_start=time(20), day_end=time(9))
    # Other time zones in, Kyiv out.
    got = cal.add(datetime(2025, 5, 6, 15, tzinfo=UTC), 3 * H)  # = 18:00 Kyiv
    assert got == kyiv(2025, 5, 7, 10) and got.tzinfo is KYIV
    assert cal.between(kyiv(2025, 5, 6, 12), kyiv(2025, 5, 6, 11)) == timedelta(0)
    assert cal.next_working_instant(kyiv(2025, 5, 10, 1)) == kyiv(2025, 5, 12, 9)
    assert cal.add(kyiv(2025, 5, 6, 10, 0, 0, 1), 3 * H) == kyiv(2025, 5, 6, 13, 0, 0, 1)


def test_dst_inside_a_working_day_keeps_fold():
    # 2025-10-26 (Sunday, made working): 04:00 EEST -> 03:00 EET inside a 02:00-23:59 day.
    sun = date(2025, 10, 26)
    cal = WorkCalendar(working_dates={sun}, day_start=time(2), day_end=time(23, 59))
    got = cal.add(kyiv(2025, 10, 26, 1), 2 * H)  # 02:00 EEST + 2 real hours
    assert (got.hour, got.fold, got.utcoffset()) == (3, 1, timedelta(hours=2))
    assert cal.between(kyiv(2025, 10, 26), kyiv(2025, 10, 27)) == timedelta(hours=22, minutes=59)
    spring = WorkCalendar(working_dates={date(2025, 3, 30)}, day_start=time(2), day_end=time(23, 59))
    assert spring.between(kyiv(2025, 3, 30), kyiv(2025, 3, 31)) == timedelta(hours=20, minutes=59)
    # Default hours: a 2 h budget from Friday 19:00 across the DST weekend.
    assert U(WorkCalendar().add(kyiv(2025, 10, 24, 19), 2 * H)) == datetime(2025, 10, 27, 8, tzinfo=UTC)


def test_extends_range_both_directions_and_long_durations():
    cal, fresh = WorkCalendar(), lambda: WorkCalendar()
    for s in [
        kyiv(2025, 5, 6, 18),
        kyiv(2031, 12, 31, 19),
        kyiv(2019, 1, 1),
        kyiv(1990, 6, 1),
        kyiv(2100, 2, 3, 4),
        kyiv(2025, 12, 31, 19, 30),
    ]:
        for d in [0 * H, 3 * H, 200 * H, 5000 * H]:
            assert cal.add(s, d) == fresh().add(s, d)
            assert cal.between(s, cal.add(s, d)) == d
    # between spanning several years, built from an empty calendar
    a, b = kyiv(2024, 1, 1), kyiv(2027, 1, 1)
    assert WorkCalendar().between(a, b) == sum(
        (WorkCalendar().between(kyiv(y, 1, 1), kyiv(y + 1, 1, 1)) for y in (2024, 2025, 2026)), timedelta(0)
    )


def test_threads_share_one_calendar():
    cal = WorkCalendar(non_working_dates={date(2030, 1, 1)})
    starts = [kyiv(2000 + 7 * k % 60, 1 + k % 12, 1 + k % 28, k % 24) for k in range(120)]
    expected = [WorkCalendar(non_working_dates={date(2030, 1, 1)}).add(s, 50 * H) for s in starts]
    errors = []

    def run(order):
        try:
            for k in order:
                assert cal.add(starts[k], 50 * H) == expected[k]
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(list(range(120))[::step],)) for step in (1, -1, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


# ----------------------------------------------------------------------------- references
class Rules:
    """The calendar's rules written out plainly (shared by both references)."""

    def __init__(self, nwd=(), wd=(), closures=(), day_start=time(9), day_end=time(20)):
        self.nwd, self.wd, self.closures = set(nwd), set(wd), list(closures)
        self.day_start, self.day_end = day_start, day_end

    def calendar(self) -> WorkCalendar:
        return WorkCalendar(frozenset(self.nwd), frozenset(self.wd), tuple(self.closures), self.day_start, self.day_end)

    def working_day(self, d: date) -> bool:
        return d not in self.nwd and (d in self.wd or d.weekday() < 5)

    def working_minute(self, t: datetime) -> bool:
        """Is the minute [t, t+1min) working? (all inputs minute-aligned)"""
        local = t.astimezone(KYIV)
        if not self.working_day(local.date()):
            return False
        if not self.day_start <= local.time().replace(tzinfo=None) < self.day_end:
            return False
        return not any(a <= t < b for a, b in self.closures)

    def day_intervals(self, d: date):
        """Working [a, b) pieces (UTC datetimes) of local date d: window minus closures."""
        if not self.working_day(d):
            return []
        pieces = [
            (
                datetime.combine(d, self.day_start, KYIV).astimezone(UTC),
                datetime.combine(d, self.day_end, KYIV).astimezone(UTC),
            )
        ]
        for ca, cb in self.closures:
            nxt = []
            for a, b in pieces:
                if cb <= a or ca >= b:
                    nxt.append((a, b))
                    continue
                if a < ca:
                    nxt.append((a, ca))
                if cb < b:
                    nxt.append((cb, b))
            pieces = nxt
        return sorted(p for p in pieces if p[0] < p[1])


def brute_add_minutes(rules: Rules, start: datetime, d: timedelta) -> datetime:
    """Walk minute by minute: stop at the first working minute once d is used up."""
    t, left = start.astimezone(UTC), d
    while True:
        if rules.working_minute(t):
            if left == timedelta(0):
                return t
            left -= MIN
        t += MIN


def brute_between_minutes(rules: Rules, a: datetime, b: datetime) -> timedelta:
    t, total = a.astimezone(UTC), timedelta(0)
    while t < b:
        total += MIN if rules.working_minute(t) else timedelta(0)
        t += MIN
    return total


def walk_add(rules: Rules, start: datetime, d: timedelta) -> datetime:
    """Exact to the microsecond: walk the day intervals from start's local date."""
    s = start.astimezone(UTC)
    day = s.astimezone(KYIV).date() - timedelta(days=1)
    left = d
    while True:
        for a, b in rules.day_intervals(day):
            # In UTC: arithmetic on two datetimes of the same zone is wall-clock arithmetic,
            # wrong across a DST switch inside a (test-only) 02:00-23:59 working day.
            a, b = a.astimezone(UTC), b.astimezone(UTC)
            if b <= s:
                continue
            a = max(a, s)
            if left < b - a:  # strictly inside: ending exactly at b rolls to the next start
                return a + left
            left -= b - a
        day += timedelta(days=1)


def walk_between(rules: Rules, x: datetime, y: datetime) -> timedelta:
    total, day = timedelta(0), x.astimezone(KYIV).date() - timedelta(days=1)
    while day <= y.astimezone(KYIV).date() + timedelta(days=1):
        for a, b in rules.day_intervals(day):
            a, b = a.astimezone(UTC), b.astimezone(UTC)
            lo, hi = max(a, x), min(b, y)
            if lo < hi:
                total += hi - lo
        day += timedelta(days=1)
    return total


# ----------------------------------------------------------------------------- strategies
EDGE_TIMES = [
    time(0),
    time(3),
    time(3, 30),
    time(4),
    time(8, 59),
    time(9),
    time(9, 1),
    time(12),
    time(19, 59),
    time(20),
    time(20, 1),
    time(23, 59),
]


@st.composite
def anchor_dates(draw):
    """A local date in 2025-2026, often right before one of the DST nights."""
    if draw(st.booleans()):
        return draw(st.sampled_from(DST_NIGHTS)) - timedelta(days=draw(st.integers(0, 3)))
    return date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 729)))


@st.composite
def scenarios(draw, micro=False, day_hours=False):
    """(rules, start) with holidays/working weekends/closures near the start."""
    base = draw(anchor_dates())
    if draw(st.booleans()):
        tod = draw(st.sampled_from(EDGE_TIMES))
    else:
        tod = time(draw(st.integers(0, 23)), draw(st.integers(0, 59)))
    start = datetime.combine(base, tod, KYIV)
    if micro:  # arithmetic in UTC: wall-clock addition would land inside a DST gap
        start = (start.astimezone(UTC) + draw(st.integers(0, 59_999_999)) * US).astimezone(KYIV)
    near = st.integers(-3, 40).map(lambda k: base + timedelta(days=k))
    nwd = draw(st.sets(near, max_size=6))
    weekend = near.filter(lambda x: x.weekday() >= 5)
    wd = draw(st.sets(st.one_of(weekend, st.sampled_from(DST_NIGHTS)), max_size=4))
    closures = []
    for _ in range(draw(st.integers(0, 3))):
        # In UTC, so a closure's ends are real instants (no wall-clock step across a DST gap).
        a = datetime.combine(base, time(0), KYIV).astimezone(UTC) + draw(st.integers(-1440, 40 * 1440)) * MIN
        length = draw(st.one_of(st.integers(0, 720), st.integers(0, 4 * 1440))) * MIN
        if micro:
            a += draw(st.integers(0, 59_999_999)) * US
            length += draw(st.integers(0, 59_999_999)) * US
        closures.append((a.astimezone(draw(st.sampled_from([KYIV, UTC]))), (a + length).astimezone(KYIV)))
    span = (time(9), time(20))
    if day_hours and draw(st.booleans()):
        span = (time(2), time(23, 59))  # DST switch inside the working day
    return Rules(nwd, wd, closures, *span), start


durations_minutes = st.one_of(
    st.integers(0, 200).map(lambda h: h * H),
    st.integers(0, 200 * 60).map(lambda m: m * MIN),
    st.integers(0, 3 * 60).map(lambda m: m * MIN),
)


# ----------------------------------------------------------------------------- properties
@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenarios(day_hours=True), durations_minutes)
def test_add_matches_minute_brute_force(scenario, d):
    rules, start = scenario
    cal = rules.calendar()
    got = cal.add(start, d)
    assert U(got) == brute_add_minutes(rules, start, d)
    assert got.tzinfo is KYIV


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenarios(day_hours=True), st.integers(0, 10 * 1440))
def test_between_matches_minute_brute_force(scenario, minutes):
    rules, start = scenario
    end = start + minutes * MIN
    assert rules.calendar().between(start, end) == brute_between_minutes(rules, start, end)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    scenarios(micro=True, day_hours=True),
    st.integers(0, 200 * 3600 * 10**6).map(lambda u: u * US) | durations_minutes,
    st.integers(-5 * 86400 * 10**6, 40 * 86400 * 10**6).map(lambda u: u * US),
)
def test_microseconds_match_interval_walk(scenario, d, delta):
    rules, start = scenario
    cal = rules.calendar()
    got = cal.add(start, d)
    assert U(got) == walk_add(rules, start, d)
    end = start + delta
    assert cal.between(start, end) == (walk_between(rules, start, end) if delta > timedelta(0) else timedelta(0))


@FAST
@given(
    scenarios(micro=True, day_hours=True),
    st.integers(0, 200 * 3600 * 10**6).map(lambda u: u * US),
    st.integers(0, 200 * 3600 * 10**6).map(lambda u: u * US),
)
def test_algebraic_properties(scenario, d1, d2):
    rules, start = scenario
    cal = rules.calendar()
    t1 = cal.add(start, d1)
    assert U(t1) >= U(start) and t1 - start >= d1  # wall time elapsed >= working time
    assert cal.between(start, t1) == d1  # round trip
    assert cal.between(start, t1 + US) == d1 + US  # latest instant: the next one is working
    assert U(cal.next_working_instant(t1)) == U(t1)
    assert U(cal.add(start, timedelta(0))) == U(cal.next_working_instant(start)) >= U(start)
    lo, hi = sorted((d1, d2))
    assert U(cal.add(start, lo)) <= U(cal.add(start, hi))  # monotone in the duration
    t2 = cal.add(start, d1 + d2)
    assert U(cal.add(t1, d2)) == U(t2)  # additive
    assert cal.between(start, t1) + cal.between(t1, t2) == cal.between(start, t2)
    assert cal.between(start, t2) <= t2 - start
    # the same instant given in UTC (or as a Kyiv datetime with fold) gives the same answer
    assert U(cal.add(start.astimezone(UTC), d1)) == U(t1)
    assert U(cal.add(U(start).astimezone(KYIV), d1)) == U(t1)


def test_dst_gap_inside_a_working_day_counts_real_time():
    """Spring forward at 03:00 → 04:00 (2025-03-30): 31 real minutes after 02:29 is 04:00."""
    cal = WorkCalendar(working_dates={date(2025, 3, 30)}, day_start=time(2), day_end=time(23, 59))
    start = datetime(2025, 3, 30, 2, 29, tzinfo=KYIV)
    got = cal.add(start, timedelta(minutes=31))
    assert got.astimezone(UTC) == datetime(2025, 3, 30, 1, 0, tzinfo=UTC)
    assert cal.between(start, got) == timedelta(minutes=31)


# ----------------------------------------------------------------------------- the table path
FIXED = timezone(timedelta(hours=5, minutes=30))  # neither Kyiv nor UTC: always the microsecond path


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenarios(micro=True, day_hours=True), st.integers(0, 200 * 3600 * 10**6).map(lambda u: u * US))
def test_the_same_instant_in_any_zone_gives_the_same_answer(scenario, d):
    """add() looks a start in Kyiv or UTC up in datetime tables (wall-clock arithmetic, used only
    away from DST switches) and any other start in microseconds: all three agree, to the
    microsecond and on the fold."""
    rules, start = scenario
    cal = rules.calendar()
    got = [cal.add(start.astimezone(zone), d) for zone in (KYIV, UTC, FIXED)]
    assert {U(t) for t in got} == {U(walk_add(rules, start, d))}
    assert all(t.tzinfo is KYIV and t.utcoffset() == got[2].utcoffset() for t in got)


@pytest.mark.parametrize("night", DST_NIGHTS)
@pytest.mark.parametrize("closure_edge", [None, time(3, 30), time(4, 30), time(2, 45)])
def test_starts_in_a_dst_gap_or_fold_and_closures_next_to_the_switch(night, closure_edge):
    """Starts at every quarter hour of a DST night (gap and fold, both folds), on a calendar with
    the switch inside a working Sunday and optionally a closure ending right next to the switch:
    the answer is the interval walk's, whichever path computed it."""
    closures = []
    if closure_edge is not None:
        edge = datetime.combine(night, closure_edge, KYIV)
        closures = [(edge - 2 * H, edge)]
    for span in ((time(9), time(20)), (time(2), time(23, 59))):
        rules = Rules(wd={night}, closures=closures, day_start=span[0], day_end=span[1])
        cal = rules.calendar()
        for minutes in range(0, 8 * 60, 15):
            for fold in (0, 1):
                start = datetime.combine(night, time(minutes // 60, minutes % 60), KYIV).replace(fold=fold)
                for d in (0 * H, 30 * MIN, 3 * H, 40 * H):
                    got = cal.add(start, d)
                    assert U(got) == walk_add(rules, start, d), (start, fold, d)
                    assert got.tzinfo is KYIV and U(cal.add(U(start), d)) == U(got)


def test_the_platform_calendar_takes_the_table_path():
    """Kyiv 09:00-20:00 is far from the night-time DST switches, so adds are served from the
    datetime tables (a performance guard for bench/worktime.py; the answers are checked above)."""
    cal = WorkCalendar(non_working_dates={date(2026, 1, 1)})
    cal.add(kyiv(2026, 3, 27, 19), 200 * H)
    assert set(cal._fast) == {KYIV, UTC}
    # A working Sunday opening at 05:00, an hour after the spring switch: the microsecond path.
    near_switch = WorkCalendar(working_dates={date(2026, 3, 29)}, day_start=time(5))
    near_switch.add(kyiv(2026, 3, 27, 19), 200 * H)
    assert near_switch._fast == {}
