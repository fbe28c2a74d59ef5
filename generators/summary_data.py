"""The quarter's and year's summaries (季度总结、年度总结) for every rep, team and the company,
computed once for all of them (vectorized over the period's frames, then cut with dict look-ups).

Net sales and the period's targets are ``period_summary.period_figures``' (the orders that count,
by the order's rep; ``engine_args.period_targets``, the one phasing); each month's target is the
same phasing for that month, so the months add up to the period exactly. Growth compares the
period (to date) with the same days a year before, only where the orders reach back to that
span's first day. The KPI scorecard measures each KPI over the whole period (``period_kpi_target``
states its targets' rule); tier movements compare the customers' tiers on the day before the
period with its last (or as-of) day; commission is each month's statement (the engine's summary
for that month) added up in cents.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from addin.engine import rules
from addin.engine.calendar import month_labels
from addin.engine.kpi import Kpi, attainment_of, scorecard
from addin.engine.measures import MeasurePeriod, rep_measures, team_measures
from addin.engine.money import exact_sum
from addin.engine.tiering import customer_view
from workbooks.engine_args import seasonality_weights, team_targets
from workbooks.kpis import scorecard_kpis

from .monthdata import MonthData
from .period_model import PeriodFacts
from .period_summary import period_figures
from .periods import Period
from .report_data import (_kpi_shown, _left_out_by_team, _num, _records, _rep_info, _returns, _rows,
                          _rows_by_owner, _status, champion_of)
from .report_model import KpiLine, RankedRep, SalesRow, TeamInfo
from .summary_model import (BestWorst, CompanySummary, Growth, MonthCommission, PeriodCommission, PeriodReturns,
                            PeriodScorecard, RankedTeam, RepSummary, TeamSummary, TierMoves)

COMPANY = "company"
LARGEST_RETURNS = 10        # return lines a summary lists (the largest)
MOVED_DOWN_LISTED = 25      # customers moved down a tier a summary lists (the most valuable)
MOVEMENTS = ("up", "same", "down", "new")
# the period's own row and its to-date row, as each format words them (English message ids)
PERIOD_LABELS = {"quarter": ("Quarter", "Quarter to date"), "year": ("Year", "Year to date")}


def period_kpi_target(kpi: Kpi, months: float, reps: int = 1) -> float | None:
    """A KPI's target over ``months`` months due (``rules.month_shares``) for ``reps`` reps: the one rule.

    A KPI that accumulates (the catalogue's ``cumulative``; a measure of one's own as its measure
    counts: a count or a sum) is measured over the whole period and summed over a team's reps,
    so its target is the KPIs sheet's monthly target x the months x the reps. Any other (a rate,
    a mean: win rate, margin %, satisfaction) is taken over the period's rows and keeps its
    monthly target as it is. The sales KPIs are not here: they are scored against the period's
    target (``engine_args.period_targets``), to date while it is open. While the period is open the
    months due are those passed and the month in progress by its working days passed
    (``rules.month_shares``), the one rule of a target to date."""
    if kpi.target is None:
        return None
    return kpi.target * months * reps if kpi.accumulates else kpi.target


@dataclass
class _Period:
    """What every summary of the period draws on, computed once."""
    period: Period
    as_of: dt.date
    elapsed: float | None
    months: list[str]               # the period's months up to the as-of month
    complete: list[str]             # of those, the months no longer open
    reps: pd.DataFrame              # rep_id, name, team, net_sales, target, attainment, rank (in the team), size
    teams: pd.DataFrame             # team, manager, net_sales, target, attainment, rank, size
    rep_rows: dict                  # rep_id -> its Reps row
    team_info: dict                 # team -> its Teams row
    month_sales: dict               # (rep_id, month) -> net sales
    month_targets: dict             # (rep_id or ("team", team), month) -> target cents
    growth: dict                    # rep_id -> net sales of the span a year before (None: not reached)
    prior: tuple[str, str]          # that span's first and last day
    cards: dict                     # "rep" / "team" / "company" -> {key: PeriodScorecard}
    view: pd.DataFrame              # customers: tier at the start and at the end, movement
    returns: pd.DataFrame           # the period's returned lines of the reps in the summaries
    commission: pd.DataFrame | None  # the engine's summary rows of the months, or None (no Plans)
    lang: str
    missing: tuple[str, ...]
    # the same cut once by rep and by team (one pass each), for dict look-ups per summary
    rep_index: dict = None          # rep_id -> its row of ``reps``
    team_index: dict = None         # team -> its row of ``teams``
    members: dict = None            # team -> its rows of ``reps``
    moves: dict = None              # (rep_id or ("team", team), movement) -> customers
    moved_down: dict = None         # rep_id or ("team", team) -> CustomerRow*, the most valuable first
    return_lines: dict = None       # rep_id or ("team", team) -> ReturnLine*, the largest first
    earned: dict = None             # (rep_id, month) -> (earned cents, paid cents)

    def cut(self) -> "_Period":
        team_of = dict(zip(self.reps["rep_id"], self.reps["team"]))
        self.rep_index = self.reps.set_index("rep_id").to_dict("index")
        self.team_index = self.teams.set_index("team").to_dict("index")
        self.members = dict(tuple(self.reps.groupby("team", sort=False)))
        view = self.view.assign(team=self.view["owner_rep_id"].map(team_of))
        self.moves = view.groupby(["owner_rep_id", "movement"]).size().to_dict()
        self.moves.update({(("team", t), mv): n for (t, mv), n in view.groupby(["team", "movement"]).size().items()})
        down = view[view["movement"] == "down"]
        self.moved_down = _rows_by_owner(down, MOVED_DOWN_LISTED)
        self.moved_down.update({("team", t): rows for t, rows in _rows_by_team(down, MOVED_DOWN_LISTED).items()})
        self.return_lines = {}
        for line in _returns(self.returns):          # the largest first: each list keeps that order
            self.return_lines.setdefault(line.rep_id, []).append(line)
            self.return_lines.setdefault(("team", team_of[line.rep_id]), []).append(line)
        c = self.commission
        self.earned = {} if c is None else {(r, m): (int(e), int(p)) for r, m, e, p in zip(
            c["rep_id"], c["period"], c["earned_cents"], c["paid_cents"])}
        return self


def summary_facts(md: MonthData, period: Period, only: set[str] | None = None,
                  commission=None) -> PeriodFacts:
    """Every rep's, team's and the company's summary of ``period`` (a quarter or a year).
    ``commission``: the commission engine's summary table through the period's last month with
    data (the run's, against its ledger); without it, computed here from the workbook."""
    x = _period(md, period, commission)
    left_out = _left_out_by_team(md) if md.bad_reps else {}
    reps = [_rep_summary(x, rid) for rid, team in zip(x.reps["rep_id"], x.reps["team"])
            if not only or rid in only or team in only]
    teams = [_team_summary(x, team, left_out.get(team, ())) for team in x.teams["team"] if not only or team in only]
    company = None if only else _company_summary(x, tuple(r for v in left_out.values() for r in v))   # full runs
    open_period = x.elapsed is not None
    return PeriodFacts(period, x.as_of, open_period, reps, teams, company, md.language, left_out)


def _period(md: MonthData, period: Period, commission) -> _Period:
    f = md.frames
    figures = period_figures(md, period)
    as_of = figures.as_of
    months = [m for m in period.months if m <= as_of.strftime("%Y-%m")]
    reps, teams = _ranked(figures.reps, ["team"]), _ranked(figures.teams, [])
    included = reps["rep_id"].tolist()
    span_end = min(as_of, period.last)
    growth, prior = _growth(f["Orders"], period, span_end, included)
    return _Period(
        period=period, as_of=as_of, elapsed=figures.elapsed, months=months,
        complete=[m for m in months if not rules.is_open(as_of, m) and m >= _first_month(f["Orders"])],
        reps=reps, teams=teams,
        rep_rows=f["Reps"].drop_duplicates("rep_id").set_index("rep_id").to_dict("index"),
        team_info=f["Teams"].drop_duplicates("team").set_index("team").to_dict("index"),
        month_sales=_month_sales(f["Orders"], period), month_targets=_month_targets(md, months),
        growth=growth, prior=prior, cards=_cards(md, period, reps, teams, as_of if figures.elapsed is not None else None),
        view=_view(md, period, span_end, included),
        returns=_period_returns(f["Orders"], period, included),
        commission=_commission(md, months, commission), lang=md.language, missing=md.missing).cut()


def _ranked(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``frame`` (net_sales, target) with attainment and its rank (within ``by``): the highest
    attainment first, then the higher sales, then the id; those without a target after them."""
    key = "rep_id" if "rep_id" in frame.columns else "team"
    out = frame.assign(attainment=[attainment_of(a, t) for a, t in zip(frame["net_sales"], frame["target"])])
    out["attainment"] = out["attainment"].astype(float)
    out = out.sort_values([*by, "attainment", "net_sales", key], ascending=[True] * len(by) + [False, False, True],
                          na_position="last", kind="stable")
    out["rank"] = (out.groupby(by).cumcount() + 1) if by else np.arange(1, len(out) + 1)
    out["size"] = out.groupby(by)[key].transform("size") if by else len(out)
    return out.reset_index(drop=True)


def _live_between(orders: pd.DataFrame, first, last) -> pd.DataFrame:
    live = orders[rules.counted(orders["status"])]
    return live[(live["order_date"] >= pd.Timestamp(first)) & (live["order_date"] <= pd.Timestamp(last))]


def _month_sales(orders: pd.DataFrame, period: Period) -> dict:
    live = _live_between(orders, period.first, period.last)
    return live.groupby([live["rep_id"], month_labels(live["order_date"])])["amount"].sum().to_dict()


def _month_targets(md: MonthData, months: list[str]) -> dict:
    """Each rep's and team's target (cents) of each month: the one monthly phasing that
    ``engine_args.period_targets`` adds up for a quarter or a year (a month's part is the month
    whole), so the months add up to the period exactly."""
    years = sorted({int(m[:4]) for m in months})
    teams = team_targets(md.frames["Targets"], seasonality_weights(md.frames), years)
    teams = teams[teams["period"].isin(months)]
    quotas = md.quotas[md.quotas["period"].isin(months)]
    out = {(("team", t), m): int(round(v * 100)) for t, m, v in zip(teams["team"], teams["period"], teams["target"])}
    out.update({(r, m): int(c) for r, m, c in zip(quotas["rep_id"], quotas["period"], quotas["quota_cents"])})
    return out


def _year_before(day: dt.date) -> dt.date:
    """The same day a year before (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _growth(orders: pd.DataFrame, period: Period, span_end: dt.date, reps: list[str]) -> tuple[dict, tuple]:
    """Each rep's net sales of the period's span (its first day to ``span_end``) a year before,
    or {} when the orders do not reach back to that span's first day."""
    first, last = _year_before(period.first), _year_before(span_end)
    dates = orders["order_date"].dropna()
    if dates.empty or dates.min() > pd.Timestamp(first):
        return {}, (first.isoformat(), last.isoformat())
    before = _live_between(orders, first, last).groupby("rep_id")["amount"].sum()
    return {r: float(before.get(r, 0.0)) for r in reps}, (first.isoformat(), last.isoformat())


def _view(md: MonthData, period: Period, span_end: dt.date, reps: list[str]) -> pd.DataFrame:
    f = md.frames
    view = customer_view(f["Orders"], f["Activities"], f["Customers"], span_end,
                         period.first - dt.timedelta(days=1), contacts_logged="Activities" not in md.missing)
    return view[view["owner_rep_id"].isin(reps)]


def _period_returns(orders: pd.DataFrame, period: Period, reps: list[str]) -> pd.DataFrame:
    live = _live_between(orders, period.first, period.last)
    return live[(live["status"] == "returned") & live["rep_id"].isin(reps)]


def _commission(md: MonthData, months: list[str], summary) -> pd.DataFrame | None:
    """The engine's summary rows (rep, month, earned_cents, paid_cents) of the period's months up to
    the as-of month: each month's statement. ``summary``: the engine's table, or a function of the
    last month giving it (the run's: against OUT's ledger, so a closed month's issued figures stand).
    None without a Plans sheet."""
    if "Plans" in md.missing:
        return None
    if not months:
        return pd.DataFrame({"rep_id": [], "period": [], "earned_cents": [], "paid_cents": []})
    if callable(summary):
        summary = summary(months[-1])
    if summary is None:
        from addin.engine.commission import compute
        from workbooks.engine_args import commission_inputs
        summary = compute(commission_inputs(md.frames, md.quotas), months[-1]).summary
    return summary[summary["period"].isin(months)][["rep_id", "period", "earned_cents", "paid_cents"]]


# --- the KPI scorecards ------------------------------------------------------------------------

def _cards(md: MonthData, period: Period, reps: pd.DataFrame, teams: pd.DataFrame, open_as_of) -> dict:
    """Every rep's, team's and the company's scorecard over the period; while it is open
    (``open_as_of``), against the targets due by that day (``rules.month_shares``: the sales KPIs
    against the target to date, a cumulative KPI's monthly target for the months due)."""
    f = md.frames
    kpis, own = scorecard_kpis(f["KPIs"])
    if not kpis:
        return {"rep": {}, "team": {}, COMPANY: {}}
    names = [k.name for k in kpis]
    start, end = pd.Timestamp(period.first), pd.Timestamp(period.last)
    span = MeasurePeriod(start, end, start)           # every KPI over the whole period
    next_month = (pd.Period(period.months[-1], "M") + 1).strftime("%Y-%m")
    next_quota = md.quotas[md.quotas["period"] == next_month].set_index("rep_id")["quota_cents"] / 100
    rep_team = dict(zip(reps["rep_id"], reps["team"]))
    shown = _kpi_shown(f["KPIs"], own)
    n = len(period.months) if open_as_of is None else sum(rules.month_shares(period.months, open_as_of))
    due = "target" if open_as_of is None else "to_date"        # the sales KPIs' target: to date while open
    rep_m = rep_measures(f, span, names, reps["rep_id"], next_quota, own)
    team_m = team_measures(f, span, names, rep_team, next_quota, own)
    all_m = team_measures(f, span, names, dict.fromkeys(rep_team, COMPANY), next_quota, own)
    members = reps.groupby("team").size()
    return {
        "rep": _scored(reps["rep_id"].tolist(), rep_m, reps[due].tolist(), [1] * len(reps), kpis, shown, n),
        "team": _scored(teams["team"].tolist(), team_m, teams[due].tolist(),
                        members.reindex(teams["team"]).fillna(0).tolist(), kpis, shown, n),
        COMPANY: _scored([COMPANY], all_m, [float(exact_sum(teams[due]))], [len(reps)], kpis, shown, n)}


def _scored(ids: list[str], measures: pd.DataFrame, sales_targets: list[float], heads: list[int], kpis: list[Kpi],
            shown: list[tuple[str, str]], months: float) -> dict:
    """Each id's scorecard: actuals, the period's targets (``period_kpi_target``; the sales KPIs
    against the period's sales target), attainment and the weighted score."""
    if not ids:
        return {}
    quota = pd.Series(sales_targets, index=ids, dtype=float).where(lambda s: s > 0)
    actuals, targets = rules.scorecard_inputs(ids, [k.name for k in kpis], measures, quota)
    for j, k in enumerate(kpis):
        if np.isnan(targets[:, j]).all():
            targets[:, j] = [np.nan if (t := period_kpi_target(k, months, h)) is None else t for h in heads]
    actuals = np.where(np.isnan(targets) | (targets <= 0), np.nan, actuals)    # nothing to score against
    ratios, scores, _, status = scorecard(ids, actuals, kpis, targets, None)     # the targets are already due
    shown_targets = targets
    return {rid: PeriodScorecard(
        tuple(KpiLine(k.name, _num(actuals[i, j]), _num(shown_targets[i, j]), _num(ratios[i, j]), k.weight,
                      k.direction, k.cap, _status(ratios[i, j], k), *shown[j]) for j, k in enumerate(kpis)),
        _num(scores[i]), "" if _num(scores[i]) is None else str(status[i])) for i, rid in enumerate(ids)}


# --- one summary -------------------------------------------------------------------------------

def _sales_rows(x: _Period, actual: float, target: float, due: float | None) -> tuple[SalesRow, ...]:
    """The period's own row, and while it is open its to-date row against ``due``, the target to
    date (``engine_args.period_targets_to_date``: the months passed and the month in progress
    pro-rated by its working days passed)."""
    whole, to_date = PERIOD_LABELS[x.period.kind]
    rows = [SalesRow(whole, round(actual, 2), round(target, 2))]
    if x.elapsed is not None:
        rows.append(SalesRow(to_date, round(actual, 2), round(float(due or 0.0), 2)))
    return tuple(rows)


def _months(x: _Period, reps: list[str], target_key) -> tuple[SalesRow, ...]:
    """A row per month up to the as-of month: the reps' net sales against ``target_key``'s target
    (a rep_id, ("team", team), or a list of them to add up)."""
    keys = target_key if isinstance(target_key, list) else [target_key]
    return tuple(SalesRow(m, round(float(sum(x.month_sales.get((r, m), 0.0) for r in reps)), 2),
                          sum(x.month_targets.get((k, m), 0) for k in keys) / 100) for m in x.months)


def _first_month(orders: pd.DataFrame) -> str:
    """The month of the workbook's first order: the months before it have no data, not no sales."""
    first = orders["order_date"].min()
    return first.strftime("%Y-%m") if pd.notna(first) else "0000-00"


def _best_worst(x: _Period, months: tuple[SalesRow, ...]) -> BestWorst:
    """The best and worst completed month with data (from the first order's month): by attainment
    where every one has a target above zero, else by sales (ties: the earlier month)."""
    done = [m for m in months if m.label in x.complete]
    if not done:
        return BestWorst(None, None, "sales")
    if all(m.target > 0 for m in done):
        key, by = (lambda m: attainment_of(m.actual, m.target)), "attainment"
    else:
        key, by = (lambda m: m.actual), "sales"
    return BestWorst(max(done, key=key), min(done, key=key), by)


def _growth_of(x: _Period, reps: list[str], actual: float) -> Growth:
    before = None if not x.growth else round(float(sum(x.growth.get(r, 0.0) for r in reps)), 2)
    return Growth(round(actual, 2), before, *x.prior)


def _rows_by_team(frame: pd.DataFrame, limit: int) -> dict[str, tuple]:
    """The top ``limit`` rows by monetary per team (``frame``'s team column), for every team in one pass."""
    top = frame.sort_values(["team", "monetary"], ascending=[True, False]).groupby("team").head(limit)
    out: dict[str, list] = {}
    for team, rec in zip(top["team"], _records(top)):
        out.setdefault(team, []).append(rec)
    return {k: tuple(v) for k, v in out.items()}


def _moves(x: _Period, key, counts: dict | None = None, down: tuple | None = None) -> TierMoves:
    """``key``'s tier movements (a rep_id or ("team", team)); the company's from ``counts`` and ``down``."""
    counts = counts if counts is not None else {mv: x.moves.get((key, mv), 0) for mv in MOVEMENTS}
    return TierMoves({mv: int(counts.get(mv, 0)) for mv in MOVEMENTS},
                     down if down is not None else tuple(x.moved_down.get(key, ())),
                     (x.period.first - dt.timedelta(days=1)).isoformat(), min(x.as_of, x.period.last).isoformat())


def _returns_of(lines: list) -> PeriodReturns:
    return PeriodReturns(len(lines), exact_sum(r.amount for r in lines), tuple(lines[:LARGEST_RETURNS]))


def _commission_of(x: _Period, reps: list[str]) -> PeriodCommission | None:
    """The reps' month statements added up in cents, month by month and over the period."""
    if x.commission is None:
        return None
    per = {m: [x.earned[(r, m)] for r in reps if (r, m) in x.earned] for m in x.months}
    months = tuple(MonthCommission(m, sum(e for e, _ in v) / 100, sum(p for _, p in v) / 100)
                   for m, v in per.items() if v)
    earned = sum(e for v in per.values() for e, _ in v)
    paid = sum(p for v in per.values() for _, p in v)
    return PeriodCommission(months, earned / 100, paid / 100)


def _common(x: _Period, key: str, reps: list[str], figures: tuple, target_key, card,
            moves: TierMoves, returns: list) -> dict:
    """What every summary has: ``figures`` is (net sales, target, target to date or None)."""
    months = _months(x, reps, target_key)
    actual = figures[0]
    return dict(key=key, period=x.period, as_of=x.as_of.isoformat(), open_period=x.elapsed is not None,
                sales=_sales_rows(x, *figures), months=months, growth=_growth_of(x, reps, actual),
                best_worst=_best_worst(x, months), scorecard=card or PeriodScorecard((), None, ""),
                movements=moves, returns=_returns_of(returns), commission=_commission_of(x, reps),
                lang=x.lang, missing=x.missing)


def _figures(row) -> tuple:
    return row["net_sales"], row["target"], row.get("to_date")


def _rep_summary(x: _Period, rid: str) -> RepSummary:
    row = x.rep_index[rid]
    rep = x.rep_rows[rid]
    card = x.cards["rep"].get(rid)
    card = replace(card or PeriodScorecard((), None, ""), rank=int(row["rank"]), team_size=int(row["size"]))
    return RepSummary(**_common(x, rid, [rid], _figures(row), rid, card, _moves(x, rid),
                                x.return_lines.get(rid, [])),
                      rep=_rep_info(dict(rep, rep_id=rid), x.team_info.get(rep["team"])),
                      rank=int(row["rank"]), team_size=int(row["size"]))


def _ranked_reps(x: _Period, members: pd.DataFrame) -> tuple[RankedRep, ...]:
    cards = x.cards["rep"]
    return tuple(RankedRep(r.rep_id, r.name, round(float(r.net_sales), 2), round(float(r.target), 2),
                           cards[r.rep_id].score if r.rep_id in cards else None,
                           cards[r.rep_id].status if r.rep_id in cards else "", int(r.rank))
                 for r in members.itertuples(index=False))


def _team_summary(x: _Period, team: str, left_out: tuple) -> TeamSummary:
    row = x.team_index[team]
    members = x.members.get(team, x.reps.iloc[:0])
    ids = members["rep_id"].tolist()
    ranked = _ranked_reps(x, members)
    t = x.team_info.get(team, {})
    return TeamSummary(**_common(x, team, ids, _figures(row), ("team", team),
                                 x.cards["team"].get(team), _moves(x, ("team", team)),
                                 x.return_lines.get(("team", team), [])),
                       team=TeamInfo(team, t.get("manager"), t.get("manager_email"), t.get("region")),
                       reps=ranked, champion=champion_of(list(ranked)), rank=int(row["rank"]),
                       team_count=len(x.teams), left_out=left_out)


def _company_summary(x: _Period, left_out: tuple) -> CompanySummary:
    ids = x.reps["rep_id"].tolist()
    teams = tuple(RankedTeam(r.team, r.manager, round(float(r.net_sales), 2), round(float(r.target), 2),
                             _num(r.attainment), int(r.rank)) for r in x.teams.itertuples(index=False))
    champions = {}
    for team, members in x.members.items():
        best = champion_of(list(_ranked_reps(x, members)))
        if best is not None:
            champions[best.rep_id] = (best, team)
    top = champion_of([b for b, _ in champions.values()]) if champions else None
    actual = exact_sum(x.teams["net_sales"])
    target = exact_sum(x.teams["target"])
    moves = _moves(x, COMPANY, x.view["movement"].value_counts().to_dict(),
                   _rows(x.view[x.view["movement"] == "down"], MOVED_DOWN_LISTED))
    due = exact_sum(x.teams["to_date"]) if "to_date" in x.teams.columns else None
    return CompanySummary(**_common(x, COMPANY, ids, (actual, target, due), [("team", t) for t in x.teams["team"]],
                                    x.cards[COMPANY].get(COMPANY), moves, list(_returns(x.returns))),
                          teams=teams, champion=top, champion_team=None if top is None else champions[top.rep_id][1],
                          left_out=left_out)
