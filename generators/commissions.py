"""`salesdesk commissions` and `salesdesk reconcile`: statements, finance summary, and the
reconciliation of computed commission against what payroll paid."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

import pandas as pd

from addin.engine.commission import CommissionResult, compute
from addin.engine.money import cents_of
from workbooks.engine_args import commission_inputs
from workbooks.errors_report import write_errors_report
from workbooks.files import (atomic_path, exclusive, rebuilt, recover_folder, unique_stems,
                             write_text_atomic)
from workbooks.i18n import Language, language
from workbooks.reader import WorkbookError, read_workbook
from workbooks.schema import Problem
from workbooks.xlsxout import CellWriter, new_workbook
from workbooks.xlsxstyle import BOLD, BOLD_MONEY, HEADER, MONEY, STATUS_FILL, TITLE

from .dashboard import FINANCE_SUMMARY, write_dashboard
from .exits import DONE, FINISHED_WITH_PROBLEMS
from .ledger import Ledger, PeriodClosed
from .monthdata import MonthData, batch_problem, rep_failures
from .progress import timed
from .statement_model import Statement, statement
from .statement_pdf import finance_pdf, statement_pdf
from .statements import KIND_LABEL, write_finance_summary, write_statement
from .typeset import TypesetError, makeable
from .workers import in_chunks

COMMISSION_LEDGER = "commission-ledger.sqlite"


@dataclass
class CommissionRun:
    month: str
    folder: Path
    result: CommissionResult
    statements: list[Path] = field(default_factory=list)     # the statement workbooks
    pdfs: list[Path] = field(default_factory=list)
    made: int = 0                                            # reps with a statement (xlsx, PDF or both)
    left_out: list[str] = field(default_factory=list)        # reps without a statement
    problem_lines: list[str] = field(default_factory=list)   # one line per kind of thing left out or failed
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return FINISHED_WITH_PROBLEMS if (self.left_out or self.problem_lines) else DONE


def month_result(md: MonthData, ledger: Ledger, allow_closed: bool = False, month: str | None = None) -> CommissionResult:
    """The month (``md.month``, or ``month``: a quarter's or year's last month with data) as computed
    now, against the closed months in the ledger. For a month that is itself closed, the figures
    issued at closing stand (``allow_closed``), or it is refused."""
    month = month or md.month
    closed = ledger.closed_periods()
    if month in closed and not allow_closed:
        raise PeriodClosed(f"{month} was closed on {closed[month]}; its statements stand as issued")
    books = ledger.books(before=month)
    result = compute(commission_inputs(md.frames, md.quotas), month, books if len(books.summary) else None)
    if month in closed:
        issued = ledger.books(before=(pd.Period(month, "M") + 1).strftime("%Y-%m")).summary
        issued = issued[issued["period"] == month]
        result.summary = pd.concat([result.summary[result.summary["period"] != month], issued], ignore_index=True)
    return result


def run_commissions(md: MonthData, out: Path, formats=("xlsx", "pdf"), close: bool = False,
                    progress: Callable[[int], None] | None = None,
                    result: CommissionResult | None = None) -> CommissionRun:
    """The month's statements and finance summary in OUT/MONTH/commissions/, built beside the
    old folder and swapped in whole: the folder holds exactly this run's files (a rep left
    out has no statement from an earlier run). A refused --close writes nothing."""
    out = Path(out)
    folder = out / md.month / "commissions"
    with exclusive(out, "commissions"):
        recover_folder(folder)
        ledger = Ledger(out / COMMISSION_LEDGER)
        if close:
            ledger.check_can_close(md.month)
        if result is None or md.month in ledger.closed_periods():
            with timed("Computing"):
                result = month_result(md, ledger)
        run = CommissionRun(md.month, folder, result)
        with rebuilt(folder) as staging:
            _write_statements(md, run, staging, formats, progress)
        run.statements = [folder / p.name for p in run.statements]
        run.pdfs = [folder / p.name for p in run.pdfs]
        if close:
            ledger.close(md.month, result.lines, result.summary, str(md.data.path))
            run.notes.append(f"{md.month} closed in {ledger.path}")
        write_dashboard(out / md.month)     # the month's page links the statements now
    return run


def _write_statements(md: MonthData, run: CommissionRun, folder: Path, formats, progress) -> None:
    """The statements (xlsx and/or PDF), the finance summary and errors.xlsx into ``folder``."""
    result = run.result
    failed = {rep for rep, _ in result.problems}
    run.left_out = sorted(set(md.bad_reps) | failed)
    errors_path = run.folder / "errors.xlsx"
    run.problem_lines = md.left_out_lines(errors_path)
    if failed:
        run.problem_lines.append(f"{len(failed)} rep(s) not computed: {', '.join(sorted(failed))} (see {errors_path})")
    t = language(md.language)
    month_summary = result.summary[result.summary["period"] == md.month]
    summary = month_summary.assign(name=month_summary["rep_id"].map(md.frames["Reps"].set_index("rep_id")["name"]))
    statements = _statements(md, month_summary, result.lines[result.lines["period"] == md.month])
    missing = _statement_files(run, statements, folder, formats, t, progress)
    run.made = len({p.stem for p in run.statements + run.pdfs})
    write_finance_summary(folder / FINANCE_SUMMARY, summary, md.month, run.left_out, t)
    extra = rep_failures(md) + [_problem("rep_id", rep, msg, "fix the data and run again")
                                for rep, msg in result.problems]
    extra += [_problem("file", name, f"PDF not made: {why}", "a PDF of the statement") for name, why in missing]
    if missing:
        run.problem_lines.append(f"{len(missing)} statement PDF(s) not made: {missing[0][1]} (see {errors_path})")
    if "pdf" in formats:
        why = _finance_pdf(folder / FINANCE_SUMMARY, summary, md.month, run.left_out, t, missing)
        if why:
            extra.append(_problem("file", Path(FINANCE_SUMMARY).with_suffix(".pdf").name, f"PDF not made: {why}",
                                  "a PDF of the finance summary"))
            run.problem_lines.append(f"finance-summary.pdf not made: {why} (see {errors_path})")
    if md.problems or extra:
        write_errors_report(md.problems, folder / "errors.xlsx", extra)


def _statement_files(run: CommissionRun, statements: list[tuple[str, Statement]], folder: Path, formats,
                     t: Language, progress) -> list[tuple[str, str]]:
    """Each statement's files, written in worker processes; (PDF name, why) for each PDF not made.
    A missing font is found once, before the workers start: then no statement gets a PDF."""
    wanted, why_no_pdf = makeable(formats)
    done = [f for files in in_chunks(partial(_statement_chunk, folder=str(folder), formats=wanted, lang=t.code),
                                     statements, progress=progress) for f in files]
    run.statements = sorted(folder / name for name, _ in done if name.endswith(".xlsx"))
    run.pdfs = sorted(folder / name for name, error in done if name.endswith(".pdf") and error is None)
    if why_no_pdf:
        return [(f"{stem}.pdf", why_no_pdf) for stem, _ in statements]
    return sorted((name, error) for name, error in done if error is not None)


def _statements(md: MonthData, month_summary: pd.DataFrame, month_lines: pd.DataFrame) -> list[tuple[str, Statement]]:
    """Each computed rep's statement with its file stem (unique among the workbook's reps)."""
    reps = md.frames["Reps"].set_index("rep_id")
    lines_by_rep = dict(tuple(month_lines.groupby("rep_id", sort=False)))
    stems = unique_stems(md.data.frames["Reps"]["rep_id"].dropna())
    made = []
    for rec in month_summary.to_dict("records"):
        rep_id = rec["rep_id"]
        rep = {"rep_id": rep_id, "name": reps.loc[rep_id, "name"], "team": rec["team"], "plan_id": rec["plan_id"]}
        made.append((stems[rep_id], statement(rep, rec, lines_by_rep.get(rep_id, month_lines.iloc[0:0]), md.month)))
    return made


def _finance_pdf(workbook: Path, summary: pd.DataFrame, month: str, left_out: list[str], t: Language,
                 missing: list) -> str | None:
    """The finance summary's PDF beside its workbook; why it was not made, or None. Not made when
    statement PDFs are missing: finance would get totals without the statements behind them."""
    if missing:
        return f"{len(missing)} statement PDF(s) were not made"
    try:
        workbook.with_suffix(".pdf").write_bytes(finance_pdf(summary, month, left_out, t))
    except TypesetError as exc:
        return str(exc)
    return None


def _problem(column: str, value: str, problem: str, expected: str) -> Problem:
    return batch_problem("(commissions)", column, value, problem, expected)


def _statement_chunk(items: list[tuple[str, Statement]], folder: str, formats: tuple[str, ...],
                     lang: str) -> list[list[tuple[str, str | None]]]:
    """Worker: each statement's files, as (file name, why it was not made or None). The folder is
    a staging folder swapped in whole, so files are written directly."""
    t, done = language(lang), []
    for stem, st in items:
        files = []
        if "xlsx" in formats:
            write_statement(Path(folder) / f"{stem}.xlsx", st, t)
            files.append((f"{stem}.xlsx", None))
        if "pdf" in formats:
            try:
                (Path(folder) / f"{stem}.pdf").write_bytes(statement_pdf(st, t))
                files.append((f"{stem}.pdf", None))
            except TypesetError as exc:
                files.append((f"{stem}.pdf", str(exc)))
        done.append(files)
    return done


# --- reconciliation ---------------------------------------------------------------------

STATUSES = ("matched", "underpaid", "overpaid", "missing in payroll", "unknown rep", "not computed")


def read_payroll(md: MonthData, payroll_file: Path | None) -> pd.DataFrame:
    if payroll_file is None:
        return md.frames["Payroll"]
    data = read_workbook(payroll_file, sheets=["Payroll"])
    data.raise_for_errors()
    if "Payroll" not in data.frames:
        raise WorkbookError([Problem("Payroll", None, None, None, f"{payroll_file} has no Payroll sheet",
                                     "a sheet named Payroll with the month's paid commission per rep "
                                     "(docs/workbook.md, Payroll)")])
    return data["Payroll"]


def reconcile(md: MonthData, result: CommissionResult, payroll: pd.DataFrame) -> pd.DataFrame:
    """Computed vs paid per rep for the month; difference = paid - computed, to the cent."""
    month = md.month
    computed = result.summary[result.summary["period"] == month][["rep_id", "paid_cents"]].rename(
        columns={"paid_cents": "computed_cents"})
    paid = payroll[payroll["period"] == month]
    paid = pd.DataFrame({"rep_id": paid["rep_id"],
                         "paid_cents": cents_of(paid["paid_commission"].to_numpy())})   # half-up, as every amount
    paid = paid.groupby("rep_id", as_index=False)["paid_cents"].sum()
    table = computed.merge(paid, on="rep_id", how="outer")
    known = set(md.data["Reps"]["rep_id"])
    not_computed = set(md.bad_reps) | {rep for rep, _ in result.problems}
    status = []
    for rep, comp, pay in table[["rep_id", "computed_cents", "paid_cents"]].itertuples(index=False):
        if rep not in known:
            status.append("unknown rep")
        elif rep in not_computed:
            status.append("not computed")
        elif pd.isna(pay):
            status.append("matched" if comp == 0 else "missing in payroll")
        elif pd.isna(comp):
            status.append("overpaid" if pay > 0 else "matched")
        elif pay == comp:
            status.append("matched")
        else:
            status.append("underpaid" if pay < comp else "overpaid")
    table["status"] = status
    table["computed_cents"] = table["computed_cents"].where(table["status"] != "not computed")
    table["difference_cents"] = table["paid_cents"].fillna(0) - table["computed_cents"].fillna(0)
    reps = md.data["Reps"].set_index("rep_id")
    table["name"] = table["rep_id"].map(reps["name"])
    table["team"] = table["rep_id"].map(reps["team"])
    order = {s: i for i, s in enumerate(STATUSES[1:] + STATUSES[:1])}
    return table.sort_values(["status", "rep_id"], key=lambda c: c.map(order) if c.name == "status" else c).reset_index(drop=True)


RECONCILIATION_HEADERS = ("rep", "name", "team", "computed", "paid", "difference (paid - computed)", "status", "lines")
LINE_DETAIL_HEADERS = ("rep", "kind", "order", "original order", "credited amount", "rate", "commission", "note")


def write_reconciliation(path: Path, table: pd.DataFrame, lines: pd.DataFrame, month: str,
                         t: Language = language()) -> None:
    flagged = table[table["status"] != "matched"]
    drill = lines[lines["rep_id"].isin(flagged["rep_id"])].sort_values(["rep_id", "kind"])
    with atomic_path(path) as tmp:
        wb = new_workbook(tmp)
        cw = CellWriter(wb)
        ws = wb.add_worksheet("Reconciliation")
        dl = wb.add_worksheet("Lines")
        ws.write_string(0, 0, t("Commission reconciliation, {month}", month=t.month(month)), cw.fmt(TITLE))
        for j, h in enumerate(RECONCILIATION_HEADERS):
            ws.write_string(2, j, t(h), cw.fmt(HEADER))
        for j, w in enumerate([10, 22, 10, 13, 13, 16, 18, 10]):
            ws.set_column(j, j, w)
        ws.freeze_panes(3, 0)
        for j, h in enumerate(LINE_DETAIL_HEADERS):
            dl.write_string(0, j, t(h), cw.fmt(HEADER))
        first_line = {}
        for i, rec in enumerate(drill.itertuples(index=False), start=1):
            first_line.setdefault(rec.rep_id, i + 1)
            cw.row(dl, i, [rec.rep_id, t(KIND_LABEL.get(rec.kind, rec.kind)), rec.order_id, rec.source_order_id,
                           None if pd.isna(rec.credited_cents) else rec.credited_cents / 100,
                           rec.rate_micro / 1e6 if rec.rate_micro else None, rec.commission_cents / 100,
                           t.term(rec.note)])
        red = cw.fmt(STATUS_FILL["red"])
        for i, rec in enumerate(table.to_dict("records")):
            r = 3 + i
            cw.text(ws, r, 0, str(rec["rep_id"]))
            cw.cell(ws, r, 1, rec["name"] if isinstance(rec["name"], str) else None)
            cw.cell(ws, r, 2, rec["team"] if isinstance(rec["team"], str) else None)
            for j, key in ((3, "computed_cents"), (4, "paid_cents")):
                if pd.notna(rec[key]):
                    ws.write_number(r, j, rec[key] / 100, cw.fmt(MONEY))
            ws.write_formula(r, 5, f"=N(E{r + 1})-N(D{r + 1})", cw.fmt(MONEY), rec["difference_cents"] / 100)
            ws.write_string(r, 6, t.term(rec["status"]), red if rec["status"] != "matched" else None)
            if rec["rep_id"] in first_line:
                ws.write_url(r, 7, f"internal:'Lines'!A{first_line[rec['rep_id']]}", string=t("see lines"))
        last = 3 + len(table)
        ws.write_string(last, 0, t("Total"), cw.fmt(BOLD))
        for j, key in ((3, "computed_cents"), (4, "paid_cents"), (5, "difference_cents")):
            col = "DEF"[j - 3]
            ws.write_formula(last, j, f"=SUM({col}4:{col}{last})", cw.fmt(BOLD_MONEY), table[key].fillna(0).sum() / 100)
        ws.conditional_format(3, 5, max(3, last - 1), 5, {"type": "cell", "criteria": "!=", "value": 0, "format": red})
        wb.close()


def run_reconcile(md: MonthData, out: Path, payroll_file: Path | None = None,
                  result: CommissionResult | None = None) -> tuple[Path, pd.DataFrame]:
    if result is None:
        result = month_result(md, Ledger(Path(out) / COMMISSION_LEDGER), allow_closed=True)
    table = reconcile(md, result, read_payroll(md, payroll_file))
    path = Path(out) / md.month / "reconciliation.xlsx"
    write_reconciliation(path, table, result.lines[result.lines["period"] == md.month], md.month, language(md.language))
    counts = table["status"].value_counts().to_dict()
    write_text_atomic(path.with_suffix(".json"), json.dumps({
        "month": md.month, "counts": counts,
        "computed_total": f"{table['computed_cents'].fillna(0).sum() / 100:.2f}",
        "paid_total": f"{table['paid_cents'].fillna(0).sum() / 100:.2f}",
        "flagged": table[table["status"] != "matched"][["rep_id", "status", "difference_cents"]].astype(
            {"difference_cents": float}).to_dict("records")}, indent=2, default=str))
    write_dashboard(Path(out) / md.month)
    return path, table
