"""The weekly review (周报) as typed, frozen objects: what its xlsx, HTML and PDF render
(``review_data`` builds them; ``period_model`` says which fields every period's report carries).

    RepWeek  ── RepInfo, [SalesRow] (week, week to date, month to date), Pipeline ── [Deal],
             [StageMove], [ActivityLine], NextWeek ── [CustomerRow], [Deal]
    TeamWeek ── TeamInfo, [RankedRep] (ranked on the week), [RepLine] (each rep's week), the same
             sections as the team's totals
    both     ── Forecast | None: the month the week ends in and its quarter, those still open on the
             as-of day (``report_forecast.month_forecast``, the monthly report's)
"""
from __future__ import annotations

from dataclasses import dataclass

from .report_model import ActivityLine, CustomerRow, Forecast, LeftOutRep, RankedRep, RepInfo, SalesRow, TeamInfo

@dataclass(frozen=True)
class Deal:
    """A deal of the pipeline's week: created, won or lost in it, slipped, or expected to close next
    week (``date``: the day that puts it in the list; ``stage``: its stage now, as the Opportunities
    sheet has it; ``amount`` None when the sheet leaves it blank: shown blank, counted as 0)."""
    opp_id: str
    rep_id: str
    customer_id: str | None
    customer: str | None                 # the customer's name (Customers sheet), else None
    stage: str
    amount: float | None
    date: str


@dataclass(frozen=True)
class StageMove:
    """A history row of the week whose stage is later (advanced) or earlier (moved back) in the
    stage order than the deal's previous row."""
    opp_id: str
    rep_id: str
    customer_id: str | None
    customer: str | None
    date: str
    from_stage: str
    to_stage: str
    amount: float | None


@dataclass(frozen=True)
class Pipeline:
    created: tuple[Deal, ...]
    won: tuple[Deal, ...]
    lost: tuple[Deal, ...]
    slipped: tuple[Deal, ...] | None         # None: no deal has an expected_close
    advanced: tuple[StageMove, ...] | None   # None: no OpportunityHistory sheet
    moved_back: tuple[StageMove, ...] | None


@dataclass(frozen=True)
class NextWeek:
    """The rep's list for the next ISO week: revisits falling due, open deals expected to close."""
    first: str
    last: str
    revisits: tuple[CustomerRow, ...]
    closing: tuple[Deal, ...] | None         # None: no expected_close


@dataclass(frozen=True)
class RepLine:
    """One rep's week on the team's review: the counts of each section."""
    rep_id: str
    name: str
    created: int
    won: int
    won_amount: float
    lost: int
    slipped: int | None
    advanced: int | None
    moved_back: int | None
    activities: int
    planned: float
    revisits: int
    closing: int | None


@dataclass(frozen=True)
class RepWeek:
    key: str
    week: str                            # 2026-W41
    first: str                           # its Monday and Sunday, ISO
    last: str
    month: str                           # the month of the week's as-of day (review_data.reviewed_month): "Month to date" is its
    as_of: str
    open_week: bool
    rep: RepInfo
    sales: tuple[SalesRow, ...]          # "Week", "Week to date" (open week only), "Month to date"
    pipeline: Pipeline
    activities: tuple[ActivityLine, ...]
    working_days: int                    # the week's working days the plan is for (to the as-of day while open)
    next_week: NextWeek
    file_stem: str = ""
    lang: str = "en"
    missing: tuple[str, ...] = ()
    forecast: Forecast | None = None     # None: the month and its quarter are closed on the as-of day
    kind: str = "rep"


@dataclass(frozen=True)
class TeamWeek:
    key: str
    week: str
    first: str
    last: str
    month: str
    as_of: str
    open_week: bool
    team: TeamInfo
    reps: tuple[RankedRep, ...]          # ranked on the week: attainment, then sales
    to_date: tuple[float, ...] | None    # each ranked rep's week target to date (open week), else None
    behind: tuple[RankedRep, ...]        # behind pace on the week (report_model.is_behind)
    champion: RankedRep | None
    sales: tuple[SalesRow, ...]
    lines: tuple[RepLine, ...]           # each rep's week, in the ranking's order
    pipeline: Pipeline                   # the team's deals and moves
    activities: tuple[ActivityLine, ...]
    working_days: int
    next_week: NextWeek
    file_stem: str = ""
    lang: str = "en"
    missing: tuple[str, ...] = ()
    left_out: tuple[LeftOutRep, ...] = ()
    forecast: Forecast | None = None
    kind: str = "team"


Review = RepWeek | TeamWeek
