"""The salesdesk command line as a user runs it."""
from __future__ import annotations

import openpyxl
import pandas as pd
from click.testing import CliRunner

from generators.cli import generated_docs, main
from workbooks.reader import read_workbook


def test_help_lists_the_commands():
    out = CliRunner().invoke(main, ["--help"]).output
    listed = {line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()}
    for command in ("demo", "demo-workbook", "validate", "reports", "commissions", "reconcile", "send", "import"):
        assert command in listed, (command, listed)


def test_validate_clean_workbook_exits_zero(demo_book):
    result = CliRunner().invoke(main, ["validate", str(demo_book)])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_validate_lists_problems_and_writes_errors_report(tmp_path, demo_book):
    bad = tmp_path / "bad.xlsx"
    wb = openpyxl.load_workbook(demo_book)
    wb["Reps"]["F3"] = "lots"          # capacity
    wb["Orders"]["C2"] = "=R0001"      # a formula-looking rep id, unknown ...
    wb["Orders"]["C2"].data_type = "s"  # ... stored as text, as a CSV import would
    wb.save(bad)
    report = tmp_path / "errors.xlsx"
    result = CliRunner().invoke(main, ["validate", str(bad), "--errors-out", str(report)])
    assert result.exit_code == 1
    assert "Reps" in result.output and "capacity" in result.output and "lots" in result.output
    rows = pd.read_excel(report)
    assert {"Reps", "Orders"} <= set(rows["sheet"])
    # text from data stays text in the report (quote-prefixed, never a formula)
    ws = openpyxl.load_workbook(report)["Errors"]
    values = [c.value for c in ws["E"]]
    assert "=R0001" in values
    cell = next(c for c in ws["E"] if c.value == "=R0001")
    assert cell.data_type == "s" and cell.quotePrefix


