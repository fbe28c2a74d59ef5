"""Build the sales workbook from the exports people already have (CRM, ERP, shop) through a
mapping (TOML): which source file each contract sheet comes from and which source column,
constant or mapped value each contract column takes. docs/import.md documents the format.

Every source cell that cannot be read as its contract column says so in one line naming the
mapping key and the source cell (file, row, column, value); nothing is guessed: a date that
does not match its declared format, a number in a form the source does not declare, a value
its map does not list. Reps, Teams and Customers that no source lists are made from the ids
the other sheets use, with a warning. Sources: CSV (UTF-8 with or without BOM, or GB18030),
.xlsx, .xlsm, .xls, .ods (``file.xlsx#Sheet``).
"""
from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from addin.engine.money import cents_of, round_cents

from . import import_expr
from .contract import BY_NAME, CUSTOMERS, REPS, SHEETS
from .import_check import Origin, check
from .opening import MAX_ROWS
from .schema import SheetSchema, parse_column, text_to_float

SOURCE_ROW = "__source_row"       # the row in the source file (its header is row 1)
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
ENCODINGS = ("utf-8-sig", "gb18030")
MAX_SOURCE_BYTES = 2 << 30


class ImportProblems(Exception):
    """Problems with a mapping or its sources, each one line; nothing is written."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))

    @property
    def count(self) -> int:
        """How many problems: a line "... and 130 more" counts for the 130 it stands for."""
        return sum(getattr(line, "stands_for", 1) for line in self.lines)


class MoreLine(str):
    """The line that stands for the problems left out after the first ones of a kind."""

    def __new__(cls, text: str, stands_for: int):
        line = super().__new__(cls, text)
        line.stands_for = stands_for
        return line


@dataclass(frozen=True)
class Source:
    name: str
    path: Path
    sheet: str | None = None
    date_format: str | None = None
    decimal: str = "."

    @property
    def label(self) -> str:
        return self.path.name + (f"#{self.sheet}" if self.sheet else "")


@dataclass
class Imported:
    frames: dict[str, pd.DataFrame]
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)     # the contract's checks, told by source cell


# --- sources ----------------------------------------------------------------------------

def file_and_sheet(given: str, base: Path | None = None) -> tuple[Path, str | None]:
    """A source as written, ``FILE`` or ``FILE#SHEET``, as (the file, the sheet or None). A file
    whose own name holds a ``#`` is itself; otherwise the sheet is what follows the last ``#``.
    Relative files are read from ``base`` (the mapping's folder), else the working folder."""
    def resolved(text: str) -> Path:
        return ((base or Path.cwd()) / text).resolve()
    whole = resolved(str(given))
    if whole.is_file() or "#" not in str(given):
        return whole, None
    path, _, sheet = str(given).rpartition("#")
    return resolved(path), sheet or None


def parse_sources(spec: dict, base: Path) -> dict[str, Source]:
    out, problems = {}, []
    for name, value in spec.items():
        entry = {"path": value} if isinstance(value, str) else dict(value) if isinstance(value, dict) else None
        if entry is None or "path" not in entry:
            problems.append(f"mapping [sources] {name}: expected a file name or {{ path = ... }}")
            continue
        full, sheet = file_and_sheet(str(entry["path"]), base)
        decimal = entry.get("decimal", ".")
        if decimal not in (".", ","):
            problems.append(f"mapping [sources] {name}: decimal is {decimal!r}; expected . or ,")
        unknown = set(entry) - {"path", "date_format", "decimal"}
        if unknown:
            problems.append(f"mapping [sources] {name}: unknown key(s) {', '.join(sorted(unknown))}; "
                            "expected path, date_format, decimal")
        if not full.is_file():
            problems.append(f"mapping [sources] {name}: {full} does not exist")
        out[name] = Source(name, full, sheet, entry.get("date_format"), decimal)
    if problems:
        raise ImportProblems(problems)
    return out


def read_source(src: Source) -> pd.DataFrame:
    """Every cell as text (None for blank), named by the header, with the source row number."""
    size = src.path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise ImportProblems([f"{src.label}: {size / (1 << 20):,.0f} MB, over the limit of "
                              f"{MAX_SOURCE_BYTES >> 20:,} MB for one source"])
    if src.path.suffix.lower() in EXCEL_SUFFIXES:
        frame = _read_sheet(src)
    else:
        frame = _read_csv(src)
    frame.columns = [str(c).strip() for c in frame.columns]
    _headed_once(src, list(frame.columns))
    frame = frame.replace({"": None})
    frame[SOURCE_ROW] = np.arange(2, len(frame) + 2)
    return frame


def _headed_once(src: Source, names: list[str]) -> None:
    """A column headed twice cannot be mapped: which one is meant cannot be told."""
    problems = []
    for name in dict.fromkeys(names):
        at = [i + 1 for i, n in enumerate(names) if n == name]
        if len(at) > 1:
            times = "twice" if len(at) == 2 else f"{len(at)} times"
            problems.append(f"{src.label}: column {name!r} appears {times} in the header (columns "
                            + ", ".join(map(str, at[:-1])) + f" and {at[-1]})")
    if problems:
        raise ImportProblems(problems)


def _read_csv(src: Source) -> pd.DataFrame:
    """Every column as text (Arrow's multi-threaded CSV reader): UTF-8 (a BOM is skipped),
    else GB18030; the header's names from the first record."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    with src.path.open("rb") as f:
        head = f.read(1 << 16)
    for encoding in ENCODINGS:
        try:
            first = head.decode(encoding, errors="strict" if len(head) < 1 << 16 else "ignore")
            names = next(csv.reader(io.StringIO(first)), [])
            table = pacsv.read_csv(
                src.path, read_options=pacsv.ReadOptions(encoding="utf8" if encoding == "utf-8-sig" else encoding),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                     strings_can_be_null=True, null_values=[""]))
        except (UnicodeDecodeError, pa.ArrowInvalid) as exc:
            if encoding == ENCODINGS[-1]:
                reason = "not UTF-8 or GB18030 text; save it as CSV UTF-8" if isinstance(exc, UnicodeDecodeError) \
                    or "UTF8" in str(exc) else f"cannot be read as CSV: {' '.join(str(exc).split())}"
                raise ImportProblems([f"{src.label}: {reason}"]) from None
            continue
        return table.to_pandas()
    raise AssertionError("unreachable")


def _read_sheet(src: Source) -> pd.DataFrame:
    import fastexcel
    try:
        reader = fastexcel.read_excel(str(src.path))
        names = reader.sheet_names
        if src.sheet is not None and src.sheet not in names:
            raise ImportProblems([f"{src.label}: no sheet {src.sheet!r}; the file has {', '.join(names)}"])
        which = src.sheet if src.sheet is not None else 0
        head = reader.load_sheet(which, header_row=None, n_rows=1, dtypes="string").to_pandas()
        if len(head):              # fastexcel renames a second rep_id rep_id_1: the header as written
            _headed_once(src, [str(v).strip() if isinstance(v, str) and v.strip() else f"\0{j}"
                               for j, v in enumerate(head.iloc[0])])
        return reader.load_sheet(which, dtypes="string").to_pandas()
    except ImportProblems:
        raise
    except Exception as exc:   # damaged or not a spreadsheet
        raise ImportProblems([f"{src.label}: cannot be read: {' '.join(str(exc).split())}"]) from None


# --- converting cells ----------------------------------------------------------------------

def to_dates(values: pd.Series, date_format: str | None) -> tuple[pd.Series, pd.Series]:
    """Dates and the mask of cells that are not dates in ``date_format`` (ISO when none is given:
    a day-first or month-first text is never guessed). A spreadsheet's date cell arrives as
    ISO text, with a time of 00:00:00 that is dropped."""
    codes, distinct = pd.factorize(values)          # an export repeats its dates: parse each once
    text = pd.Series(distinct, dtype="string").str.strip()
    if text.str.endswith(":00").any():
        text = text.str.replace(r"[ T]00:00:00(\.0+)?$", "", regex=True)
    parsed = pd.to_datetime(text, format=date_format or "ISO8601", errors="coerce").to_numpy()
    out = pd.Series(np.where(codes >= 0, parsed[codes], np.datetime64("NaT")), index=values.index,
                    dtype="datetime64[ns]")
    return out, values.notna() & out.isna()


def to_numbers(values: pd.Series, decimal: str) -> tuple[pd.Series, pd.Series]:
    """Numbers, as the workbook's reader reads numbers stored as text (1,234.50, $1,234.50,
    (372.40), 85%; with ``decimal`` = ",": 1.234,50), and the mask of cells that are not."""
    numbers = text_to_float(values, decimal)
    return numbers, values.notna() & numbers.isna()


# --- the mapping ---------------------------------------------------------------------------

RESERVED = {"from", "where", "join", "distinct", "returns"}


def load_mapping(path: Path) -> tuple[dict, dict[str, Source]]:
    try:
        spec = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportProblems([f"{path}: cannot be read: {exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ImportProblems([f"{path}: not valid TOML: {exc}"]) from None
    if "sources" not in spec:
        raise ImportProblems([f"{path}: no [sources] table; it names the files to read"])
    sources = parse_sources(spec.pop("sources"), Path(path).resolve().parent)
    unknown = [k for k in spec if k not in BY_NAME]
    if unknown:
        raise ImportProblems([f"mapping [{k}]: not a sheet of the workbook; expected one of "
                              + ", ".join(BY_NAME) for k in unknown])
    return spec, sources


def run_mapping(mapping_path: Path, max_rows: int = MAX_ROWS) -> Imported:
    """The workbook's sheets from the mapping's sources, checked as validate checks them; a
    sheet past ``max_rows`` (Excel's limit, with its header) stops the import before writing."""
    spec, sources = load_mapping(mapping_path)
    cache: dict[str, pd.DataFrame] = {}

    def source(name: str, key: str) -> tuple[Source, pd.DataFrame]:
        if name not in sources:
            raise ImportProblems([f"mapping {key}: unknown source {name!r}; [sources] names "
                                  + ", ".join(sources)])
        if name not in cache:
            cache[name] = read_source(sources[name])
        return sources[name], cache[name]

    out, problems, warnings, origins = {}, [], [], {}
    for sheet, table in spec.items():
        try:
            out[sheet] = _sheet(BY_NAME[sheet], table, source, problems, warnings)
            origins[sheet] = Origin(sources[table["from"]].label, np.empty(0), _source_columns(table))
        except ImportProblems as exc:
            problems += exc.lines
    if problems:
        raise ImportProblems(problems)
    if "Customers" in out and "owner_rep_id" not in spec["Customers"]:
        out["Customers"]["owner_rep_id"] = out["Customers"]["customer_id"].map(owners_by_sales(out.get("Orders")))
    _made_up(out, warnings)
    _within_rows(out, origins, max_rows)
    for sheet, frame in out.items():       # made-up rows have no source row
        if sheet in origins:
            origins[sheet].rows = pd.to_numeric(frame.get(SOURCE_ROW), errors="coerce").to_numpy(dtype=float)
        out[sheet] = frame.drop(columns=[SOURCE_ROW], errors="ignore")
    errors, said = check(out, origins)
    return Imported(out, warnings + said, errors)


def _within_rows(frames: dict[str, pd.DataFrame], origins: dict[str, Origin], max_rows: int) -> None:
    """Stop before writing a sheet that a spreadsheet cannot open (its header is one row)."""
    for sheet, frame in frames.items():
        if len(frame) + 1 > max_rows:
            columns = origins[sheet].columns if sheet in origins else {}
            date = next((columns[c] for c in ("order_date", "date", "created") if c in columns), None)
            how = f'where = {{ "{date}" = {{ since = "YYYY-MM-DD" }} }}' if date else "where = { ... }"
            raise ImportProblems([f"mapping [{sheet}]: {len(frame):,} rows, more than the {max_rows - 1:,} a sheet holds "
                                  f"below its header; narrow the import with a filter, e.g. {how} in [{sheet}] "
                                  "(docs/import.md, Filters)"])


def owners_by_sales(orders: pd.DataFrame | None) -> pd.Series:
    """Customer -> its owner when no source names one: the rep with the most booked sales to
    the customer (in cents); on a tie, the rep of the latest of those orders, then the first rep
    id. A customer with no booked sales has none (docs/import.md). Vectorized: a million lines."""
    if orders is None or orders.empty:
        return pd.Series(dtype=object)
    booked = orders[(orders["status"] == "booked") & orders["customer_id"].notna() & orders["rep_id"].notna()]
    customer, customers = pd.factorize(booked["customer_id"])
    rep, reps = pd.factorize(booked["rep_id"], sort=True)          # codes in rep id order
    per = pd.DataFrame({"pair": customer.astype(np.int64) * max(len(reps), 1) + rep,
                        "cents": cents_of(booked["amount"].fillna(0.0)),   # a blank amount adds nothing
                        "day": booked["order_date"].to_numpy(dtype="datetime64[ns]").astype(np.int64)})
    per = per.groupby("pair", sort=False).agg(cents=("cents", "sum"), day=("day", "max")).reset_index()
    pair = per["pair"].to_numpy()
    who, rep_code = pair // max(len(reps), 1), pair % max(len(reps), 1)
    order = np.lexsort((rep_code, -per["day"].to_numpy(), -per["cents"].to_numpy(), who))
    first = order[np.r_[True, who[order][1:] != who[order][:-1]]] if len(order) else order
    return pd.Series(np.asarray(reps, dtype=object)[rep_code[first]], index=np.asarray(customers, dtype=object)[who[first]])


def _source_columns(table: dict) -> dict[str, str]:
    """Contract column -> the source column it is read from (constants have none)."""
    out = {}
    for key, given in table.items():
        if isinstance(given, str) and key not in RESERVED:
            out[key] = given
        elif isinstance(given, dict) and isinstance(given.get("column"), str):
            out[key] = given["column"]
        elif isinstance(given, dict) and isinstance(given.get("expr"), str):
            out[key] = given["expr"]
    return out


def _sheet(schema: SheetSchema, table: dict, source, problems: list[str], warnings: list[str]) -> pd.DataFrame:
    name = schema.name
    if "from" not in table:
        raise ImportProblems([f"mapping [{name}]: no from = \"source\"; which source the rows come from"])
    src, rows = source(table["from"], f"[{name}] from")
    rows = _joined(_where(rows, table.get("where", {}), src, name), table.get("join", []), source, src, name)
    columns = _contract_columns(schema, table, rows, src, problems, warnings)
    extra = sorted(set(table) - RESERVED - {c.name for c in schema.columns})
    if extra:
        problems.append(f"mapping [{name}]: {', '.join(extra)} is no column of {name}; its columns are "
                        + ", ".join(c.name for c in schema.columns))
    frame = pd.DataFrame(columns, index=rows.index)
    frame[SOURCE_ROW] = rows[SOURCE_ROW]
    returns = _returns(table["returns"], frame, rows, source, problems, warnings) \
        if "returns" in table and name == "Orders" else None
    if table.get("distinct"):
        frame = frame.drop_duplicates(subset=list(schema.key) or list(columns))
    if returns is not None:
        frame = pd.concat([frame, returns])
    return frame.reset_index(drop=True)


def _joined(rows: pd.DataFrame, joins: list, source, src: Source, sheet: str) -> pd.DataFrame:
    """The rows with each joined source's columns (``source.column``), the first match of each."""
    for j in joins:
        other_src, other = source(j.get("source"), f"[{sheet}] join")
        on = j.get("on")
        for frame, label in ((rows, src.label), (other, other_src.label)):
            if on not in frame.columns:
                raise ImportProblems([f"mapping [{sheet}] join on {on!r}: {label} has no column {on!r}; it has "
                                      + ", ".join(c for c in frame.columns if c != SOURCE_ROW)])
        right = other.drop(columns=[SOURCE_ROW]).drop_duplicates(on)
        right = right.rename(columns={c: f"{other_src.name}.{c}" for c in right.columns if c != on})
        rows = rows.merge(right, on=on, how="left").set_axis(rows.index)
    return rows


def _contract_columns(schema: SheetSchema, table: dict, rows: pd.DataFrame, src: Source, problems: list[str],
                      warnings: list[str]) -> dict[str, pd.Series]:
    """Each contract column from its mapping; a column left out is blank (where it may be),
    its documented default, or an error naming it."""
    name, columns = schema.name, {}
    for col in schema.columns:
        given = table.get(col.name)
        if given is not None:
            columns[col.name] = _column(col, given, rows, src, f"[{name}] {col.name}", problems)
        elif (name, col.name) in FILLED_LATER:
            columns[col.name] = pd.Series(None, index=rows.index, dtype=object)
            warnings.append(f"mapping [{name}]: no {col.name}; using {FILLED_LATER[(name, col.name)]}")
        elif col.required and (name, col.name) in DEFAULTS:
            value, said = DEFAULTS[(name, col.name)]
            warnings.append(f"mapping [{name}]: no {col.name}; using {said}")
            columns[col.name] = constant(col, value, rows.index, f"[{name}] {col.name}", problems)
        elif col.nullable and col.required:          # a blank column: its cells may be blank
            columns[col.name] = pd.Series(None, index=rows.index, dtype=object)
            warnings.append(f"mapping [{name}]: no {col.name}; left blank"
                            + (f" ({BLANK_MEANS[(name, col.name)]})" if (name, col.name) in BLANK_MEANS else ""))
        elif col.required:
            problems.append(f"mapping [{name}] {col.name}: no source for this column, which has no default; "
                            f"map it to a column of {src.label} (expected {col.expected})")
    return columns


DEFAULTS = {    # (sheet, column) -> (value, what the warning says)
    ("Reps", "capacity"): (1.0, "capacity 1 (full time) for every rep"),
    ("Reps", "active"): (True, "every rep active"),
    ("Orders", "status"): ("booked", "status booked for every line"),
    ("Orders", "quantity"): (1.0, "quantity 1 for every line"),
}


FILLED_LATER = {   # (sheet, column) -> the rule that fills it from the other sheets
    ("Customers", "owner_rep_id"): "the rep with the most booked sales to each customer (ties: the latest order; "
                                   "blank for a customer with none)",
}


BLANK_MEANS = {   # what a column left blank means (docs/import.md)
    ("Reps", "hire_date"): "no ramp for new hires",
    ("Reps", "plan_id"): "no commission",
    ("Reps", "email"): "reports are not mailed to the reps",
    ("Teams", "manager"): "no manager named",
    ("Teams", "manager_email"): "team reports are not mailed",
    ("Orders", "cost"): "no margin",
}


FILTERS = ("not_blank", "since", "until", "in", "not_in", ">", ">=", "<", "<=")
COMPARE = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}


