"""Sheet contracts: a schema per sheet, and the vectorized checks that turn raw columns
into typed ones while collecting every problem (sheet, Excel row, column, value, expected)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from addin.engine.money import round_cents
from addin.engine.serials import is_date_serial, serials_to_days

ROW = "_row"  # every validated frame keeps the Excel row each record came from

KINDS = {
    "id": "text identifier",
    "text": "text",
    "email": "e-mail address",
    "integer": "whole number",
    "number": "number",
    "money": "amount (number, rounded to the cent)",
    "date": "date",
    "bool": "TRUE or FALSE",
    "choice": "one of a fixed list",
    "period": "month as YYYY-MM",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    meaning: str
    required: bool = True      # the column must be present
    nullable: bool = False     # a cell may be blank
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    @property
    def expected(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        text = KINDS[self.kind]
        if self.minimum is not None and self.maximum is not None:
            text += f" from {_num(self.minimum)} to {_num(self.maximum)}"
        elif self.minimum is not None:
            text += f" of at least {_num(self.minimum)}"
        return text


@dataclass(frozen=True)
class Reference:
    column: str
    sheet: str
    target: str


@dataclass(frozen=True)
class RowRule:
    """A vectorized rule: ``test(frame)`` gives a mask of the rows that break it."""
    column: str
    test: Callable[[pd.DataFrame], pd.Series]
    problem: str
    expected: str


@dataclass(frozen=True)
class SheetSchema:
    name: str
    meaning: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    rules: tuple[RowRule, ...] = ()
    optional: bool = False
    needs_rows: bool = False   # a sheet with only its header is an error (nothing can be computed)
    turns_on: str = ""         # for an optional sheet: what having it adds (docs/workbook.md)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    value: object
    problem: str
    expected: str
    severity: str = "error"
    blocking: bool = False     # the sheet or file cannot be used at all (a batch stops)

    def as_dict(self) -> dict:
        return {"severity": self.severity, "sheet": self.sheet, "row": self.row, "column": self.column,
                "value": _shown(self.value), "problem": self.problem, "expected": self.expected}

    def __str__(self) -> str:
        if self.sheet == "(workbook)":      # the file itself: its path is the value
            return f"{self.value}: {self.problem}; expected {self.expected}"
        where = f"{self.sheet}"
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f" column {self.column}"
        blank = self.value is None or (isinstance(self.value, float) and np.isnan(self.value))
        value = "" if blank else f" ({_shown(self.value)})"    # not "required cell is blank ((blank))"
        return f"{where}: {self.problem}{value}; expected {self.expected}"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _shown(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "(blank)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    return str(value)


def normalize_header(name) -> str:
    return "_".join(str(name).strip().lower().split())


# --- typing columns -----------------------------------------------------------------

# Numbers stored as text. With a decimal point (the default): 1234.50, 1,234.50 (commas
# only between groups of three), $1,234.50, (372.40) as -372.40, 85% as 0.85, 1e5. With a
# decimal comma (the workbook's Settings sheet or --decimal-comma): 1.234,50 and 1 234,50.
# Anything else (372,40 without the setting, 1.234,50, inf, 1,23,4) is not read as a number.
# Chinese exports and hand-kept sheets also write full-width digits, separators and signs
# (１２３４．５０, －, ％, （）), 元 or 人民币 as the currency (1,234.50元, 人民币 1,234.50), and dates
# as 2026年9月5日: read exactly, as their ASCII forms. 1.2万 (ten thousands) is not read.
DECIMAL_POINT, DECIMAL_COMMA = ".", ","
_CURRENCY = "$€£¥￥"
_CURRENCY_WORDS = r"^(?:人民币|RMB|CNY)\s*|\s*(?:元|人民币|RMB|CNY)$"
# the full-width forms of ASCII (U+FF01-FF5E) and the ideographic space, as ASCII; nothing else
# (NFKC would also turn 10² into 102)
FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SPACES = "\u00a0\u202f\u2009"          # no-break and thin spaces, as exports write them
_NUMBER = {
    DECIMAL_POINT: r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)?(?:\.\d*)?(?:[eE][+-]?\d+)?",
    DECIMAL_COMMA: r"[+-]?(?:\d+|\d{1,3}(?:[. ]\d{3})+)?(?:,\d*)?",
}
# In a decimal-comma workbook, number cells still arrive as 1234.5 (the reader gives every
# cell as text): a dot followed by other than exactly three digits is such a number. One
# dot group of three (1.234) could be either, and is an error.
_POINT_NUMBER = r"[+-]?\d+\.\d+(?:[eE][+-]?\d+)?|[+-]?\d+[eE][+-]?\d+"
_AMBIGUOUS_DOT = r"[+-]?[1-9]\d{0,2}\.\d{3}"
# What a decimal-comma number looks like when the workbook has not said it uses them.
_DECIMAL_COMMA_TEXT = r"[+-]?\(?[^\d(]*(?:\d{1,3}(?:\.\d{3})+,\d+|\d+,\d{1,2}|\d+,\d{4,})\)?%?"


# The largest size a number may have, by kind: beyond it a value is a typo or a unit error,
# and sums of a million such amounts would no longer be exact in integer cents.
MAX_MAGNITUDE = {"money": 1e10, "number": 1e12, "integer": 1e12}

# A valid e-mail address, the one rule for validate and for mail: an ASCII local part (what
# every SMTP server takes without SMTPUTF8) and a dotted domain whose last label is letters
# (or an IDN's xn-- form). josé@example.com and x@example.c0m are not valid.
EMAIL_PATTERN = (r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                 r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.(?:[A-Za-z]{2,}|xn--[A-Za-z0-9-]+)")


def valid_email(text) -> bool:
    import re
    return isinstance(text, str) and len(text) <= 254 and re.fullmatch(EMAIL_PATTERN, text) is not None


_TRUE = {"true", "yes", "y", "1", "1.0"}
_FALSE = {"false", "no", "n", "0", "0.0"}


def _is_text(s: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s)
                or pd.api.types.is_bool_dtype(s))


def _as_id(s: pd.Series) -> pd.Series:
    """Identifiers and text as stripped Python strings (None for blank), vectorized."""
    if pd.api.types.is_float_dtype(s) or pd.api.types.is_integer_dtype(s):
        whole = s.dropna()
        if (whole == np.floor(whole)).all():
            return s.astype("Int64").astype("string").astype(object).where(s.notna(), None)
        return s.astype("string").astype(object).where(s.notna(), None)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), None)
    text = s.astype("string").str.strip()
    # whole numbers written by other programs as "101.0" are the ID 101 (the regex only where
    # a cell has a dot: most ID columns have none, and the test is 10x cheaper than the regex)
    if text.str.contains(".", regex=False).any():
        text = text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    return text.astype(object).where(text.notna() & (text != ""), None)


def parse_column(raw: pd.Series, col: Column, decimal: str = DECIMAL_POINT) -> tuple[pd.Series, pd.Series]:
    """Typed column and a mask of cells that could not be read as ``col.kind``."""
    present = raw.notna()
    bad = pd.Series(False, index=raw.index)
    kind = col.kind
    if kind in ("id", "text", "email", "choice"):
        return _per_distinct(raw, lambda values: _parse_text(values, col))
    return _parse_other(raw, col, decimal, present, bad)


def _per_distinct(raw: pd.Series, parse) -> tuple[pd.Series, pd.Series]:
    """``parse(raw)`` computed on each distinct value once when values repeat (a rep id on a
    million order lines): the same result for a fraction of the work."""
    head = raw.iloc[:10_000]
    if len(raw) < 10_000 or head.nunique() * 2 > len(head):      # mostly distinct (order ids)
        return parse(raw)
    codes, uniques = pd.factorize(raw)
    if not len(uniques) or len(uniques) * 2 > len(raw):
        return parse(raw)
    out, bad = parse(pd.Series(uniques))
    present = codes >= 0
    at = np.where(present, codes, 0)
    return (pd.Series(np.where(present, out.to_numpy(dtype=object)[at], None), index=raw.index, dtype=object),
            pd.Series(present & bad.to_numpy(dtype=bool)[at], index=raw.index))


def _parse_text(raw: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    """An id, text, e-mail or choice column: stripped text; a choice in lower case."""
    kind = col.kind
    bad = pd.Series(False, index=raw.index)
    out = _as_id(raw)
    if kind == "choice":
        low = out.str.lower() if len(out) else out
        low = low.where(out.notna(), None)
        bad = out.notna() & ~low.isin(col.choices)
        out = low
    elif kind == "email":
        text = out.astype("string")
        ok = text.str.fullmatch(EMAIL_PATTERN).fillna(False).astype(bool) & (text.str.len() <= 254).fillna(False)
        bad = out.notna() & ~ok
    return out, bad


def _parse_other(raw: pd.Series, col: Column, decimal: str, present: pd.Series,
                 bad: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A number, money, integer, date, bool or period column."""
    kind = col.kind
    if kind in ("integer", "number", "money"):
        if pd.api.types.is_bool_dtype(raw):
            return pd.Series(np.nan, index=raw.index), present
        if pd.api.types.is_datetime64_any_dtype(raw):
            return pd.Series(np.nan, index=raw.index), present
        if _is_text(raw):
            out = text_to_float(raw, decimal)
        else:
            out = raw.astype(float)
            out = out.where(np.isfinite(out))
        out = out.where(~(out.abs() > MAX_MAGNITUDE[kind]))   # beyond the bound: not a usable number
        bad = present & out.isna()
        if kind == "integer":
            bad |= out.notna() & (out != np.floor(out))
        if kind == "money":
            out = _round_cents(out)
        return out, bad
    if kind == "date":
        return _parse_dates(raw)
    if kind == "bool":
        if pd.api.types.is_bool_dtype(raw):
            return raw.astype(object).where(present, None), bad
        text = raw.astype("string").str.strip().str.lower()
        out = pd.Series(None, index=raw.index, dtype=object)
        out[text.isin(_TRUE).fillna(False).astype(bool)] = True
        out[text.isin(_FALSE).fillna(False).astype(bool)] = False
        bad = present & out.isna()
        return out, bad
    if kind == "period":
        if pd.api.types.is_datetime64_any_dtype(raw):
            out = raw.dt.strftime("%Y-%m").astype(object).where(present, None)
            return out, bad
        dates, bad_dates = _parse_dates(raw)
        text = raw.astype("string").str.strip()
        ok_text = text.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").fillna(False).astype(bool)
        out = text.astype(object).where(ok_text, dates.dt.strftime("%Y-%m").astype(object))
        out = out.where(present, None)
        bad = present & ~ok_text & bad_dates
        return out, bad
    raise ValueError(f"unknown column kind {kind}")


