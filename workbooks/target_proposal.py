"""A proposal of next year's Targets sheet from the sales workbook (``salesdesk workbook
targets``): the basis is the net sales (booked less returns) of the twelve calendar months
before the month of the latest order, a full year that the month still running does not cut
short; the figures come from ``addin.engine.proposal``. The file written says that it is a
proposal and how it was made, above a header the reader takes as a Targets sheet, so the user
reviews it and pastes the rows into the workbook (and the proposed Seasonality sheet, when the
workbook has none, phases the months as the proposal does).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from addin.engine.proposal import ProposedTarget, propose
from addin.engine.rules import counted

from .engine_args import seasonality_weights
from .i18n import Language
from .xlsxstyle import BOLD, MONEY


@dataclass(frozen=True)
class Basis:
    """What a proposal is made from."""
    latest: dt.date                  # the latest order
    months: tuple[str, ...]          # the twelve basis months, YYYY-MM
    by_calendar_month: tuple[int, ...]   # the basis's net sales, January to December (cents)
    phased_by: str                   # seasonality (the sheet), sales (the basis months) or working days


def basis_months(latest: pd.Timestamp) -> tuple[str, ...]:
    """The twelve calendar months before the month of ``latest``."""
    month = latest.to_period("M")
    return tuple(str(month - k) for k in range(12, 0, -1))


def make(frames: dict[str, pd.DataFrame], year: int, growth: Decimal,
         has_seasonality: bool) -> tuple[Basis, list[ProposedTarget]]:
    """The proposal for ``year`` from the validated sheets (Teams filled from Reps if absent)."""
    orders, reps = frames["Orders"], frames["Reps"]
    latest = orders["order_date"].max()
    months = basis_months(latest)
    start, end = pd.Period(months[0]).start_time, pd.Period(months[-1]).end_time
    lines = orders[counted(orders["status"]) & (orders["order_date"] >= start) & (orders["order_date"] <= end)]
    cents = pd.Series(np.round(lines["amount"].to_numpy(dtype=float) * 100).astype(np.int64), index=lines.index)
    team_of = reps.drop_duplicates("rep_id").set_index("rep_id")["team"]
    by_rep = cents.groupby(lines["rep_id"]).sum()
    by_team = cents.groupby(lines["rep_id"].map(team_of)).sum()
    teams = list(dict.fromkeys(list(frames["Teams"]["team"]) + list(reps["team"].dropna())))
    active = reps[reps["active"].fillna(True).astype(bool)].drop_duplicates("rep_id")
    given = [(r, t, int(by_rep.get(r, 0))) for r, t in zip(active["rep_id"], active["team"])]
    calendar = cents.groupby(lines["order_date"].dt.month).sum().reindex(range(1, 13), fill_value=0)
    if has_seasonality:
        weights, phased_by = seasonality_weights(frames), "seasonality"
    elif calendar.clip(lower=0).sum() > 0:
        weights, phased_by = [max(0, int(c)) / 100 for c in calendar], "sales"
    else:
        weights, phased_by = None, "working days"
    proposal = propose(year, growth, {t: int(by_team.get(t, 0)) for t in teams}, given, weights)
    return Basis(latest.date(), months, tuple(int(c) for c in calendar), phased_by), proposal


def growth_text(growth: Decimal) -> str:
    """8% as +8%, 0.125 as +12.5%."""
    return f"{float(growth * 100):+g}%"


def explanation(t: Language, basis: Basis, year: int, growth: Decimal) -> list[str]:
    """The lines above the header: a proposal, and how it was made."""
    pct = growth_text(growth)
    how = {"seasonality": t("The months are phased by the workbook's Seasonality sheet."),
           "sales": t("The months are phased by the basis months' sales (the proposed Seasonality sheet beside "
                      "this one)."),
           "working days": t("The months are phased by working days.")}[basis.phased_by]
    return [t("Proposed targets for {year}: a proposal to review, not yet targets. Paste the rows under the header "
              "into the Targets sheet of the sales workbook.", year=year),
            t("Made from each team's net sales (booked less returns) of {first} to {last}, the twelve calendar "
              "months before the month of the latest order ({latest}), times {factor} (growth {growth}). A rep's "
              "target is the team's split by the rep's share of the team's sales, so the reps' targets add up "
              "exactly to the team's; reps who left get none.", first=basis.months[0], last=basis.months[-1],
              latest=basis.latest.isoformat(), factor=f"{1 + growth:.4f}".rstrip("0").rstrip("."), growth=pct) + " "
            + how]


def write(path: Path, basis: Basis, proposal: list[ProposedTarget], year: int, growth: Decimal, t: Language) -> None:
    """The proposal as an .xlsx: a Targets sheet (and a Seasonality sheet when phased by sales)."""
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path))
    money, bold = wb.add_format(MONEY), wb.add_format(BOLD)
    ws = wb.add_worksheet("Targets")
    for i, line in enumerate(explanation(t, basis, year, growth)):
        ws.write_string(i, 0, line, bold if i == 0 else None)
    head = ["level", "key", "year", "annual_target", "team",
            t("net sales {first} to {last}", first=basis.months[0], last=basis.months[-1])] \
        + [f"{year}-{m:02d}" for m in range(1, 13)]
    ws.write_row(3, 0, head, bold)
    for r, p in enumerate(proposal, start=4):
        ws.write_string(r, 0, p.level)
        ws.write_string(r, 1, p.key)
        ws.write_number(r, 2, year)
        ws.write_number(r, 3, p.annual_cents / 100, money)
        ws.write_string(r, 4, p.team)
        ws.write_number(r, 5, p.basis_cents / 100, money)
        for m, cents in enumerate(p.month_cents):
            ws.write_number(r, 6 + m, cents / 100, money)
    ws.set_column(0, 2, 10)
    ws.set_column(3, 17, 14)
    ws.freeze_panes(4, 0)
    if basis.phased_by == "sales":
        ws = wb.add_worksheet("Seasonality")
        ws.write_string(0, 0, t("Proposed Seasonality: each month's weight is its net sales of {first} to {last}.",
                                first=basis.months[0], last=basis.months[-1]), bold)
        ws.write_row(2, 0, ["month", "weight"], bold)
        for m, cents in enumerate(basis.by_calendar_month, start=1):
            ws.write_row(2 + m, 0, [m, max(0, cents) / 100])
    wb.close()
