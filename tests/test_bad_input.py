"""Bad input gets one clear line and an exit code, never a traceback, a guessed number or a
silently dropped row: misread numbers, missing columns, rows nobody can be paid for, files
that are not workbooks, folders that cannot be written, line breaks in names."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from generators.cli import main
from generators.exits import DONE, FINISHED_WITH_PROBLEMS, STOPPED
from tests.support.libreoffice import convert
from workbooks.reader import read_workbook

MONTH = "2026-10"


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def edited(demo_book, path: Path, edit) -> Path:
    wb = openpyxl.load_workbook(demo_book)
    edit(wb)
    wb.save(path)
    return path


def header_col(ws, name: str) -> int:
    return [c.value for c in ws[1]].index(name) + 1


def month_rows(ws, rep_id=None):
    """Excel rows of booked order lines in MONTH (of one rep, if given)."""
    date, status, rep = (header_col(ws, h) for h in ("order_date", "status", "rep_id"))
    return [r for r in range(2, ws.max_row + 1)
            if ws.cell(r, status).value == "booked" and str(ws.cell(r, date).value)[:7] == MONTH
            and (rep_id is None or ws.cell(r, rep).value == rep_id)]


# --- numbers --------------------------------------------------------------------------------

def _comma_amounts(wb, values):
    ws = wb["Orders"]
    col = header_col(ws, "amount")
    rows = month_rows(ws, "R0001")[:len(values)]
    for r, text in zip(rows, values):
        ws.cell(r, col).value = text
    return rows


def test_decimal_comma_text_is_an_error_until_the_workbook_declares_it(tmp_path, demo_book):
    rows = []
    book = edited(demo_book, tmp_path / "comma.xlsx", lambda wb: rows.extend(_comma_amounts(wb, ["1.234,50", "372,40"])))
    result = run("validate", book)
    assert result.exit_code == FINISHED_WITH_PROBLEMS
    for row, text in zip(rows, ["1.234,50", "372,40"]):
        assert f"Orders row {row} column amount: a decimal comma, which this workbook does not declare ({text})" \
               in result.output
    commissions = run("commissions", book, "--month", MONTH, "--out", tmp_path / "out", "--formats", "xlsx")
    assert commissions.exit_code == FINISHED_WITH_PROBLEMS and "R0001" in commissions.output

    declared = run("--decimal-comma", "validate", book)
    assert declared.exit_code == DONE, declared.output
    amounts = read_workbook(book, options=_comma())["Orders"].set_index("_row")["amount"]
    assert amounts.loc[rows].tolist() == [1234.50, 372.40]

    def settings(wb):
        ws = wb.create_sheet("Settings")
        ws.append(["setting", "value"])
        ws.append(["decimal_separator", ","])
    with_setting = edited(book, tmp_path / "comma-settings.xlsx", settings)
    assert run("validate", with_setting).exit_code == DONE


def _comma():
    from workbooks.opening import ReadOptions
    return ReadOptions(decimal=",")


def test_non_finite_and_huge_amounts_are_errors(tmp_path, demo_book):
    rows = []
    book = edited(demo_book, tmp_path / "inf.xlsx", lambda wb: rows.extend(_comma_amounts(wb, ["inf", 1e308])))
    result = run("validate", book)
    assert result.exit_code == FINISHED_WITH_PROBLEMS
    assert f"Orders row {rows[0]} column amount: not a finite number (inf)" in result.output
    assert f"Orders row {rows[1]} column amount: beyond the largest accepted value" in result.output


# --- a batch never computes on a missing column or dropped rows without saying so -------------

@pytest.mark.parametrize("header", ["Sales", None])
def test_a_missing_required_column_stops_every_batch(tmp_path, demo_book, header):
    def rename(wb):
        ws = wb["Orders"]
        ws.cell(1, header_col(ws, "amount" if header else "order_date")).value = header
    book = edited(demo_book, tmp_path / "missing.xlsx", rename)
    missing = "amount" if header else "order_date"
    for command in (["commissions", "--formats", "xlsx"], ["reports", "--formats", "xlsx"], ["reconcile"]):
        out = tmp_path / command[0]
        result = run(command[0], book, "--month", MONTH, "--out", out, *command[1:])
        assert result.exit_code == STOPPED, result.output
        assert f"Orders row 1 column {missing}: column is missing" in result.output
        assert "stopped, nothing was written" in result.output
        assert not (out / MONTH).exists()


def test_rows_nobody_can_be_paid_for_are_counted_and_the_exit_says_so(tmp_path, demo_book):
    blanked = []

    def blank(wb):
        ws = wb["Orders"]
        col = header_col(ws, "rep_id")
        for r in month_rows(ws)[:3]:
            ws.cell(r, col).value = None
            blanked.append(r)
    book = edited(demo_book, tmp_path / "blank.xlsx", blank)
    out = tmp_path / "out"
    result = run("commissions", book, "--month", MONTH, "--out", out, "--formats", "xlsx")
    assert result.exit_code == FINISHED_WITH_PROBLEMS
    assert f"3 Orders row(s) left out: required cell is blank in rep_id (see {out / MONTH / 'commissions' / 'errors.xlsx'})" \
           in result.output
    errors = pd.read_excel(out / MONTH / "commissions" / "errors.xlsx")
    assert set(blanked) <= set(errors.loc[errors["column"] == "rep_id", "row"])
    reports = run("reports", book, "--month", MONTH, "--out", out, "--formats", "xlsx")
    assert reports.exit_code == FINISHED_WITH_PROBLEMS and "3 Orders row(s) left out" in reports.output


def test_an_orders_sheet_with_only_its_header_stops_with_one_line(tmp_path, demo_book):
    book = edited(demo_book, tmp_path / "empty-orders.xlsx", lambda wb: wb["Orders"].delete_rows(2, wb["Orders"].max_row))
    result = run("reports", book, "--month", MONTH, "--out", tmp_path / "out")
    assert result.exit_code == STOPPED
    assert "Orders: the sheet has a header but no rows; expected at least one row of Orders" in result.output


# --- every input gives an answer --------------------------------------------------------------

@pytest.mark.libreoffice
def test_xls_and_ods_workbooks_read_like_the_xlsx(tmp_path, demo_book, lo_profile):
    want = read_workbook(demo_book)
    for fmt in ("xls", "ods"):
        other = convert([demo_book], tmp_path / fmt, fmt, lo_profile)[0]
        got = read_workbook(other)
        assert got.problems == []
        for sheet in ("Reps", "Orders", "Plans"):
            pd.testing.assert_frame_equal(got[sheet].drop(columns="_row"), want[sheet].drop(columns="_row"),
                                          check_dtype=False)
        assert run("validate", other).exit_code == DONE


def _cut_sheet(demo_book, path):
    with zipfile.ZipFile(demo_book) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, data[:len(data) // 2] if info.filename == "xl/worksheets/sheet4.xml" else data)
    return path


def _encrypted(demo_book, path):
    subprocess.run([str(Path(sys.executable).parent / "msoffcrypto-tool"), "-e", "-p", "secret", str(demo_book),
                    str(path)], check=True)
    return path


FILES = {
    "data.csv": (lambda book, p: (p.write_text("rep_id,amount\nR1,5\n"), p)[1],
                 "is a text (CSV) file, not a workbook"),
    "empty.xlsx": (lambda book, p: (p.write_bytes(b""), p)[1], "the file is empty (0 bytes)"),
    "cut.xlsx": (lambda book, p: (p.write_bytes(book.read_bytes()[:30000]), p)[1],
                 "the file is damaged or incomplete"),
    "locked.xlsx": (_encrypted, "is password-protected (encrypted); expected a workbook without a password"),
    "cut-sheet.xlsx": (_cut_sheet, "Orders: sheet cannot be read: calamine error"),
}


@pytest.mark.parametrize("name", FILES)
def test_a_file_that_is_not_a_readable_workbook_gets_one_line(tmp_path, demo_book, name):
    make, words = FILES[name]
    path = make(demo_book, tmp_path / name)
    result = run("validate", path)
    assert result.exit_code in (STOPPED, FINISHED_WITH_PROBLEMS)
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and words in lines[0], result.output
    batch = run("reports", path, "--month", MONTH, "--out", tmp_path / "out")
    assert batch.exit_code == STOPPED and words in batch.output


def test_limits_refuse_a_workbook_before_parsing_it(tmp_path, demo_book):
    result = run("--max-unpacked-mb", "1", "validate", demo_book)
    assert result.exit_code == STOPPED
    assert "over the limit of 1 MB; expected a smaller workbook, or a higher limit: salesdesk --max-unpacked-mb N" \
           in result.output
    rows = run("--max-rows", "100", "reports", demo_book, "--month", MONTH, "--out", tmp_path / "out")
    assert rows.exit_code == STOPPED and "Orders: over the limit of 100 rows a sheet" in rows.output


def test_an_output_folder_that_cannot_be_written_gets_one_line(tmp_path, demo_book):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = blocker / "out"
    commands = [["reports", demo_book, "--month", MONTH, "--out", out],
                ["commissions", demo_book, "--month", MONTH, "--out", out],
                ["reconcile", demo_book, "--month", MONTH, "--out", out],
                ["validate", demo_book, "--errors-out", out / "errors.xlsx"],
                ["workbook", "new", out / "planning.xlsx"]]
    for command in commands:
        result = run(*command)
        assert result.exit_code == STOPPED, (command, result.output)
        assert f"cannot write to {out}" in result.output and "Not a directory" in result.output


def test_line_breaks_in_names_never_stop_the_mail(tmp_path, demo_book):
    def breaks(wb):
        teams = wb["Teams"]
        old = teams.cell(2, 1).value
        teams.cell(2, 1).value = old + "\nEast"
        for ws, name in ((wb["Reps"], "team"), (wb["Targets"], "key")):
            col = header_col(ws, name)
            for r in range(2, ws.max_row + 1):
                if ws.cell(r, col).value == old:
                    ws.cell(r, col).value = old + "\nEast"
    book = edited(demo_book, tmp_path / "breaks.xlsx", breaks)
    out = tmp_path / "out"
    assert run("reports", book, "--month", MONTH, "--out", out, "--formats", "xlsx").exit_code == DONE
    sent = run("send", out, "--month", MONTH, "--dry-run")
    assert sent.exit_code == DONE, sent.output
    team_mail = [p for p in (out / MONTH / "outbox").glob("team-*.eml")]
    assert any("\nEast" not in p.read_text(errors="replace").split("\n\n")[0] and "East" in p.read_text(errors="replace")
               for p in team_mail)
    only = run("send", out, "--month", MONTH, "--dry-run", "--only", "R0002")
    assert only.exit_code == DONE and "1 sent" in only.output


def test_an_unexpected_error_is_one_line_and_a_log_file(tmp_path, demo_book, monkeypatch):
    import workbooks.errors_report

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a planted bug")
    monkeypatch.setattr(workbooks.errors_report, "write_errors_report", broken)   # validate imports it when it runs
    monkeypatch.setenv("SALESDESK_CACHE_DIR", str(tmp_path / "cache"))
    result = run("validate", demo_book, "--errors-out", tmp_path / "errors.xlsx")
    assert result.exit_code == 3
    lines = result.output.strip().splitlines()
    assert "unexpected error (ZeroDivisionError: a planted bug). This is a bug; the details are in" in lines[-1]
    log = Path(lines[-1].rsplit(" ", 1)[-1])
    assert log.parent == tmp_path / "cache" / "logs" and "Traceback" in log.read_text()


@pytest.mark.parametrize("month, where", [("2019-01", "before"), ("2027-03", "after")])
def test_a_month_outside_the_data_is_refused_with_the_months_it_covers(tmp_path, demo_book, month, where):
    for command in ("reports", "commissions", "reconcile"):
        result = run(command, demo_book, "--month", month, "--out", tmp_path / "out")
        assert result.exit_code == STOPPED
        assert f"the workbook's orders cover 2025-09 to 2026-10; {month} is {where} them" in result.output
    assert not (tmp_path / "out" / month).exists()


def test_a_month_just_begun_runs_with_allow_empty_but_never_one_before_the_data(tmp_path, demo_book):
    """--allow-empty runs the month after the last order (zero sales, targets as phased); it
    never runs a month before the data starts."""
    import json
    out = tmp_path / "out"
    done = run("reports", demo_book, "--month", "2026-11", "--out", out, "--formats", "xlsx", "--allow-empty")
    assert done.exit_code == 0, done.output
    manifest = json.loads((out / "2026-11" / "manifest.json").read_text())
    highlights = [d["highlights"] for d in manifest["deliveries"] if d["kind"] == "team"]
    assert highlights and all(h["actual"] == 0 and h["target"] > 0 for h in highlights)
    before = run("reports", demo_book, "--month", "2019-01", "--out", out, "--allow-empty")
    assert before.exit_code == STOPPED and "is before them" in before.output


def test_a_team_report_names_the_rep_its_figures_leave_out(tmp_path, demo_book, demo_frames):
    """One bad row leaves its rep out whole; the team's report says whom and why in every format,
    and that its figures exclude them."""
    import subprocess
    import zipfile

    rows = []
    book = edited(demo_book, tmp_path / "bad.xlsx", lambda wb: rows.extend(_comma_amounts(wb, ["inf"])))
    reps = demo_frames["Reps"].set_index("rep_id")
    team, name = reps.loc["R0001", "team"], reps.loc["R0001", "name"]
    out = tmp_path / "out"
    result = run("reports", book, "--month", MONTH, "--out", out, "--only", team)
    assert result.exit_code == FINISHED_WITH_PROBLEMS, result.output
    stem = next((out / MONTH / "teams").glob("*.html")).stem
    reason = f"{name} (R0001): Orders row {rows[0]} column amount: not a finite number (inf)"
    from html import unescape
    html = unescape((out / MONTH / "teams" / f"{stem}.html").read_text())
    assert "the team's figures exclude them" in html and reason in html
    with zipfile.ZipFile(out / MONTH / "teams" / f"{stem}.xlsx") as z:
        strings = z.read("xl/sharedStrings.xml").decode()
    assert "the team's figures exclude them" in strings.replace("&apos;", "'") and reason in strings
    pdf = subprocess.run(["pdftotext", "-layout", str(out / MONTH / "teams" / f"{stem}.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    assert "R0001" in " ".join(pdf.split()) and "figures exclude them" in " ".join(pdf.split())
    ranking = html.split("figures exclude them")[1]
    assert "R0001" not in ranking.split(reason)[-1]          # named in the note, not in the team's table
    full = run("reports", book, "--month", MONTH, "--out", out, "--formats", "html")
    assert full.exit_code == FINISHED_WITH_PROBLEMS
    page = unescape((out / MONTH / "index.html").read_text())
    assert "Left out of these figures (1 reps)" in page and f"{name} (R0001), {team}: Orders row {rows[0]}" in page