def _where(rows: pd.DataFrame, where: dict, src: Source, sheet: str) -> pd.DataFrame:
    """The rows every filter keeps, before any cell is converted or checked: a value (or a
    list: any of), or tests: not_blank, since/until (dates, inclusive), in/not_in, > >= < <=.
    A cell a test cannot read (a date that is not one) is an error only in a row that the
    other filters keep."""
    if not isinstance(where, dict):
        raise ImportProblems([f"mapping [{sheet}] where: expected {{ column = value, column = {{ test = ... }} }}"])
    keep, problems, unread = pd.Series(True, index=rows.index), [], []
    for column, wanted in where.items():
        if column not in rows.columns:
            raise ImportProblems([f"mapping [{sheet}] where {column}: {src.label} has no column {column!r}; it has "
                                  + ", ".join(c for c in rows.columns if c != SOURCE_ROW)])
        key = f"[{sheet}] where {column}"
        if not isinstance(wanted, dict):
            keep &= rows[column].isin([str(w) for w in (wanted if isinstance(wanted, list) else [wanted])])
            continue
        unknown = sorted(set(wanted) - set(FILTERS))
        if not wanted:
            problems.append(f"mapping {key}: an empty test keeps every row; give one of {', '.join(FILTERS)}, "
                            "or leave the column out of where")
            continue
        if unknown:
            problems.append(f"mapping {key}: unknown test {', '.join(unknown)}; expected one of {', '.join(FILTERS)}")
            continue
        for test, given in wanted.items():
            kept, bad = _test(rows[column], test, given, src, key, problems)
            keep &= kept | bad
            if bad.any():
                unread.append((key, column, bad, "is not a " + ("date" if test in ("since", "until") else "number")))
    for key, column, bad, what in unread:
        _cells(problems, key, src, rows, column, bad & keep, what + (f" in {src.date_format}" if src.date_format
                                                                     and what.endswith("date") else ""),
               f"a {what.split()[-1]} to compare, or a filter that leaves this row out")
    if problems:
        raise ImportProblems(problems)
    return rows[keep]


