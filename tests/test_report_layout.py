"""The printed report's page layout (generators/report_layout.py), with small plain inputs: no workbook written."""
from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal

from generators.report_layout import (FIRST_ROW, MAX_WIDTH, MIN_WIDTH, BarChart, CellFormula, Heading, Note, Styled,
                                      Subtitle, Table, TrendChart, column_widths, lay_out, note_lines, rows_per_page)

WIDTHS = [MIN_WIDTH] * 8
PAGE = rows_per_page(WIDTHS)


def page_of(row: int, breaks) -> int:
    return bisect_right(list(breaks), row)


def table(n: int, **kw) -> Table:
    return Table(["a", "b"], [[f"x{i}", i] for i in range(n)], **kw)


def filler(rows: int) -> Table:
    """A table taking ``rows`` rows: its header and data."""
    return table(rows - 1)


def placed(page, kind):
    return [p for p in page.placed if isinstance(p.block, kind)]


def test_the_page_holds_more_rows_when_wide_columns_are_scaled_down():
    assert PAGE == 29                                  # A4 landscape, 15 pt rows, title rows repeated
    assert rows_per_page([MAX_WIDTH] * 8) > PAGE
    assert rows_per_page([MIN_WIDTH] * 3) == PAGE       # narrower than the page: never scaled up


def test_a_heading_never_ends_a_page():
    for used in range(PAGE - 8, PAGE):
        page = lay_out([filler(used), Heading("Section"), table(3)], WIDTHS)
        heading, = placed(page, Heading)
        _, second = placed(page, Table)
        assert page_of(heading.row, page.breaks) == page_of(second.row, page.breaks) \
            == page_of(second.rows[-1], page.breaks), used


def test_a_table_that_fits_a_page_moves_whole_to_the_next():
    page = lay_out([filler(PAGE - 5), table(10)], WIDTHS)
    _, moved = placed(page, Table)
    assert page.breaks == (moved.row,)
    assert not moved.repeated and moved.rows == tuple(range(moved.row + 1, moved.row + 11))


def test_a_table_that_fits_the_rest_of_the_page_stays():
    page = lay_out([filler(5), table(10)], WIDTHS)
    assert page.breaks == ()


def test_a_long_table_breaks_where_the_page_ends_and_repeats_only_its_header():
    rows = 2 * PAGE + 5
    page = lay_out([Heading("Orders"), table(rows, totals=[1])], WIDTHS)
    heading, = placed(page, Heading)
    long, = placed(page, Table)
    assert heading.row == FIRST_ROW + 1 and long.row == heading.row + 1
    assert len(page.breaks) == 2 and len(long.rows) == rows
    for start in page.breaks:                          # each new page starts with the header again, nothing else
        i = long.rows.index(start + 1)
        assert i in long.repeated
    assert len(long.repeated) == 2
    assert all(b - a == 1 for a, b in zip(long.rows, long.rows[1:]) if b - 1 not in page.breaks)
    starts = (FIRST_ROW, *page.breaks)
    for a, b in zip(starts, (*page.breaks, long.end + 1)):   # no page holds more rows than fit
        assert b - a <= PAGE
    assert long.end == long.rows[-1] + 1                # the total row right after the last data row


