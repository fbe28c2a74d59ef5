"""Excel values in, engine values out, and back.

xlwings hands a worksheet function its arguments as Excel gives them: a range is a
2-D list of rows, a single cell a scalar, a blank cell ``None``, a date a ``datetime``
or an Excel serial number, an error cell a string such as ``"#N/A"`` (with
``err_to_str``) or an error object. These helpers turn them into validated engine
inputs and raise :class:`InputError` naming the argument, row and value otherwise.
"""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any, Iterable, Sequence

import numpy as np

from .engine import serials
from .engine.errors import InputError

EXCEL_ERRORS = frozenset({"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!"})
_ORDINAL_1970 = dt.date(1970, 1, 1).toordinal()


def is_error(value: Any) -> bool:
    """True for an Excel error cell however it arrived (text like ``#N/A`` or an error object)."""
    if isinstance(value, str):
        return value.strip().upper() in EXCEL_ERRORS
    # Error objects (e.g. a reader's CellError) carry "error" in their type name.
    return "error" in type(value).__name__.lower()


def scalar_of(value: Any) -> Any:
    """A 1x1 range ([[x]] or [x]) as the single value it holds; anything else unchanged."""
    while isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return value


def is_blank(value: Any) -> bool:
    value = scalar_of(value)
    return value is None or (isinstance(value, str) and value.strip() == "") or (
        isinstance(value, float) and math.isnan(value))


def rows_of(value: Any) -> list[list[Any]]:
    """Any Excel argument as a list of rows: scalar -> [[x]], 1-D list -> one column."""
    if value is None:
        return []
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if not value:
            return []
        if all(isinstance(r, (list, tuple)) for r in value):
            return [list(r) for r in value]
        return [[v] for v in value]
    return [[value]]


def column_of(value: Any, argument: str) -> list[Any]:
    """A one-column (or one-row) range as a flat list, in reading order."""
    if isinstance(value, list) and value and isinstance(value[0], list) and len(value[0]) == 1:
        try:  # the common shape, a column: one pass, no copies
            if max(map(len, value)) == 1:
                return [r[0] for r in value]
        except (TypeError, IndexError):
            pass
    rows = rows_of(value)
    if not rows:
        return []
    width = max(len(r) for r in rows)
    if width == 1:
        return [r[0] if r else None for r in rows]
    if len(rows) == 1:
        return list(rows[0])
    raise InputError(argument, f"expected a single row or column, got {len(rows)} rows x {width} columns")


def number(value: Any, argument: str, *, row: int | None = None, blank: float | None = None,
           minimum: float | None = None, allow_equal_minimum: bool = True) -> float | None:
    """One cell as a float. Blank gives ``blank`` (an error when that is None)."""
    value = scalar_of(value)
    if is_blank(value):
        if blank is None:
            raise InputError(argument, "a number is required here", value=None, row=row, has_value=True)
        return blank
    if is_error(value):
        raise InputError(argument, "fix the error cell it refers to", value=str(value), row=row)
    if isinstance(value, bool):
        raise InputError(argument, "expected a number, not TRUE/FALSE", value=value, row=row)
    if isinstance(value, (int, float, Decimal, np.integer, np.floating)):
        out = float(value)
    elif isinstance(value, str):
        try:
            out = float(value.strip().replace(",", ""))
        except ValueError:
            raise InputError(argument, "expected a number", value=value, row=row) from None
    else:
        raise InputError(argument, "expected a number", value=str(value), row=row)
    if math.isnan(out) or math.isinf(out):
        raise InputError(argument, "expected a finite number", value=value, row=row)
    if minimum is not None and (out < minimum or (not allow_equal_minimum and out == minimum)):
        rule = "zero or more" if minimum == 0 and allow_equal_minimum else f"more than {minimum}" if not allow_equal_minimum else f"at least {minimum}"
        raise InputError(argument, f"{argument} must be {rule}", value=value, row=row)
    return out


def numbers(value: Any, argument: str, *, blank: float | None = 0.0, minimum: float | None = None) -> np.ndarray:
    """A one-column range as a float array (blank cells become ``blank``)."""
    cells = column_of(value, argument)
    return _numbers_from_cells(cells, argument, blank=blank, minimum=minimum)


def _numbers_from_cells(cells: Sequence[Any], argument: str, *, blank, minimum) -> np.ndarray:
    # Fast path: a column that is already all floats/ints converts in one call.
    try:
        arr = np.asarray(cells, dtype=float)
        if len(cells) == 0 or (not any(isinstance(c, bool) for c in cells) and not np.isnan(arr).any()):
            if minimum is not None and (arr < minimum).any():
                i = int(np.argmax(arr < minimum))
                number(cells[i], argument, row=i + 1, minimum=minimum)
            return arr
    except (TypeError, ValueError):
        pass
    return np.array([number(c, argument, row=i + 1, blank=blank, minimum=minimum)
                     for i, c in enumerate(cells)], dtype=float)


def date(value: Any, argument: str, *, row: int | None = None, required: bool = True) -> dt.date | None:
    """One cell as a date: a datetime, a date, an Excel serial number, or ISO text."""
    value = scalar_of(value)
    if is_blank(value):
        if required:
            raise InputError(argument, "a date is required here", value=None, row=row, has_value=True)
        return None
    if is_error(value):
        raise InputError(argument, "fix the error cell it refers to", value=str(value), row=row)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]").item()
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return serial_to_date(float(value), argument, row=row)
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            try:
                return serial_to_date(float(text), argument, row=row)
            except ValueError:
                pass
        raise InputError(argument, "expected a date (a date cell, a serial number or YYYY-MM-DD)", value=value, row=row)
    raise InputError(argument, "expected a date", value=str(value), row=row)


