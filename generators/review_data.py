"""The weekly review's facts (周报), computed once for all reps and teams (vectorized: each sheet
grouped once, then cut per rep with dict look-ups), then one frozen ``RepWeek`` / ``TeamWeek``
per report.

What the week counts, and why:
- Sales: the week's net sales against its target are ``period_summary.period_figures``' (the one
  phasing: ``engine_args.period_targets``); while the week is open, its target to date too. The
  month to date is the month of the week's as-of day (``reviewed_month``: the week 2026-W40, 28 Sep
  to 4 Oct, with data to 4 Oct reviews October to date), from its first day to the as-of day, against the month's target pro-rated by
  its working days passed (``rules.elapsed_share``), as the period summary pro-rates.
- The pipeline's week: deals created, won and lost in the week; slipped deals: open on the as-of
  day (created by then, not closed by then) with an expected close on or before it (the forecast's
  rule, ``forecast.has_slipped``); next week's list:
  deals open on the as-of day expected to close in the next ISO week. Without any expected_close
  (the column is optional) those two lists are None and the review says what they need.
- Stage moves, from the optional OpportunityHistory sheet: a row dated in the week whose stage is
  later (advanced) or earlier (moved back) in ``funnel.DEFAULT_ORDER`` than the deal's previous row
  (by date, then sheet row). A deal's first row is its creation, not a move; a row to or from
  lost is a lost deal, not a move.
- Activities: those that count, to the as-of day, against the weekly cadence for the week's working
  days to the same day and the rep's capacity (``kpi.planned_activities``).
- Revisits falling due in the next ISO week (``tiering.customer_view`` as of the as-of day; lost
  customers are not listed, as the monthly overdue list leaves them out).
- The forecast: the monthly report's (``report_forecast.month_forecast``, against the same rep
  quotas and team targets) for that month and its quarter, those still open
  on the as-of day, for the week's reps; a team's is the exact sum of its reps'.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from addin.engine import rules
from addin.engine.calendar import working_days
from addin.engine.forecast import has_slipped
from addin.engine.funnel import DEFAULT_ORDER
from addin.engine.kpi import attainment_of, planned_activities
from addin.engine.money import cents_of, exact_sum
from addin.engine.tiering import customer_view
from workbooks.engine_args import period_targets_to_date, seasonality_weights, team_targets
from workbooks.schema import ROW

from .monthdata import MonthData
from .period_model import PeriodFacts
from .period_summary import PeriodFigures, period_figures
from .periods import LAST_YEAR, Period, parse_period
from .report_data import _left_out_by_team, _records, _rep_info, champion_of
from .report_forecast import MonthForecast, month_forecast, open_spans, spans
from .report_model import ActivityLine, CustomerRow, RankedRep, SalesRow, TeamInfo, is_behind
from .review_model import Deal, NextWeek, Pipeline, RepLine, RepWeek, StageMove, TeamWeek

HISTORY = "OpportunityHistory"
DEAL_KINDS = ("created", "won", "lost", "slipped", "closing")
MOVE_KINDS = ("advanced", "moved_back")


@dataclass
class _Week:
    """What every rep's and team's review draws on, computed once for the week."""
    period: Period
    figures: PeriodFigures
    month: str
    next_week: Period
    reps: dict                       # rep_id -> its Reps row (dict)
    team_info: dict                  # team -> its Teams row
    week_target_cents: dict          # rep_id / team -> the week's target in cents
    to_date: dict                    # rep_id / team -> the week's target to date (open week), currency
    sales: dict                      # rep_id -> the week's net sales, cents
    mtd_sales: dict                  # rep_id -> month-to-date net sales, cents
    mtd_target: dict                 # rep_id / team -> month-to-date target, currency
    deals: dict                      # (rep_id, kind) -> [Deal]
    moves: dict                      # (rep_id, kind) -> [StageMove]
    has_expected: bool
    has_history: bool
    activities: dict                 # rep_id -> {type: count}
    working_days: int
    revisits: dict                   # rep_id -> [CustomerRow]

    @property
    def as_of(self) -> dt.date:
        return self.figures.as_of

    @property
    def open_week(self) -> bool:
        return self.figures.elapsed is not None


def review_facts(md: MonthData, period: Period, only: set[str] | None = None) -> PeriodFacts:
    """Every rep's and team's weekly review of ``period`` (an ISO week)."""
    if period.kind != "week":
        raise ValueError(f"the weekly review is for an ISO week such as 2026-W41; got {period.key}")
    w = _week(md, period)
    members: dict[str, list[str]] = {}
    for rid, rep in w.reps.items():
        members.setdefault(rep["team"], []).append(rid)
    reps = [_rep_week(w, rid) for rid, rep in w.reps.items() if not only or rid in only or rep["team"] in only]
    teams = [_team_week(w, team, members.get(team, [])) for team in w.figures.teams["team"].tolist()
             if not only or team in only]
    left_out = _left_out_by_team(md) if md.bad_reps else {}
    reps = [replace(r, lang=md.language, missing=md.missing) for r in reps]
    teams = [replace(t, lang=md.language, missing=md.missing, left_out=left_out.get(t.key, ())) for t in teams]
    # where the week's month and quarter will land, while open: in the review of the week the data end
    # in only, for the pipeline is known as it is now, not as it stood on a past week's as-of day
    if open_spans(w.month, w.as_of) and w.as_of == _data_end(md):
        fc = _forecast(md, w)
        reps = [replace(r, forecast=fc.reps.get(r.key)) for r in reps]
        teams = [replace(t, forecast=fc.teams.get(t.key)) for t in teams]
    return PeriodFacts(period, w.as_of, w.open_week, reps, teams, None, md.language, left_out)


def _data_end(md: MonthData) -> dt.date:
    """The workbook's as-of day: its latest order line that counts."""
    orders = md.frames["Orders"]
    return rules.as_of_in(orders["order_date"], orders["status"], dt.date(LAST_YEAR, 12, 31))


