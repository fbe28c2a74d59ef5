"""The forecast an open month's reports show (``report_model.Forecast``): the month's and the
quarter's figures per rep (addin/engine/forecast.py, computed once for all reps), each team's
the exact sum of its reps' (in cents), against the targets the reports use, and the open deals
listed (slipped; without an amount)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from addin.engine import forecast as engine
from addin.engine.money import cents_of
from addin.engine.rules import elapsed_share, month_bounds
from workbooks.engine_args import forecast_deals

from .report_model import DealLine, Forecast, ForecastFigures

LISTED_DEALS = 10            # deals a report lists under each heading (the largest first)


@dataclass(frozen=True)
class Span:
    """A period the forecast covers: the month, or the quarter the month falls in."""
    span: str                # "Month" or "Quarter"
    period: str              # 2026-10, 2026-Q4
    first: dt.date
    last: dt.date
    months: tuple[str, ...]


def spans(month: str) -> tuple[Span, Span]:
    """The month and its quarter."""
    first, last = month_bounds(month)
    q = pd.Period(month, "M").asfreq("Q")
    q_months = tuple(pd.period_range(q.start_time, q.end_time, freq="M").strftime("%Y-%m"))
    return (Span("Month", month, first.date(), last.date(), (month,)),
            Span("Quarter", f"{q.year}-Q{q.quarter}", q.start_time.date(), q.end_time.normalize().date(), q_months))


def open_spans(month: str, as_of: dt.date) -> tuple[Span, ...]:
    """Of the month and its quarter, those still open on ``as_of`` (working days of them remain
    after it): a closed month's reports still say where its open quarter will land."""
    return tuple(s for s in spans(month) if elapsed_share(as_of, s.first, s.last) is not None)


@dataclass(frozen=True)
class MonthForecast:
    reps: dict[str, Forecast]
    teams: dict[str, Forecast]


def month_forecast(frames: dict[str, pd.DataFrame], card: pd.DataFrame, month: str, as_of: dt.date,
                   quotas: dict, team_targets: dict) -> MonthForecast:
    """Every rep's and team's forecast for ``month`` and its quarter, those of them still open, as of ``as_of``. ``card`` lists
    the reps in the run with their team; ``quotas`` and ``team_targets`` map (rep or team,
    YYYY-MM) to the month's target, as the reports read them."""
    rep_ids, teams = card["rep_id"].tolist(), dict(zip(card["rep_id"].tolist(), card["team"].tolist()))
    deals = forecast_deals(frames)
    deals = deals[deals["rep_id"].isin(rep_ids)]
    figures = {}
    for s in open_spans(month, as_of):
        per_rep = engine.forecast(frames["Orders"], deals, rep_ids, s.first, s.last, as_of)
        figures[s] = (per_rep, engine.rolled_up(per_rep, teams))
    listed = _listed(deals, as_of, spans(month)[1])
    team_names = frames["Teams"]["team"].tolist()
    reps = {r: _forecast(figures, r, 0, quotas, listed, [r]) for r in rep_ids}
    members = card.groupby("team")["rep_id"].agg(list).to_dict()
    out_teams = {t: _forecast(figures, t, 1, team_targets, listed, members.get(t, [])) for t in team_names}
    return MonthForecast(reps, out_teams)


def _forecast(figures: dict, key: str, level: int, targets: dict, listed: dict, rep_ids: list[str]) -> Forecast:
    periods = []
    for s, frames in figures.items():
        f = frames[level]
        cents = f.loc[key] if key in f.index else pd.Series(0, index=engine.CATEGORIES)
        target = sum(int(round(targets.get((key, m), 0.0) * 100)) for m in s.months)
        periods.append(ForecastFigures(s.span, s.period, target / 100, *(int(cents[c]) / 100 for c in engine.CATEGORIES)))
    slipped, unpriced = (_merged(listed[k], rep_ids) for k in ("slipped", "unpriced"))
    return Forecast(tuple(periods), slipped[0], slipped[1], slipped[2] / 100, unpriced[0], unpriced[1])


