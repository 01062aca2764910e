"""Working-time calendar (docs/rules.md §4): 09:00-20:00 Europe/Kyiv on working days.

Pure stdlib, no Django. The calendar lazily precomputes, per local calendar year, the
sorted working intervals as integer POSIX microseconds (already cut by closures) and keeps
one contiguous snapshot ``(lo, hi, starts, ends, prefix, base)`` covering whole years:

* ``starts[k]``/``ends[k]``: k-th working interval ``[starts[k], ends[k])`` (never empty),
  k < n; ``starts[n] == hi`` is a sentinel;
* ``prefix[k]``: working microseconds before interval k (k <= n);
* ``base[k] = prefix[k] - starts[k]``: work done at instant t inside interval k is base[k] + t;
* ``lo``/``hi``: the covered time range ``[lo, hi)`` (local midnights of Jan 1).

``add`` and ``between`` are then two bisects and some integer arithmetic. The snapshot is an
immutable tuple replaced atomically under a lock when a date outside it is asked, so the
calendar is safe to share between threads.

``add`` has a faster path beside it (``_fast``, built with the snapshot): the same table as
aware datetimes and timedeltas, so a start in ``tz`` or in UTC is looked up without converting
it to microseconds and the answer is built without a time-zone lookup. For each interval k,
``origin[k] = start_k - prefix[k]`` (wall-clock arithmetic); the work done at t inside it is
``t - origin[k]`` and the instant where the work reaches w is ``origin[k] + w``. Arithmetic
between datetimes of one tzinfo is wall-clock arithmetic, exact only away from a UTC-offset
change; so the path is used only for snapshots whose intervals all lie more than twice the
shift (plus an hour) away from every change of ``tz``'s offset (true of Kyiv's 09:00-20:00,
whose switches are at night), and otherwise everything goes through the microsecond path.
Offset changes are found by sampling every 12 hours, i.e. they are assumed to be more than
12 hours apart and to shift by at most 3 hours (true of Europe/Kyiv; a calendar whose zone
breaks that should not use this path: ``_SHIFT_MAX``).
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

__all__ = ["WorkCalendar", "KYIV"]

KYIV = ZoneInfo("Europe/Kyiv")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_fromtimestamp = datetime.fromtimestamp
_MIN_YEAR, _MAX_YEAR = 2, 9998  # keep a margin so local midnights stay representable
_SAFE_TZ = frozenset({ZoneInfo, timezone})  # tzinfo types whose utcoffset() is never None
_FRESH_GAP = 50  # years: asking further away than this starts a new snapshot
_ZERO = timedelta(0)
_HOUR_US = 3600 * 10**6
_DAY_US = 24 * _HOUR_US
_SAMPLE_US = 12 * _HOUR_US  # offset changes are looked for at this step
_SHIFT_MAX_US = 3 * _HOUR_US  # a larger offset change turns the fast path off


def _us(dt: datetime) -> int:
    """Exact POSIX microseconds of an aware datetime (slow path only)."""
    return (dt - _EPOCH) // _US


def _done(st: tuple, pos: int) -> int:
    """Working microseconds from the snapshot's start up to pos (lo <= pos <= hi)."""
    i = bisect_right(st[3], pos)
    return max(st[4][i], st[5][i] + pos)


