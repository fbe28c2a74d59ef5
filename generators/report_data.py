"""Everything the monthly reports show, computed once for all reps and teams (vectorized
over the month's frames), then cut into one plain context per report for the workers."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from addin.engine import coaching, rules
from addin.engine.calendar import month_labels, working_days_elapsed, working_days_in_month
from addin.engine.funnel import DEFAULT_ORDER, reached_by
from addin.engine.kpi_catalogue import definition
from addin.engine.kpi import Kpi, attainment_of, planned_activities, status_of, prorated_targets, runrate, scorecard
from addin.engine.measures import MeasurePeriod, rep_measures
from addin.engine.tiering import TIER_ORDER, customer_view

from workbooks.engine_args import seasonality_weights, team_targets
from workbooks.kpis import kind_of, scorecard_kpis

from .monthdata import MonthData
from .report_forecast import month_forecast, open_spans
from .report_model import (ActivityLine, CoachingFocus, Commission, CustomerRow, Customers, FunnelStage, KpiLine, LeftOutRep,
                           Movements, Note, RankedRep, RepInfo, RepMonth, ReturnLine, Risks, RunRate, SalesRow, Satisfaction,
                           Scorecard, TeamInfo, TeamMonth, TierCount, TrainingNeed, TrainingRep, is_behind)

TREND_MONTHS = 12
LARGE_RETURN = 1000.0        # returns at or above this amount are listed as team risks
OVERDUE_LISTED = 25          # overdue high-value customers a team report lists (the most valuable)


@dataclass
class MonthFacts:
    month: str
    as_of: dt.date
    open_month: bool
    reps: list[RepMonth]
    teams: list[TeamMonth]
    lang: str = "en"
    left_out: dict[str, tuple[LeftOutRep, ...]] = field(default_factory=dict)   # team -> reps not in its figures
    champion_spiffs: tuple[str, ...] = ()    # the Spiffs sheet's champion bonuses in effect this month


@dataclass(frozen=True)
class _Calendar:
    """The month's dates: its bounds, the as-of day, the trend, quarter and year-to-date months."""
    month: str
    period: pd.Period
    start: pd.Timestamp
    end: pd.Timestamp
    as_of: dt.date
    open_month: bool
    prorate: float | None
    trend: list[str]
    quarter: list[str]
    ytd: list[str]


def _calendar(md: MonthData) -> _Calendar:
    month, period = md.month, pd.Period(md.month, "M")
    orders = md.frames["Orders"]
    as_of = rules.as_of_date(orders["order_date"], orders["status"], month)
    trend = pd.period_range(period - (TREND_MONTHS - 1), period, freq="M").strftime("%Y-%m").tolist()
    return _Calendar(
        month=month, period=period, start=period.start_time.normalize(), end=period.end_time.normalize(),
        as_of=as_of, open_month=rules.is_open(as_of, month), prorate=rules.prorate(as_of, month), trend=trend,
        quarter=[p for p in trend if pd.Period(p, "M").quarter == period.quarter and p[:4] == month[:4]],
        ytd=list(pd.period_range(f"{month[:4]}-01", period, freq="M").strftime("%Y-%m")))


@dataclass
class _Month:
    """What every rep's and team's report draws on, computed once for the month (vectorized)."""
    cal: _Calendar
    reps: pd.DataFrame
    team_info: dict                  # team -> its Teams row
    kpis: list[Kpi]
    kpi_shown: list[tuple[str, str]]  # each KPI's label and kind
    card: pd.DataFrame               # rep_id, team, score, status, rank_in_team, team_size
    actuals: np.ndarray
    targets: np.ndarray              # what the scorecard scored against (pro-rated while the month is open)
    ratios: np.ndarray
    sales: dict                      # (rep_id, period) -> net sales
    quotas: dict                     # (rep_id, period) -> target
    team_targets: dict               # (team, period) -> target
    activities: dict                 # rep_id -> {type: count}
    by_rep: dict                     # per-rep lookups as plain dicts: win_rate, cycle_days, trailing
                                     # satisfaction, the month's satisfaction mean and count, the card's columns
    funnel: dict
    view: pd.DataFrame               # customers: tiers now and a month ago, revisits, movement
    returns: pd.DataFrame            # the month's returned lines
    coaching: dict = field(default_factory=dict)   # rep_id -> (CoachingFocus, ...), the largest gap first

    def total(self, series: dict, key: str, periods: list[str]) -> float:
        return float(sum(series.get((key, p), 0.0) for p in periods))