def test_a_block_longer_than_a_page_starts_a_new_page_only_when_less_than_a_third_is_left():
    long = [Heading("Overdue revisits"), table(PAGE + 10)]
    roomy = lay_out([filler(PAGE // 2), *long], WIDTHS)            # half a page left: it starts here
    heading, = placed(roomy, Heading)
    assert heading.row == FIRST_ROW + PAGE // 2 + 1 and roomy.breaks[0] > heading.row
    crowded = lay_out([filler(PAGE - PAGE // 4), *long], WIDTHS)    # a quarter left: on a new page
    heading, = placed(crowded, Heading)
    assert crowded.breaks[0] == heading.row - 1                     # the break before its blank row
    chart = BarChart(1, "KPI attainment", "0%")                      # 16 bars: 37 rows, more than a page
    tall = lay_out([table(16), chart], WIDTHS)                      # 17 rows used, 12 left: drawn here
    assert chart.rows(*placed(tall, BarChart)[0].data) == 37 and tall.breaks == ()
    tall = lay_out([filler(4), table(16), chart], WIDTHS)           # 8 left: on a new page
    assert tall.breaks == (placed(tall, BarChart)[0].row,)


def test_a_table_without_a_heading_longer_than_the_rest_of_the_page_starts_a_page():
    page = lay_out([filler(3), table(PAGE + 10)], WIDTHS)
    assert page.breaks[0] == placed(page, Table)[1].row


def test_the_first_block_never_breaks_before_itself():
    page = lay_out([table(3 * PAGE)], WIDTHS)
    assert FIRST_ROW not in page.breaks


def test_a_long_note_wraps_and_its_extra_lines_count_on_the_page():
    text = "word " * 100                              # 500 characters over 80 columns: 7 lines
    assert note_lines(text, WIDTHS) == 7
    page = lay_out([Note("short"), Note(text), filler(PAGE - 7)], WIDTHS)
    short, wrapped = placed(page, Note)
    assert (short.lines, short.merged) == (1, False) and (wrapped.lines, wrapped.merged) == (7, True)
    assert page.breaks == (FIRST_ROW + 2,)            # 1 + 7 lines leave 21 rows: the 22-row table moves on
    assert lay_out([Note("short"), Note("short"), filler(PAGE - 7)], WIDTHS).breaks == ()


def test_a_subtitle_never_ends_a_page():
    for used in range(PAGE - 8, PAGE):
        page = lay_out([filler(used), Subtitle("Moved down"), table(5)], WIDTHS)
        subtitle, = placed(page, Subtitle)
        _, titled = placed(page, Table)
        assert page_of(subtitle.row, page.breaks) == page_of(titled.rows[-1], page.breaks), used
        assert titled.row == subtitle.row + 1


def test_a_chart_is_drawn_from_the_table_before_it_and_kept_whole():
    page = lay_out([table(4), BarChart(1, "Deals", "#,##0"), filler(PAGE - 14), table(0), TrendChart("Sales")],
                   WIDTHS)
    first, _, empty = placed(page, Table)
    bar, trend = placed(page, BarChart)[0], placed(page, TrendChart)[0]
    assert bar.data == (first.rows[0], first.rows[-1]) and bar.row == first.rows[-1] + 1
    assert BarChart(1, "Deals", "#,##0").rows(*bar.data) == (60 + 40 * 4) // 20 + 2
    assert empty.end == empty.row + 1 and trend.data == (empty.row + 1, empty.row)   # "(none)": no data rows
    assert trend.row in page.breaks                    # 14 rows did not fit after the filler


def test_columns_fit_their_longest_value_capped_and_formulas_do_not_widen_them():
    widths = column_widths([
        Table(["customer", "amount", "attainment", "kpi"],
              [["C-1", Decimal("1234567.50"), None, Styled(0.5, {"num_format": "0.0%"})],
               ["华东大客户有限公司", Decimal("1"), None, CellFormula("=A{r}", "x" * 60)],
               ["y" * 80, None, None, None]],
              [None, {"num_format": "#,##0.00"}, None, None], ratio=(2, 1, 1), totals=[1]),
    ])
    assert widths[0] == MAX_WIDTH                       # 80 characters: capped, wrapped when drawn
    assert widths[1] == len("1,234,568.50") + 2         # the total, wider than any cell
    assert widths[2] == len("attainment") + 2           # the ratio formula does not count, its header does
    assert widths[3] == MIN_WIDTH                       # 50.0% and the formula's cached text do not widen it
    assert widths[4:] == [MIN_WIDTH] * 4
    assert column_widths([Table(["名称"], [["华东大客户有限公司"]])])[0] == 18 + 2   # East Asian characters count two


def test_measured_widths_set_the_page_when_none_are_given():
    blocks = [Table(["x" * 40] * 8, [])]
    page = lay_out(blocks)
    assert page.widths == tuple([42] * 8)
    assert rows_per_page(page.widths) > PAGE
