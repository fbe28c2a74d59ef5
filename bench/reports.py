"""Benchmark: the month's report batch on the 2,000-rep demo workbook.

1. `salesdesk reports --formats xlsx,html --jobs 2`, the whole command (read, validate,
   compute, render 2,000 rep and 40 team reports), wall time and peak memory.
2. Baseline: XlsxWriter alone writing the same cells (values read back from the generated
   files beforehand), typed write_number/write_string, in_memory workbooks, 2 processes.
3. PDF cost per report: LibreOffice converting 100 of the generated workbooks in one call.

    .venv/bin/python bench/reports.py
"""
from __future__ import annotations

import io
import json
import resource
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


def main():
    if not BOOK.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "read_workbook.py"), "--skip-openpyxl"], check=True)
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "generators.cli", "reports", str(BOOK), "--month", MONTH, "--out", out,
               "--formats", "xlsx,html", "--jobs", "2"]
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        batch = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(proc.stdout.strip())
        folder = Path(out) / MONTH
        files = sorted((folder / "reps").glob("*.xlsx")) + sorted((folder / "teams").glob("*.xlsx"))
        print(f"batch (xlsx + html, --jobs 2, whole command): {batch:.1f} s for {len(files)} reports, "
              f"peak memory of the largest process {peak:.0f} MB")
        cells = [cells_of(p) for p in files]
        n_cells = sum(len(c) for c in cells)
        t = time.perf_counter()
        with ProcessPoolExecutor(2) as pool:
            sum(pool.map(raw_write, [cells[i::20] for i in range(20)]))
        base = time.perf_counter() - t
        print(f"baseline (raw XlsxWriter, same {n_cells:,} cells, 2 processes): {base:.1f} s "
              f"({len(files) / base:.0f} reports/s)")
        t = time.perf_counter()
        raw_write(cells[:300])
        one = time.perf_counter() - t
        print(f"baseline on one core: {300 / one:.0f} reports/s")
        print(f"ratio batch / baseline: {batch / base:.1f}x")
        sample = files[:100]
        with tempfile.TemporaryDirectory() as pdfdir:
            copies = []
            for p in sample:
                dst = Path(pdfdir) / p.name
                dst.write_bytes(p.read_bytes())
                copies.append(dst)
            from generators.pdf import to_pdf
            t = time.perf_counter()
            made = to_pdf(copies)
            pdf = time.perf_counter() - t
        print(f"PDF (LibreOffice, one call for {len(made)} reports): {pdf:.1f} s, {pdf / max(1, len(made)) * 1000:.0f} ms per report")
        print(json.dumps({"batch_s": round(batch, 1), "baseline_s": round(base, 1), "ratio": round(batch / base, 2),
                          "peak_mb": round(peak), "pdf_ms_per_report": round(pdf / max(1, len(made)) * 1000)}))


if __name__ == "__main__":
    main()
