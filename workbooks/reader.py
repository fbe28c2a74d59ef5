"""Fast, validated reading of the sales workbook.

Sheets are read with fastexcel (Rust calamine -> Arrow -> pandas), sampling every row
for types so a stray text in a number column is reported, never silently blanked.
Error cells and the sheet's origin come from one streamed scan of the sheet XML.
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
from .schema import ROW, Problem, SheetSchema, normalize_header, parse_column
from .xlsxscan import column_letters, scan_sheet

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
    """Which sheets to read (schema, actual sheet name) and the problems found opening the file."""
    path: Path
    wanted: list[SheetSchema]
    jobs: list[tuple[SheetSchema, str]]
    problems: list[Problem]


def plan_reading(path, sheets: Iterable[str] | None = None) -> ReadPlan:
    path = Path(path)
    wanted = [BY_NAME[s] for s in sheets] if sheets is not None else list(SHEETS)
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # not a workbook, unreadable, encrypted
        return ReadPlan(path, wanted, [], [Problem("(workbook)", None, None, str(path), f"cannot open: {exc}",
                                                   "an .xlsx workbook")])
    problems: list[Problem] = []
    present = {normalize_header(n): n for n in reader.sheet_names}
    jobs = []
    for schema in wanted:
        actual = present.get(normalize_header(schema.name))
        if actual is None:
            if not schema.optional:
                problems.append(Problem(schema.name, None, None, None, "sheet is missing",
                                        f"a sheet named {schema.name} with columns "
                                        + ", ".join(c.name for c in schema.columns)))
            continue
        jobs.append((schema, actual))
    # largest sheets first so that the two reading threads finish together
    jobs.sort(key=lambda j: j[0].name not in LARGE_SHEETS)
    return ReadPlan(path, wanted, jobs, problems)


def read_sheets(path: Path, jobs: list[tuple[SheetSchema, str]]) -> dict[str, tuple[pd.DataFrame | None, list[Problem]]]:
    """Read and validate each sheet on its own: sheet name -> (frame or None, its problems)."""
    def one(job):
        schema, actual = job
        # a reader per thread; the Rust parse releases the GIL, so two sheets overlap
        return read_sheet(fastexcel.read_excel(str(path)), path, actual, schema)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip([j[0].name for j in jobs], pool.map(one, jobs)))


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
                  progress: Callable[[str], None] | None = None) -> SalesData:
    """Read and validate the named sheets (default: all) and their cross-sheet keys."""
    plan = plan_reading(path, sheets)
    return assemble(plan, read_sheets(plan.path, plan.jobs), progress)


def read_sheet(reader, path: Path, sheet_name: str, schema: SheetSchema) -> tuple[pd.DataFrame | None, list[Problem]]:
    problems: list[Problem] = []
    with ThreadPoolExecutor(max_workers=1) as pool:   # the XML scan overlaps the load
        scanning = pool.submit(scan_sheet, path, sheet_name)
        grid = reader.load_sheet(sheet_name, header_row=None, dtypes="string", whitespace_as_null=True).to_pandas()
        scan = scanning.result()
    # One load, every cell as text: fastexcel's type inference would turn the text "n/a",
    # "NA", "null" or "#N/A" into blanks and blank stray text late in a column; we parse
    # types ourselves, vectorized, and report what does not parse.
    header_at = _find_header(grid.head(HEADER_SEARCH_ROWS), schema)
    if header_at is None:
        problems.append(Problem(schema.name, None, None, None, "no header row found",
                                "a header row naming " + ", ".join(c.name for c in schema.columns)))
        return None, problems
    header_row = scan.first_row + header_at
    if header_at > 0:
        problems.append(Problem(schema.name, header_row, None, None,
                                f"header found on row {header_row}; rows above it were skipped as titles",
                                "the header on the first row", severity="warning"))
    names = [normalize_header(v) if isinstance(v, str) else f"__unnamed__{j}"
             for j, v in enumerate(grid.iloc[header_at].tolist())]
    raw = grid.iloc[header_at + 1:].reset_index(drop=True)
    raw.columns = names
    raw = raw.loc[:, [not n.startswith("__unnamed__") or raw[n].notna().any() for n in names]]
    raw[ROW] = np.arange(len(raw), dtype=np.int64) + header_row + 1
    blank_rows = raw.drop(columns=[ROW]).isna().all(axis=1)
    errors_by_cell = {}
    first_col = scan.first_col
    for row, col, value in scan.errors:
        if row <= header_row:
            continue
        idx = col - first_col
        name = names[idx] if 0 <= idx < len(names) else column_letters(col)
        errors_by_cell[(row, name)] = value
        problems.append(Problem(schema.name, row, name, value, f"Excel error {value} in the cell",
                                "a value (fix the formula or the cell it refers to)"))
    if errors_by_cell:
        err_rows = {r for r, _ in errors_by_cell}
        blank_rows &= ~raw[ROW].isin(err_rows)
    raw = raw.loc[~blank_rows].reset_index(drop=True)
    error_mask = {}
    for (row, name) in errors_by_cell:
        error_mask.setdefault(name, set()).add(row)

    out = pd.DataFrame(index=raw.index)
    for col in schema.columns:
        if col.name not in raw.columns:
            if col.required:
                problems.append(Problem(schema.name, header_row, col.name, None, "column is missing",
                                        f"a column headed {col.name}: {col.expected}"))
            out[col.name] = pd.Series(np.nan if col.kind in ("number", "money", "integer") else None,
                                      index=raw.index, dtype=float if col.kind in ("number", "money", "integer") else
                                      "datetime64[ns]" if col.kind == "date" else object)
            continue
        source = raw[col.name]
        typed, bad = parse_column(source, col)
        errs = raw[ROW].isin(error_mask.get(col.name, ())).to_numpy()
        bad = bad & ~errs
        # a malformed address does not make the rep's numbers wrong: warn, keep the text; mail skips it
        problems += _cell_problems(schema, col.name, raw, bad, source, f"cannot be read as {col.kind}", col.expected,
                                   severity="warning" if col.kind == "email" else "error")
        ok = typed.notna()
        if not col.nullable:
            blank = ~ok & ~bad & ~errs
            problems += _cell_problems(schema, col.name, raw, blank, source, "required cell is blank", col.expected)
        if col.minimum is not None or col.maximum is not None:
            vals = typed.where(ok)
            out_of_range = pd.Series(False, index=raw.index)
            if col.minimum is not None:
                out_of_range |= (vals < col.minimum).fillna(False)
            if col.maximum is not None:
                out_of_range |= (vals > col.maximum).fillna(False)
            problems += _cell_problems(schema, col.name, raw, out_of_range, source, "out of range", col.expected)
        out[col.name] = typed
    for extra in raw.columns:
        if extra not in out.columns and extra != ROW:
            out[extra] = raw[extra]
    out[ROW] = raw[ROW].to_numpy()
    for rule in schema.rules:
        try:
            mask = rule.test(out).fillna(False).astype(bool)
        except (KeyError, TypeError):
            continue
        problems += _cell_problems(schema, rule.column, out, mask, out[rule.column], rule.problem, rule.expected)
    if schema.key and all(k in out.columns for k in schema.key):
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
    return out, problems


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
            bad = values.notna() & ~values.isin(target[ref.target].dropna().unique())
            problems += _cell_problems(schema, ref.column, frame, bad, values, f"unknown {ref.target}",
                                       f"a {ref.target} listed in {ref.sheet}")
    targets = frames.get("Targets")
    if targets is not None:
        for level, sheet, col in (("team", "Teams", "team"), ("rep", "Reps", "rep_id")):
            if sheet in frames:
                rows = targets["level"] == level
                bad = rows & targets["key"].notna() & ~targets["key"].isin(frames[sheet][col].dropna().unique())
                problems += _cell_problems(BY_NAME["Targets"], "key", targets, bad, targets["key"],
                                           f"unknown {level}", f"a {col} listed in {sheet}")
    seasonality = frames.get("Seasonality")
    if seasonality is not None:
        missing = sorted(set(range(1, 13)) - set(seasonality["month"].dropna().astype(int)))
        if missing:
            problems.append(Problem("Seasonality", None, "month", ", ".join(map(str, missing)),
                                    "months missing", "all twelve months 1-12"))
    return problems