def _test(values: pd.Series, test: str, given, src: Source, key: str,
          problems: list[str]) -> tuple[pd.Series, pd.Series]:
    """The rows one test keeps, and the cells it cannot read (a blank cell is kept only by
    not_blank = false and not_in)."""
    everything, nothing = pd.Series(True, index=values.index), pd.Series(False, index=values.index)
    if test == "not_blank":
        if not isinstance(given, bool):
            problems.append(f"mapping {key}: not_blank = {given!r}; expected true or false")
            return everything, nothing
        return (values.notna() if given else values.isna()), nothing
    if test in ("in", "not_in"):
        if not isinstance(given, list):
            problems.append(f"mapping {key}: {test} = {given!r}; expected a list such as [\"A\", \"B\"]")
            return everything, nothing
        hit = values.isin([str(g) for g in given])
        return (hit if test == "in" else ~hit), nothing
    if test in ("since", "until"):
        bound, bad = to_dates(pd.Series([str(given)]), None)
        if bad.iat[0] or bound.isna().iat[0]:
            problems.append(f"mapping {key}: {test} = {given!r}; expected an ISO date such as 2025-01-01")
            return everything, nothing
        dates, bad = to_dates(values, src.date_format)
        days = dates.dt.normalize()          # on the day: 2025-12-31 14:00 is on or before 2025-12-31
        return ((days >= bound.iat[0]) if test == "since" else (days <= bound.iat[0])), bad
    if isinstance(given, bool) or not isinstance(given, (int, float)):
        problems.append(f"mapping {key}: {test} {given!r}; expected a number")
        return everything, nothing
    numbers, bad = to_numbers(values, src.decimal)
    return pd.Series(COMPARE[test](numbers.to_numpy(dtype=float), given), index=values.index), bad


