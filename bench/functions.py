"""Benchmark: SD_SCORECARD over 5,000 reps x 12 KPIs and SD_ALLOCATE over 2,000 reps,
called with Excel-shaped 2-D lists exactly as xlwings passes them.

    .venv/bin/python bench/functions.py
"""
from __future__ import annotations

import datetime as dt
import statistics
import time

import numpy as np

from addin import udfs as U


def timed(fn, *args, repeat=7):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t)
    assert not (isinstance(out, list) and isinstance(out[0][0], str) and out[0][0].startswith("SD_")), out[0][0]
    return statistics.median(times), min(times)


def main():
    rng = np.random.default_rng(1)
    kpis = [["kpi", "weight", "direction", "cap", "target", "green", "amber"]]
    names = [f"kpi{i:02d}" for i in range(12)]
    for i, n in enumerate(names):
        kpis.append([n, float(i % 4 + 1), "lower" if i % 5 == 0 else "higher", 1.5, 100.0, 1.0, 0.85])
    actuals = [["rep", *names]] + [[f"R{r:05d}", *rng.uniform(40, 160, 12).round(2).tolist()] for r in range(5000)]
    med, best = timed(U.SD_SCORECARD, actuals, kpis)
    print(f"SD_SCORECARD 5,000 reps x 12 KPIs: median {med * 1000:.1f} ms (best {best * 1000:.1f} ms)")

    hires = [dt.datetime(2025, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 420, 2000)]
    reps = [["rep_id", "capacity", "hire_date", "min", "max", "pinned"]]
    for i in range(2000):
        reps.append([f"R{i:05d}", float(rng.choice([1.0, 0.8, 0.5])), hires[i],
                     50000.0 if i % 50 == 0 else None, 900000.0 if i % 40 == 0 else None,
                     400000.0 if i % 100 == 0 else None])
    med, best = timed(U.SD_ALLOCATE, 1.2e9, reps, "capacity", None, dt.datetime(2026, 1, 1))
    print(f"SD_ALLOCATE 2,000 reps (capacity, ramp, min/max/pinned): median {med * 1000:.1f} ms (best {best * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
