"""Benchmark: `salesdesk reports --formats xlsx,html --jobs 2` on the 2,000-rep workbook, this tree
against an earlier checkout of SalesDesk (issue 27: the job layer must not make a first run or a
re-run slower). Interleaved: each round runs old cold, new cold, old warm, new warm; cold = an
empty cache of parsed workbooks and a new output folder, warm = the same cache again (each tree
keeps its own cache: the key includes the code). Medians of --runs rounds.

    .venv/bin/python bench/before_after.py /path/to/old/checkout [--runs 3] [--book other.xlsx]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "bench" / "data" / "demo-2000.xlsx"      # bench/read_workbook.py makes it


def run(tree: Path, cache: Path, book: Path = BOOK) -> float:
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "generators.cli", "reports", str(book), "--month", "2026-10", "--out", out,
               "--formats", "xlsx,html", "--jobs", "2"]
        env = dict(os.environ, SALESDESK_CACHE_DIR=str(cache), PYTHONPATH=str(tree))
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
        took = time.perf_counter() - t
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr      # 1: a rep or row left out, still a whole run
    return took


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("old", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--book", type=Path, default=BOOK)
    args = parser.parse_args()
    trees = {"before": args.old.resolve(), "now": ROOT}
    times = {(name, kind): [] for name in trees for kind in ("first run", "re-run")}
    for i in range(args.runs):
        caches = {name: Path(tempfile.mkdtemp(prefix=f"sd-bench-{name}-")) for name in trees}
        for kind in ("first run", "re-run"):
            for name, tree in trees.items():
                took = run(tree, caches[name], args.book)
                times[(name, kind)].append(took)
                print(f"round {i + 1}: {name} {kind}: {took:.1f} s", flush=True)
    for kind in ("first run", "re-run"):
        before, now = (statistics.median(times[(n, kind)]) for n in trees)
        print(f"{kind}: before {before:.1f} s, now {now:.1f} s ({now / before:.2f}x); runs "
              + "; ".join(f"{n}: " + ", ".join(f"{x:.1f}" for x in times[(n, kind)]) for n in trees))


if __name__ == "__main__":
    main()
