"""Measures of one's own: the small expression language of the KPIs sheet's ``measure`` column.

    count(Activities, type = "visit")
    sum(Orders.amount, product = "Analytics Suite", status = "booked")
    distinct(Orders.customer_id, status = "booked")
    mean(Satisfaction.score)
    ratio(count(Opportunities, stage = "won", by = closed), count(Opportunities, stage in ("won", "lost"), by = closed))

A measure sees the rows of one sheet that belong to the rep (rep_id) and are dated in the
month by the sheet's own date column (``DATED_BY``; Opportunities by ``created`` unless
``by = closed``). Text is tokenized and parsed by recursive descent, never evaluated as
Python; every error names the character where it was found (1 = the first).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Union

import numpy as np
import pandas as pd

# the sheets a measure can count, and the column that dates their rows
DATED_BY = {"Orders": "order_date", "Activities": "date", "Opportunities": "created", "Satisfaction": "date"}
BY_CHOICES = {"Opportunities": ("created", "closed")}
AGGREGATES = ("count", "sum", "distinct", "mean")
FUNCTIONS = AGGREGATES + ("ratio",)
_PUNCT = {"(": "(", ")": ")", ",": ",", ".": ".", "=": "=", "（": "(", "）": ")", "，": ",", "＝": "="}
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’"}


class MeasureError(ValueError):
    """A measure that cannot be read or does not fit the workbook: where, what, what was expected."""

    def __init__(self, at: int, problem: str, expected: str):
        super().__init__(f"at character {at}: {problem}; expected {expected}")
        self.at, self.problem, self.expected = at, problem, expected


@dataclass(frozen=True)
class Condition:
    column: str
    values: tuple            # the row's value must be one of these
    at: int


@dataclass(frozen=True)
class Aggregate:
    func: str                # count, sum, distinct or mean
    sheet: str
    column: str | None       # None for count
    conditions: tuple[Condition, ...]
    by: str                  # the date column the month is taken on
    at: int
    column_at: int = 0       # where the column is named (for a message about it)


@dataclass(frozen=True)
class Ratio:
    numerator: "Measure"
    denominator: "Measure"
    at: int


Measure = Union[Aggregate, Ratio]


@dataclass(frozen=True)
class _Token:
    kind: str      # name, string, number, punct, end
    text: object
    at: int        # 1-based character position


def tokenize(text: str) -> list[_Token]:
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in _PUNCT:
            out.append(_Token("punct", _PUNCT[c], i + 1))
            i += 1
        elif c in _QUOTES:
            end = text.find(_QUOTES[c], i + 1)
            if end < 0:
                raise MeasureError(i + 1, "text not closed", f"a closing {_QUOTES[c]}")
            out.append(_Token("string", text[i + 1:end], i + 1))
            i = end + 1
        elif c.isdigit() or (c == "-" and i + 1 < n and text[i + 1].isdigit()):
            j = i + 1
            while j < n and (text[j].isdigit() or text[j] == "."):
                j += 1
            try:
                out.append(_Token("number", float(text[i:j]), i + 1))
            except ValueError:
                raise MeasureError(i + 1, f"not a number: {text[i:j]}", "a number such as 3 or 2.5") from None
            i = j
        elif c.isalpha() or c == "_":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            out.append(_Token("name", text[i:j], i + 1))
            i = j
        else:
            raise MeasureError(i + 1, f"unexpected {c!r}", "a name, text in quotes, a number, ( ) , . or =")
    out.append(_Token("end", "", n + 1))
    return out


MAX_LENGTH = 2000    # characters in one measure
MAX_NESTING = 20     # ratios inside one another


class _Parser:
    def __init__(self, text: str):
        if len(text) > MAX_LENGTH:
            raise MeasureError(MAX_LENGTH + 1, f"a measure of {len(text):,} characters",
                               f"at most {MAX_LENGTH:,} characters")
        self.tokens, self.i, self.depth = tokenize(text), 0, 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self, kind: str, text: str | None = None, expected: str | None = None) -> _Token:
        tok = self.peek()
        if tok.kind != kind or (text is not None and tok.text != text):
            shown = "the end" if tok.kind == "end" else repr(tok.text)
            raise MeasureError(tok.at, f"found {shown}", expected or (repr(text) if text else f"a {kind}"))
        self.i += 1
        return tok

    def measure(self) -> Measure:
        name = self.take("name", expected="count, sum, distinct, mean or ratio")
        func = str(name.text).lower()
        if func not in FUNCTIONS:
            raise MeasureError(name.at, f"unknown function {name.text}", "count, sum, distinct, mean or ratio")
        self.take("punct", "(", expected=f"( after {func}")
        if func == "ratio":
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise MeasureError(name.at, f"ratios nested more than {MAX_NESTING} deep",
                                   f"at most {MAX_NESTING} ratios inside one another")
            a = self.measure()
            self.take("punct", ",", expected="a comma between the two measures of ratio")
            b = self.measure()
            self.take("punct", ")", expected=") closing ratio")
            self.depth -= 1
            return Ratio(a, b, name.at)
        return self.aggregate(func, name.at)

    def aggregate(self, func: str, at: int) -> Aggregate:
        sheet = self.take("name", expected="a sheet: " + ", ".join(DATED_BY))
        column, column_at = None, 0
        if func != "count":
            self.take("punct", ".", expected=f"Sheet.column: {func} needs a column, e.g. Orders.amount")
            named = self.take("name", expected="a column name")
            column, column_at = str(named.text).lower(), named.at
        conditions, by = [], None
        while self.peek().text == ",":
            self.i += 1
            cond = self.condition()
            if cond.column == "by":
                if by is not None:
                    raise MeasureError(cond.at, "by given twice", "one by = ... in a measure")
                by = (cond.values[0], cond.at)
            else:
                conditions.append(cond)
        self.take("punct", ")", expected=f", and a condition, or ) closing {func}")
        name = _sheet_name(str(sheet.text), sheet.at)
        return Aggregate(func, name, column, tuple(conditions), _by(name, by), at, column_at)

    def condition(self) -> Condition:
        col = self.take("name", expected='a condition such as type = "visit" or stage in ("won", "lost")')
        column = str(col.text).lower()
        if self.peek().kind == "name" and str(self.peek().text).lower() == "in":
            self.i += 1
            self.take("punct", "(", expected="( after in")
            values = [self.value()]
            while self.peek().text == ",":
                self.i += 1
                values.append(self.value())
            self.take("punct", ")", expected=") closing the list after in")
            return Condition(column, tuple(values), col.at)
        self.take("punct", "=", expected=f"= or in after {col.text}")
        if column == "by" and self.peek().kind == "name":        # by = closed (a word, not text)
            return Condition(column, (str(self.take("name").text).lower(),), col.at)
        return Condition(column, (self.value(),), col.at)

    def value(self):
        tok = self.peek()
        if tok.kind in ("string", "number"):
            self.i += 1
            return tok.text
        raise MeasureError(tok.at, "found " + ("the end" if tok.kind == "end" else repr(tok.text)),
                           'a value: text in quotes ("visit") or a number')


def _sheet_name(name: str, at: int) -> str:
    for sheet in DATED_BY:
        if sheet.lower() == name.lower():
            return sheet
    raise MeasureError(at, f"no measure counts the sheet {name}", "one of " + ", ".join(DATED_BY))


def _by(sheet: str, by) -> str:
    if by is None:
        return DATED_BY[sheet]
    value, at = by
    choices = BY_CHOICES.get(sheet, (DATED_BY[sheet],))
    if str(value).lower() not in choices:
        raise MeasureError(at, f"{sheet} rows cannot be dated by {value}", "by = " + " or by = ".join(choices))
    return str(value).lower()


def parse(text: str) -> Measure:
    """The measure written in ``text``, or MeasureError naming the character where it goes wrong."""
    p = _Parser(str(text))
    m = p.measure()
    p.take("end", expected="the end of the measure")
    return m


def aggregates(m: Measure) -> list[Aggregate]:
    return [m] if isinstance(m, Aggregate) else aggregates(m.numerator) + aggregates(m.denominator)


def check(m: Measure, sheets: Mapping[str, pd.DataFrame]) -> None:
    """MeasureError where the measure does not fit the workbook: a sheet it lacks, a column not in
    the sheet, a sum or mean of a column that is not numbers, a condition's value of the wrong type."""
    for a in aggregates(m):
        frame = sheets.get(a.sheet)
        if frame is None:
            raise MeasureError(a.at, f"the workbook has no {a.sheet} sheet", "a sheet the workbook has")
        for column, at in ([(a.column, a.column_at or a.at)] if a.column else []) + [(c.column, c.at) for c in a.conditions]:
            if column not in frame.columns:
                raise MeasureError(at, f"{a.sheet} has no column {column}",
                                   "one of " + ", ".join(c for c in frame.columns if not c.startswith("_")))
        if a.func in ("sum", "mean") and not pd.api.types.is_numeric_dtype(frame[a.column]):
            raise MeasureError(a.at, f"{a.func} of {a.sheet}.{a.column}, which is not a number column",
                               "a column of numbers (count or distinct for other columns)")
        for c in a.conditions:
            numeric = pd.api.types.is_numeric_dtype(frame[c.column])
            if any(isinstance(v, float) != numeric for v in c.values):
                raise MeasureError(c.at, f"{a.sheet}.{c.column} holds {'numbers' if numeric else 'text'}",
                                   "a number" if numeric else "text in quotes")


