"""KPI, pacing and funnel functions with hand-worked numbers."""
from __future__ import annotations

import datetime as dt

import pytest

from addin import udfs as U
from addin.excel import date_to_serial


def col(*values):
    return [[v] for v in values]


def test_attainment():
    assert U.SD_ATTAINMENT(45000, 50000) == 0.9
    assert U.SD_ATTAINMENT(0, 50000) == 0
    assert U.SD_ATTAINMENT(1, 0) == "SD_ATTAINMENT: target is 0; attainment needs a target above zero"
    assert U.SD_ATTAINMENT("abc", 5).startswith("SD_ATTAINMENT: actual is 'abc'")


def test_runrate_on_working_days():
    # November 2026: 21 working days; Fri 13 Nov is the 10th working day.
    assert U.SD_RUNRATE(20000, dt.datetime(2026, 11, 13), 50000) == [[42000.0, 0.84]]
    # as a serial, and a holiday on Wed 11 Nov: 9 elapsed of 20
    out = U.SD_RUNRATE(18000, date_to_serial(dt.date(2026, 11, 13)), 50000, col(dt.datetime(2026, 11, 11)))
    assert out == [[40000.0, 0.8]]
    # Sun 1 Nov: no working day elapsed yet -> nothing to extrapolate
    assert U.SD_RUNRATE(0, dt.datetime(2026, 11, 1), 50000) == [[0.0, 0.0]]
    assert U.SD_RUNRATE(100, dt.datetime(2026, 11, 13), 0) == [[210.0, None]]


def test_score_weights_caps_lower_and_gate():
    # sales 120/100 capped at 1.1; cycle days lower-is-better 40 target / 50 actual = 0.8
    actuals, targets, weights = col(120, 50), col(100, 40), col(3, 1)
    s = U.SD_SCORE(actuals, targets, weights, col("higher", "lower"), col(1.1, None))
    assert s == pytest.approx((3 * 1.1 + 1 * 0.8) / 4)
    assert U.SD_SCORE(actuals, targets, weights, col("higher", "lower"), col(1.1, None), 1.1) == 0.0
    assert U.SD_SCORE(col(5), col(10), col(1)) == 0.5                 # single KPI, defaults
    assert "weights row 2 is -1" in U.SD_SCORE(col(1, 1), col(1, 1), col(1, -1))
    assert "targets row 1 is 0" in U.SD_SCORE(col(1), col(0), col(1))


KPIS = [["kpi", "weight", "direction", "cap", "target", "green", "amber"],
        ["sales", 2, "higher", 1.5, None, 1.0, 0.85],
        ["cycle_days", 1, "lower", 1.2, 40, 1.0, 0.85],
        ["activities", 1, "higher", None, 60, 1.0, 0.8]]


def test_scorecard_ranks_status_and_rep_targets():
    actuals = [["Rep", "Sales", "cycle_days", "activities", "sales_target"],
               ["R1", 110000, 40, 60, 100000],     # 1.1, 1.0, 1.0 -> (2.2+1+1)/4 = 1.05  green
               ["R2", 80000, 50, 30, 100000],      # .8, .8, .5 -> (1.6+.8+.5)/4 = .725 red
               ["R3", 90000, 32, 54, 100000],      # .9, 1.2 (cap 1.2 of 1.25), .9 -> (1.8+1.2+.9)/4 = .975 amber
               [None, None, None, None, None]]      # blank row ignored
    out = U.SD_SCORECARD(actuals, KPIS)
    assert out[0] == ["rep", "sales", "cycle_days", "activities", "score", "rank", "status"]
    by_rep = {r[0]: r for r in out[1:]}
    assert by_rep["R1"][4] == pytest.approx(1.05) and by_rep["R1"][5:] == [1, "green"]
    assert by_rep["R2"][4] == pytest.approx(0.725) and by_rep["R2"][5:] == [3, "red"]
    assert by_rep["R3"][2] == pytest.approx(1.2) and by_rep["R3"][5:] == [2, "amber"]
    assert len(out) == 4


def test_scorecard_prorates_cumulative_kpis_for_an_open_month():
    actuals = [["rep", "sales", "cycle_days", "activities", "sales_target"], ["R1", 50000, 40, 30, 100000]]
    # Fri 13 Nov 2026: 10 of 21 working days -> sales and activity targets x 10/21
    out = U.SD_SCORECARD(actuals, KPIS, dt.datetime(2026, 11, 13))
    assert out[1][1] == pytest.approx(50000 / (100000 * 10 / 21))
    assert out[1][2] == pytest.approx(1.0)             # cycle days: not pro-rated
    assert out[1][3] == pytest.approx(30 / (60 * 10 / 21))


def test_scorecard_errors():
    assert "no column for KPI activities" in U.SD_SCORECARD([["rep", "sales", "cycle_days"], ["R1", 1, 1]], KPIS)[0][0]
    assert "no target" in U.SD_SCORECARD([["rep", "sales", "cycle_days", "activities"], ["R1", 1, 1, 1]], KPIS)[0][0]


def test_funnel_with_lost_stage_and_custom_order():
    stages = [["stage", "lost_stage"], ["won", None], ["won", None], ["lost", "demo"], ["lost", None],
              ["quote", None], ["lead", None], [None, None]]
    out = U.SD_FUNNEL(stages)
    rows = {r[0]: r[1:] for r in out[1:]}
    assert rows["lead"] == [6, 4, pytest.approx(4 / 6)]
    assert rows["qualified"] == [4, 4, 1.0]
    assert rows["demo"] == [4, 3, 0.75]
    assert rows["quote"] == [3, 2, pytest.approx(2 / 3)]
    assert rows["won"] == [2, None, None]
    custom = U.SD_FUNNEL(col("a", "b", "lost", "c"), col("a", "b", "c"))
    assert custom[1:] == [["a", 4, 2, 0.5], ["b", 2, 1, 0.5], ["c", 1, None, None]]
    assert "unknown stage" in U.SD_FUNNEL(col("won", "maybe"))[0][0]


def test_winrate_cycle_dealsize_coverage():
    assert U.SD_WINRATE(col("won", "lost", "lost", "lead", None)) == pytest.approx(1 / 3)
    assert "no closed deals" in U.SD_WINRATE(col("lead"))
    created = col(dt.datetime(2026, 1, 1), date_to_serial(dt.date(2026, 1, 10)), dt.datetime(2026, 2, 1))
    closed = col(dt.datetime(2026, 1, 31), dt.datetime(2026, 1, 20), None)
    assert U.SD_CYCLE(created, closed) == 20.0
    assert "closed row 1" in U.SD_CYCLE(col(dt.datetime(2026, 2, 1)), col(dt.datetime(2026, 1, 1)))
    assert U.SD_DEALSIZE(col(100, 300, 999), col("won", "won", "lost")) == 200.0
    assert U.SD_COVERAGE(300000, 100000) == [[3.0]]
    assert U.SD_COVERAGE(300000, 100000, 0.25) == [[3.0, 75000.0, 0.75]]
    assert "already met" in U.SD_COVERAGE(1, 0)[0][0]
