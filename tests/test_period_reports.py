"""`salesdesk reports BOOK --period P`: a week's, quarter's and year's summary.xlsx, its figures
computed again independently with pandas from the workbook's sheets."""
from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from addin.engine.rules import counted
from generators.cli import main
from generators.periods import parse_period
from tests.test_period_targets import exact_period
from workbooks.reader import read_workbook


@pytest.fixture(scope="module")
def sheets(demo_book):
    return read_workbook(demo_book).frames


def run(book, out, *args):
    return CliRunner().invoke(main, ["reports", str(book), *args, "--out", str(out)])


@pytest.mark.parametrize("text", ["2026-W40", "2026-Q3", "2026"])
def test_summary_of_a_week_a_quarter_and_a_year_matches_the_sheets(tmp_path, demo_book, sheets, text):
    result = run(demo_book, tmp_path, "--period", text)
    assert result.exit_code == 0, result.output
    summary = pd.read_excel(tmp_path / text / "summary.xlsx", sheet_name="Summary")
    period = parse_period(text)
    orders, reps = sheets["Orders"], sheets["Reps"]
    live = orders[counted(orders["status"])]
    live = live[(live["order_date"] >= pd.Timestamp(period.first)) & (live["order_date"] <= pd.Timestamp(period.last))]
    net = live.groupby("rep_id")["amount"].sum()
    rows = summary[summary["kind"] == "rep"].set_index("rep or team")
    team_rows = summary[summary["kind"] == "team"].set_index("rep or team")
    active = reps[reps["active"].fillna(True).astype(bool) & (reps["hire_date"].isna()
                                                              | (reps["hire_date"] <= pd.Timestamp(period.last)))]
    assert sorted(rows.index) == sorted(active["rep_id"])
    for rep in rows.index:
        assert rows.loc[rep, "actual"] == pytest.approx(round(float(net.get(rep, 0.0)), 2), abs=0.005)
        cents = round(rows.loc[rep, "target"] * 100)
        assert abs(cents - exact_period(sheets, "rep", rep, period)) <= 3 * len(period.months)
    members = active.groupby("team")["rep_id"].apply(list)
    for team in team_rows.index:
        assert team_rows.loc[team, "actual"] == pytest.approx(round(float(net.reindex(members[team]).fillna(0).sum()), 2),
                                                              abs=0.005)
        cents = round(team_rows.loc[team, "target"] * 100)
        assert abs(cents - exact_period(sheets, "team", team, period)) <= 2 * len(period.months)
        # the reps' targets add up to their team's exactly, to the cent
        assert round(rows[rows["team"] == team]["target"].sum() * 100) == cents
    assert (summary["actual"] > 0).all() and (summary["target"] > 0).all()
    ratio = summary["actual"] / summary["target"]
    assert summary["attainment"].to_numpy() == pytest.approx(ratio.to_numpy())


def test_an_open_period_has_its_target_to_date(tmp_path, demo_book, sheets):
    # the demo's orders end in October 2026: the year 2026 is open, its third quarter closed
    assert run(demo_book, tmp_path, "--period", "2026").exit_code == 0
    assert run(demo_book, tmp_path, "--period", "2026-Q3").exit_code == 0
    year = pd.read_excel(tmp_path / "2026" / "summary.xlsx")
    about = pd.read_excel(tmp_path / "2026" / "summary.xlsx", sheet_name="Period", header=None).set_index(0)[1]
    as_of = pd.Timestamp(about["as of"])
    days = pd.bdate_range("2026-01-01", "2026-12-31")
    share = (days <= as_of).sum() / len(days)
    assert as_of == sheets["Orders"][counted(sheets["Orders"]["status"])]["order_date"].max()
    assert year["target to date"].to_numpy() == pytest.approx((year["target"] * share).to_numpy(), abs=0.006)
    assert "target to date" not in pd.read_excel(tmp_path / "2026-Q3" / "summary.xlsx").columns


def test_month_given_as_a_period_is_the_month_run_and_bad_periods_are_refused(tmp_path, demo_book):
    for bad, said in (("2026-W60", "2026 has 53 ISO weeks"), ("2026-Q5", "2026-Q3 (quarter) or 2026 (year)"),
                      ("10/2026", "2026-W41 (ISO week), 2026-10 (month)"), ("2030", "2030 is after them"),
                      ("2019-Q1", "2019-Q1 is before them")):
        result = run(demo_book, tmp_path, "--period", bad)
        assert result.exit_code == 2 and said in " ".join(result.output.split()), result.output
        assert not (tmp_path / bad).exists()
    both = run(demo_book, tmp_path, "--period", "2026-Q3", "--month", "2026-10")
    neither = run(demo_book, tmp_path)
    assert both.exit_code == neither.exit_code == 2 and "one of them" in both.output + neither.output
    result = run(demo_book, tmp_path, "--period", "2026-10", "--formats", "xlsx", "--only", "R0001")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "2026-10" / "manifest.json").exists()