def constant(col, value, index: pd.Index, key: str, problems: list[str]) -> pd.Series:
    """A column of one value, typed as the contract column (a number as a number, not text)."""
    one = pd.Series([value])
    if col.kind in ("number", "money", "integer"):
        typed, bad = to_numbers(one.astype(str), ".") if not isinstance(value, (int, float)) or isinstance(value, bool) \
            else (one.astype(float), pd.Series([False]))
    elif col.kind == "date":
        typed, bad = to_dates(one.astype(str), None)
    elif col.kind == "bool":
        typed, bad = one, pd.Series([not isinstance(value, bool)])
    else:
        typed, bad = one.astype(str).astype(object), pd.Series([False])
    if bad.iat[0]:
        problems.append(f"mapping {key}: the constant {value!r} is not {col.expected}")
    typed = cents(typed) if col.kind == "money" else typed
    return pd.Series(np.repeat(typed.to_numpy(), len(index)), index=index)


def cents(amounts: pd.Series) -> pd.Series:
    """Money to the cent, half-up, as the workbook's reader reads it (addin.engine.money), so
    a SUM over the written sheet is the reports' figure."""
    return pd.Series(round_cents(amounts.to_numpy(dtype=float)), index=amounts.index)


def _column(col, given, rows: pd.DataFrame, src: Source, key: str, problems: list[str]) -> pd.Series:
    if isinstance(given, dict) and "value" in given:
        return constant(col, given["value"], rows.index, key, problems)
    if isinstance(given, dict) and "expr" in given:
        return _derived(col, given["expr"], rows, src, key, problems)
    column = given.get("column") if isinstance(given, dict) else given
    if not isinstance(column, str):
        problems.append(f"mapping {key}: expected a source column name, {{ value = ... }}, "
                        "{ column = ..., map = { ... } } or { expr = \"A - B\" }")
        return pd.Series(None, index=rows.index, dtype=object)
    if column not in rows.columns:
        problems.append(f"mapping {key}: {src.label} has no column {column!r}; it has "
                        + ", ".join(c for c in rows.columns if c != SOURCE_ROW))
        return pd.Series(None, index=rows.index, dtype=object)
    values = rows[column]
    if isinstance(given, dict) and "map" in given:
        values = _mapped(values, given["map"], rows, src, column, key, problems)
    return _converted(col, values, given.get("date_format") if isinstance(given, dict) else None,
                      rows, src, column, key, problems)


