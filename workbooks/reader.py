"""Fast, validated reading of the sales workbook.

Sheets are read with fastexcel (Rust calamine -> Arrow -> pandas), sampling every row
for types so a stray text in a number column is reported, never silently blanked.
Error cells (and where the data's first column is) come from one streamed scan of the
sheet XML (.xlsx); in .xls and .ods workbooks an error cell reads as a blank cell.
Every problem is collected (never the first one only) with its Excel row.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import fastexcel
import numpy as np
import pandas as pd

from .contract import BY_NAME, SHEETS
from .kpis import kpi_problems
from .opening import FORMATS, WORKBOOK, ReadOptions, check_file
from .schema import (DECIMAL_POINT, ROW, Problem, SheetSchema, normalize_header, number_problem,
                     parse_column)
from .xlsxscan import SheetScan, column_letters, scan_sheet

HEADER_SEARCH_ROWS = 30
LARGE_SHEETS = ("Orders", "Activities", "Opportunities")
# fastexcel logs a warning for every all-blank column; blanks are ours to judge.
logging.getLogger("fastexcel.types.dtype").setLevel(logging.ERROR)


class WorkbookError(Exception):
    """The workbook has problems; ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        head = "\n".join(f"  {p}" for p in errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} problem(s) in the workbook:\n{head}{more}")


@dataclass
class SalesData:
    """Every sheet as a typed frame (with ``_row``, the Excel row), and the problems found."""
    path: Path
    frames: dict[str, pd.DataFrame]
    problems: list[Problem] = field(default_factory=list)

    def __getitem__(self, sheet: str) -> pd.DataFrame:
        return self.frames[sheet]

    def get(self, sheet: str) -> pd.DataFrame:
        """The sheet, or an empty frame with its columns when an optional sheet is absent."""
        if sheet in self.frames:
            return self.frames[sheet]
        return empty_frame(BY_NAME[sheet])

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def raise_for_errors(self) -> None:
        if self.errors:
            raise WorkbookError(self.problems)

    def problem_rows(self, sheet: str) -> set[int]:
        return {p.row for p in self.errors if p.sheet == sheet and p.row is not None}


def empty_frame(schema: SheetSchema) -> pd.DataFrame:
    frame = pd.DataFrame({c.name: pd.Series(dtype="datetime64[ns]" if c.kind == "date" else
                                            float if c.kind in ("number", "money", "integer") else object)
                          for c in schema.columns})
    frame[ROW] = pd.Series(dtype="int64")
    return frame


@dataclass
class ReadPlan:
    """Which sheets to read (schema, actual sheet name), how, and the problems found opening
    the file."""
    path: Path
    wanted: list[SheetSchema]
    jobs: list[tuple[SheetSchema, str]]
    problems: list[Problem]
    format: str | None = None         # xlsx, xls or ods
    decimal: str = DECIMAL_POINT      # for numbers stored as text


def plan_reading(path, sheets: Iterable[str] | None = None, options: ReadOptions = ReadOptions()) -> ReadPlan:
    path = Path(path)
    wanted = [BY_NAME[s] for s in sheets] if sheets is not None else list(SHEETS)
    fmt, problems = check_file(path, options)
    if problems:
        return ReadPlan(path, wanted, [], problems, fmt)
    try:
        reader = fastexcel.read_excel(str(path))
        names = reader.sheet_names
    except Exception as exc:  # damaged, or a structure calamine cannot read
        return ReadPlan(path, wanted, [], [Problem(WORKBOOK, None, None, str(path), f"cannot be read: {_reason(exc)}",
                                                   f"a {FORMATS[fmt]} that Excel or LibreOffice can open and save",
                                                   blocking=True)], fmt)
    present = {normalize_header(n): n for n in names}
    problems += missing_sheets(wanted, names)
    jobs = [(schema, present[normalize_header(schema.name)]) for schema in wanted
            if normalize_header(schema.name) in present]
    decimal, found = _decimal_setting(reader, present.get("settings"), path, fmt, options)
    problems += found
    # largest sheets first so that the two reading threads finish together
    jobs.sort(key=lambda j: j[0].name not in LARGE_SHEETS)
    return ReadPlan(path, wanted, jobs, problems, fmt, decimal)


