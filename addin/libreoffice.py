"""The worksheet functions as LibreOffice Calc passes and takes values (the .oxt extension's
component calls ``call``; nothing here imports uno, so it is tested like the Excel path).

Calc hands an add-in function declared with ``any`` arguments: numbers as float, text as
str, an omitted argument as None, a range as a tuple of row tuples whose empty cells are
None (or "" in some versions), dates as serial numbers. It takes back a number, a text, or
for an array formula a tuple of row tuples of numbers and texts (no None, no dates, no
booleans: those become "", serials and 1/0). A Python exception would surface only as
#VALUE!, so every failure comes back as a message in the cell, as in Excel.
"""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from . import udfs  # noqa: F401  (fills the registry)
from .engine.serials import date_to_serial
from .registry import REGISTRY


def from_calc(value, is_range: bool):
    """One argument as the Excel path receives it: a range as a list of row lists (a single
    value given for a range becomes a 1x1 range), blanks as None."""
    if isinstance(value, tuple):
        rows = [[None if (v is None or v == "") else v for v in row] for row in value]
        if not is_range and len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        return rows
    if value == "":
        return None
    if is_range and value is not None:
        return [[value]]
    return value


def to_calc_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, dt.date):         # a datetime's time of day as the fraction
        return date_to_serial(value)
    if isinstance(value, (int, float, Decimal)):
        f = float(value)
        return "" if math.isnan(f) else f
    return str(value)


def to_calc(result):
    """A result as Calc takes it: a scalar, or rows of equal length for an array formula."""
    if isinstance(result, list):
        width = max((len(r) for r in result), default=1)
        return tuple(tuple(to_calc_cell(v) for v in row) + ("",) * (width - len(row)) for row in result)
    return to_calc_cell(result)


def call(name: str, *values):
    """``name`` from the one registry, called with Calc's values; never raises."""
    spec = REGISTRY[name]
    args = [from_calc(v, a.range) for v, a in zip(values, spec.args)]
    while args and args[-1] is None and len(args) > spec.min_args:
        args.pop()                       # trailing omitted arguments take their defaults
    try:
        return to_calc(spec.func(*args))
    except Exception as exc:           # the registry's wrapper already turns bad input into text
        return to_calc([[f"{name}: {exc}"]] if spec.spills else f"{name}: {exc}")
