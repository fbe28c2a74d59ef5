"""Benchmark: read the Orders sheet of the 2,000-rep demo workbook (~1M rows) with our
validated reader and with pandas.read_excel(engine="openpyxl"); time and peak memory.

Each reader runs in its own process so its peak RSS is its own.

    .venv/bin/python bench/read_workbook.py [--skip-openpyxl]
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "bench" / "data" / "demo-2000.xlsx"


def ensure_book() -> Path:
    if not BOOK.exists():
        print(f"building {BOOK} (2,000 reps, 24 months) ...", flush=True)
        subprocess.run([sys.executable, "-m", "generators.cli", "demo-workbook", str(BOOK), "--reps", "2000",
                        "--teams", "40", "--months", "24"], check=True, cwd=ROOT)
    return BOOK


def child(which: str) -> None:
    t = time.perf_counter()
    if which == "salesdesk":
        from workbooks.reader import read_workbook
        data = read_workbook(BOOK, sheets=["Orders"])
        rows, problems = len(data["Orders"]), len(data.problems)
    else:
        import pandas as pd
        frame = pd.read_excel(BOOK, sheet_name="Orders", engine="openpyxl")
        rows, problems = len(frame), None
    seconds = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"reader": which, "rows": rows, "seconds": seconds, "peak_mb": peak_mb, "problems": problems}))


def run(which: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", which], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ensure_book()
    ours = run("salesdesk")
    print(f"salesdesk reader (fastexcel + validation): {ours['rows']:,} rows in {ours['seconds']:.2f} s, "
          f"peak {ours['peak_mb']:.0f} MB, {ours['problems']} problems", flush=True)
    if "--skip-openpyxl" in sys.argv:
        return
    base = run("openpyxl")
    print(f"pandas.read_excel(engine='openpyxl'):       {base['rows']:,} rows in {base['seconds']:.2f} s, "
          f"peak {base['peak_mb']:.0f} MB")
    print(f"speed-up: {base['seconds'] / ours['seconds']:.1f}x")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        child(sys.argv[2])
    else:
        main()