def missing_sheets(wanted: Iterable[SheetSchema], names: list[str]) -> list[Problem]:
    """A required sheet the workbook (sheets ``names``) does not have: one problem each."""
    present = {normalize_header(n) for n in names}
    return [Problem(schema.name, None, None, None, "sheet is missing",
                    f"a sheet named {schema.name} with columns " + ", ".join(c.name for c in schema.columns)
                    + " (the workbook has: " + ", ".join(names) + ")")
            for schema in wanted if not schema.optional and normalize_header(schema.name) not in present]


def _decimal_setting(reader, settings_sheet: str | None, path: Path, fmt: str,
                     options: ReadOptions) -> tuple[str, list[Problem]]:
    """The decimal separator: the command line's, else the Settings sheet's, else a point."""
    if options.decimal is not None:
        return options.decimal, []
    if settings_sheet is None:
        return DECIMAL_POINT, []
    frame, problems = read_sheet(reader, path, settings_sheet, BY_NAME["Settings"], fmt, DECIMAL_POINT)
    if frame is None or problems:
        return DECIMAL_POINT, []       # the Settings sheet's own problems are reported when it is read
    value = frame.loc[frame["setting"] == "decimal_separator", "value"]
    return (value.iat[0] if len(value) else DECIMAL_POINT), []


def _reason(exc: Exception) -> str:
    """An exception as one line a person can act on (calamine's messages span lines)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def read_sheets(plan: ReadPlan) -> dict[str, tuple[pd.DataFrame | None, list[Problem]]]:
    """Read and validate each sheet on its own: sheet name -> (frame or None, its problems).
    A sheet that cannot be read at all is one blocking problem, not an exception."""
    def one(job):
        schema, actual = job
        try:
            # a reader per thread; the Rust parse releases the GIL, so two sheets overlap
            reader = fastexcel.read_excel(str(plan.path))
            return read_sheet(reader, plan.path, actual, schema, plan.format, plan.decimal)
        except Exception as exc:   # a cut-off or malformed sheet
            return None, [Problem(schema.name, None, None, actual, f"sheet cannot be read: {_reason(exc)}",
                                  "a sheet that Excel or LibreOffice can open and save", blocking=True)]

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip([j[0].name for j in plan.jobs], pool.map(one, plan.jobs)))


def assemble(plan: ReadPlan, results: dict[str, tuple[pd.DataFrame | None, list[Problem]]],
             progress: Callable[[str], None] | None = None) -> SalesData:
    """The sheets' results in contract order, then the checks across sheets."""
    problems = list(plan.problems)
    frames: dict[str, pd.DataFrame] = {}
    for schema in plan.wanted:
        if schema.name not in results:
            continue
        if progress:
            progress(schema.name)
        frame, found = results[schema.name]
        problems += found
        if frame is not None:
            frames[schema.name] = frame
    problems += check_references(frames)
    return SalesData(plan.path, frames, problems)


def read_workbook(path, sheets: Iterable[str] | None = None,
                  progress: Callable[[str], None] | None = None, options: ReadOptions = ReadOptions()) -> SalesData:
    """Read and validate the named sheets (default: all) and their cross-sheet keys."""
    plan = plan_reading(path, sheets, options)
    return assemble(plan, read_sheets(plan), progress)


