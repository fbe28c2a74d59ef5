"""Benchmark: what the typeset PDFs cost on the 2,000-rep demo workbook (issue 23).

1. `salesdesk reports --formats xlsx,html,pdf` against `--formats xlsx,html` (2,000 rep and 40
   team reports, --jobs 2), the whole command from a cold start (an empty cache of parsed
   workbooks, a new output folder), the two interleaved, three runs each, medians; the goal is
   a ratio of at most 1.5.
2. `salesdesk commissions --formats xlsx,pdf` against `--formats xlsx` (2,000 statements and
   the finance summary), interleaved, three runs each, medians.
The engines side by side on one report (Typst and reportlab): bench/pdf_engines.py.

    .venv/bin/python bench/pdf.py [--runs 3]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "bench" / "data" / "demo-2000.xlsx"
MONTH = "2026-10"


def timed(args: list[str], out: str, cache: str) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "generators.cli", *args, "--out", out]
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, SALESDESK_CACHE_DIR=cache))
    took = time.perf_counter() - t
    assert proc.returncode == 0, proc.stdout + proc.stderr
    phases = "; ".join(line for line in proc.stderr.splitlines() if line.split(":")[0] in ("Reading", "Computing",
                                                                                           "Reports", "Statements"))
    return took, phases


def compare(label: str, base_args: list[str], with_pdf_args: list[str], runs: int) -> dict:
    """Cold runs of both commands, interleaved; each in a new output folder with an empty cache."""
    times = {"without": [], "with": []}
    for i in range(runs):
        for key, args in (("without", base_args), ("with", with_pdf_args)):
            with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
                if label == "statements":       # the reports' cache entry is not what is measured
                    subprocess.run([sys.executable, "-m", "generators.cli", "validate", str(BOOK)], cwd=ROOT,
                                   capture_output=True, env=dict(os.environ, SALESDESK_CACHE_DIR=cache))
                took, phases = timed(args, out, cache)
            times[key].append(took)
            print(f"{label} {key} PDF, run {i + 1}: {took:.1f} s ({phases})", flush=True)
    without, with_pdf = statistics.median(times["without"]), statistics.median(times["with"])
    print(f"{label}: without PDF {without:.1f} s, with PDF {with_pdf:.1f} s (medians of {runs}); "
          f"ratio {with_pdf / without:.2f}")
    return {"without_s": round(without, 1), "with_s": round(with_pdf, 1), "ratio": round(with_pdf / without, 2),
            "runs": {k: [round(x, 1) for x in v] for k, v in times.items()}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("reports", "statements"))
    args = parser.parse_args()
    if not BOOK.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "read_workbook.py"), "--skip-openpyxl"], check=True)
    common = [str(BOOK), "--month", MONTH]
    result = {}
    if args.only in (None, "reports"):
        result["reports"] = compare("reports", ["reports", *common, "--formats", "xlsx,html", "--jobs", "2"],
                                    ["reports", *common, "--formats", "xlsx,html,pdf", "--jobs", "2"], args.runs)
    if args.only in (None, "statements"):
        result["statements"] = compare("statements", ["commissions", *common, "--formats", "xlsx"],
                                       ["commissions", *common, "--formats", "xlsx,pdf"], args.runs)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
