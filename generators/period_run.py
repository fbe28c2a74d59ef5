"""`salesdesk reports BOOK --period 2026-W41|2026-Q3|2026`: every rep's and team's report for a
week, quarter or year (and the company's for a quarter or year) in OUT/PERIOD/, made under the
month's folder protocol (``reports.run_plan``: the lock, the staging folder swapped in whole, the
workers, manifest.json, errors.xlsx, the exit codes), with summary.xlsx and the period's dashboard.

Each kind of period names what makes its reports in PERIOD_REPORTS, as "module:function" (imported
only when that kind runs; the renderers are pickled by name into the workers):

    facts(md, period, only) -> period_model.PeriodFacts
    xlsx(ctx) -> bytes        html(ctx) -> str        pdf(ctx) -> bytes        title(ctx) -> str
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import pandas as pd

from .dashboard import write_period_figures
from .monthdata import MonthData
from .period_model import PeriodFacts
from .period_summary import PeriodFigures, write_period_summary
from .periods import Period
from .progress import timed
from .reports import Renderers, ReportRun, RunPlan, counted, report_stems, run_plan


@dataclass(frozen=True)
class PeriodReports:
    facts: str
    xlsx: str
    html: str
    pdf: str
    title: str
    commission: bool = False     # facts(..., commission=f): f(month) is the engine's summary through that month


PERIOD_REPORTS: dict[str, PeriodReports] = {}
# the weekly review (周报): a rep's and a team's
PERIOD_REPORTS["week"] = PeriodReports(
    "generators.review_data:review_facts", "generators.review_render:review_xlsx",
    "generators.review_render:review_html", "generators.review_render:review_pdf",
    "generators.review_render:review_title")
# the quarter and year summaries (季度总结、年度总结): a rep's, a team's and the company's
PERIOD_REPORTS["quarter"] = PERIOD_REPORTS["year"] = PeriodReports(
    "generators.summary_data:summary_facts", "generators.summary_render:summary_xlsx",
    "generators.summary_render:summary_html", "generators.summary_render:summary_pdf",
    "generators.summary_render:summary_title", commission=True)


def _load(name: str):
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def run_period_reports(md: MonthData, period: Period, out: Path, formats, jobs: int | None = None,
                       only: list[str] | None = None) -> ReportRun:
    """The period's reports in OUT/PERIOD/ (see the module's docstring)."""
    spec = PERIOD_REPORTS[period.kind]
    renderers = Renderers(_load(spec.xlsx), _load(spec.html), _load(spec.pdf))
    facts_of = _load(spec.facts)
    if spec.commission:       # each month's statement as the month's run has it: against OUT's ledger
        from .jobs import commission_summary
        facts_of = partial(facts_of, commission=partial(commission_summary, md, Path(out)))
    plan = RunPlan(period.key, partial(_contexts, md, period, facts_of), renderers, _load(spec.title),
                   lambda facts: {"period": period.key, "period_kind": period.kind, "as_of": facts.as_of.isoformat()},
                   _extras)
    return run_plan(md, Path(out), plan, formats, jobs, only)


def _contexts(md: MonthData, period: Period, facts_of, only_set: set | None, run: ReportRun):
    """Every report's model with its file stem; an --only name that is no active rep or team is a
    failure (a company report is made on full runs only)."""
    with timed("Computing"):
        facts: PeriodFacts = facts_of(md, period, only_set)
    stems = report_stems(md)
    contexts = [replace(c, file_stem=stems[c.kind][c.key]) for c in facts.reps + facts.teams]
    if facts.company is not None and not only_set:
        contexts.append(replace(facts.company, file_stem="company"))
    counted(contexts, only_set, run)
    return contexts, facts


def _extras(folder: Path, facts: PeriodFacts) -> None:
    """summary.xlsx (a row per rep and team, from the same figures as the reports) and the
    dashboard's figures."""
    write_period_summary(folder, figures_of(facts), facts.lang)
    write_period_figures(folder, facts)


def figures_of(facts: PeriodFacts) -> PeriodFigures:
    """The reports' own period rows as summary.xlsx's figures: one number, shown twice, agrees."""
    from addin.engine import rules

    p = facts.period
    elapsed = rules.elapsed_share(facts.as_of, p.first, p.last)
    reps = pd.DataFrame([{"rep_id": c.key, "name": c.rep.name, "team": c.rep.team, "net_sales": c.sales[0].actual,
                          "target": c.sales[0].target, "to_date": target_to_date(c)} for c in facts.reps],
                        columns=["rep_id", "name", "team", "net_sales", "target", "to_date"])
    teams = pd.DataFrame([{"team": c.key, "manager": c.team.manager, "net_sales": c.sales[0].actual,
                           "target": c.sales[0].target, "to_date": target_to_date(c)} for c in facts.teams],
                         columns=["team", "manager", "net_sales", "target", "to_date"])
    return PeriodFigures(p, facts.as_of, elapsed, reps, teams)


def target_to_date(report) -> float | None:
    """A period report's target to date (its second sales row, "... to date", while the period is
    open; ``engine_args.period_targets_to_date``), or None."""
    rows = report.sales
    return rows[1].target if len(rows) > 1 and rows[1].label in TO_DATE_LABELS else None


TO_DATE_LABELS = ("Week to date", "Quarter to date", "Year to date")     # a week's "Month to date" is another span