def _mapped(values: pd.Series, table: dict, rows: pd.DataFrame, src: Source, column: str, key: str,
            problems: list[str]) -> pd.Series:
    """Each value through the map; a value the map does not list is an error naming its cell."""
    table = {str(k): v for k, v in table.items()}
    mapped = values.map(table)
    bad = values.notna() & mapped.isna()
    _cells(problems, key, src, rows, column, bad, "is not in the map", "one of " + ", ".join(table))
    return mapped.where(~bad)


def _converted(col, values: pd.Series, date_format: str | None, rows: pd.DataFrame, src: Source, column: str,
               key: str, problems: list[str]) -> pd.Series:
    """Source text as the contract column's type; a cell that does not convert names its cell."""
    if col.kind == "date":
        fmt = date_format or src.date_format
        parsed, bad = to_dates(values, fmt)
        _cells(problems, key, src, rows, column, bad, "is not a date" + (f" in {fmt}" if fmt else ""),
               f"a date as {fmt}" if fmt else "an ISO date (2026-10-31), or date_format on the source")
        return parsed
    if col.kind in ("money", "number", "integer"):
        numbers, bad = to_numbers(values, src.decimal)
        _cells(problems, key, src, rows, column, bad, "is not a number",
               "a number with a decimal " + ("comma (1.234,50)" if src.decimal == "," else "point (1234.50)"))
        return cents(numbers) if col.kind == "money" else numbers
    return parse_column(values, col)[0]      # text as the reader reads it: stripped, a choice in lower case