def text_to_float(raw: pd.Series, decimal: str = DECIMAL_POINT) -> pd.Series:
    """Text cells to floats; NaN where a cell is not a number in one of the accepted forms,
    and where it is not finite (inf, nan). Arrow's cast when every cell is a plain number
    with a decimal point (the usual case), else the forms above, vectorized."""
    if decimal == DECIMAL_POINT:
        try:
            import pyarrow as pa
            arr = pa.array(raw.astype(object).where(raw.notna(), None), type=pa.string())
            out = pd.Series(arr.cast(pa.float64()).to_numpy(zero_copy_only=False), index=raw.index)
            return out.where(np.isfinite(out))
        except Exception:  # pyarrow.ArrowInvalid on any cell that is not a plain number
            pass
    text = ascii_forms(raw.astype("string")).str.strip(" \t" + _SPACES)
    negative = text.str.fullmatch(r"\(.*\)").fillna(False).astype(bool)
    text = text.where(~negative, text.str.slice(1, -1))
    text = text.str.replace(_CURRENCY_WORDS, "", regex=True).str.strip(" " + _SPACES + _CURRENCY)
    percent = text.str.endswith("%").fillna(False).astype(bool)
    text = text.where(~percent, text.str.slice(0, -1)).str.strip(" " + _SPACES + _CURRENCY)
    ok = text.str.fullmatch(_NUMBER[decimal]).fillna(False).astype(bool) & text.str.contains(r"\d").fillna(False)
    if decimal == DECIMAL_POINT:
        plain = text.str.replace(",", "", regex=False)
    else:
        point = text.str.fullmatch(_POINT_NUMBER).fillna(False).astype(bool)
        ambiguous = text.str.fullmatch(_AMBIGUOUS_DOT).fillna(False).astype(bool)
        point &= ~ambiguous
        ok = (ok | point) & ~ambiguous
        plain = text.str.replace(r"[. ]", "", regex=True).str.replace(",", ".", regex=False).where(~point, text)
    out = pd.to_numeric(plain.where(ok), errors="coerce").astype(float)
    out = out.where(~negative, -out).where(~percent, out / 100 * np.where(negative, -1, 1))
    return out.where(np.isfinite(out))


