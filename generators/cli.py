"""The ``salesdesk`` command line.

Only click and light modules are imported here: each command imports what it needs when it
runs, so ``salesdesk --version`` and ``--help`` answer at once, without pandas."""
from __future__ import annotations

import os
import signal
import sys
import tempfile
from pathlib import Path

import click

from workbooks.files import FolderBusy, write_text_atomic
from workbooks.i18n import LANGUAGES, check_language, settings_language
from workbooks.limits import MAX_ROWS, MAX_UNPACKED_MB
from workbooks.platforms import PLATFORMS

from .exits import DONE, FINISHED_WITH_PROBLEMS, INTERNAL_ERROR, STOPPED
from .delivery import CONFIG_FILE
from .jobs import JobError, make_demo_workbook

DOCS = Path(__file__).resolve().parent.parent / "docs"


class SalesDeskGroup(click.Group):
    """Every failure is one line and an exit code, never a traceback: a folder that cannot be
    written (STOPPED), and anything unexpected (INTERNAL_ERROR, the traceback in a log file)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("salesdesk: interrupted; nothing of this run was swapped in", err=True)
            sys.exit(130)
        except FolderBusy as exc:
            click.echo(f"salesdesk: {exc}", err=True)
            sys.exit(STOPPED)
        except JobError as exc:
            click.echo(str(exc), err=True)
            sys.exit(STOPPED)
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            click.echo(f"salesdesk: cannot read or write{where}: {exc.strerror or exc}; "
                       f"check the path and its permissions, or choose another --out", err=True)
            sys.exit(STOPPED)
        except Exception as exc:
            log = _log_crash()
            click.echo(f"salesdesk: unexpected error ({type(exc).__name__}: {' '.join(str(exc).split())[:300]}). "
                       f"This is a bug; the details are in {log}", err=True)
            sys.exit(INTERNAL_ERROR)


def _log_crash() -> Path:
    import datetime as dt
    import traceback

    from workbooks.cache import cache_dir

    folder = cache_dir() or Path(tempfile.gettempdir())
    try:
        folder = folder / "logs"
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir())
    path = folder / f"salesdesk-{dt.datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"
    path.write_text(f"salesdesk {' '.join(sys.argv[1:])}\n\n{traceback.format_exc()}")
    return path


def shared_options(**kwargs) -> list[click.Option]:
    """The options every command takes, before its name or after it (``salesdesk --lang zh-CN
    reports ...`` and ``salesdesk reports ... --lang zh-CN``): defined once, here."""
    return [
        click.Option(["--no-cache"], is_flag=True,
                     help="Read the workbook afresh, without the cache of parsed workbooks (~/.cache/salesdesk).",
                     **kwargs),
        click.Option(["--decimal-comma"], is_flag=True, help="Numbers stored as text use a decimal comma "
                     "(1.234,50); overrides the workbook's Settings sheet.", **kwargs),
        click.Option(["--max-unpacked-mb"], type=click.IntRange(1), default=MAX_UNPACKED_MB, show_default=True,
                     help="Refuse a workbook that unpacks to more than this.", **kwargs),
        click.Option(["--max-rows"], type=click.IntRange(1), default=MAX_ROWS, show_default=True,
                     help="Refuse a workbook with a sheet of more rows than this.", **kwargs),
        click.Option(["--lang"], type=click.Choice(LANGUAGES, case_sensitive=False), default=None,
                     help="Language of reports, statements, the dashboard, mail and the planning workbook "
                          "(default: the workbook's Settings sheet, else en).", **kwargs),
    ]


def _month(ctx, param, value: str | None) -> str | None:
    from .periods import check_month

    if value is None:        # reports: --period instead
        return None
    try:
        return check_month(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc).removeprefix("--month must be "), param_hint="--month") from None


# --month, read the one way (generators.periods) before anything is read
month_option = click.option("--month", required=True, metavar="YYYY-MM", callback=_month,
                            help="The month, e.g. 2026-10.")


def month_or_period_option(f):
    """--month YYYY-MM, or --period for a week, quarter or year (their reports' folder); one of them."""
    f = click.option("--period", default=None, metavar="PERIOD", callback=_period,
                     help="Instead of --month: a week 2026-W41, quarter 2026-Q3 or year 2026.")(f)
    return click.option("--month", default=None, metavar="YYYY-MM", callback=_month, help="The month, e.g. 2026-10.")(f)


def _one_of(month: str | None, period) -> str:
    """The folder key of --month or --period, whichever was given (exactly one)."""
    if (month is None) == (period is None):
        raise click.UsageError("give the month (--month 2026-10) or the period (--period 2026-Q3), one of them")
    return month if month is not None else period.key


def _period(ctx, param, value: str | None):
    from .periods import parse_period

    if value is None:
        return None
    try:
        return parse_period(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc).removeprefix("--period must be "), param_hint="--period") from None


