"""The monthly report as an xlsx (XlsxWriter): one printable sheet, sections stacked.

Ratios (actual / target) and totals are native formulas with the computed value cached,
so an auditor can follow the arithmetic and the file shows numbers before recalculation.
Text from the data is always written as text (formula-like text gets Excel's quote prefix).
"""
from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass


from addin.engine.money import exact_sum
from workbooks.i18n import Language, language
from workbooks.xlsxout import HEADER, KIND_FORMAT, MONEY, PERCENT, CellWriter, new_workbook
from workbooks.xlsxscan import column_letters

from .report_model import MISSING_NOTES, CustomerRow, FunnelStage, KpiLine, RepMonth, RunRate, SalesRow, TeamMonth

TITLE = {"bold": True, "font_size": 15}
SECTION = {"bold": True, "font_size": 12, "font_color": "#1F4E79", "bottom": 1}
NUMBER = {"num_format": "#,##0.0"}
INT = {"num_format": "#,##0"}
STATUS_FILL = {"green": {"bg_color": "#C6EFCE", "font_color": "#006100"},
               "amber": {"bg_color": "#FFEB9C", "font_color": "#9C5700"},
               "red": {"bg_color": "#FFC7CE", "font_color": "#9C0006"}}


SHEET = "Report"
NOTE = {"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"}
MIN_WIDTH, MAX_WIDTH = 10, 42    # a column's width in characters: fitted to its longest value, capped (wrapped beyond)


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




@dataclass(frozen=True)
class Styled:
    """A value with its own number format (a KPI's actual and target read by its kind)."""
    value: object
    style: dict


@dataclass(frozen=True)
class Formula:
    """A formula cell; ``{r}`` in the text is replaced by the cell's Excel row number."""
    text: str
    cached: object
    style: dict | None = None


def kpi_attainment(kpi: KpiLine) -> Formula:
    """The scorecard's attainment as Excel arithmetic: actual/target (target/actual for a
    lower-is-better KPI), capped; blank when it cannot be scored."""
    ratio = "N(C{r})/N(B{r})" if kpi.direction == "lower" else "N(B{r})/N(C{r})"
    guard = "AND(N(B{r})<>0,N(C{r})<>0)"
    body = f"MIN({ratio},{kpi.cap})" if kpi.cap is not None else ratio
    cached = kpi.attainment if kpi.attainment is not None else ""
    if kpi.direction == "lower":   # actual 0 on a lower-is-better KPI is perfect: the cap (or 1)
        zero = kpi.cap if kpi.cap is not None else 1
        return Formula(f'=IF(ISBLANK(B{{r}}),"",IF(N(B{{r}})=0,{zero},IF({guard},{body},"")))', cached, PERCENT)
    return Formula(f'=IF(ISBLANK(B{{r}}),"",IF(N(C{{r}})<>0,MAX(0,{body}),""))', cached, PERCENT)


class _Nothing:
    """Takes any call and does nothing: the sheet of a report laid out only to measure it."""

    def __getattr__(self, name):
        return self

    def __call__(self, *args, **kwargs):
        return self


# The printed page (A4 landscape, XlsxWriter's default margins) in points, and how rows fill it:
# a report is laid out twice, once to measure its columns (hence the print scale that fits them
# to the page width) and once to write it, breaking pages so that a section's heading stays with
# its table, a table that fits a page is not split, and a longer one repeats its header on each page.
PAGE_WIDTH_PT, PAGE_HEIGHT_PT = 842 - 2 * 0.7 * 72, 595 - 2 * 0.75 * 72
ROW_PT, REPEATED_PT = 15, 36           # a body row (Excel's default height); the title rows repeated on every page
SPARE_ROWS = 1                         # Excel rows are 15 pt; LibreOffice's 12.75 pt leave more room


