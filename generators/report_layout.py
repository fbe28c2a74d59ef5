"""Where each block of a printed report goes: its rows, the page breaks, the column widths.

A report is a list of blocks (section headings, notes, tables, charts) stacked on one sheet.
This module places them and writes nothing (no XlsxWriter), so the rules of the printed page
are plain functions tested with plain inputs: a heading stays with what follows it, a table
that fits a page is not split, a longer one breaks where each page ends and repeats its header
there, and a block longer than a page (a heading with a long table, a tall chart) starts a new
page only when less than a third of this one is left. Column widths come from the values
measured here, so nothing is written twice. ``report_xlsx`` draws the placed blocks.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from addin.engine.money import exact_sum
from workbooks.xlsxstyle import shown_width

# The printed page (A4 landscape, XlsxWriter's default margins) in points, and how rows fill it;
# the columns are scaled to fit the page width, so wider columns leave room for more rows.
PAGE_WIDTH_PT, PAGE_HEIGHT_PT = 842 - 2 * 0.7 * 72, 595 - 2 * 0.75 * 72
ROW_PT, REPEATED_PT = 15, 36           # a body row (Excel's default height); the title rows repeated on every page
SPARE_ROWS = 1                         # Excel rows are 15 pt; LibreOffice's 12.75 pt leave more room
MIN_WIDTH, MAX_WIDTH = 10, 42          # a column's width in characters: fitted to its longest value, capped (wrapped beyond)
FIRST_ROW = 2                          # below the title and the blank row (both repeated on every page)
TREND_ROWS = 14                        # the trend chart's height in rows


@dataclass(frozen=True)
class Styled:
    """A value with its own number format (a KPI's actual and target read by its kind)."""
    value: object
    style: dict


@dataclass(frozen=True)
class CellFormula:
    """A formula cell; ``{r}`` in the text is replaced by the cell's Excel row number."""
    text: str
    cached: object
    style: dict | None = None


@dataclass(frozen=True)
class Heading:
    """A section's heading: placed with the block that follows it, on the same page."""
    text: str


@dataclass(frozen=True)
class Subtitle:
    """A title for a table inside a section."""
    text: str


@dataclass(frozen=True)
class Note:
    """A sentence across the report's width, wrapped over as many lines as it needs."""
    text: str


@dataclass(frozen=True)
class Table:
    """Headers and rows; ``ratio`` = (result col, numerator col, denominator col) as a formula;
    ``totals`` = columns summed in a total row; ``marks`` = a status per row (``STATUS_FILL``'s
    red: behind pace) that fills its ratio cell."""
    headers: list[str]
    rows: list[list]
    styles: list[dict | None] | None = None
    ratio: tuple[int, int, int] | None = None
    totals: list[int] | None = None
    marks: list[str] | None = None

    def total(self, col: int):
        """A total column's value: the exact decimal sum of its cells."""
        return exact_sum(r[col] for r in self.rows)

    def style(self, col: int) -> dict | None:
        return self.styles[col] if self.styles else None


@dataclass(frozen=True)
class TrendChart:
    """Columns of the table just before (actuals), with its targets as a line."""
    title: str
    targets: bool = True

    def rows(self, first: int, last: int) -> int:
        return TREND_ROWS


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars of a column of the table just before, one bar per row."""
    value_col: int
    title: str
    num_format: str
    maximum: float | None = None

    def height_px(self, first: int, last: int) -> int:
        return 60 + 40 * (last - first + 1)        # tall enough that no category label is skipped

    def rows(self, first: int, last: int) -> int:
        return self.height_px(first, last) // 20 + 2        # rows are 20 px high


Block = Heading | Subtitle | Note | Table | TrendChart | BarChart


@dataclass(frozen=True)
class Placed:
    """A block at its place: ``row`` is its first row (a heading's, a note's, a chart's, a
    table's header). A table also has one row per data row (``rows``), the indexes of the data
    rows its header is repeated above (``repeated``), and its total or "(none)" row (``end``).
    A chart has the data rows of its table (``data``); a note its lines and whether it is merged
    across the report's width."""
    block: Block
    row: int
    rows: tuple[int, ...] = ()
    repeated: frozenset[int] = frozenset()
    end: int | None = None
    data: tuple[int, int] = (0, 0)
    lines: int = 1
    merged: bool = False


@dataclass(frozen=True)
class Page:
    """The laid-out report: its blocks in order, the rows that start a printed page, the widths."""
    placed: tuple[Placed, ...]
    breaks: tuple[int, ...]
    widths: tuple[int, ...]


def column_widths(blocks: list[Block]) -> list[int]:
    """Each column fitted to its longest header, value or total (capped at MAX_WIDTH); formulas
    and text outside tables do not widen a column."""
    widths = [MIN_WIDTH] * 8
    for table in (b for b in blocks if isinstance(b, Table)):
        for col, value, style in _shown(table):
            while col >= len(widths):
                widths.append(MIN_WIDTH)
            widths[col] = max(widths[col], min(MAX_WIDTH, shown_width(value, style) + 2))
    return widths


def _shown(table: Table):
    """(column, value, style) of each header, value and total a table shows as itself (not a formula's)."""
    for j, h in enumerate(table.headers):
        yield j, h, None
    for values in table.rows:
        for j, v in enumerate(values):
            if isinstance(v, Styled):
                yield j, v.value, v.style
            elif not isinstance(v, CellFormula) and not (table.ratio and j == table.ratio[0]):
                yield j, v, table.style(j)
    for j in (table.totals or []) if table.rows else []:
        yield j, table.total(j), table.style(j)


def rows_per_page(widths: list[int] | tuple[int, ...]) -> int:
    """Body rows on one printed page when the columns are scaled to fit the page width."""
    width_pt = sum(w * 7 + 5 for w in widths) * 0.75       # a character is 7 px (Calibri 11), px = 0.75 pt
    scale = min(1.0, PAGE_WIDTH_PT / width_pt)
    return int((PAGE_HEIGHT_PT / scale - REPEATED_PT) // ROW_PT) - SPARE_ROWS


def note_lines(text: str, widths: list[int] | tuple[int, ...]) -> int:
    """Lines a note wraps to across the report's width (a tenth more for proportional text)."""
    return -(-shown_width(text) * 11 // 10 // sum(widths))


def lay_out(blocks: list[Block], widths: list[int] | None = None) -> Page:
    """Place the blocks on pages whose width is set by ``widths`` (measured when not given)."""
    widths = list(widths) if widths is not None else column_widths(blocks)
    return _Pager(widths).place(blocks)


@dataclass
class _Pager:
    """The current row and the printed page while blocks are placed one after another."""
    widths: list[int]
    row: int = FIRST_ROW
    page_start: int = FIRST_ROW
    taller: int = 0                    # extra lines of wrapped notes on the current page
    breaks: list[int] = field(default_factory=list)
    placed: list[Placed] = field(default_factory=list)
    pending: list[Heading | Subtitle] = field(default_factory=list)   # placed with the next block
    table: tuple[int, int] = (0, 0)    # the data rows of the last table (for the chart that follows it)

    def __post_init__(self):
        self.page_rows = rows_per_page(self.widths)

    def place(self, blocks: list[Block]) -> Page:
        place = {Heading: self._heading, Subtitle: self._subtitle, Note: self._note, Table: self._table,
                 TrendChart: self._chart, BarChart: self._chart}
        for block in blocks:
            place[type(block)](block)
        return Page(tuple(self.placed), tuple(self.breaks), tuple(self.widths))

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

    def _heading(self, heading: Heading) -> None:
        self.pending = [heading]          # a section with nothing in it is not printed

    def _subtitle(self, subtitle: Subtitle) -> None:
        self.pending.append(subtitle)     # kept with the table it titles, like a heading

    def _with_heading(self, rows_after: int) -> None:
        """The pending heading (a blank row, then its text) and subtitle, and the first ``rows_after``
        rows of what follows, kept on one page."""
        self._keep(sum(2 if isinstance(h, Heading) else 1 for h in self.pending) + rows_after)
        for h in self.pending:
            self.row += isinstance(h, Heading)
            self.placed.append(Placed(h, self.row))
            self.row += 1
        self.pending = []

    def _note(self, note: Note) -> None:
        lines = note_lines(note.text, self.widths)
        self._with_heading(lines)
        merged = lines > 1 or shown_width(note.text) > self.widths[0]
        self.placed.append(Placed(note, self.row, lines=lines, merged=merged))
        self.taller += max(lines - 1, 0)
        self.row += 1

    def _table(self, table: Table) -> None:
        # a table that fits a page is kept whole; a longer one counts as a page (with a heading
        # before it, more than a page: it starts here unless less than a third of the page is left)
        self._with_heading(min(2 + len(table.rows) + bool(table.totals), self.page_rows))
        header, rows, repeated = self.row, [], set()
        for i in range(len(table.rows)):
            self.row += 1
            if self._used() >= self.page_rows:      # the page is full: its header again on the next
                self._break()
                repeated.add(i)
                self.row += 1
            rows.append(self.row)
        self.table, end = (header + 1, self.row), None
        if not table.rows or table.totals:
            self.row += 1
            end = self.row
        self.placed.append(Placed(table, header, tuple(rows), frozenset(repeated), end))
        self.row += 1

    def _chart(self, chart: TrendChart | BarChart) -> None:
        rows = chart.rows(*self.table)
        self._keep(rows)
        self.placed.append(Placed(chart, self.row, data=self.table))
        self.row += rows