def read_sheet(reader, path: Path, sheet_name: str, schema: SheetSchema, fmt: str = "xlsx",
               decimal: str = DECIMAL_POINT) -> tuple[pd.DataFrame | None, list[Problem]]:
    """One sheet: find its header, type every contract column, check ranges, rules and keys."""
    problems: list[Problem] = []
    with ThreadPoolExecutor(max_workers=1) as pool:   # the XML scan overlaps the load
        scanning = pool.submit(scan_sheet, path, sheet_name) if fmt == "xlsx" else None
        # every cell as text, from row 1 (skip_rows=0 keeps leading blank rows: Excel's row
        # numbers hold in every format); fastexcel's own typing would turn "n/a" or "NA"
        # into blanks and blank stray text late in a column: we type, and report, ourselves
        grid = reader.load_sheet(sheet_name, header_row=None, skip_rows=0, dtypes="string",
                                 whitespace_as_null=True).to_pandas()
        scan = scanning.result() if scanning is not None else SheetScan()
    header_at = _find_header(grid.head(HEADER_SEARCH_ROWS), schema)
    if header_at is None:
        problems.append(Problem(schema.name, None, None, None, "no header row found",
                                "a header row naming " + ", ".join(c.name for c in schema.columns), blocking=True))
        return None, problems
    header_row = header_at + 1
    if grid.iloc[:header_at].notna().any(axis=None):
        problems.append(Problem(schema.name, header_row, None, None,
                                f"header found on row {header_row}; rows above it were skipped as titles",
                                "the header on the first row", severity="warning"))
    raw, names, found = _columns_under_header(grid, header_at, schema)
    problems += found
    flagged_rows = {r for r, _, _ in scan.errors} | {r for r, _ in scan.uncalculated}
    raw = raw.loc[~raw.drop(columns=[ROW]).isna().all(axis=1) | raw[ROW].isin(flagged_rows)]
    raw = raw.reset_index(drop=True)
    error_cells, found = _error_cells(scan, names, header_row, schema)
    problems += found
    out, found = check_rows(raw, schema, header_row, error_cells, decimal)
    return out, problems + found


def check_rows(raw: pd.DataFrame, schema: SheetSchema, header_row: int = 1,
               error_cells: dict[str, set[int]] | None = None, decimal: str = DECIMAL_POINT,
               parsed: bool = False) -> tuple[pd.DataFrame, list[Problem]]:
    """A sheet's rows (cells as text or typed, ``ROW`` their row numbers) typed as its
    contract columns, with every problem of the sheet alone: unreadable, blank or out-of-range
    cells, row rules, duplicate keys. The one check of a sheet: reading a workbook and
    importing one (workbooks/import_check.py) both call it. ``parsed``: the id and text
    columns already went through ``schema.parse_column`` (which finds nothing wrong in them
    and returns its own output unchanged), so they are not parsed again."""
    problems = []
    if schema.needs_rows and raw.empty:
        problems.append(Problem(schema.name, None, None, None, "the sheet has a header but no rows",
                                f"at least one row of {schema.name}", blocking=True))
    out, found = _typed_columns(raw, schema, header_row, error_cells or {}, decimal, parsed)
    problems += found
    problems += _rule_problems(out, schema)
    problems += _duplicate_keys(out, schema)
    return out, problems


def _columns_under_header(grid: pd.DataFrame, header_at: int, schema: SheetSchema):
    """The cells below the header, named by it (normalized), with each row's Excel number.
    Two headers that normalize alike ("amount" and "amount ") are a problem: which column is
    meant cannot be told; the first is used for a contract column only if it is not one."""
    problems = []
    names = [normalize_header(v) if isinstance(v, str) and v.strip() else f"__unnamed__{j}"
             for j, v in enumerate(grid.iloc[header_at].tolist())]
    wanted = {c.name for c in schema.columns}
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if name in seen:
            contract = name in wanted
            problems.append(Problem(schema.name, header_at + 1, name, grid.iat[header_at, j],
                                    f"duplicate column header (also column {column_letters(seen[name] + 1)})",
                                    "each column headed once", severity="error" if contract else "warning",
                                    blocking=contract))
            names[j] = f"__duplicate__{j}"
        else:
            seen[name] = j
    raw = grid.iloc[header_at + 1:].reset_index(drop=True)
    raw.columns = names
    keep = [not (n.startswith("__unnamed__") or n.startswith("__duplicate__")) or raw[n].notna().any() for n in names]
    raw = raw.loc[:, keep]
    raw[ROW] = np.arange(len(raw), dtype=np.int64) + header_at + 2
    return raw, names, problems


