"""The catalogue's KPIs measured per rep for a month, vectorized over the validated sheets.

One function per KPI of ``kpi_catalogue.CATALOGUE`` (``BUILT_IN``), each the rule its definition
states; KPIs of one's own are measured by ``kpi_measure.evaluate``. Reports, the planning
workbook's Scorecard and the team figures all take their numbers from ``rep_measures``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterable, Mapping

import pandas as pd

from .funnel import furthest_stages
from .kpi_catalogue import ACTIVITY_KPIS, STAGE_KPIS, definition
from .kpi_measure import Measure, accumulates, evaluate
from .rules import COUNTED_ACTIVITIES, counted


@dataclass(frozen=True)
class MeasurePeriod:
    start: pd.Timestamp           # the month's first day
    end: pd.Timestamp             # its last day
    trailing_start: pd.Timestamp  # the first day of the trailing window (win rate, cycle, satisfaction)


class _Sheets:
    """The month's slices of the sheets, each cut once and shared by the measures that need it."""

    def __init__(self, sheets: Mapping[str, pd.DataFrame], period: MeasurePeriod, next_quota: pd.Series | None):
        self.sheets, self.p, self.next_quota = sheets, period, next_quota

    def _in_month(self, sheet: str, column: str) -> pd.DataFrame:
        frame = self.sheets[sheet]
        return frame[(frame[column] >= self.p.start) & (frame[column] <= self.p.end)]

    @cached_property
    def live(self) -> pd.DataFrame:       # order lines that count, dated in the month
        orders = self._in_month("Orders", "order_date")
        return orders[counted(orders["status"])]

    @cached_property
    def booked(self) -> pd.DataFrame:
        return self.live[self.live["status"] == "booked"]

    @cached_property
    def booked_by_rep(self) -> pd.DataFrame:
        b = self.booked
        return pd.DataFrame({"amount": b["amount"], "cost": b["cost"].fillna(0), "rep_id": b["rep_id"]}) \
            .groupby("rep_id").sum()

    @cached_property
    def activities(self) -> pd.Series:    # (rep_id, type) -> count
        acts = self._in_month("Activities", "date")
        return acts.groupby(["rep_id", "type"]).size()

    @cached_property
    def closed(self) -> pd.DataFrame:     # deals closed in the trailing window
        o = self.sheets["Opportunities"]
        return o[o["closed"].notna() & (o["closed"] >= self.p.trailing_start) & (o["closed"] <= self.p.end)]

    @cached_property
    def reached(self) -> pd.DataFrame:    # deals created in the month: rep and furthest stage index
        o = self._in_month("Opportunities", "created")
        lost_stage = o["lost_stage"] if "lost_stage" in o.columns else None
        return pd.DataFrame({"rep_id": o["rep_id"].to_numpy(), "furthest": furthest_stages(o["stage"], lost_stage)})


def _sales(s: _Sheets) -> pd.Series:
    return s.live.groupby("rep_id")["amount"].sum()


def _revenue(s: _Sheets) -> pd.Series:
    return s.booked_by_rep["amount"]


def _margin(s: _Sheets) -> pd.Series:
    return s.booked_by_rep["amount"] - s.booked_by_rep["cost"]


def _margin_pct(s: _Sheets) -> pd.Series:
    b = s.booked_by_rep
    return (b["amount"] - b["cost"]) / b["amount"].where(b["amount"] != 0)


def _orders(s: _Sheets) -> pd.Series:
    return s.booked.groupby("rep_id")["order_id"].nunique()


def _deal_size(s: _Sheets) -> pd.Series:
    return _revenue(s) / _orders(s).reindex(s.booked_by_rep.index).where(lambda n: n > 0)


def _new_customers(s: _Sheets) -> pd.Series:
    """The rep of each customer's first booked line ever (earliest date, then lowest order_id),
    for the customers whose first line is in the month: those booked in the month and never before."""
    orders = s.sheets["Orders"]
    month = s.booked[["customer_id", "order_date", "order_id", "rep_id"]]
    earlier = orders["customer_id"].isin(month["customer_id"].unique()) & (orders["status"] == "booked") \
        & (orders["order_date"] < s.p.start)
    first = month[~month["customer_id"].isin(orders.loc[earlier, "customer_id"].unique())]
    first = first.sort_values(["order_date", "order_id"], kind="stable").drop_duplicates("customer_id")
    return first.groupby("rep_id").size()


def _activities(s: _Sheets) -> pd.Series:
    a = s.activities
    return a[a.index.get_level_values("type").isin(COUNTED_ACTIVITIES)].groupby(level="rep_id").sum()


def _of_type(kind: str) -> Callable[[_Sheets], pd.Series]:
    def measure(s: _Sheets) -> pd.Series:
        a = s.activities
        return a[a.index.get_level_values("type") == kind].groupby(level="rep_id").sum()
    return measure


def _win_rate(s: _Sheets) -> pd.Series:
    c = s.closed
    won = (c["stage"] == "won").groupby(c["rep_id"]).sum()
    decided = c["stage"].isin(["won", "lost"]).groupby(c["rep_id"]).sum()
    return (won / decided.where(decided > 0)).dropna()