def _derived(col, text, rows: pd.DataFrame, src: Source, key: str, problems: list[str]) -> pd.Series:
    """A column computed from source columns (workbooks/import_expr.py); a blank operand gives
    a blank cell, a cell that is not a number and a division by zero are errors naming the cell."""
    blank = pd.Series(np.nan, index=rows.index)
    if col.kind not in ("money", "number", "integer"):
        problems.append(f"mapping {key}: expr gives a number; {col.name} is {col.expected}")
        return blank
    said = import_expr.shown(text)
    try:
        node = import_expr.parse(text)
    except import_expr.ExprError as exc:
        problems.append(f"mapping {key}: expr {said!r}: {exc}")
        return blank
    values = {}
    first = {}                       # each column read once, however often the expression names it
    for c in import_expr.columns(node):
        first.setdefault(c.name, c)
    for c in first.values():
        if c.name not in rows.columns:
            problems.append(f"mapping {key}: expr {said!r}: {src.label} has no column {c.name!r} (position "
                            f"{c.position}); it has " + ", ".join(h for h in rows.columns if h != SOURCE_ROW))
            return blank
        numbers, bad = to_numbers(rows[c.name], src.decimal)
        _cells(problems, key, src, rows, c.name, bad, "is not a number", f"a number for {said}")
        values[c.name] = numbers.to_numpy(dtype=float)
    result = pd.Series(np.broadcast_to(import_expr.evaluate(node, values), (len(rows),)).astype(float), index=rows.index)
    zero = rows.loc[np.isinf(result), SOURCE_ROW]
    for row in zero.head(20):
        problems.append(f"mapping {key}: {src.label} row {row}: {said} divides by zero")
    if len(zero) > 20:
        problems.append(MoreLine(f"mapping {key}: ... and {len(zero) - 20} more row(s) of {src.label} where "
                                 f"{said} divides by zero", len(zero) - 20))
    result = result.where(np.isfinite(result))
    return cents(result) if col.kind == "money" else result