def _week(md: MonthData, period: Period) -> _Week:
    f = md.frames
    figures = period_figures(md, period)
    as_of = figures.as_of
    month = reviewed_month(period, as_of)
    reps = f["Reps"].drop_duplicates("rep_id").set_index("rep_id")
    reps = reps.loc[figures.reps["rep_id"]].reset_index()
    nxt = parse_period(_iso_week(period.last + dt.timedelta(days=1)))
    days = max(0, int(working_days(period.first, min(as_of, period.last) + dt.timedelta(days=1))))
    deals, has_expected = _deals(f, period, as_of, nxt)
    moves = _moves(f, period)
    acts = f["Activities"]
    # to the as-of day, as the plan they are held against (the week's working days to it)
    in_week = acts[(acts["date"] >= pd.Timestamp(period.first)) & (acts["date"] <= pd.Timestamp(min(as_of, period.last)))]
    return _Week(
        period=period, figures=figures, month=month, next_week=nxt,
        reps={r["rep_id"]: r for r in reps.to_dict("records")},
        team_info=f["Teams"].drop_duplicates("team").set_index("team").to_dict("index"),
        week_target_cents=_week_targets(figures), to_date=_to_date(figures),
        sales=dict(zip(figures.reps["rep_id"], np.round(figures.reps["net_sales"].to_numpy() * 100).astype(np.int64).tolist())),
        mtd_sales=_month_sales(f["Orders"], month, as_of), mtd_target=_month_targets(f, month, as_of),
        deals=deals, moves=moves, has_expected=has_expected, has_history=HISTORY in md.data.frames,
        activities=in_week.groupby(["rep_id", "type"]).size().unstack(fill_value=0).to_dict("index"),
        working_days=days, revisits=_revisits(md, period, as_of, nxt))


def _iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# --- sales and targets ----------------------------------------------------------------------

def _week_targets(figures: PeriodFigures) -> dict:
    reps = dict(zip(figures.reps["rep_id"], np.round(figures.reps["target"].to_numpy() * 100).astype(np.int64).tolist()))
    teams = dict(zip(figures.teams["team"], np.round(figures.teams["target"].to_numpy() * 100).astype(np.int64).tolist()))
    return {**reps, **teams}


def _to_date(figures: PeriodFigures) -> dict:
    """The week's target to date while it is open (``engine_args.period_targets_to_date``, in
    ``period_figures``)."""
    if figures.elapsed is None:
        return {}
    return {**dict(zip(figures.reps["rep_id"], figures.reps["to_date"])),
            **dict(zip(figures.teams["team"], figures.teams["to_date"]))}


