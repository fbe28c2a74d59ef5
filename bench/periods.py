"""Benchmark: a week's and a year's reports against the month's, on the 2,000-rep workbook (issue 28).

`salesdesk reports BOOK --period P --formats xlsx,html --jobs 2` for the month 2026-10, the week
2026-W41 and the year 2026, each into a new output folder, interleaved (month, week, year; again),
ROUNDS rounds after one warm-up run that fills the cache of
parsed workbooks; wall time of the whole command, medians, and each against the month's.

    .venv/bin/python bench/periods.py [ROUNDS] [FORMATS] [PERIOD ...]
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "bench" / "data" / "demo-2000.xlsx"
PERIODS = ("2026-10", "2026-W41", "2026")      # the month first: the others are measured against it


def run(period: str, formats: str) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        done = subprocess.run([str(ROOT / ".venv" / "bin" / "salesdesk"), "reports", str(BOOK), "--period", period,
                               "--out", out, "--formats", formats, "--jobs", "2"], capture_output=True, text=True)
        took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{period}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")
    return took


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    formats = sys.argv[2] if len(sys.argv) > 2 else "xlsx,html"
    periods = tuple(sys.argv[3:]) or PERIODS
    if not BOOK.exists():
        subprocess.run([str(ROOT / ".venv" / "bin" / "salesdesk"), "demo-workbook", str(BOOK), "--reps", "2000",
                        "--teams", "40", "--months", "24"], check=True)
    run(periods[0], formats)                       # warm-up: the parsed workbook goes into the cache
    times: dict[str, list[float]] = {p: [] for p in periods}
    for _ in range(rounds):
        for p in periods:
            times[p].append(run(p, formats))
            print(f"  {p}: {times[p][-1]:.1f} s", flush=True)
    month = statistics.median(times[periods[0]])
    print(f"\n| period | median | against the month | runs |\n|---|---|---|---|")
    for p in periods:
        m = statistics.median(times[p])
        print(f"| {p} | {m:.1f} s | {m / month:.2f} | {', '.join(f'{t:.1f}' for t in times[p])} |")


if __name__ == "__main__":
    main()