def _given_after_the_command(ctx, param, value):
    """A shared option given after the command's name: it overrides the one given before."""
    from click.core import ParameterSource

    if ctx.get_parameter_source(param.name) in (None, ParameterSource.DEFAULT):
        return
    _apply_shared(ctx.find_root(), param.name, value)


def _apply_shared(root, name: str, value) -> None:
    settings = root.obj if isinstance(root.obj, dict) else {}
    if name == "no_cache":
        if value:
            from workbooks.cache import CACHE_ENV   # a command that reads a workbook loads it anyway
            os.environ[CACHE_ENV] = "off"
    elif name == "decimal_comma":
        if value:
            settings["decimal"] = ","
    else:
        settings[name] = value
    root.obj = settings


def _accept_shared_options(group: click.Group) -> None:
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _accept_shared_options(command)
        else:
            command.params.extend(shared_options(expose_value=False, callback=_given_after_the_command))


@click.group(cls=SalesDeskGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             params=shared_options())
@click.version_option(package_name="salesdesk", message="salesdesk %(version)s")
@click.pass_context
def main(ctx, no_cache: bool, decimal_comma: bool, max_unpacked_mb: int, max_rows: int, lang: str | None):
    """SalesDesk: sales targets, KPIs, customer tiers, commissions and monthly reports
    from one sales workbook.

    \b
    Start with:  salesdesk demo            (everything, on built-in demo data)
                 salesdesk validate BOOK   (check a workbook against the contract)

    \b
    Example: salesdesk reports sales.xlsx --month 2026-10 --out out/

    \b
    Exit codes: 0 done; 1 done, but something was left out or failed (the lines printed say
    what, errors.xlsx has every row); 2 stopped, nothing done (one line says why); 3 a bug
    (one line, and the log file with the details); 4 reconcile found payroll differences.
    """
    ctx.obj = {"decimal": None, "max_unpacked_mb": max_unpacked_mb, "max_rows": max_rows, "lang": lang}
    _apply_shared(ctx, "no_cache", no_cache)
    _apply_shared(ctx, "decimal_comma", decimal_comma)
    signal.signal(signal.SIGTERM, _terminate)   # finally-blocks run: staging folders removed, locks released


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def chosen_language() -> str | None:
    """The --lang given on the command line, or None (then the workbook's setting decides)."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    lang = root.obj.get("lang") if root is not None and isinstance(root.obj, dict) else None
    return check_language(lang) if lang else None


def read_options():
    """How to read workbooks (``workbooks.opening.ReadOptions``) as the command line says."""
    from workbooks.opening import ReadOptions

    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    if root is None or not isinstance(root.obj, dict):
        return ReadOptions()
    return ReadOptions(**{k: v for k, v in root.obj.items() if k in ("decimal", "max_unpacked_mb", "max_rows")})


def writable_folder(path: Path, option: str = "--out") -> Path:
    """``path`` as a folder this process can write in, or one line and STOPPED."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        click.echo(f"salesdesk: cannot write to {path} ({option}): {exc.strerror or exc}; choose a folder you can "
                   f"write in", err=True)
        sys.exit(STOPPED)
    return path


@main.command("demo-workbook", short_help='Write a demo sales workbook.')
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reps", default=40, show_default=True, help="Number of sales reps.")
@click.option("--teams", default=5, show_default=True, help="Number of teams.")
@click.option("--months", default=24, show_default=True, help="Months of history, ending --end.")
@click.option("--seed", default=7, show_default=True, help="Random seed; same seed, same workbook.")
@click.option("--end", default=None, metavar="YYYY-MM", help="Last month of data (default: 2026-10, the demo's).")
def demo_workbook(path: Path, reps: int, teams: int, months: int, seed: int, end: str):
    """Write a realistic, deterministic demo sales workbook to PATH.

    \b
    Example: salesdesk demo-workbook big.xlsx --reps 2000 --teams 40 --months 24"""
    make_demo_workbook(path, reps, teams, months, seed, end)
    click.echo(f"Demo workbook: {path}")