def serial_to_date(serial: float, argument: str = "date", *, row: int | None = None) -> dt.date:
    if not serials.is_date_serial(serial):
        raise InputError(argument, f"expected a date serial {serials.SERIAL_RANGE}", value=serial, row=row)
    return serials.serial_to_date(serial)


def date_to_serial(day: dt.date) -> int:
    return int(serials.date_to_serial(day))


def dates(value: Any, argument: str, *, required: bool = True) -> list[dt.date | None]:
    return [date(c, argument, row=i + 1, required=required) for i, c in enumerate(column_of(value, argument))]


def dates_array(value: Any, argument: str) -> np.ndarray:
    """A date column as ``datetime64[D]``; serials and datetimes take a vectorized path."""
    cells = column_of(value, argument)
    if not cells:
        return np.array([], dtype="datetime64[D]")
    first = cells[0]
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        try:
            arr = np.asarray(cells, dtype=float)
            if not np.isnan(arr).any() and serials.is_date_serial(arr).all():
                return serials.serials_to_days(arr)
        except (TypeError, ValueError):
            pass
    if isinstance(first, (dt.datetime, dt.date)):
        try:  # date cells as xlwings passes them: ordinals in one C-level pass (time of day dropped)
            ordinals = np.fromiter((c.toordinal() for c in cells), dtype=np.int64, count=len(cells))
            return (ordinals - _ORDINAL_1970).astype("datetime64[D]")
        except (AttributeError, TypeError):
            pass  # a serial, text or blank among the dates: take the careful path
    return np.array(dates(cells, argument), dtype="datetime64[D]")


def text(value: Any, argument: str, *, row: int | None = None, default: str | None = None,
         choices: Iterable[str] | None = None) -> str:
    value = scalar_of(value)
    if is_blank(value):
        if default is None:
            raise InputError(argument, "a value is required here", value=None, row=row, has_value=True)
        return default
    if is_error(value):
        raise InputError(argument, "fix the error cell it refers to", value=str(value), row=row)
    out = _id_text(value)
    if choices is not None:
        allowed = list(choices)
        if out.lower() not in allowed:
            raise InputError(argument, f"expected one of {', '.join(allowed)}", value=value, row=row)
        return out.lower()
    return out


def _id_text(value: Any) -> str:
    """Cell as text; whole numbers typed as IDs (101.0) read as "101"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def boolean(value: Any, argument: str, *, default: bool) -> bool:
    value = scalar_of(value)
    if is_blank(value):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    raise InputError(argument, "expected TRUE or FALSE", value=value)


def table(value: Any, argument: str, columns: Sequence[str], *, required: Sequence[str] = ()) -> dict[str, list[Any]]:
    """A table argument as named columns.

    If the first row holds the names of ``columns`` (any case, surrounding spaces ignored)
    it is taken as the header and columns are matched by name; otherwise the columns are
    taken in the documented order. Fully blank rows are skipped.
    """
    rows = rows_of(value)
    if not rows:
        return {c: [] for c in columns}
    header = [str(h).strip().lower().replace(" ", "_") if isinstance(h, str) else None for h in rows[0]]
    wanted = [c.lower() for c in columns]
    if sum(1 for h in header if h in wanted) >= max(1, min(len(required) or 1, len(header))):
        body, picks = rows[1:], _picks_by_name(header, argument, columns, required)
    else:
        body, picks = rows, _picks_in_order(rows, argument, columns, required)
    body = [r for r in body if not all(is_blank(v) for v in r)]
    return {c: [(r[i] if i is not None and i < len(r) else None) for r in body] for c, i in picks.items()}


def _picks_by_name(header: list, argument: str, columns: Sequence[str], required: Sequence[str]) -> dict:
    index = {h: i for i, h in enumerate(header) if h}
    missing = [c for c in required if c.lower() not in index]
    if missing:
        raise InputError(argument, f"the header row has no column {', '.join(missing)}")
    return {c: index.get(c.lower()) for c in columns}


def _picks_in_order(rows: list, argument: str, columns: Sequence[str], required: Sequence[str]) -> dict:
    width = max(len(r) for r in rows)
    if width < len(required):
        raise InputError(argument, f"expected at least {len(required)} columns ({', '.join(required)}), got {width}")
    return {c: (i if i < width else None) for i, c in enumerate(columns)}


def matrix(rows: list[list[Any]], argument: str, columns: Sequence[int], names: Sequence[str]) -> np.ndarray:
    """Numeric block of a table (blank -> NaN), vectorized when the cells are plain numbers."""
    out = np.empty((len(rows), len(columns)), dtype=float)
    for j, (c, name) in enumerate(zip(columns, names)):
        cells = [r[c] if c < len(r) else None for r in rows]
        try:
            out[:, j] = np.asarray(cells, dtype=float)
            if not any(isinstance(v, (bool, str)) for v in cells[:1]):
                continue
        except (TypeError, ValueError):
            pass
        out[:, j] = [np.nan if is_blank(v) else number(v, argument, row=i + 2) for i, v in enumerate(cells)]
    return out
