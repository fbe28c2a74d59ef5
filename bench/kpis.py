"""Benchmark: the KPI catalogue's cost on the 2,000-rep demo workbook (issue 25).

Two workbooks from the same demo data (2,000 reps, 40 teams, 24 months, seed 7): the demo's
6 KPIs, and 20 KPIs of which 5 are measures of one's own. Then
1. the measures alone (``rep_measures`` for the month, in-process, frames already read),
   median of 5 each;
2. `salesdesk reports --formats xlsx,html --jobs 2`, the whole command, first run (empty cache,
   new output folder), the two workbooks interleaved, 3 runs each, medians.

    .venv/bin/python bench/kpis.py [--skip-reports]
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "data"
MONTH = "2026-10"
OWN = {
    "site_visits": 'count(Activities, type = "visit")',
    "analytics_sales": 'sum(Orders.amount, product = "Analytics Suite", status = "booked")',
    "buying_customers": 'distinct(Orders.customer_id, status = "booked")',
    "mean_score": "mean(Satisfaction.score)",
    "closing_rate": 'ratio(count(Opportunities, stage = "won", by = closed), '
                    'count(Opportunities, stage in ("won", "lost"), by = closed))',
}
BUILT_IN = ["sales", "revenue", "margin", "margin_pct", "orders", "deal_size", "new_customers", "activities",
            "calls", "visits", "win_rate", "cycle_days", "satisfaction", "pipeline_coverage", "qualified"]


def twenty_kpis() -> pd.DataFrame:
    from addin.engine.kpi_catalogue import BY_ID, SALES_KPIS
    rows = [(k, BY_ID[k].direction, None if k in SALES_KPIS else 1.0, None) for k in BUILT_IN]
    rows += [(k, "higher", 1.0, m) for k, m in OWN.items()]
    return pd.DataFrame({"kpi": [r[0] for r in rows], "weight": 5, "direction": [r[1] for r in rows], "cap": 1.5,
                         "target": [r[2] for r in rows], "green": 1.0, "amber": 0.8, "measure": [r[3] for r in rows]})


def books() -> tuple[Path, Path]:
    from workbooks import demo
    from workbooks.salesbook import write_sales_workbook
    six, twenty = DATA / "kpis-6.xlsx", DATA / "kpis-20.xlsx"
    if not (six.exists() and twenty.exists()):
        DATA.mkdir(parents=True, exist_ok=True)
        frames = demo.build(reps=2000, teams=40, months=24, seed=7)
        write_sales_workbook(frames, six)
        write_sales_workbook(dict(frames, KPIs=twenty_kpis()), twenty)
    return six, twenty


def measures_alone(book: Path) -> float:
    from addin.engine import rules
    from addin.engine.measures import MeasurePeriod, rep_measures
    from generators.monthdata import load_month
    from workbooks.kpis import scorecard_kpis
    md = load_month(book, MONTH)
    kpis, own = scorecard_kpis(md.frames["KPIs"])
    start, end = rules.month_bounds(MONTH)
    period = MeasurePeriod(start, end, rules.trailing_start(MONTH))
    quota = md.quotas[md.quotas["period"] == "2026-11"].set_index("rep_id")["quota_cents"] / 100
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        rep_measures(md.frames, period, ["win_rate", "cycle_days", "satisfaction", *(k.name for k in kpis)],
                     md.frames["Reps"]["rep_id"], quota, own)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def reports_run(book: Path) -> float:
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
        cmd = [sys.executable, "-m", "generators.cli", "reports", str(book), "--month", MONTH, "--out", out,
               "--formats", "xlsx,html", "--jobs", "2"]
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                              env=dict(os.environ, SALESDESK_CACHE_DIR=cache))
        took = time.perf_counter() - t
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return took


def main():
    six, twenty = books()
    for name, book in (("6 KPIs", six), ("20 KPIs (5 own)", twenty)):
        print(f"measures alone, {name}: {measures_alone(book) * 1000:.0f} ms (median of 5)", flush=True)
    if "--skip-reports" in sys.argv:
        return
    times = {six: [], twenty: []}
    for _ in range(3):
        for book in (six, twenty):
            times[book].append(reports_run(book))
            print(f"reports {book.name}: {times[book][-1]:.1f} s", flush=True)
    for book, runs in times.items():
        print(f"reports {book.name}: median {statistics.median(runs):.1f} s ({', '.join(f'{r:.1f}' for r in runs)})")


if __name__ == "__main__":
    main()
