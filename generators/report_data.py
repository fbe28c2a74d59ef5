"""Everything the monthly reports show, computed once for all reps and teams (vectorized
over the month's frames), then cut into one plain context per report for the workers."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from addin import rules
from addin.calendar import month_labels, working_days_elapsed, working_days_in_month
from addin.funnel import DEFAULT_ORDER
from addin.kpi import CUMULATIVE_KPIS, Kpi, month_measures, planned_activities, runrate, scorecard
from addin.tiering import TIER_ORDER, customer_view

from workbooks.engine_args import seasonality_weights, team_targets

from .monthdata import MonthData
from .report_model import (ActivityLine, Commission, CustomerRow, Customers, FunnelStage, KpiLine, Movements,
                           RankedRep, RepInfo, RepMonth, ReturnLine, Risks, RunRate, SalesRow, Satisfaction,
                           Scorecard, TeamInfo, TeamMonth, TierCount)

TREND_MONTHS = 12
LARGE_RETURN = 1000.0        # returns at or above this amount are listed as team risks
BEHIND_PACE = 0.85           # projected or actual attainment below this is behind pace


@dataclass
class MonthFacts:
    month: str
    as_of: dt.date
    open_month: bool
    reps: list[RepMonth]
    teams: list[TeamMonth]


def month_facts(md: MonthData, only: set[str] | None = None) -> MonthFacts:
    """Every report's context for the month; commissions are added by ``attach_commission``."""
    f = md.frames
    month = md.month
    period = pd.Period(month, "M")
    month_start, month_end = period.start_time.normalize(), period.end_time.normalize()
    orders = f["Orders"]
    live = orders[rules.counted(orders["status"])]
    as_of = rules.as_of_date(orders["order_date"], orders["status"], month)
    open_month = rules.is_open(as_of, month)
    periods = pd.period_range(period - (TREND_MONTHS - 1), period, freq="M").strftime("%Y-%m").tolist()
    quarter = [p for p in periods if pd.Period(p, "M").quarter == period.quarter and p[:4] == month[:4]]
    ytd = [p for p in pd.period_range(f"{month[:4]}-01", period, freq="M").strftime("%Y-%m")]

    reps = f["Reps"].copy()
    reps = reps[reps["active"].fillna(True).astype(bool)]
    reps = reps[reps["hire_date"].isna() | (reps["hire_date"] <= month_end)]
    reps = reps[~reps["rep_id"].isin(list(md.bad_reps))]
    teams = f["Teams"].set_index("team")

    # sales (net of returns, by the order's rep) and targets per rep-month
    sales = live.assign(period=month_labels(live["order_date"])).groupby(["rep_id", "period"])["amount"].sum()
    quota = md.quotas.assign(target=md.quotas["quota_cents"] / 100).set_index(["rep_id", "period"])["target"]
    years = sorted({int(p[:4]) for p in periods} | {int(month[:4])})
    tt = team_targets(f["Targets"], seasonality_weights(f), years).set_index(["team", "period"])["target"]

    in_month = live[(live["order_date"] >= month_start) & (live["order_date"] <= month_end)]
    acts = f["Activities"]
    acts_month = acts[(acts["date"] >= month_start) & (acts["date"] <= month_end)]
    act_counts = acts_month.groupby(["rep_id", "type"]).size().unstack(fill_value=0)
    opps = f["Opportunities"]
    sat = f["Satisfaction"]
    m = month_measures(orders, acts, opps, sat, month_start, month_end, rules.trailing_start(month))
    win_rate, cycle, sat_mean = m["win_rate"].dropna(), m["cycle_days"].dropna(), m["satisfaction"].dropna()
    sat_month = sat[(sat["date"] >= month_start) & (sat["date"] <= month_end)].groupby("rep_id")["score"].agg(["mean", "count"])

    # funnel over deals created in the last twelve months
    funnel_opps = opps[(opps["created"] > month_end - pd.DateOffset(months=12)) & (opps["created"] <= month_end)]
    funnel = _funnel_counts(funnel_opps)

    # scorecard
    kpis = [Kpi(r.kpi, float(r.weight), r.direction, None if pd.isna(r.cap) else float(r.cap),
                None if pd.isna(r.target) else float(r.target), float(r.green), float(r.amber))
            for r in f["KPIs"].itertuples(index=False)]
    ids = reps["rep_id"].tolist()
    month_quota = quota.xs(month, level="period") if month in quota.index.get_level_values("period") else pd.Series(dtype=float)
    actuals, rep_targets = rules.scorecard_inputs(ids, [k.name for k in kpis], m, month_quota)
    prorate = rules.prorate(as_of, month)
    ratios, scores, _, status = scorecard(ids, actuals, kpis, rep_targets, prorate) if ids else (
        np.zeros((0, len(kpis))), np.zeros(0), np.zeros(0), np.array([]))
    # the targets the scorecard scored against (per-rep sales quota; pro-rated while the month is open)
    effective = np.where(np.isnan(rep_targets), np.array([np.nan if k.target is None else k.target for k in kpis]), rep_targets)
    if prorate is not None:
        cumulative = np.array([k.name.lower() in CUMULATIVE_KPIS for k in kpis])
        effective = np.where(cumulative, effective * prorate, effective)
    card = pd.DataFrame({"rep_id": ids, "team": reps["team"].to_numpy(), "score": scores, "status": status})
    card["rank_in_team"] = card.groupby("team")["score"].rank(ascending=False, method="min")
    card["team_size"] = card.groupby("team")["rep_id"].transform("size")

    # customers: tiers now and a month ago, revisits, movement
    prev_end = (period - 1).end_time.normalize().date()
    view = customer_view(orders, acts, f["Customers"], as_of, prev_end)
    returns = in_month[in_month["status"] == "returned"]
    returns_by_rep: dict[str, list[ReturnLine]] = {}
    for r in _returns(returns):
        returns_by_rep.setdefault(r.rep_id, []).append(r)
    team_info = teams.to_dict("index")
    act_d = act_counts.to_dict("index")

    rep_ctx = []
    rep_names = reps.set_index("rep_id")["name"]
    sales_d, quota_d, tt_d = sales.to_dict(), quota.to_dict(), tt.to_dict()   # plain dicts: fast per-key lookups
    overdue_rows = _rows_by_owner(view[view["overdue"] & (view["tier"] != "lost")], 15)
    down_rows = _rows_by_owner(view[view["movement"] == "down"], 15)
    tier_counts = view.groupby(["owner_rep_id", "tier"]).size().to_dict()
    customer_totals = view.groupby("owner_rep_id").size().to_dict()
    for i, rep in enumerate(reps.to_dict("records")):
        rid = rep["rep_id"]
        if only and rid not in only and rep["team"] not in only:
            continue
        team = team_info.get(rep["team"])

        def total(ps, series=sales_d, key=rid):
            return float(sum(series.get((key, p), 0.0) for p in ps))

        rows = [("Month", total([month]), total([month], quota_d)), ("Quarter to date", total(quarter), total(quarter, quota_d)),
                ("Year to date", total(ytd), total(ytd, quota_d))]
        projected = None
        if open_month and total([month], quota_d) > 0:
            p, a = runrate(total([month]), as_of, total([month], quota_d))
            projected = RunRate(round(p, 2), a)
        wd = working_days_elapsed(as_of) if open_month else working_days_in_month(period.year, period.month)
        plan = planned_activities(wd, float(rep["capacity"]))
        acts_row = act_d.get(rid, {})
        rep_ctx.append(RepMonth(
            key=rid, month=month, as_of=as_of.isoformat(), open_month=open_month,
            rep=RepInfo(rep_id=rid, name=rep["name"], email=rep.get("email"), team=rep["team"],
                        manager=None if team is None else team["manager"],
                        manager_email=None if team is None else team["manager_email"],
                        capacity=float(rep["capacity"]),
                        hire_date=None if pd.isna(rep["hire_date"]) else rep["hire_date"].date().isoformat()),
            sales=tuple(SalesRow(label, round(a, 2), round(t, 2)) for label, a, t in rows),
            runrate=projected,
            scorecard=Scorecard(
                kpis=tuple(KpiLine(k.name, _num(actuals[i, j]), _num(effective[i, j]), _num(ratios[i, j]), k.weight,
                                   k.direction, k.cap, _status(ratios[i, j], k)) for j, k in enumerate(kpis)),
                score=_num(scores[i]), status=str(status[i]), rank=int(card["rank_in_team"].iat[i]),
                team_size=int(card["team_size"].iat[i])),
            funnel=funnel.get(rid, _empty_funnel()),
            win_rate=_num(win_rate.get(rid, np.nan)), cycle_days=_num(cycle.get(rid, np.nan)),
            activities=tuple(ActivityLine(t, int(acts_row.get(t, 0)), plan[t]) for t in plan),
            activities_note=_activities_note(kpis, effective[i], plan),
            satisfaction=Satisfaction(_num(sat_month["mean"].get(rid, np.nan)), int(sat_month["count"].get(rid, 0)),
                                      _num(sat_mean.get(rid, np.nan))),
            customers=Customers(tiers=tuple(TierCount(t, int(tier_counts.get((rid, t), 0))) for t in TIER_ORDER),
                                overdue=overdue_rows.get(rid, ()), moved_down=down_rows.get(rid, ()),
                                total=int(customer_totals.get(rid, 0))),
            returns=tuple(returns_by_rep.get(rid, ())),
            trend=tuple(SalesRow(p, round(total([p]), 2), round(total([p], quota_d), 2)) for p in periods),
        ))

    team_ctx = []
    for team_name, t in teams.iterrows():
        if only and team_name not in only:
            continue
        tid = team_name
        members_all = card[card["team"] == tid]
        member_ids = members_all["rep_id"].tolist()

        def tsum(ps, key=tid):
            return float(sum(tt_d.get((key, p), 0.0) for p in ps))

        def ssum(ps):
            return float(sum(sales_d.get((r, p), 0.0) for r in member_ids for p in ps))

        ranked = []
        for r in members_all.sort_values(["score", "rep_id"], ascending=[False, True]).itertuples(index=False):
            actual, target = float(sales_d.get((r.rep_id, month), 0.0)), float(quota_d.get((r.rep_id, month), 0.0))
            ranked.append(RankedRep(r.rep_id, rep_names[r.rep_id], round(actual, 2), round(target, 2), _num(r.score),
                                    r.status, int(r.rank_in_team)))
        att = [(x.actual / x.target) if x.target else None for x in ranked]
        champion = max((x for x, a in zip(ranked, att) if a is not None), key=lambda x: x.actual / x.target, default=None)
        tv = view[view["owner_rep_id"].isin(member_ids)]
        big_returns = returns[returns["rep_id"].isin(member_ids) & (returns["amount"] <= -LARGE_RETURN)]
        behind = tuple(x for x, a in zip(ranked, att) if a is not None and a < BEHIND_PACE * (prorate or 1.0))
        month_target = round(tsum([month]), 2)
        rep_total = round(sum(x.target for x in ranked), 2)
        team_ctx.append(TeamMonth(
            key=tid, month=month, as_of=as_of.isoformat(), open_month=open_month,
            team=TeamInfo(tid, t["manager"], t["manager_email"], t.get("region")),
            reps=tuple(ranked),
            target_note=None if rep_total == month_target else (
                f"The reps' own targets add up to {rep_total:,.2f}; the team's target for the month is "
                f"{month_target:,.2f}. Each is phased from its own annual target in the Targets sheet."),
            sales=tuple(SalesRow(label, round(ssum(ps), 2), round(tsum(ps), 2))
                        for label, ps in (("Month", [month]), ("Quarter to date", quarter), ("Year to date", ytd))),
            trend=tuple(SalesRow(p, round(ssum([p]), 2), round(tsum([p]), 2)) for p in periods),
            funnel=_sum_funnels([funnel.get(r, _empty_funnel()) for r in member_ids]),
            underperformers=tuple(x for x in ranked if x.status == "red"),
            risks=Risks(behind_pace=behind,
                        overdue_high_value=_rows(tv[(tv["tier"] == "high-value") & tv["overdue"]], 25),
                        large_returns=_returns(big_returns)),
            champion=champion,
            movements=Movements(counts={m: int((tv["movement"] == m).sum()) for m in ("up", "same", "down", "new")},
                                moved_down=_rows(tv[tv["movement"] == "down"], 25)),
        ))
    return MonthFacts(month, as_of, open_month, rep_ctx, team_ctx)


