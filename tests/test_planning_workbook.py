"""The planning workbook: every SD_ formula names a registered function with a valid number
of arguments over ranges that exist, and its cached value is what the function returns for
those ranges; LibreOffice opens it and recalculates its other formulas to the cached values."""
from __future__ import annotations

import datetime as dt
import hashlib
import re

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.worksheet.formula import ArrayFormula

from addin import udfs  # noqa: F401
from addin.registry import REGISTRY
from generators.cli import main
from tests.support.libreoffice import convert, recalculated_formulas

SD_CALL = re.compile(r"^=(?:_xludf\.)?(SD_[A-Z]+)\((.*)\)$", re.S)


@pytest.fixture(scope="module")
def book(tmp_path_factory, demo_book):
    path = tmp_path_factory.mktemp("plan") / "planning.xlsx"
    before = hashlib.sha256(demo_book.read_bytes()).hexdigest()
    result = CliRunner().invoke(main, ["workbook", "new", str(path), "--from", str(demo_book)])
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(demo_book.read_bytes()).hexdigest() == before      # the source is never modified
    return path


def split_args(text: str) -> list[str]:
    out, depth, quoted, cur = [], 0, False, ""
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if not quoted and ch in "(":
            depth += 1
        if not quoted and ch in ")":
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [a.strip() for a in out]


def resolve(wb_values, wb_formulas, arg: str, sheet: str, is_range: bool):
    """An argument as xlwings would pass it, read from the saved workbook."""
    if arg == "":
        return None
    if arg.startswith('"'):
        return arg[1:-1].replace('""', '"')
    if re.fullmatch(r"-?\d+(\.\d+)?", arg):
        return float(arg)
    if arg.upper() in ("TRUE", "FALSE"):
        return arg.upper() == "TRUE"
    if arg in wb_formulas.defined_names:
        arg = wb_formulas.defined_names[arg].attr_text
    m = re.fullmatch(r"(?:'((?:[^']|'')+)'|([A-Za-z0-9_.]+))!(\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)", arg) or \
        re.fullmatch(r"()()(\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)", arg)
    assert m, f"argument is neither a literal, a name nor a reference: {arg}"
    target = (m.group(1) or "").replace("''", "'") or m.group(2) or sheet
    assert target in wb_values.sheetnames, f"reference to a missing sheet {target}"
    cells = wb_values[target][m.group(3).replace("$", "")]
    if not isinstance(cells, tuple):
        cells = ((cells,),)
    rows = [[c.value for c in row] for row in cells]
    if not is_range and len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    return rows


def same(a, b) -> bool:
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        da = a.date() if isinstance(a, dt.datetime) else a
        db = b.date() if isinstance(b, dt.datetime) else b
        return da == db
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == pytest.approx(b, rel=1e-9, abs=1e-9)
    return (a in ("", None) and b in ("", None)) or a == b


def _sd_formulas(formulas):
    """(sheet, cell, formula, its text) of every cell whose formula calls an SD_ function."""
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                text = v.text if isinstance(v, ArrayFormula) else v
                if isinstance(text, str) and text.startswith("=") and "SD_" in text:
                    yield ws, cell, v, text


def _computed_and_cached(values, formulas, ws, cell, v, text):
    """The engine's result for the formula's arguments as the workbook holds them, beside the
    cached block of cells; the call itself is checked against the registry."""
    m = SD_CALL.match(text)
    assert m, f"{ws.title}!{cell.coordinate}: SD_ call not at the top of the formula: {text}"
    name, inner = m.groups()
    spec = REGISTRY.get(name)
    assert spec is not None, f"{name} is not a registered function"
    args = split_args(inner)
    assert spec.min_args <= len(args) <= len(spec.args), f"{ws.title}!{cell.coordinate}: {text}"
    result = spec.func(*[resolve(values, formulas, a, ws.title, s.range) for a, s in zip(args, spec.args)])
    assert not (isinstance(result, str) and result.startswith("SD_")), result
    grid = result if isinstance(result, list) else [[result]]
    if isinstance(v, ArrayFormula):
        block = values[ws.title][v.ref]
        block = block if isinstance(block, tuple) else ((block,),)
        assert len(block) == len(grid) and len(block[0]) == max(len(r) for r in grid), (name, v.ref)
    else:
        block = ((values[ws.title][cell.coordinate],),)
    return name, grid, block