def _merged(by_rep: dict[str, _Listed], rep_ids: list[str]) -> tuple[tuple[DealLine, ...], int, int]:
    """The largest ``LISTED_DEALS`` of the reps' deals (each rep's list already holds its largest),
    how many deals there are and their amount in cents."""
    parts = [by_rep[r] for r in rep_ids if r in by_rep]
    deals = [d for p in parts for d in p.deals]
    if len(parts) > 1:
        deals.sort(key=lambda d: (-(d.amount or 0), d.expected_close or "", d.opp_id))
    return tuple(deals[:LISTED_DEALS]), sum(p.count for p in parts), sum(p.cents for p in parts)


@dataclass(frozen=True)
class _Listed:
    deals: tuple[DealLine, ...]        # the rep's largest LISTED_DEALS
    count: int
    cents: int


def _listed(deals: pd.DataFrame, as_of: dt.date, quarter: Span) -> dict[str, dict[str, _Listed]]:
    """rep_id -> the rep's slipped deals, and those expected in the rest of the quarter without
    an amount: the largest first (then the earliest expected), with how many and their amount."""
    rest = engine.ahead(deals, as_of, quarter.first, quarter.last)
    return {"slipped": _by_rep(engine.slipped(deals, as_of)), "unpriced": _by_rep(rest[rest["amount"].isna()])}


def _by_rep(frame: pd.DataFrame) -> dict[str, _Listed]:
    frame = frame.sort_values(["rep_id", "amount", "expected_close", "opp_id"], ascending=[True, False, True, True],
                              na_position="last", kind="stable")
    totals = pd.DataFrame({"rep_id": frame["rep_id"].to_numpy(dtype=object),
                           "cents": cents_of(frame["amount"].fillna(0).to_numpy(dtype=float))}) \
        .groupby("rep_id")["cents"].agg(["size", "sum"])
    top = frame.groupby("rep_id", sort=False).head(LISTED_DEALS)
    close = top["expected_close"].dt.strftime("%Y-%m-%d").tolist()
    lines: dict[str, list[DealLine]] = {}
    for opp, rep, cust, stage, day, amount, prob in zip(top["opp_id"].tolist(), top["rep_id"].tolist(),
                                                       top["customer_id"].tolist(), top["stage"].tolist(), close,
                                                       top["amount"].tolist(), top["probability"].tolist()):
        lines.setdefault(rep, []).append(DealLine(str(opp), str(rep), _text(cust), str(stage), _text(day),
                                                  None if amount != amount else float(amount), float(prob)))
    return {rep: _Listed(tuple(lines.get(rep, ())), int(n), int(c)) for rep, (n, c) in totals.iterrows()}


def _text(x) -> str | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)


FORECAST_COLUMNS = ("period", "level", "key", "target", *engine.CATEGORIES)


def forecast_rows(facts) -> list[dict]:
    """The month's forecast as rows (``FORECAST_COLUMNS``) for summary.xlsx and the dashboard:
    per period (the month, then the quarter) the company (the exact sum of the teams, in cents),
    each team and each rep; none when the month and its quarter are closed."""
    teams = [t for t in facts.teams if t.forecast is not None]
    reps = [r for r in facts.reps if r.forecast is not None]
    if not teams and not reps:
        return []
    rows = []
    for i, span in enumerate((teams or reps)[0].forecast.periods):
        parts = [("team", t.key, t.forecast.periods[i]) for t in teams]
        rows.append({"period": span.period, "span": span.span, "level": "company", "key": "",
                     **{c: _cents_sum(p[c] for _, _, p in parts) for c in ("target", *engine.CATEGORIES)}})
        parts += [("rep", r.key, r.forecast.periods[i]) for r in reps]
        rows += [{"period": p.period, "span": p.span, "level": level, "key": key,
                  **{c: p[c] for c in ("target", *engine.CATEGORIES)}} for level, key, p in parts]
    return rows


def _cents_sum(values) -> float:
    return sum(int(round(v * 100)) for v in values) / 100