def attach_commission(facts: MonthFacts, summary: pd.DataFrame) -> None:
    """Each rep's commission for the month (from the engine's summary table), and, where
    credited sales differ from the sales booked to the rep, the note that says why."""
    month = summary[summary["period"] == facts.month]
    comm = {r["rep_id"]: _commission(r) for r in month.to_dict("records")}
    facts.reps = [replace(ctx, commission=comm.get(ctx.key), sales_note=_sales_note(comm.get(ctx.key), ctx.sales[0].actual))
                  for ctx in facts.reps]


def _sales_note(c: Commission | None, booked: float) -> str | None:
    if c is None or round(c.credited_sales - booked, 2) == 0:
        return None
    # the report's sales count the orders booked to the rep; commission follows split credit
    return (f"Commission is on credited sales of {c.credited_sales:,.2f}: orders shared with other reps (split "
            f"credit) count by each rep's share. Sales above count the orders booked to this rep: {booked:,.2f}.")


def _activities_note(kpis: list[Kpi], targets: np.ndarray, plan: dict[str, float]) -> str | None:
    """Why the activities section's plan and the scorecard's activities target differ, when they do."""
    at = next((j for j, k in enumerate(kpis) if k.name == "activities"), None)
    if at is None or np.isnan(targets[at]) or round(float(targets[at])) == round(sum(plan.values())):
        return None
    return (f"The scorecard's activities target ({float(targets[at]):,.0f}) is the KPIs sheet's; the plan here "
            f"({sum(plan.values()):,.0f}) follows the weekly cadence for the working days and the rep's capacity.")


