"""`salesdesk reports`: every rep's and every team's monthly report, in parallel workers.

The month's data is read and validated once; contexts are computed once (vectorized) and
rendered by worker processes. Every file is written atomically. A full run builds into a
staging folder and swaps it in, so a re-run replaces the month's reports cleanly; a run
with --only replaces just the named reports. One report's failure goes to errors.xlsx and
the exit code; the others are still produced.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import contextlib
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Callable, NamedTuple

import pandas as pd

from addin.engine.kpi import attainment_of

from workbooks.errors_report import write_errors_report
from workbooks.files import (exclusive, link_tree, rebuilt, recover_folder, remove_temporaries,
                             unique_stems, write_bytes_atomic, write_text_atomic)
from workbooks.i18n import language
from workbooks.schema import Problem
from workbooks.xlsxout import CellWriter, new_workbook
from workbooks.xlsxstyle import HEADER, MONEY, PERCENT

from .exits import DONE, FINISHED_WITH_PROBLEMS
from .monthdata import MonthData, batch_problem, rep_failures
from .dashboard import redraw_neighbours, write_dashboard, write_figures
from .progress import bar, timed
from .report_data import attach_commission, month_facts
from .report_forecast import FORECAST_COLUMNS, forecast_rows
from .report_html import render
from .report_text import titles
from .report_model import Report
from .report_pdf import report_pdf
from .report_xlsx import rep_workbook, team_workbook
from .typeset import TypesetError, makeable
from .workers import in_chunks

FORMATS = ("xlsx", "html", "pdf")
KIND_FOLDERS = {"rep": "reps", "team": "teams", "company": "company"}   # where each kind of report goes in the run's folder


class Renderers(NamedTuple):
    """How one kind of run writes a report in each format (module-level functions: the workers get
    them pickled by name): the month's (below), a week's and a quarter's or year's (``period_run``)."""
    xlsx: Callable[[object], bytes]
    html: Callable[[object], str]
    pdf: Callable[[object], bytes]


def _month_workbook(ctx: Report) -> bytes:
    return rep_workbook(ctx) if ctx.kind == "rep" else team_workbook(ctx)


MONTH = Renderers(_month_workbook, render, report_pdf)


@dataclass
class ReportRun:
    month: str
    folder: Path
    written: list[Path] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)   # one line per kind of input left out
    reports: int = 0

    @property
    def exit_code(self) -> int:
        return FINISHED_WITH_PROBLEMS if (self.failures or self.left_out) else DONE


def _render_one(ctx: Report, folder: str, formats: tuple[str, ...], staged: bool = False,
                renderers: Renderers = MONTH) -> tuple[str, str, list[str], str | None]:
    """Worker: write one report's files. Returns (kind, key, files, error).

    In a staging folder (``staged``), which is swapped in whole only when the run is done,
    files are written directly; the swap is what makes the month's outputs atomic. Into a
    live folder (--only), each file goes through a temporary file and a rename."""
    write_bytes = Path.write_bytes if staged else write_bytes_atomic
    write_text = (lambda path, text: path.write_text(text, encoding="utf-8")) if staged else write_text_atomic
    kind, key = ctx.kind, ctx.key
    sub = Path(folder) / KIND_FOLDERS[kind]
    stem = ctx.file_stem
    written = []
    try:
        if "xlsx" in formats:
            path = sub / f"{stem}.xlsx"
            write_bytes(path, renderers.xlsx(ctx))
            written.append(str(path))
        if "html" in formats:
            path = sub / f"{stem}.html"
            write_text(path, renderers.html(ctx))
            written.append(str(path))
        if "pdf" in formats:
            path = sub / f"{stem}.pdf"
            write_bytes(path, renderers.pdf(ctx))
            written.append(str(path))
        return kind, key, written, None
    except TypesetError as exc:
        return kind, key, written, f"PDF not made: {exc}"
    except Exception as exc:  # isolate: one report's failure never stops the batch
        return kind, key, written, f"{type(exc).__name__}: {exc}"


def _render_chunk(ctxs: list[Report], folder: str, formats: tuple[str, ...], staged: bool,
                  renderers: Renderers = MONTH) -> list[tuple]:
    return [_render_one(c, folder, formats, staged, renderers) for c in ctxs]


@dataclass(frozen=True)
class RunPlan:
    """What one kind of run makes in OUT/KEY/: the month's reports (``run_reports``) or a week's,
    quarter's or year's (``period_run``). The folder's protocol (lock, staging, swap, manifest,
    errors) is the same for all; this is what differs."""
    key: str                                                 # the folder: 2026-10, 2026-W41, 2026-Q3, 2026
    contexts: Callable[[set | None, ReportRun], tuple[list, object]]   # the reports' models, and the facts
    renderers: Renderers
    title: Callable[[object], str]                           # a report's title, for the manifest and the mail
    head: Callable[[object], dict]                           # the manifest's own fields, from the facts
    extras: Callable[[Path, object], None]                   # summary.xlsx and dashboard.json (full runs)


def run_reports(md: MonthData, out: Path, formats=("xlsx", "html", "pdf"), jobs: int | None = None,
                only: list[str] | None = None,
                commission_summary: pd.DataFrame | Callable[[], pd.DataFrame] | None = None) -> ReportRun:
    """The month's reports, with the commission engine's summary table (``commission_summary``),
    or a function that returns it (called once the folder is locked, with the report facts)."""
    plan = RunPlan(md.month, partial(_contexts, md, commission_summary=commission_summary), MONTH,
                   lambda c: titles(c)[0], lambda facts: {"month": md.month, "as_of": facts.as_of.isoformat()},
                   _month_extras)
    return run_plan(md, Path(out), plan, formats, jobs, only)


def run_plan(md: MonthData, out: Path, plan: RunPlan, formats, jobs: int | None, only) -> ReportRun:
    """A run's reports in OUT/KEY/. A full run builds the whole folder beside the old one (the files
    of other commands, such as commissions/ and the outbox, linked in) and swaps it in at the end:
    a run that is killed leaves the previous folder as it was. A run with --only replaces just the
    named reports, each file atomically."""
    with exclusive(out, "reports"):
        folder = out / plan.key
        recover_folder(folder)      # what a killed run left: staging folders, a folder moved aside
        for sub in (folder, *(folder / name for name in KIND_FOLDERS.values())):
            remove_temporaries(sub)
        return _run_reports(md, out, formats, jobs, only, plan)


def _run_reports(md: MonthData, out: Path, formats, jobs, only, plan: RunPlan) -> ReportRun:
    formats = tuple(f for f in FORMATS if f in formats)
    folder = out / plan.key
    run = ReportRun(plan.key, folder)
    only_set = set(only) if only else None
    contexts, facts = plan.contexts(only_set, run)
    makeable_formats, why = makeable(formats)
    no_pdf = f"PDF not made: {why}" if why else None
    # --only replaces just its reports, each file atomically; a full run rebuilds the folder
    with contextlib.nullcontext(folder) if only_set else rebuilt(folder) as target:
        rendered = _render_all(contexts, target, makeable_formats, jobs, staged=not only_set, renderers=plan.renderers)
        ok = _rendered([(kind, key, files, error or no_pdf) for kind, key, files, error in rendered], run)
        _write_manifest(target, md, plan, contexts, facts, ok, merge=bool(only_set))
        if not only_set:
            plan.extras(target, facts)          # an --only run keeps the whole run's summary and figures
        run.failures = rep_failures(md) + run.failures
        run.left_out = md.left_out_lines(folder / "errors.xlsx")
        _errors_report(md, run, target / "errors.xlsx", keep_old=bool(only_set))
        if not only_set and folder.exists():
            link_tree(folder, target, skip=OWN_NAMES)    # the other commands' files come along
        write_dashboard(target)                 # once the other commands' files are in the folder too
    redraw_neighbours(folder)                   # the pages of the periods around it link it now
    run.written = [folder / f.relative_to(target) for files in ok.values() for f in files]
    return run


def _contexts(md: MonthData, only_set, run: ReportRun, commission_summary=None):
    """Every report's model with its file stem (and the commission when there is one); an
    --only name that is no active rep or team is a failure."""
    with timed("Computing"):
        facts = month_facts(md, only_set)
        if callable(commission_summary):
            commission_summary = commission_summary()
        if commission_summary is not None:
            attach_commission(facts, commission_summary)
    stems = report_stems(md)
    contexts = [replace(c, file_stem=stems[c.kind][c.key]) for c in facts.reps + facts.teams]
    counted(contexts, only_set, run)
    return contexts, facts


def counted(contexts: list, only_set: set | None, run: ReportRun) -> None:
    """The run's number of reports; an --only name that is no active rep or team is a failure."""
    run.reports = len(contexts)
    for name in sorted((only_set or set()) - {c.key for c in contexts}):
        run.failures.append(_failure("--only", name, "no active rep or team by that name",
                                     "a rep_id or team from the workbook"))


