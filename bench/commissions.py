"""Benchmark: commissions on the 2,000-rep demo workbook.

- engine only: one month (~40k order lines) and a full year (~500k lines); all 24 months with
  and without the statement lines (the report batch needs only the summary)
- the whole `salesdesk commissions` job for the latest month (2,000 statements, xlsx only)

    .venv/bin/python bench/commissions.py
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from addin.engine.commission import compute  # noqa: E402
from workbooks.engine_args import commission_inputs  # noqa: E402
from generators.monthdata import load_month  # noqa: E402

BOOK = ROOT / "bench" / "data" / "demo-2000.xlsx"
MONTH = "2026-10"


def main():
    if not BOOK.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "read_workbook.py"), "--skip-openpyxl"], check=True)
    t = time.perf_counter()
    md = load_month(BOOK, MONTH)
    print(f"read + validate workbook (or its cached frames): {time.perf_counter() - t:.2f} s")
    orders = md.frames["Orders"]
    for label, start in (("one month", "2026-10-01"), ("full year", "2025-11-01")):
        frames = dict(md.frames)
        frames["Orders"] = orders[orders["order_date"] >= start]
        inputs = commission_inputs(frames, md.quotas)
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            res = compute(inputs, MONTH)
            best = min(best, time.perf_counter() - t)
        lines = int(((frames["Orders"]["status"] != "cancelled")).sum())
        print(f"engine, {label}: {lines:,} order lines, {len(res.lines):,} statement lines, "
              f"{res.summary['period'].nunique()} months x {res.summary['rep_id'].nunique():,} reps: {best:.2f} s")
    inputs = commission_inputs(md.frames, md.quotas)   # all 24 months, as the report batch needs them
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        compute(inputs, MONTH)
        best = min(best, time.perf_counter() - t)
    print(f"engine, all {len(orders):,} order lines (24 months), as the report batch runs it: {best:.2f} s")
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "generators.cli", "commissions", str(BOOK), "--month", MONTH,
                        "--out", out, "--formats", "xlsx"], check=True, cwd=ROOT, capture_output=True)
        print(f"salesdesk commissions --formats xlsx (2,000 statements + summary), whole command: "
              f"{time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
