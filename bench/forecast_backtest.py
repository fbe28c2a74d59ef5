"""Back-test of the forecast (docs/forecast.md) on the demo workbook: as of the 10th and the 20th
of each of the last six closed months, the month's forecast (most likely; run-rate) against what
the month actually booked, for the company and per team. Mean absolute error, and as a share of
the mean actual. Also the forecast's cost in the 2,000-rep workbook's re-run (``--cost BOOK``).

    .venv/bin/python bench/forecast_backtest.py [--reps 40 --teams 5 --months 24 --seed 7]
    .venv/bin/python bench/forecast_backtest.py --workbook my-sales.xlsx
    .venv/bin/python bench/forecast_backtest.py --cost /tmp/demo-2000-forecast.xlsx [--runs 3]
    .venv/bin/python bench/forecast_backtest.py --rerun OPEN-MONTH.xlsx --old /path/to/checkout [--runs 3]
    .venv/bin/python bench/forecast_backtest.py --render [--runs 3]

The workbook holds the pipeline as it is at its end, so the pipeline as of a past day is
rebuilt (``as_of_frames``): the deals created by that day and not closed by it, a deal closed
later reopened at the stage it had reached by then (its stages taken as evenly spaced over its
life: a won deal passed lead..negotiation, a lost one the stages up to where it was lost),
with its expected close as the workbook has it (the rep's last estimate) and the probability
of that stage; orders and activities after the day are dropped.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from addin.engine import forecast as engine, rules     # noqa: E402
from addin.engine.forecast import OPEN_STAGES          # noqa: E402
from workbooks import demo                             # noqa: E402
from workbooks.engine_args import forecast_deals       # noqa: E402

DATED = {"Orders": "order_date", "Activities": "date", "Satisfaction": "date", "Opportunities": "created"}
DAYS = (10, 20)
MONTHS = 6


def as_of_frames(frames: dict[str, pd.DataFrame], day: dt.date) -> dict[str, pd.DataFrame]:
    """The workbook as it stood at the end of ``day`` (see the module's docstring)."""
    cut = pd.Timestamp(day)
    out = dict(frames)
    for sheet, col in DATED.items():
        if sheet in frames:
            out[sheet] = frames[sheet][frames[sheet][col] <= cut].copy()
    if "OrderCredits" in frames:
        out["OrderCredits"] = frames["OrderCredits"][frames["OrderCredits"]["order_id"].isin(out["Orders"]["order_id"])]
    opps = out["Opportunities"]
    later = opps["closed"] > cut
    life = (opps["closed"] - opps["created"]).dt.days.clip(lower=1)
    share = ((cut - opps["created"]).dt.days / life).clip(0, 1).fillna(0)
    last = np.where(opps["stage"] == "won", len(OPEN_STAGES),
                    opps["lost_stage"].map({s: i for i, s in enumerate(OPEN_STAGES)}).fillna(0).to_numpy(dtype=float))
    reached = np.minimum(np.floor(share.to_numpy() * (last + 1)), np.minimum(last, len(OPEN_STAGES) - 1)).astype(int)
    opps.loc[later, "stage"] = np.array(OPEN_STAGES)[reached][later.to_numpy()]
    opps.loc[later, "closed"] = pd.NaT
    opps.loc[later, "lost_stage"] = None
    out["Opportunities"] = opps
    if "OpportunityHistory" in frames:        # the deals' history up to the day, of the deals known then
        history = frames["OpportunityHistory"]
        out["OpportunityHistory"] = history[(history["date"] <= cut) & history["opp_id"].isin(opps["opp_id"])].copy()
    return out


def month_actual(frames, month: str, teams: dict) -> pd.Series:
    first, last = pd.Period(month, "M").start_time.date(), pd.Period(month, "M").end_time.date()
    booked = engine.booked_cents(frames["Orders"], first, last)
    return booked.groupby(booked.index.map(teams)).sum()


def forecast_by_team(frames, month: str, day: dt.date, teams: dict) -> pd.DataFrame:
    past = as_of_frames(frames, day)
    first, last = pd.Period(month, "M").start_time.date(), pd.Period(month, "M").end_time.date()
    per_rep = engine.forecast(past["Orders"], forecast_deals(past), list(teams), first, last, day)
    return engine.rolled_up(per_rep, teams)


def backtest(frames) -> pd.DataFrame:
    """One row per month, day and team (and the company): actual, most likely, run-rate (cents)."""
    teams = dict(zip(frames["Reps"]["rep_id"], frames["Reps"]["team"]))
    latest = frames["Orders"]["order_date"].max().date()
    end = pd.Period(latest, "M") - int(rules.is_open(latest, pd.Period(latest, "M").strftime("%Y-%m")))
    rows = []
    for k in range(MONTHS - 1, -1, -1):
        month = str(end - k)
        actual = month_actual(frames, month, teams)
        for d in DAYS:
            fc = forecast_by_team(frames, month, dt.date(int(month[:4]), int(month[5:]), d), teams)
            for team in fc.index:
                rows.append({"month": month, "day": d, "team": team, "actual": int(actual.get(team, 0)),
                             "most_likely": int(fc.loc[team, "most_likely"]), "run_rate": int(fc.loc[team, "run_rate"])})
    out = pd.DataFrame(rows)
    company = out.groupby(["month", "day"], as_index=False)[["actual", "most_likely", "run_rate"]].sum()
    return pd.concat([out, company.assign(team="(company)")], ignore_index=True)


def errors(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean absolute error (currency) and as a share of the mean actual, per team and day."""
    out = []
    for (team, day), g in rows.groupby(["team", "day"]):
        line = {"team": team, "day": day, "mean actual": g["actual"].mean() / 100}
        for c in ("most_likely", "run_rate"):
            mae = (g[c] - g["actual"]).abs().mean() / 100
            line[f"{c} MAE"] = mae
            line[f"{c} %"] = mae / line["mean actual"] if line["mean actual"] else np.nan
            line[f"{c} bias"] = (g[c] - g["actual"]).mean() / 100
        out.append(line)
    return pd.DataFrame(out)


def markdown(table: pd.DataFrame) -> str:
    lines = ["| team | as of | mean actual | most likely: MAE | % | bias | run-rate: MAE | % | bias |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in table.sort_values(["team", "day"]).itertuples(index=False):
        v = r._asdict()
        lines.append(f"| {v['team']} | {v['day']}th | {v['_2']:,.0f} | {v['_3']:,.0f} | {v['_4']:.0%} | {v['_5']:+,.0f} "
                     f"| {v['_6']:,.0f} | {v['_7']:.0%} | {v['_8']:+,.0f} |")
    return "\n".join(lines)


def cost(book: Path, runs: int) -> None:
    """month_facts for 2026-10 as of the 14th, with and without the forecast, interleaved."""
    from generators import report_data
    from generators.monthdata import load_month
    md = load_month(book, "2026-10")
    md.frames = as_of_frames(md.frames, dt.date(2026, 10, 14))
    keep = report_data._with_forecast
    times = {"with": [], "without": []}
    for _ in range(runs):
        for name in ("without", "with"):
            report_data._with_forecast = keep if name == "with" else (lambda md, x, r, t: (r, t))
            t = time.perf_counter()
            facts = report_data.month_facts(md)
            times[name].append(time.perf_counter() - t)
            assert (facts.reps[0].forecast is not None) == (name == "with")
    report_data._with_forecast = keep
    x = report_data._month(md)
    alone = []
    for _ in range(runs):
        t = time.perf_counter()
        report_data.month_forecast(md.frames, x.card, x.cal.month, x.cal.as_of, x.quotas, x.team_targets)
        alone.append(time.perf_counter() - t)
    times["the forecast alone (report_forecast.month_forecast)"] = alone
    for name, ts in times.items():
        print(f"{name}: median {statistics.median(ts):.2f} s ({', '.join(f'{t:.2f}' for t in ts)})")
    print(f"reps {len(facts.reps)}, teams {len(facts.teams)}")


def rerun_cost(book: Path, old: Path, runs: int) -> None:
    """``salesdesk reports --formats xlsx,html --jobs 2`` re-run (a warm cache of the parsed
    workbook) on ``book`` (an open month), this tree (with the forecast) against ``old`` (a
    checkout without it), interleaved; each tree's cache warmed by an untimed first run."""
    import tempfile
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from before_after import run      # the one timed reports run (bench/before_after.py)
    root = Path(__file__).resolve().parent.parent
    trees = {"without": old.resolve(), "with": root}
    caches = {name: Path(tempfile.mkdtemp(prefix=f"sd-fc-{name}-")) for name in trees}
    for name, tree in trees.items():
        print(f"warm-up {name}: {run(tree, caches[name], book):.1f} s", flush=True)
    times = {name: [] for name in trees}
    for i in range(runs):
        for name, tree in trees.items():
            times[name].append(run(tree, caches[name], book))
            print(f"round {i + 1}: {name}: {times[name][-1]:.1f} s", flush=True)
    for name, ts in times.items():
        print(f"{name}: median {statistics.median(ts):.1f} s ({', '.join(f'{t:.1f}' for t in ts)})")


def render_cost(frames, runs: int) -> None:
    """Drawing each report (HTML, xlsx) of ``frames`` cut as of 2026-10-14, with and without its
    forecast section, interleaved: milliseconds a report."""
    import tempfile
    from dataclasses import replace
    from generators.monthdata import load_month
    from generators.report_data import month_facts
    from generators.report_html import render
    from generators.report_xlsx import rep_workbook, team_workbook
    from workbooks.salesbook import write_sales_workbook
    with tempfile.TemporaryDirectory() as folder:
        book = Path(folder) / "open.xlsx"
        cut = as_of_frames(frames, dt.date(2026, 10, 14))
        cut["Payroll"] = frames["Payroll"][frames["Payroll"]["period"] < "2026-10"]
        write_sales_workbook(cut, book)
        facts = month_facts(load_month(book, "2026-10"))
    shown = {"with": facts.reps + facts.teams}
    shown["without"] = [replace(c, forecast=None) for c in shown["with"]]
    drawers = {"html": render, "xlsx": lambda c: rep_workbook(c) if c.kind == "rep" else team_workbook(c)}
    times = {(f, n): [] for f in drawers for n in ("without", "with")}
    for _ in range(runs):
        for (fmt, name), ts in times.items():
            t = time.perf_counter()
            for c in shown[name]:
                drawers[fmt](c)
            ts.append((time.perf_counter() - t) / len(shown[name]) * 1000)
    for (fmt, name), ts in times.items():
        print(f"{fmt} {name}: median {statistics.median(ts):.1f} ms a report ({', '.join(f'{t:.1f}' for t in ts)})")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=40)
    p.add_argument("--teams", type=int, default=5)
    p.add_argument("--months", type=int, default=24)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--workbook", type=Path, help="back-test this workbook instead of the demo")
    p.add_argument("--cost", type=Path)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--render", action="store_true", help="time drawing the reports with and without the forecast")
    p.add_argument("--rerun", type=Path, help="an open month's workbook: time the reports re-run")
    p.add_argument("--old", type=Path, help="with --rerun: a checkout without the forecast")
    a = p.parse_args()
    if a.rerun:
        return rerun_cost(a.rerun, a.old, a.runs)
    if a.cost:
        return cost(a.cost, a.runs)
    if a.render:
        return render_cost(demo.build(reps=a.reps, teams=a.teams, months=a.months, seed=a.seed), a.runs)
    if a.workbook:
        from workbooks.reader import read_workbook
        frames = read_workbook(a.workbook).frames
    else:
        frames = demo.build(reps=a.reps, teams=a.teams, months=a.months, seed=a.seed)
    rows = backtest(frames)
    print(markdown(errors(rows)))


if __name__ == "__main__":
    main()
