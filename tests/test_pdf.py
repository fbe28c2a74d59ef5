"""PDFs typeset from the report model: their text layer carries the model's figures in English
and Chinese, in Noto Sans CJK SC only, on at most two A4 pages for the demo's reps; a long
team table repeats its header on every page; hostile names print as themselves; statements
state every line on one page; rows of a one-line table stay side by side."""
from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from generators.commissions import month_result
from generators.ledger import Ledger
from generators.monthdata import load_month
from generators.report_data import attach_commission, month_facts
from generators.report_pdf import rep_pdf, team_pdf
from generators.statement_model import statement
from generators.statement_pdf import finance_pdf, statement_pdf
from workbooks import demo
from workbooks.i18n import language
from workbooks.salesbook import write_sales_workbook

MONTH = "2026-10"


def pdf_text(pdf: bytes, tmp_path: Path, name: str = "x") -> list[str]:
    """The text of each page, as pdftotext lays it out."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def embedded_fonts(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    assert all("yes" in row[-5:-2] for row in rows), out          # embedded and subset
    return [row[0] for row in rows]


@pytest.fixture(scope="module")
def facts_with_commission(demo_book, tmp_path_factory):
    md = load_month(demo_book, MONTH)
    result = month_result(md, Ledger(tmp_path_factory.mktemp("ledger") / "ledger.sqlite"))
    facts = month_facts(md)
    attach_commission(facts, result.summary)
    return md, facts, result


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_reps_pdf_carries_the_models_figures_on_at_most_two_pages(facts_with_commission, tmp_path, lang):
    _, facts, _ = facts_with_commission
    t = language(lang)
    for ctx in facts.reps:                       # every rep of the demo month
        ctx = replace(ctx, lang=lang)
        pdf = rep_pdf(ctx)
        pages = pdf_text(pdf, tmp_path, ctx.key)
        assert 1 <= len(pages) <= 2, (ctx.key, len(pages))
        text = "\n".join(pages)
        month = ctx.sales[0]
        sc, c = ctx.scorecard, ctx.commission
        for figure in (t.money(month.actual), t.money(month.target), t.ratio(month.actual, month.target),
                       t.pct(sc.score), t.money(c.paid), t.money(c.earned), ctx.rep.name, ctx.rep.rep_id):
            assert figure in text, (ctx.key, figure)
        assert t("Page {page} of {pages}", page=1, pages=len(pages)) in pages[0]
        for k in sc.kpis:                        # each KPI's row: label, actual, target, attainment on one line
            label, target = t.term(k.label or k.kpi), t.kpi_value(k.target, k.kind)
            row = next(line for line in text.splitlines() if line.strip().startswith(label) and target in line)
            assert re.search(rf"{re.escape(t.kpi_value(k.actual, k.kind))}\s+{re.escape(target)}\s+"
                             rf"{re.escape(t.pct(k.attainment))}", row), (ctx.key, k.kpi, row)
    fonts = embedded_fonts(pdf, tmp_path)        # e.g. TFNECJ+NotoSansCJKsc-Bold-Identity-H: SC, not JP shapes
    assert fonts and all(re.fullmatch(r"[A-Z]{6}\+NotoSansCJKsc-(Regular|Bold)(-Identity-H)?", f) for f in fonts), fonts
    if lang == "zh-CN":
        assert "月度销售报告" in text and "销售额对比目标" in text and "Sales against target" not in text


@pytest.fixture(scope="module")
def big_team(tmp_path_factory):
    frames = demo.build(reps=70, teams=1, months=14, seed=5)
    book = tmp_path_factory.mktemp("team") / "big-team.xlsx"
    write_sales_workbook(frames, book)
    return month_facts(load_month(book, MONTH)).teams[0]


def test_a_long_team_table_repeats_its_header_on_every_page(big_team, tmp_path):
    team = big_team
    assert len(team.reps) == 70
    pages = pdf_text(team_pdf(team), tmp_path, "team")
    ranking_row = re.compile(r"^\s*\d+\s+R\d{4}\s")            # rank, rep id, ...
    ranked = [i for i, page in enumerate(pages) if any(ranking_row.match(line) for line in page.splitlines())]
    assert len(ranked) >= 2                        # the ranking runs over a page break
    for i in ranked:                               # and each page of it starts with its header
        lines = [line for line in pages[i].splitlines() if line.strip()]
        first = next(j for j, line in enumerate(lines) if ranking_row.match(line))
        header = lines[first - 1].split()
        assert header[:3] == ["rank", "rep", "name"] and {"actual", "target", "score"} <= set(header), lines[first - 1]
    for r in team.reps:                            # every rep once, its figures on its line
        rows = [line for page in pages for line in page.splitlines() if re.search(rf"\b{r.rep_id}\b", line)
                and language().money(r.actual) in line]
        assert rows, r.rep_id
        assert r.name in rows[0] and language().money(r.target) in rows[0]


HOSTILE = ["#set page(width: 1cm)", "]", "$x$", "\\", "<b>bold</b>", "销售一部", "שלום עולם", "مرحبا", "Zeile1\nZeile2",
           "A" * 60 + " " + "B" * 60 + " " + "C" * 78]


def test_hostile_names_print_as_themselves_with_no_extra_pages(facts_with_commission, tmp_path):
    _, facts, _ = facts_with_commission
    ctx = facts.reps[0]
    plain_pages = len(pdf_text(rep_pdf(ctx), tmp_path, "plain"))
    for name in HOSTILE:
        rep = replace(ctx.rep, name=name, team=name, manager=name)
        overdue = tuple(replace(c, name=name) for c in ctx.customers.overdue)
        hostile = replace(ctx, rep=rep, customers=replace(ctx.customers, overdue=overdue))
        pages = pdf_text(rep_pdf(hostile), tmp_path, "hostile")
        assert len(pages) == plain_pages, name
        flat = re.sub(r"\s+", "", "".join(pages))
        if name in ("שלום עולם", "مرحبا"):          # right-to-left: pdftotext may give the letters in visual order
            assert all(ch in flat for ch in name.replace(" ", "")), name
        else:        # the title and each overdue customer's row; a long name wraps in its cell, word by word
            for word in name.split():
                assert flat.count(word) >= 1 + len(overdue), (name, word)
        text = "\n".join(pages)
        if overdue and len(name) < 40 and "\n" not in name:   # a one-line row: the id beside the name
            row = next(line for line in text.splitlines() if overdue[0].customer_id in line and name[:8] in line)
            assert overdue[0].tier in row or language().term(overdue[0].tier) in row


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_statement_states_every_line_and_the_total_on_one_page(facts_with_commission, tmp_path, lang):
    md, _, result = facts_with_commission
    t = language(lang)
    summary = result.summary[result.summary["period"] == MONTH]
    lines = result.lines[result.lines["period"] == MONTH]
    reps = md.frames["Reps"].set_index("rep_id")
    for rec in summary.to_dict("records"):
        mine = lines[lines["rep_id"] == rec["rep_id"]]
        st = statement({"rep_id": rec["rep_id"], "name": reps.loc[rec["rep_id"], "name"], "team": rec["team"],
                        "plan_id": rec["plan_id"]}, rec, mine, MONTH)
        pages = pdf_text(statement_pdf(st, t), tmp_path, rec["rep_id"])
        assert len(pages) == 1 or len(st.lines) > 30, (rec["rep_id"], len(st.lines), len(pages))   # a typical one
        assert t("Page {page} of {pages}", page=1, pages=len(pages)) in pages[0]
        text = "\n".join(pages)
        rows = text.splitlines()
        for line in mine.itertuples():           # an order split over two tiers has two lines
            if isinstance(line.order_id, str):
                credited = t.money(line.credited_cents / 100)
                row = next(x for x in rows if line.order_id in x and credited in x)
                assert re.search(rf"{re.escape(credited)}.*\s{re.escape(t.money(line.commission_cents / 100))}(\s|$)",
                                 row), (line.order_id, row)
        assert sum(mine["commission_cents"]) == rec["earned_cents"]
        for label, cents in (("Earned", rec["earned_cents"]), ("Total to pay", rec["paid_cents"])):
            row = next(x for x in text.splitlines() if t(label) in x)
            assert t.money(cents / 100) in row, (label, row)
    finance = pdf_text(finance_pdf(summary.assign(name=summary["rep_id"].map(reps["name"])), MONTH, [], t), tmp_path)
    total = next(x for x in "\n".join(finance).splitlines() if x.lstrip().startswith(t("Total")))
    assert t.money(summary["paid_cents"].sum() / 100) in total


def test_the_pdfs_need_no_libreoffice(facts_with_commission, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))            # no soffice, no anything
    _, facts, _ = facts_with_commission
    assert rep_pdf(facts.reps[1]).startswith(b"%PDF-") and team_pdf(facts.teams[0]).startswith(b"%PDF-")


def test_the_text_layer_reads_as_the_workbook_writes(facts_with_commission, tmp_path):
    """Chinese dates and months as written (2026年10月, not spaced apart by the typesetter)."""
    _, facts, _ = facts_with_commission
    ctx = replace(facts.reps[0], lang="zh-CN")
    text = "\n".join(pdf_text(rep_pdf(ctx), tmp_path))
    assert "2026年10月" in text and pd.Period(MONTH).strftime("%Y-%m") in text


def test_commissions_as_pdf_only_and_an_unknown_format(demo_book, tmp_path):
    from click.testing import CliRunner

    from generators.cli import main
    out = tmp_path / "out"
    bad = CliRunner().invoke(main, ["commissions", str(demo_book), "--month", MONTH, "--out", str(out),
                                    "--formats", "docx"])
    assert bad.exit_code == 2 and "unknown format(s) docx; use xlsx, pdf" in bad.output and not out.exists()
    run = CliRunner().invoke(main, ["commissions", str(demo_book), "--month", MONTH, "--out", str(out),
                                    "--formats", "pdf"])
    assert run.exit_code == 0, run.output
    folder = out / MONTH / "commissions"
    assert "12 statements (0 xlsx, 12 PDFs)" in run.output
    assert sorted(p.name for p in folder.glob("R*")) == [f"R{i:04d}.pdf" for i in range(1, 13)]
    assert (folder / "finance-summary.pdf").exists() and (folder / "finance-summary.xlsx").exists()


def _rows_with(pages: list[str], key: str) -> list[str]:
    return [line for page in pages for line in page.splitlines() if re.search(rf"(^|\s){re.escape(key)}(\s|$)", line)]


def test_rows_stay_whole_with_other_scripts_bidi_controls_and_long_lists(big_team, tmp_path):
    """Names whose width is not known (Thai) get a cell per value; a right-to-left override in a
    name does not turn the figures after it around; every rep behind pace is listed, however many."""
    reps = list(big_team.reps)
    reps[3] = replace(reps[3], name="สมชาย ใจดีมากมายเหลือเกิน")
    reps[5] = replace(reps[5], name="Paul\u202e")
    champion = replace(big_team.champion, name="Paul\u202e")
    team = replace(big_team, reps=tuple(reps), champion=champion)
    pages = pdf_text(team_pdf(team), tmp_path, "scripts")
    t = language()
    for r in reps:                       # each rep's ranking row: its figures beside its id
        rows = [x for x in _rows_with(pages, r.rep_id) if t.money(r.target) in x]
        assert rows and t.money(r.actual) in rows[0], (r.rep_id, rows)
    text = "\n".join(pages)
    assert t.money(champion.actual) in text and "\u202e" not in text
    behind = [x.rep_id for x in team.risks.behind_pace]
    assert len(behind) > 20 and all(len(_rows_with(pages, rid)) >= 2 for rid in behind)   # ranking and the list


def test_an_empty_last_value_keeps_every_row_in_line_across_pages(facts_with_commission, tmp_path):
    """One-line columns whose last values are blank still break at the same row as the others,
    wherever the page break falls (a few rows before the end is where Typst moved lines)."""
    _, _, result = facts_with_commission
    lines = result.lines[result.lines["period"] == MONTH]
    rec = result.summary[result.summary["period"] == MONTH].iloc[0].to_dict()
    sale = lines[lines["kind"] == "sale"].head(1)
    broke = 0
    for n in range(36, 52):
        many = pd.concat([sale] * n, ignore_index=True)
        many["order_id"] = [f"O{i:05d}" for i in range(n)]
        many["note"] = ["n" if i < n - 1 else "" for i in range(n)]      # the last line has none
        st = statement({"rep_id": "R1", "name": "X", "team": "T", "plan_id": "P"}, rec, many, MONTH)
        pages = pdf_text(statement_pdf(st, language()), tmp_path, "long")
        broke += len(pages) > 1
        for i in range(n):
            row = _rows_with(pages, f"O{i:05d}")
            assert len(row) == 1 and row[0].rstrip().endswith(" n") == (i < n - 1), (n, i, row)
    assert broke >= 8          # most of them ran over a page