def _aware(dt, what="datetime"):
    if not isinstance(dt, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware: {dt!r}")
    return dt


def _dates(values, what):
    out = frozenset(values)
    for d in out:
        if isinstance(d, datetime) or not isinstance(d, date):
            raise TypeError(f"{what} must contain dates, got {d!r}")
    return out


class WorkCalendar:
    """Working time = [day_start, day_end) local wall-clock time in ``tz`` on working days,
    minus ``closures``.

    * Sat/Sun are non-working unless listed in ``working_dates``; ``non_working_dates`` are
      closed whole days and win over both (date objects, local dates in ``tz``).
    * ``closures``: extra ``(start, end)`` periods of aware datetimes, any length.
    * day_start/day_end must exist exactly once on every day (not inside a DST gap/fold);
      true for Kyiv's 09:00-20:00 as switches happen at 03:00/04:00.
    Immutable after construction; the lazily built tables are thread-safe.
    """

    __slots__ = (
        "non_working_dates",
        "working_dates",
        "closures",
        "day_start",
        "day_end",
        "tz",
        "_closure_us",
        "_years",
        "_state",
        "_span",
        "_lock",
        "_fast",
    )

    def __init__(
        self,
        non_working_dates=frozenset(),
        working_dates=frozenset(),
        closures=(),
        day_start: time = time(9),
        day_end: time = time(20),
        tz=KYIV,
    ):
        if day_start.tzinfo is not None or day_end.tzinfo is not None:
            raise ValueError("day_start/day_end are local wall-clock times without tzinfo")
        if not day_start < day_end:
            raise ValueError("day_start must be before day_end")
        self.non_working_dates = _dates(non_working_dates, "non_working_dates")
        self.working_dates = _dates(working_dates, "working_dates")
        self.day_start, self.day_end, self.tz = day_start, day_end, tz
        cl = []
        for start, end in closures:
            _aware(start, "closure start"), _aware(end, "closure end")
            if end < start:
                raise ValueError(f"closure ends before it starts: {start!r} .. {end!r}")
            cl.append((start, end))
        self.closures = tuple(cl)
        # Closures as sorted, merged, non-empty [a, b) microsecond ranges.
        merged: list[list[int]] = []
        for a, b in sorted((_us(s), _us(e)) for s, e in cl):
            if a >= b:
                continue
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self._closure_us = tuple((a, b) for a, b in merged)
        self._years: dict[int, tuple] = {}  # year -> (lo, hi, [(start, end), ...])
        self._state = (0, 0, (0,), (), (0,), (0,))  # empty snapshot: covers nothing
        self._span = (0, -1)  # local years covered by self._state
        self._lock = threading.Lock()
        self._fast = {}  # tzinfo -> the datetime tables of self._state, when wall-clock arithmetic is exact

    # ------------------------------------------------------------------ calendar rules
    def is_working_day(self, d: date) -> bool:
        """Whole-day rule only (closures not considered): non_working wins, then working
        overrides, then Mon-Fri."""
        if d in self.non_working_dates:
            return False
        return d in self.working_dates or d.weekday() < 5

    # ------------------------------------------------------------------ precomputation
    def _year(self, y: int) -> tuple:
        """(lo, hi, intervals, wall_safe) of local year y, intervals cut by closures; wall_safe:
        no interval (nor the year's edges) is near a change of the UTC offset (see the module doc)."""
        got = self._years.get(y)
        if got is not None:
            return got
        tz, cl = self.tz, self._closure_us
        ends_cl = [b for _, b in cl]
        out = []
        d, one = date(y, 1, 1), timedelta(days=1)
        while d.year == y:
            if self.is_working_day(d):
                a = _us(datetime.combine(d, self.day_start, tzinfo=tz))
                b = _us(datetime.combine(d, self.day_end, tzinfo=tz))
                k = bisect_right(ends_cl, a)  # first closure ending after a
                while k < len(cl) and cl[k][0] < b:
                    ca, cb = cl[k]
                    if ca > a:
                        out.append((a, ca))
                    a = max(a, cb)
                    k += 1
                if a < b:
                    out.append((a, b))
            d += one
        lo = _us(datetime(y, 1, 1, tzinfo=tz))
        hi = _us(datetime(y + 1, 1, 1, tzinfo=tz))
        got = self._years[y] = (lo, hi, out, self._wall_safe(lo, hi, out))
        return got

    def _offset_us(self, pos: int) -> int:
        return (_EPOCH + timedelta(microseconds=pos)).astimezone(self.tz).utcoffset() // _US

    def _wall_safe(self, lo: int, hi: int, intervals: list) -> bool:
        """True if every interval of [lo, hi) and both edges lie more than 2 × shift + 1 h away from
        each change of the UTC offset (found in [lo - 1 day, hi + 1 day] at a 12-hour step)."""
        starts = [lo, *(a for a, _ in intervals), hi]
        ends = [lo, *(b for _, b in intervals), hi]
        t, b = lo - _DAY_US, hi + _DAY_US
        offset = self._offset_us(t)
        while t < b:
            u = min(t + _SAMPLE_US, b)
            following = self._offset_us(u)
            if following != offset:
                shift = abs(following - offset)
                if shift > _SHIFT_MAX_US:
                    return False
                x, y = t, u  # the change is in (x, y]: narrow it down to the microsecond
                while y - x > 1:
                    m = (x + y) // 2
                    x, y = (m, y) if self._offset_us(m) == offset else (x, m)
                margin = 2 * shift + _HOUR_US
                k = bisect_right(ends, y - margin)  # the first piece ending after the window opens
                if k < len(starts) and starts[k] < y + margin:
                    return False
            t, offset = u, following
        return True

    def _cover(self, y0: int, y1: int) -> tuple:
        """Return a snapshot covering at least local years y0..y1 (inclusive)."""
        with self._lock:
            st = self._state
            if st[0] < st[1]:  # non-empty: grow the existing range if close enough
                c0, c1 = self._span
                if c0 <= y0 and y1 <= c1:
                    return st
                if y0 - c1 <= _FRESH_GAP and c0 - y1 <= _FRESH_GAP:
                    y0, y1 = min(y0, c0), max(y1, c1)
            if y0 < _MIN_YEAR or y1 > _MAX_YEAR:
                raise OverflowError("date outside the supported range of years")
            starts, ends, prefix, base, total = [], [], [0], [], 0
            for y in range(y0, y1 + 1):
                for a, b in self._year(y)[2]:
                    starts.append(a)
                    ends.append(b)
                    base.append(total - a)
                    total += b - a
                    prefix.append(total)
            lo, hi = self._year(y0)[0], self._year(y1)[1]
            starts.append(hi)  # sentinel: "interval" n starts at hi, so pos < starts[n]
            base.append(total - hi)
            st = (lo, hi, tuple(starts), tuple(ends), tuple(prefix), tuple(base))
            safe = all(self._year(y)[3] for y in range(y0, y1 + 1))
            self._fast = self._fast_tables(st) if safe else {}
            self._span = (y0, y1)
            self._state = st  # atomic swap; readers use whichever snapshot they grabbed
            return st

    def _fast_tables(self, st: tuple) -> dict:
        """The snapshot as datetimes for add()'s fast path, one entry per tzinfo it serves
        (``tz`` and UTC): (ends, origin, gap, work_next, result, total, by_day, day0, days, by_work).

        Pieces are indexed 0 .. n + 1: 0 is an empty piece at lo and n + 1 one at hi, both with
        ``gap`` = the total, so a start outside the snapshot or a result beyond it goes to the
        microsecond path. ``by_day[d - day0]`` is a piece no later than the first one ending
        after any instant of date d (in that tzinfo); ``by_work[w.days]`` the last piece whose
        work before it is <= w for w = that many whole days of work. Both lookups then step
        forward a piece or two instead of bisecting."""
        lo, hi, starts, ends, prefix = st[:5]
        tz, n = self.tz, len(ends)

        def utc(pos: int) -> datetime:
            return _EPOCH + timedelta(microseconds=pos)

        done = [timedelta(microseconds=p) for p in prefix]  # n + 1 values, the last is the total
        total = done[-1]
        work = [_ZERO, *done]  # work before piece k, k = 0 .. n + 1
        gap = (total, *done[:-1], total)
        work_next = (*work[1:], total)  # work before piece k + 1
        by_work, k = [], 0
        for days in range(total.days + 2):  # the last piece whose work before it is <= `days` days
            w = timedelta(days=days)
            while k + 1 < len(work) and work[k + 1] <= w:
                k += 1
            by_work.append(k)
        by_work = tuple(by_work)
        at_u = [utc(lo), *(utc(a) for a in starts[:n]), utc(hi)]
        ends_u = [at_u[0], *(utc(b) for b in ends)]
        origin_w = tuple(a.astimezone(tz) - w for a, w in zip(at_u, work, strict=True))
        tables = {}
        for zone in (UTC, tz):
            if zone is UTC:
                origin, ends_z = tuple(a - w for a, w in zip(at_u, work, strict=True)), list(ends_u)
            else:
                origin, ends_z = origin_w, [b.astimezone(tz) for b in ends_u]
            day0, days = ends_z[0].toordinal(), ends_z[-1].toordinal() - ends_z[0].toordinal() + 1
            by_day, k = [], 0
            for d in range(day0, day0 + days):  # the first piece ending on date d or later
                while ends_z[k].toordinal() < d:
                    k += 1
                by_day.append(k)
            ends_z.append(datetime.max.replace(tzinfo=zone))  # piece n + 1 never ends
            tables[zone] = (tuple(ends_z), origin, gap, work_next, origin_w, total, tuple(by_day), day0, days, by_work)
        return tables

    def _local_year(self, pos: int) -> int:
        return (_EPOCH + timedelta(microseconds=pos)).astimezone(self.tz).year

    # ------------------------------------------------------------------ public API
    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Latest instant t with working time in [start, t) <= duration.

        Counting starts at the next working instant; a budget that runs out exactly at the
        end of a working period gives the start of the next one (20:00 -> next 09:00)."""
        fast = self._fast.get(start.tzinfo)  # a start in tz or UTC, when the snapshot allows
        if fast is not None:
            ends, origin, gap, work_next, result, total, by_day, day0, days, by_work = fast
            d = start.toordinal() - day0
            if 0 <= d < days:
                i = by_day[d]
                while ends[i] <= start:  # the first piece ending after start
                    i += 1
                done = start - origin[i]
                before = gap[i]  # work before piece i; the total outside the snapshot
                if done < before:
                    done = before
                target = done + duration
                if done <= target < total:  # a duration >= 0, a result inside the snapshot
                    # The piece where the work reaches target; on a tie (the budget ends where
                    # piece j ends) the next one, i.e. its start.
                    j = by_work[target.days]
                    while target >= work_next[j]:
                        j += 1
                    return result[j] + target
        return self._add_us(start, duration)

    def _add_us(self, start: datetime, duration: timedelta) -> datetime:
        """add() in integer microseconds: any tzinfo, any snapshot."""
        if type(start.tzinfo) not in _SAFE_TZ:  # fast path for ZoneInfo / timezone
            _aware(start, "start")
        need = duration // _US
        if need < 0:
            raise ValueError(f"duration must not be negative: {duration!r}")
        pos = round(start.timestamp() * 1e6)  # exact: float error << 0.5 us
        lo, hi, starts, ends, prefix, base = self._state
        if lo <= pos < hi:
            # Work done before pos = prefix[i] in a gap, base[i] + pos inside interval i.
            i = bisect_right(ends, pos)  # first interval ending after pos
            c, p = base[i] + pos, prefix[i]
            target = (c if c > p else p) + need
            if target >= prefix[-1]:  # result beyond the covered range
                prefix, base, target = self._add_slow(pos, need)
        else:
            prefix, base, target = self._add_slow(pos, need)
        # Latest t with work done <= target: on a tie with prefix[j] (budget ends exactly
        # where interval j-1 ends) bisect_right picks interval j, i.e. its start.
        j = bisect_right(prefix, target) - 1
        return _fromtimestamp((target - base[j]) / 1e6, self.tz)

    def _add_slow(self, pos: int, need: int):
        """add() when pos or the result is outside the snapshot: extend it and retry."""
        y0 = y1 = self._local_year(pos)
        step = 1
        while True:
            st = self._cover(y0, y1)
            target = _done(st, pos) + need
            if target < st[4][-1]:
                return st[4], st[5], target
            covered = self._local_year(st[1] - 1)
            if covered >= _MAX_YEAR:
                raise OverflowError("no working time left before the end of supported years")
            y1 = min(covered + step, _MAX_YEAR)  # grow forward, faster and faster
            step *= 2

    def next_working_instant(self, dt: datetime) -> datetime:
        """dt itself if it is working time, else the start of the next working period."""
        return self.add(dt, timedelta(0))

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time in [start, end); zero if end <= start."""
        if type(start.tzinfo) not in _SAFE_TZ:
            _aware(start, "start")
        if type(end.tzinfo) not in _SAFE_TZ:
            _aware(end, "end")
        a = round(start.timestamp() * 1e6)
        b = round(end.timestamp() * 1e6)
        if b <= a:
            return timedelta(0)
        st = self._state
        if not (st[0] <= a and b < st[1]):
            st = self._cover(self._local_year(a), self._local_year(b))
        return timedelta(microseconds=_done(st, b) - _done(st, a))