@main.command(short_help='Check a workbook against the contract.')
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--errors-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every problem to this .xlsx.")
@click.option("--limit", default=200, show_default=True, help="Most problems to print (all go to --errors-out).")
def validate(workbook: Path, errors_out: Path | None, limit: int):
    """Check WORKBOOK against the sales workbook contract (docs/workbook.md).

    Exit code 0: no errors; 1: errors (each listed with sheet, row and column); 2: the file
    cannot be read as a workbook at all.

    \b
    Example: salesdesk validate sales.xlsx --errors-out errors.xlsx"""
    from workbooks.errors_report import write_errors_report
    from workbooks.opening import WORKBOOK

    if errors_out:
        writable_folder(errors_out.parent, "--errors-out")
    data = load(workbook)
    print_problems(data.problems, limit)
    if errors_out:      # written either way: an old errors.xlsx never outlives the problems it listed
        write_errors_report(data.problems, errors_out)
        click.echo(f"Problems written to {errors_out}" if data.problems else f"No problems; {errors_out} lists none")
    n_err = len(data.errors)
    n_warn = len(data.problems) - n_err
    rows = sum(len(f) for f in data.frames.values())
    click.echo(f"{workbook}: {len(data.frames)} sheets, {rows:,} rows, {n_err} error(s), {n_warn} warning(s).")
    if any(p.sheet == WORKBOOK for p in data.errors):
        sys.exit(STOPPED)
    sys.exit(FINISHED_WITH_PROBLEMS if n_err else DONE)


@main.command("import", short_help="Build the sales workbook from CRM, ERP or shop exports.")
@click.argument("paths", nargs=-1, metavar="MAPPING.toml | --suggest FILE[#SHEET]...")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), metavar="XLSX|TOML",
              help="The workbook to write (with a MAPPING), or the draft mapping (with --suggest).")
@click.option("--suggest", is_flag=True, help="Draft a mapping from the files' headers and sample rows.")
def import_(paths: tuple[str, ...], out: Path | None, suggest: bool):
    """Read the exports a MAPPING.toml names (CSV, .xlsx, .xlsm, .xls, .ods; English or Chinese
    headers) and write the sales workbook, then check it like validate. With --suggest FILE...,
    write a draft mapping instead. The format, with an example: docs/import.md.

    Exit code 0: written and valid; 1: written, with problems the workbook check lists;
    2: nothing written (each problem in one line naming the mapping key and the source cell).

    \b
    Example: salesdesk import --suggest pipeline.csv teams.csv --out mapping.toml
             salesdesk import mapping.toml --out sales.xlsx"""
    from workbooks.importing import ImportProblems, file_and_sheet, run_mapping, write_imported
    from workbooks.import_suggest import suggest as draft_mapping

    if not paths:
        raise click.UsageError("give a MAPPING.toml, or --suggest FILE... for a draft of one")
    if not suggest and len(paths) > 1:
        raise click.UsageError("one MAPPING.toml at a time (--suggest takes several files)")
    for given in paths:
        if not file_and_sheet(given)[0].is_file():
            raise click.BadParameter(f"{file_and_sheet(given)[0]} does not exist", param_hint="PATHS")
    try:
        if suggest:
            text = draft_mapping(list(paths), out.parent if out else None)
            if out:
                writable_folder(out.parent, "--out")
                write_text_atomic(out, text)
                click.echo(f"Draft mapping: {out} (check it, then: salesdesk import {out} --out sales.xlsx)")
            else:
                click.echo(text, nl=False)
            return
        if out is None:
            raise click.UsageError("--out sales.xlsx is needed: where the workbook goes")
        writable_folder(out.parent, "--out")
        imported = run_mapping(Path(paths[0]), read_options().max_rows)
    except ImportProblems as exc:
        for line in exc.lines:
            click.echo(f"error: {line}", err=True)
        click.echo(f"stopped, nothing was written: {exc.count} problem(s) in the mapping or its sources",
                   err=True)
        sys.exit(STOPPED)
    for line in imported.warnings:
        click.echo(f"warning: {line}")
    write_imported(imported.frames, out)
    rows = sum(len(f) for f in imported.frames.values())
    click.echo(f"Wrote {out}: {', '.join(imported.frames)} ({rows:,} rows).")
    for line in imported.errors[:200]:
        click.echo(f"error: {line}")
    if len(imported.errors) > 200:
        click.echo(f"... and {len(imported.errors) - 200} more (salesdesk validate {out} --errors-out errors.xlsx)")
    click.echo(f"{out}: {len(imported.errors)} error(s) against the contract (docs/workbook.md).")
    sys.exit(FINISHED_WITH_PROBLEMS if imported.errors else DONE)


def load(workbook: Path):
    from workbooks import contract
    from workbooks.cache import read_workbook_cached

    from .progress import Steps

    steps = Steps("Reading", total=len(contract.SHEETS), unit="")
    try:
        return read_workbook_cached(workbook, progress=steps, options=read_options())
    finally:
        steps.close()


def load_clean(workbook: Path):
    """The workbook read and valid, or its problems printed and STOPPED (nothing written)."""
    data = load(workbook)
    if data.errors:
        print_problems(data.problems)
        click.echo(f"{workbook}: fix the errors above first (salesdesk validate {workbook}); nothing was written",
                   err=True)
        sys.exit(STOPPED)
    return data