def _num(x):
    if x is None:
        return None
    x = float(x)
    return None if np.isnan(x) else x


def _status(ratio, k: Kpi) -> str:
    if ratio is None or np.isnan(ratio):
        return ""
    return "green" if ratio >= k.green else "amber" if ratio >= k.amber else "red"


def _funnel_counts(opps: pd.DataFrame) -> dict[str, list[dict]]:
    order = list(DEFAULT_ORDER)
    index = {s: i for i, s in enumerate(order)}
    furthest = opps["stage"].map(index)
    lost_at = opps["lost_stage"].map(index) if "lost_stage" in opps.columns else pd.Series(0, index=opps.index)
    furthest = furthest.where(opps["stage"] != "lost", lost_at.fillna(0)).fillna(0).astype(int)
    counts = pd.crosstab(opps["rep_id"], furthest).reindex(columns=range(len(order)), fill_value=0)
    reached = counts.iloc[:, ::-1].cumsum(axis=1).iloc[:, ::-1].to_numpy()
    out = {}
    for rid, row in zip(counts.index, reached):
        out[rid] = _funnel_rows(row.tolist())
    return out


def _funnel_rows(reached: list[int]) -> tuple[FunnelStage, ...]:
    rows = []
    for i, stage in enumerate(DEFAULT_ORDER):
        nxt = reached[i + 1] if i + 1 < len(reached) else None
        rows.append(FunnelStage(stage, int(reached[i]), None if nxt is None else int(nxt)))
    return tuple(rows)