def reviewed_month(week: Period, as_of: dt.date) -> str:
    """The month a week's review runs to date: the month of its as-of day, kept within the week
    (the week 2026-W40, 28 Sep to 4 Oct, with data to 4 Oct reviews October to date; the week
    2026-W44, 26 Oct to 1 Nov, with data to Friday 30 Oct reviews October, not a November not begun)."""
    return min(max(as_of, week.first), week.last).strftime("%Y-%m")


def _month_sales(orders: pd.DataFrame, month: str, as_of: dt.date) -> dict:
    """Each rep's net sales, in cents, from the first of ``month`` to the as-of day."""
    first, _ = rules.month_bounds(month)
    live = orders[rules.counted(orders["status"])]
    part = live[(live["order_date"] >= first) & (live["order_date"] <= pd.Timestamp(as_of))]
    cents = pd.Series(cents_of(part["amount"].to_numpy()), index=part.index)
    return {rep: int(c) for rep, c in cents.groupby(part["rep_id"]).sum().items()}


def _month_targets(frames: dict, month: str, as_of: dt.date) -> dict:
    """Each rep's and team's target for ``month`` to the as-of day (the one rule of a target to
    date, ``engine_args.period_targets_to_date``: all of it once no working day remains)."""
    teams, reps = period_targets_to_date(frames, (month,), None, as_of)
    return {**{k: c / 100 for k, c in reps.items()}, **{k: c / 100 for k, c in teams.items()}}


def _forecast(md: MonthData, w: _Week) -> MonthForecast:
    """The monthly report's forecast of the week's month and quarter for the week's reps, against
    the targets the monthly reports use: the reps' quotas and the teams' phased targets."""
    f, months = md.frames, spans(w.month)[1].months
    quotas = md.quotas[md.quotas["period"].isin(months)]
    quotas = dict(zip(zip(quotas["rep_id"], quotas["period"]), (quotas["quota_cents"] / 100).tolist()))
    teams = team_targets(f["Targets"], seasonality_weights(f), [int(w.month[:4])])
    teams = dict(zip(zip(teams["team"], teams["period"]), teams["target"].tolist()))
    card = w.figures.reps[["rep_id", "team"]]
    return month_forecast(f, card, w.month, w.as_of, quotas, teams)


# --- the pipeline's week --------------------------------------------------------------------

def _deals(frames: dict, period: Period, as_of: dt.date, nxt: Period) -> tuple[dict, bool]:
    """(rep_id, kind) -> [Deal] for the week's created, won, lost and slipped deals and those
    expected to close next week; and whether any deal has an expected close."""
    opps = frames["Opportunities"]
    first, last, day = pd.Timestamp(period.first), pd.Timestamp(period.last), pd.Timestamp(as_of)
    expected = opps["expected_close"] if "expected_close" in opps.columns else pd.Series(pd.NaT, index=opps.index)
    has_expected = bool(expected.notna().any())
    open_then = (opps["created"] <= day) & (opps["closed"].isna() | (opps["closed"] > day))
    picks = {
        "created": (opps["created"].between(first, last), opps["created"]),
        "won": ((opps["stage"] == "won") & opps["closed"].between(first, last), opps["closed"]),
        "lost": ((opps["stage"] == "lost") & opps["closed"].between(first, last), opps["closed"]),
        "slipped": (open_then & has_slipped(expected, as_of), expected),
        "closing": (open_then & expected.between(pd.Timestamp(nxt.first), pd.Timestamp(nxt.last)), expected),
    }
    parts = [opps.loc[mask, ["opp_id", "rep_id", "customer_id", "stage", "amount"]].assign(kind=kind, date=when[mask])
             for kind, (mask, when) in picks.items()]
    listed = pd.concat(parts, ignore_index=True).sort_values(["rep_id", "kind", "date", "opp_id"], kind="stable")
    names = _customer_names(frames)
    out: dict = {}
    for kind, rep, opp, cust, stage, amount, when in zip(
            listed["kind"].tolist(), listed["rep_id"].tolist(), listed["opp_id"].tolist(),
            listed["customer_id"].tolist(), listed["stage"].tolist(), listed["amount"].tolist(), _iso(listed["date"])):
        cust = _blank(cust)
        out.setdefault((rep, kind), []).append(Deal(opp, rep, cust, names.get(cust), stage, _amount(amount), when))
    return out, has_expected


