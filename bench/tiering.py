"""Benchmark: SD_RFM and SD_TIER on 1,000,000 transactions from 100,000 customers, with
Excel-shaped inputs (one-column 2-D lists, dates as datetimes as xlwings passes them),
against a straightforward row-by-row implementation of RFM.

    .venv/bin/python bench/tiering.py
"""
from __future__ import annotations

import datetime as dt
import time

import numpy as np

from addin import udfs as U


def row_by_row_rfm(ids, dates, amounts, bins=5):
    """The way it is often written: a dict per customer, a loop per row, sorts per score."""
    stats = {}
    for (cid,), (day,), (amount,) in zip(ids, dates, amounts):
        s = stats.setdefault(cid, [None, 0, 0.0, day])
        s[3] = max(s[3], day)
        if amount > 0:
            s[1] += 1
            if s[0] is None or day > s[0]:
                s[0] = day
        s[2] += amount
    as_of = max(d for (d,) in dates)
    rows = [(cid, (as_of - (s[0] or s[3])).days, s[1], round(s[2], 2)) for cid, s in stats.items()]
    n = len(rows)
    out = []
    for idx, better in ((1, False), (2, True), (3, True)):
        values = sorted(r[idx] if better else -r[idx] for r in rows)
        rank = {}
        for i, v in enumerate(values):
            rank.setdefault(v, i)
        out.append([1 + rank[r[idx] if better else -r[idx]] * bins // n for r in rows])
    return [(r[0], r[1], r[2], r[3], a, b, c) for r, a, b, c in zip(rows, *out)]


def main():
    rng = np.random.default_rng(5)
    n, k = 1_000_000, 100_000
    weights = rng.pareto(1.2, k) + 1
    cust = rng.choice(k, n, p=weights / weights.sum())
    base = dt.datetime(2024, 1, 1)
    days = rng.integers(0, 730, n)
    ids = [[f"C{c:06d}"] for c in cust]
    dates = [[base + dt.timedelta(days=int(d))] for d in days]
    amounts = [[float(a)] for a in np.round(rng.lognormal(6, 1, n) * np.where(rng.random(n) < 0.03, -1, 1), 2)]
    print(f"{n:,} transactions, {len(set(cust)):,} customers")
    for name, fn in (("SD_RFM", U.SD_RFM), ("SD_TIER", U.SD_TIER)):
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            out = fn(ids, dates, amounts)
            best = min(best, time.perf_counter() - t)
        assert not str(out[0][0]).startswith("SD_"), out[0][0]
        print(f"{name}: {best:.2f} s (best of 3), {len(out) - 1:,} customers")
    t = time.perf_counter()
    slow = row_by_row_rfm(ids, dates, amounts)
    slow_s = time.perf_counter() - t
    print(f"row-by-row RFM (plain Python): {slow_s:.2f} s for {len(slow):,} customers")
    fast = {r[0]: r[4:7] for r in U.SD_RFM(ids, dates, amounts)[1:]}
    assert all(fast[r[0]] == [r[4], r[5], r[6]] for r in slow[:1000]), "row-by-row and vectorized disagree"


if __name__ == "__main__":
    main()
