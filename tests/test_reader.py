"""Reading the sales workbook: typed frames, and every planted fault reported with its place."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from tests.support.libreoffice import convert
from workbooks.reader import read_workbook
from workbooks.xlsxscan import scan_sheet


def write_with_openpyxl(frames: dict[str, pd.DataFrame], path, title_rows: dict[str, int] | None = None):
    """A workbook as another program would write it (openpyxl, not our writer)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, frame in frames.items():
        ws = wb.create_sheet(name)
        for _ in range((title_rows or {}).get(name, 0)):
            ws.append([f"{name} export"] if _ == 0 else [])
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append([None if (v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT) else
                       v.to_pydatetime() if isinstance(v, pd.Timestamp) else
                       v.item() if isinstance(v, np.generic) else v for v in row])
    wb.save(path)


def cell(ws, header: str, excel_row: int, header_row: int = 1):
    col = [c.value for c in ws[header_row]].index(header) + 1
    return ws.cell(row=excel_row, column=col)


def test_demo_workbook_reads_clean_and_typed(demo_book, demo_frames):
    data = read_workbook(demo_book)
    assert data.problems == []
    orders = data["Orders"]
    assert len(orders) == len(demo_frames["Orders"])
    assert pd.api.types.is_datetime64_any_dtype(orders["order_date"])
    assert orders["amount"].dtype == float
    assert orders["_row"].iloc[0] == 2
    np.testing.assert_allclose(orders["amount"].sum(), demo_frames["Orders"]["amount"].sum())
    assert set(data["Reps"]["rep_id"]) == set(demo_frames["Reps"]["rep_id"])


@pytest.fixture(scope="module")
def faulty_book(tmp_path_factory, demo_frames):
    """A dozen planted faults; returns (path, expected [(sheet, row, column, words)])."""
    path = tmp_path_factory.mktemp("faulty") / "faulty.xlsx"
    frames = {k: v.copy() for k, v in demo_frames.items()}
    frames["Teams"] = frames["Teams"].drop(columns=["region"])
    frames["Orders"] = frames["Orders"].rename(columns={"order_id": "  Order ID ", "amount": "AMOUNT"})
    frames["Orders"]["channel"] = "web"   # an extra column is kept, not an error
    write_with_openpyxl(frames, path, title_rows={"Activities": 2})
    wb = openpyxl.load_workbook(path)
    o, r, c = wb["Orders"], wb["Reps"], wb["Customers"]
    booked = [i + 2 for i, s in enumerate(demo_frames["Orders"]["status"]) if s == "booked"]
    cell(o, "AMOUNT", booked[3]).value = "abc"
    cell(o, "order_date", booked[4]).value = "2024-02-30"
    cell(o, "quantity", booked[5]).value = -3
    cell(o, "AMOUNT", booked[6]).value = "#N/A"              # openpyxl stores this as an error cell
    cell(o, "rep_id", booked[7]).value = "R9999"
    cell(o, "  Order ID ", booked[9]).value = cell(o, "  Order ID ", booked[8]).value
    cell(r, "name", 4).value = None
    cell(r, "capacity", 5).value = 1.5
    cell(c, "owner_rep_id", 6).value = "NOBODY"
    cell(wb["Opportunities"], "stage", 3).value = "maybe"
    cell(wb["Satisfaction"], "score", 2).value = 7
    cell(wb["Targets"], "annual_target", 3).value = "#REF!"
    cell(wb["Activities"], "date", 5, header_row=3).value = "next tuesday"
    cell(o, "AMOUNT", booked[10]).value = "1.234,50"          # a decimal comma the workbook does not declare
    cell(o, "AMOUNT", booked[11]).value = "372,40"
    cell(o, "AMOUNT", booked[12]).value = "inf"
    cell(o, "AMOUNT", booked[13]).value = 1e308
    cell(o, "AMOUNT", booked[14]).value = "$1,234.50"         # accepted forms: no error
    cell(o, "AMOUNT", booked[15]).value = "1,234.50"
    p = wb["Plans"]
    p.cell(row=1, column=p.max_column + 1, value="Rate ")      # a second "rate" header
    wb.save(path)
    expected = [
        ("Orders", booked[3], "amount", "cannot be read as money"),
        ("Orders", booked[4], "order_date", "cannot be read as date"),
        ("Orders", booked[5], "quantity", "negative quantity on a booked order"),
        ("Orders", booked[6], "amount", "Excel error #N/A"),
        ("Orders", booked[7], "rep_id", "unknown rep_id"),
        ("Orders", booked[9], "order_id", "duplicate key"),
        ("Reps", 4, "name", "required cell is blank"),
        ("Reps", 5, "capacity", "out of range"),
        ("Customers", 6, "owner_rep_id", "unknown rep_id"),
        ("Opportunities", 3, "stage", "cannot be read as choice"),
        ("Satisfaction", 2, "score", "out of range"),
        ("Targets", 3, "annual_target", "Excel error #REF!"),
        ("Activities", 5, "date", "cannot be read as date"),
        ("Teams", 1, "region", "column is missing"),
        ("Orders", booked[10], "amount", "a decimal comma"),
        ("Orders", booked[11], "amount", "a decimal comma"),
        ("Orders", booked[12], "amount", "not a finite number"),
        ("Orders", booked[13], "amount", "beyond the largest accepted value"),
        ("Plans", 1, "rate", "duplicate column header"),
    ]
    return path, expected


