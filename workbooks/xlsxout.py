"""Typed, formula-safe cell writing for every workbook SalesDesk writes (XlsxWriter).

Text from data is always written as a string cell; text that starts like a formula
(= + - @, or a tab/CR) also gets Excel's quote prefix, so editing the cell can never
turn it into a formula. Numbers, dates and booleans are written with their own types.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from addin.engine import serials
from addin.engine.kpi import attainment_of

from .xlsxstyle import DATE, PERCENT

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "nan_inf_to_errors": True}


# Functions as old as the xlsx format: Excel stores them without a _xlfn. prefix.
CLASSIC_FUNCTIONS = frozenset("""ABS AND AVERAGE AVERAGEIF AVERAGEIFS COUNT COUNTA COUNTBLANK COUNTIF COUNTIFS
    DATE DAY EOMONTH IF IFERROR INDEX ISBLANK ISERROR ISNUMBER LARGE MATCH MAX MIN MONTH N NETWORKDAYS NOT OR RANK
    ROUND ROUNDDOWN ROUNDUP SMALL SUM SUMIF SUMIFS SUMPRODUCT TEXT VLOOKUP YEAR""".split())
_CALLS = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")


class Worksheet(xlsxwriter.worksheet.Worksheet):
    """XlsxWriter's worksheet with a fast path for formulas that call only classic functions.

    XlsxWriter tries some 30 regular expressions on every formula to add the ``_xlfn.``
    prefix newer functions need; for formulas made of SUM, IFERROR, ROUND and the like
    the result is the formula itself, so that work is skipped (it was 17% of a report)."""

    def _prepare_formula(self, formula, expand_future_functions=False):
        if set(_CALLS.findall(formula)) <= CLASSIC_FUNCTIONS:
            return formula.removeprefix("{").removeprefix("=").removesuffix("}")
        return super()._prepare_formula(formula, expand_future_functions)


class Workbook(xlsxwriter.Workbook):
    worksheet_class = Worksheet


def new_workbook(path, *, constant_memory: bool = False, in_memory: bool = False) -> xlsxwriter.Workbook:
    options = dict(WORKBOOK_OPTIONS, constant_memory=constant_memory, in_memory=in_memory)
    return Workbook(str(path) if isinstance(path, (str, Path)) else path, options)   # a path or a BytesIO


class CellWriter:
    """Writes Python/numpy values with the right cell type and safe text.

    Styles are plain dicts of XlsxWriter format properties; each distinct style (and its
    quote-prefixed twin for formula-like text) becomes one cached Format. A style dict is
    treated as a constant: it is looked up by identity first, so do not change one after use.
    """

    def __init__(self, workbook: xlsxwriter.Workbook):
        self.workbook = workbook
        self._formats: dict[tuple, object] = {}
        self._by_id: dict[tuple, tuple] = {}

    def fmt(self, style: dict | None, *, quoted: bool = False):
        if not style and not quoted:
            return None
        seen = self._by_id.get((id(style), quoted))
        if seen is not None and seen[0] is style:   # the same style object as before (styles are constants)
            return seen[1]
        found = self._format_of(style, quoted)
        self._by_id[(id(style), quoted)] = (style, found)
        return found

    def _format_of(self, style: dict | None, quoted: bool):
        props = dict(style or {})
        if quoted:
            props["quote_prefix"] = True
        key = tuple(sorted((k, str(v)) for k, v in props.items()))
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format(props)
        return self._formats[key]

    def text(self, ws, row: int, col: int, value: str, style: dict | None = None) -> None:
        ws.write_string(row, col, value, self.fmt(style, quoted=value.startswith(FORMULA_START)))

    def cell(self, ws, row: int, col: int, value, style: dict | None = None) -> None:
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            ws.write_blank(row, col, None, self.fmt(style))
        elif isinstance(value, str):
            self.text(ws, row, col, value, style)
        elif isinstance(value, (bool, np.bool_)):
            ws.write_boolean(row, col, bool(value), self.fmt(style))
        elif isinstance(value, (int, float, Decimal, np.integer, np.floating)):
            number = float(value)
            if math.isnan(number):
                ws.write_blank(row, col, None, self.fmt(style))
            else:
                ws.write_number(row, col, number, self.fmt(style))
        elif isinstance(value, (dt.date, np.datetime64)) or hasattr(value, "to_pydatetime"):
            serial = date_serial(value)
            if serial is None:
                ws.write_blank(row, col, None, self.fmt(style))
            else:
                ws.write_number(row, col, serial, self.fmt(style or DATE))
        else:
            self.text(ws, row, col, str(value), style)

    def row(self, ws, row: int, values, styles=None) -> None:
        for col, value in enumerate(values):
            self.cell(ws, row, col, value, styles[col] if styles else None)

    def attainment(self, ws, row: int, col: int, actual_col: str, target_col: str, actual, target) -> None:
        """Actual over target as a formula of the row's two cells (blank without a target above
        zero), its value cached by the one rule, ``kpi.attainment_of``."""
        r = row + 1
        value = attainment_of(actual, target)
        ws.write_formula(row, col, f'=IF(N({target_col}{r})>0,{actual_col}{r}/{target_col}{r},"")', self.fmt(PERCENT),
                         "" if value is None else value)


def date_serial(value) -> float | None:
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        return float((value.astype("datetime64[D]") - serials.EPOCH_DAY).astype(int))
    if hasattr(value, "to_pydatetime"):
        if value != value:  # NaT
            return None
        value = value.to_pydatetime()
    if isinstance(value, dt.date):
        return serials.date_to_serial(value)
    return None
