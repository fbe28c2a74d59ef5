"""Benchmark: the SD_ functions in LibreOffice Calc through the SalesDesk extension.

1. Recalculating the planning workbook on load in LibreOffice headless, with the extension:
   the `--for libreoffice` one (`_xll.SD_`, array ranges) and, on LibreOffice 25.2 or later,
   the default one (plain names, Excel's dynamic arrays), against the same conversion with
   recalculation off (the cost of opening and saving alone). Medians of 3, interleaved.
2. One SD_RFM over 70,000 order lines: a workbook with the lines and one `_xll.SD_RFM` array
   formula, converted with recalculation on, against the same workbook without the formula;
   and the same call made directly in Python.

    .venv/bin/python bench/libreoffice.py
"""
from __future__ import annotations

import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402

from generators.cli import main  # noqa: E402
from tests.support.libreoffice import PROFILE_XCU, profile_with_extension  # noqa: E402

RUNS = 3
LINES = 70_000
NO_RECALC = PROFILE_XCU.replace("<value>0</value>", "<value>1</value>")   # 1 = never recalculate


def convert(path: Path, profile: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=1800)
    return time.perf_counter() - start


def rfm_book(path: Path, with_formula: bool) -> None:
    import numpy as np
    import xlsxwriter
    rng = np.random.default_rng(7)
    ids = [f"C{i:05d}" for i in rng.integers(0, 4000, LINES)]
    start = dt.date(2024, 11, 1)
    days = rng.integers(0, 730, LINES)
    amounts = np.round(rng.gamma(2.0, 400.0, LINES), 2)
    wb = xlsxwriter.Workbook(path, {"constant_memory": False})
    ws = wb.add_worksheet("Orders")
    for r, (c, d, a) in enumerate(zip(ids, days, amounts)):
        ws.write_string(r, 0, c)
        ws.write_number(r, 1, float((start + dt.timedelta(days=int(d)) - dt.date(1899, 12, 30)).days))
        ws.write_number(r, 2, float(a))
    if with_formula:
        out = wb.add_worksheet("RFM")
        customers = len(set(ids)) + 1
        out.write_array_formula(0, 0, customers - 1, 8,
                                f"{{=_xll.SD_RFM(Orders!A1:A{LINES},Orders!B1:B{LINES},Orders!C1:C{LINES},"
                                f"DATE(2026,10,31))}}")
    wb.close()
    return ids, days, amounts


def main_bench() -> None:
    base = Path(tempfile.mkdtemp(prefix="salesdesk-bench-calc-"))
    try:
        oxt = base / "salesdesk.oxt"
        assert CliRunner().invoke(main, ["addin", "libreoffice", "--out", str(oxt)]).exit_code == 0
        profiles = []
        for _ in range(2):   # each in its own folder, which (as root) the user nobody owns
            folder = Path(tempfile.mkdtemp(prefix="salesdesk-bench-profile-"))
            shutil.copy(oxt, folder / oxt.name)
            profiles.append(profile_with_extension(folder / oxt.name, folder))
        recalc, never = profiles
        (never / "user" / "registrymodifications.xcu").write_text(NO_RECALC)
        plan, plain = base / "plan.xlsx", base / "plan-plain.xlsx"
        assert CliRunner().invoke(main, ["workbook", "new", str(plan), "--for", "libreoffice"]).exit_code == 0
        assert CliRunner().invoke(main, ["workbook", "new", str(plain)]).exit_code == 0
        with_f, without_f = base / "rfm.xlsx", base / "rfm-none.xlsx"
        ids, days, amounts = rfm_book(with_f, True)
        rfm_book(without_f, False)
        times = {k: [] for k in ("plan recalc", "plan no recalc", "plain recalc", "rfm formula", "rfm no formula")}
        convert(plan, recalc, base / "warm")   # the first start of a profile is slower: not measured
        convert(plan, never, base / "warm")
        for _ in range(RUNS):
            times["plan recalc"].append(convert(plan, recalc, base / "o1"))
            times["plan no recalc"].append(convert(plan, never, base / "o2"))
            times["plain recalc"].append(convert(plain, recalc, base / "o5"))
            times["rfm formula"].append(convert(with_f, recalc, base / "o3"))
            times["rfm no formula"].append(convert(without_f, recalc, base / "o4"))
        from addin import udfs
        rows = lambda values: [[v] for v in values]   # noqa: E731
        serials = [float((dt.date(2024, 11, 1) + dt.timedelta(days=int(d)) - dt.date(1899, 12, 30)).days) for d in days]
        direct = []
        for _ in range(RUNS):
            start = time.perf_counter()
            udfs.SD_RFM(rows(ids), rows(serials), rows([float(a) for a in amounts]), 46326.0)
            direct.append(time.perf_counter() - start)
        for name, values in times.items():
            print(f"{name:16s} median {statistics.median(values):6.2f} s  ({', '.join(f'{v:.2f}' for v in values)})")
        print(f"{'SD_RFM direct':16s} median {statistics.median(direct):6.2f} s")
    finally:
        shutil.rmtree(base, ignore_errors=True)
        for folder in Path(tempfile.gettempdir()).glob("salesdesk-bench-profile-*"):
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main_bench()