def _assert_found(problems, expected):
    errors = [p for p in problems if p.severity == "error"]
    for sheet, row, column, words in expected:
        hits = [p for p in errors if (p.sheet, p.row, p.column) == (sheet, row, column) and words in p.problem]
        assert len(hits) == 1, f"not reported once: {sheet} row {row} {column} {words}; got {[str(p) for p in errors]}"
    # nothing else flagged: every error is one of the planted faults
    planted = {(s, r, c) for s, r, _c, _w in expected for c in [_c]}
    extra = [str(p) for p in errors if (p.sheet, p.row, p.column) not in planted]
    assert extra == []


def test_every_planted_fault_is_reported_with_its_place(faulty_book, demo_frames):
    path, expected = faulty_book
    data = read_workbook(path)
    _assert_found(data.problems, expected)
    warnings = [p for p in data.problems if p.severity == "warning"]
    assert [(w.sheet, w.row) for w in warnings] == [("Activities", 3)]  # the title rows
    assert "channel" in data["Orders"].columns                           # extra column kept
    bad = data["Orders"].loc[data["Orders"]["_row"] == expected[0][1]]
    assert bad["amount"].isna().all()
    amounts = data["Orders"].set_index("_row")["amount"]
    bad_rows = [row for sheet, row, column, _ in expected if sheet == "Orders" and column == "amount"]
    assert amounts.loc[bad_rows].isna().all()                          # misread amounts are never numbers
    booked = [i + 2 for i, s in enumerate(demo_frames["Orders"]["status"]) if s == "booked"]
    assert amounts.loc[[booked[14], booked[15]]].tolist() == [1234.5, 1234.5]   # "$1,234.50", "1,234.50"


@pytest.mark.libreoffice
def test_workbook_saved_by_libreoffice_reads_the_same(faulty_book, tmp_path, lo_profile):
    path, expected = faulty_book
    saved = convert([path], tmp_path / "lo", "xlsx:Calc MS Excel 2007 XML", lo_profile)[0]
    data = read_workbook(saved)
    _assert_found(data.problems, expected)


