"""Identity, not names: ids that clean to the same file name, Chinese names and a rep and a
team both called '..' each get their own files, and every message carries its own
recipient's report and nobody else's (reports as PDF too, through LibreOffice)."""
from __future__ import annotations

import email
import hashlib
import json
import subprocess
from email import policy
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from generators.cli import main
from tests.support.hostile import REP_IDS, TEAM_NAMES, hostile_frames
from tests.support.libreoffice import soffice_or_skip
from workbooks.files import safe_filename, unique_stems
from workbooks.salesbook import write_sales_workbook

MONTH = "2026-10"


def test_unique_stems_keep_readable_names_and_never_collide():
    ids = ["A/B", "A_B", "a_b", "销售一部", "销售二部", "x" * 80 + "1", "x" * 80 + "2", "..", "//", "R0001", "con"]
    stems = unique_stems(ids)
    assert len({s.casefold() for s in stems.values()}) == len(ids)         # unique, even case-insensitively
    assert stems["销售一部"] == "销售一部" and stems["R0001"] == "R0001"    # readable where nothing clashes
    assert stems["A/B"].startswith("A_B-") and stems["A_B"].startswith("A_B-")
    assert stems["A/B"] == unique_stems(["A/B", "A_B"])["A/B"]             # stable: from the id itself
    assert stems[".."] != stems["//"] and not stems[".."].startswith(".")
    assert safe_filename("line\nbreak") == "line_break" and stems["con"] == "_con"


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, demo_frames):
    soffice_or_skip()
    root = tmp_path_factory.mktemp("identity")
    book = root / "hostile.xlsx"
    write_sales_workbook(hostile_frames(demo_frames), book)
    out = root / "out"
    runner = CliRunner()
    reports = runner.invoke(main, ["reports", str(book), "--month", MONTH, "--out", str(out),
                                   "--formats", "xlsx,html,pdf"])
    assert reports.exit_code == 0, reports.output
    statements = runner.invoke(main, ["commissions", str(book), "--month", MONTH, "--out", str(out), "--formats", "xlsx"])
    assert statements.exit_code == 0, statements.output
    sent = runner.invoke(main, ["send", str(out), "--month", MONTH, "--dry-run", "--finance", "finance@example.com"])
    assert sent.exit_code == 0, sent.output
    return out / MONTH, sent.output


def test_every_report_has_its_own_files(hostile_run):
    month_dir, _ = hostile_run
    manifest = json.loads((month_dir / "manifest.json").read_text())
    paths = [f["path"] for d in manifest["deliveries"] for f in d["files"]]
    assert len(paths) == len(set(paths)) == 3 * len(manifest["deliveries"])   # xlsx, html, pdf each
    keys = {d["key"] for d in manifest["deliveries"]}
    assert set(REP_IDS.values()) <= keys and set(TEAM_NAMES) <= keys
    assert (month_dir / "teams" / "销售一部.xlsx").exists() and (month_dir / "teams" / "销售二部.pdf").exists()
    for d in manifest["deliveries"]:
        for f in d["files"]:
            assert hashlib.sha256((month_dir / f["path"]).read_bytes()).hexdigest() == f["sha256"]
        xlsx = next(f["path"] for f in d["files"] if f["format"] == "xlsx")
        title = openpyxl.load_workbook(month_dir / xlsx)["Report"]["A1"].value
        assert (f"({d['key']})" if d["kind"] == "rep" else f"report: {d['key']},") in title


def test_every_rep_has_its_own_statement(hostile_run, demo_frames):
    month_dir, _ = hostile_run
    statements = [p for p in (month_dir / "commissions").glob("*.xlsx") if p.name != "finance-summary.xlsx"]
    assert len(statements) == len(demo_frames["Reps"])
    for rep_id in REP_IDS.values():
        hits = [p for p in statements
                if openpyxl.load_workbook(p)["Statement"]["B3"].value.endswith(f"({rep_id})")]
        assert len(hits) == 1, rep_id


def test_every_message_carries_its_own_recipients_report(hostile_run):
    month_dir, output = hostile_run
    manifest = json.loads((month_dir / "manifest.json").read_text())
    messages = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
                for p in (month_dir / "outbox").glob("*.eml")]
    assert len(messages) == len(manifest["deliveries"]) + 1       # + finance
    assert f"{len(messages)} sent" in output
    by_key = {(m["X-SalesDesk-Kind"], m["X-SalesDesk-Key"]): m for m in messages}
    for d in manifest["deliveries"]:
        msg = by_key[(d["kind"], d["key"])]
        assert msg["To"].addresses[0].addr_spec == d["to"]
        attached = {part.get_filename(): part.get_content() for part in msg.iter_attachments()}
        expected = {Path(f["path"]).name: (month_dir / f["path"]).read_bytes()
                    for f in d["files"] if f["format"] in ("xlsx", "pdf")}
        assert attached == expected
        pdf = next(month_dir / f["path"] for f in d["files"] if f["format"] == "pdf")
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        assert (d["key"][:60] if d["kind"] == "rep" else d["key"]) in text


def test_chinese_names_print_in_pdfs_with_an_embedded_cjk_font(hostile_run):
    month_dir, _ = hostile_run
    pdf = month_dir / "reps" / "R0006.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts           # embedded
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "张伟 (R0006)" in text
    team = subprocess.run(["pdftotext", str(month_dir / "teams" / "销售一部.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert "销售一部" in team
