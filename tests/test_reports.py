"""`salesdesk reports` end to end: files, manifest, formulas recalculated by LibreOffice,
golden files, PDF text, isolation of failures, clean re-runs, and safe text."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from generators.cli import main
from generators.monthdata import load_month
from generators.report_data import month_facts
from generators.report_xlsx import rep_workbook, team_workbook
from tests.support.libreoffice import recalculated_formulas
from tests.support.xlsx_golden import diff_against_golden, write_golden

MONTH = "2026-10"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def reports_dir(tmp_path_factory, demo_book):
    out = tmp_path_factory.mktemp("reports")
    result = CliRunner().invoke(main, ["reports", str(demo_book), "--month", MONTH, "--out", str(out),
                                       "--formats", "xlsx,html", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    return out / MONTH


def test_every_rep_and_team_has_its_reports_and_the_manifest_is_true(reports_dir, demo_frames):
    reps = set(demo_frames["Reps"]["rep_id"])
    teams = set(demo_frames["Teams"]["team"])
    assert {p.stem for p in (reports_dir / "reps").glob("*.xlsx")} == reps
    assert {p.stem for p in (reports_dir / "teams").glob("*.html")} == teams
    manifest = json.loads((reports_dir / "manifest.json").read_text())
    assert len(manifest["deliveries"]) == len(reps) + len(teams)
    for d in manifest["deliveries"]:
        for f in d["files"]:
            assert hashlib.sha256((reports_dir / f["path"]).read_bytes()).hexdigest() == f["sha256"]
    rep = next(d for d in manifest["deliveries"] if d["key"] == "R0001")
    row = demo_frames["Reps"].set_index("rep_id").loc["R0001"]
    assert rep["to"] == row["email"] and rep["cc"] == demo_frames["Teams"].set_index("team").loc[row["team"], "manager_email"]
    index = (reports_dir / "index.html").read_text()
    assert 'href="reps/R0001.xlsx"' in index and 'href="teams/' in index
    summary = openpyxl.load_workbook(reports_dir / "summary.xlsx")["Summary"]
    assert summary.max_row == 1 + len(reps) + len(teams)


def test_report_numbers_match_the_data(reports_dir, demo_frames):
    o = demo_frames["Orders"]
    live = o[(o["status"] != "cancelled") & (o["order_date"].dt.strftime("%Y-%m") == MONTH) & (o["rep_id"] == "R0001")]
    ws = openpyxl.load_workbook(reports_dir / "reps" / "R0001.xlsx", data_only=True)["Report"]
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r and r[0]}
    assert rows["Month"][1] == pytest.approx(round(live["amount"].sum(), 2))
    html = (reports_dir / "reps" / "R0001.html").read_text()
    assert f"{round(live['amount'].sum(), 2):,.2f}" in html
    assert "<script" not in html and "data:image/png;base64," in html and "<style" not in html  # CSS inlined


@pytest.mark.libreoffice
def test_libreoffice_recalculates_every_report_to_the_cached_values(reports_dir, tmp_path, lo_profile):
    sources = sorted((reports_dir / "reps").glob("*.xlsx")) + sorted((reports_dir / "teams").glob("*.xlsx")) + \
        [reports_dir / "summary.xlsx"]
    checked = 0
    for name, where, formula, want, got in recalculated_formulas(sources, tmp_path / "lo", lo_profile):
        if want in ("", None):
            assert got in ("", None), (name, where, formula, got)
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (name, where, formula, want, got)
        checked += 1
    assert checked > 500


@pytest.mark.libreoffice
def test_pdf_text_carries_the_reps_key_figures(tmp_path, demo_book, demo_frames):
    out = tmp_path / "pdf"
    result = CliRunner().invoke(main, ["reports", str(demo_book), "--month", MONTH, "--out", str(out),
                                       "--formats", "pdf", "--only", "R0001"])
    assert result.exit_code == 0, result.output
    pdf = out / MONTH / "reps" / "R0001.pdf"
    assert pdf.exists() and not (out / MONTH / "reps" / "R0001.xlsx").exists()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    o = demo_frames["Orders"]
    live = o[(o["status"] != "cancelled") & (o["order_date"].dt.strftime("%Y-%m") == MONTH) & (o["rep_id"] == "R0001")]
    name = demo_frames["Reps"].set_index("rep_id").loc["R0001", "name"]
    assert name in text and "October 2026" in text
    assert f"{round(live['amount'].sum(), 2):,.2f}" in text


def test_golden_rep_and_team_workbooks(demo_book, tmp_path):
    md = load_month(demo_book, MONTH)
    facts = month_facts(md)
    cases = {"rep_R0001": rep_workbook(facts.reps[0]), "team_first": team_workbook(facts.teams[0])}
    for name, data in cases.items():
        path = tmp_path / f"{name}.xlsx"        # never written into the source tree
        path.write_bytes(data)
        if os.environ.get("SALESDESK_UPDATE_GOLDEN"):
            write_golden(path, GOLDEN / name)
        diff = diff_against_golden(path, GOLDEN / name)
        assert diff == "", f"{name} differs from tests/golden/{name} (SALESDESK_UPDATE_GOLDEN=1 to accept):\n{diff[:4000]}"


def test_a_failing_report_is_isolated_and_reruns_replace_cleanly(tmp_path, demo_book):
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(main, ["reports", str(demo_book), "--month", MONTH, "--out", str(out), "--formats", "xlsx"]).exit_code == 0
    stale = out / MONTH / "reps" / "R9998.xlsx"
    stale.write_bytes(b"left over from an older run")
    bad = tmp_path / "bad.xlsx"
    wb = openpyxl.load_workbook(demo_book)
    ws = wb["Orders"]
    heads = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, heads.index("rep_id") + 1).value == "R0005")
    ws.cell(row, heads.index("order_date") + 1).value = "someday"
    wb.save(bad)
    result = runner.invoke(main, ["reports", str(bad), "--month", MONTH, "--out", str(out), "--formats", "xlsx"])
    assert result.exit_code == 1
    reps = {p.stem for p in (out / MONTH / "reps").glob("*.xlsx")}
    assert "R0005" not in reps and "R0001" in reps and "R9998" not in reps     # replaced cleanly
    assert not list((out / MONTH).glob(".reports-*"))
    errors = openpyxl.load_workbook(out / MONTH / "errors.xlsx")["Errors"]
    values = [c.value for c in errors["E"]]
    assert "R0005" in values and "someday" in values


def test_only_rewrites_the_named_reports_and_keeps_the_manifest_whole(tmp_path, demo_book, demo_frames):
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(main, ["reports", str(demo_book), "--month", MONTH, "--out", str(out), "--formats", "xlsx"]).exit_code == 0
    before = {p.name: p.stat().st_mtime_ns for p in (out / MONTH / "reps").glob("*.xlsx")}
    typo = runner.invoke(main, ["reports", str(demo_book), "--month", MONTH, "--out", str(out), "--formats", "xlsx",
                                "--only", "R0002", "--only", "NOPE"])
    assert typo.exit_code == 2 and "--only 'NOPE'" in typo.output       # a name not in the workbook: nothing done
    assert {p.name: p.stat().st_mtime_ns for p in (out / MONTH / "reps").glob("*.xlsx")} == before
    result = runner.invoke(main, ["reports", str(demo_book), "--month", MONTH, "--out", str(out), "--formats", "xlsx",
                                  "--only", "R0002"])
    assert result.exit_code == 0, result.output
    after = {p.name: p.stat().st_mtime_ns for p in (out / MONTH / "reps").glob("*.xlsx")}
    assert [k for k in after if after[k] != before[k]] == ["R0002.xlsx"]
    manifest = json.loads((out / MONTH / "manifest.json").read_text())
    assert len(manifest["deliveries"]) == len(demo_frames["Reps"]) + len(demo_frames["Teams"])


def test_text_from_data_never_becomes_a_formula_or_markup(tmp_path, demo_book):
    book = tmp_path / "evil.xlsx"
    wb = openpyxl.load_workbook(demo_book)
    ws = wb["Reps"]
    ws["B2"] = '=HYPERLINK("http://evil","x")'
    ws["B2"].data_type = "s"
    cust = wb["Customers"]
    for r in range(2, cust.max_row + 1):
        cust.cell(r, 2).value = "<script>alert(1)</script> & Co"
    wb.save(book)
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["reports", str(book), "--month", MONTH, "--out", str(out), "--formats", "xlsx,html",
                                     "--only", "R0001"]).exit_code == 0
    report = openpyxl.load_workbook(out / MONTH / "reps" / "R0001.xlsx")["Report"]
    title = report["A1"]
    assert title.data_type == "s" and title.value.startswith("Monthly sales report: =HYPERLINK")
    html = (out / MONTH / "reps" / "R0001.html").read_text()
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_the_report_model_is_frozen_dataclasses_end_to_end(demo_book):
    import dataclasses

    def walk(value, path):
        if dataclasses.is_dataclass(value):
            assert type(value).__dataclass_params__.frozen, path
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name), f"{path}.{f.name}")
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")
        elif isinstance(value, dict):
            assert path.endswith("movements.counts"), path          # the one mapping: movement -> count
        else:
            assert value is None or isinstance(value, (str, int, float, bool)), (path, type(value))

    facts = month_facts(load_month(demo_book, MONTH))
    for report in facts.reps + facts.teams:
        walk(report, f"{report.kind} {report.key}")


def test_kpis_read_by_their_labels_and_kinds(tmp_path, demo_frames):
    """KPI rows show the KPIs sheet's label (or a readable name), and actual and target in the
    KPI's kind: money to the cent, percentages as %, counts whole, days with 'days'."""
    import re

    from workbooks.salesbook import write_sales_workbook
    frames = {k: v.copy() for k, v in demo_frames.items()}
    kpis = frames["KPIs"]
    kpis["label"] = kpis["kpi"].map({"sales": "销售额", "satisfaction": None})
    kpis["kind"] = kpis["kpi"].map({"satisfaction": "score"})
    book = tmp_path / "book.xlsx"
    write_sales_workbook(frames, book)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["reports", str(book), "--month", "2026-10", "--out", str(out),
                                       "--formats", "xlsx,html", "--only", "R0003"])
    assert result.exit_code in (0, 1), result.output
    html = (out / "2026-10" / "reps" / "R0003.html").read_text(encoding="utf-8")
    rows = dict(re.findall(r'<tr[^>]*><td[^>]*>([^<]+)</td><td class="num"[^>]*>([^<]+)</td>', html))
    assert set(rows) >= {"销售额", "Margin %", "Activities", "Win rate", "Sales cycle (days)", "Satisfaction (1-5)"}
    assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d\d", rows["销售额"])
    assert re.fullmatch(r"\d+\.\d%", rows["Margin %"]) and re.fullmatch(r"\d+\.\d%", rows["Win rate"])
    assert re.fullmatch(r"\d+", rows["Activities"]) and rows["Sales cycle (days)"].endswith(" days")
    ws = openpyxl.load_workbook(out / "2026-10" / "reps" / "R0003.xlsx")["Report"]
    formats = {}     # the scorecard's row: the first of a label (the coaching section may name a KPI again)
    for r in range(1, ws.max_row + 1):
        formats.setdefault(ws.cell(r, 1).value, ws.cell(r, 2).number_format)
    assert formats["销售额"] == "#,##0.00" and formats["Margin %"] == "0.0%" and formats["Activities"] == "#,##0"


