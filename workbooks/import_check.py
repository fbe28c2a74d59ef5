"""The contract's checks on imported sheets, in memory, each problem told by the source cell
it came from (``orders.csv row 7 column Sales``), not only by the workbook's row: the same
rules as reading the workbook (blank required cells, choices, ranges, e-mail addresses, row
rules, duplicate keys, references between sheets), without writing and parsing it again.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .contract import BY_NAME
from .reader import _duplicate_keys, _rule_problems, check_references
from .schema import MAX_MAGNITUDE, ROW, Problem, SheetSchema, valid_email


@dataclass
class Origin:
    """Where a sheet's rows came from: the source's label, each row's source row (NaN for a
    row made from ids), and each contract column's source column."""
    label: str
    rows: np.ndarray
    columns: dict[str, str] = field(default_factory=dict)


def column_problems(schema: SheetSchema, frame: pd.DataFrame) -> list[Problem]:
    """Blank required cells, values outside a column's choices or range, malformed e-mail."""
    out = []
    for col in schema.columns:
        if col.name not in frame.columns:
            continue
        values = frame[col.name]
        blank = values.isna()
        checks = [] if col.nullable else [(blank, "required cell is blank")]
        if col.choices:
            checks.append((~blank & ~values.isin(col.choices), "not one of the allowed values"))
        if col.kind in ("number", "money", "integer") and (col.minimum is not None or col.maximum is not None):
            numbers = pd.to_numeric(values, errors="coerce")
            low = numbers < col.minimum if col.minimum is not None else False
            high = numbers > col.maximum if col.maximum is not None else False
            checks.append((low | high, "out of range"))
        if col.kind in ("number", "money", "integer"):
            big = pd.to_numeric(values, errors="coerce").abs() > MAX_MAGNITUDE[col.kind]
            checks.append((big, f"beyond the largest accepted value ({MAX_MAGNITUDE[col.kind]:,.0f})"))
        if col.kind == "email":
            checks.append((~values.map(lambda v: not isinstance(v, str) or valid_email(v)).astype(bool),
                           "not an e-mail address"))
        for mask, problem in checks:
            mask = np.asarray(mask, dtype=bool)
            out += [Problem(schema.name, int(r), col.name, v.item() if isinstance(v, np.generic) else v, problem,
                            col.expected) for r, v in zip(frame[ROW].to_numpy()[mask], values.to_numpy()[mask])]
    return out


def check(frames: dict[str, pd.DataFrame], origins: dict[str, Origin]) -> list[str]:
    """Every problem of the imported sheets, as lines naming the mapping key and source cell."""
    numbered = {name: frame.assign(**{ROW: np.arange(2, len(frame) + 2)}) for name, frame in frames.items()}
    problems = []
    for name, frame in numbered.items():
        schema = BY_NAME[name]
        problems += column_problems(schema, frame) + _rule_problems(frame, schema) + _duplicate_keys(frame, schema)
    problems += check_references(numbered)
    return [told(p, origins.get(p.sheet)) for p in problems if p.severity == "error"]


def told(p: Problem, origin: Origin | None) -> str:
    """A problem with the source cell it came from."""
    value = "blank" if p.value is None or p.value != p.value else repr(p.value)
    what = f"{value} {p.problem}; expected {p.expected}"
    if origin is None or p.row is None:
        return f"[{p.sheet}] {p.column}: {what}"
    source_row = origin.rows[p.row - 2] if p.row - 2 < len(origin.rows) else np.nan
    column = (p.column or "").split(",")[0]
    if np.isnan(source_row):
        return f"[{p.sheet}] {p.column}: a row made from the ids other sheets use (sheet row {p.row}): {what}"
    where = f"{origin.label} row {int(source_row)}"
    if column in origin.columns:
        where += f" column {origin.columns[column]}"
    return f"mapping [{p.sheet}] {p.column}: {where}: {what}"
