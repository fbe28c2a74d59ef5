"""Coaching: what each rep should work on, from the largest real gaps over the last three months.

The focus catalogue (``CATALOGUE``) names every focus once: its id, its label, the measure it
watches, which way is better, what it is compared with (the team's median or the rep's target)
and how its gap is sized (percentage points or relative). ``coaching`` measures every focus for
every rep at once (vectorized over the sheets) and keeps at most ``MAX_FOCUS`` real gaps per rep.
Labels are English message ids, translated where they are shown (workbooks/locale/zh_CN.po).
The rules, with every constant, are in docs/coaching.md.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd

from .calendar import working_days
from .funnel import DEFAULT_ORDER, reached_by
from .kpi import WEEKLY_CADENCE, Kpi, planned_activities
from .kpi_catalogue import CATALOGUE as KPI_CATALOGUE, SALES_KPIS
from .measures import NEEDS, MeasurePeriod, rep_measures
from .rules import COUNTED_ACTIVITIES, trailing_start

MIN_EVIDENCE = 5        # deals reaching the stage, deals won, orders or survey answers behind a rep's figure
MIN_ACTIVITIES = 20     # counted activities behind a rep's activity mix
MIN_PEERS = 3           # reps of the team with enough evidence (the rep included) for a team median
GAP_POINTS = 0.15       # a rate (conversion, share, win rate, margin %) 15 percentage points short
GAP_RELATIVE = 0.25     # any other figure 25% short of its benchmark (longer, for a lower-is-better one)
MAX_FOCUS = 3           # per rep, the largest gaps
SELLING_STEPS = ("visit", "demo", "quote")   # the activity mix: their share of the activities that count
NOT_COACHED = frozenset({"pipeline_coverage"})  # a month-end figure, not a three-month one


@dataclass(frozen=True)
class Focus:
    id: str
    label: str          # what to work on (English; the message id translated where shown)
    measure: str        # the figure it watches, as the Coaching sheet names it
    measure_label: str  # the figure as a sentence states it (English message id)
    kind: str           # how its values read: percentage, count, days, money, score
    direction: str      # higher or lower is better
    basis: str          # "team": against the team's median; "target": against the rep's target
    scale: str          # "points": the gap in percentage points; "relative": as a share of the benchmark


def _stage_focus(i: int, label: str) -> Focus:
    a, b = DEFAULT_ORDER[i], DEFAULT_ORDER[i + 1]
    return Focus(f"{a}_to_{b}", label, f"{a}_to_{b}_conversion", f"{a} -> {b}", "percentage", "higher",
                 "team", "points")


def _kpi_focus(k) -> Focus:
    scale = "points" if k.kind == "percentage" else "relative"
    return Focus(f"kpi_{k.id}", k.label, k.id, k.label, k.kind, k.direction, "target", scale)


CATALOGUE: tuple[Focus, ...] = (
    _stage_focus(0, "qualifying leads"),
    _stage_focus(1, "turning qualified deals into product demonstrations"),
    _stage_focus(2, "product demonstrations that lead to quotes"),
    _stage_focus(3, "quotes that open a negotiation"),
    _stage_focus(4, "closing negotiations"),
    Focus("visit_cadence", "customer visit cadence", "visits", "Visits", "count", "higher", "target", "relative"),
    Focus("activity_mix", "activity mix: more visits, demos and quotes", "selling_step_share",
          "Share of visits, demos and quotes", "percentage", "higher", "team", "points"),
    Focus("cycle_length", "shorter sales cycles", "cycle_days", "Sales cycle (days)", "days", "lower", "team",
          "relative"),
    Focus("deal_size", "larger deals", "deal_size", "Average order", "money", "higher", "team", "relative"),
    Focus("new_customers", "winning new customers", "new_customers", "New customers", "count", "higher", "team",
          "relative"),
    *(_kpi_focus(k) for k in KPI_CATALOGUE if k.id not in NOT_COACHED),
)
BY_ID = {f.id: f for f in CATALOGUE}
COLUMNS = ["rep_id", "team", "focus", "measure", "rep_value", "team_median", "target", "gap", "severity"]


@dataclass(frozen=True)
class Window:
    """The three months coached: the month and the two before, up to the as-of day while open."""
    start: pd.Timestamp
    end: pd.Timestamp
    months: tuple[str, ...]
    working_days: int
    prorate: float | None      # the share of the last month passed (None: closed)


def window(month: str, as_of: dt.date, prorate: float | None) -> Window:
    start = trailing_start(month)
    end = min(pd.Period(month, "M").end_time.normalize(), pd.Timestamp(as_of))
    months = tuple(pd.period_range(start, periods=3, freq="M").strftime("%Y-%m"))
    return Window(start, end, months, int(working_days(start.date(), end.date() + dt.timedelta(days=1))), prorate)


class _Figure(NamedTuple):
    """One focus's figures for the reps (Series by rep_id): the value, whether it rests on enough
    rows, and the target (a Series or one number for all)."""
    focus: Focus
    value: pd.Series
    evidence: pd.Series
    target: pd.Series | float = np.nan


def coaching(sheets: Mapping[str, pd.DataFrame], reps: pd.DataFrame, win: Window, kpis: Sequence[Kpi] = (),
             quotas: pd.Series | None = None) -> pd.DataFrame:
    """Every rep's focus (``COLUMNS``, at most ``MAX_FOCUS`` a rep, largest gap first, ties by focus
    id). ``reps`` has rep_id, team and capacity; ``quotas`` is the target per (rep_id, period)."""
    team = pd.Series(reps["team"].to_numpy(), index=reps["rep_id"].to_numpy())
    figures = []
    if sheets.get("Opportunities") is not None:
        figures += _conversions(sheets["Opportunities"], win)
    if sheets.get("Activities") is not None:
        figures += _activities(sheets["Activities"], win, reps)
    figures += _measured(sheets, win, team, kpis, quotas)
    found = _judged(figures, team)
    found = found.sort_values(["rep_id", "severity", "focus"], ascending=[True, False, True], kind="stable")
    return found.groupby("rep_id", sort=False).head(MAX_FOCUS)[COLUMNS].reset_index(drop=True)


def _judged(figures: list[_Figure], team: pd.Series) -> pd.DataFrame:
    """The real gaps of every rep and focus (reps x foci as arrays): the team's median over the reps
    with enough evidence (at least MIN_PEERS of them), the benchmark, the gap and its size."""
    if not figures or not len(team):
        return pd.DataFrame(columns=COLUMNS)
    ids = team.index
    value = np.column_stack([f.value.reindex(ids).to_numpy(dtype=float) for f in figures])
    enough = np.column_stack([f.evidence.reindex(ids).fillna(False).to_numpy(dtype=bool) for f in figures]) \
        & ~np.isnan(value)
    target = np.column_stack([f.target.reindex(ids).to_numpy(dtype=float) if isinstance(f.target, pd.Series)
                              else np.full(len(ids), f.target, dtype=float) for f in figures])
    teams = team.to_numpy()
    median = pd.DataFrame(np.where(enough, value, np.nan)).groupby(teams).transform("median").to_numpy()
    peers = pd.DataFrame(enough.astype(int)).groupby(teams).transform("sum").to_numpy()
    median = np.where(peers >= MIN_PEERS, median, np.nan)
    foci = [f.focus for f in figures]
    relative = np.array([f.scale == "relative" for f in foci])
    bench = np.where([f.basis == "team" for f in foci], median, target)
    short = np.where([f.direction == "lower" for f in foci], value - bench, bench - value)
    with np.errstate(invalid="ignore", divide="ignore"):
        short = np.where(relative, short / np.where(bench > 0, bench, np.nan), short)
    # a count compared with fewer than MIN_EVIDENCE is too small to judge
    short = np.where(relative & np.array([f.kind == "count" for f in foci]) & ~(bench >= MIN_EVIDENCE), np.nan, short)
    threshold = np.where(relative, GAP_RELATIVE, GAP_POINTS)
    r, c = np.nonzero(enough & (short >= threshold - 1e-12))
    return pd.DataFrame({"rep_id": ids.to_numpy()[r], "team": teams[r],
                         "focus": np.array([f.id for f in foci], dtype=object)[c],
                         "measure": np.array([f.measure for f in foci], dtype=object)[c],
                         "rep_value": value[r, c], "team_median": median[r, c], "target": target[r, c],
                         "gap": short[r, c], "severity": short[r, c] / threshold[c]}, columns=COLUMNS)


def _conversions(opps: pd.DataFrame, win: Window) -> list[_Figure]:
    """Each stage's conversion over the deals created in the window (funnel.reached_by)."""
    o = opps[(opps["created"] >= win.start) & (opps["created"] <= win.end)]
    reached = reached_by(o["rep_id"], o["stage"], o["lost_stage"] if "lost_stage" in o.columns else None)
    stages = [f for f in CATALOGUE if f.measure.endswith("_conversion")]
    return [_Figure(focus, reached[i + 1] / reached[i].where(reached[i] > 0), reached[i] >= MIN_EVIDENCE)
            for i, focus in enumerate(stages)]


