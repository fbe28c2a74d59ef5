"""The monthly report as typed, frozen objects: what every format (xlsx, HTML, PDF, the
manifest and mail) renders. ``report_data`` builds them; a renamed field fails
at import or in the type checker, not inside a worker.

    RepMonth ── RepInfo, [SalesRow], RunRate?, Scorecard ── [KpiLine], [FunnelStage],
             [ActivityLine], Satisfaction, Customers ── [TierCount], [CustomerRow],
             [ReturnLine], Commission?, [SalesRow] (trend)
    TeamMonth ── TeamInfo, [RankedRep], [SalesRow], [FunnelStage], Risks, Movements, ...
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Note:
    """A sentence the report adds (why two figures differ), kept as its English message and
    its amounts so that each language words and formats it (``Language.note``)."""
    text: str
    amounts: tuple[tuple[str, float, int], ...]     # (name in the text, value, decimals; None: text as it is)


@dataclass(frozen=True)
class SalesRow:
    """Sales against target for a span: "Month", "Quarter to date", "Year to date" (English
    message ids, each format words them in its language), or a month of the trend ("2026-10")."""
    label: str
    actual: float
    target: float

    @property
    def period(self) -> str:      # the trend's rows are months
        return self.label


@dataclass(frozen=True)
class RunRate:
    amount: float
    attainment: float | None


@dataclass(frozen=True)
class KpiLine:
    kpi: str
    actual: float | None
    target: float | None
    attainment: float | None
    weight: float
    direction: str
    cap: float | None
    status: str
    label: str = ""             # as the report shows it (the KPIs sheet's label, else a readable kpi)
    kind: str = "score"         # money, percentage, count, days or score: how its values read


@dataclass(frozen=True)
class Scorecard:
    kpis: tuple[KpiLine, ...]
    score: float | None
    status: str
    rank: int
    team_size: int


@dataclass(frozen=True)
class FunnelStage:
    stage: str
    reached: int
    advanced: int | None


@dataclass(frozen=True)
class ActivityLine:
    type: str
    actual: int
    planned: float


@dataclass(frozen=True)
class Satisfaction:
    month_mean: float | None
    month_count: int
    trailing_mean: float | None


@dataclass(frozen=True)
class CustomerRow:
    customer_id: str
    name: str
    owner_rep_id: str
    tier: str
    previous_tier: str | None
    code: str | None
    segment: str | None
    last_order: str | None
    last_contact: str | None
    next_revisit: str | None
    overdue: bool
    movement: str


@dataclass(frozen=True)
class TierCount:
    tier: str
    count: int


@dataclass(frozen=True)
class Customers:
    tiers: tuple[TierCount, ...]
    overdue: tuple[CustomerRow, ...]
    moved_down: tuple[CustomerRow, ...]
    total: int


@dataclass(frozen=True)
class ReturnLine:
    order_id: str
    date: str
    customer_id: str
    product: str
    amount: float
    original_order_id: str | None
    rep_id: str


@dataclass(frozen=True)
class Commission:
    """The month's commission of one rep, in currency units (from the engine's summary)."""
    commission: float
    gate_and_cap: float
    clawback: float
    spiff: float
    adjustment: float
    earned: float
    draw_topup: float
    recovered: float
    paid: float
    owed_after: float
    credited_sales: float

    def __getitem__(self, field: str) -> float:   # the templates list the columns by name
        return getattr(self, field)


@dataclass(frozen=True)
class ForecastFigures:
    """Where a period (the month, or the quarter it falls in) will land, as of the report's day,
    against its target (addin/engine/forecast.py; docs/forecast.md): currency units."""
    span: str                  # "Month" or "Quarter" (message ids)
    period: str                # 2026-10, 2026-Q4
    target: float
    booked: float
    commit: float
    most_likely: float
    best_case: float
    run_rate: float

    def __getitem__(self, category: str) -> float:   # the templates list the categories by name
        return getattr(self, category)


@dataclass(frozen=True)
class DealLine:
    """An open deal the forecast lists: slipped (expected on or before the as-of day) or without an amount."""
    opp_id: str
    rep_id: str
    customer_id: str | None
    stage: str
    expected_close: str | None
    amount: float | None
    probability: float


@dataclass(frozen=True)
class Forecast:
    """The forecast of an open month: the month's and the quarter's figures, and the deals listed
    (the largest first; the counts say how many there are in all)."""
    periods: tuple[ForecastFigures, ...]
    slipped: tuple[DealLine, ...]
    slipped_count: int
    slipped_amount: float
    unpriced: tuple[DealLine, ...]       # expected in the rest of the quarter, amount blank (counted 0)
    unpriced_count: int


@dataclass(frozen=True)
class CoachingFocus:
    """One thing a rep should work on (addin.engine.coaching): the focus and its figures over the
    last three months. Labels are English message ids, worded by each format's language."""
    focus: str                  # the catalogue's id: demo_to_quote, visit_cadence, kpi_win_rate, ...
    label: str                  # what to work on: "product demonstrations that lead to quotes"
    measure: str                # the figure it watches, as the Coaching sheet names it
    measure_label: str          # the figure as the sentence states it: "demo -> quote"
    kind: str                   # percentage, count, days, money or score: how its values read
    basis: str                  # "team" (against the team's median) or "target" (the rep's target)
    rep_value: float
    team_median: float | None
    target: float | None
    severity: float = 0.0       # the gap in units of its threshold (1.0: just real); the largest first