def test_text_late_in_a_number_column_is_reported_not_blanked(tmp_path):
    # fastexcel infers types from the first 1000 rows by default and would blank this.
    path = tmp_path / "late.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Seasonality")
    ws.write_row(0, 0, ["month", "weight"])
    for i in range(1, 13):
        ws.write_row(i, 0, [i, 1.0])
    ws.write_string(12, 1, "n/a")
    wb.close()
    data = read_workbook(path, sheets=["Seasonality"])
    assert [(p.row, p.column, p.value) for p in data.errors] == [(13, "weight", "n/a")]


def test_data_not_starting_at_a1_keeps_excel_row_numbers(tmp_path):
    path = tmp_path / "offset.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Seasonality")
    ws.write_row(3, 2, ["Month", " WEIGHT "])
    for i in range(1, 13):
        ws.write_row(3 + i, 2, [i, -1.0 if i == 5 else 1.0])
    wb.close()
    data = read_workbook(path, sheets=["Seasonality"])
    assert [(p.row, p.column, p.problem) for p in data.errors] == [(9, "weight", "out of range")]
    assert data["Seasonality"]["_row"].tolist()[0] == 5


def test_missing_sheet_and_unreadable_file(tmp_path, demo_frames):
    path = tmp_path / "partial.xlsx"
    write_with_openpyxl({"Reps": demo_frames["Reps"]}, path)
    data = read_workbook(path)
    missing = {p.sheet for p in data.errors if p.problem == "sheet is missing"}
    assert missing == {"Orders"}       # Reps and Orders are required; every other sheet is optional
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook")
    assert "not a workbook" in read_workbook(junk).errors[0].problem


def test_date_serials_and_iso_text_in_a_date_column(tmp_path):
    path = tmp_path / "dates.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Satisfaction")
    ws.write_row(0, 0, ["date", "customer_id", "rep_id", "score"])
    ws.write_row(1, 0, [45292, "C1", "R1", 4])                  # serial, no date format
    ws.write_row(2, 0, ["2024-01-02", "C1", "R1", 5])           # ISO text
    ws.write_datetime(3, 0, dt.datetime(2024, 1, 3), wb.add_format({"num_format": "yyyy-mm-dd"}))
    ws.write_row(3, 1, ["C1", "R1", 3])
    wb.close()
    data = read_workbook(path, sheets=["Satisfaction"])
    assert data.errors == []
    assert data["Satisfaction"]["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-01-02", "2024-01-03"]


def test_error_scan_finds_error_cells(tmp_path):
    path = tmp_path / "e.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["B2"] = "x"
    ws["C7"] = "#DIV/0!"
    wb.save(path)
    scan = scan_sheet(path, "S")
    assert scan.first_col == 2
    assert scan.errors == [(7, 3, "#DIV/0!")]


def _assert_same(a, b):
    assert a.frames.keys() == b.frames.keys()
    for sheet in a.frames:
        pd.testing.assert_frame_equal(a[sheet], b[sheet], check_exact=True)
        assert list(a[sheet].dtypes) == list(b[sheet].dtypes)
        if len(a[sheet]):  # blanks stay None, not NaN
            for col in a[sheet].columns[a[sheet].dtypes == object]:
                assert [type(v) for v in a[sheet][col]] == [type(v) for v in b[sheet][col]], (sheet, col)
    assert a.problems == b.problems


def test_cached_read_gives_what_reading_gives_and_never_stale(faulty_book, tmp_path, monkeypatch):
    from workbooks import cache

    path, _ = faulty_book
    book = tmp_path / "book.xlsx"
    book.write_bytes(path.read_bytes())
    folder = tmp_path / "cache"
    fresh = read_workbook(book)
    assert cache.read_workbook_cached(book, folder=folder) is not None
    assert len(list(folder.glob("*.pickle"))) == 1
    assert len(fresh["Orders"]) > 1000 and fresh.errors      # the compact text encoding and problems are exercised

    def no_reading(*a, **k):
        raise AssertionError("read the workbook although its content is cached")
    monkeypatch.setattr(cache, "read_workbook", no_reading)
    hit = cache.read_workbook_cached(book, folder=folder)
    _assert_same(fresh, hit)
    monkeypatch.undo()

    # an edited workbook (other bytes) is read afresh, never served from the cache
    data = fresh.frames
    edited = tmp_path / "edited.xlsx"
    frames = {name: f.drop(columns="_row") for name, f in data.items() if name in ("Seasonality",)}
    frames["Seasonality"].loc[0, "weight"] = 9.5
    write_with_openpyxl(frames, edited)
    book.write_bytes(edited.read_bytes())
    again = cache.read_workbook_cached(book, folder=folder)
    assert again["Seasonality"]["weight"].iloc[0] == 9.5 and "Orders" not in again.frames


