"""The SD_ functions wherever the workbook is opened: the package xlwings Lite installs, the
Lite registration (called with values shaped as Lite passes them), the LibreOffice Calc
extension in a real LibreOffice, and rewriting a workbook's formulas for each platform."""
from __future__ import annotations

import datetime as dt
import functools
import html
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import types
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

from addin import udfs  # noqa: F401  (fills the registry)
from addin.registry import REGISTRY
from generators.addins import idl_name, lite_main, unoidl_write, AddinError
from generators.cli import main
from tests.support.function_samples import SAMPLES
from tests.support.libreoffice import convert, profile_with_extension, soffice_or_skip
from workbooks.platforms import retarget, retarget_formula

ROOT = Path(__file__).resolve().parent.parent
COMPUTED = ("Plan", "Scorecard", "Customer tiers", "Commission calculator")


def plain(value):
    """A result as a spreadsheet holds it: dates as serials, booleans as 1/0, blanks as None."""
    if isinstance(value, list):
        return [[plain(v) for v in row] for row in value]
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, dt.datetime):
        return (value - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(value, dt.date):
        return float((value - dt.date(1899, 12, 30)).days)
    if isinstance(value, float) and math.isnan(value):
        return None
    return None if value == "" else value


def same(a, b) -> bool:
    a, b = plain(a), plain(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(len(x) == len(y) and all(same(p, q) for p, q in zip(x, y)) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def expected(name: str):
    return REGISTRY[name].func(*SAMPLES[name])


# --- the package and xlwings Lite ----------------------------------------------------------

BATCH_ONLY = ("fastexcel", "pyarrow", "xlsxwriter", "jinja2", "click", "tqdm", "css_inline", "PIL", "defusedxml",
              "openpyxl")

PROBE = r"""
import json, os, sys, threading
sys.path.insert(0, {root!r})
BLOCKED = set({blocked!r})

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError("blocked in this test: " + name)

sys.meta_path.insert(0, Blocker())
touched = []
# reads inside the Python installation, the package, and the time-zone database (pandas' own import reads UTC)
allowed = (os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix), os.path.realpath({root!r}),
           "/usr/share/zoneinfo")

def hook(event, args):
    if event == "open":
        path, mode = args[0], args[1] or "r"
        if not isinstance(path, str):
            return
        real = os.path.realpath(path)
        if any(m in str(mode) for m in "wax+") or not real.startswith(allowed):
            touched.append(("open", path, str(mode)))
    elif event.startswith(("socket.", "subprocess.", "os.fork", "os.posix_spawn", "os.system", "os.exec",
                           "_thread.start_new_thread")):
        touched.append((event, repr(args)[:80], ""))

sys.addaudithook(hook)
from addin import udfs
from addin.registry import REGISTRY
from tests.support.function_samples import SAMPLES
results = {{}}
for name, args in SAMPLES.items():
    r = REGISTRY[name].func(*args)
    results[name] = r
threads = [t.name for t in threading.enumerate()]
print(json.dumps({{"touched": touched, "threads": threads, "results": results,
                  "modules": sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)}}, default=str))
"""


def test_the_functions_import_and_compute_without_the_batch_packages_threads_sockets_or_files():
    """What xlwings Lite installs (numpy, pandas, xlwings and our package): importing the
    functions and calling every one of them needs none of the batch's packages, and starts no
    thread, process or socket and opens no file outside the Python installation and the package."""
    probe = PROBE.format(root=str(ROOT), blocked=list(BATCH_ONLY))
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd="/")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["modules"] == []
    assert report["touched"] == []
    assert report["threads"] == ["MainThread"]
    for name in SAMPLES:
        assert report["results"][name] == json.loads(json.dumps(expected(name), default=str)), name
        assert not str(report["results"][name]).startswith(("SD_", "[['SD_")), report["results"][name]


def test_the_wheel_is_pure_python_and_needs_only_numpy_pandas_and_xlwings(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    wheel = next(tmp_path.glob("salesdesk-*.whl"))
    assert wheel.name.endswith("-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    required = sorted(line.split(":", 1)[1].strip().split(">")[0].split("<")[0].split("=")[0].strip()
                      for line in meta.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line)
    assert required == ["numpy", "pandas", "xlwings"]
    assert "addin/engine/commission.py" in names and "addin/udfs.py" in names


class FakeLite(types.ModuleType):
    """xlwings as Lite's decorators record a custom function: @func and @arg(name, ..., doc=)."""

    def __init__(self):
        super().__init__("xlwings")
        self.functions = {}

    def func(self, f=None, **options):
        def register(fn):
            self.functions[fn.__name__] = fn
            return fn
        return register(f) if callable(f) else register

    def arg(self, name, *converters, **options):
        def record(fn):
            fn.__dict__.setdefault("lite_args", {})[name] = options
            return fn
        return record


def test_lite_registers_every_function_with_its_help_and_gives_the_desktop_results(tmp_path, monkeypatch):
    (tmp_path / "main.py").write_text(lite_main(), encoding="utf-8")
    fake = FakeLite()
    monkeypatch.setitem(sys.modules, "xlwings", fake)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "main", raising=False)
    import main as lite   # noqa: F401  (registers through the fake decorators)

    assert sorted(fake.functions) == sorted(REGISTRY)
    for name, fn in fake.functions.items():
        spec = REGISTRY[name]
        assert fn.__doc__.startswith(spec.help)
        assert sorted(fn.lite_args) == sorted(a.name for a in spec.args)
        for a in spec.args:
            assert fn.lite_args[a.name]["doc"] == a.help
            assert fn.lite_args[a.name].get("ndim") == (2 if a.range else None)
        # Lite passes single cells as values and (with ndim=2) ranges as rows of cells, blanks as None
        assert same(fn(*SAMPLES[name]), expected(name)), name
    # an omitted optional argument arrives as None and takes its default
    assert same(fake.functions["SD_PHASE"](1200, 2026), REGISTRY["SD_PHASE"].func(1200, 2026))


# --- rewriting formulas for a platform -----------------------------------------------------

def test_retarget_rewrites_only_sd_calls_and_round_trips(tmp_path):
    f = 'IF(A1>0,SD_SPLIT(A1,B1:B3),"SD_SPLIT(x) stays text")+_XLL.SD_ATTAINMENT(1,2)+MYSD_X(1)'
    assert retarget_formula(f, "libreoffice") == \
        'IF(A1>0,_xll.SD_SPLIT(A1,B1:B3),"SD_SPLIT(x) stays text")+_xll.SD_ATTAINMENT(1,2)+MYSD_X(1)'
    assert retarget_formula(retarget_formula(f, "libreoffice"), "excel") == \
        'IF(A1>0,SD_SPLIT(A1,B1:B3),"SD_SPLIT(x) stays text")+SD_ATTAINMENT(1,2)+MYSD_X(1)'

    book = tmp_path / "mine.xlsx"
    wb = xlsxwriter.Workbook(book)
    ws = wb.add_worksheet("销售")
    ws.write_formula("A1", '=SD_ATTAINMENT(93000,100000)', None, 0.93)
    ws.write_formula("A2", '=SUM(1,2)&"<SD_X(1)>"', None, "3<SD_X(1)>")
    ws.write_string("A3", "=SD_SPLIT(1, A1)")          # text that looks like a formula stays text
    wb.close()
    out, back = tmp_path / "calc.xlsx", tmp_path / "back.xlsx"
    assert retarget(book, out, "libreoffice") == 1
    assert retarget(out, back, "excel") == 1
    with zipfile.ZipFile(book) as a, zipfile.ZipFile(out) as b, zipfile.ZipFile(back) as c:
        assert a.namelist() == b.namelist() == c.namelist()
        for name in a.namelist():
            if name != "xl/worksheets/sheet1.xml":
                assert a.read(name) == b.read(name) == c.read(name), name
        assert b"<f>_xll.SD_ATTAINMENT(93000,100000)</f>" in b.read("xl/worksheets/sheet1.xml")
        assert a.read("xl/worksheets/sheet1.xml") == c.read("xl/worksheets/sheet1.xml")
    assert openpyxl.load_workbook(out)["销售"]["A3"].value == "=SD_SPLIT(1, A1)"


def test_retarget_converts_between_the_plain_lite_and_libreoffice_forms_both_ways():
    plain = 'SD_SPLIT(A1,B1:B3)+_XLL.SD_WINRATE(C1:C4)+_xldudf_SD_ATTAINMENT(1,2)&"_xldudf_SD_X(1)"+MY_xldudf_SD_X(1)'
    lite = retarget_formula(plain, "lite")
    assert lite == ('_xldudf_SD_SPLIT(A1,B1:B3)+_xldudf_SD_WINRATE(C1:C4)+_xldudf_SD_ATTAINMENT(1,2)'
                    '&"_xldudf_SD_X(1)"+MY_xldudf_SD_X(1)')
    calc = retarget_formula(lite, "libreoffice")
    assert calc == '_xll.SD_SPLIT(A1,B1:B3)+_xll.SD_WINRATE(C1:C4)+_xll.SD_ATTAINMENT(1,2)&"_xldudf_SD_X(1)"+MY_xldudf_SD_X(1)'
    assert retarget_formula(calc, "lite") == lite
    assert retarget_formula(lite, "excel") == \
        'SD_SPLIT(A1,B1:B3)+SD_WINRATE(C1:C4)+SD_ATTAINMENT(1,2)&"_xldudf_SD_X(1)"+MY_xldudf_SD_X(1)'


def _sd_formulas(path: Path) -> list[str]:
    """Every formula of the workbook's sheets and defined names that calls an SD_ function."""
    found = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") or name == "xl/workbook.xml":
                text = z.read(name).decode("utf-8")
                found += [f for f in re.findall(r"<(?:f|definedName)(?:\s[^>]*)?>([^<]*)<", text) if "SD_" in f.upper()]
    return found


def test_the_lite_workbook_spells_every_call_as_excel_saves_custom_functions(tmp_path):
    """Excel saves an Office.js custom function (what xlwings Lite registers) as _xldudf_NAME;
    a plain name in the file stays #NAME? once the add-in loads (docs/excel.md)."""
    runner = CliRunner()
    lite, default = tmp_path / "plan-lite.xlsx", tmp_path / "plan.xlsx"
    assert runner.invoke(main, ["workbook", "new", str(lite), "--for", "lite"]).exit_code == 0
    assert runner.invoke(main, ["workbook", "new", str(default)]).exit_code == 0
    calls = _sd_formulas(lite)
    names = {m for f in calls for m in re.findall(r"(?<![A-Za-z0-9_.])(_xldudf_SD_[A-Z0-9_]+|_xll\.SD_[A-Z0-9_]+|SD_[A-Z0-9_]+)\(", f)}
    assert len(calls) >= 30 and names and all(n.startswith("_xldudf_SD_") for n in names), names
    assert {n[len("_xldudf_"):] for n in names} <= set(REGISTRY)
    # the same formulas as the default workbook, spelled for Lite; and back to the very same bytes
    assert [html.unescape(f) for f in calls] == [retarget_formula(html.unescape(f), "lite")
                                                  for f in _sd_formulas(default)]
    back, again = tmp_path / "back.xlsx", tmp_path / "again.xlsx"
    assert retarget(lite, back, "excel") == len(calls)
    assert [html.unescape(f) for f in _sd_formulas(back)] == [html.unescape(f) for f in _sd_formulas(default)]
    assert retarget(back, again, "lite") == len(calls)
    with zipfile.ZipFile(lite) as a, zipfile.ZipFile(again) as b:
        assert all(a.read(n) == b.read(n) for n in a.namelist())


def test_retarget_command_never_touches_the_source(tmp_path):
    runner = CliRunner()
    book = tmp_path / "plan.xlsx"
    assert runner.invoke(main, ["workbook", "new", str(book)]).exit_code == 0
    before = book.read_bytes()
    same_path = runner.invoke(main, ["workbook", "retarget", str(book), "--for", "libreoffice", "--out", str(book)])
    assert same_path.exit_code == 2 and "never modified" in same_path.output
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook")
    bad = runner.invoke(main, ["workbook", "retarget", str(text), "--for", "lite", "--out", str(tmp_path / "o.xlsx")])
    assert bad.exit_code == 2 and "not an .xlsx" in bad.output and "Traceback" not in bad.output
    assert book.read_bytes() == before


# --- LibreOffice Calc with the SalesDesk extension -------------------------------------------

@pytest.fixture(scope="module")
def calc_profile(tmp_path_factory):
    """A private LibreOffice profile with the extension `salesdesk addin libreoffice` builds,
    recalculating every formula on load."""
    soffice_or_skip()
    try:
        unoidl_write()
    except AddinError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    # outside pytest's own (root-only) folder: as root, another user installs into the profile
    base = Path(tempfile.mkdtemp(prefix="salesdesk-calc-"))
    oxt = base / "salesdesk.oxt"
    built = CliRunner().invoke(main, ["addin", "libreoffice", "--out", str(oxt)])
    assert built.exit_code == 0, built.output
    profile = profile_with_extension(oxt, base)
    yield profile
    shutil.rmtree(base, ignore_errors=True)


def _one_formula_per_function(path: Path, prefix: str) -> dict[str, tuple[str, str]]:
    """A workbook of our own: each function's sample inputs in cells, and its formula spelled
    ``prefix`` + name (an array formula as large as its result). Returns name -> (sheet, top-left cell)."""
    wb = xlsxwriter.Workbook(path)
    inputs, out = wb.add_worksheet("Inputs"), wb.add_worksheet("Results")
    where, row, at = {}, 0, 0
    for name, args in SAMPLES.items():
        refs = []
        for a, value in zip(REGISTRY[name].args, args):
            if value is None:
                refs.append("")
                continue
            grid = value if isinstance(value, list) else [[value]]
            for i, cells in enumerate(grid):
                for j, v in enumerate(cells):
                    if v is not None:
                        inputs.write(row + i, j, v)
            last_row, last_col = row + len(grid) - 1, max(len(r) for r in grid) - 1
            refs.append(f"Inputs!{xlsxwriter.utility.xl_range_abs(row, 0, last_row, last_col)}")
            row = last_row + 2
        while refs and refs[-1] == "":
            refs.pop()
        formula = f"{prefix}{name}({','.join(refs)})"
        result = expected(name)
        if REGISTRY[name].spills:
            rows, cols = len(result), max(len(r) for r in result)
            out.write_array_formula(at, 0, at + rows - 1, cols - 1, "{=" + formula + "}")
            where[name] = ("Results", xlsxwriter.utility.xl_rowcol_to_cell(at, 0), rows, cols)
            at += rows + 1
        else:
            out.write_formula(at, 0, "=" + formula)
            where[name] = ("Results", xlsxwriter.utility.xl_rowcol_to_cell(at, 0), 1, 1)
            at += 2
    wb.close()
    return where


@functools.cache
def _libreoffice_major() -> int:
    out = subprocess.run([soffice_or_skip(), "--version"], capture_output=True, text=True, timeout=120).stdout
    return int(out.split()[1].split(".")[0])


@pytest.mark.libreoffice
def test_the_libreoffice_we_test_is_the_one_users_have(calc_profile):
    """scripts/system-deps.sh installs 25.2 or later (bookworm-backports on Debian 12): the
    release that binds plain SD_ names, as the default planning workbook spells them."""
    major = _libreoffice_major()
    if major < 25 and os.environ.get("CI") != "true":
        pytest.skip(f"LibreOffice {major} is installed; `make test` as root upgrades it to 25.2")
    assert major >= 25


def _assert_every_function_computed(path: Path, where: dict) -> None:
    """Each function's formula, as LibreOffice computed it, equals a direct call (arrays cell by cell)."""
    got = openpyxl.load_workbook(path, data_only=True)
    for name, (sheet, cell, rows, cols) in where.items():
        block = got[sheet][cell]
        values = [[got[sheet].cell(block.row + i, block.column + j).value for j in range(cols)] for i in range(rows)]
        want = expected(name)
        assert same(values if REGISTRY[name].spills else values[0][0], want), (path.name, name, values, want)


def _assert_same_computed_cells(ours, path: Path) -> int:
    """Every computed cell of the planning workbook (spills included) as SalesDesk wrote it; how many."""
    theirs = openpyxl.load_workbook(path, data_only=True)
    checked = 0
    for name in COMPUTED:
        for row in ours[name].iter_rows():
            for c in row:
                value = theirs[name][c.coordinate].value
                assert not (isinstance(value, str) and value.startswith(("#NAME", "#VALUE", "Err:", "SD_"))), \
                    (path.name, name, c.coordinate, value)
                assert same(c.value, value), (path.name, name, c.coordinate, c.value, value)
                checked += 1
    return checked


@pytest.mark.libreoffice
def test_every_function_and_the_planning_workbook_compute_in_libreoffice(tmp_path, calc_profile):
    """LibreOffice 25.2 computes the plain names (the default planning workbook, unretargeted,
    the very file Excel opens) and the 7.x form _xll.SD_ (--for libreoffice, and retargeted)."""
    runner = CliRunner()
    for_calc, for_excel, retargeted = tmp_path / "plan-calc.xlsx", tmp_path / "plan.xlsx", tmp_path / "plan-re.xlsx"
    assert runner.invoke(main, ["workbook", "new", str(for_calc), "--for", "libreoffice"]).exit_code == 0
    assert runner.invoke(main, ["workbook", "new", str(for_excel)]).exit_code == 0
    moved = runner.invoke(main, ["workbook", "retarget", str(for_excel), "--for", "libreoffice", "--out", str(retargeted)])
    assert moved.exit_code == 0 and "rewritten for libreoffice" in moved.output
    plain, prefixed = tmp_path / "functions.xlsx", tmp_path / "functions-xll.xlsx"
    where = _one_formula_per_function(plain, "")
    assert _one_formula_per_function(prefixed, "_xll.") == where
    books = [for_excel, for_calc, retargeted]
    if _libreoffice_major() < 25:        # 7.x binds only _xll.SD_ (docs/libreoffice.md)
        books, plain = books[1:], None
    recalculated = convert(books + [b for b in (plain, prefixed) if b], tmp_path / "calc",
                           "xlsx:Calc MS Excel 2007 XML", calc_profile)
    for path in recalculated[len(books):]:
        _assert_every_function_computed(path, where)
    ours = openpyxl.load_workbook(for_excel, data_only=True)
    for path in recalculated[:len(books)]:
        assert _assert_same_computed_cells(ours, path) > 10000
    # LibreOffice 25.2 saves the default workbook's calls as it read them: plain names, one file for both
    if plain:
        with zipfile.ZipFile(recalculated[0]) as z:
            sheets = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
        assert b">SD_PHASE(" in sheets and b"_xll." not in sheets.lower()


@pytest.mark.libreoffice
def test_libreoffice_fills_an_array_range_but_does_not_spill(tmp_path, calc_profile):
    """What LibreOffice 25.2 needs of an array result: a range. A dynamic-array formula as Excel
    saves it (its last spill as the range) fills that range; a plain one-cell formula shows
    only the first value, so the planning workbook always writes the range."""
    if _libreoffice_major() < 25:
        pytest.skip("LibreOffice 7.x binds only _xll.SD_ names")
    path = tmp_path / "spill.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("S")
    ws.write_column(0, 0, [1, 2, 3, 4])
    ws.write_formula("C1", "=SD_SPLIT(300,A1:A4)")
    ws.write_dynamic_array_formula("E1:E4", "=SD_SPLIT(300,A1:A4)")
    wb.close()
    got = openpyxl.load_workbook(convert([path], tmp_path / "calc", "xlsx:Calc MS Excel 2007 XML",
                                         calc_profile)[0], data_only=True)["S"]
    assert [got.cell(r, 5).value for r in range(1, 5)] == [30, 60, 90, 120]
    assert [got.cell(r, 3).value for r in range(1, 5)] == [30, None, None, None]


def test_the_extension_declares_every_function_with_its_help(tmp_path):
    from generators.addins import calc_addins_xcu, component, idl
    text, xcu, py = idl(), calc_addins_xcu(), component()
    for spec in REGISTRY.values():
        assert f" {spec.name}(" in text and f"def {spec.name}(self, " in py
        assert f'oor:name="{spec.name}"' in xcu
        for a in spec.args:
            assert f"[in] any {idl_name(a.name)}" in text
    assert idl_name("last_contact_dates") == "lastContactDates"