def _activities(acts: pd.DataFrame, win: Window, reps: pd.DataFrame) -> list[_Figure]:
    """Visits against the planned cadence; the share of selling steps against the team's."""
    a = acts[(acts["date"] >= win.start) & (acts["date"] <= win.end) & acts["type"].isin(COUNTED_ACTIVITIES)]
    by_type = a.groupby(["rep_id", "type"]).size().unstack(fill_value=0).reindex(
        index=reps["rep_id"].to_numpy(), columns=list(COUNTED_ACTIVITIES), fill_value=0)
    plan = {c: planned_activities(win.working_days, c)["visit"] for c in reps["capacity"].unique()}
    planned = pd.Series(reps["capacity"].map(plan).to_numpy(dtype=float), index=reps["rep_id"].to_numpy())
    counted = by_type.sum(axis=1)
    share = by_type[list(SELLING_STEPS)].sum(axis=1) / counted.where(counted > 0)
    planned_share = sum(WEEKLY_CADENCE[s] for s in SELLING_STEPS) / sum(WEEKLY_CADENCE.values())
    return [_Figure(BY_ID["visit_cadence"], by_type["visit"].astype(float), planned > 0, planned),
            _Figure(BY_ID["activity_mix"], share, counted >= MIN_ACTIVITIES, planned_share)]