def test_sheet_without_a_header_reads_the_same_from_the_cache(demo_frames, tmp_path):
    from workbooks import cache

    from workbooks.salesbook import write_sales_workbook

    frames = dict(demo_frames)
    frames["Teams"] = frames["Teams"].rename(columns=lambda c: f"x{c}")   # no header we know
    book = tmp_path / "book.xlsx"
    write_sales_workbook(frames, book)
    fresh = read_workbook(book)
    assert "Teams" not in fresh.frames and any(p.sheet == "Teams" and "no header" in p.problem for p in fresh.problems)
    _assert_same(fresh, cache.read_workbook_cached(book, folder=tmp_path / "c"))   # read, and stored
    _assert_same(fresh, cache.read_workbook_cached(book, folder=tmp_path / "c"))   # from the cache


def test_damaged_cache_entry_is_dropped_and_the_workbook_read(demo_book, tmp_path):
    from workbooks import cache

    folder = tmp_path / "cache"
    first = cache.read_workbook_cached(demo_book, folder=folder)
    (entry,) = folder.glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    second = cache.read_workbook_cached(demo_book, folder=folder)
    _assert_same(first, second)
    assert entry.read_bytes() != b"not a pickle"                  # rewritten from the fresh read
    assert oct(folder.stat().st_mode & 0o777) == "0o700"


def test_cache_can_be_turned_off_and_keeps_only_the_newest_entries(demo_book, tmp_path, monkeypatch):
    from workbooks import cache

    monkeypatch.setenv("SALESDESK_CACHE_DIR", "off")
    assert cache.cache_dir() is None
    monkeypatch.setenv("SALESDESK_CACHE_DIR", str(tmp_path / "c"))
    assert cache.cache_dir() == tmp_path / "c"
    monkeypatch.setattr(cache, "KEEP", 2)
    for i in range(3):
        copy = tmp_path / f"book{i}.xlsx"
        copy.write_bytes(demo_book.read_bytes() + b"\0" * i)   # other bytes, other key (zip ignores the tail)
        cache.read_workbook_cached(copy)
    assert len(list((tmp_path / "c").glob("*.pickle"))) == 2


def test_date_text_in_every_form_a_workbook_carries():
    from workbooks.schema import _parse_dates

    raw = pd.Series(["2024-11-01 00:00:00", "45292", " 2024-01-02", "2024-13-01", "n/a", None, "45292.0",
                     "2024-1-5", "20240105"], dtype="str")
    out, bad = _parse_dates(raw)
    assert [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in out] == [
        "2024-11-01", "2024-01-01", "2024-01-02", None, None, None, "2024-01-01", "2024-01-05", "2024-01-05"]
    assert bad.tolist() == [False, False, False, True, True, False, False, False, False]


def test_id_text_is_stripped_and_whole_numbers_written_as_decimals_are_the_id():
    from workbooks.schema import _as_id

    mixed = pd.Series(["101.0", " R7 ", "12.50", None, "  ", "-3.00", "1.0e3"], dtype="str")
    assert _as_id(mixed).tolist() == ["101", "R7", "12.50", None, None, "-3", "1.0e3"]
    plain = pd.Series(["R1", " x ", None], dtype="str")        # no dot anywhere: the regex is skipped
    assert _as_id(plain).tolist() == ["R1", "x", None]
    assert _as_id(pd.Series([101.0, 7.0, np.nan])).tolist() == ["101", "7", None]


