"""Every message the code and templates show people, found where they are used: ``t("...")``
(a ``workbooks.i18n.Language``) and ``m.label(sheet, r, c, "...")`` in Python, ``_("...")`` in the
jinja2 templates, and the tables of labels that are translated where they are shown."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]    # the repository (tests/support/ is two below it)
_TEMPLATE_CALL = re.compile(r'_\(\s*"((?:[^"\\]|\\.)*)"')


def _python_ids(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        at = 0 if name in ("t", "Note", "self") else 3 if name == "label" else None
        if at is not None and len(node.args) > at and isinstance(node.args[at], ast.Constant) \
                and isinstance(node.args[at].value, str):
            found.add(node.args[at].value)
    return found


def _tables() -> set[str]:
    """Labels kept in tables and translated where shown."""
    from addin.engine import coaching, kpi_catalogue, tiering
    from generators import commissions, dashboard, report_data, report_model, report_xlsx, reports, statements
    from generators import summary_data
    from workbooks import contract, planning_book, platforms
    ids = set(statements.LINE_HEADERS) | set(statements.KIND_LABEL.values())
    ids |= set(statements.HEADING_LABELS) | set(statements.TOTAL_LABELS) | set(reports.SUMMARY_HEADERS)
    ids |= {label for _, label in statements.SUMMARY_COLUMNS}
    ids |= set(commissions.RECONCILIATION_HEADERS) | set(commissions.LINE_DETAIL_HEADERS)
    ids |= set(report_xlsx.COMMISSION_HEADERS) | set(report_model.MISSING_NOTES.values()) | set(dashboard.SPANS) | {d.label for d in kpi_catalogue.CATALOGUE}
    ids |= set(planning_book.LABELS) | {platforms.platform(p).install for p in platforms.PLATFORMS}
    ids |= set(TERMS) | {label for _, label, _ in report_model.FORECAST_CATEGORIES} | {"Quarter"}
    ids |= {label for labels in summary_data.PERIOD_LABELS.values() for label in labels}
    ids |= {f.label for f in coaching.CATALOGUE} | {f.measure_label for f in coaching.CATALOGUE}
    ids |= set(contract.STAGES) | set(contract.ACTIVITY_TYPES) | {name for name, _, _ in tiering.RF_SEGMENTS}
    return ids


# values of fixed lists the reports show (term(...)): tiers, statuses, movements, engine notes
TERMS = ("high-value", "potential", "ordinary", "at-risk", "green", "amber", "red", "up", "down", "same", "new",
         "matched", "underpaid", "overpaid", "missing in payroll", "unknown rep", "not computed",
         "below the first tier", "original order not found among credited sales; nothing to claw back",
         "lost", "team", "rep", "company", "Company report", "Team reports", "Rep reports", "Month", "Period",
         "Period to date", "Quarter to date", "Year to date",
         "Sales against target", "Team against target", "{n} days", "Page {page} of {pages}")


def message_ids() -> set[str]:
    ids = set()
    for path in (ROOT / "templates").glob("*.j2"):
        ids |= {m.group(1) for m in _TEMPLATE_CALL.finditer(path.read_text(encoding="utf-8"))}
    for folder in ("generators", "workbooks"):
        for path in (ROOT / folder).glob("*.py"):
            ids |= _python_ids(path)
    return ids | _tables()