def _cells(problems: list[str], key: str, src: Source, rows: pd.DataFrame, column: str, bad: pd.Series,
           what: str, expected: str, limit: int = 20) -> None:
    hits = rows.loc[bad, [SOURCE_ROW, column]].head(limit + 1)
    for i, (row, value) in enumerate(hits.itertuples(index=False)):
        if i == limit:
            problems.append(MoreLine(f"mapping {key}: ... and {int(bad.sum()) - limit} more cell(s) in {src.label} "
                                     f"column {column} like these", int(bad.sum()) - limit))
            break
        problems.append(f"mapping {key}: {src.label} row {row} column {column}: {value!r} {what}; expected {expected}")


def _returns(spec: dict, orders: pd.DataFrame, rows: pd.DataFrame, source, problems: list[str],
             warnings: list[str]) -> pd.DataFrame:
    """A list that only flags returned orders (an order number, maybe a date) as return lines:
    each order line whose ``on`` column is flagged gets its reversal: quantity, amount and cost
    negated, status returned, original_order_id set, dated by ``date`` or its order's date."""
    src, flags = source(spec.get("source"), "[Orders.returns] source")
    on = spec.get("on")
    for label, frame in ((src.label, flags), ("the [Orders] source", rows)):
        if on not in frame.columns:
            problems.append(f"mapping [Orders.returns] on: {label} has no column {on!r}; it has "
                            + ", ".join(c for c in frame.columns if c != SOURCE_ROW))
            return orders.iloc[0:0]
    flagged = flags.dropna(subset=[on]).drop_duplicates(on).set_index(on)
    hit = rows[on].isin(flagged.index)
    unmatched = int((~flagged.index.isin(rows[on])).sum())
    if unmatched:
        warnings.append(f"mapping [Orders.returns]: {unmatched} flagged order(s) of {src.label} are not among the "
                        "orders imported; no return line for them")
    original = orders[hit]
    back = original.copy()
    back["original_order_id"] = original["order_id"]
    back["order_id"] = original["order_id"].astype(str) + "-R"
    back["status"] = "returned"
    for col in ("quantity", "amount", "cost"):
        back[col] = -pd.to_numeric(back[col], errors="coerce").abs()
    if spec.get("date"):
        column = spec["date"]
        if column not in flagged.columns:
            problems.append(f"mapping [Orders.returns] date: {src.label} has no column {column!r}")
            return back
        dates, bad = to_dates(flagged[column], src.date_format)
        _cells(problems, "[Orders.returns] date", src, flagged.reset_index(), column, pd.Series(bad.to_numpy()),
               "is not a date" + (f" in {src.date_format}" if src.date_format else ""),
               f"a date as {src.date_format}" if src.date_format else "an ISO date, or date_format on the source")
        back["order_date"] = rows.loc[hit, on].map(dates).to_numpy()
    else:
        warnings.append("mapping [Orders.returns]: no date; each return is dated on its original order's date")
    clash = back["order_id"].isin(orders["order_id"])
    if clash.any():
        problems.append(f"mapping [Orders.returns]: return line id {back.loc[clash, 'order_id'].iat[0]} is also an "
                        "order id; rename that order")
    return back


