"""The month's data, read and validated once, with faults isolated per rep.

Rows with errors are left out and reported. A rep with any bad row is left out of the
batch entirely (their numbers would be wrong) and reported; the others go on. Problems
that no rep can be blamed for in sheets every rep depends on stop the batch.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbooks.cache import read_workbook_cached
from workbooks.engine_args import rep_quotas
from workbooks.i18n import check_language, settings_language
from workbooks.opening import WORKBOOK, ReadOptions
from workbooks.contract import BY_NAME, SHEETS
from workbooks.reader import SalesData, empty_frame
from workbooks.schema import ROW, Problem

from .periods import check_month

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
    left_out_rows: list[Problem] = field(default_factory=list)   # rows dropped that no rep is blamed for
    language: str = "en"          # of the reports, statements, dashboard and mail (workbooks.i18n)
    missing: tuple[str, ...] = ()  # optional sheets the workbook does not have (their features are off)

    @property
    def problems(self) -> list[Problem]:
        return self.data.problems

    @property
    def incomplete(self) -> bool:
        """Something of the workbook is not in this run's figures."""
        return bool(self.bad_reps or self.left_out_rows)

    def left_out_lines(self, errors_report: Path | str) -> list[str]:
        """One line per kind of thing left out, with its count, for the console."""
        lines = []
        if self.bad_reps:
            reps = sorted(self.bad_reps)
            shown = ", ".join(reps[:10]) + (f" and {len(reps) - 10} more" if len(reps) > 10 else "")
            lines.append(f"{len(reps)} rep(s) left out, their rows have errors: {shown} (see {errors_report})")
        kinds = Counter((p.sheet, p.column, p.problem) for p in self.left_out_rows)
        for (sheet, column, problem), n in sorted(kinds.items(), key=lambda kv: (kv[0][0], -kv[1])):
            lines.append(f"{n} {sheet} row(s) left out: {problem}" + (f" in {column}" if column else "")
                         + f" (see {errors_report})")
        return lines


def check_month_in_data(month: str, orders: pd.DataFrame, allow_empty: bool = False) -> None:
    """A month before the first order, or after the last (unless ``allow_empty``: a month just
    begun), is refused: its figures would be zeros, never what the user meant."""
    check_period_in_data(month, (month,), orders, allow_empty)


def check_period_in_data(key: str, months: tuple[str, ...], orders: pd.DataFrame, allow_empty: bool = False) -> None:
    """A period (``key``, touching ``months``) wholly before the first order's month, or wholly after
    the last's (unless ``allow_empty``), is refused, as a month is."""
    dates = orders["order_date"].dropna()
    if dates.empty:
        return
    first, last = dates.min().strftime("%Y-%m"), dates.max().strftime("%Y-%m")
    if months[-1] < first:
        raise ValueError(f"the workbook's orders cover {first} to {last}; {key} is before them")
    if months[0] > last and not allow_empty:
        raise ValueError(f"the workbook's orders cover {first} to {last}; {key} is after them "
                         f"(--allow-empty runs a {'month' if len(months) == 1 and key == months[0] else 'period'} "
                         "without orders yet)")


def load_month(workbook: Path, month: str, progress=None, options: ReadOptions = ReadOptions(),
               allow_empty: bool = False, language: str | None = None, period=None) -> MonthData:
    """The month's validated data; ``language`` (the command line's) wins over the workbook's
    Settings sheet. With ``period`` (a ``periods.Period``), the data for that period: ``month``
    is its last month, and the period, not the month, must be within the orders."""
    month = check_month(period.months[-1] if period is not None else month)
    data = read_workbook_cached(workbook, progress=progress, options=options)
    errors = data.errors
    stopping = [p for p in errors if p.row is None or p.blocking or p.sheet in SHARED or p.sheet == WORKBOOK]
    if stopping:
        raise BatchStopped(stopping)
    if period is not None:
        check_period_in_data(period.key, period.months, data.frames["Orders"], allow_empty)
    else:
        check_month_in_data(month, data.frames["Orders"], allow_empty)
    frames = dict(data.frames)
    known_reps = set(data.frames["Reps"]["rep_id"].dropna())
    by_row: dict[tuple[str, int], list[Problem]] = {}
    for p in errors:
        by_row.setdefault((p.sheet, p.row), []).append(p)
    bad_reps: dict[str, list[Problem]] = {}
    left_out: list[Problem] = []
    for sheet, frame in data.frames.items():
        rows = data.problem_rows(sheet)
        if not rows:
            continue
        bad = frame[ROW].isin(rows)
        for excel_row, rep in zip(frame.loc[bad, ROW], _row_owner(sheet, frame.loc[bad])):
            found = by_row.get((sheet, excel_row), [])
            if rep in known_reps:
                bad_reps.setdefault(rep, []).extend(found)
            else:   # nobody's: the row is left out, and said so (never silently)
                left_out.extend(found[:1])
        frames[sheet] = frame.loc[~bad]
    if bad_reps:
        for sheet, col in REP_COLUMN.items():
            if sheet in frames and sheet != "Customers":
                frames[sheet] = frames[sheet][~frames[sheet][col].isin(list(bad_reps))]
    missing = fill_missing_sheets(frames)
    years = sorted(set(frames["Targets"]["year"].dropna().astype(int)))
    quotas = rep_quotas(frames, years)
    lang = check_language(language) if language else settings_language(data.frames.get("Settings"))
    return MonthData(month, data, frames, quotas, bad_reps, left_out, lang, missing)


# sheets whose absence a report mentions (the others only add detail to what is there)
MENTIONED = ("Teams", "Customers", "Opportunities", "Activities", "Satisfaction", "Targets", "KPIs", "Plans")


def fill_missing_sheets(frames: dict[str, pd.DataFrame]) -> tuple[str, ...]:
    """Each sheet the workbook does not have, as an empty frame of its columns (Teams: one team
    per team the Reps name, without a manager); returns the absent sheets a report mentions."""
    absent = tuple(s.name for s in SHEETS if s.name not in frames)
    for name in absent:
        frames[name] = empty_frame(BY_NAME[name])
    if "Teams" in absent:
        teams = sorted(frames["Reps"]["team"].dropna().astype(str).unique())
        frames["Teams"] = pd.DataFrame({"team": teams, "manager": [None] * len(teams), "manager_email": None,
                                        "region": None, ROW: 0})
    return tuple(n for n in MENTIONED if n in absent)


def _row_owner(sheet: str, rows: pd.DataFrame) -> list:
    """The rep each row belongs to (None where it belongs to no rep or names none)."""
    if sheet == "Targets":
        return [key if level == "rep" else None for key, level in zip(rows["key"], rows["level"])]
    col = REP_COLUMN.get(sheet)
    return rows[col].tolist() if col is not None else [None] * len(rows)


def rep_failures(md: MonthData) -> list[Problem]:
    """Rows for the errors report: each left-out rep and why."""
    return [batch_problem("(batch)", "rep_id", rep, "rep left out of this run because of the problems listed for them",
                          "; ".join(str(p) for p in probs[:3])) for rep, probs in sorted(md.bad_reps.items())]


def batch_problem(where: str, column: str, value, problem: str, expected: str) -> Problem:
    """What a batch could not make or left out, as a row of errors.xlsx (``where``: "(reports)",
    "(commissions)", "(batch)")."""
    return Problem(where, None, column, value, problem, expected)
