"""The jobs behind the batch commands, callable from Python: load a month, make its reports,
statements and reconciliation, send and post it, or run the whole demo.

Each job takes plain arguments and an optional ``say`` callback (a line for the user) or
``progress`` (a counter's factory) and returns a result with its ``exit_code``; it never prints
and never exits; JobError is a stop with one line. ``chat.post_month`` is the job of ``post``. The command line
(``generators.cli``) is parse -> job -> print. Every job that writes into OUT holds OUT's lock
(``workbooks.files.exclusive``) while it writes; those that rebuild a folder (the month's
reports, the statements) build it beside the old one and swap it in whole.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from workbooks.files import exclusive

from .exits import DONE, FINISHED_WITH_PROBLEMS, FOUND_DIFFERENCES

Say = Callable[[str], None]
FORMATS = {"reports": ("xlsx", "html", "pdf"), "commissions": ("xlsx", "pdf")}
DRY_RUN_SENDER = "reports@salesdesk.invalid"     # the From of a dry run's mail when none is set


class JobError(Exception):
    """Nothing was done: one line saying why (the command line exits STOPPED)."""


def _quiet(line: str) -> None:
    pass


def parse_formats(text: str, command: str) -> tuple[str, ...]:
    """``--formats`` as the formats it names (checked before anything is read), or ValueError
    with the one line saying which the command makes."""
    allowed = FORMATS[command]
    wanted = tuple(f.strip().lower() for f in str(text).split(",") if f.strip())
    bad = [f for f in wanted if f not in allowed]
    if bad or not wanted:
        raise ValueError(f"unknown format(s) {', '.join(bad) or repr(text)}; use {', '.join(allowed)}")
    return wanted


def needs(md, sheet: str, command: str, otherwise: str) -> None:
    """JobError when the workbook lacks the sheet the command works from."""
    if sheet not in md.data.frames:
        raise JobError(f"salesdesk {command}: the workbook has no {sheet} sheet: {otherwise} "
                       f"(docs/workbook.md, {sheet}); nothing was written")


# --- reports -------------------------------------------------------------------------------

def commission_summary(md, out: Path, month: str | None = None):
    """The month's (or ``month``'s: a quarter's or year's last month with data) commission summary
    for the reports (the engine's, against OUT's ledger), or None without a Plans sheet."""
    from .commissions import COMMISSION_LEDGER, month_result
    from .ledger import Ledger

    if "Plans" in md.missing:
        return None
    return month_result(md, Ledger(Path(out) / COMMISSION_LEDGER), allow_closed=True, month=month).summary


def reports_job(md, out: Path, formats: tuple[str, ...], jobs: int | None = None, only=(), commission=None,
                say: Say = _quiet):
    """Every rep's and team's report for the month in OUT/MONTH/ (``reports.run_reports``); the
    commission from ``commission`` (a computed result) or computed beside the report facts."""
    from .reports import run_reports

    _check_only(md, only, say)
    if commission is not None:
        summary = commission.summary
    else:   # computed under the folder's lock, with the report facts (bench/RESULTS.md, issue 27:
        # forking it beside them saved 3-4% of the run, inside the noise, so it is not done)
        summary = lambda: commission_summary(md, Path(out))  # noqa: E731
    return run_reports(md, Path(out), formats, jobs, list(only) or None, summary)


def period_reports_job(md, period, out: Path, formats: tuple[str, ...], jobs: int | None = None, only=(),
                       say: Say = _quiet):
    """Every rep's and team's report for a week, quarter or year in OUT/PERIOD/ (``period_run``)."""
    from .period_run import run_period_reports

    _check_only(md, only, say)
    return run_period_reports(md, period, Path(out), formats, jobs, list(only) or None)


def _check_only(md, only, say: Say) -> None:
    """An --only name no rep or team of the workbook has stops the run before anything is written
    (as post's --only does); then the optional sheets the workbook lacks are said once."""
    from .report_model import MISSING_NOTES
    from .reports import report_stems

    known = {str(key) for stems in report_stems(md).values() for key in stems}   # every rep and team listed
    unknown = sorted(set(only) - known)
    if unknown:
        raise JobError(f"salesdesk reports: --only {', '.join(map(repr, unknown))}: no rep_id or team by that name "
                       "in the workbook; nothing was written")
    for sheet in md.missing:      # once for the run; each report says it too
        say(f"  {MISSING_NOTES[sheet]}")


def report_lines(run) -> list[str]:
    """What a reports run tells the user: what was made, where the month page is, what was left out."""
    from collections import Counter

    lines = [f"{run.reports} reports ({len(run.written)} files) for {run.month} in {run.folder}"]
    page = run.folder / "index.html"
    lines.append(f"  index: {page}" if page.exists() else
                 "  no dashboard (index.html) yet: a run without --only draws it, with every report")
    lines += ["  " + note for note in run.notes + run.left_out]
    # one line per kind of failure; a PDF not made says why (the same reason for every report)
    kinds = Counter(f.problem if f.problem.startswith("PDF not made") else f.problem.split(":")[0]
                    for f in run.failures)
    lines += [f"  {n} x {kind} (see {run.folder / 'errors.xlsx'})" for kind, n in kinds.most_common()]
    return lines


# --- commissions -----------------------------------------------------------------------------

def commissions_job(md, out: Path, formats: tuple[str, ...], close: bool = False, progress: Callable | None = None):
    """The month's statements and finance summary (``commissions.run_commissions``, under OUT's
    lock); ``progress(total)`` starts a progress counter. JobError without a Plans sheet, or
    when the month was closed before and --close asks again."""
    from .commissions import run_commissions
    from .ledger import PeriodClosed

    needs(md, "Plans", "commissions", "there is nothing to compute")
    steps = progress(len(md.frames["Reps"])) if progress else None
    try:
        return run_commissions(md, Path(out), formats, close, progress=steps.update if steps else None)
    except PeriodClosed as exc:
        raise JobError(f"salesdesk commissions: {exc}; nothing was written") from None
    finally:
        if steps is not None:
            steps.close()


# --- reconciliation ------------------------------------------------------------------------

@dataclass
class ReconcileRun:
    month: str
    path: Path
    table: object                       # the reconciliation table (pandas), a row per rep
    left_out: list[str] = field(default_factory=list)

    @property
    def flagged(self):
        return self.table[self.table["status"] != "matched"]

    @property
    def exit_code(self) -> int:
        """1 when reps or rows were left out, else 4 when payroll differs, else 0."""
        return FINISHED_WITH_PROBLEMS if self.left_out else FOUND_DIFFERENCES if len(self.flagged) else DONE

    def lines(self) -> list[str]:
        counts = self.table["status"].value_counts()
        out = [f"Reconciliation for {self.month}: " + ", ".join(f"{n} {s}" for s, n in counts.items())]
        out += [f"  {r['rep_id']:<8} {r['status']:<20} difference {r['difference_cents'] / 100:>12,.2f}"
                for r in self.flagged.to_dict("records")]
        return out + [f"Written to {self.path}"] + self.left_out


def reconcile_job(md, out: Path, payroll: Path | None = None, result=None) -> ReconcileRun:
    """Computed commission against payroll, written to OUT/MONTH/reconciliation.xlsx under OUT's lock."""
    from .commissions import run_reconcile

    needs(md, "Plans", "reconcile", "there is no commission to reconcile")
    if payroll is None:
        needs(md, "Payroll", "reconcile", "give --payroll FILE, a workbook with a Payroll sheet")
    with exclusive(Path(out), "reconcile"):
        path, table = run_reconcile(md, Path(out), payroll, result)
    return ReconcileRun(md.month, path, table, md.left_out_lines(path.parent / "errors.xlsx"))


# --- mail ----------------------------------------------------------------------------------

def send_job(folder: Path, month: str, overrides: dict, only: set[str] | None = None, dry_run: bool = False,
             resend: bool = False, progress: Callable | None = None):
    """The month's mail from FOLDER/MONTH/manifest.json, under FOLDER's lock: over SMTP, checked
    once before the first message, or (``dry_run``) as .eml files in FOLDER/MONTH/outbox/.
    ``progress(total)`` starts a progress callback (with ``close``) once there is something to
    send. JobError when nothing can be sent (the settings, the server, the login)."""
    from .dashboard import write_dashboard
    from .mail import MAIL_LEDGER, MailConfigError, MailLedger, build_messages, load_settings, send_all
    from .mail_transport import FatalSmtpError, OutboxTransport, SmtpTransport

    try:
        settings = load_settings(overrides, default_sender=DRY_RUN_SENDER if dry_run else None)
    except MailConfigError as exc:
        raise JobError(f"salesdesk send: {exc}") from None
    with exclusive(Path(folder), "send"):          # the month is read under the lock too
        try:
            items = build_messages(Path(folder) / month, month, settings, only)
        except MailConfigError as exc:
            raise JobError(f"salesdesk send: {exc}") from None
        transport = OutboxTransport(Path(folder) / month / "outbox") if dry_run else SmtpTransport(settings)
        ledger = None if dry_run else MailLedger(Path(folder) / MAIL_LEDGER)
        steps = None
        try:
            if not dry_run and any(not item.problem for item in items):
                transport.check()      # one line now, not a time-out per message
            steps = progress(len(items)) if progress else None
            summary = send_all(items, transport, month, ledger, settings, resend=resend, progress=steps)
        except FatalSmtpError as exc:
            raise JobError(f"salesdesk send: {exc}") from None
        finally:
            if steps is not None:
                steps.close()
            if ledger:
                ledger.close()
        if dry_run:
            write_dashboard(Path(folder) / month)    # the month's page links the outbox
    return summary


# --- the demo ------------------------------------------------------------------------------

def demo_job(out: Path, formats: tuple[str, ...], load_month: Callable, say: Say = _quiet) -> int:
    """The monthly job end to end on the demo data: the workbook, every report, the statements,
    the reconciliation, a dry run of the mail and of the chat posts, the planning workbook, a
    week's review and a quarter's summaries, and the month page; the worst exit code of the runs."""
    from workbooks import demo as demo_data, planning_book

    from .commissions import COMMISSION_LEDGER, month_result, run_commissions
    from .dashboard import write_dashboard
    from .ledger import Ledger

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    book, month = out / "demo-sales.xlsx", demo_data.DEFAULT_END
    say(f"1. Demo workbook: {book}")
    make_demo_workbook(book)
    md = load_month(book, month)
    say(f"   {sum(len(f) for f in md.data.frames.values()):,} rows, {len(md.data.errors)} errors")
    say(f"2. Monthly reports for {month}:")
    commission = month_result(md, Ledger(out / COMMISSION_LEDGER), allow_closed=True)   # computed once, used thrice
    run = reports_job(md, out, formats, commission=commission, say=say)
    for line in report_lines(run):
        say(line)
    say("3. Commission statements:")
    co = run_commissions(md, out, ("xlsx", "pdf") if "pdf" in formats else ("xlsx",), result=commission)
    say(f"   {co.made} statements ({len(co.statements)} xlsx, {len(co.pdfs)} PDFs) in {co.folder}")
    rec = reconcile_job(md, out, result=commission)
    say(f"4. Reconciliation against payroll: {rec.path}")
    say(f"   {len(rec.flagged)} flagged: " + ", ".join(f"{r} {s}" for r, s in zip(rec.flagged["rep_id"],
                                                                                    rec.flagged["status"])))
    _demo_deliveries(out, month, say)
    plan = out / "planning.xlsx"
    frames = md.data.frames
    planning_book.write(planning_book.build(frames, int(month[:4]), month, lang=md.language), plan, frames)
    say(f"7. Planning workbook with SalesDesk formulas: {plan}")
    codes = [run.exit_code, co.exit_code, *_demo_periods(book, month, out, formats, load_month, say)]
    page = write_dashboard(out / month)
    say(f"Done. Open the month at a glance: {page.resolve() if page else (out / month).resolve()}")
    return max(codes)


def demo_periods(month: str) -> tuple[str, str]:
    """The demo's week and quarter: the ISO week of the month's last day (its weekly review, with
    the forecast) and the last quarter closed by the month's end (its summaries)."""
    from .periods import parse_period

    last = parse_period(month).last
    year, week, _ = last.isocalendar()
    m = int(month[5:7])
    q_year, quarter = (int(month[:4]), m // 3) if m % 3 == 0 else (int(month[:4]), (m - 1) // 3)
    if quarter == 0:
        q_year, quarter = q_year - 1, 4
    return f"{year}-W{week:02d}", f"{q_year}-Q{quarter}"


def _demo_periods(book: Path, month: str, out: Path, formats, load_month: Callable, say: Say) -> list[int]:
    """8. The weekly review and the quarter's summaries of the demo (``demo_periods``)."""
    from .periods import parse_period

    say("8. The weekly review and the quarter's summaries:")
    codes = []
    for key in demo_periods(month):
        period = parse_period(key)
        run = period_reports_job(load_month(book, key, period=period), period, out, formats, say=say)
        codes.append(run.exit_code)
        for line in report_lines(run):
            say(line)
    return codes


def _demo_deliveries(out: Path, month: str, say: Say) -> None:
    """The demo's mail and chat posts, as dry runs: .eml files and the requests' JSON."""
    from workbooks.files import write_text_atomic

    from .chat import example_config, post_month
    from .chat_message import read_figures
    from .delivery import CONFIG_FILE

    mailed = send_job(out, month, {"finance": "finance@example.com"}, dry_run=True)
    say(f"5. Mail (dry run, no server needed): {len(mailed.sent)} messages written as .eml files to "
        f"{out / month / 'outbox'}" + (f"; {len(mailed.skipped)} skipped" if mailed.skipped else ""))
    config = out / CONFIG_FILE
    write_text_atomic(config, example_config([row["team"] for row in read_figures(out / month, month)["teams"]]))
    posted, outbox = post_month(out, month, config, dry_run=True, environ={})
    say(f"6. Chat (dry run, example chats in {config}): {len(posted.sent)} posts written as requests to "
        f"{outbox}" + (f"; {len(posted.skipped)} skipped" if posted.skipped else ""))


def make_demo_workbook(path: Path, reps=40, teams=5, months=24, seed=7, end=None) -> None:
    from workbooks import demo as demo_data
    from workbooks.salesbook import write_sales_workbook

    from .progress import Steps

    frames = demo_data.build(reps=reps, teams=teams, months=months, seed=seed, end=end or demo_data.DEFAULT_END)
    steps = Steps("Writing", total=len(frames), unit="sheet")
    write_sales_workbook(frames, path, progress=steps)
    steps.close()