def test_every_table_cell_fits_its_column(reports_dir):
    """In every rep and team workbook, a text in a table row (a row of several cells) is no
    wider than its column, or wraps: nothing runs into the next column in the xlsx or the PDF."""
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    checked = 0
    for path in sorted((reports_dir / "reps").glob("*.xlsx"))[:5] + sorted((reports_dir / "teams").glob("*.xlsx")):
        ws = openpyxl.load_workbook(path)["Report"]
        columns = {i: d.width for d in ws.column_dimensions.values() for i in range(d.min, d.max + 1)}  # <col min max>
        for row in ws.iter_rows():
            filled = [c for c in row if c.value not in (None, "")]
            if len(filled) < 2:
                continue                      # a title, section or note: it may span the empty cells beside it
            for c in filled:
                if isinstance(c.value, str) and not c.value.startswith("="):
                    column = columns.get(c.column, 8.43)
                    assert width(c.value) <= column or c.alignment.wrap_text, (path.name, c.coordinate, c.value, column)
                    checked += 1
    assert checked > 500


def test_reports_chart_the_kpis_the_funnel_and_the_trend(reports_dir):
    import re
    import zipfile
    with zipfile.ZipFile(reports_dir / "reps" / "R0001.xlsx") as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    titles = sorted(t for c in charts for t in re.findall(r"<a:t>([^<]+)</a:t>", c))
    assert titles == ["Deals reaching each stage", "KPI attainment", "Sales against target"]
    html = (reports_dir / "reps" / "R0001.html").read_text(encoding="utf-8")
    bars = re.findall(r'<div class="bar" style="[^"]*width: ?(\d+)%', html)
    assert len(bars) == 6 + 6 and max(int(b) for b in bars) <= 100      # six KPIs, six funnel stages
