"""Rendering rep xlsx reports before and after the page layout split (issue 27), interleaved.

    python bench/report_layout.py [BEFORE_COMMIT] [REPORTS] [ROUNDS]

The "before" module is ``generators/report_xlsx.py`` at BEFORE_COMMIT (default 0ef498b, the
measuring pass with its null object), loaded from git beside today's; its styles, now in
workbooks.xlsxstyle with the same values, are imported from there. Both render REPORTS
(default 200) rep workbooks, cycling over the small demo's reps, in the same process; rounds
alternate which goes first. Prints each round and the medians.
"""
from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generators import report_xlsx  # noqa: E402
from generators.monthdata import load_month  # noqa: E402
from generators.report_data import month_facts  # noqa: E402
from workbooks import demo  # noqa: E402
from workbooks.salesbook import write_sales_workbook  # noqa: E402


def before_module(commit: str):
    text = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:generators/report_xlsx.py"],
                          capture_output=True, text=True, check=True).stdout
    text = text.replace("from .report_model", "from generators.report_model")
    text = text.replace("from .report_text", "from generators.report_text")
    text = text.replace("from workbooks.xlsxout import HEADER, KIND_FORMAT, MONEY, PERCENT, CellWriter, new_workbook, "
                        "shown_width", "from workbooks.xlsxout import CellWriter, new_workbook\n"
                        "from workbooks.xlsxstyle import HEADER, KIND_FORMAT, MONEY, PERCENT, shown_width")
    path = Path(tempfile.mkdtemp()) / "report_xlsx_before.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("report_xlsx_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    commit = sys.argv[1] if len(sys.argv) > 1 else "0ef498b"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    book = Path(tempfile.mkdtemp()) / "sales.xlsx"
    write_sales_workbook(demo.build(reps=12, teams=3, months=14, seed=3), book)
    reps = month_facts(load_month(book, "2026-10")).reps
    contexts = [reps[i % len(reps)] for i in range(count)]
    renderers = {"before": before_module(commit).rep_workbook, "now": report_xlsx.rep_workbook}
    times = {name: [] for name in renderers}
    for r in range(rounds):
        order = list(renderers) if r % 2 == 0 else list(reversed(renderers))
        for name in order:
            start = time.perf_counter()
            for ctx in contexts:
                renderers[name](ctx)
            times[name].append(time.perf_counter() - start)
        print(f"round {r + 1}: " + ", ".join(f"{n} {times[n][-1]:.2f} s" for n in renderers), flush=True)
    b, n = statistics.median(times["before"]), statistics.median(times["now"])
    print(f"{count} rep workbooks, medians of {rounds}: before {b:.2f} s, now {n:.2f} s, ratio {n / b:.2f}")


if __name__ == "__main__":
    main()
