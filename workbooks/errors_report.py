"""The errors report: every problem as a row a manager can filter (errors.xlsx)."""
from __future__ import annotations

from .files import atomic_path
from .schema import Problem
from .xlsxout import CellWriter, new_workbook
from .xlsxstyle import HEADER

COLUMNS = ["severity", "sheet", "row", "column", "value", "problem", "expected"]
WIDTHS = [9, 14, 7, 18, 22, 48, 60]


def write_errors_report(problems: list[Problem], path, extra: list[Problem] | None = None) -> None:
    """Write the workbook's problems and then the batch's own (``extra``: a report or statement
    not made, a rep left out) to ``path``, one row each."""
    with atomic_path(path) as tmp:
        wb = new_workbook(tmp)
        cw = CellWriter(wb)
        ws = wb.add_worksheet("Errors")
        for j, (name, width) in enumerate(zip(COLUMNS, WIDTHS)):
            ws.set_column(j, j, width)
            ws.write_string(0, j, name, cw.fmt(HEADER))
        rows = [p.as_dict() for p in [*problems, *(extra or [])]]
        for i, row in enumerate(rows, start=1):
            cw.row(ws, i, [row.get(c) for c in COLUMNS])
        ws.freeze_panes(1, 0)
        if rows:
            ws.autofilter(0, 0, len(rows), len(COLUMNS) - 1)
        wb.close()
