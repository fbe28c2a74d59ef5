"""The quarter and year summaries (季度总结、年度总结) as typed, frozen objects: what the xlsx,
HTML and PDF summaries render (``summary_render``); ``summary_data`` builds them.

Each carries the fields every period report carries (``period_model``: kind, key, file_stem,
lang, sales, rep or team) and the summary's own:

    RepSummary      rep: RepInfo, rank in the team, months: SalesRow*, growth, best and worst
                    month, scorecard over the period, tier movements, returns, commission
    TeamSummary     team: TeamInfo, reps: RankedRep* (ranked on the period), champion, rank
                    among the teams, and the same sections over the team's reps
    CompanySummary  teams: RankedTeam*, champion (the best of the teams' champions), the same
                    sections over every rep
"""
from __future__ import annotations

from dataclasses import dataclass

from .periods import Period
from .report_model import (CustomerRow, KpiLine, LeftOutRep, RankedRep, RepInfo, ReturnLine, SalesRow,
                           TeamInfo)


@dataclass(frozen=True)
class Growth:
    """Net sales of the period (to date while it is open) against the same days a year before.
    ``before`` is None when the orders do not reach back to ``first`` (never a guessed 0%)."""
    actual: float
    before: float | None
    first: str                  # the span a year before, ISO dates
    last: str

    @property
    def rate(self) -> float | None:
        """(actual - before) / before; None without a year before or without sales in it."""
        if self.before is None or self.before <= 0:
            return None
        return (self.actual - self.before) / self.before


@dataclass(frozen=True)
class BestWorst:
    """The best and worst of the period's completed months; ``by`` says how they were picked:
    "attainment" where the months have targets, else "sales"."""
    best: SalesRow | None
    worst: SalesRow | None
    by: str


@dataclass(frozen=True)
class PeriodScorecard:
    """The KPI scorecard over the whole period (``summary_data.period_kpis`` states the targets'
    rule); ``score``/``status`` blank without a KPIs sheet."""
    kpis: tuple[KpiLine, ...]
    score: float | None
    status: str
    rank: int = 0                   # a rep's rank in the team on the period (as RepSummary.rank)
    team_size: int = 0


@dataclass(frozen=True)
class TierMoves:
    """Customers' tiers at the day before the period's first day against its end (or as-of)."""
    counts: dict[str, int]              # up, same, down, new
    moved_down: tuple[CustomerRow, ...]  # the most valuable first
    start: str                          # the two days compared, ISO
    end: str


@dataclass(frozen=True)
class PeriodReturns:
    count: int
    amount: float                       # exact sum of the lines (negative)
    largest: tuple[ReturnLine, ...]     # the largest lines (most negative first)


@dataclass(frozen=True)
class MonthCommission:
    month: str
    earned: float
    paid: float


@dataclass(frozen=True)
class PeriodCommission:
    """Commission earned in the period: each month's statement (the engine's summary for the
    month) and their sums, added in cents. Months after the as-of month have no statement."""
    months: tuple[MonthCommission, ...]
    earned: float
    paid: float


@dataclass(frozen=True)
class RankedTeam:
    team: str
    manager: str
    actual: float
    target: float
    attainment: float | None
    rank: int


@dataclass(frozen=True)
class _Common:
    """What every summary shows, for a rep, a team or the company."""
    key: str
    period: Period
    as_of: str
    open_period: bool
    sales: tuple[SalesRow, ...]         # the period (and its to-date row while open)
    months: tuple[SalesRow, ...]        # each month of the period up to the as-of month
    growth: Growth
    best_worst: BestWorst
    scorecard: PeriodScorecard
    movements: TierMoves
    returns: PeriodReturns
    commission: PeriodCommission | None  # None without a Plans sheet


@dataclass(frozen=True)
class RepSummary(_Common):
    rep: RepInfo = None
    rank: int = 0                       # within the team, on the period's attainment
    team_size: int = 0
    file_stem: str = ""
    lang: str = "en"
    missing: tuple[str, ...] = ()
    kind: str = "rep"


@dataclass(frozen=True)
class TeamSummary(_Common):
    team: TeamInfo = None
    reps: tuple[RankedRep, ...] = ()    # ranked on the period's attainment
    champion: RankedRep | None = None
    rank: int = 0                       # among the company's teams
    team_count: int = 0
    file_stem: str = ""
    lang: str = "en"
    missing: tuple[str, ...] = ()
    left_out: tuple[LeftOutRep, ...] = ()
    kind: str = "team"


@dataclass(frozen=True)
class CompanySummary(_Common):
    teams: tuple[RankedTeam, ...] = ()
    champion: RankedRep | None = None   # the best of the teams' champions
    champion_team: str | None = None
    file_stem: str = "company"
    lang: str = "en"
    missing: tuple[str, ...] = ()
    left_out: tuple[LeftOutRep, ...] = ()
    kind: str = "company"


Summary = RepSummary | TeamSummary | CompanySummary