def rows_per_page(widths: list[int]) -> int:
    """Body rows on one printed page when the columns are scaled to fit the page width."""
    width_pt = sum(w * 7 + 5 for w in widths) * 0.75       # a character is 7 px (Calibri 11), px = 0.75 pt
    scale = min(1.0, PAGE_WIDTH_PT / width_pt)
    return int((PAGE_HEIGHT_PT / scale - REPEATED_PT) // ROW_PT) - SPARE_ROWS


class Report:
    """A vertical stack of sections on one sheet, tracking the current row and the printed page.
    ``widths`` (from a measuring layout, ``widths=None``) turn on the page breaks."""

    def __init__(self, title: str, header_left: str, month: str, t: Language, widths: list[int] | None = None):
        self.t = t
        self.measuring = widths is None
        self.widths = list(widths) if widths else [MIN_WIDTH] * 8   # grown to each column's longest value
        self.page_rows = rows_per_page(self.widths) if widths else 10 ** 9
        self.page_start, self.breaks, self.pending = 2, [], None
        self.taller = 0                # extra lines of wrapped notes on the current page
        self.row = 2
        if self.measuring:
            self.buf = self.wb = self.cw = self.ws = _Nothing()
            return
        self.buf = io.BytesIO()
        self.wb = new_workbook(self.buf, in_memory=True)
        self.wb.set_properties({"title": title, "author": "SalesDesk", "comments": t("Generated by SalesDesk")})
        self.cw = CellWriter(self.wb)
        self.ws = self.wb.add_worksheet(SHEET)
        ws = self.ws
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0, 1)
        hf, month_name = _hf(header_left), _hf(t.month(month))
        page = _hf(t("Page {page} of {pages}", page="\x00P", pages="\x00N")).replace("\x00", "&")
        ws.set_header(f"&L{hf}&C{month_name}&R{page}")
        ws.set_footer(f"&L{_hf(t('SalesDesk monthly report'))}&R{hf}, {month_name}")
        self.cw.text(ws, 0, 0, title, TITLE)
        ws.freeze_panes(2, 0)
        for status, fmt in STATUS_FILL.items():
            ws.conditional_format(2, 0, 2000, 7, {"type": "cell", "criteria": "==", "value": f'"{t.term(status)}"',
                                                  "format": self.wb.add_format(fmt)})

    def _used(self) -> int:
        return self.row - self.page_start + self.taller

    def _keep(self, rows: int) -> None:
        """Start a new page unless ``rows`` more fit on this one (a block longer than a page
        starts on a new page only when less than a third of this one is left)."""
        left = self.page_rows - self._used()
        if rows > left and (rows <= self.page_rows or left < self.page_rows // 3) and self.row > self.page_start:
            self._break()

    def _break(self) -> None:
        self.breaks.append(self.row)
        self.page_start, self.taller = self.row, 0

    def section(self, name: str) -> None:
        """A section's heading: written with what follows it, on the same page."""
        self.pending = name

    def _heading(self, rows_after: int) -> None:
        """The pending heading and the first ``rows_after`` rows of its content kept on one page."""
        if self.pending is None:
            self._keep(rows_after)
            return
        self._keep(2 + rows_after)
        self.row += 1
        self.ws.write_string(self.row, 0, self.pending, self.cw.fmt(SECTION))
        self.row += 1
        self.pending = None

    def subtitle(self, text: str) -> None:
        """A title for a table inside a section."""
        self._heading(3)
        self._keep(3)
        self.ws.write_string(self.row, 0, text, self.cw.fmt({"bold": True}))
        self.row += 1

    def note(self, text: str) -> None:
        """A sentence across the report's width, wrapped (text running past the last column
        would widen the printed page and shrink everything on it)."""
        across = sum(self.widths)
        lines = -(-shown_width(text) * 11 // 10 // across) if not self.measuring else 1
        self._heading(lines)
        if lines > 1 or shown_width(text) > self.widths[0]:
            self.ws.merge_range(self.row, 0, self.row, len(self.widths) - 1, "")
        self.cw.text(self.ws, self.row, 0, text, NOTE)
        if lines > 1:
            self.ws.set_row(self.row, ROW_PT * lines)
            self.taller += lines - 1
        self.row += 1

    def table(self, headers: list[str], rows: list[list], styles: list[dict | None] | None = None,
              ratio: tuple[int, int, int] | None = None, totals: list[int] | None = None) -> tuple[int, int]:
        """Write a table; ``ratio`` = (result col, numerator col, denominator col) as a formula;
        ``totals`` = columns summed in a total row. Returns (first, last) data rows (0-based).
        A table longer than the rest of the page repeats its header on the next."""
        ws, cw = self.ws, self.cw
        self._heading(min(2 + len(rows) + bool(totals), self.page_rows))
        self._header(headers)
        first = self.row + 1
        for values in rows:
            self.row += 1
            if self._used() >= self.page_rows:
                self._break()
                self._header(headers)
                self.row += 1
            for j, v in enumerate(values):
                self._cell(j, v, values, styles, ratio)
        last = self.row
        if totals and rows:
            self._total_row(rows, totals, styles, first, last)
        if not rows:
            self.row += 1
            ws.write_string(self.row, 0, self.t("(none)"), cw.fmt({"italic": True}))
        self.row += 1
        return first, last

    def _header(self, headers: list[str]) -> None:
        for j, h in enumerate(headers):
            self.ws.write_string(self.row, j, h, self.cw.fmt(HEADER))
            self._fit(j, h)

    def _cell(self, j: int, v, values: list, styles, ratio) -> None:
        ws, cw = self.ws, self.cw
        if ratio and j == ratio[0]:
            if values[ratio[1]] is None:
                return  # nothing to divide (e.g. the last funnel stage): leave the cell blank
            num, den = values[ratio[1]], values[ratio[2]]
            cached = (num / den) if (num is not None and den) else ""
            a, b = column_letters(ratio[1] + 1), column_letters(ratio[2] + 1)
            r = self.row + 1
            ws.write_formula(self.row, j, f'=IF(N({b}{r})<>0,N({a}{r})/N({b}{r}),"")', cw.fmt(PERCENT), cached)
        elif isinstance(v, Formula):
            ws.write_formula(self.row, j, v.text.replace("{r}", str(self.row + 1)), cw.fmt(v.style), v.cached)
        elif isinstance(v, Styled):
            cw.cell(ws, self.row, j, v.value, v.style)
            self._fit(j, v.value, v.style)
        else:
            style = styles[j] if styles else None
            if isinstance(v, str) and shown_width(v) > MAX_WIDTH - 2:     # past the widest column: wrapped
                style = dict(style or {}, text_wrap=True, valign="top")
            cw.cell(ws, self.row, j, v, style)
            self._fit(j, v, style)

    def _total_row(self, rows: list[list], totals: list[int], styles, first: int, last: int) -> None:
        """A SUM formula per total column; its cached value is the exact decimal sum of the cells."""
        self.row += 1
        self.ws.write_string(self.row, 0, self.t("Total"), self.cw.fmt({"bold": True, "top": 1}))
        for j in totals:
            col = column_letters(j + 1)
            cached = exact_sum(r[j] for r in rows)
            self._fit(j, cached, styles[j] if styles else None)
            self.ws.write_formula(self.row, j, f"=SUM({col}{first + 1}:{col}{last + 1})",
                                  self.cw.fmt(dict(styles[j] if styles and styles[j] else {}, bold=True, top=1)), cached)

    def trend_chart(self, first: int, last: int, title: str, targets: bool = True) -> None:
        self._keep(14)
        chart = self.wb.add_chart({"type": "column"})
        cats = [SHEET, first, 0, last, 0]
        chart.add_series({"name": self.t("Actual"), "categories": cats, "values": [SHEET, first, 1, last, 1],
                          "fill": {"color": "#4472C4"}})
        if targets:
            line = self.wb.add_chart({"type": "line"})
            line.add_series({"name": self.t("Target"), "categories": cats, "values": [SHEET, first, 2, last, 2],
                             "line": {"color": "#ED7D31", "width": 2.25}})
            chart.combine(line)
        chart.set_title({"name": title})
        chart.set_legend({"position": "bottom"})
        chart.set_y_axis({"num_format": "#,##0"})
        chart.set_size({"width": 720, "height": 260})
        self.ws.insert_chart(self.row, 0, chart)
        self.row += 14

    def _fit(self, col: int, value, style: dict | None = None) -> None:
        while col >= len(self.widths):
            self.widths.append(MIN_WIDTH)
        self.widths[col] = max(self.widths[col], min(MAX_WIDTH, shown_width(value, style) + 2))

    def bar_chart(self, first: int, last: int, value_col: int, title: str, num_format: str,
                  maximum: float | None = None) -> None:
        """Horizontal bars of a table's column, labelled by its first column (a native chart)."""
        chart = self.wb.add_chart({"type": "bar"})
        chart.add_series({"name": title, "categories": [SHEET, first, 0, last, 0],
                          "values": [SHEET, first, value_col, last, value_col], "fill": {"color": "#4472C4"},
                          "data_labels": {"value": True, "num_format": num_format}})
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_legend({"none": True})
        # XlsxWriter's bar chart: x is the (horizontal) value axis, y the category axis; every
        # category labelled, the table's first row on top, rows tall enough that no label is skipped
        chart.set_x_axis({"num_format": num_format, "min": 0, **({"max": maximum} if maximum else {})})
        chart.set_y_axis({"reverse": True, "interval_unit": 1, "num_font": {"size": 8}})
        height = 60 + 40 * (last - first + 1)
        self._keep(height // 20 + 2)
        chart.set_size({"width": 480, "height": height})
        self.ws.insert_chart(self.row, 0, chart)
        self.row += height // 20 + 2           # rows are 20 px high

    def close(self) -> bytes:
        for col, width in enumerate(self.widths):
            self.ws.set_column(col, col, width)
        if self.breaks:
            self.ws.set_h_pagebreaks(self.breaks)
        self.wb.close()
        return self.buf.getvalue()


def _hf(text: str) -> str:
    """Text for a printed header or footer: '&' is its code character."""
    return text.replace("&", "&&")


def _sales(rep: Report, sales: tuple[SalesRow, ...], runrate: RunRate | None, heading: str,
           targets: bool = True) -> None:
    t = rep.t
    rep.section(t(heading))
    if not targets:         # no Targets sheet: actuals only
        rep.table([t("period"), t("actual")], [[t(s.label), s.actual] for s in sales], [None, MONEY])
        return
    rep.table([t("period"), t("actual"), t("target"), t("attainment")],
              [[t(s.label), s.actual, s.target, None] for s in sales], [None, MONEY, MONEY, None], ratio=(3, 1, 2))
    if runrate:
        rep.note(t("Month still open: at the current pace the month ends at {amount} ({share} of target), run-rate "
                   "on working days.", amount=t.money(runrate.amount), share=t.pct(runrate.attainment, 0))
                 if runrate.attainment is not None else
                 t("Month still open: at the current pace the month ends at {amount}, run-rate on working days.",
                   amount=t.money(runrate.amount)))


def _funnel(rep: Report, funnel: tuple[FunnelStage, ...]) -> None:
    t = rep.t
    rep.section(t("Funnel (deals created in the last 12 months)"))
    first, last = rep.table([t("stage"), t("reached"), t("advanced to next"), t("conversion")],
                            [[t.term(f.stage), f.reached, f.advanced, None] for f in funnel], [None, INT, INT, None],
                            ratio=(3, 2, 1))
    rep.bar_chart(first, last, 1, t("Deals reaching each stage"), "#,##0")


def _trend(rep: Report, trend: tuple[SalesRow, ...], targets: bool = True) -> None:
    t = rep.t
    rep.section(t("Twelve-month trend"))
    if not targets:
        first, last = rep.table([t("month"), t("actual")], [[x.period, x.actual] for x in trend], [None, MONEY],
                                totals=[1])
        rep.trend_chart(first, last, t("Sales"), targets=False)
        return
    first, last = rep.table([t("month"), t("actual"), t("target"), t("attainment")],
                            [[x.period, x.actual, x.target, None] for x in trend], [None, MONEY, MONEY, None],
                            ratio=(3, 1, 2), totals=[1, 2])
    rep.trend_chart(first, last, t("Sales against target"))


def _customer_rows(rows: tuple[CustomerRow, ...], t: Language) -> list[list]:
    return [[c.customer_id, c.name, t.term(c.tier), t.term(c.previous_tier), c.last_contact,
             c.next_revisit, t.term(c.segment)] for c in rows]


def _customer_headers(t: Language) -> list[str]:
    return [t("customer"), t("name"), t("tier"), t("tier last month"), t("last contact"), t("next revisit"),
            t("segment")]


def _laid_out(ctx: RepMonth | TeamMonth, body, title: str, header_left: str) -> bytes:
    """The report laid out once to measure its columns, then written with its page breaks."""
    t = language(ctx.lang)
    measured = Report(title, header_left, ctx.month, t)
    body(measured, ctx)
    rep = Report(title, header_left, ctx.month, t, widths=measured.widths)
    body(rep, ctx)
    return rep.close()


def rep_workbook(ctx: RepMonth) -> bytes:
    r, t = ctx.rep, language(ctx.lang)
    who = f"{r.name} ({r.rep_id})"
    return _laid_out(ctx, _rep_body, t("Monthly sales report: {who}, {month}", who=who, month=t.month(ctx.month)), who)


def _rep_body(rep: Report, ctx: RepMonth) -> None:
    r, t = ctx.rep, rep.t
    rep.note(t("Team {team}, manager {manager}; data as of {date}.", team=r.team, manager=r.manager or "-",
               date=ctx.as_of))
    has = _missing_notes(rep, ctx)
    _sales(rep, ctx.sales, ctx.runrate, "Sales against target", has("Targets"))
    if has("KPIs"):
        _scorecard(rep, ctx)
    if has("Opportunities"):
        _funnel(rep, ctx.funnel)
        rep.table([t("win rate (3 months)"), t("average cycle, days")], [[ctx.win_rate, ctx.cycle_days]],
                  [PERCENT, NUMBER])
    if has("Activities"):
        rep.section(t("Activities against the planned weekly cadence"))
        rep.table([t("activity"), t("actual"), t("planned"), t("attainment")],
                  [[t.term(a.type), a.actual, a.planned, None] for a in ctx.activities], [None, INT, INT, None],
                  ratio=(3, 1, 2), totals=[1, 2])
        if ctx.activities_note:
            rep.note(t.note(ctx.activities_note))
    if has("Satisfaction"):
        s = ctx.satisfaction
        rep.section(t("Customer satisfaction"))
        rep.table([t("this month"), t("answers"), t("last three months")],
                  [[s.month_mean, s.month_count, s.trailing_mean]], [NUMBER, INT, NUMBER])
    _customers(rep, ctx, has("Customers"))
    if has("Plans"):
        _commission(rep, ctx)
    _trend(rep, ctx.trend, has("Targets"))


def _missing_notes(rep: Report, ctx: RepMonth | TeamMonth):
    """One line per optional sheet the workbook lacks; returns has(sheet)."""
    for sheet in ctx.missing:
        rep.note(rep.t(MISSING_NOTES[sheet]))
    return lambda sheet: sheet not in ctx.missing


def _scorecard(rep: Report, ctx: RepMonth) -> None:
    t, sc = rep.t, ctx.scorecard
    rep.section(t("KPI scorecard"))
    first, last = rep.table([t("KPI"), t("actual"), t("target"), t("attainment"), t("status"), t("weight")],
                            [[t.term(k.label or k.kpi), Styled(k.actual, KIND_FORMAT[k.kind]),
                              Styled(k.target, KIND_FORMAT[k.kind]), kpi_attainment(k), t.term(k.status), k.weight]
                             for k in sc.kpis],
                            [None, NUMBER, NUMBER, None, None, NUMBER])
    rep.bar_chart(first, last, 3, t("KPI attainment"), "0%", maximum=1.5)
    if ctx.open_month:
        rep.note(t("Targets of cumulative KPIs (sales, activities) are pro-rated to the working days elapsed."))
    rep.table([t("score"), t("status"), t("rank in team")],
              [[sc.score, t.term(sc.status), t("{rank} of {size}", rank=sc.rank, size=sc.team_size)]],
              [PERCENT, None, None])


def _customers(rep: Report, ctx: RepMonth, tiers: bool) -> None:
    t, cust = rep.t, ctx.customers
    if tiers:
        rep.section(t("Customers by tier ({count} customers)", count=cust.total))
        rep.table([t("tier"), t("customers")], [[t.term(x.tier), x.count] for x in cust.tiers], [None, INT], totals=[1])
        rep.section(t("Overdue revisits"))
        rep.table(_customer_headers(t), _customer_rows(cust.overdue, t))
        rep.section(t("Customers that moved down a tier: call them"))
        rep.table(_customer_headers(t), _customer_rows(cust.moved_down, t))
    rep.section(t("Returns this month"))
    rep.table([t("order"), t("date"), t("customer"), t("product"), t("amount"), t("original order")],
              [[x.order_id, x.date, x.customer_id, x.product, x.amount, x.original_order_id]
               for x in ctx.returns], [None, None, None, None, MONEY, None], totals=[4])


def _commission(rep: Report, ctx: RepMonth) -> None:
    t, c = rep.t, ctx.commission
    rep.section(t("Commission for the month"))
    if c:
        rep.table([t(h) for h in COMMISSION_HEADERS],
                  [[c.commission, c.gate_and_cap, c.clawback, c.spiff, c.adjustment, c.earned, c.paid]],
                  [MONEY] * 7)
    else:
        rep.note(t("Not computed in this run."))
    if ctx.sales_note:
        rep.note(t.note(ctx.sales_note))


COMMISSION_HEADERS = ("sales commission", "gate and cap", "clawbacks", "SPIFFs", "adjustments", "earned", "to pay")


def team_workbook(ctx: TeamMonth) -> bytes:
    tm, t = ctx.team, language(ctx.lang)
    return _laid_out(ctx, _team_body, t("Monthly team report: {team}, {month}", team=tm.team, month=t.month(ctx.month)),
                     t("Team {team}", team=tm.team))


def _team_body(rep: Report, ctx: TeamMonth) -> None:
    tm, t = ctx.team, rep.t
    rep.note(t("Manager {manager}; data as of {date}.", manager=tm.manager or "-", date=ctx.as_of))
    has = _missing_notes(rep, ctx)
    rep.section(t("Reps ranked by score"))
    rep.table([t("rep"), t("name"), t("actual"), t("target"), t("attainment"), t("score"), t("status"), t("rank")],
              [[x.rep_id, x.name, x.actual, x.target, None, x.score, t.term(x.status), x.rank] for x in ctx.reps],
              [None, None, MONEY, MONEY, None, PERCENT, None, INT], ratio=(4, 2, 3), totals=[2, 3])
    if ctx.target_note:
        rep.note(t.note(ctx.target_note))
    _sales(rep, ctx.sales, None, "Team against target", has("Targets"))
    ch = ctx.champion
    rep.section(t("Sales champion of the month"))
    rep.note(t("{name} ({rep_id}): {actual} against {target}", name=ch.name, rep_id=ch.rep_id,
               actual=t.money(ch.actual), target=t.money(ch.target)) if ch else t("No rep with a target."))
    if has("KPIs"):
        rep.section(t("Underperformers (status red)"))
        rep.table([t("rep"), t("name"), t("actual"), t("target"), t("attainment"), t("score")],
                  [[x.rep_id, x.name, x.actual, x.target, None, x.score] for x in ctx.underperformers],
                  [None, None, MONEY, MONEY, None, PERCENT], ratio=(4, 2, 3))
    _team_risks(rep, ctx, has("Customers"))
    if has("Opportunities"):
        _funnel(rep, ctx.funnel)
    if has("Customers"):
        mv = ctx.movements
        rep.section(t("Tier movements of the team's customers"))
        rep.table([t("moved"), t("customers")], [[t.term(k), v] for k, v in mv.counts.items()], [None, INT], totals=[1])
        rep.subtitle(t("Customers that moved down a tier (the most valuable first)"))
        rep.table(_customer_headers(t), _customer_rows(mv.moved_down, t))
    _trend(rep, ctx.trend, has("Targets"))


def _team_risks(rep: Report, ctx: TeamMonth, customers: bool) -> None:
    t, risks = rep.t, ctx.risks
    rep.section(t("Risks: behind pace"))
    rep.table([t("rep"), t("name"), t("actual"), t("target"), t("attainment")],
              [[x.rep_id, x.name, x.actual, x.target, None] for x in risks.behind_pace],
              [None, None, MONEY, MONEY, None], ratio=(4, 2, 3))
    if customers:
        rep.section(t("Risks: overdue revisits of high-value customers"))
        rep.table([t("customer"), t("name"), t("rep"), t("last contact"), t("next revisit")],
                  [[c.customer_id, c.name, c.owner_rep_id, c.last_contact, c.next_revisit]
                   for c in risks.overdue_high_value])
    rep.section(t("Risks: large returns"))
    rep.table([t("order"), t("date"), t("rep"), t("customer"), t("product"), t("amount")],
              [[x.order_id, x.date, x.rep_id, x.customer_id, x.product, x.amount] for x in risks.large_returns],
              [None, None, None, None, None, MONEY], totals=[5])
