"""Benchmark: marketplace.worktime.WorkCalendar.add vs pandas CustomBusinessHour.

Run: python bench/worktime.py          (needs pandas and holidays; no Django, no database)

What it does
* Non-working dates are built the way the platform does: Ukrainian public holidays from the
  `holidays` package (under martial law it lists none as days off) plus example platform
  closure days (Jan 1-2 and May 1-2 of each year), so the comparison is not trivially
  weekend-only. The SAME explicit date set goes to our calendar and to pandas.
* 100,000 random (start, duration) pairs from a seeded RNG: starts spread over 2025-2026
  (any second, some with microseconds, ~30 % on edges: 09:00, 20:00, nights, DST nights,
  holidays), durations whole hours 0..200.
* Timing: ours = `cal.add(aware_start, timedelta)`, aware datetime out; pandas =
  `naive_kyiv_timestamp + CustomBusinessHour(n=h)` with the 201 offsets prebuilt (as our
  timedeltas are), on naive Kyiv wall time. Input conversions are not timed. Best of 9 runs
  for ours (the machine may be shared; the first run also builds the lazy tables); one run
  for pandas (if 100k would exceed ~3 min, pandas is timed on a 10k subsample and its
  results for all starts are still computed and compared).
* Floor, measured in the same run: `floor_us_per_add` is the least any table-driven `add` can
  do — the same loop over the same (start, duration) pairs calling a function that does one
  `bisect_right` of the start over a precomputed table of the working intervals (their ends
  as aware Kyiv datetimes, 2025-2027, built here from the same non-working dates, not by our
  code) and returns the index: no arithmetic, no datetime built. Timed best of 9, each round
  right before a round of ours, so both see the same machine. `ours_to_floor` =
  ours / floor (target <= 3).
* `ours_utc_us_per_add`: the same adds with the starts given in UTC, as the platform passes
  them (`clock.now()` and database values are UTC-aware); its results must be the same
  instants (counted in `mismatches`).
* Faithfulness: pandas works on naive wall time; that is exact here because working hours
  09:00-20:00 never contain a DST switch (03:00/04:00), and every elapsed working hour is a
  wall-clock hour. For n >= 0 pandas itself rolls an off-hours start (night, weekend,
  holiday, exactly 20:00) forward to the next opening, as we do, so no pre-rolling is needed.
* Known semantic difference, normalised: when the budget runs out exactly at closing, some
  pandas versions return 20:00 of that day while we return 09:00 of the next working day
  (docs/rules.md §4: nobody is late during non-working time). That pair, and only that pair, counts as
  a match ("closing-time pairs"; the next working day is computed with pandas'
  CustomBusinessDay, not with our code). pandas 3.1.1 already returns 09:00, so it reports 0.
The last line printed is one JSON object:
  {"ours_us_per_add", "floor_us_per_add", "ours_to_floor", "pandas_us_per_add", "speedup", "mismatches", ...}
Targets: ours_to_floor <= 3, speedup >= 50, mismatches == 0.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
import time as _time
from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import holidays
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
# Load the module by path: importing the `marketplace` package would pull in Celery/Django.
_spec = importlib.util.spec_from_file_location("worktime", ROOT / "marketplace" / "worktime.py")
worktime = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(worktime)
KYIV, WorkCalendar = worktime.KYIV, worktime.WorkCalendar

N = 100_000
SEED = 20250506
YEARS = (2025, 2026, 2027)  # starts in 2025-2026; +200 h can reach into 2027
PANDAS_BUDGET_S = 180
ROUNDS = 9  # best of: the machine may be shared


def non_working_dates() -> tuple[set[date], int]:
    official = set(holidays.Ukraine(years=YEARS))  # days off per the package (0 now)
    platform = {date(y, m, d) for y in YEARS for m, d in ((1, 1), (1, 2), (5, 1), (5, 2))}
    return official | platform, len(official)


def floor_table(closed: set[date]) -> list[datetime]:
    """The ends of the working intervals (09:00-20:00 on working days) of YEARS, ascending, as
    aware Kyiv datetimes: what a table-driven add bisects."""
    day, last, table = date(YEARS[0], 1, 1), date(YEARS[-1], 12, 31), []
    while day <= last:
        if day.weekday() < 5 and day not in closed:
            table.append(datetime.combine(day, time(20), KYIV))
        day += timedelta(days=1)
    return table


def make_cases(closed: set[date]):
    rng = random.Random(SEED)
    t0 = datetime(2025, 1, 1, tzinfo=KYIV).timestamp()
    t1 = datetime(2027, 1, 1, tzinfo=KYIV).timestamp()
    edge_days = [
        date(2025, 3, 30),
        date(2025, 10, 26),
        date(2026, 3, 29),
        date(2026, 10, 25),
        *sorted(d for d in closed if d.year < 2027),
    ]
    edge_times = [time(9), time(20), time(19), time(8, 59, 59), time(19, 59, 59), time(0), time(3, 30), time(12, 30)]
    starts, hours = [], []
    for _ in range(N):
        r = rng.random()
        if r < 0.6:
            s = datetime.fromtimestamp(rng.randrange(int(t0), int(t1)), KYIV)
        elif r < 0.7:
            s = datetime.fromtimestamp(rng.randrange(int(t0), int(t1)), KYIV)
            s += timedelta(microseconds=rng.randrange(1, 10**6))
        else:
            if rng.random() < 0.3:
                day = rng.choice(edge_days) + timedelta(days=rng.randrange(-2, 2))
            else:
                day = date(2025, 1, 1) + timedelta(days=rng.randrange(730))
            local = datetime.combine(day, rng.choice(edge_times))  # naive wall time
            s = local.replace(tzinfo=KYIV, fold=rng.randrange(2))  # fold only matters 03:xx
            s = datetime.fromtimestamp(s.timestamp(), KYIV)  # normalise
        starts.append(s)
        hours.append(rng.randrange(201))
    return starts, hours


def main() -> None:
    closed, n_official = non_working_dates()
    print(
        f"holidays {holidays.__version__}: {n_official} public days off from "
        f"holidays.Ukraine(years={list(YEARS)}); platform closure days added -> "
        f"{len(closed)} non-working dates: {', '.join(map(str, sorted(closed)))}"
    )
    starts, hours = make_cases(closed)
    durations = [timedelta(hours=h) for h in hours]
    cal = WorkCalendar(non_working_dates=frozenset(closed))
    add = cal.add

    table = floor_table(closed)

    def floor(start, duration, table=table):
        return bisect_right(table, start)

    # ---- ours and the floor (best of ROUNDS each, interleaved; the first run of ours also
    # builds the lazily precomputed tables)
    best = best_floor = best_utc = float("inf")
    starts_utc = [s.astimezone(UTC) for s in starts]
    for _ in range(ROUNDS):
        t = _time.perf_counter()
        [floor(s, d) for s, d in zip(starts, durations, strict=True)]
        best_floor = min(best_floor, _time.perf_counter() - t)
        t = _time.perf_counter()
        ours = [add(s, d) for s, d in zip(starts, durations, strict=True)]
        best = min(best, _time.perf_counter() - t)
        t = _time.perf_counter()
        ours_utc = [add(s, d) for s, d in zip(starts_utc, durations, strict=True)]
        best_utc = min(best_utc, _time.perf_counter() - t)
    ours_us, floor_us, utc_us = best / N * 1e6, best_floor / N * 1e6, best_utc / N * 1e6
    print(f"floor:  {N} bisects over {len(table)} intervals, best of {ROUNDS}: {best_floor:.3f} s = {floor_us:.2f} us")
    print(f"ours:   {N} adds, best of {ROUNDS}: {best:.3f} s = {ours_us:.2f} us/add ({ours_us / floor_us:.2f}x floor)")
    print(f"ours, starts in UTC: {best_utc:.3f} s = {utc_us:.2f} us/add ({utc_us / floor_us:.2f}x the floor)")

    # ---- pandas
    hol = sorted(closed)
    offsets = [pd.offsets.CustomBusinessHour(n=h, start="09:00", end="20:00", holidays=hol) for h in range(201)]
    next_bday = pd.offsets.CustomBusinessDay(holidays=hol)
    naive = [pd.Timestamp(s.replace(tzinfo=None)) for s in starts]  # Kyiv wall time
    probe = min(N, 1000)
    t = _time.perf_counter()
    for ts, h in zip(naive[:probe], hours[:probe], strict=True):
        ts + offsets[h]
    est = (_time.perf_counter() - t) / probe * N
    timed_n = N if est <= PANDAS_BUDGET_S else 10_000
    t = _time.perf_counter()
    theirs = [ts + offsets[h] for ts, h in zip(naive[:timed_n], hours[:timed_n], strict=True)]
    pandas_s = _time.perf_counter() - t
    theirs += [ts + offsets[h] for ts, h in zip(naive[timed_n:], hours[timed_n:], strict=True)]
    pandas_us = pandas_s / timed_n * 1e6
    print(
        f"pandas {pd.__version__}: {timed_n} adds{' (subsample)' if timed_n < N else ''}: "
        f"{pandas_s:.3f} s = {pandas_us:.2f} us/add"
    )

    # ---- compare every case
    mismatches, closing_pairs, shown = 0, 0, 0
    for s, h, o, u in zip(starts, hours, ours, ours_utc, strict=True):
        if o.astimezone(UTC) != u.astimezone(UTC) or u.tzinfo is not KYIV:
            mismatches += 1
            print(f"MISMATCH start={s.isoformat()} +{h}h: {o.isoformat()} from Kyiv, {u.isoformat()} from UTC")
    at_closing = sum(1 for h, o in zip(hours, ours, strict=True) if h and o.time() == time(9))
    for s, h, o, p in zip(starts, hours, ours, theirs, strict=True):
        o_naive = pd.Timestamp(o.replace(tzinfo=None))
        if o_naive == p:
            continue
        if p.time() == time(20) and o_naive == next_bday.rollforward(
            p.normalize() + pd.Timedelta(days=1)
        ) + pd.Timedelta(hours=9):
            closing_pairs += 1  # pandas 20:00 == our next-working-day 09:00
            continue
        mismatches += 1
        if shown < 10:
            shown += 1
            print(f"MISMATCH start={s.isoformat()} +{h}h ours={o.isoformat()} pandas={p}")
    print(
        f"compared {N}: {N - mismatches - closing_pairs} identical, {closing_pairs} "
        f"closing-time pairs (pandas 20:00 == ours next 09:00), {mismatches} mismatches; "
        f"{at_closing} cases had the budget run out exactly at 20:00"
    )
    speedup = pandas_us / ours_us
    ours_to_floor = ours_us / floor_us
    ok = ours_to_floor <= 3 and speedup >= 50 and mismatches == 0
    print(
        f"ours/floor {ours_to_floor:.2f}, speedup {speedup:.1f}x; targets (ours/floor <= 3, >= 50x, 0 mismatches): "
        f"{'met' if ok else 'NOT met'}"
    )
    print(
        json.dumps(
            {
                "ours_us_per_add": round(ours_us, 3),
                "floor_us_per_add": round(floor_us, 3),
                "ours_to_floor": round(ours_to_floor, 2),
                "ours_utc_us_per_add": round(utc_us, 3),
                "utc_to_floor": round(utc_us / floor_us, 2),
                "pandas_us_per_add": round(pandas_us, 3),
                "speedup": round(speedup, 1),
                "mismatches": mismatches,
                "n": N,
                "pandas_timed_n": timed_n,
                "closing_time_pairs": closing_pairs,
                "python": sys.version.split()[0],
                "pandas": pd.__version__,
                "holidays": holidays.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