def _error_cells(scan: SheetScan, names: list[str], header_row: int, schema: SheetSchema):
    """Excel error cells (#N/A, #REF!) and formulas with no stored value under the header:
    column -> their rows, and a problem each."""
    by_column: dict[str, set[int]] = {}
    problems = []
    cells = [(row, col, value, f"Excel error {value} in the cell", "a value (fix the formula or the cell it "
              "refers to)") for row, col, value in scan.errors]
    cells += [(row, col, None, "a formula with no stored value (the file was saved by a program that does not "
               "calculate)", "the file opened and saved once in Excel or LibreOffice, which stores each formula's "
               "value, or the value typed in") for row, col in scan.uncalculated]
    for row, col, value, problem, expected in cells:
        if row <= header_row:
            continue
        idx = col - scan.first_col
        name = names[idx] if 0 <= idx < len(names) else column_letters(col)
        by_column.setdefault(name, set()).add(row)
        problems.append(Problem(schema.name, row, name, value, problem, expected))
    return by_column, problems


def _typed_columns(raw: pd.DataFrame, schema: SheetSchema, header_row: int, error_cells: dict[str, set[int]],
                   decimal: str, parsed: bool = False):
    """Each contract column typed (a missing one blank, and a problem if required), every
    cell that does not read, is blank where it must not be, or is out of range reported."""
    problems = []
    out = pd.DataFrame(index=raw.index)
    for col in schema.columns:
        numeric = col.kind in ("number", "money", "integer")
        if col.name not in raw.columns:
            if col.required:
                problems.append(Problem(schema.name, header_row, col.name, None, "column is missing",
                                        f"a column headed {col.name}: {col.expected}", blocking=True))
            out[col.name] = pd.Series(np.nan if numeric else None, index=raw.index,
                                      dtype=float if numeric else "datetime64[ns]" if col.kind == "date" else object)
            continue
        source = raw[col.name]
        typed, bad = (source, pd.Series(False, index=raw.index)) if parsed and col.kind in ("id", "text") \
            else parse_column(source, col, decimal)
        errs = raw[ROW].isin(error_cells.get(col.name, ())).to_numpy()
        bad = bad & ~errs
        problems += _unreadable(schema, col, raw, bad, source, decimal)
        ok = typed.notna()
        if not col.nullable:
            blank = ~ok & ~bad & ~errs
            problems += _cell_problems(schema, col.name, raw, blank, source, "required cell is blank", col.expected)
        if numeric:
            problems += _range_problems(schema, col, raw, typed.where(ok), source)
        out[col.name] = typed
    for extra in raw.columns:
        if extra not in out.columns and extra != ROW and not extra.startswith("__duplicate__"):
            out[extra] = raw[extra]
    out[ROW] = raw[ROW].to_numpy()
    return out, problems


def _unreadable(schema, col, raw, bad, source, decimal) -> list[Problem]:
    # a malformed address does not make the rep's numbers wrong: warn, keep the text; mail skips it
    found = _cell_problems(schema, col.name, raw, bad, source, f"cannot be read as {col.kind}", col.expected,
                           severity="warning" if col.kind == "email" else "error")
    if col.kind not in ("number", "money", "integer"):
        return found
    out = []
    for p in found:
        precise = number_problem(p.value, col.kind, decimal)
        out.append(p if precise is None else Problem(p.sheet, p.row, p.column, p.value, *precise))
    return out


def _range_problems(schema, col, raw, values: pd.Series, source) -> list[Problem]:
    problems = []
    if col.minimum is not None or col.maximum is not None:
        out_of_range = pd.Series(False, index=raw.index)
        if col.minimum is not None:
            out_of_range |= (values < col.minimum).fillna(False)
        if col.maximum is not None:
            out_of_range |= (values > col.maximum).fillna(False)
        problems += _cell_problems(schema, col.name, raw, out_of_range, source, "out of range",
                                   col.expected)
    return problems