def test_chinese_number_and_date_forms_read_exactly(tmp_path):
    """A hand-kept Chinese sheet: 元 and 人民币 as the currency, full-width digits, separators and
    signs, 年月日 dates; 1.2万 and 10² are not guessed at."""
    path = tmp_path / "中文.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Orders")
    ws.write_row(0, 0, ["order_id", "order_date", "rep_id", "customer_id", "product", "quantity", "amount", "status"])
    forms = [("1,234.50元", "2026年9月5日"), ("１２３４．５０", "2026 年 9 月 5 日"), ("人民币 1,234.50", "２０２６年９月５日"),
             ("￥１，２３４．５０", "2026年09月05日"), ("（1,234.50 元）", "2026年9月5日"), ("－1,234.50", "2026-09-05"),
             ("1.2万", "2026年2月30日"), ("10²", "2026/09/05")]
    for i, (amount, date) in enumerate(forms, start=1):
        ws.write_row(i, 0, [f"O{i}", date, "R1", "C1", "P", 1, amount, "booked"])
    wb.close()
    data = read_workbook(path, sheets=["Orders"])
    orders = data["Orders"]
    assert orders["amount"].tolist()[:6] == [1234.5, 1234.5, 1234.5, 1234.5, -1234.5, -1234.5]
    assert orders["order_date"].dt.strftime("%Y-%m-%d").tolist()[:6] == ["2026-09-05"] * 6
    unread = {(p.row, p.column, p.value) for p in data.errors if p.column in ("amount", "order_date")
              and isinstance(p.value, str)}                 # (the negative amounts are a booked order's rule)
    assert unread == {(8, "amount", "1.2万"), (8, "order_date", "2026年2月30日"), (9, "amount", "10²")}


def test_the_cache_key_covers_every_module_reading_imports():
    """A change to any rule reading applies (the KPI kinds, the languages the contract names)
    reads workbooks afresh: the fingerprint is over the packages, not a hand-kept list."""
    import sys

    from workbooks import cache

    hashed = {p.resolve() for p in cache.code_files()}
    loaded = {Path(m.__file__).resolve() for name, m in list(sys.modules.items())
              if name.split(".")[0] in ("workbooks", "addin") and getattr(m, "__file__", None)}
    assert loaded and loaded <= hashed, sorted(str(p) for p in loaded - hashed)
    for needed in ("addin/engine/rules.py", "workbooks/i18n.py", "workbooks/contract.py", "workbooks/locale/zh_CN.po"):
        assert any(p.as_posix().endswith(needed) for p in hashed), needed


def test_a_formula_with_no_stored_value_is_named_as_such(tmp_path):
    """A file written by a program that does not calculate (openpyxl here) stores formulas
    without values: the cell is reported as such, not as "required cell is blank"."""
    from workbooks.reader import read_workbook

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Reps"
    ws.append(["rep_id", "name", "team", "email", "hire_date"])
    ws.append(['="R"&"0001"', "Li Wei", "华东区", "li@example.com", dt.datetime(2024, 1, 2)])
    ws.append(["R0002", "=UPPER(\"wang\")", "华东区", "wang@example.com", dt.datetime(2024, 1, 2)])
    path = tmp_path / "formulas.xlsx"
    wb.save(path)
    problems = [p for p in read_workbook(path, sheets=["Reps"]).problems if p.sheet == "Reps"]
    lines = [str(p) for p in problems]
    assert any(line.startswith("Reps row 2 column rep_id: a formula with no stored value") for line in lines), lines
    assert any(line.startswith("Reps row 3 column name: a formula with no stored value") for line in lines), lines
    assert not any("required cell is blank" in line for line in lines), lines
    assert not any("(blank)" in line for line in lines), lines