def test_demo_workbook_is_deterministic(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for path in (a, b):
        assert CliRunner().invoke(main, ["demo-workbook", str(path), "--reps", "8", "--teams", "2", "--months", "6"]).exit_code == 0
    fa, fb = read_workbook(a), read_workbook(b)
    assert fa.problems == [] and fb.problems == []
    for sheet in fa.frames:
        pd.testing.assert_frame_equal(fa[sheet], fb[sheet])
    assert len(fa["Reps"]) == 8 and fa["Teams"]["team"].nunique() == 2


def test_docs_are_generated_from_the_code():
    for path, text in generated_docs().items():
        assert path.read_text() == text, f"{path} is stale: run `salesdesk docs`"


def test_no_cache_flag_reads_afresh_and_writes_no_cache_entry(tmp_path, demo_book, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("SALESDESK_CACHE_DIR", str(folder))
    book = tmp_path / "book.xlsx"
    book.write_bytes(demo_book.read_bytes())
    result = CliRunner().invoke(main, ["--no-cache", "validate", str(book)])
    assert result.exit_code == 0, result.output
    assert not folder.exists()
    monkeypatch.setenv("SALESDESK_CACHE_DIR", str(folder))   # --no-cache set it to off for this process
    first = CliRunner().invoke(main, ["validate", str(book)])
    again = CliRunner().invoke(main, ["validate", str(book)])
    assert first.exit_code == again.exit_code == 0
    assert first.stdout == again.stdout                       # the cached read reports the same
    assert len(list(folder.glob("*.pickle"))) == 1


def _commands(group, path=()):
    import click
    for name, cmd in group.commands.items():
        yield path + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, path + (name,))


def test_every_command_has_a_whole_summary_and_an_example():
    """The command list shows each summary whole, ending with a full stop, on an 80-column
    terminal; each command's help has an example that starts with salesdesk and the command."""
    runner = CliRunner()
    listing = runner.invoke(main, ["--help"], terminal_width=80)
    assert listing.exit_code == 0
    found = list(_commands(main))
    assert len(found) >= 14
    for path, cmd in found:
        summary = cmd.get_short_help_str(limit=80 - 6 - 13)
        assert summary.endswith(".") and not summary.endswith("..."), (path, summary)
        text = runner.invoke(main, [*path, "--help"], terminal_width=80).output
        assert "Example: salesdesk " + " ".join(path) in " ".join(text.split()), (path, text)
        if not cmd.hidden and len(path) == 1:
            assert f"  {path[0]} " in listing.output and summary in listing.output, path
    assert "docs" not in listing.output.split("Commands:")[1]          # for developers: hidden
    for path in (("reports",), ("commissions",)):
        text = runner.invoke(main, [*path, "--help"]).output
        assert "--month YYYY-MM" in text and "--formats xlsx," in text and "comma-separated" in text


def test_version():
    from importlib.metadata import version
    out = CliRunner().invoke(main, ["--version"])
    assert out.exit_code == 0 and out.output.strip() == f"salesdesk {version('salesdesk')}"


def test_each_long_phase_says_how_long_it_took_when_not_on_a_terminal(tmp_path, demo_book):
    """Off a terminal (a pipe, CI, cron) every phase prints one line with what it did and its
    duration, on stderr; stdout keeps the results."""
    import re
    result = CliRunner().invoke(main, ["reports", str(demo_book), "--month", "2026-10", "--out", str(tmp_path),
                                       "--formats", "xlsx,html"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert [line.split(":")[0] for line in lines] == ["Reading", "Computing", "Reports"]
    made = int(re.match(r"(\d+) reports \(", result.stdout).group(1))
    assert made > 10 and re.fullmatch(rf"Reports: {made} reports in \d+\.\d s", lines[2]), lines
    assert all(re.search(r"\d+\.\d s$", line) for line in lines)
    assert "Reports:" not in result.stdout


def test_version_and_help_answer_without_loading_pandas():
    """`salesdesk --version` and `--help` import click and light modules only (bench/RESULTS.md
    has the time); each command imports what it needs when it runs."""
    import subprocess
    import sys

    probe = ("import sys; from generators.cli import main\n"
             "try:\n    main(['--version' if sys.argv[1] == 'v' else '--help'])\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in ('pandas', 'numpy', 'fastexcel', 'pyarrow', 'typst', 'jinja2') if m in sys.modules))")
    for flag in ("v", "h"):
        out = subprocess.run([sys.executable, "-c", probe, flag], capture_output=True, text=True, check=True).stdout
        assert out.strip().splitlines()[-1] == "[]", out


def test_shared_options_work_after_the_command_too(demo_book, tmp_path):
    runner = CliRunner()
    after = runner.invoke(main, ["validate", str(demo_book), "--max-rows", "10"])
    before = runner.invoke(main, ["--max-rows", "10", "validate", str(demo_book)])
    assert after.exit_code == before.exit_code != 0
    assert "over the limit of 10 rows a sheet" in after.output
    out = tmp_path / "out"
    zh = runner.invoke(main, ["reports", str(demo_book), "--month", "2026-10", "--out", str(out), "--formats", "html",
                              "--only", "R0002", "--lang", "zh-CN", "--no-cache"])
    assert zh.exit_code == 0, zh.output
    page = next((out / "2026-10" / "reps").glob("*R0002*.html")).read_text()
    assert "月度销售报告" in page


def test_month_is_yyyy_mm_only_and_checked_before_reading(tmp_path):
    not_a_workbook = tmp_path / "book.xlsx"
    not_a_workbook.write_text("not a workbook")
    for given in ("10/2026", "Oct 2026", "2026-10-15", "10/11", "2026-13", "2026-1"):
        result = CliRunner().invoke(main, ["reports", str(not_a_workbook), "--month", given, "--out", str(tmp_path)])
        assert result.exit_code == 2, (given, result.output)
        assert "a month written YYYY-MM, such as 2026-10" in result.output and "workbook" not in result.output
    for given in ("0001-10", "1677-09", "2263-01", "9999-12"):     # the form, but years dates cannot reach
        result = CliRunner().invoke(main, ["reports", str(not_a_workbook), "--month", given, "--out", str(tmp_path),
                                           "--allow-empty"])
        assert result.exit_code == 2 and "a month of the years 1900 to 2261" in result.output, (given, result.output)


def test_reports_only_names_the_month_page_only_when_there_is_one(demo_book, tmp_path):
    out = tmp_path / "out"
    args = ["reports", str(demo_book), "--month", "2026-10", "--out", str(out), "--formats", "html"]
    first = CliRunner().invoke(main, args + ["--only", "R0002"])
    assert first.exit_code == 0, first.output
    assert not (out / "2026-10" / "index.html").exists()
    assert "index:" not in first.output and "a run without --only draws it" in first.output
    full = CliRunner().invoke(main, args)
    assert f"index: {out / '2026-10' / 'index.html'}" in full.output and (out / "2026-10" / "index.html").exists()
    again = CliRunner().invoke(main, args + ["--only", "R0002"])
    assert f"index: {out / '2026-10' / 'index.html'}" in again.output


def test_validate_says_when_there_is_nothing_to_list(demo_book, tmp_path):
    result = CliRunner().invoke(main, ["validate", str(demo_book), "--errors-out", str(tmp_path / "errors.xlsx")])
    assert result.exit_code == 0, result.output
    assert "Problems written" not in result.output and "No problems;" in result.output
    assert (tmp_path / "errors.xlsx").exists()


def test_formats_are_checked_before_anything_is_read(tmp_path):
    not_a_workbook = tmp_path / "book.xlsx"
    not_a_workbook.write_text("not a workbook")
    for command in ("reports", "commissions"):
        result = CliRunner().invoke(main, [command, str(not_a_workbook), "--month", "2026-10", "--out", str(tmp_path),
                                           "--formats", "xlsx,docx"])
        assert result.exit_code == 2 and "unknown format(s) docx" in result.output, result.output


def test_every_writer_waits_for_the_output_folders_lock(demo_book, tmp_path):
    """reports, commissions, reconcile, send and post write into OUT only while no other run
    does: with the lock held, each stops with one line and writes nothing."""
    from workbooks.files import exclusive

    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["reports", str(demo_book), "--month", "2026-10", "--out", str(out),
                                     "--formats", "html", "--only", "R0001"]).exit_code == 0
    before = sorted(p.relative_to(out) for p in out.rglob("*") if not p.name.startswith("."))
    commands = [["reconcile", str(demo_book), "--month", "2026-10", "--out", str(out)],
                ["commissions", str(demo_book), "--month", "2026-10", "--out", str(out), "--formats", "xlsx"],
                ["reports", str(demo_book), "--month", "2026-10", "--out", str(out), "--formats", "html"],
                ["send", str(out), "--month", "2026-10", "--dry-run"]]
    with exclusive(out, "test"):
        for command in commands:
            result = CliRunner().invoke(main, command)
            assert result.exit_code == 2, (command, result.output)
            assert "run is writing here; wait for it to finish" in result.output, (command, result.output)
    assert sorted(p.relative_to(out) for p in out.rglob("*") if not p.name.startswith(".")) == before


def test_the_reports_job_is_callable_from_python(demo_book, tmp_path):
    from generators.jobs import report_lines, reports_job
    from generators.monthdata import load_month

    said = []
    run = reports_job(load_month(demo_book, "2026-10"), tmp_path, ("html",), jobs=1, only=["R0002"], say=said.append)
    assert run.exit_code == 0 and run.reports == 1
    assert [p.name for p in run.written if p.suffix == ".html"] and said == []
    assert report_lines(run)[0] == f"1 reports (1 files) for 2026-10 in {tmp_path / '2026-10'}"


def test_reports_only_with_a_name_not_in_the_workbook_stops_before_writing(demo_book, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["reports", str(demo_book), "--month", "2026-10", "--out", str(out),
                                       "--formats", "html", "--only", "R0001", "--only", "R9999"])
    assert result.exit_code == 2, result.output
    assert "--only 'R9999': no rep_id or team by that name in the workbook; nothing was written" in result.output
    assert not (out / "2026-10").exists()