def _rule_problems(out: pd.DataFrame, schema: SheetSchema) -> list[Problem]:
    problems = []
    for rule in schema.rules:
        try:
            mask = rule.test(out).fillna(False).astype(bool)
        except (KeyError, TypeError):
            continue
        problems += _cell_problems(schema, rule.column, out, mask, out[rule.column], rule.problem, rule.expected)
    return problems


def _duplicate_keys(out: pd.DataFrame, schema: SheetSchema) -> list[Problem]:
    if not schema.key or not all(k in out.columns for k in schema.key):
        return []
    problems = []
    keyed = out[list(schema.key)]
    dup = keyed.duplicated(keep="first") & keyed.notna().all(axis=1)
    if dup.any():
        first_rows = out.loc[~keyed.duplicated(keep="first")].set_index(list(schema.key))[ROW]
        for i in np.flatnonzero(dup.to_numpy()):
            key = tuple(keyed.iloc[i])
            first = first_rows.get(key if len(key) > 1 else key[0])
            problems.append(Problem(schema.name, int(out[ROW].iat[i]), ",".join(schema.key),
                                    " / ".join(str(k) for k in key), "duplicate key",
                                    f"a unique {' + '.join(schema.key)} (first used on row {first})"))
    return problems


def _find_header(head: pd.DataFrame, schema: SheetSchema) -> int | None:
    wanted = {c.name for c in schema.columns}
    best, best_hits = None, 0
    for i in range(len(head)):
        cells = {normalize_header(v) for v in head.iloc[i].tolist() if isinstance(v, str)}
        hits = len(cells & wanted)
        if hits > best_hits:
            best, best_hits = i, hits
    need = min(2, len(wanted))
    return best if best_hits >= need else None


def _cell_problems(schema, column, frame, mask, values, problem, expected, severity="error") -> list[Problem]:
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return []
    rows = frame[ROW].to_numpy()[mask]
    vals = pd.Series(values).to_numpy()[mask]
    return [Problem(schema.name, int(r), column, _plain(v), problem, expected, severity) for r, v in zip(rows, vals)]


def _plain(v):
    """A cell value as plain Python; a blank (NaN, NA, NaT) is None."""
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def _unknown(values: pd.Series, known: pd.Series) -> pd.Series:
    """Which values are given but not among ``known``. The hash table is built on the
    distinct values used, not on a long key column (original_order_id against every order_id)."""
    present = values.notna()
    used = values[present].unique()
    found = known[known.isin(used)].unique()
    return present & ~values.isin(found)


def check_references(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    problems: list[Problem] = []
    for schema in SHEETS:
        frame = frames.get(schema.name)
        if frame is None:
            continue
        for ref in schema.references:
            target = frames.get(ref.sheet)
            if target is None or ref.column not in frame.columns:
                continue
            values = frame[ref.column]
            bad = _unknown(values, target[ref.target])
            problems += _cell_problems(schema, ref.column, frame, bad, values, f"unknown {ref.target}",
                                       f"a {ref.target} listed in {ref.sheet}")
    targets = frames.get("Targets")
    if targets is not None:
        for level, sheet, col in (("team", "Teams", "team"), ("rep", "Reps", "rep_id")):
            if sheet in frames:
                rows = targets["level"] == level
                bad = rows & _unknown(targets["key"], frames[sheet][col])
                problems += _cell_problems(BY_NAME["Targets"], "key", targets, bad, targets["key"],
                                           f"unknown {level}", f"a {col} listed in {sheet}")
    seasonality = frames.get("Seasonality")
    if seasonality is not None:
        missing = sorted(set(range(1, 13)) - set(seasonality["month"].dropna().astype(int)))
        if missing:
            problems.append(Problem("Seasonality", None, "month", ", ".join(map(str, missing)),
                                    "months missing", "all twelve months 1-12"))
    return problems + kpi_problems(frames)