def _made_up(frames: dict[str, pd.DataFrame], warnings: list[str]) -> None:
    """Reps, Teams and Customers that no source lists, from the ids the other sheets use."""
    used = {"Reps": ("rep_id", [("Orders", "rep_id"), ("Opportunities", "rep_id"), ("Activities", "rep_id"),
                                ("Customers", "owner_rep_id")]),
            "Customers": ("customer_id", [("Orders", "customer_id"), ("Opportunities", "customer_id"),
                                          ("Activities", "customer_id")])}
    for sheet, (key, uses) in used.items():
        ids = pd.concat([pd.Series(dtype=object)] + [frames[s][c] for s, c in uses if s in frames and c in frames[s]],
                        ignore_index=True)
        ids = pd.Index(ids.dropna().astype(str).unique())
        have = frames.get(sheet)
        missing = list(ids if have is None else ids.difference(have[key].dropna().astype(str), sort=False))
        if not missing:
            continue
        schema = REPS if sheet == "Reps" else CUSTOMERS
        rows = pd.DataFrame({c.name: [None] * len(missing) for c in schema.columns})
        rows[key], rows["name"] = missing, missing
        if sheet == "Reps":
            rows["team"], rows["capacity"], rows["active"] = "(no team)", 1.0, True
        else:
            owners = owners_by_sales(frames.get("Orders"))
            rows["owner_rep_id"] = [owners.get(i) for i in missing]
        warnings.append(f"{len(missing)} {sheet} made from the ids other sheets use (name = id): "
                        + ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else ""))
        frames[sheet] = rows if have is None else pd.concat([have, rows], ignore_index=True)
    if "Teams" in frames and "Reps" in frames:
        have = set(frames["Teams"]["team"].astype(str))
        extra = sorted(set(frames["Reps"]["team"].dropna().astype(str)) - have)
        if extra:
            frames["Teams"] = pd.concat([frames["Teams"], pd.DataFrame({"team": extra})], ignore_index=True)
            warnings.append(f"{len(extra)} Teams made from the Reps' teams: " + ", ".join(extra[:5]))


def write_imported(frames: dict[str, pd.DataFrame], path) -> None:
    """The imported sheets as the sales workbook, in contract order (workbooks.bulkxlsx: a
    million rows in seconds)."""
    from .bulkxlsx import write_frames
    from .salesbook import WIDTHS
    order = [s.name for s in SHEETS if s.name in frames]
    widths = {n: [WIDTHS.get(BY_NAME[n].column(c).kind, 14) for c in frames[n].columns] for n in order}
    write_frames({n: frames[n] for n in order}, path, widths)