def accumulates(m: Measure) -> bool:
    """count, sum and distinct grow through the month (an open month's target is pro-rated);
    mean and ratio do not."""
    return isinstance(m, Aggregate) and m.func in ("count", "sum", "distinct")


def default_kind(m: Measure) -> str:
    """How its values read when the KPIs sheet gives no kind."""
    if isinstance(m, Ratio):
        return "percentage"
    return "count" if m.func in ("count", "distinct") else "score"


def evaluate(m: Measure, sheets: Mapping[str, pd.DataFrame], start, end) -> pd.Series:
    """The measure per rep_id for the month [start, end] (reps without rows left out)."""
    if isinstance(m, Ratio):
        a = evaluate(m.numerator, sheets, start, end)
        b = evaluate(m.denominator, sheets, start, end)
        b = b[b != 0]
        return (a.reindex(b.index, fill_value=0) / b).astype(float)
    frame = sheets[m.sheet]
    dates = frame[m.by]
    mask = ((dates >= start) & (dates <= end)).to_numpy()
    for c in m.conditions:
        mask = mask & frame[c.column].isin(list(c.values)).to_numpy()
    rows = frame[mask]
    if m.func == "count":
        return rows.groupby("rep_id").size().astype(float)
    grouped = rows.groupby("rep_id")[m.column]
    out = {"sum": grouped.sum, "distinct": grouped.nunique, "mean": grouped.mean}[m.func]()
    return out.astype(float).replace([np.inf, -np.inf], np.nan)
