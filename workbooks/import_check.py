"""The contract's check of imported sheets, in memory, each problem told by the source cell it
came from (``orders.csv row 7 column Sales``), not only by the workbook's row. It is the
reader's own check (``reader.missing_sheets``, ``reader.check_rows``, ``reader.check_references``),
run on the frames about to be written, so that ``salesdesk import`` and ``salesdesk validate``
find the same problems on the same workbook, without writing and parsing it again.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .contract import BY_NAME, SHEETS
from .reader import check_references, check_rows, missing_sheets
from .schema import ROW, Problem


@dataclass
class Origin:
    """Where a sheet's rows came from: the source's label, each row's source row (NaN for a
    row made from ids), and each contract column's source column."""
    label: str
    rows: np.ndarray
    columns: dict[str, str] = field(default_factory=dict)


def check_frames(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Every problem ``salesdesk validate`` finds in a workbook of these sheets (row 1 the header);
    their id and text columns are as ``schema.parse_column`` reads them (the import's are)."""
    problems = missing_sheets(SHEETS, list(frames))
    typed = {}
    for name, frame in frames.items():
        rows = frame.assign(**{ROW: np.arange(2, len(frame) + 2, dtype=np.int64)})
        typed[name], found = check_rows(rows, BY_NAME[name], parsed=True)
        problems += found
    return problems + check_references({s.name: typed[s.name] for s in SHEETS if s.name in typed})


def check(frames: dict[str, pd.DataFrame], origins: dict[str, Origin]) -> tuple[list[str], list[str]]:
    """The errors and the warnings of the imported sheets, as lines naming the source cell."""
    problems = check_frames(frames)
    return ([told(p, origins.get(p.sheet)) for p in problems if p.severity == "error"],
            [told(p, origins.get(p.sheet)) for p in problems if p.severity != "error"])


def told(p: Problem, origin: Origin | None) -> str:
    """A problem with the source cell it came from (as validate says it when there is none)."""
    if origin is None or p.row is None:
        return str(p)
    value = "blank" if p.value is None or p.value != p.value else repr(p.value)
    what = f"{value} {p.problem}; expected {p.expected}"
    source_row = origin.rows[p.row - 2] if p.row - 2 < len(origin.rows) else np.nan
    column = (p.column or "").split(",")[0]
    if np.isnan(source_row):
        return f"[{p.sheet}] {p.column}: a row made from the ids other sheets use (sheet row {p.row}): {what}"
    where = f"{origin.label} row {int(source_row)}"
    if column in origin.columns:
        where += f" column {origin.columns[column]}"
    return f"mapping [{p.sheet}] {p.column}: {where}: {what}"