def ascii_forms(text: pd.Series) -> pd.Series:
    """Full-width digits, letters, signs and spaces as ASCII (only in the cells that have any)."""
    wide = text.str.contains("[\uff01-\uff5e\u3000]", regex=True).fillna(False).astype(bool)
    return text.where(~wide, text[wide].str.translate(FULL_WIDTH)) if wide.any() else text


# 2026年9月5日, with or without spaces (after ascii_forms)
_CHINESE_DATE = r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$"


def _chinese_dates_as_iso(text: pd.Series) -> pd.Series:
    return text.str.replace(_CHINESE_DATE, lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", regex=True)


def number_problem(value, kind: str, decimal: str = DECIMAL_POINT) -> tuple[str, str] | None:
    """For a cell that did not read as a number of ``kind``: a more precise problem and
    expectation when the text is a decimal-comma number, not finite or too large, else None."""
    import re
    text = str(value).strip()
    if text.lower().lstrip("+-") in ("inf", "infinity", "nan"):
        return "not a finite number", "a finite number"
    with np.errstate(all="ignore"):
        number = float(text) if re.fullmatch(_POINT_NUMBER + r"|[+-]?\d+", text) else float("nan")
    if number == number and abs(number) > MAX_MAGNITUDE[kind]:
        return "beyond the largest accepted value", f"a {KINDS[kind]} of at most {MAX_MAGNITUDE[kind]:,.0f} in size"
    if decimal == DECIMAL_COMMA and re.fullmatch(_AMBIGUOUS_DOT, text):
        return ("ambiguous in a decimal-comma workbook: a thousands dot or a decimal point",
                f"{text.replace('.', '')} or {text.replace('.', ',')} written out, or the cell as a number")
    if decimal == DECIMAL_POINT and re.fullmatch(_DECIMAL_COMMA_TEXT, text):
        return ("a decimal comma, which this workbook does not declare",
                "a number with a decimal point (1234.50), or the setting decimal_separator = , in a Settings "
                "sheet (or salesdesk --decimal-comma) when the workbook writes decimal commas")
    return None


def _round_cents(values: pd.Series) -> pd.Series:
    """Half-up to the cent on the value as displayed (``addin.engine.money.round_cents``)."""
    return pd.Series(round_cents(values.to_numpy(dtype=float)), index=values.index)


def _parse_dates(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    present = raw.notna()
    if pd.api.types.is_datetime64_any_dtype(raw):
        return raw.astype("datetime64[ns]").dt.normalize(), pd.Series(False, index=raw.index)
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        serial = raw.astype(float)
        ok = pd.Series(is_date_serial(serial.to_numpy()), index=raw.index)
        days = serial.where(ok).fillna(0).to_numpy()
        out = pd.Series(serials_to_days(days), index=raw.index).astype("datetime64[ns]")
        out = out.where(ok & present)
        return out, present & ~ok
    text = raw.astype("string").str.strip()
    # date cells arrive as ISO text ("2026-10-05 00:00:00"); serial numbers and other text are
    # the exception, so only cells that do not start like an ISO date are tried as numbers
    iso = text.str.match(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    rest = present & ~iso
    if rest.any():      # 2026年9月5日 (full-width digits too) read as the ISO date it is
        text = text.where(~rest, _chinese_dates_as_iso(ascii_forms(text.where(rest)).str.strip()))
        iso = text.str.match(r"\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
        rest = present & ~iso
    out = pd.to_datetime(text.where(iso), errors="coerce", format="ISO8601")
    if rest.any():
        serial = pd.to_numeric(text.where(rest), errors="coerce")
        as_serial = (pd.Series(is_date_serial(serial.to_numpy()), index=raw.index) & rest).astype(bool)
        out = pd.Series(out, index=raw.index).astype("datetime64[ns]")
        other = rest & ~as_serial
        if other.any():   # text in another form that pandas still reads as a date
            out[other] = pd.to_datetime(text.where(other), errors="coerce", format="ISO8601")[other]
        if as_serial.any():
            out[as_serial] = pd.Series(serials_to_days(serial[as_serial].to_numpy()), index=serial[as_serial].index)
    out = pd.Series(out, index=raw.index).astype("datetime64[ns]").dt.normalize()
    return out, present & out.isna()
