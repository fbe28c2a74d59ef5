"""Writing a sales workbook (the data sheets) from frames, fast and formula-safe."""
from __future__ import annotations

import numpy as np
import pandas as pd

from addin.engine import serials

from .contract import BY_NAME, SHEETS
from .files import atomic_path
from .schema import ROW
from .xlsxout import CellWriter, new_workbook
from .xlsxstyle import DATE, HEADER

WIDTHS = {"id": 12, "text": 24, "email": 30, "date": 11, "money": 12, "number": 10, "integer": 8,
          "choice": 12, "bool": 8, "period": 9}


def write_sales_workbook(frames: dict[str, pd.DataFrame], path, progress=None) -> None:
    """Write the sheets in contract order (then any others), header row frozen, atomically."""
    with atomic_path(path) as tmp:
        wb = new_workbook(tmp, constant_memory=True)
        cw = CellWriter(wb)
        order = [s.name for s in SHEETS if s.name in frames] + [n for n in frames if n not in BY_NAME]
        for name in order:
            if progress:
                progress(name)
            write_frame_sheet(wb, cw, name, frames[name])
        wb.close()


def write_frame_sheet(wb, cw: CellWriter, name: str, frame: pd.DataFrame) -> None:
    ws = wb.add_worksheet(name)
    frame = frame.drop(columns=[c for c in (ROW,) if c in frame.columns])
    schema = BY_NAME.get(name)
    kinds = {c.name: c.kind for c in schema.columns} if schema else {}
    header = cw.fmt(HEADER)
    for j, col in enumerate(frame.columns):
        ws.set_column(j, j, WIDTHS.get(kinds.get(col, "text"), 14))
        ws.write_string(0, j, str(col), header)
    ws.freeze_panes(1, 0)
    date_fmt = cw.fmt(DATE)
    writers = []
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            serial = ((s - pd.Timestamp(serials.EPOCH)).dt.days).to_numpy(dtype=float, na_value=np.nan)
            writers.append(("date", serial.tolist()))
        elif pd.api.types.is_bool_dtype(s):
            writers.append(("bool", s.tolist()))
        elif pd.api.types.is_numeric_dtype(s):
            writers.append(("num", s.to_numpy(dtype=float, na_value=np.nan).tolist()))
        else:
            writers.append(("any", s.astype(object).where(s.notna(), None).tolist()))
    nrows = len(frame)
    # constant_memory wants row order: walk rows, cells typed per column.
    wn = ws.write_number
    for i in range(nrows):
        r = i + 1
        for j, (kind, values) in enumerate(writers):
            v = values[i]
            if kind == "num":
                if v == v:
                    wn(r, j, v)
            elif kind == "date":
                if v == v:
                    wn(r, j, v, date_fmt)
            elif v is None:
                continue
            else:
                cw.cell(ws, r, j, v)
