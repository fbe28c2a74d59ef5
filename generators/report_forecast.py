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
from addin.engine.rules import month_bounds
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


@dataclass(frozen=True)
class MonthForecast:
    reps: dict[str, Forecast]
    teams: dict[str, Forecast]


def month_forecast(frames: dict[str, pd.DataFrame], card: pd.DataFrame, month: str, as_of: dt.date,
                   quotas: dict, team_targets: dict) -> MonthForecast:
    """Every rep's and team's forecast for the open ``month`` as of ``as_of``. ``card`` lists
    the reps in the run with their team; ``quotas`` and ``team_targets`` map (rep or team,
    YYYY-MM) to the month's target, as the reports read them."""
    rep_ids, teams = card["rep_id"].tolist(), dict(zip(card["rep_id"].tolist(), card["team"].tolist()))
    deals = forecast_deals(frames)
    deals = deals[deals["rep_id"].isin(rep_ids)]
    figures = {}
    for s in spans(month):
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
    slipped = _merged(listed["slipped"], rep_ids)
    unpriced = _merged(listed["unpriced"], rep_ids)
    return Forecast(tuple(periods), tuple(slipped[:LISTED_DEALS]), len(slipped),
                    float(sum(int(round((d.amount or 0) * 100)) for d in slipped)) / 100,
                    tuple(unpriced[:LISTED_DEALS]), len(unpriced))


def _merged(by_rep: dict[str, list[DealLine]], rep_ids: list[str]) -> list[DealLine]:
    deals = [d for r in rep_ids for d in by_rep.get(r, ())]
    return sorted(deals, key=lambda d: (-(d.amount or 0), d.expected_close or "", d.opp_id)) if len(rep_ids) > 1 \
        else deals


def _listed(deals: pd.DataFrame, as_of: dt.date, quarter: Span) -> dict[str, dict[str, list[DealLine]]]:
    """rep_id -> the rep's slipped deals, and those expected in the rest of the quarter without
    an amount, each the largest first (then the earliest expected)."""
    rest = engine.ahead(deals, as_of, quarter.first, quarter.last)
    return {"slipped": _by_rep(engine.slipped(deals, as_of)), "unpriced": _by_rep(rest[rest["amount"].isna()])}


def _by_rep(frame: pd.DataFrame) -> dict[str, list[DealLine]]:
    frame = frame.sort_values(["rep_id", "amount", "expected_close", "opp_id"], ascending=[True, False, True, True],
                              na_position="last", kind="stable")
    close = frame["expected_close"].dt.strftime("%Y-%m-%d").tolist()
    out: dict[str, list[DealLine]] = {}
    for opp, rep, cust, stage, day, amount, prob in zip(frame["opp_id"].tolist(), frame["rep_id"].tolist(),
                                                       frame["customer_id"].tolist(), frame["stage"].tolist(), close,
                                                       frame["amount"].tolist(), frame["probability"].tolist()):
        out.setdefault(rep, []).append(DealLine(str(opp), str(rep), _text(cust), str(stage), _text(day),
                                                None if amount != amount else float(amount), float(prob)))
    return out


def _text(x) -> str | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)


FORECAST_COLUMNS = ("period", "level", "key", "target", *engine.CATEGORIES)


def forecast_rows(facts) -> list[dict]:
    """The month's forecast as rows (``FORECAST_COLUMNS``) for summary.xlsx and the dashboard:
    per period (the month, then the quarter) the company (the exact sum of the teams, in cents),
    each team and each rep; none for a closed month."""
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