def print_problems(problems, limit: int = 200) -> None:
    """One whole line per problem: where (sheet, row, column), the value, what is wrong and
    what was expected; nothing cut."""
    for p in problems[:limit]:
        click.echo(f"{p.severity}: {_one_line(str(p))}")
    if len(problems) > limit:
        click.echo(f"... and {len(problems) - limit} more (use --errors-out to get them all)")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _load_month(workbook: Path, month: str, allow_empty: bool = False, period=None):
    from workbooks import contract

    from .monthdata import BatchStopped, load_month
    from .progress import Steps

    steps = Steps("Reading", total=len(contract.SHEETS), unit="")
    try:
        return load_month(workbook, month, progress=steps, options=read_options(), allow_empty=allow_empty,
                          language=chosen_language(), period=period)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period" if period is not None else "--month") from None
    except BatchStopped as exc:
        steps.close()
        print_problems(exc.problems)
        click.echo(f"{workbook}: stopped, nothing was written: {len(exc.problems)} problem(s) above must be fixed "
                   f"first (salesdesk validate {workbook} --errors-out errors.xlsx lists every one)", err=True)
        sys.exit(STOPPED)
    finally:
        steps.close()


@main.command(short_help='Commission statements and a finance summary.')
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@month_option
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--formats", default="xlsx,pdf", show_default=True, metavar="xlsx,pdf",
              help="Statement formats, comma-separated: xlsx and/or pdf.")
@click.option("--close", is_flag=True, help="Close the month: store it in the ledger; it is never rewritten.")
@click.option("--allow-empty", is_flag=True, help="Run a month after the last order (a month just begun).")
def commissions(workbook: Path, month: str, out: Path, formats: str, close: bool, allow_empty: bool):
    """Commission statements per rep (xlsx, PDF) and a finance summary for the month.

    Exit code 0: all done; 1: something was left out (the lines printed say what; see
    errors.xlsx); 2: nothing done.

    \b
    Example: salesdesk commissions sales.xlsx --month 2026-10 --out out/ --close"""
    from .jobs import commissions_job
    from .progress import bar

    wanted = _formats(formats, "commissions")
    writable_folder(out)
    md = _load_month(workbook, month, allow_empty)
    run = commissions_job(md, out, wanted, close, progress=lambda total: bar(total, "Statements", unit="statement"))
    paid = run.result.summary.loc[run.result.summary["period"] == md.month, "paid_cents"].sum() / 100
    click.echo(f"{run.made} statements ({len(run.statements)} xlsx, {len(run.pdfs)} PDFs) in {run.folder}; "
               f"total to pay {paid:,.2f}")
    for note in run.notes + run.problem_lines:
        click.echo(note)
    sys.exit(run.exit_code)