def _measured(sheets, win: Window, team: pd.Series, kpis: Sequence[Kpi], quotas) -> list[_Figure]:
    """Cycle length, deal size, new customers against the team; the KPIs against the rep's targets:
    each measured over the window by ``measures.rep_measures`` (the catalogue's rules)."""
    coached = [k for k in kpis if f"kpi_{k.name}" in BY_ID]
    wanted = ["orders", "cycle_days", "deal_size", "new_customers", *(k.name for k in coached)]
    m = rep_measures(sheets, MeasurePeriod(win.start, win.end, win.start), wanted, team.index)
    evidence = _evidence(sheets, win, m, team)
    out = [_Figure(BY_ID[fid], m[BY_ID[fid].measure], evidence[rows])
           for fid, rows in (("cycle_length", "won"), ("deal_size", "Orders"), ("new_customers", "Orders"))
           if BY_ID[fid].measure in m.columns]
    for k in coached:
        if k.name in m.columns:
            focus = replace(BY_ID[f"kpi_{k.name}"], direction=k.direction)    # the KPIs sheet's, as scored
            out.append(_Figure(focus, m[k.name], evidence[NEEDS[k.name]], _kpi_target(k, win, quotas, team)))
    return out


def _evidence(sheets, win: Window, m: pd.DataFrame, team: pd.Series) -> dict[str, pd.Series]:
    """Whether a rep's figure rests on enough rows: orders; deals closed and won in the window;
    survey answers. Activities always (a count compared with its target)."""
    def count(frame, column, keep=None):
        if frame is None:
            return pd.Series(0, index=team.index)
        rows = frame[(frame[column] >= win.start) & (frame[column] <= win.end)]
        rows = rows if keep is None else rows[keep(rows)]
        return rows.groupby("rep_id").size().reindex(team.index, fill_value=0)
    opps = sheets.get("Opportunities")
    orders = m["orders"] if "orders" in m.columns else pd.Series(0.0, index=team.index)
    return {"Orders": orders.reindex(team.index).fillna(0) >= MIN_EVIDENCE,
            "Opportunities": count(opps, "closed", lambda r: r["stage"].isin(["won", "lost"])) >= MIN_EVIDENCE,
            "won": count(opps, "closed", lambda r: r["stage"] == "won") >= MIN_EVIDENCE,
            "Satisfaction": count(sheets.get("Satisfaction"), "date") >= MIN_EVIDENCE,
            "Activities": pd.Series(True, index=team.index)}


def _kpi_target(k: Kpi, win: Window, quotas: pd.Series | None, team: pd.Series) -> pd.Series:
    """A KPI's target over the window: a KPI that accumulates, the month's target for each month
    (the last pro-rated while open); a sales KPI, the rep's quotas so; any other, the KPI's target."""
    share = np.array([1.0] * (len(win.months) - 1) + [1.0 if win.prorate is None else win.prorate])
    # (as rules.month_shares states it: the months passed whole, the last by its working days passed)
    if k.name in SALES_KPIS:
        if quotas is None or not len(quotas):
            return pd.Series(np.nan, index=team.index)
        per = quotas[quotas.index.get_level_values("period").isin(win.months)].unstack("period")
        per = per.reindex(index=team.index, columns=list(win.months)).fillna(0.0)
        total = (per * share).sum(axis=1)
        return total.where(total > 0)
    target = np.nan if k.target is None else k.target
    return pd.Series(target * share.sum() if k.accumulates else target, index=team.index, dtype=float)