@dataclass(frozen=True)
class TrainingRep:
    rep_id: str
    name: str
    focus: CoachingFocus


@dataclass(frozen=True)
class TrainingNeed:
    """The team's training plan, one line a focus: the reps who need it, the largest gap first."""
    focus: str
    label: str
    reps: tuple[TrainingRep, ...]


@dataclass(frozen=True)
class RepInfo:
    rep_id: str
    name: str
    email: str | None
    team: str
    manager: str | None
    manager_email: str | None
    capacity: float
    hire_date: str | None


@dataclass(frozen=True)
class LeftOutRep:
    """A rep of the team left out of the run (the rep's rows have errors): named on the team's
    report, whose figures then exclude the rep."""
    rep_id: str
    name: str
    reason: str                          # the first problem, as errors.xlsx states it


@dataclass(frozen=True)
class RepMonth:
    key: str
    month: str
    as_of: str
    open_month: bool
    rep: RepInfo
    sales: tuple[SalesRow, ...]
    runrate: RunRate | None
    scorecard: Scorecard
    funnel: tuple[FunnelStage, ...]
    win_rate: float | None
    cycle_days: float | None
    activities: tuple[ActivityLine, ...]
    activities_note: Note | None
    satisfaction: Satisfaction
    customers: Customers
    returns: tuple[ReturnLine, ...]
    trend: tuple[SalesRow, ...]
    commission: Commission | None = None
    sales_note: Note | None = None       # why credited sales (commission) differ from booked sales
    coaching: tuple[CoachingFocus, ...] = ()   # what to work on, the largest gap first (at most three)
    file_stem: str = ""                  # the report's file name, unique in the run (reports.report_stems)
    lang: str = "en"                     # the language it is written in (workbooks.i18n)
    missing: tuple[str, ...] = ()        # optional sheets the workbook lacks: their sections are left out
    kind: str = "rep"
    forecast: Forecast | None = None     # an open month only


@dataclass(frozen=True)
class TeamInfo:
    team: str
    manager: str
    manager_email: str | None
    region: str | None


@dataclass(frozen=True)
class RankedRep:
    rep_id: str
    name: str
    actual: float
    target: float
    score: float | None
    status: str
    rank: int


@dataclass(frozen=True)
class Risks:
    behind_pace: tuple[RankedRep, ...]
    overdue_high_value: tuple[CustomerRow, ...]
    large_returns: tuple[ReturnLine, ...]


@dataclass(frozen=True)
class Movements:
    counts: dict[str, int]
    moved_down: tuple[CustomerRow, ...]


@dataclass(frozen=True)
class TeamMonth:
    key: str
    month: str
    as_of: str
    open_month: bool
    team: TeamInfo
    reps: tuple[RankedRep, ...]
    target_note: Note | None             # why the reps' targets do not add up to the team's
    sales: tuple[SalesRow, ...]
    trend: tuple[SalesRow, ...]
    funnel: tuple[FunnelStage, ...]
    underperformers: tuple[RankedRep, ...]
    risks: Risks
    champion: RankedRep | None
    movements: Movements
    file_stem: str = ""
    lang: str = "en"
    missing: tuple[str, ...] = ()
    left_out: tuple[LeftOutRep, ...] = ()   # reps of the team not in its figures, and why
    training: tuple[TrainingNeed, ...] = ()  # the manager's training plan: each focus and who needs it
    kind: str = "team"
    champion_note: Note | None = None    # who the champion SPIFF is paid to, when not the champion named
    forecast: Forecast | None = None     # an open month only


Report = RepMonth | TeamMonth

# What a report says, once at its top, for each optional sheet the workbook does not have
# (generators.monthdata.MENTIONED); the sections that need the sheet are left out.
# How every format shows attainment (one place, so the xlsx, HTML, PDF and the dashboard agree)
BEHIND_PACE = 0.85      # attainment (pro-rated while the month is open) below this is behind pace: amber, then red
KPI_BAR_SCALE = 1.5     # a KPI's attainment bar runs to 150%, with the mark at 100%


def is_behind(attainment: float | None, elapsed: float | None) -> bool:
    """Behind pace: attainment of the whole period's target below BEHIND_PACE of the share of the
    period passed (``elapsed``; None once it is closed). The month's, week's and dashboards' rule."""
    return attainment is not None and attainment < BEHIND_PACE * (1.0 if elapsed is None else elapsed)
# The forecast's categories as every format shows them: (field, message id, bar colour)
FORECAST_CATEGORIES = (("booked", "booked", "#1F4E79"), ("commit", "commit", "#4472C4"),
                       ("most_likely", "most likely", "#70AD47"), ("best_case", "best case", "#A9D18E"),
                       ("run_rate", "run-rate", "#ED7D31"))

MISSING_NOTES = {
    "Teams": "No Teams sheet: teams are taken from the Reps sheet, without managers.",
    "Customers": "No Customers sheet: customer tiers, revisits and tier movements not shown.",
    "Opportunities": "No Opportunities sheet: funnel, win rate and sales cycle not shown.",
    "Activities": "No Activities sheet: activities not shown.",
    "Satisfaction": "No Satisfaction sheet: customer satisfaction not shown.",
    "Targets": "No Targets sheet: sales are shown without targets.",
    "KPIs": "No KPIs sheet: no scorecard; reps are ranked by sales.",
    "Plans": "No Plans sheet: no commission computed.",
}
