"""Benchmark: how long `salesdesk --version` and `salesdesk --help` take against `python -c "import click"`
(issue 27: at most 3x), each a fresh process, interleaved, medians of 5.

    .venv/bin/python bench/cli_startup.py [--runs 5]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

SALESDESK = Path(sys.executable).parent / "salesdesk"
COMMANDS = {"python -c 'import click'": [sys.executable, "-c", "import click"],
            "salesdesk --version": [str(SALESDESK), "--version"],
            "salesdesk --help": [str(SALESDESK), "--help"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    times = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, cmd in COMMANDS.items():
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times[name].append(time.perf_counter() - t)
    base = statistics.median(times["python -c 'import click'"])
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:28s} {med * 1000:7.0f} ms  ({med / base:.1f}x)   runs: "
              + ", ".join(f"{v * 1000:.0f}" for v in values))


if __name__ == "__main__":
    main()