def _rendered(results, run: ReportRun) -> dict[tuple[str, str], list[Path]]:
    """The files of each report that rendered; a failed report's files are removed and it is a failure."""
    ok: dict[tuple[str, str], list[Path]] = {}
    for kind, key, files, error in results:
        if error:
            problem = error if error.startswith("PDF not made") else f"report failed: {error}"
            run.failures.append(_failure(kind, key, problem, "a report"))
            _remove(files)
        else:
            ok[(kind, key)] = [Path(f) for f in files]
    return ok


def _errors_report(md: MonthData, run: ReportRun, path: Path, keep_old: bool) -> None:
    """errors.xlsx when something was left out or failed; an old one goes on a clean full run."""
    if md.problems or run.failures:
        write_errors_report(md.problems, path, run.failures)
    elif path.exists() and not keep_old:
        path.unlink()


# What a full reports run writes in the month folder; everything else there is carried over.
OWN_NAMES = ("reps", "teams", "company", "index.html", "dashboard.json", "summary.xlsx", "manifest.json", "errors.xlsx")


def _failure(column: str, value: str, problem: str, expected: str) -> Problem:
    return batch_problem("(reports)", column, value, problem, expected)


def _remove(files) -> None:
    for f in files:
        Path(f).unlink(missing_ok=True)


