"""`salesdesk workbook targets`: a year's Targets sheet proposed from the twelve calendar months
before the month of the latest order, checked against the demo data computed independently
(Decimal, half-up), read back by the workbook reader as a Targets sheet."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pandas as pd
import pytest

from tests.test_partial_workbook import run
from workbooks.reader import read_workbook
from workbooks.salesbook import write_sales_workbook


def basis_by(frames, key: str) -> dict[str, Decimal]:
    """Net sales of the twelve months before the latest order's month, by team or rep."""
    orders = frames["Orders"].merge(frames["Reps"][["rep_id", "team"]], on="rep_id")
    month = orders["order_date"].max().to_period("M")
    lines = orders[(orders["status"] != "cancelled") & (orders["order_date"].dt.to_period("M") >= month - 12)
                   & (orders["order_date"].dt.to_period("M") <= month - 1)]
    out: dict[str, Decimal] = {}
    for k, amount in zip(lines[key], lines["amount"]):
        out[k] = out.get(k, Decimal(0)) + Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return out


def proposal_rows(path):
    ws = openpyxl.load_workbook(path)["Targets"]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[3]
    return rows[:3], [dict(zip(head, r)) for r in rows[4:]]


def assert_ties(team: dict, reps: list[dict], expected: Decimal) -> None:
    """The team's target is the expected one; its reps' and its months add up to it exactly,
    and each month of the reps to the team's month."""
    assert Decimal(str(team["annual_target"])) == expected
    assert sum(Decimal(str(r["annual_target"])) for r in reps) == expected
    months = [f"2027-{m:02d}" for m in range(1, 13)]
    assert sum(Decimal(str(team[m])) for m in months) == expected
    for m in months:
        assert sum(Decimal(str(r[m])) for r in reps) == Decimal(str(team[m]))


def test_targets_are_last_years_net_sales_times_growth_and_reps_tie_to_their_team(demo_book, demo_frames, tmp_path):
    out = tmp_path / "targets.xlsx"
    code, said = run("workbook", "targets", demo_book, "--year", 2027, "--growth", "8%", "--out", out)
    assert code == 0, said
    top, rows = proposal_rows(out)
    assert "a proposal to review, not yet targets" in top[0][0]
    assert "times 1.08 (growth +8%)" in top[1][0] and "Seasonality sheet" in top[1][0]
    teams = basis_by(demo_frames, "team")
    by_team = {r["key"]: r for r in rows if r["level"] == "team"}
    assert set(by_team) == set(demo_frames["Teams"]["team"])
    for team, basis in teams.items():
        assert_ties(by_team[team], [r for r in rows if r["level"] == "rep" and r["team"] == team],
                    (basis * Decimal("1.08")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    rep_basis = basis_by(demo_frames, "rep_id")
    rep = max(rep_basis, key=rep_basis.get)
    row = next(r for r in rows if r["key"] == rep)
    team_row = by_team[row["team"]]
    share = rep_basis[rep] / teams[row["team"]]
    assert abs(Decimal(str(row["annual_target"])) - Decimal(str(team_row["annual_target"])) * share) <= Decimal("0.01")
    data = read_workbook(out, sheets=["Targets"])
    assert data.errors == [] and len(data["Targets"]) == len(rows)                     # pastes as a Targets sheet


def test_without_seasonality_the_months_follow_last_years_months(demo_frames, tmp_path):
    book = tmp_path / "no-seasonality.xlsx"
    write_sales_workbook({k: v for k, v in demo_frames.items() if k not in ("Seasonality", "Targets")}, book)
    out = tmp_path / "targets.xlsx"
    code, said = run("--lang", "zh-CN", "workbook", "targets", book, "--year", 2027, "--out", out)
    assert code == 0, said
    top, rows = proposal_rows(out)
    assert "建议" in top[0][0]
    season = openpyxl.load_workbook(out)["Seasonality"]
    weights = {r[0]: r[1] for r in season.iter_rows(min_row=4, values_only=True)}
    orders = demo_frames["Orders"]
    month = orders["order_date"].max().to_period("M")
    lines = orders[(orders["status"] != "cancelled") & (orders["order_date"].dt.to_period("M") >= month - 12)
                   & (orders["order_date"].dt.to_period("M") <= month - 1)]
    by_month = lines.groupby(lines["order_date"].dt.month)["amount"].sum()
    assert weights == pytest.approx({m: round(float(by_month.get(m, 0)), 2) for m in range(1, 13)}, abs=0.02)
    company = [sum(Decimal(str(r[f"2027-{m:02d}"])) for r in rows if r["level"] == "team") for m in range(1, 13)]
    total = sum(company)
    for m in range(1, 13):      # each month's share of the proposal is its share of last year's sales
        assert float(company[m - 1] / total) == pytest.approx(weights[m] / sum(weights.values()), abs=1e-4)
    assert data_ok(out)


def data_ok(path) -> bool:
    return read_workbook(path, sheets=["Targets", "Seasonality"]).errors == []


@pytest.mark.parametrize("growth", ["eight", "-100%", "nan"])
def test_a_growth_that_is_not_one_is_refused(demo_book, tmp_path, growth):
    code, said = run("workbook", "targets", demo_book, "--year", 2027, "--growth", growth, "--out", tmp_path / "t.xlsx")
    assert code == 2 and "expected a growth such as 8% or 0.08" in said
    assert not (tmp_path / "t.xlsx").exists()


def test_the_basis_is_the_twelve_months_before_the_latest_orders_month():
    from workbooks.target_proposal import basis_months
    assert basis_months(pd.Timestamp("2026-10-15")) == tuple(f"2025-{m}" for m in ("10", "11", "12")) + tuple(
        f"2026-{m:02d}" for m in range(1, 10))
