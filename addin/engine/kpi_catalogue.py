"""The KPI catalogue: every KPI SalesDesk measures itself, defined once.

validate, the reports, the planning workbook's scorecard and docs/workbook.md all read these
definitions; the measures themselves are computed in ``addin.engine.measures`` (one function
per id, named in ``rule``). Labels are English message ids, translated where they are shown
(workbooks/locale/zh_CN.po), so the engine stays free of languages.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

KINDS = ("money", "percentage", "count", "days", "score")


@dataclass(frozen=True)
class KpiDefinition:
    id: str
    label: str             # English; the message id translated where it is shown
    kind: str              # how its values read: one of KINDS
    direction: str         # the usual direction: higher or lower is better
    cumulative: bool       # accumulates over the month (an open month's target is pro-rated)
    team: str              # a team's figure: "sum" of its reps', or "rows" (the rule on the team's rows)
    rule: str              # how it is measured, for docs and for people


def _d(id, label, kind, direction, cumulative, team, rule) -> KpiDefinition:
    return KpiDefinition(id, label, kind, direction, cumulative, team, rule)


IN_PERIOD = "dated in the month"
TRAILING = "over the last three months (the month and the two before)"
STAGE_RULE = ("Deals of the rep created in the month that reached the {stage} stage: a deal has reached its "
              "stage and every stage before it; a lost deal the stage in lost_stage (without it, only lead); "
              "a won deal every stage. The sheet has no date per stage, so a deal counts in the month it was created.")

CATALOGUE: tuple[KpiDefinition, ...] = (
    _d("sales", "Sales", "money", "higher", True, "sum",
       f"Order lines {IN_PERIOD}, booked plus returned (a return's amount is negative), by the line's rep; "
       "cancelled lines count nowhere. Scored against the rep's phased quota."),
    _d("revenue", "Revenue", "money", "higher", True, "sum",
       f"Booked order lines {IN_PERIOD}, before returns. Scored against the rep's phased quota."),
    _d("margin", "Margin", "money", "higher", True, "sum",
       f"Booked order lines {IN_PERIOD}: amount minus cost (a blank cost counts as 0)."),
    _d("margin_pct", "Margin %", "percentage", "higher", False, "rows",
       f"Margin over the amount of the booked lines {IN_PERIOD}; blank without booked amount."),
    _d("orders", "Orders", "count", "higher", True, "sum",
       f"Distinct order_id of the booked lines {IN_PERIOD}."),
    _d("deal_size", "Average order", "money", "higher", False, "rows",
       f"Revenue over orders: the booked amount {IN_PERIOD} per distinct order_id; blank without orders."),
    _d("new_customers", "New customers", "count", "higher", True, "sum",
       "Customers whose first booked order line ever (the earliest order_date, then the lowest order_id) is "
       "dated in the month, counted for the rep of that line."),
    _d("activities", "Activities", "count", "higher", True, "sum",
       f"Activities {IN_PERIOD} of the types that count (call, visit, demo, quote); e-mails are logged but "
       "do not count."),
    _d("calls", "Calls", "count", "higher", True, "sum", f"Activities of type call {IN_PERIOD}."),
    _d("visits", "Visits", "count", "higher", True, "sum", f"Activities of type visit {IN_PERIOD}."),
    _d("demos", "Demos given", "count", "higher", True, "sum", f"Activities of type demo {IN_PERIOD}."),
    _d("quotes", "Quotes given", "count", "higher", True, "sum", f"Activities of type quote {IN_PERIOD}."),
    _d("emails", "E-mails", "count", "higher", True, "sum", f"Activities of type email {IN_PERIOD}."),
    _d("win_rate", "Win rate", "percentage", "higher", False, "rows",
       f"Deals closed {TRAILING}: won over won plus lost; blank without closed deals."),
    _d("cycle_days", "Sales cycle (days)", "days", "lower", False, "rows",
       f"Deals won {TRAILING}: the mean of closed minus created, in days."),
    _d("satisfaction", "Satisfaction (1-5)", "score", "higher", False, "rows",
       f"The mean survey score {TRAILING}."),
    _d("pipeline_coverage", "Pipeline coverage", "score", "higher", False, "rows",
       "The amount of the rep's deals open at the month's end (created by then, not closed by then) over the "
       "rep's quota for the next month (3 = three times the quota); blank without that quota."),
    _d("leads", "Leads", "count", "higher", True, "sum", STAGE_RULE.format(stage="lead")),
    _d("qualified", "Qualified deals", "count", "higher", True, "sum", STAGE_RULE.format(stage="qualified")),
    _d("demos_held", "Demos held", "count", "higher", True, "sum", STAGE_RULE.format(stage="demo")),
    _d("quotes_sent", "Quotes sent", "count", "higher", True, "sum", STAGE_RULE.format(stage="quote")),
    _d("negotiations", "Negotiations", "count", "higher", True, "sum", STAGE_RULE.format(stage="negotiation")),
)
BY_ID = {d.id: d for d in CATALOGUE}
SALES_KPIS = frozenset({"sales", "revenue"})     # scored against each rep's phased quota
# the funnel KPIs and the stage each counts (the first stages of funnel.DEFAULT_ORDER)
STAGE_KPIS = {"leads": "lead", "qualified": "qualified", "demos_held": "demo", "quotes_sent": "quote",
              "negotiations": "negotiation"}
ACTIVITY_KPIS = {"calls": "call", "visits": "visit", "demos": "demo", "quotes": "quote", "emails": "email"}


def definition(kpi_id: str) -> KpiDefinition | None:
    """The catalogue's definition of a KPIs row's id (case and surrounding spaces ignored)."""
    return BY_ID.get(str(kpi_id).strip().lower())


def nearest(kpi_id: str, also: dict[str, str] | None = None) -> str | None:
    """The known id closest in spelling to ``kpi_id`` (difflib), or None when none is close.
    ``also`` maps other spellings (labels, translated labels) to their ids."""
    names = {d.id: d.id for d in CATALOGUE}
    names.update({d.label.lower(): d.id for d in CATALOGUE})
    names.update(also or {})
    match = difflib.get_close_matches(str(kpi_id).strip().lower(), list(names), n=1, cutoff=0.5)
    return names[match[0]] if match else None


def kpi_kind(kpi_id: str, given: str | None = None) -> str:
    """How a KPI's values read: the KPIs sheet's kind, else the catalogue's, else score."""
    d = definition(kpi_id)
    return given or (d.kind if d else "score")


def direction_of(kpi_id: str, given=None) -> str:
    """higher or lower: the KPIs sheet's direction, else the catalogue's usual one, else higher."""
    if isinstance(given, str) and given.strip():
        return given.strip().lower()
    d = definition(kpi_id)
    return d.direction if d else "higher"


def is_cumulative(kpi_id: str) -> bool:
    d = definition(kpi_id)
    return bool(d and d.cumulative)
