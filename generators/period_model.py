"""What a run for a week, quarter or year hands to its writers: the period's reports, one per rep
and team (and one for the company in a quarter's or year's summary), with what they were built from.

Each report is a frozen model of its own (``review_model``: the weekly review; ``summary_model``:
the quarter and year summaries). Every one of them carries, as the monthly ``RepMonth`` and
``TeamMonth`` do, the fields the run itself reads:

    kind        "rep", "team" or "company": the folder it goes in, the manifest's kind
    key         rep_id, team, or "company"
    file_stem   its file name, unique in the run (``reports.report_stems``)
    lang        the language it is written in
    sales       (SalesRow, ...): the first row is the period's own net sales against its target
    rep / team  RepInfo (a rep's) or TeamInfo (a team's): where it is delivered

and a team's also ``reps`` (RankedRep, the team's reps ranked on the period) and ``champion``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .periods import Period
from .report_model import LeftOutRep


@dataclass
class PeriodFacts:
    """Every report of one period's run, computed once (vectorized) for all reps and teams."""
    period: Period
    as_of: dt.date
    open_period: bool                # the as-of day falls before the period's last day
    reps: list                       # the reps' reports
    teams: list                      # the teams' reports
    company: object | None = None    # the company's (quarter and year summaries)
    lang: str = "en"
    left_out: dict[str, tuple[LeftOutRep, ...]] = field(default_factory=dict)   # team -> reps not in its figures
