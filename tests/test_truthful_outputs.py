"""Outputs tell the truth: a PDF that was not made (its font is missing) is a failed delivery, prefixed sheet XML
is scanned right, a killed run leaves the previous month whole and the next run cleans up
after it, statements are exactly this run's, and a refused --close writes nothing."""
from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from generators.cli import main
from generators.exits import FINISHED_WITH_PROBLEMS, STOPPED
from workbooks.files import recover_folder, replace_folder, staging_folder
from workbooks.reader import read_workbook

MONTH = "2026-10"


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_a_pdf_whose_font_is_missing_is_a_failed_delivery(tmp_path, demo_book, monkeypatch):
    monkeypatch.setenv("SALESDESK_PDF_FONT", "No Such Sans SalesDesk")
    out = tmp_path / "out"
    result = run("reports", demo_book, "--month", MONTH, "--out", out, "--formats", "xlsx,pdf")
    assert result.exit_code == FINISHED_WITH_PROBLEMS
    assert "x PDF not made: the font 'No Such Sans SalesDesk' for PDFs is not installed" in result.output
    manifest = json.loads((out / MONTH / "manifest.json").read_text())
    assert manifest["deliveries"] == []                       # nothing to mail without its PDF
    assert not list((out / MONTH / "reps").glob("*"))
    sent = run("send", out, "--month", MONTH, "--dry-run")
    assert "0 sent" in sent.output
    statements = run("commissions", demo_book, "--month", MONTH, "--out", out)
    assert statements.exit_code == FINISHED_WITH_PROBLEMS
    assert "12 statement PDF(s) not made: the font 'No Such Sans SalesDesk'" in statements.output
    assert not list((out / MONTH / "commissions").glob("*.pdf"))


def _prefixed(xml: bytes) -> bytes:
    """The sheet XML as the .NET Open XML SDK writes it: every element with an x: prefix."""
    xml = xml.replace(b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                      b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
    return re.sub(rb"<(/?)(?!\?)([A-Za-z]+)([\s>/])", rb"<\1x:\2\3", xml)


def test_prefixed_sheet_xml_is_scanned_for_error_cells(tmp_path, demo_book):
    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.load_workbook(demo_book)
    wb["Targets"]["D3"] = "#REF!"
    wb.save(plain)
    prefixed = tmp_path / "prefixed.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(prefixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, _prefixed(data) if info.filename.startswith("xl/worksheets/sheet") else data)
    assert b"<x:c " in zipfile.ZipFile(prefixed).read("xl/worksheets/sheet9.xml")
    problems = [(p.sheet, p.row, p.column, p.problem) for p in read_workbook(prefixed).errors]
    assert problems == [("Targets", 3, "annual_target", "Excel error #REF! in the cell")]
    assert problems == [(p.sheet, p.row, p.column, p.problem) for p in read_workbook(plain).errors]


def test_folder_swap_and_recovery(tmp_path):
    target = tmp_path / "2026-10"
    target.mkdir()
    (target / "old.txt").write_text("old")
    staged = staging_folder(target)
    (staged / "new.txt").write_text("new")
    replace_folder(staged, target)
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    # killed between the two renames: the month was moved aside, the new one not yet in place
    os.replace(target, tmp_path / ".2026-10.old")
    leftover = staging_folder(target)
    recover_folder(target)
    assert (target / "new.txt").read_text() == "new" and not leftover.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-10"]


def _checksums(month_dir: Path) -> dict[str, str]:
    return {str(p.relative_to(month_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(month_dir.rglob("*")) if p.is_file()}


def test_a_killed_run_leaves_the_previous_month_whole_and_the_next_run_cleans_up(tmp_path, demo_book):
    out = tmp_path / "out"
    cmd = [str(Path(sys.executable).parent / "salesdesk"), "reports", str(demo_book), "--month", MONTH,
           "--out", str(out), "--jobs", "1"]
    first = subprocess.run(cmd + ["--formats", "xlsx,html"], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    before = _checksums(out / MONTH)
    victim = subprocess.Popen(cmd + ["--formats", "xlsx,html,pdf"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120     # killed once it writes reports into its staging folder
    while victim.poll() is None and time.monotonic() < deadline and not list(out.glob(f".{MONTH}.staging-*/reps/*")):
        time.sleep(0.01)
    assert victim.poll() is None, "the run ended before it could be killed"
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert _checksums(out / MONTH) == before                   # the previous month, untouched
    assert list(out.glob(f".{MONTH}.staging-*"))                # the killed run's leftovers
    again = subprocess.run(cmd + ["--formats", "xlsx"], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert not list(out.glob(f".{MONTH}.*"))                    # leftovers cleaned at the next start


def test_commission_statements_are_exactly_this_runs(tmp_path, demo_book):
    out = tmp_path / "out"
    assert run("commissions", demo_book, "--month", MONTH, "--out", out, "--formats", "xlsx").exit_code == 0
    folder = out / MONTH / "commissions"
    assert (folder / "R0003.xlsx").exists()
    wb = openpyxl.load_workbook(demo_book)
    orders = wb["Orders"]
    heads = [c.value for c in orders[1]]
    row = next(r for r in range(2, orders.max_row + 1) if orders.cell(r, heads.index("rep_id") + 1).value == "R0003")
    orders.cell(row, heads.index("amount") + 1).value = "abc"
    broken = tmp_path / "broken.xlsx"
    wb.save(broken)
    result = run("commissions", broken, "--month", MONTH, "--out", out, "--formats", "xlsx")
    assert result.exit_code == FINISHED_WITH_PROBLEMS and "R0003" in result.output
    assert not (folder / "R0003.xlsx").exists()                 # no statement left from the earlier run
    assert run("reports", broken, "--month", MONTH, "--out", out, "--formats", "xlsx").exit_code == FINISHED_WITH_PROBLEMS
    sent = run("send", out, "--month", MONTH, "--dry-run", "--finance", "finance@example.com", "--only", "finance")
    assert "1 sent" in sent.output
    bundle = zipfile.ZipFile(folder / "statements.zip")
    names = set(bundle.namelist())
    assert "R0001.xlsx" in names and "R0003.xlsx" not in names


def test_a_refused_close_writes_nothing(tmp_path, demo_book):
    out = tmp_path / "out"
    assert run("commissions", demo_book, "--month", "2026-09", "--out", out, "--formats", "xlsx", "--close").exit_code == 0
    result = run("commissions", demo_book, "--month", "2026-08", "--out", out, "--formats", "xlsx", "--close")
    assert result.exit_code == STOPPED
    assert "2026-08 is before the last closed month 2026-09; months close in order; nothing was written" in result.output
    assert not (out / "2026-08").exists()