@main.command(short_help='Computed commission against payroll, per rep.')
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@month_option
@click.option("--payroll", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A workbook with a Payroll sheet (default: the Payroll sheet of WORKBOOK).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
def reconcile(workbook: Path, month: str, payroll: Path | None, out: Path):
    """Computed commission against what payroll paid, per rep, with the lines behind it.

    Exit code 0 when everything matches; 4 when payroll differs for any rep (the rows printed);
    1 when a rep or row was left out (the lines printed say what); 2 when nothing was done.

    \b
    Example: salesdesk reconcile sales.xlsx --month 2026-10 --out out/ --payroll payroll.xlsx"""
    from workbooks.reader import WorkbookError

    from .jobs import reconcile_job

    writable_folder(out)
    md = _load_month(workbook, month)
    try:
        run = reconcile_job(md, out, payroll)
    except WorkbookError as exc:
        print_problems(exc.problems)
        click.echo(f"{payroll}: stopped, nothing was written: fix the Payroll problems above first", err=True)
        sys.exit(STOPPED)
    for line in run.lines():
        click.echo(line)
    sys.exit(run.exit_code)


@main.command(short_help="Each rep's and team's report for a period.")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--month", default=None, metavar="YYYY-MM", callback=_month, help="The month, e.g. 2026-10.")
@click.option("--period", default=None, metavar="PERIOD", callback=_period,
              help="Instead of --month: a week 2026-W41 (the weekly review), month 2026-10, quarter 2026-Q3 or "
                   "year 2026 (the summaries, with the company's) in OUT/PERIOD/.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--formats", default="xlsx,html,pdf", show_default=True, metavar="xlsx,html,pdf",
              help="Formats, comma-separated: any of xlsx, html, pdf.")
@click.option("--jobs", type=int, default=None, help="Worker processes (default: the number of cores).")
@click.option("--only", multiple=True, help="Only this rep_id or team (repeatable).")
@click.option("--allow-empty", is_flag=True, help="Run a month after the last order (a month just begun).")
def reports(workbook: Path, month: str | None, period, out: Path, formats: str, jobs: int | None,
            only: tuple[str, ...], allow_empty: bool):
    """Every rep's and team's monthly report (xlsx, HTML, PDF) in OUT/MONTH/; with --period a
    week's review (周报) or a quarter's or year's summaries (and the company's) in OUT/PERIOD/.

    Also index.html, summary.xlsx and manifest.json. Exit code 1 if any report, rep or row was
    left out (the lines printed say what; see errors.xlsx), 2 if nothing was done.

    \b
    Example: salesdesk reports sales.xlsx --month 2026-10 --out out/ --formats xlsx,pdf
    Example: salesdesk reports sales.xlsx --period 2026-Q3 --out out/"""
    from .jobs import report_lines, reports_job

    _one_of(month, period)
    if period is not None and period.kind == "month":
        month = period.key
    wanted = _formats(formats, "reports")          # before seconds of reading
    writable_folder(out)
    if month is None:
        from .jobs import period_reports_job

        md = _load_month(workbook, period.key, allow_empty, period=period)
        run = period_reports_job(md, period, out, wanted, jobs, only, say=click.echo)
    else:
        md = _load_month(workbook, month, allow_empty)
        run = reports_job(md, out, wanted, jobs, only, say=click.echo)
    for line in report_lines(run):
        click.echo(line)
    sys.exit(run.exit_code)


def _formats(text: str, command: str) -> tuple[str, ...]:
    """--formats as the formats it names, or the one line saying which are known."""
    from .jobs import parse_formats

    try:
        return parse_formats(text, command)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--formats") from None


@main.command(short_help="Email the reports of a month or period.")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@month_or_period_option
@click.option("--smtp-host", help="SMTP server (default: localhost, or salesdesk.toml).")
@click.option("--smtp-port", type=int, help="SMTP port (default 25; 587 with --starttls, 465 with --ssl).")
@click.option("--starttls", "security", flag_value="starttls", help="Upgrade the connection with STARTTLS.")
@click.option("--ssl", "security", flag_value="ssl", help="Connect with TLS from the start.")
@click.option("--smtp-user", help="Login name; the password comes from SALESDESK_SMTP_PASSWORD.")
@click.option("--smtp-cafile", help="CA bundle to verify the server's certificate (default: the system's).")
@click.option("--from", "sender", help="The From address.")
@click.option("--finance", help="Where the commission statements and reconciliation go.")
@click.option("--only", multiple=True, help="Only this rep_id, team, or 'finance' (repeatable).")
@click.option("--resend", is_flag=True, help="Send again even what the ledger says was sent.")
@click.option("--dry-run", is_flag=True, help="Write .eml files into FOLDER/MONTH/outbox/ instead of sending.")
@click.option("--rate", help="At most N messages a minute, e.g. 30/min.")
def send(folder: Path, month: str | None, period, smtp_host, smtp_port, security, smtp_user, smtp_cafile, sender,
         finance, only, resend, dry_run, rate):
    """Email the month's reports: one message per rep, one per team, one to finance.

    Reads FOLDER/MONTH/manifest.json (FOLDER/PERIOD/ with --period: a week's, quarter's or
    year's reports; commission statements go to finance with the month's only); each rep's
    manager is in cc. A ledger makes a re-run send
    only what was not sent; the server is checked once before the first message. Settings may
    also come from salesdesk.toml ([smtp] host, port, security, user, from, finance,
    rate_per_min, cafile) in the working directory; the password only from
    SALESDESK_SMTP_PASSWORD. Exit code 1 if any message failed or was skipped, 2 if nothing
    could be sent.

    \b
    Example: salesdesk send out/ --month 2026-10 --smtp-host mail.example.com --starttls
             --smtp-user me --from reports@example.com --finance finance@example.com"""
    from .jobs import send_job
    from .progress import Steps

    month = _one_of(month, period)
    writable_folder(folder, "FOLDER")
    rate_per_min = None
    if rate:
        try:
            rate_per_min = float(rate.lower().removesuffix("/min"))
        except ValueError:
            raise click.BadParameter("expected N/min, e.g. 30/min", param_hint="--rate") from None
    if smtp_port is None and security:
        smtp_port = {"starttls": 587, "ssl": 465}[security]
    overrides = {"host": smtp_host, "port": smtp_port, "security": security, "user": smtp_user, "cafile": smtp_cafile,
                 "sender": sender, "finance": finance, "rate_per_min": rate_per_min}
    summary = send_job(folder, month, overrides, set(only) or None, dry_run, resend,
                       progress=lambda total: Steps("Sending", total=total, unit="message"))
    for line in summary.skipped + summary.failed:
        click.echo("  " + line)
    where = f" to {folder / month / 'outbox'}" if dry_run else ""
    click.echo(f"{month}: {summary.line()}{where}.")
    if (folder / month / "company").is_dir():      # a quarter's or year's: for the managers, not mailed
        click.echo(f"  the company's summary is not mailed: it is in {folder / month / 'company'}, linked from "
                   f"{folder / month / 'index.html'}")
    sys.exit(summary.exit_code)


@main.command(short_help="Post a month or period to group chats.")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@month_or_period_option
@click.option("--only", multiple=True, help="Only this team (repeatable); '*' is the company's post.")
@click.option("--resend", is_flag=True, help="Post again even what the ledger says was posted.")
@click.option("--dry-run", is_flag=True, help="Write each request as JSON into FOLDER/MONTH/outbox/chat/ instead.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=Path(CONFIG_FILE),
              show_default=True, help="The file with the [[chat]] tables.")
def post(folder: Path, month: str | None, period, only, resend, dry_run, config: Path):
    """Post each team's month to its group chat: attainment, rank, champion, reps behind pace,
    overdue revisits; WeCom also gets the team's PDF report.

    Reads FOLDER/MONTH/dashboard.json (FOLDER/PERIOD/ with --period; written by `reports`) and the [[chat]] tables of
    salesdesk.toml (kind, url or url_env, secret_env, teams; see docs/chat.md). Signing secrets
    come only from the environment. A ledger makes a re-run post only what was not posted.
    Exit code 1 if any post failed or was skipped, 2 if nothing could be posted.

    \b
    Example: salesdesk post out/ --month 2026-10 --dry-run"""
    from .chat import ChatConfigError, post_month
    from .chat_message import ChatError
    from .progress import Steps

    month = _one_of(month, period)
    writable_folder(folder, "FOLDER")
    try:
        summary, outbox = post_month(folder, month, config, set(only) or None, dry_run, resend,
                                     progress=lambda total: Steps("Posting", total, unit="post"))
    except (ChatConfigError, ChatError) as exc:
        click.echo(f"salesdesk post: {exc}", err=True)
        sys.exit(STOPPED)
    for line in summary.skipped + summary.failed:
        click.echo("  " + line)
    if outbox:
        click.echo(f"{month}: {len(summary.sent)} posts written as requests to {outbox} (a dry run: nothing posted, "
                   f"nothing recorded); {len(summary.skipped)} skipped.")
    else:
        click.echo(f"{month}: {summary.line()}.")
    sys.exit(summary.exit_code)


@main.group(short_help='The planning workbook with SD_ functions.')
def workbook():
    """The planning workbook managers open in Excel, Excel on the web or LibreOffice.

    \b
    Example: salesdesk workbook new planning.xlsx --from sales.xlsx --for lite"""


@workbook.command("new", short_help='Write a planning workbook.')
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "source", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Take the data sheets from this sales workbook (it is only read, never modified).")
@click.option("--year", type=int, help="Plan year (default: the year of the latest order).")
@click.option("--for", "target", type=click.Choice(PLATFORMS), default="excel", show_default=True,
              help="Where the SD_ functions will compute: excel = desktop Excel with xlwings, and LibreOffice "
                   "25.2 or later with the SalesDesk extension (one file); lite = xlwings Lite (Excel on the web "
                   "or a Mac, formulas saved as _xldudf_SD_...); libreoffice = LibreOffice 7.x (_xll.SD_...).")
def workbook_new(path: Path, source: Path | None, year: int | None, target: str):
    """Write a planning workbook whose cells use the SD_ worksheet functions.

    Plan, Scorecard, Customer tiers and Commission calculator sheets, over the demo data or
    --from's data, with the formula names and arrays the --for spreadsheet needs.

    \b
    Example: salesdesk workbook new planning.xlsx --from sales.xlsx --for libreoffice"""
    from workbooks import demo as demo_data, planning_book

    from .monthdata import fill_missing_sheets

    writable_folder(path.parent or Path("."), "PATH")
    if source is not None:
        if source.resolve() == path.resolve():
            raise click.BadParameter("PATH must differ from --from: the source workbook is never modified")
        data = load_clean(source)
        lacking = [n for n in planning_book.WORKS_FROM if n not in data.frames]
        if lacking:
            click.echo(f"salesdesk workbook new: {source} has no {', '.join(lacking)} sheet(s); the planning workbook "
                       f"phases targets, scores KPIs and computes commissions from {', '.join(planning_book.WORKS_FROM)} "
                       "(docs/workbook.md); nothing was written", err=True)
            sys.exit(STOPPED)
        frames = dict(data.frames)
        fill_missing_sheets(frames)
    else:
        frames = demo_data.build()
    month = planning_book.latest_month(frames)
    year = year or int(month[:4])
    lang = chosen_language() or settings_language(frames.get("Settings"))
    model = planning_book.build(frames, year, month, target, lang)
    planning_book.write(model, path, frames, target)
    click.echo(f"Planning workbook: {path} (plan year {year}, scorecard month {month}, for {target})")


def parse_growth(text: str):
    """Growth as a fraction: "8%" or "0.08" -> 0.08 (above -100%)."""
    from decimal import Decimal, InvalidOperation
    given = str(text).strip()
    try:
        value = Decimal(given[:-1]) / 100 if given.endswith("%") else Decimal(given)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= -1:
        raise click.BadParameter(f"{text!r}: expected a growth such as 8% or 0.08 (above -100%)",
                                 param_hint="--growth")
    return value


@workbook.command("targets", short_help="Propose a year's Targets sheet from the last twelve months' sales.")
@click.argument("book", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="The year the targets are for.")
@click.option("--growth", default="0%", show_default=True, help="Growth over the basis, e.g. 8% or 0.08.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The proposal (.xlsx) to review; BOOK is never modified.")
def workbook_targets(book: Path, year: int, growth: str, out: Path):
    """Propose each team's and rep's annual target for --year: the net sales of the twelve
    calendar months before the month of the latest order, times (1 + --growth), the reps'
    targets adding up exactly to their team's, phased by the workbook's Seasonality sheet (or
    by those months' sales). The proposal is a Targets sheet to review and paste into BOOK.

    \b
    Example: salesdesk workbook targets sales.xlsx --year 2027 --growth 8% --out targets.xlsx"""
    from workbooks import target_proposal
    from workbooks.i18n import language

    from .monthdata import fill_missing_sheets

    rate = parse_growth(growth)
    writable_folder(out.parent, "--out")
    if out.resolve() == book.resolve():
        raise click.BadParameter("--out must differ from BOOK: the workbook is never modified")
    data = load_clean(book)
    frames = dict(data.frames)
    has_seasonality = "Seasonality" in frames
    fill_missing_sheets(frames)
    lang = language(chosen_language() or settings_language(frames.get("Settings")))
    basis, proposal = target_proposal.make(frames, year, rate, has_seasonality)
    target_proposal.write(out, basis, proposal, year, rate, lang)
    teams = [p for p in proposal if p.level == "team"]
    click.echo(f"Proposed targets for {year}: {out} ({len(teams)} teams, {len(proposal) - len(teams)} reps; basis "
               f"{basis.months[0]} to {basis.months[-1]}, growth {target_proposal.growth_text(rate)}). Review it, then paste the rows "
               "into the Targets sheet.")


@workbook.command("retarget", short_help='Rewrite SD_ formulas for another spreadsheet.')
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--for", "target", type=click.Choice(PLATFORMS), required=True,
              help="The spreadsheet the SD_ formulas should compute in.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The rewritten copy (SOURCE is never modified).")