def test_every_sd_formula_is_registered_valid_and_cached_with_the_engine_value(book):
    formulas = openpyxl.load_workbook(book)
    values = openpyxl.load_workbook(book, data_only=True)
    seen = set()
    checked_cells = 0
    for ws, cell, v, text in _sd_formulas(formulas):
        name, grid, block = _computed_and_cached(values, formulas, ws, cell, v, text)
        for want_row, got_row in zip(grid, block):
            for want, got in zip(want_row, got_row):
                assert same(want, got.value), (ws.title, got.coordinate, name, want, got.value)
                checked_cells += 1
        seen.add(name)
    assert {"SD_PHASE", "SD_ALLOCATE", "SD_RAMP", "SD_SCORECARD", "SD_RUNRATE", "SD_TIER", "SD_RFM", "SD_REVISIT",
            "SD_COMMISSION", "SD_DRAW"} <= seen
    assert checked_cells > 1000


def test_sheets_tables_names_dropdowns_and_xlwings_conf(book, demo_frames):
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[:5] == ["Start here", "Plan", "Scorecard", "Customer tiers", "Commission calculator"]
    for sheet in ("Reps", "Orders", "Opportunities", "Plans", "Payroll"):
        assert len(wb[sheet].tables) == 1 and wb[sheet].freeze_panes == "A2"
    assert {"PlanYear", "AsOf", "Seasonality", "KpiTable"} <= set(wb.defined_names)
    assert wb["Opportunities"].data_validations.dataValidation
    conf = wb["xlwings.conf"]
    assert (conf["A1"].value, conf["B1"].value) == ("UDF Modules", "addin.udfs")
    assert wb["Orders"].max_row == len(demo_frames["Orders"]) + 1


@pytest.mark.libreoffice
def demo_frames_teams(wb) -> list:
    return [r[0].value for r in wb["Teams"].iter_rows(min_row=2) if r[0].value]


def test_libreoffice_opens_it_and_recalculates_the_other_formulas(book, tmp_path, lo_profile):
    pdf = convert([book], tmp_path / "pdf", "pdf", lo_profile)[0]
    assert pdf.stat().st_size > 10_000
    checked = 0
    for name, where, formula, want, got in recalculated_formulas([book], tmp_path / "xlsx", lo_profile,
                                                                 skip=lambda f: "SD_" in f):
        assert same(want, got), (where, formula, want, got)
        checked += 1
    formulas = openpyxl.load_workbook(book, read_only=True)
    assert checked >= 1 + len(demo_frames_teams(formulas))


def test_it_keeps_its_values_on_open_and_prints_sensibly(book):
    """No forced recalculation on open (a user without the add-in sees the stored values, not
    #NAME?); every data sheet prints landscape, one page wide, its header row on every page;
    Start here's long lines get the height they need; scorecard inputs read by their kind."""
    import re
    import zipfile
    with zipfile.ZipFile(book) as z:
        workbook_xml = z.read("xl/workbook.xml").decode()
    calc = re.search(r"<calcPr[^>]*/>", workbook_xml).group(0)
    assert "fullCalcOnLoad" not in calc and 'calcId="191029"' in calc
    wb = openpyxl.load_workbook(book)
    for name in ("Orders", "Reps", "Customers", "Activities", "SalesLines"):
        ws = wb[name]
        # one page wide (XlsxWriter leaves out fitToWidth="1", the default), as many pages tall as needed
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth in (None, 1), name
        assert ws.page_setup.fitToHeight == 0, name
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows in ("1:1", "$1:$1"), name
    start = wb["Start here"]
    long_rows = [c.row for c in start["A"] if isinstance(c.value, str) and len(c.value) > 62]
    assert long_rows and all(start.row_dimensions[r].height and start.row_dimensions[r].height >= 30 for r in long_rows)
    sc = wb["Scorecard"]
    header = {}
    for c in range(1, sc.max_column + 1):            # the inputs table comes first (the scorecard repeats names)
        header.setdefault(sc.cell(6, c).value, c)
    assert sc.cell(7, header["sales"]).number_format == "#,##0.00"
    assert sc.cell(7, header["win_rate"]).number_format == "0.0%"
    assert sc.cell(7, header["activities"]).number_format == "#,##0"
