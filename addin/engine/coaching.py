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
from dataclasses import dataclass
from typing import Mapping, Sequence

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


def coaching(sheets: Mapping[str, pd.DataFrame], reps: pd.DataFrame, win: Window, kpis: Sequence[Kpi] = (),
             quotas: pd.Series | None = None) -> pd.DataFrame:
    """Every rep's focus (``COLUMNS``, at most ``MAX_FOCUS`` a rep, largest gap first, ties by focus
    id). ``reps`` has rep_id, team and capacity; ``quotas`` is the target per (rep_id, period)."""
    team = pd.Series(reps["team"].to_numpy(), index=reps["rep_id"].to_numpy())
    parts = []
    if sheets.get("Opportunities") is not None:
        parts += _conversions(sheets["Opportunities"], win, team)
    if sheets.get("Activities") is not None:
        parts += _activities(sheets["Activities"], win, reps, team)
    parts += _measured(sheets, win, team, kpis, quotas)
    found = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else None
    if found is None:
        return pd.DataFrame(columns=COLUMNS)
    found = found[found["real"]].sort_values(["rep_id", "severity", "focus"], ascending=[True, False, True],
                                              kind="stable")
    return found.groupby("rep_id", sort=False).head(MAX_FOCUS)[COLUMNS].reset_index(drop=True)


def _gaps(focus: Focus, value: pd.Series, evidence: pd.Series, team: pd.Series, target=np.nan) -> pd.DataFrame:
    """One focus for every rep of ``team`` (rep_id -> team): the rep's value, the team's median over
    the reps with enough evidence (at least MIN_PEERS of them), the target, the gap and whether it is real."""
    f = pd.DataFrame({"rep_id": team.index, "team": team.to_numpy()})
    f["rep_value"] = value.reindex(team.index).to_numpy(dtype=float)
    f["enough"] = evidence.reindex(team.index).fillna(False).to_numpy(dtype=bool) & f["rep_value"].notna().to_numpy()
    f["target"] = (target.reindex(team.index).to_numpy(dtype=float) if isinstance(target, pd.Series)
                   else np.full(len(f), target, dtype=float))
    judged = f["rep_value"].where(f["enough"])
    median = judged.groupby(f["team"]).transform("median")
    peers = f["enough"].groupby(f["team"]).transform("sum")
    f["team_median"] = median.where(peers >= MIN_PEERS)
    bench = f["team_median"] if focus.basis == "team" else f["target"]
    short = (f["rep_value"] - bench) if focus.direction == "lower" else (bench - f["rep_value"])
    if focus.scale == "relative":
        short = short / bench.where(bench > 0)
        if focus.kind == "count":           # a count compared with fewer than MIN_EVIDENCE is too small to judge
            short = short.where(bench >= MIN_EVIDENCE)
    threshold = GAP_POINTS if focus.scale == "points" else GAP_RELATIVE
    f["gap"] = short
    f["severity"] = short / threshold
    f["real"] = f["enough"] & (short >= threshold - 1e-12)
    f["focus"], f["measure"] = focus.id, focus.measure
    return f


def _conversions(opps: pd.DataFrame, win: Window, team: pd.Series) -> list[pd.DataFrame]:
    """Each stage's conversion over the deals created in the window (funnel.reached_by)."""
    o = opps[(opps["created"] >= win.start) & (opps["created"] <= win.end)]
    reached = reached_by(o["rep_id"], o["stage"], o["lost_stage"] if "lost_stage" in o.columns else None)
    out = []
    for i, focus in enumerate(f for f in CATALOGUE if f.measure.endswith("_conversion")):
        base = reached[i]
        out.append(_gaps(focus, reached[i + 1] / base.where(base > 0), base >= MIN_EVIDENCE, team))
    return out


def _activities(acts: pd.DataFrame, win: Window, reps: pd.DataFrame, team: pd.Series) -> list[pd.DataFrame]:
    """Visits against the planned cadence; the share of selling steps against the team's."""
    a = acts[(acts["date"] >= win.start) & (acts["date"] <= win.end) & acts["type"].isin(COUNTED_ACTIVITIES)]
    by_type = a.groupby(["rep_id", "type"]).size().unstack(fill_value=0).reindex(
        index=team.index, columns=list(COUNTED_ACTIVITIES), fill_value=0)
    plan = {c: planned_activities(win.working_days, c)["visit"] for c in reps["capacity"].unique()}
    planned = pd.Series(reps["capacity"].map(plan).to_numpy(dtype=float), index=reps["rep_id"].to_numpy())
    counted = by_type.sum(axis=1)
    share = by_type[list(SELLING_STEPS)].sum(axis=1) / counted.where(counted > 0)
    planned_share = sum(WEEKLY_CADENCE[s] for s in SELLING_STEPS) / sum(WEEKLY_CADENCE.values())
    return [_gaps(BY_ID["visit_cadence"], by_type["visit"].astype(float), planned > 0, team, planned),
            _gaps(BY_ID["activity_mix"], share, counted >= MIN_ACTIVITIES, team, planned_share)]


def _measured(sheets, win: Window, team: pd.Series, kpis: Sequence[Kpi], quotas) -> list[pd.DataFrame]:
    """Cycle length, deal size, new customers against the team; the KPIs against the rep's targets:
    each measured over the window by ``measures.rep_measures`` (the catalogue's rules)."""
    coached = [k for k in kpis if f"kpi_{k.name}" in BY_ID]
    wanted = ["orders", "cycle_days", "deal_size", "new_customers", *(k.name for k in coached)]
    m = rep_measures(sheets, MeasurePeriod(win.start, win.end, win.start), wanted, team.index)
    evidence = _evidence(sheets, win, m, team)
    out = []
    for fid, sheet in (("cycle_length", "won"), ("deal_size", "Orders"), ("new_customers", "Orders")):
        focus = BY_ID[fid]
        if focus.measure in m.columns:
            out.append(_gaps(focus, m[focus.measure], evidence[sheet], team))
    for k in coached:
        if k.name in m.columns:
            focus = BY_ID[f"kpi_{k.name}"]
            out.append(_gaps(focus, m[k.name], evidence[NEEDS[k.name]], team, _kpi_target(k, win, quotas, team)))
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
    if k.name in SALES_KPIS:
        if quotas is None or not len(quotas):
            return pd.Series(np.nan, index=team.index)
        per = quotas[quotas.index.get_level_values("period").isin(win.months)].unstack("period")
        per = per.reindex(index=team.index, columns=list(win.months)).fillna(0.0)
        total = (per * share).sum(axis=1)
        return total.where(total > 0)
    target = np.nan if k.target is None else k.target
    return pd.Series(target * share.sum() if k.accumulates else target, index=team.index, dtype=float)