def month_facts(md: MonthData, only: set[str] | None = None) -> MonthFacts:
    """Every report's context for the month; commissions are added by ``attach_commission``."""
    x = _month(md)
    rep_ctx = _rep_months(x, only)
    team_ctx = _team_months(x, md.frames["Teams"], only)
    if md.language != "en" or md.missing:      # the language it is written in; the sheets it lacks
        rep_ctx = [replace(c, lang=md.language, missing=md.missing) for c in rep_ctx]
        team_ctx = [replace(c, lang=md.language, missing=md.missing) for c in team_ctx]
    if open_spans(x.cal.month, x.cal.as_of):   # where the month and its quarter will land, while open
        rep_ctx, team_ctx = _with_forecast(md, x, rep_ctx, team_ctx)
    left_out = _left_out_by_team(md) if md.bad_reps else {}
    if left_out:                                # a team report says whom its figures leave out
        team_ctx = [replace(c, left_out=left_out.get(c.team.team, ())) for c in team_ctx]
    return MonthFacts(x.cal.month, x.cal.as_of, x.cal.open_month, rep_ctx, team_ctx, md.language, left_out,
                      _champion_spiffs(md.frames.get("Spiffs"), x.cal))


def _with_forecast(md: MonthData, x: _Month, rep_ctx: list[RepMonth], team_ctx: list[TeamMonth]):
    fc = month_forecast(md.frames, x.card, x.cal.month, x.cal.as_of, x.quotas, x.team_targets)
    return ([replace(c, forecast=fc.reps.get(c.key)) for c in rep_ctx],
            [replace(c, forecast=fc.teams.get(c.key)) for c in team_ctx])


def _left_out_by_team(md: MonthData) -> dict[str, tuple[LeftOutRep, ...]]:
    reps = md.data.frames["Reps"].drop_duplicates("rep_id").set_index("rep_id")
    out: dict[str, list[LeftOutRep]] = {}
    for rep_id, problems in sorted(md.bad_reps.items()):
        if rep_id not in reps.index:
            continue
        row = reps.loc[rep_id]
        reason = " ".join(str(problems[0]).split())[:200] if problems else ""
        out.setdefault(row["team"], []).append(LeftOutRep(str(rep_id), str(row["name"]), reason))
    return {team: tuple(v) for team, v in out.items()}


def _month(md: MonthData) -> _Month:
    f, cal = md.frames, _calendar(md)
    orders = f["Orders"]
    live = orders[rules.counted(orders["status"])]
    reps = f["Reps"]
    reps = reps[reps["active"].fillna(True).astype(bool)]
    reps = reps[(reps["hire_date"].isna() | (reps["hire_date"] <= cal.end)) & ~reps["rep_id"].isin(list(md.bad_reps))]

    # sales (net of returns, by the order's rep) and targets per rep-month
    sales = live.assign(period=month_labels(live["order_date"])).groupby(["rep_id", "period"])["amount"].sum()
    quota = md.quotas.assign(target=md.quotas["quota_cents"] / 100).set_index(["rep_id", "period"])["target"]
    years = sorted({int(p[:4]) for p in cal.trend} | {int(cal.month[:4])})
    tt = team_targets(f["Targets"], seasonality_weights(f), years).set_index(["team", "period"])["target"]

    acts, opps, sat = f["Activities"], f["Opportunities"], f["Satisfaction"]
    acts_month = acts[(acts["date"] >= cal.start) & (acts["date"] <= cal.end)]
    kpis, own = scorecard_kpis(f["KPIs"])
    next_quota = _month_quota(quota, str(cal.period + 1))
    m = rep_measures(f, MeasurePeriod(cal.start, cal.end, rules.trailing_start(cal.month)),
                     ["win_rate", "cycle_days", "satisfaction", *(k.name for k in kpis)], reps["rep_id"], next_quota, own)
    sat_month = sat[(sat["date"] >= cal.start) & (sat["date"] <= cal.end)].groupby("rep_id")["score"].agg(["mean", "count"])
    # funnel over deals created in the last twelve months
    funnel_opps = opps[(opps["created"] > cal.end - pd.DateOffset(months=12)) & (opps["created"] <= cal.end)]

    card, actuals, targets, ratios = _scorecards(reps, kpis, m, _month_quota(quota, cal.month), cal.prorate)
    in_month = live[(live["order_date"] >= cal.start) & (live["order_date"] <= cal.end)]
    prev_end = (cal.period - 1).end_time.normalize().date()
    return _Month(
        cal=cal, reps=reps, team_info=f["Teams"].set_index("team").to_dict("index"), kpis=kpis, kpi_shown=_kpi_shown(f["KPIs"], own), card=card, actuals=actuals, targets=targets, ratios=ratios,
        sales=sales.to_dict(), quotas=quota.to_dict(), team_targets=tt.to_dict(),   # plain dicts: fast lookups
        activities=acts_month.groupby(["rep_id", "type"]).size().unstack(fill_value=0).to_dict("index"),
        by_rep=_per_rep(m, sat_month, card), funnel=_funnel_counts(funnel_opps),
        view=customer_view(orders, acts, f["Customers"], cal.as_of, prev_end,
                           contacts_logged="Activities" not in md.missing),
        returns=in_month[in_month["status"] == "returned"],
        coaching=_coaching(f, reps, cal, kpis, quota))