def workbook_retarget(source: Path, target: str, out: Path):
    """Rewrite the SD_ formulas of any .xlsx for another spreadsheet.

    SD_PHASE(...) (desktop Excel, LibreOffice 25.2+) becomes _xldudf_SD_PHASE(...) for xlwings
    Lite or _xll.SD_PHASE(...) for LibreOffice 7.x, and back; text in quotes and every other
    cell and part of the file is copied as it is.

    \b
    Example: salesdesk workbook retarget plan.xlsx --for libreoffice --out plan-calc.xlsx"""
    import zipfile

    from workbooks.platforms import retarget

    if source.resolve() == out.resolve():
        raise click.BadParameter("--out must differ from SOURCE: the source workbook is never modified")
    writable_folder(out.parent or Path("."), "--out")
    try:
        changed = retarget(source, out, target)
    except zipfile.BadZipFile:
        raise click.BadParameter(f"{source} is not an .xlsx workbook (a zip of XML parts)", param_hint="SOURCE")
    click.echo(f"{out}: {changed} formula(s) rewritten for {target}; everything else copied unchanged")


@main.group(short_help='Make the SD_ functions compute in a spreadsheet.')
def addin():
    """Make the SD_ functions compute in Excel, Excel on the web or LibreOffice.

    The xlwings add-in (Windows Excel), xlwings Lite (Excel on the web and on a Mac) or the
    LibreOffice Calc extension.

    \b
    Example: salesdesk addin libreoffice --out salesdesk.oxt"""


