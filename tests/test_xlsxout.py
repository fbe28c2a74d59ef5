"""Our XlsxWriter worksheet: the formula fast path writes exactly what XlsxWriter would."""
from __future__ import annotations

import io

import pytest
import xlsxwriter

from workbooks.xlsxout import Worksheet, new_workbook


@pytest.mark.parametrize("formula", [
    '=IF(N(C5)<>0,N(B5)/N(C5),"")', "=SUM(B2:B9)", "=ROUND(B2*C2,2)", '"red"', "{=SUM(A1:A3*B1:B3)}",
    "=XLOOKUP(A1,B:B,C:C)", "=SUM(FILTER(A1:A9,A1:A9>0))", "=IFERROR(SORT(A1:A3),0)", "=Sheet2!A1+1",
])
def test_formula_preparation_matches_xlsxwriter(formula):
    ours = Worksheet()._prepare_formula(formula)
    stock = xlsxwriter.worksheet.Worksheet()._prepare_formula(formula)
    assert ours == stock
    if "XLOOKUP" in formula or "FILTER" in formula or "SORT" in formula:
        assert "_xlfn." in ours                     # newer functions still get their prefix


def test_new_workbook_uses_the_fast_worksheet_for_files_and_buffers(tmp_path):
    for target in (tmp_path / "a.xlsx", io.BytesIO()):
        wb = new_workbook(target, in_memory=isinstance(target, io.BytesIO))
        assert isinstance(wb.add_worksheet("S"), Worksheet)
        wb.close()
