"""Typed, formula-safe cell writing for every workbook SalesDesk writes (XlsxWriter).

Text from data is always written as a string cell; text that starts like a formula
(= + - @, or a tab/CR) also gets Excel's quote prefix, so editing the cell can never
turn it into a formula. Numbers, dates and booleans are written with their own types.
"""
from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import xlsxwriter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "nan_inf_to_errors": True}
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def new_workbook(path, *, constant_memory: bool = False, in_memory: bool = False) -> xlsxwriter.Workbook:
    options = dict(WORKBOOK_OPTIONS, constant_memory=constant_memory, in_memory=in_memory)
    return xlsxwriter.Workbook(str(path), options)


class CellWriter:
    """Writes Python/numpy values with the right cell type and safe text.

    Styles are plain dicts of XlsxWriter format properties; each distinct style (and its
    quote-prefixed twin for formula-like text) becomes one cached Format.
    """

    def __init__(self, workbook: xlsxwriter.Workbook):
        self.workbook = workbook
        self._formats: dict[tuple, object] = {}

    def fmt(self, style: dict | None, *, quoted: bool = False):
        if not style and not quoted:
            return None
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


DATE = {"num_format": "yyyy-mm-dd"}
MONEY = {"num_format": "#,##0.00"}
PERCENT = {"num_format": "0.0%"}
HEADER = {"bold": True, "bg_color": "#DDEBF7", "border": 1}


def date_serial(value) -> float | None:
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        return float((value.astype("datetime64[D]") - np.datetime64("1899-12-30")).astype(int))
    if hasattr(value, "to_pydatetime"):
        if value != value:  # NaT
            return None
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        delta = value - EXCEL_EPOCH
        return delta.days + delta.seconds / 86400
    if isinstance(value, dt.date):
        return float((dt.datetime(value.year, value.month, value.day) - EXCEL_EPOCH).days)
    return None