def _cycle_days(s: _Sheets) -> pd.Series:
    won = s.closed[s.closed["stage"] == "won"]
    return (won["closed"] - won["created"]).dt.days.groupby(won["rep_id"]).mean()


def _satisfaction(s: _Sheets) -> pd.Series:
    sat = s.sheets["Satisfaction"]
    sat = sat[(sat["date"] >= s.p.trailing_start) & (sat["date"] <= s.p.end)]
    return sat.groupby("rep_id")["score"].mean()


def _pipeline_coverage(s: _Sheets) -> pd.Series:
    o = s.sheets["Opportunities"]
    open_ = o[(o["created"] <= s.p.end) & (o["closed"].isna() | (o["closed"] > s.p.end))]
    pipeline = open_.groupby("rep_id")["amount"].sum()
    quota = pd.Series(dtype=float) if s.next_quota is None else s.next_quota.astype(float)
    quota = quota[quota > 0]
    return (pipeline.reindex(quota.index, fill_value=0) / quota).astype(float)


def _stage(index: int) -> Callable[[_Sheets], pd.Series]:
    def measure(s: _Sheets) -> pd.Series:
        r = s.reached
        return r[r["furthest"] >= index].groupby("rep_id").size()
    return measure


BUILT_IN: dict[str, Callable[[_Sheets], pd.Series]] = {
    "sales": _sales, "revenue": _revenue, "margin": _margin, "margin_pct": _margin_pct, "orders": _orders,
    "deal_size": _deal_size, "new_customers": _new_customers, "activities": _activities,
    **{kpi: _of_type(kind) for kpi, kind in ACTIVITY_KPIS.items()},
    "win_rate": _win_rate, "cycle_days": _cycle_days, "satisfaction": _satisfaction,
    "pipeline_coverage": _pipeline_coverage,
    **{kpi: _stage(i) for i, kpi in enumerate(STAGE_KPIS)},
}
# the sheets each measure reads: a KPI whose sheet the workbook lacks stays blank
NEEDS = {**{k: "Orders" for k in ("sales", "revenue", "margin", "margin_pct", "orders", "deal_size",
                                   "new_customers")},
         **{k: "Activities" for k in ("activities", *ACTIVITY_KPIS)}, "satisfaction": "Satisfaction",
         **{k: "Opportunities" for k in ("win_rate", "cycle_days", "pipeline_coverage", *STAGE_KPIS)}}


def rep_measures(sheets: Mapping[str, pd.DataFrame], period: MeasurePeriod, kpi_ids: Iterable[str],
                 rep_ids: Iterable[str] = (), next_quota: pd.Series | None = None,
                 own: Mapping[str, Measure] | None = None) -> pd.DataFrame:
    """One column per KPI id (a KPI with a measure of its own in ``own`` takes that), indexed by
    rep_id: the reps in ``rep_ids`` and any others with rows. Counts and sums are 0 for a rep
    without rows (nothing done is zero, not unknown); ratios and means stay blank.
    ``next_quota`` (per rep, the next month's quota) is what pipeline coverage divides by."""
    s, own = _Sheets(sheets, period, next_quota), own or {}
    columns = {}
    for kpi in dict.fromkeys(kpi_ids):
        known = definition(kpi)          # the catalogue's reading of the id (case, spaces)
        if kpi in own:
            columns[kpi] = evaluate(own[kpi], sheets, period.start, period.end)
        elif known is not None and known.id in BUILT_IN and sheets.get(NEEDS[known.id]) is not None:
            columns[kpi] = BUILT_IN[known.id](s).astype(float)
    out = pd.DataFrame(columns, columns=list(columns))
    out = out.reindex(out.index.union(pd.Index(list(rep_ids), dtype=object)))
    for kpi in out.columns:
        if _additive(kpi, own):
            out[kpi] = out[kpi].fillna(0.0)
    return out


def _additive(kpi: str, own: Mapping[str, Measure]) -> bool:
    if kpi in own:
        return accumulates(own[kpi])
    return definition(kpi).team == "sum"


REP_SHEETS = ("Orders", "Activities", "Opportunities", "Satisfaction")   # each row names its rep in rep_id


def team_measures(sheets: Mapping[str, pd.DataFrame], period: MeasurePeriod, kpi_ids: Iterable[str],
                  rep_team: Mapping[str, str], next_quota: pd.Series | None = None,
                  own: Mapping[str, Measure] | None = None) -> pd.DataFrame:
    """The same measures per team: each KPI's rule applied to the rows of the team's reps, so an
    additive KPI is the sum of its reps' and a ratio or mean is taken over the team's rows (not
    averaged over reps). Indexed by team."""
    team_of = pd.Series(rep_team, dtype=object)
    relabelled = {name: (frame.assign(rep_id=frame["rep_id"].map(team_of)) if name in REP_SHEETS else frame)
                  for name, frame in sheets.items() if frame is not None}
    quota = None if next_quota is None else next_quota.groupby(next_quota.index.map(team_of)).sum()
    return rep_measures(relabelled, period, kpi_ids, sorted(set(team_of)), quota, own)