@addin.command("lite", short_help='Write the files for xlwings Lite.')
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("salesdesk-lite"),
              show_default=True, help="Folder for main.py and requirements.txt.")
@click.option("--wheel", help="URL of the SalesDesk wheel you host (served with CORS); default: salesdesk from PyPI.")
def addin_lite(out: Path, wheel: str | None):
    """Write main.py and requirements.txt to paste into xlwings Lite's editor.

    Steps in docs/excel.md.

    \b
    Example: salesdesk addin lite --out lite --wheel https://example.com/salesdesk-0.1.0-py3-none-any.whl"""
    from .addins import write_lite

    for path in write_lite(out, wheel):
        click.echo(f"wrote {path}")
    click.echo("In Excel: Home > Add-ins > xlwings Lite; paste main.py and requirements.txt into its editor "
               "(docs/excel.md).")


@addin.command("libreoffice", short_help='Build the LibreOffice Calc extension.')
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("salesdesk.oxt"),
              show_default=True, help="The extension file to write.")
def addin_libreoffice(out: Path):
    """Build the LibreOffice Calc extension with every SD_ function.

    Steps in docs/libreoffice.md.

    \b
    Example: salesdesk addin libreoffice --out salesdesk.oxt && unopkg add salesdesk.oxt"""
    from .addins import AddinError, write_libreoffice

    writable_folder(out.parent or Path("."), "--out")
    try:
        write_libreoffice(out)
    except AddinError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"wrote {out}: install it with Tools > Extension Manager > Add, or unopkg add {out}; "
               f"then open a planning workbook (LibreOffice 25.2+: the default one; 7.x: made with --for "
               f"libreoffice; docs/libreoffice.md)")


