"""The month's data, read and validated once, with faults isolated per rep.

Rows with errors are left out and reported. A rep with any bad row is left out of the
batch entirely (their numbers would be wrong) and reported; the others go on. Problems
that no rep can be blamed for in sheets every rep depends on stop the batch.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from addin.planning import monthly_quotas
from workbooks.cache import read_workbook_cached
from workbooks.reader import SalesData
from workbooks.schema import ROW, Problem

# Sheets whose rows belong to one rep, and the column naming that rep.
REP_COLUMN = {"Reps": "rep_id", "Orders": "rep_id", "OrderCredits": "rep_id", "Opportunities": "rep_id",
              "Activities": "rep_id", "Satisfaction": "rep_id", "Customers": "owner_rep_id"}
# Sheets every rep depends on: an error here stops the batch.
SHARED = ("Plans", "Seasonality", "KPIs", "Teams", "Spiffs")


class BatchStopped(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) stop the batch; see the errors report")


@dataclass
class MonthData:
    month: str
    data: SalesData
    frames: dict[str, pd.DataFrame]
    quotas: pd.DataFrame
    bad_reps: dict[str, list[Problem]] = field(default_factory=dict)

    @property
    def problems(self) -> list[Problem]:
        return self.data.problems


def check_month(month: str) -> str:
    try:
        return pd.Period(month, "M").strftime("%Y-%m")
    except (ValueError, TypeError):
        raise ValueError(f"--month must be YYYY-MM, got {month!r}") from None


def load_month(workbook: Path, month: str, progress=None) -> MonthData:
    month = check_month(month)
    data = read_workbook_cached(workbook, progress=progress)
    errors = data.errors
    stopping = [p for p in errors if p.row is None or p.sheet in SHARED or p.sheet == "(workbook)"]
    if stopping:
        raise BatchStopped(stopping)
    frames = dict(data.frames)
    bad_reps: dict[str, list[Problem]] = {}
    for sheet, frame in data.frames.items():
        rows = data.problem_rows(sheet)
        if not rows:
            continue
        bad = frame[ROW].isin(rows)
        col = REP_COLUMN.get(sheet)
        if col is not None:
            for rep, excel_row in frame.loc[bad, [col, ROW]].itertuples(index=False):
                if rep is not None:
                    bad_reps.setdefault(rep, []).extend(p for p in errors if p.sheet == sheet and p.row == excel_row)
        if sheet == "Targets":
            for key, level, excel_row in frame.loc[bad, ["key", "level", ROW]].itertuples(index=False):
                if level == "rep" and key is not None:
                    bad_reps.setdefault(key, []).extend(p for p in errors if p.sheet == sheet and p.row == excel_row)
        frames[sheet] = frame.loc[~bad]
    if bad_reps:
        for sheet, col in REP_COLUMN.items():
            if sheet in frames and sheet != "Customers":
                frames[sheet] = frames[sheet][~frames[sheet][col].isin(list(bad_reps))]
    seasonality = frames["Seasonality"].sort_values("month")["weight"].tolist()
    years = sorted(set(frames["Targets"]["year"].dropna().astype(int)))
    quotas = monthly_quotas(frames["Targets"], seasonality, years)
    return MonthData(month, data, frames, quotas, bad_reps)


def rep_failures(md: MonthData) -> list[dict]:
    """Rows for the errors report: each left-out rep and why."""
    return [{"severity": "error", "sheet": "(batch)", "row": None, "column": "rep_id", "value": rep,
             "problem": "rep left out of this run because of the problems listed for them",
             "expected": "; ".join(str(p) for p in probs[:3])} for rep, probs in sorted(md.bad_reps.items())]
