"""A workbook with only some sheets: Reps and Orders are required (Teams comes from Reps);
each optional sheet turns features on, and every command says what is left out."""
from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner

from generators.cli import main
from workbooks.salesbook import write_sales_workbook

MONTH = "2026-10"


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def two_sheets(tmp_path_factory, demo_frames):
    book = tmp_path_factory.mktemp("partial") / "reps-and-orders.xlsx"
    reps = demo_frames["Reps"].assign(plan_id=None, hire_date=None)
    write_sales_workbook({"Reps": reps, "Orders": demo_frames["Orders"]}, book)
    return book


def test_reports_run_on_reps_and_orders_and_say_what_is_not_shown(two_sheets, demo_frames, tmp_path):
    code, out = run("validate", two_sheets)
    assert code == 0, out
    code, out = run("reports", two_sheets, "--month", MONTH, "--out", tmp_path, "--formats", "xlsx,html")
    assert code == 0, out
    assert out.count("No Activities sheet: activities not shown.") == 1
    assert "No Plans sheet: no commission computed." in out
    ws = openpyxl.load_workbook(tmp_path / MONTH / "reps" / "R0001.xlsx")["Report"]
    text = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert "No KPIs sheet: no scorecard; reps are ranked by sales." in text
    assert "KPI scorecard" not in text and "Customer satisfaction" not in text and "Sales against target" in text
    o = demo_frames["Orders"]
    mine = o[(o["status"] != "cancelled") & (o["order_date"].dt.strftime("%Y-%m") == MONTH) & (o["rep_id"] == "R0001")]
    month_row = next(r for r in ws.iter_rows(values_only=True) if r[0] == "Month")
    assert month_row[1] == pytest.approx(round(mine["amount"].sum(), 2)) and month_row[2] is None   # actuals only
    teams = sorted(p.stem for p in (tmp_path / MONTH / "teams").glob("*.xlsx"))
    assert teams == sorted(demo_frames["Reps"]["team"].unique())    # teams from the Reps sheet
    html = (tmp_path / MONTH / "reps" / "R0001.html").read_text(encoding="utf-8")
    assert "No Opportunities sheet: funnel, win rate and sales cycle not shown." in html and "Funnel" not in html


def test_commissions_and_reconcile_stop_without_plans(two_sheets, tmp_path):
    code, out = run("commissions", two_sheets, "--month", MONTH, "--out", tmp_path)
    assert code == 2
    assert "the workbook has no Plans sheet: there is nothing to compute" in out
    assert not (tmp_path / MONTH / "commissions").exists()
    code, out = run("reconcile", two_sheets, "--month", MONTH, "--out", tmp_path)
    assert code == 2 and "no Plans sheet" in out


def test_a_rep_without_a_plan_earns_no_commission_and_is_no_error(demo_frames, tmp_path):
    reps = demo_frames["Reps"].copy()
    reps.loc[reps["rep_id"] == "R0002", "plan_id"] = None
    reps.loc[reps["rep_id"] == "R0003", "hire_date"] = None
    book = tmp_path / "some-plans.xlsx"
    write_sales_workbook(dict(demo_frames, Reps=reps), book)
    code, out = run("commissions", book, "--month", MONTH, "--out", tmp_path / "out", "--formats", "xlsx")
    assert code == 0, out
    made = {p.stem for p in (tmp_path / "out" / MONTH / "commissions").glob("R*.xlsx")}
    assert "R0002" not in made and "R0003" in made and "R0001" in made


def test_the_planning_workbook_says_which_sheets_it_is_made_from(two_sheets, demo_frames, tmp_path):
    code, out = run("workbook", "new", tmp_path / "plan.xlsx", "--from", two_sheets)
    assert code == 2 and "has no Targets, Seasonality, KPIs, Plans sheet(s)" in out
    assert not (tmp_path / "plan.xlsx").exists()
    some = {k: v for k, v in demo_frames.items() if k not in ("Activities", "Opportunities", "Satisfaction", "Teams")}
    book = tmp_path / "some.xlsx"
    write_sales_workbook(some, book)
    code, out = run("workbook", "new", tmp_path / "plan.xlsx", "--from", book)
    assert code == 0, out
    assert "Scorecard" in openpyxl.load_workbook(tmp_path / "plan.xlsx", read_only=True).sheetnames
