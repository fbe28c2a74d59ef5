"""Net sales against target for any period (an ISO week, a quarter, a year): the first slice of
the weekly review and the quarter and year summaries (issue 28), one summary.xlsx per period.

Net sales are the order lines that count (``rules.counted``) dated in the period, by the order's
rep, as the monthly reports count them; targets are the one monthly phasing's share of the period
(``engine_args.period_targets``: weeks tie to months, months to quarters and the year, reps to
their team). While the period is open the target to date is pro-rated by its working days passed,
as a month's is."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from addin.engine import rules
from workbooks.engine_args import period_targets, period_targets_to_date
from workbooks.files import atomic_path
from workbooks.i18n import language
from workbooks.xlsxout import CellWriter, new_workbook
from workbooks.xlsxstyle import HEADER, MONEY

from .monthdata import MonthData
from .periods import Period


@dataclass(frozen=True)
class PeriodFigures:
    """Each rep's and team's net sales and target for one period."""
    period: Period
    as_of: dt.date
    elapsed: float | None            # share of the period's working days passed while it is open; None once closed
    reps: pd.DataFrame               # rep_id, name, team, net_sales, target (and to_date while open)
    teams: pd.DataFrame              # team, manager, net_sales, target (and to_date while open)


def period_figures(md: MonthData, period: Period) -> PeriodFigures:
    """The period's figures for the active reps hired by its end (reps left out of the run are not
    counted in their team, as in the monthly reports)."""
    f = md.frames
    orders = f["Orders"]
    live = orders[rules.counted(orders["status"])]
    start, end = pd.Timestamp(period.first), pd.Timestamp(period.last)
    in_period = live[(live["order_date"] >= start) & (live["order_date"] <= end)]
    sales = in_period.groupby("rep_id")["amount"].sum()
    reps = f["Reps"]
    reps = reps[reps["active"].fillna(True).astype(bool)]
    reps = reps[(reps["hire_date"].isna() | (reps["hire_date"] <= end)) & ~reps["rep_id"].isin(list(md.bad_reps))]
    reps = reps.drop_duplicates("rep_id").sort_values(["team", "rep_id"])
    team_cents, rep_cents = period_targets(f, period.months, period.key if period.kind == "week" else None)
    rep_rows = pd.DataFrame({"rep_id": reps["rep_id"].to_numpy(), "name": reps["name"].to_numpy(),
                             "team": reps["team"].to_numpy()})
    rep_rows["net_sales"] = rep_rows["rep_id"].map(sales).fillna(0.0).round(2)
    rep_rows["target"] = rep_rows["rep_id"].map(rep_cents.set_index("rep_id")["target_cents"]).fillna(0) / 100
    teams = f["Teams"].drop_duplicates("team").sort_values("team")
    team_rows = pd.DataFrame({"team": teams["team"].to_numpy(), "manager": teams["manager"].to_numpy()})
    team_rows["net_sales"] = team_rows["team"].map(rep_rows.groupby("team")["net_sales"].sum()).fillna(0.0).round(2)
    team_rows["target"] = team_rows["team"].map(team_cents.set_index("team")["target_cents"]).fillna(0) / 100
    as_of = rules.as_of_in(orders["order_date"], orders["status"], period.last)
    elapsed = rules.elapsed_share(as_of, period.first, period.last)
    if elapsed is not None:          # the target to date: the one rule (engine_args.period_targets_to_date)
        team_due, rep_due = period_targets_to_date(f, period.months, period.key if period.kind == "week" else None,
                                                   as_of, elapsed)
        rep_rows["to_date"] = rep_rows["rep_id"].map(rep_due).fillna(0) / 100
        team_rows["to_date"] = team_rows["team"].map(team_due).fillna(0) / 100
    return PeriodFigures(period, as_of, elapsed, rep_rows, team_rows)


def write_period_summary(folder: Path, figures: PeriodFigures, lang: str) -> Path:
    """``folder``/summary.xlsx: a row per rep and per team (net sales, target, attainment, and the
    target to date while the period is open), then the period and the day it is as of."""
    path = Path(folder) / "summary.xlsx"
    t = language(lang)
    headers = [t("kind"), t("rep or team"), t("name"), t("team"), t("actual"), t("target"), t("attainment")]
    if figures.elapsed is not None:
        headers += [t("target to date"), t("attainment to date")]
    due = figures.elapsed is not None
    rows = [(t("rep"), r.rep_id, r.name, r.team, r.net_sales, r.target, r.to_date if due else None)
            for r in figures.reps.itertuples()]
    rows += [(t("team"), r.team, r.manager, r.team, r.net_sales, r.target, r.to_date if due else None)
             for r in figures.teams.itertuples()]
    with atomic_path(path) as tmp:
        wb = new_workbook(tmp)
        cw = CellWriter(wb)
        ws = wb.add_worksheet("Summary")
        for j, h in enumerate(headers):
            ws.write_string(0, j, h, cw.fmt(HEADER))
            ws.set_column(j, j, 24 if j == 2 else 14)
        ws.freeze_panes(1, 2)
        for i, row in enumerate(rows, start=1):
            _summary_row(cw, ws, i, row)
        if rows:
            ws.autofilter(0, 0, len(rows), len(headers) - 1)
        about = wb.add_worksheet("Period")
        cw.row(about, 0, [t("period"), figures.period.key])
        cw.row(about, 1, [t("as of"), figures.as_of.isoformat()])
        about.set_column(0, 1, 16)
        wb.close()
    return path


def _summary_row(cw: CellWriter, ws, i: int, row: tuple) -> None:
    """One rep's or team's row: attainment as a formula with its value cached; the target to date
    (``row[6]``) while the period is open."""
    actual, target, to_date = row[4], row[5], row[6]
    cw.row(ws, i, [*(None if pd.isna(v) else v for v in row[:4]), actual, target], [None] * 4 + [MONEY, MONEY])
    cw.attainment(ws, i, 6, "E", "F", actual, target)
    if to_date is not None:
        cw.cell(ws, i, 7, to_date, MONEY)
        cw.attainment(ws, i, 8, "E", "H", actual, to_date)
