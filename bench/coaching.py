"""Benchmark: what coaching (addin/engine/coaching.py) costs on the 2,000-rep workbook, in one
process: the engine alone (CPU and wall seconds, 5 runs), the window's measures it reuses
(``measures.rep_measures``), and the month's report facts (``report_data.month_facts``) with and
without it, interleaved, 3 runs each, in CPU seconds of this process (less sensitive than wall time
to the other work on a shared machine).

    .venv/bin/python bench/coaching.py /tmp/demo-2000.xlsx
"""
from __future__ import annotations

import statistics
import sys
import time

from addin.engine import coaching
from addin.engine.measures import MeasurePeriod, rep_measures
from generators import report_data
from generators.monthdata import load_month
from workbooks.kpis import scorecard_kpis


def main(book: str) -> None:
    md = load_month(book, "2026-10")
    f, cal = md.frames, report_data._calendar(md)
    kpis, _ = scorecard_kpis(f["KPIs"])
    quota = md.quotas.assign(target=md.quotas["quota_cents"] / 100).set_index(["rep_id", "period"])["target"]
    reps = f["Reps"][f["Reps"]["active"].fillna(True).astype(bool)]
    win = coaching.window(cal.month, cal.as_of, cal.prorate)
    wanted = ["orders", "cycle_days", "deal_size", "new_customers", *(k.name for k in kpis)]
    times: dict[str, list[float]] = {k: [] for k in ("engine (CPU)", "engine (wall)", "window measures (CPU)",
                                                     "month_facts without (CPU)", "month_facts with (CPU)")}
    for _ in range(5):
        wall, cpu = time.perf_counter(), time.process_time()
        found = coaching.coaching(f, reps, win, kpis, quota)
        times["engine (CPU)"].append(time.process_time() - cpu)
        times["engine (wall)"].append(time.perf_counter() - wall)
        cpu = time.process_time()
        rep_measures(f, MeasurePeriod(win.start, win.end, win.start), wanted, reps["rep_id"])
        times["window measures (CPU)"].append(time.process_time() - cpu)
    real = report_data._coaching
    for _ in range(3):
        for name, rule in (("without", lambda *a, **k: {}), ("with", real)):
            report_data._coaching = rule
            cpu = time.process_time()
            report_data.month_facts(md)
            times[f"month_facts {name} (CPU)"].append(time.process_time() - cpu)
    report_data._coaching = real
    for name, runs in times.items():
        print(f"{name}: median {statistics.median(runs):.2f} s (" + ", ".join(f"{x:.2f}" for x in runs) + ")")
    print(f"{len(found)} foci for {found['rep_id'].nunique()} of {len(reps)} reps")


if __name__ == "__main__":
    main(sys.argv[1])