def _moves(frames: dict, period: Period) -> dict:
    """(rep_id, "advanced" | "moved_back") -> [StageMove] of the week, from OpportunityHistory."""
    hist = frames[HISTORY]
    opps = frames["Opportunities"][["opp_id", "rep_id", "customer_id"]]
    rank = {s: i for i, s in enumerate(DEFAULT_ORDER)}
    rows = hist.merge(opps, on="opp_id", how="inner").sort_values(["opp_id", "date", ROW], kind="stable")
    rows["rank"] = rows["stage"].map(rank).astype(float)
    grouped = rows.groupby("opp_id", sort=False)
    rows["from_stage"], rows["from_rank"] = grouped["stage"].shift(), grouped["rank"].shift()
    in_week = rows["date"].between(pd.Timestamp(period.first), pd.Timestamp(period.last))
    rows["kind"] = np.where(rows["rank"] > rows["from_rank"], "advanced",
                            np.where(rows["rank"] < rows["from_rank"], "moved_back", ""))
    week = rows[in_week & (rows["kind"] != "")].sort_values(["rep_id", "date", "opp_id", ROW], kind="stable")
    amounts = week["amount"] if "amount" in week.columns else pd.Series(np.nan, index=week.index)
    names = _customer_names(frames)
    out: dict = {}
    for kind, rep, opp, cust, when, was, now, amount in zip(
            week["kind"].tolist(), week["rep_id"].tolist(), week["opp_id"].tolist(), week["customer_id"].tolist(),
            _iso(week["date"]), week["from_stage"].tolist(), week["stage"].tolist(), amounts.tolist()):
        cust = _blank(cust)
        out.setdefault((rep, kind), []).append(StageMove(opp, rep, cust, names.get(cust), when, was, now, _amount(amount)))
    return out


def _customer_names(frames: dict) -> dict:
    c = frames["Customers"].drop_duplicates("customer_id")
    return dict(zip(c["customer_id"].tolist(), c["name"].tolist()))


def _iso(dates: pd.Series) -> list[str]:
    return [None if pd.isna(d) else d.isoformat() for d in dates.dt.date.tolist()]


def _blank(value):
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def _amount(value) -> float | None:
    """A deal's amount, None where the sheet leaves it blank (shown blank, counted as 0)."""
    value = _blank(value)
    return None if value is None else float(value)


# --- next week's revisits -------------------------------------------------------------------

def _revisits(md: MonthData, period: Period, as_of: dt.date, nxt: Period) -> dict:
    """owner rep_id -> [CustomerRow] of the customers whose revisit falls due in the next ISO week."""
    f = md.frames
    view = customer_view(f["Orders"], f["Activities"], f["Customers"], as_of, period.first - dt.timedelta(days=1),
                         contacts_logged="Activities" not in md.missing)
    due = view[view["next_revisit"].between(pd.Timestamp(nxt.first), pd.Timestamp(nxt.last)) & (view["tier"] != "lost")]
    out: dict = {}
    for row in _records(due.sort_values(["owner_rep_id", "next_revisit", "customer_id"], kind="stable")):
        out.setdefault(row.owner_rep_id, []).append(row)
    return out


# --- one report each ------------------------------------------------------------------------

def _sales_rows(w: _Week, key: str, actual_cents: int, mtd_cents: int) -> tuple[SalesRow, ...]:
    actual = actual_cents / 100
    rows = [SalesRow("Week", actual, w.week_target_cents.get(key, 0) / 100)]
    if w.open_week:
        rows.append(SalesRow("Week to date", actual, float(w.to_date.get(key, 0.0))))
    rows.append(SalesRow("Month to date", mtd_cents / 100, float(w.mtd_target.get(key, 0.0))))
    return tuple(rows)


def _pipeline(w: _Week, rep_ids: list[str]) -> Pipeline:
    def deals(kind):
        return tuple(sorted((d for r in rep_ids for d in w.deals.get((r, kind), ())), key=lambda d: (d.date, d.opp_id)))

    def moves(kind):
        return tuple(sorted((m for r in rep_ids for m in w.moves.get((r, kind), ())), key=lambda m: (m.date, m.opp_id)))
    return Pipeline(deals("created"), deals("won"), deals("lost"), deals("slipped") if w.has_expected else None,
                    moves("advanced") if w.has_history else None, moves("moved_back") if w.has_history else None)


