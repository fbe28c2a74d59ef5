"""Benchmark: the month's report batch on the 2,000-rep demo workbook.

1. `salesdesk reports --formats xlsx,html --jobs 2`, the whole command (read, validate,
   compute, render 2,000 rep and 40 team reports), wall time and peak memory:
   - cold: an empty cache of parsed workbooks (the workbook is read and validated, and cached)
     and a new output folder, three runs, median;
   - warm: the same workbook again (parsed frames from the cache; all computing and rendering
     done again), five runs, median (this machine varies 10-20% from run to run).
2. Baseline: XlsxWriter alone writing the same cells (values read back from the generated
   files beforehand), typed write_number/write_string, in_memory workbooks, on 2 processes
   and on one core.
PDFs: bench/pdf.py.

    .venv/bin/python bench/reports.py
"""
from __future__ import annotations

import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BOOK = ROOT / "bench" / "data" / "demo-2000.xlsx"
MONTH = "2026-10"
COLD_RUNS, WARM_RUNS = 3, 5


def cells_of(path: Path) -> list[tuple[int, int, object]]:
    import openpyxl
    ws = openpyxl.load_workbook(path, data_only=True, read_only=True).worksheets[0]
    return [(c.row - 1, c.column - 1, c.value) for row in ws.iter_rows() for c in row
            if getattr(c, "value", None) is not None]


def raw_write(batch: list[list[tuple[int, int, object]]]) -> int:
    import xlsxwriter
    for cells in batch:
        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"in_memory": True})
        ws = wb.add_worksheet("Report")
        for r, c, v in cells:
            if isinstance(v, (int, float)):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, str(v))
        wb.close()
    return len(batch)


def fastest_read() -> float:
    """The floor of reading: fastexcel (calamine) loading every sheet of the workbook, types
    inferred, nothing validated; median of 3, in a fresh process each."""
    code = ("import time, fastexcel\n"
            f"t = time.perf_counter(); r = fastexcel.read_excel({str(BOOK)!r})\n"
            "for name in r.sheet_names: r.load_sheet(name).to_arrow()\n"
            "print(time.perf_counter() - t)")
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(3)]
    return statistics.median(runs)


def main():
    if not BOOK.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "read_workbook.py"), "--skip-openpyxl"], check=True)
    def batch(out: str, cache: str, label: str) -> float:
        cmd = [sys.executable, "-m", "generators.cli", "reports", str(BOOK), "--month", MONTH, "--out", out,
               "--formats", "xlsx,html", "--jobs", "2"]
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, SALESDESK_CACHE_DIR=cache))
        took = time.perf_counter() - t
        assert proc.returncode == 0, proc.stderr
        print(f"{label} run: {took:.1f} s  ({proc.stdout.splitlines()[0]})")
        return took

    colds = []
    for _ in range(COLD_RUNS - 1):   # each with an empty cache and a new output folder
        with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
            colds.append(batch(out, cache, "cold"))
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
        colds.append(batch(out, cache, "cold"))
        times = [batch(out, cache, "warm") for _ in range(WARM_RUNS)]
        cold, warm = statistics.median(colds), statistics.median(times)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        folder = Path(out) / MONTH
        files = sorted((folder / "reps").glob("*.xlsx")) + sorted((folder / "teams").glob("*.xlsx"))
        print(f"batch (xlsx + html, --jobs 2, whole command): cold {cold:.1f} s (median of {len(colds)}, "
              f"{min(colds):.1f}-{max(colds):.1f}), warm {warm:.1f} s (median of {len(times)}, "
              f"{min(times):.1f}-{max(times):.1f}) for {len(files)} reports; "
              f"peak memory of the largest process {peak:.0f} MB")
        cells = [cells_of(p) for p in files]
        n_cells = sum(len(c) for c in cells)
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            with ProcessPoolExecutor(2) as pool:
                sum(pool.map(raw_write, [cells[i::20] for i in range(20)]))
            runs.append(time.perf_counter() - t)
        base = statistics.median(runs)
        print(f"baseline (raw XlsxWriter, same {n_cells:,} cells, 2 processes, median of 3): {base:.1f} s "
              f"({len(files) / base:.0f} reports/s)")
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            raw_write(cells)
            runs.append(time.perf_counter() - t)
        base1 = statistics.median(runs)
        print(f"baseline on one core (median of 3): {base1:.1f} s ({len(files) / base1:.0f} reports/s)")
        print(f"ratio batch / baseline (2 processes): cold {cold / base:.1f}x, warm {warm / base:.1f}x")
        print(f"ratio batch / baseline (one core):    cold {cold / base1:.1f}x, warm {warm / base1:.1f}x")
        read = fastest_read()
        floor = read + base
        print(f"fastest read of every sheet (fastexcel, no validation, median of 3): {read:.1f} s; "
              f"floor of a first run = read + 2-process baseline = {floor:.1f} s")
        print(f"ratio first run / floor: {cold / floor:.2f}x (goal 1.5x); re-run / 2-process baseline: "
              f"{warm / base:.2f}x (goal 2x)")
        print(json.dumps({"cold_s": round(cold, 1), "warm_s": round(warm, 1), "baseline_2proc_s": round(base, 2),
                          "baseline_1core_s": round(base1, 2), "peak_mb": round(peak), "fastest_read_s": round(read, 2),
                          "floor_s": round(floor, 2), "first_over_floor": round(cold / floor, 2)}))


if __name__ == "__main__":
    main()
