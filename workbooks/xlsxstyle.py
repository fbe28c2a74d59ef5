"""The look of every workbook SalesDesk writes: the shared cell styles, each defined once.

Styles are plain dicts of XlsxWriter format properties (``xlsxout.CellWriter`` turns each into
one cached Format), so this module imports no xlsxwriter: a page layout can measure with it
without writing anything. Kept apart from ``xlsxout`` (how cells are written safely) because
the two change for different reasons: a new colour here, a new cell type there.
"""
from __future__ import annotations

import unicodedata

# numbers
DATE = {"num_format": "yyyy-mm-dd"}
MONEY = {"num_format": "#,##0.00"}
PERCENT = {"num_format": "0.0%"}
NUMBER = {"num_format": "#,##0.0"}
INT = {"num_format": "#,##0"}
SCORE = {"num_format": "0.00"}
# a KPI's values by its kind (addin.engine.kpi_catalogue.kpi_kind), in every workbook that shows them
KIND_FORMAT = {"money": MONEY, "percentage": PERCENT, "count": INT, "days": NUMBER, "score": SCORE}

# text
BOLD = {"bold": True}
ITALIC = {"italic": True}
TITLE = {"bold": True, "font_size": 15}
SECTION = {"bold": True, "font_size": 12, "font_color": "#1F4E79"}
HEADER = {"bold": True, "bg_color": "#DDEBF7", "border": 1}
TOTAL = {"bold": True, "top": 1}            # a total row: bold, ruled above
BOLD_MONEY = dict(MONEY, **TOTAL)           # a money total

# a status (a KPI's, a score's, a discrepancy) in Excel's own good / neutral / bad colours
STATUS_FILL = {"green": {"bg_color": "#C6EFCE", "font_color": "#006100"},
               "amber": {"bg_color": "#FFEB9C", "font_color": "#9C5700"},
               "red": {"bg_color": "#FFC7CE", "font_color": "#9C0006"}}


def shown_width(value, style: dict | None = None) -> int:
    """About how many characters wide a value shows (East Asian characters count two)."""
    if value is None:
        return 0
    if isinstance(value, str):
        if value.isascii():
            return len(value)
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)
    if isinstance(value, bool):
        return 5
    if isinstance(value, (int, float)):
        fmt = (style or {}).get("num_format", "")
        if "%" in fmt:
            return len(f"{value:.1%}")
        return len(f"{value:,.2f}") if "0.00" in fmt or not fmt else len(f"{value:,.0f}")
    return len(str(value))
