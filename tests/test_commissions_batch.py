"""`salesdesk commissions` and `salesdesk reconcile` on real workbooks, end to end."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from generators.cli import main
from tests.support.libreoffice import recalculated_formulas
from workbooks import demo

MONTH = "2026-10"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, demo_book):
    out = tmp_path_factory.mktemp("commissions")
    result = CliRunner().invoke(main, ["commissions", str(demo_book), "--month", MONTH, "--out", str(out),
                                       "--formats", "xlsx"])
    assert result.exit_code == 0, result.output
    return out


def test_statement_per_rep_and_finance_summary_tie_out(run_dir, demo_frames):
    folder = run_dir / MONTH / "commissions"
    statements = sorted(folder.glob("R*.xlsx"))
    assert len(statements) == len(demo_frames["Reps"])
    summary = pd.read_excel(folder / "finance-summary.xlsx", header=2)
    body = summary[summary["rep"].astype(str).str.startswith("R")]
    total = summary[summary["rep"] == "Total"].iloc[0]
    assert round(body["to pay"].sum(), 2) == round(total["to pay"], 2)
    # each statement's total to pay equals the summary row, to the cent
    for path in statements[:5]:
        ws = openpyxl.load_workbook(path, data_only=True)["Statement"]
        values = {ws.cell(r, 9).value: ws.cell(r, 13).value for r in range(1, ws.max_row + 1)}
        rep = path.stem
        assert values["Total to pay"] == pytest.approx(float(body.set_index("rep").loc[rep, "to pay"]), abs=0.001)


def test_every_line_recomputes_from_its_own_columns(run_dir):
    checked = 0
    for path in sorted((run_dir / MONTH / "commissions").glob("R*.xlsx"))[:8]:
        formulas = openpyxl.load_workbook(path)["Statement"]
        values = openpyxl.load_workbook(path, data_only=True)["Statement"]
        for r in range(9, formulas.max_row + 1):
            f = formulas.cell(r, 13).value
            if isinstance(f, str) and f.startswith("=ROUND(J"):
                credited, rate = values.cell(r, 10).value, values.cell(r, 12).value
                expected = float(pd.Series([credited * rate]).round(6).iloc[0])
                from decimal import Decimal, ROUND_HALF_UP
                exact = (Decimal(repr(credited)) * Decimal(repr(rate))).quantize(Decimal("0.01"), ROUND_HALF_UP)
                assert values.cell(r, 13).value == pytest.approx(float(exact), abs=1e-9), (path.name, r, expected)
                checked += 1
    assert checked > 20, "no commission line with a ROUND(J*L) formula was found to check"


@pytest.mark.libreoffice
def test_libreoffice_recalculates_statements_to_the_cached_values(run_dir, tmp_path, lo_profile):
    sources = sorted((run_dir / MONTH / "commissions").glob("*.xlsx"))
    checked = 0
    for name, where, formula, want, got in recalculated_formulas(sources, tmp_path / "lo", lo_profile):
        assert got == pytest.approx(want, abs=0.005), (name, where, formula, want, got)
        checked += 1
    assert checked > 100


def test_reconciliation_finds_every_planted_discrepancy_and_nothing_else(tmp_path, demo_book, demo_frames):
    result = CliRunner().invoke(main, ["reconcile", str(demo_book), "--month", MONTH, "--out", str(tmp_path)])
    assert result.exit_code == 4, result.output        # findings, not "left out" (1)
    table = pd.read_excel(tmp_path / MONTH / "reconciliation.xlsx", header=2)
    table = table[table["rep"] != "Total"]
    flagged = table[table["status"] != "matched"].set_index("rep")["status"].to_dict()
    _, planted = demo.payroll({k: v for k, v in demo_frames.items() if k != "Payroll"}, MONTH)
    assert flagged == planted.set_index("rep_id")["status"].to_dict()
    diff = table.set_index("rep")["difference (paid - computed)"]
    for rec in planted.to_dict("records"):
        if rec["status"] in ("underpaid", "overpaid", "unknown rep"):
            assert diff[rec["rep_id"]] == pytest.approx(float(rec["delta"]), abs=1e-9)
    assert table["difference (paid - computed)"].sum() == pytest.approx(table["paid"].fillna(0).sum() - table["computed"].fillna(0).sum())


def test_closed_month_is_never_rewritten_and_late_changes_become_adjustments(tmp_path, demo_book):
    runner = CliRunner()
    out = tmp_path / "out"
    assert runner.invoke(main, ["commissions", str(demo_book), "--month", "2026-09", "--out", str(out),
                                "--formats", "xlsx", "--close"]).exit_code == 0
    again = runner.invoke(main, ["commissions", str(demo_book), "--month", "2026-09", "--out", str(out), "--formats", "xlsx"])
    assert again.exit_code == 2 and "stand as issued" in again.output
    # a September order keyed in late, after September was closed
    late = tmp_path / "late.xlsx"
    wb = openpyxl.load_workbook(demo_book)
    ws = wb["Orders"]
    ws.append(["O9999999", dt.datetime(2026, 9, 15), "R0001", "C000001", "Pro License", 2, 900.0, 500.0, "booked", None])
    wb.save(late)
    assert runner.invoke(main, ["commissions", str(late), "--month", MONTH, "--out", str(out), "--formats", "xlsx"]).exit_code == 0
    ws = openpyxl.load_workbook(out / MONTH / "commissions" / "R0001.xlsx", data_only=True)["Statement"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=9)]
    adjustments = [r for r in rows if r[0] == "adjustment"]
    # the late order itself, and the later September orders it pushed into a higher marginal tier
    by_order = {r[1]: r for r in adjustments}
    assert "O9999999" in by_order and by_order["O9999999"][12] > 0
    assert all(r[6] == "2026-09" and "late change to closed 2026-09" in r[13] for r in adjustments)
    assert all(r[12] >= 0 for r in adjustments)   # more sales earlier in the month never lowers commission


def test_one_bad_rep_does_not_stop_the_others(tmp_path, demo_book, demo_frames):
    bad = tmp_path / "bad.xlsx"
    wb = openpyxl.load_workbook(demo_book)
    ws = wb["Orders"]
    rep_col = [c.value for c in ws[1]].index("rep_id") + 1
    amount_col = [c.value for c in ws[1]].index("amount") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, rep_col).value == "R0004")
    ws.cell(row, amount_col).value = "lots"
    wb.save(bad)
    result = CliRunner().invoke(main, ["commissions", str(bad), "--month", MONTH, "--out", str(tmp_path / "o"),
                                       "--formats", "xlsx"])
    assert result.exit_code == 1 and "R0004" in result.output
    folder = tmp_path / "o" / MONTH / "commissions"
    assert not (folder / "R0004.xlsx").exists()
    assert len(list(folder.glob("R*.xlsx"))) == len(demo_frames["Reps"]) - 1
    errors = pd.read_excel(folder / "errors.xlsx")
    assert {"Orders", "(batch)"} <= set(errors["sheet"]) and "R0004" in set(errors["value"].astype(str))


def test_a_payroll_file_without_a_payroll_sheet_gets_one_line(tmp_path, demo_book):
    other = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active["A1"] = "not payroll"
    wb.save(other)
    result = CliRunner().invoke(main, ["reconcile", str(demo_book), "--month", MONTH, "--out", str(tmp_path / "out"),
                                       "--payroll", str(other)])
    assert result.exit_code == 2, result.output
    assert f"{other} has no Payroll sheet" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out" / MONTH / "reconciliation.xlsx").exists()
