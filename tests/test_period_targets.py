"""Targets for any period from the one phasing (planning.period_parts via engine_args.period_targets):
computed independently with pandas from the demo workbook's sheets, and tying exactly to the cent."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from addin.engine.planning import phase
from generators.periods import parse_period
from workbooks.engine_args import period_targets

W40 = parse_period("2026-W40")          # Mon 28 Sep - Sun 4 Oct 2026: 3 working days in Sep, 2 in Oct


def targets(frames, text, months=None):
    p = parse_period(text)
    teams, reps = period_targets(frames, months or p.months, p.key if p.kind == "week" else None)
    return teams.set_index("team")["target_cents"], reps.set_index("rep_id")["target_cents"], reps


def exact_month_cents(frames, level, key, year):
    """A key's twelve months from the sheets: its annual target by the Seasonality weights (unrounded cents)."""
    t = frames["Targets"]
    annual = float(t[(t["level"] == level) & (t["key"] == key) & (t["year"] == year)]["annual_target"].iloc[0])
    w = frames["Seasonality"].sort_values("month")["weight"].to_numpy(dtype=float)
    return pd.Series(annual * 100 * w / w.sum(), index=[f"{year}-{m:02d}" for m in range(1, 13)])


def working_share(first, last, month):
    """The share of ``month``'s working days (Mon-Fri) that fall from ``first`` to ``last``."""
    days = pd.bdate_range(month + "-01", pd.Period(month).end_time.normalize())
    return float(((days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))).sum() / len(days))


def exact_period(frames, level, key, period):
    months = exact_month_cents(frames, level, key, period.first.year)
    return sum(months.get(m, 0.0) * working_share(period.first, period.last, m) for m in period.months)


@pytest.mark.parametrize("text", ["2026-W40", "2026-Q3", "2026"])
def test_a_rep_and_a_team_target_for_any_period_match_the_sheets(demo_frames, text):
    teams, reps, rep_rows = targets(demo_frames, text)
    period = parse_period(text)
    team, rep = "North", rep_rows[rep_rows["team"] == "North"]["rep_id"].iloc[0]
    # each rounding (month, then week) is within a cent of its share, so the period within a few cents
    assert abs(teams[team] - exact_period(demo_frames, "team", team, period)) <= 2 * len(period.months)
    assert abs(reps[rep] - exact_period(demo_frames, "rep", rep, period)) <= 3 * len(period.months)
    assert teams[team] > 100_000 and reps[rep] > 10_000      # real targets, not zeros


def test_the_year_is_the_annual_target_exactly_and_quarters_add_up_to_it(demo_frames):
    t = demo_frames["Targets"]
    year_teams, year_reps, _ = targets(demo_frames, "2026")
    annual = t[t["year"] == 2026].set_index("key")["annual_target"].mul(100).round().astype(np.int64)
    assert year_teams.to_dict() == annual[year_teams.index].to_dict()
    assert year_reps.to_dict() == annual[year_reps.index].to_dict()
    quarters = [targets(demo_frames, f"2026-Q{q}") for q in range(1, 5)]
    assert sum(q[0] for q in quarters).to_dict() == year_teams.to_dict()
    assert sum(q[1] for q in quarters).to_dict() == year_reps.to_dict()
    q3_months = [targets(demo_frames, f"2026-{m:02d}") for m in (7, 8, 9)]
    assert sum(m[0] for m in q3_months).to_dict() == quarters[2][0].to_dict()
    assert sum(m[1] for m in q3_months).to_dict() == quarters[2][1].to_dict()


def test_a_week_spanning_two_months_takes_each_months_part_and_the_months_weeks_add_up(demo_frames):
    week_teams, week_reps, _ = targets(demo_frames, "2026-W40")
    sep = targets(demo_frames, "2026-W40", ["2026-09"])
    oct_ = targets(demo_frames, "2026-W40", ["2026-10"])
    assert (sep[0] + oct_[0]).to_dict() == week_teams.to_dict() and (sep[1] + oct_[1]).to_dict() == week_reps.to_dict()
    assert (sep[0] > 0).all() and (oct_[0] > 0).all()
    for month, weeks in (("2026-09", range(36, 41)), ("2026-10", range(40, 45))):
        parts = [targets(demo_frames, f"2026-W{w:02d}", [month]) for w in weeks]
        whole = targets(demo_frames, month)
        assert sum(p[0] for p in parts).to_dict() == whole[0].to_dict()     # a month's weeks: the month, to the cent
        assert sum(p[1] for p in parts).to_dict() == whole[1].to_dict()


@pytest.mark.parametrize("text", ["2026-W40", "2026-W41", "2026-Q3", "2026", "2026-02"])
def test_reps_add_up_to_their_team_exactly(demo_frames, text):
    teams, _, rep_rows = targets(demo_frames, text)
    assert rep_rows.groupby("team")["target_cents"].sum().to_dict() == teams.to_dict()


def test_a_teams_weeks_are_sd_phases_weekly_grain(demo_frames):
    t, w = demo_frames["Targets"], demo_frames["Seasonality"].sort_values("month")["weight"].tolist()
    annual = float(t[(t["level"] == "team") & (t["key"] == "East") & (t["year"] == 2026)]["annual_target"].iloc[0])
    weekly = dict(phase(annual, 2026, w, grain="week", decimals=2))
    for week in ("2026-W02", "2026-W14", "2026-W40", "2026-W48"):
        teams, _, _ = targets(demo_frames, week)
        assert teams["East"] == int(weekly[week] * 100), week


def test_a_week_with_no_working_day_in_a_month_takes_nothing_from_it(demo_frames):
    # 2026-W44 is Mon 26 Oct - Sun 1 Nov: Sunday 1 Nov is no working day
    teams, _, _ = targets(demo_frames, "2026-W44", ["2026-11"])
    assert (teams == 0).all() and parse_period("2026-W44").last == dt.date(2026, 11, 1)