def _empty_funnel():
    return _funnel_rows([0] * len(DEFAULT_ORDER))


def _sum_funnels(funnels: list[tuple[FunnelStage, ...]]) -> tuple[FunnelStage, ...]:
    return _funnel_rows([sum(f[i].reached for f in funnels) for i in range(len(DEFAULT_ORDER))])


ROW_COLUMNS = ["customer_id", "name", "owner_rep_id", "tier", "previous_tier", "code", "segment", "last_order",
               "last_contact", "next_revisit", "overdue", "movement"]


def _records(frame: pd.DataFrame) -> list[CustomerRow]:
    """Rows as CustomerRow (dates as ISO text, blanks as None), converted column-wise."""
    cols = {}
    for c in ROW_COLUMNS:
        s = frame[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            cols[c] = [None if pd.isna(v) else v for v in s.dt.strftime("%Y-%m-%d").tolist()]
        else:
            cols[c] = [None if (v is None or (isinstance(v, float) and np.isnan(v))) else v for v in s.tolist()]
    return [CustomerRow(*vals) for vals in zip(*(cols[c] for c in ROW_COLUMNS))]


def _rows(frame: pd.DataFrame, limit: int) -> tuple[CustomerRow, ...]:
    return tuple(_records(frame.sort_values("monetary", ascending=False).head(limit)))


def _rows_by_owner(frame: pd.DataFrame, limit: int) -> dict[str, tuple[CustomerRow, ...]]:
    """The top ``limit`` rows by monetary per owner rep, for every rep in one pass."""
    top = frame.sort_values(["owner_rep_id", "monetary"], ascending=[True, False]).groupby("owner_rep_id").head(limit)
    out: dict[str, list[CustomerRow]] = {}
    for rec in _records(top):
        out.setdefault(rec.owner_rep_id, []).append(rec)
    return {k: tuple(v) for k, v in out.items()}


def _returns(frame: pd.DataFrame) -> tuple[ReturnLine, ...]:
    """Returned lines, largest first (most negative amount); one pass, column-wise."""
    if frame.empty:
        return ()
    frame = frame.sort_values(["amount", "order_id"], kind="stable")
    cols = {"order_id": frame["order_id"].tolist(), "date": _iso_dates(frame["order_date"]),
            "customer_id": frame["customer_id"].tolist(), "product": frame["product"].tolist(),
            "amount": [float(a) for a in frame["amount"].tolist()],
            "original_order_id": frame["original_order_id"].tolist(), "rep_id": frame["rep_id"].tolist()}
    return tuple(ReturnLine(*values) for values in zip(*cols.values()))


def _iso_dates(s: pd.Series) -> list[str]:
    return [d.isoformat() for d in s.dt.date.tolist()]


def _commission(c: dict) -> Commission:
    """The month's commission summary of one rep, in currency units."""
    return Commission(**{k: float(c[k + "_cents"]) / 100 for k in ("commission", "clawback", "spiff", "adjustment",
                                                                  "earned", "draw_topup", "recovered", "paid",
                                                                  "owed_after")},
                      gate_and_cap=float(c["gate_cents"] + c["cap_cents"]) / 100,
                      credited_sales=float(c["sales_cents"]) / 100)