def report_stems(md: MonthData) -> dict[str, dict[str, str]]:
    """kind -> id -> file stem, unique within the kind's folder. Made from every rep and team
    the workbook lists (not only this run's), so --only and a full run name a report alike."""
    reps = md.data.frames.get("Reps")
    teams = md.data.frames.get("Teams")
    rep_ids = [] if reps is None else reps["rep_id"].dropna().tolist()
    team_ids = ([] if teams is None else teams["team"].dropna().tolist()) + \
        ([] if reps is None else reps["team"].dropna().tolist())
    return {"rep": unique_stems(rep_ids), "team": unique_stems(team_ids)}


def _render_all(contexts: list[Report], folder: Path, formats, jobs: int | None, staged: bool = False,
                renderers: Renderers = MONTH) -> list[tuple]:
    for kind in sorted({c.kind for c in contexts} | {"rep", "team"}):
        (folder / KIND_FOLDERS[kind]).mkdir(parents=True, exist_ok=True)
    progress = bar(len(contexts), "Reports", unit="report")
    results = in_chunks(partial(_render_chunk, folder=str(folder), formats=tuple(formats), staged=staged,
                                renderers=renderers), contexts, jobs, progress.update)
    progress.close()
    return results


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_manifest(folder: Path, md: MonthData, plan: RunPlan, contexts: list, facts, ok: dict, merge: bool) -> None:
    """manifest.json: each report made, its recipients, highlights and files (with their hashes),
    what ``send`` mails; an --only run merges its reports into the old manifest."""
    by_key = {(c.kind, c.key): c for c in contexts}
    deliveries = [_delivery(folder, by_key[(kind, key)], files, plan.title) for (kind, key), files in sorted(ok.items())]
    manifest_path = folder / "manifest.json"
    if merge and manifest_path.exists():
        old = json.loads(manifest_path.read_text())
        keep = [d for d in old.get("deliveries", []) if (d["kind"], d["key"]) not in by_key]   # tried now
        deliveries = sorted(keep + deliveries, key=lambda d: (d["kind"], d["key"]))
    manifest = {**plan.head(facts), "language": facts.lang, "workbook": str(md.data.path),
                "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "deliveries": deliveries}
    write_text_atomic(manifest_path, json.dumps(manifest, indent=2))


def _delivery(folder: Path, c, files: list[Path], title) -> dict:
    """One report's entry in the manifest: whom it goes to (a rep's: the rep, cc the manager; a
    team's: the manager; the company's: no one, it is linked from the dashboard)."""
    if c.kind == "rep":
        to, name, cc, reply = c.rep.email, c.rep.name, c.rep.manager_email, c.rep.manager_email
    elif c.kind == "team":
        to, name, cc, reply = c.team.manager_email, c.team.manager, None, c.team.manager_email
    else:
        to, name, cc, reply = None, None, None, None
    first = c.sales[0]
    highlights = {"actual": first.actual, "target": first.target, "attainment": attainment_of(first.actual, first.target)}
    card = getattr(c, "scorecard", None)
    if c.kind == "rep" and card is not None:
        commission = getattr(c, "commission", None)
        highlights.update(score=card.score, status=card.status, rank=card.rank, team_size=card.team_size,
                          to_pay=commission.paid if commission else None)
    return {"kind": c.kind, "key": c.key, "name": name, "to": to, "cc": cc, "reply_to": reply, "title": title(c),
            "highlights": highlights,
            "files": [{"path": str(f.relative_to(folder)), "format": f.suffix[1:], "sha256": sha256(f)}
                      for f in sorted(files)]}


def _month_extras(folder: Path, facts) -> None:
    _summary_workbook(folder / "summary.xlsx", facts)
    write_figures(folder, facts)


SUMMARY_HEADERS = ("kind", "rep or team", "name", "team", "actual", "target", "attainment", "score", "status", "rank")


def _summary_workbook(path: Path, facts) -> None:
    from workbooks.files import atomic_path
    with atomic_path(path) as tmp:
        wb = new_workbook(tmp)
        cw = CellWriter(wb)
        ws = wb.add_worksheet("Summary")
        t = language(facts.lang)
        for j, h in enumerate(SUMMARY_HEADERS):
            ws.write_string(0, j, t(h), cw.fmt(HEADER))
            ws.set_column(j, j, 14 if j != 2 else 24)
        ws.freeze_panes(1, 2)
        r = 0
        for c in facts.reps:
            r += 1
            m = c.sales[0]
            cw.row(ws, r, [t("rep"), c.key, c.rep.name, c.rep.team, m.actual, m.target],
                   [None, None, None, None, MONEY, MONEY])
            cw.attainment(ws, r, 6, "E", "F", m.actual, m.target)
            cw.cell(ws, r, 7, c.scorecard.score, PERCENT)
            cw.cell(ws, r, 8, t.term(c.scorecard.status))
            cw.cell(ws, r, 9, c.scorecard.rank)
        for c in facts.teams:
            r += 1
            m = c.sales[0]
            cw.row(ws, r, [t("team"), c.key, c.team.manager, c.key, m.actual, m.target],
                   [None, None, None, None, MONEY, MONEY])
            cw.attainment(ws, r, 6, "E", "F", m.actual, m.target)
        if r:
            ws.autofilter(0, 0, r, len(SUMMARY_HEADERS) - 1)
        _forecast_sheet(wb, cw, forecast_rows(facts))
        _coaching_sheet(wb, cw, facts)
        wb.close()


def _forecast_sheet(wb, cw: CellWriter, rows: list[dict]) -> None:
    """The open month's forecast for finance and other tools (docs/forecast.md): one row per
    period, level (company, team, rep) and key; the columns keep their ids in every language."""
    if not rows:
        return
    ws = wb.add_worksheet("Forecast")
    for j, h in enumerate(FORECAST_COLUMNS):
        ws.write_string(0, j, h, cw.fmt(HEADER))
        ws.set_column(j, j, 14)
    for i, row in enumerate(rows, 1):
        cw.row(ws, i, [row[c] for c in FORECAST_COLUMNS], [None, None, None] + [MONEY] * (len(FORECAST_COLUMNS) - 3))
    ws.freeze_panes(1, 3)
    ws.autofilter(0, 0, len(rows), len(FORECAST_COLUMNS) - 1)


COACHING_HEADERS = ("rep_id", "focus", "measure", "rep_value", "team_median", "target")   # for other tools: ids


def _coaching_sheet(wb, cw: CellWriter, facts) -> None:
    """Each rep's focus (addin.engine.coaching), one row each, the largest gap first: the figures as
    numbers (a rate as a fraction), blank where there is no team median or target."""
    ws = wb.add_worksheet("Coaching")
    for j, h in enumerate(COACHING_HEADERS):
        ws.write_string(0, j, h, cw.fmt(HEADER))
        ws.set_column(j, j, 22 if j in (1, 2) else 14)
    ws.freeze_panes(1, 1)
    rows = [(c.key, f) for c in facts.reps for f in c.coaching]
    for r, (rep_id, f) in enumerate(rows, start=1):
        cw.row(ws, r, [rep_id, f.focus, f.measure, f.rep_value, f.team_median, f.target])
    if rows:
        ws.autofilter(0, 0, len(rows), len(COACHING_HEADERS) - 1)