def _coaching(frames, reps: pd.DataFrame, cal: _Calendar, kpis: list[Kpi], quota: pd.Series) -> dict:
    """Each rep's focus over the last three months (addin.engine.coaching), as the model's lines."""
    found = coaching.coaching(frames, reps, coaching.window(cal.month, cal.as_of, cal.prorate), kpis, quota)
    out: dict[str, list[CoachingFocus]] = {}
    for r in found.itertuples(index=False):
        f = coaching.BY_ID[r.focus]
        out.setdefault(r.rep_id, []).append(CoachingFocus(f.id, f.label, f.measure, f.measure_label, f.kind, f.basis,
                                                          float(r.rep_value), _num(r.team_median), _num(r.target),
                                                          float(r.severity)))
    return {rid: tuple(v) for rid, v in out.items()}


def _training(x: _Month, member_ids: list[str], names: dict) -> tuple[TrainingNeed, ...]:
    """The team's training plan: each focus its reps need, the focus most reps need first (then by
    id); within one, the largest gap first (then by rep_id)."""
    needs: dict[str, list[TrainingRep]] = {}
    for rid in member_ids:
        for f in x.coaching.get(rid, ()):
            needs.setdefault(f.focus, []).append(TrainingRep(rid, names[rid], f))
    ordered = sorted(needs.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return tuple(TrainingNeed(focus, reps[0].focus.label, tuple(sorted(reps, key=_largest_gap)))
                 for focus, reps in ordered)


def _largest_gap(r: TrainingRep):
    return -r.focus.severity, r.rep_id


def _month_quota(quota: pd.Series, month: str) -> pd.Series:
    """Each rep's quota for ``month`` (from the (rep_id, period) series); empty without one."""
    return quota.xs(month, level="period") if month in quota.index.get_level_values("period") \
        else pd.Series(dtype=float)


def _kpi_shown(kpis: pd.DataFrame, own: dict) -> list[tuple[str, str]]:
    """Each KPI's label (the sheet's, else the catalogue's, else a readable form of its id) and kind
    (the sheet's, else its own measure's, else the catalogue's)."""
    out = []
    for row in kpis.to_dict("records"):
        name = str(row["kpi"])
        given, d = row.get("label"), definition(name)
        label = given if isinstance(given, str) and given.strip() else \
            d.label if d and name not in own else name.replace("_", " ").capitalize()
        out.append((label, kind_of(row, own)))
    return out


def _per_rep(m: pd.DataFrame, sat_month: pd.DataFrame, card: pd.DataFrame) -> dict[str, dict]:
    """Column -> {rep_id: value} (blanks left out): per-rep look-ups without pandas in the loop."""
    out = {c: m[c].dropna().to_dict() for c in ("win_rate", "cycle_days", "satisfaction")}
    out["month_satisfaction"] = sat_month["mean"].dropna().to_dict()
    out["month_responses"] = sat_month["count"].to_dict()
    for c in ("score", "status", "rank_in_team", "team_size"):
        out[c] = dict(zip(card["rep_id"].tolist(), card[c].tolist()))
    return out


def _scorecards(reps: pd.DataFrame, kpis: list[Kpi], m: pd.DataFrame, month_quota: pd.Series, prorate):
    """Every rep's scorecard: the card (score, status, rank in team), the actuals, the targets
    scored against (the rep's sales quota; pro-rated while the month is open) and the ratios."""
    ids = reps["rep_id"].tolist()
    actuals, rep_targets = rules.scorecard_inputs(ids, [k.name for k in kpis], m, month_quota)
    ratios, scores, _, status = scorecard(ids, actuals, kpis, rep_targets, prorate) if ids else (
        np.zeros((0, len(kpis))), np.zeros(0), np.zeros(0), np.array([]))
    targets = np.where(np.isnan(rep_targets), np.array([np.nan if k.target is None else k.target for k in kpis]),
                       rep_targets)
    targets = prorated_targets(targets, kpis, prorate)
    card = pd.DataFrame({"rep_id": ids, "team": reps["team"].to_numpy(), "score": scores, "status": status})
    card["rank_in_team"] = card.groupby("team")["score"].rank(ascending=False, method="min")
    card["team_size"] = card.groupby("team")["rep_id"].transform("size")
    return card, actuals, targets, ratios


def _rep_months(x: _Month, only: set[str] | None) -> list[RepMonth]:
    view = x.view
    shared = {
        "overdue": _rows_by_owner(view[view["overdue"] & (view["tier"] != "lost")], 15),
        "down": _rows_by_owner(view[view["movement"] == "down"], 15),
        "tiers": view.groupby(["owner_rep_id", "tier"]).size().to_dict(),
        "customers": view.groupby("owner_rep_id").size().to_dict(),
        "returns": {},
    }
    for r in _returns(x.returns):
        shared["returns"].setdefault(r.rep_id, []).append(r)
    return [_rep_month(x, i, rep, shared) for i, rep in enumerate(x.reps.to_dict("records"))
            if not only or rep["rep_id"] in only or rep["team"] in only]


def _rep_month(x: _Month, i: int, rep: dict, shared: dict) -> RepMonth:
    cal, rid, r = x.cal, rep["rep_id"], x.by_rep

    def sales(ps):
        return x.total(x.sales, rid, ps)

    def target(ps):
        return x.total(x.quotas, rid, ps)

    projected = None
    if cal.open_month and target([cal.month]) > 0:
        p, a = runrate(sales([cal.month]), cal.as_of, target([cal.month]))
        projected = RunRate(round(p, 2), a)
    wd = working_days_elapsed(cal.as_of) if cal.open_month else working_days_in_month(cal.period.year, cal.period.month)
    plan = planned_activities(wd, float(rep["capacity"]))
    done = x.activities.get(rid, {})
    return RepMonth(
        key=rid, month=cal.month, as_of=cal.as_of.isoformat(), open_month=cal.open_month,
        rep=_rep_info(rep, x.team_info.get(rep["team"])),
        sales=tuple(SalesRow(label, round(sales(ps), 2), round(target(ps), 2))
                    for label, ps in (("Month", [cal.month]), ("Quarter to date", cal.quarter), ("Year to date", cal.ytd))),
        runrate=projected,
        scorecard=Scorecard(
            kpis=tuple(KpiLine(k.name, _num(x.actuals[i, j]), _num(x.targets[i, j]), _num(x.ratios[i, j]), k.weight,
                               k.direction, k.cap, _status(x.ratios[i, j], k), *x.kpi_shown[j])
                       for j, k in enumerate(x.kpis)),
            score=_num(r["score"][rid]), status=_text(r["status"][rid]), rank=_int(r["rank_in_team"][rid]),
            team_size=_int(r["team_size"][rid])),
        funnel=x.funnel.get(rid, _empty_funnel()), coaching=x.coaching.get(rid, ()),
        win_rate=_num(r["win_rate"].get(rid)), cycle_days=_num(r["cycle_days"].get(rid)),
        activities=tuple(ActivityLine(t, int(done.get(t, 0)), plan[t]) for t in plan),
        activities_note=_activities_note(x.kpis, x.targets[i], plan),
        satisfaction=Satisfaction(_num(r["month_satisfaction"].get(rid)), int(r["month_responses"].get(rid, 0)),
                                  _num(r["satisfaction"].get(rid))),
        customers=Customers(tiers=tuple(TierCount(t, int(shared["tiers"].get((rid, t), 0))) for t in TIER_ORDER),
                            overdue=shared["overdue"].get(rid, ()), moved_down=shared["down"].get(rid, ()),
                            total=int(shared["customers"].get(rid, 0))),
        returns=tuple(shared["returns"].get(rid, ())),
        trend=tuple(SalesRow(p, round(sales([p]), 2), round(target([p]), 2)) for p in cal.trend),
    )


def _rep_info(rep: dict, team: dict | None) -> RepInfo:
    return RepInfo(rep_id=rep["rep_id"], name=rep["name"], email=rep.get("email"), team=rep["team"],
                   manager=None if team is None else team["manager"],
                   manager_email=None if team is None else team["manager_email"],
                   capacity=float(rep["capacity"]),
                   hire_date=None if pd.isna(rep["hire_date"]) else rep["hire_date"].date().isoformat())


def _by_team(frame: pd.DataFrame, rep_column: str, card: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The frame's rows split by the team of the (active) rep in ``rep_column``."""
    team = frame[rep_column].map(dict(zip(card["rep_id"].tolist(), card["team"].tolist())))
    return {name: part for name, part in frame.groupby(team, sort=False)}


def _team_months(x: _Month, teams: pd.DataFrame, only: set[str] | None) -> list[TeamMonth]:
    views, returns = _by_team(x.view, "owner_rep_id", x.card), _by_team(x.returns, "rep_id", x.card)
    members = {name: part for name, part in x.card.groupby("team", sort=False)}
    names = dict(zip(x.reps["rep_id"].tolist(), x.reps["name"].tolist()))
    return [_team_month(x, name, t, members.get(name, x.card.iloc[:0]), names, views.get(name, x.view.iloc[:0]),
                        returns.get(name, x.returns.iloc[:0]))
            for name, t in teams.set_index("team").iterrows() if not only or name in only]


def _team_month(x: _Month, tid: str, t: pd.Series, members: pd.DataFrame, names: dict, tv: pd.DataFrame,
                team_returns: pd.DataFrame) -> TeamMonth:
    cal = x.cal
    member_ids = members["rep_id"].tolist()

    def target(ps):
        return x.total(x.team_targets, tid, ps)

    def sales(ps):
        return float(sum(x.sales.get((r, p), 0.0) for r in member_ids for p in ps))

    ranked = [RankedRep(r.rep_id, names[r.rep_id], round(float(x.sales.get((r.rep_id, cal.month), 0.0)), 2),
                        round(float(x.quotas.get((r.rep_id, cal.month), 0.0)), 2), _num(r.score), _text(r.status),
                        _int(r.rank_in_team))
              for r in members.sort_values(["score", "rep_id"], ascending=[False, True]).itertuples(index=False)]
    if not x.kpis:       # no scorecard: ranked by the month's sales
        ranked = [replace(r, rank=i) for i, r in enumerate(sorted(ranked, key=lambda r: (-r.actual, r.rep_id)), 1)]
    att = [attainment_of(r.actual, r.target) for r in ranked]
    big_returns = team_returns[team_returns["amount"] <= -LARGE_RETURN]
    month_target = round(target([cal.month]), 2)
    return TeamMonth(
        key=tid, month=cal.month, as_of=cal.as_of.isoformat(), open_month=cal.open_month,
        team=TeamInfo(tid, t["manager"], t["manager_email"], t.get("region")),
        reps=tuple(ranked),
        target_note=_target_note(round(sum(r.target for r in ranked), 2), month_target),
        sales=tuple(SalesRow(label, round(sales(ps), 2), round(target(ps), 2))
                    for label, ps in (("Month", [cal.month]), ("Quarter to date", cal.quarter), ("Year to date", cal.ytd))),
        trend=tuple(SalesRow(p, round(sales([p]), 2), round(target([p]), 2)) for p in cal.trend),
        funnel=_sum_funnels([x.funnel.get(r, _empty_funnel()) for r in member_ids]),
        training=_training(x, member_ids, names),
        underperformers=tuple(r for r in ranked if r.status == "red"),
        risks=Risks(behind_pace=tuple(r for r, a in zip(ranked, att) if is_behind(a, cal.prorate)),
                    overdue_high_value=_rows(tv[(tv["tier"] == "high-value") & tv["overdue"]], OVERDUE_LISTED),
                    large_returns=_returns(big_returns)),
        champion=champion_of(ranked),
        movements=Movements(counts={mv: int((tv["movement"] == mv).sum()) for mv in ("up", "same", "down", "new")},
                            moved_down=_rows(tv[tv["movement"] == "down"], 25)),
    )


def champion_of(ranked: list[RankedRep]) -> RankedRep | None:
    """The champion among ``ranked`` (``rules.champions``) on the sales booked to each rep: a
    team's, or the dashboard's among the teams' champions."""
    frame = pd.DataFrame({"rep_id": [r.rep_id for r in ranked], "sales": [r.actual for r in ranked],
                          "attainment": [attainment_of(r.actual, r.target) for r in ranked]}).astype({"attainment": float})
    best = rules.champions(frame, [])
    return ranked[best.index[0]] if len(best) else None


def _champion_spiffs(spiffs: pd.DataFrame | None, cal: _Calendar) -> tuple[str, ...]:
    if spiffs is None or not len(spiffs):
        return ()
    live = spiffs[(spiffs["rule"] == "champion") & ~(spiffs["effective_from"] > cal.end)
                  & ~(spiffs["effective_to"] < cal.start)]
    return tuple(live["spiff"].astype(str))


def _champion_note(team: TeamMonth, paid: dict, spiffs: tuple[str, ...]) -> Note | None:
    """Who the champion SPIFF is paid to and why, when it is not the champion the report names:
    the SPIFF counts credited sales (``rules.champions`` on the commission's figures)."""
    rep_id, attainment = paid.get(team.key, (None, None))
    if not spiffs or rep_id is None or (team.champion is not None and team.champion.rep_id == rep_id):
        return None
    name = next((r.name for r in team.reps if r.rep_id == rep_id), rep_id)
    return Note("The champion SPIFF ({spiff}) is paid to {name} ({rep_id}): it counts credited sales (an order "
                "shared between reps counts by each rep's share; returns are not taken off), on which {name} has "
                "the team's highest attainment, {attainment}%. The champion above is by the sales booked to "
                "each rep.", (("spiff", ", ".join(spiffs), None), ("name", name, None), ("rep_id", rep_id, None),
                              ("attainment", float(attainment) * 100, 1)))


def _target_note(rep_total: float, month_target: float) -> Note | None:
    if rep_total == month_target:
        return None
    return Note("The reps' own targets add up to {reps}; the team's target for the month is {team}. Each is "
                "phased from its own annual target in the Targets sheet.", (("reps", rep_total, 2), ("team", month_target, 2)))


def attach_commission(facts: MonthFacts, summary: pd.DataFrame) -> None:
    """Each rep's commission for the month (from the engine's summary table), and, where
    credited sales differ from the sales booked to the rep, the note that says why."""
    month = summary[summary["period"] == facts.month]
    comm = {r["rep_id"]: _commission(r) for r in month.to_dict("records")}
    facts.reps = [replace(ctx, commission=comm.get(ctx.key), sales_note=_sales_note(comm.get(ctx.key), ctx.sales[0].actual))
                  for ctx in facts.reps]
    if facts.champion_spiffs and len(month) and "team" in month.columns:
        best = rules.champions(month.assign(sales=month["sales_cents"]), ["team"])    # as the SPIFF is paid
        paid = dict(zip(best["team"], zip(best["rep_id"], best["attainment"])))
        facts.teams = [replace(t, champion_note=_champion_note(t, paid, facts.champion_spiffs)) for t in facts.teams]


def _sales_note(c: Commission | None, booked: float) -> Note | None:
    if c is None or round(c.credited_sales - booked, 2) == 0:
        return None
    # the report's sales count the orders booked to the rep; commission follows split credit
    return Note("Commission is on credited sales of {credited}: orders shared with other reps (split credit) count "
                "by each rep's share. Sales above count the orders booked to this rep: {booked}.",
                (("credited", c.credited_sales, 2), ("booked", booked, 2)))


def _activities_note(kpis: list[Kpi], targets: np.ndarray, plan: dict[str, float]) -> Note | None:
    """Why the activities section's plan and the scorecard's activities target differ, when they do."""
    at = next((j for j, k in enumerate(kpis) if k.name == "activities"), None)
    if at is None or np.isnan(targets[at]) or round(float(targets[at])) == round(sum(plan.values())):
        return None
    return Note("The scorecard's activities target ({target}) is the KPIs sheet's; the plan here ({plan}) follows "
                "the weekly cadence for the working days and the rep's capacity.",
                (("target", float(targets[at]), 0), ("plan", sum(plan.values()), 0)))


def _int(x) -> int:
    """A count or rank; 0 where there is none (no KPIs sheet: no score, no rank)."""
    x = _num(x)
    return 0 if x is None else int(x)


def _text(x) -> str:
    return "" if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)


def _num(x):
    if x is None:
        return None
    x = float(x)
    return None if np.isnan(x) else x


def _status(ratio, k: Kpi) -> str:
    return str(status_of(np.nan if ratio is None else ratio, k.green, k.amber))


def _funnel_counts(opps: pd.DataFrame) -> dict[str, list[dict]]:
    counts = reached_by(opps["rep_id"], opps["stage"], opps["lost_stage"] if "lost_stage" in opps.columns else None)
    out = {}
    for rid, row in zip(counts.index, counts.to_numpy()):
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
