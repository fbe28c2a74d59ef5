"""Importing a 1,000,000-row order CSV (`salesdesk import`): wall time and peak memory of the
whole command, medians of 3 (bench/RESULTS.md). The CSV is generated (seeded) in a temporary
folder: 200 reps, 20,000 customers, day-first dates, 49 MB.

    .venv/bin/python bench/import_csv.py [--rows 1000000]
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

MAPPING = """[sources]
shop = { path = "orders.csv", date_format = "%d/%m/%Y" }

[Orders]
from = "shop"
order_id = "Order ID"
order_date = "Order Date"
rep_id = "Sales Rep"
customer_id = "Customer"
product = "Product"
quantity = "Units"
amount = "Sales"
"""


def make_csv(path: Path, n: int) -> None:
    rng = np.random.default_rng(1)
    days = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 640, n), unit="D")
    pd.DataFrame({
        "Order ID": [f"SO{i:07d}" for i in range(n)], "Order Date": days.strftime("%d/%m/%Y"),
        "Sales Rep": rng.choice([f"R{i:04d}" for i in range(200)], n),
        "Customer": rng.choice([f"C{i:05d}" for i in range(20000)], n),
        "Product": rng.choice(["Chair", "Desk", "Phone", "Lamp", "Server"], n),
        "Units": rng.integers(1, 9, n), "Sales": np.round(rng.uniform(5, 5000, n), 2),
    }).to_csv(path, index=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    salesdesk = Path(sys.executable).parent / "salesdesk"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_csv(folder / "orders.csv", args.rows)
        (folder / "mapping.toml").write_text(MAPPING)
        times, peaks = [], []
        for _ in range(3):
            proc = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M", str(salesdesk), "--no-cache", "import",
                                   str(folder / "mapping.toml"), "--out", str(folder / "sales.xlsx")],
                                  capture_output=True, text=True)
            seconds, kb = re.search(r"TIME ([\d.]+) (\d+)", proc.stderr).groups()
            assert proc.returncode == 0, proc.stdout + proc.stderr
            times.append(float(seconds))
            peaks.append(int(kb) / 1024)
        size = (folder / "sales.xlsx").stat().st_size / 1e6
        print(f"{args.rows:,} rows: {statistics.median(times):.2f} s (runs {', '.join(f'{t:.2f}' for t in times)}), "
              f"peak {max(peaks):,.0f} MB; workbook {size:.0f} MB")


if __name__ == "__main__":
    main()