def _activities(w: _Week, rep_ids: list[str]) -> tuple[ActivityLine, ...]:
    done: dict[str, int] = {}
    plan: dict[str, float] = {}
    for rid in rep_ids:
        for kind, n in planned_activities(w.working_days, float(w.reps[rid]["capacity"])).items():
            plan[kind] = plan.get(kind, 0.0) + n
            done[kind] = done.get(kind, 0) + int(w.activities.get(rid, {}).get(kind, 0))
    if not rep_ids:
        plan = planned_activities(w.working_days, 0.0)
    return tuple(ActivityLine(kind, done.get(kind, 0), plan[kind]) for kind in plan)


def _next_week(w: _Week, rep_ids: list[str]) -> NextWeek:
    revisits: list[CustomerRow] = [c for r in rep_ids for c in w.revisits.get(r, ())]
    closing = tuple(sorted((d for r in rep_ids for d in w.deals.get((r, "closing"), ())), key=lambda d: (d.date, d.opp_id)))
    return NextWeek(w.next_week.first.isoformat(), w.next_week.last.isoformat(),
                    tuple(sorted(revisits, key=lambda c: (c.next_revisit or "", c.customer_id))),
                    closing if w.has_expected else None)


def _common(w: _Week) -> dict:
    return {"week": w.period.key, "first": w.period.first.isoformat(), "last": w.period.last.isoformat(),
            "month": w.month, "as_of": w.as_of.isoformat(), "open_week": w.open_week}


def _rep_week(w: _Week, rid: str) -> RepWeek:
    rep = w.reps[rid]
    return RepWeek(key=rid, **_common(w), rep=_rep_info(rep, w.team_info.get(rep["team"])),
                   sales=_sales_rows(w, rid, w.sales[rid], int(w.mtd_sales.get(rid, 0))),
                   pipeline=_pipeline(w, [rid]), activities=_activities(w, [rid]), working_days=w.working_days,
                   next_week=_next_week(w, [rid]))


def _team_week(w: _Week, team: str, member_ids: list[str]) -> TeamWeek:
    ranked = _ranked_on_week(w, member_ids)
    behind = tuple(r for r in ranked if is_behind(attainment_of(r.actual, r.target), w.figures.elapsed))
    info = w.team_info.get(team, {})
    week_cents = sum(w.sales[r] for r in member_ids)
    mtd_cents = sum(int(w.mtd_sales.get(r, 0)) for r in member_ids)
    return TeamWeek(key=team, **_common(w),
                    team=TeamInfo(team, _blank(info.get("manager")), _blank(info.get("manager_email")),
                                  _blank(info.get("region"))),
                    reps=ranked, behind=behind,
                    to_date=tuple(float(w.to_date[r.rep_id]) for r in ranked) if w.open_week else None, champion=champion_of(list(ranked)),
                    sales=_sales_rows(w, team, week_cents, mtd_cents),
                    lines=tuple(_rep_line(w, r.rep_id) for r in ranked),
                    pipeline=_pipeline(w, member_ids), activities=_activities(w, member_ids),
                    working_days=w.working_days, next_week=_next_week(w, member_ids))


def _ranked_on_week(w: _Week, member_ids: list[str]) -> tuple[RankedRep, ...]:
    """The team's reps ranked on the week: attainment (reps without a target last), then sales, then rep_id."""
    rows = [(rid, w.sales[rid] / 100, w.week_target_cents.get(rid, 0) / 100) for rid in member_ids]
    rows.sort(key=lambda r: (attainment_of(r[1], r[2]) is None, -(attainment_of(r[1], r[2]) or 0.0), -r[1], r[0]))
    return tuple(RankedRep(rid, str(w.reps[rid]["name"]), actual, target, None, "", i)
                 for i, (rid, actual, target) in enumerate(rows, start=1))


def _rep_line(w: _Week, rid: str) -> RepLine:
    def n(kind):
        return len(w.deals.get((rid, kind), ()))

    def m(kind):
        return len(w.moves.get((rid, kind), ())) if w.has_history else None
    won = w.deals.get((rid, "won"), ())
    acts = _activities(w, [rid])
    return RepLine(rid, str(w.reps[rid]["name"]), n("created"), n("won"),
                   exact_sum([d.amount or 0.0 for d in won]), n("lost"),
                   n("slipped") if w.has_expected else None, m("advanced"), m("moved_back"),
                   sum(a.actual for a in acts), sum(a.planned for a in acts), len(w.revisits.get(rid, ())),
                   n("closing") if w.has_expected else None)