@addin.command("install", short_help='Install the xlwings add-in (Windows).')
def addin_install():
    """Install the xlwings Excel add-in and point it at SalesDesk's functions (Windows).

    \b
    Example: salesdesk addin install"""
    import platform
    import subprocess

    system = platform.system()
    if system != "Windows":
        click.echo(f"The xlwings add-in with live worksheet functions (UDFs) needs desktop Excel on Windows; this is "
                   f"{system}. What works here: every SD_ function from Python (addin.udfs), the batch commands, and "
                   f"the workbooks they write, which carry computed values and open anywhere. On macOS Excel, "
                   f"xlwings runs macros but not UDFs; Excel on the web does not load xlwings' classic add-in. "
                   f"See docs/excel.md.")
        sys.exit(1)
    subprocess.run([sys.executable, "-m", "xlwings", "addin", "install"], check=True)
    conf = Path.home() / ".xlwings" / "xlwings.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    lines = [f'"INTERPRETER_WIN","{sys.executable}"', '"UDF MODULES","addin.udfs"',
             f'"PYTHONPATH","{Path(__file__).resolve().parent.parent}"']
    conf.write_text("\n".join(lines) + "\n")
    click.echo(f"Installed the xlwings add-in; wrote {conf}. In Excel: trust access to the VBA project object "
               f"model (docs/excel.md), then xlwings tab > Import Functions.")


@main.command(hidden=True, short_help='Regenerate the generated docs.')
@click.option("--check", is_flag=True, help="Exit 1 if the generated docs differ from the files.")
def docs(check: bool):
    """Regenerate docs/workbook.md and the function catalog from the code (for developers).

    \b
    Example: salesdesk docs --check"""
    if not DOCS.is_dir():   # installed from a wheel: the docs live in the repository, not the package
        click.echo(f"salesdesk docs: regenerates the repository's docs/ and runs from a source checkout "
                   f"(no {DOCS} here); nothing was written", err=True)
        sys.exit(STOPPED)
    stale = []
    for path, text in generated_docs().items():
        if not path.exists() or path.read_text() != text:
            stale.append(path)
            if not check:
                path.write_text(text)
    if check and stale:
        click.echo("Out of date: " + ", ".join(str(p) for p in stale))
        sys.exit(1)
    click.echo("Docs are current." if not stale else "Updated: " + ", ".join(str(p) for p in stale))


def generated_docs() -> dict[Path, str]:
    from addin import udfs  # noqa: F401  (fills the registry)
    from addin.registry import catalog_markdown
    from workbooks import contract

    return {DOCS / "workbook.md": contract.markdown(), DOCS / "functions.md": catalog_markdown()}


@main.command("demo", short_help='The monthly job end to end on demo data.')
@click.option("--out", default="demo-output", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the demo workbook and everything made from it.")
@click.option("--formats", default="xlsx,html,pdf", show_default=True, metavar="xlsx,html,pdf",
              help="Report formats, comma-separated.")
def demo(out: Path, formats: str):
    """The monthly job end to end on built-in demo data.

    The demo workbook, every report, commission statements, the reconciliation against payroll,
    an outbox of messages and of chat posts (dry runs) and the planning workbook.

    \b
    Example: salesdesk demo --out demo-output"""
    from .jobs import demo_job

    wanted = _formats(formats, "reports")
    writable_folder(out)
    sys.exit(demo_job(out, wanted, _load_month, say=click.echo))


_accept_shared_options(main)

if __name__ == "__main__":
    main()
