"""Attainment, month pacing and weighted KPI scores."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .calendar import holiday_array, next_month, working_days
from .errors import InputError
from .kpi_catalogue import is_cumulative
from .rules import COUNTED_ACTIVITIES



def attainment_of(actual: float, target: float | None) -> float | None:
    """Attainment where a target may be missing, as every report, statement and page shows it:
    actual / target, or None (shown as "no target") when there is no target above zero. One
    rule with ``attainment``, the worksheet function's, where a zero target is the user's to fix."""
    return actual / target if target is not None and target > 0 else None


def attainment(actual: float, target: float) -> float:
    if target == 0:
        raise InputError("target", "attainment needs a target above zero", value=target)
    if target < 0:
        raise InputError("target", "target must be more than zero", value=target)
    return actual / target


def runrate_days(as_of: dt.date, first: dt.date, last: dt.date, holidays=None) -> tuple[int, int]:
    """(working days elapsed, working days in the period) for a run-rate over the period
    ``first``..``last`` as of ``as_of``: elapsed counts ``first`` to ``as_of`` inclusive (0 before
    the period starts, the whole period after it ends). The one rule behind every run-rate:
    the month's (``runrate``) and the forecast's for a month or a quarter."""
    hol = holiday_array(holidays)
    one = dt.timedelta(days=1)
    total = int(working_days(first, last + one, hol))
    elapsed = int(working_days(first, min(as_of, last) + one, hol)) if as_of >= first else 0
    return elapsed, total


def runrate(mtd_actual: float, as_of: dt.date, month_target: float, holidays=None) -> tuple[float, float | None]:
    """(projected month-end amount, projected attainment).

    Projection = month-to-date / working days elapsed (as_of included) x working days in the
    month. Before the month's first working day nothing is extrapolated: projection = MTD.
    """
    first = as_of.replace(day=1)
    elapsed, total = runrate_days(as_of, first, next_month(first) - dt.timedelta(days=1), holidays)
    projected = mtd_actual if elapsed == 0 else mtd_actual * total / elapsed
    if month_target < 0:
        raise InputError("month_target", "month_target must be zero or more", value=month_target)
    return projected, (projected / month_target if month_target > 0 else None)


def kpi_ratios(actuals: np.ndarray, targets: np.ndarray, lower: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Capped attainment per KPI: a/t for higher-is-better, t/a for lower; floored at 0.

    Arrays broadcast (reps x KPIs). caps: NaN = no cap. A lower-is-better KPI with actual 0
    is perfect and scores its cap (1 without a cap). NaN actuals stay NaN (not scored).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        higher = actuals / targets
        low = np.where(actuals == 0, np.where(np.isnan(caps), 1.0, caps), targets / actuals)
    ratio = np.where(lower, low, higher)
    ratio = np.where(np.isnan(caps), ratio, np.minimum(ratio, caps))
    return np.where(np.isnan(ratio), np.nan, np.maximum(ratio, 0.0))


def score(actuals: Sequence[float], targets: Sequence[float], weights: Sequence[float],
          directions: Sequence[str] | None = None, caps: Sequence[float | None] | None = None,
          gate: float | None = None) -> float:
    """Weighted KPI score: sum(w * min(ratio, cap)) / sum(w); 0 below the gate."""
    n = len(actuals)
    for name, seq in (("targets", targets), ("weights", weights)):
        if len(seq) != n:
            raise InputError(name, f"expected {n} values, one per actual, got {len(seq)}")
    if directions is not None and len(directions) not in (0, n):
        raise InputError("directions", f"expected {n} values (higher or lower), got {len(directions)}")
    if caps is not None and len(caps) not in (0, n):
        raise InputError("caps", f"expected {n} values, got {len(caps)}")
    a = np.asarray(actuals, dtype=float)
    t = np.asarray(targets, dtype=float)
    w = np.asarray(weights, dtype=float)
    for i in range(n):
        if w[i] < 0:
            raise InputError("weights", "weights must be zero or more", value=w[i], row=i + 1)
        if t[i] <= 0:
            raise InputError("targets", "targets must be more than zero", value=t[i], row=i + 1)
    if w.sum() <= 0:
        raise InputError("weights", "weights are all zero; at least one must be more than zero")
    lower = np.array([d == "lower" for d in (directions or ["higher"] * n)])
    c = np.array([np.nan if x is None else x for x in (caps or [None] * n)], dtype=float)
    ratios = kpi_ratios(a, t, lower, c)
    result = float(np.nansum(w * ratios) / w.sum())
    return 0.0 if gate is not None and result < gate else result


@dataclass(frozen=True)
class Kpi:
    name: str
    weight: float
    direction: str = "higher"
    cap: float | None = None
    target: float | None = None
    green: float = 1.0
    amber: float = 0.85
    cumulative: bool | None = None     # None: as the catalogue says (a KPI of one's own: as its measure says)

    @property
    def accumulates(self) -> bool:
        """Whether the KPI accumulates over the month: with an as-of date its target is pro-rated
        by working days elapsed. Ratios (win rate, margin %, satisfaction) never are."""
        return is_cumulative(self.name) if self.cumulative is None else self.cumulative


def prorated_targets(targets: np.ndarray, kpis: Sequence[Kpi], prorate: float | None) -> np.ndarray:
    """``targets`` (reps x KPIs) with those of cumulative KPIs scaled by ``prorate`` (an open month)."""
    if prorate is None:
        return targets
    cumulative = np.array([k.accumulates for k in kpis], dtype=bool)
    return np.where(cumulative, targets * prorate, targets)


def scorecard(reps: Sequence[str], actuals: np.ndarray, kpis: Sequence[Kpi], rep_targets: np.ndarray | None = None,
              prorate: float | None = None):
    """Per rep: attainment per KPI, score, rank (1 = best, ties share) and status.

    ``actuals`` is reps x KPIs; ``rep_targets`` (same shape, NaN = use the KPI's target)
    carries per-rep targets such as each rep's sales quota. ``prorate`` (0..1) scales
    the targets of cumulative KPIs for a month still open. Status: green when the score is
    at or above the weighted green threshold, amber at or above the weighted amber one.
    """
    n_kpi = len(kpis)
    if actuals.shape[1] != n_kpi:
        raise InputError("actuals_table", f"expected {n_kpi} KPI columns, got {actuals.shape[1]}")
    base = np.array([np.nan if k.target is None else k.target for k in kpis], dtype=float)
    targets = np.broadcast_to(base, actuals.shape).copy()
    if rep_targets is not None:
        targets = np.where(np.isnan(rep_targets), targets, rep_targets)
    targets = prorated_targets(targets, kpis, prorate)
    lower = np.array([k.direction == "lower" for k in kpis])
    caps = np.array([np.nan if k.cap is None else k.cap for k in kpis], dtype=float)
    weights = np.array([k.weight for k in kpis], dtype=float)
    bad = ~np.isnan(actuals) & (np.isnan(targets) | (targets <= 0))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputError("kpis_table", f"KPI {kpis[c].name} has no target above zero for rep {reps[r]}",
                         value=None if np.isnan(targets[r, c]) else float(targets[r, c]), has_value=True)
    ratios = kpi_ratios(actuals, targets, lower, caps)
    scored = ~np.isnan(ratios)
    wsum = (weights * scored).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.where(wsum > 0, np.nansum(ratios * weights, axis=1) / np.where(wsum > 0, wsum, 1), np.nan)
    green = (np.array([k.green for k in kpis]) * weights * scored).sum(axis=1) / np.where(wsum > 0, wsum, 1)
    amber = (np.array([k.amber for k in kpis]) * weights * scored).sum(axis=1) / np.where(wsum > 0, wsum, 1)
    order = np.where(np.isnan(scores), -np.inf, scores)
    # rank "min": 1 + how many reps score strictly higher
    sorted_desc = np.sort(order)[::-1]
    ranks = np.searchsorted(-sorted_desc, -order, side="left") + 1
    return ratios, scores, ranks, status_of(scores, green, amber)


STATUS_TOLERANCE = 1e-12     # a score of exactly the threshold, computed in floating point, reaches it


def status_of(values, green, amber) -> np.ndarray:
    """green at or above ``green``, amber at or above ``amber``, else red; blank where there is no
    value. The one status rule for a rep's score and each KPI line (arrays or scalars)."""
    values = np.asarray(values, dtype=float)
    return np.where(np.isnan(values), "", np.where(values >= np.asarray(green) - STATUS_TOLERANCE, "green",
                                                    np.where(values >= np.asarray(amber) - STATUS_TOLERANCE, "amber",
                                                             "red")))


# Planned activities per full-time week, for the activity section of the monthly report
# (about 14 a month in all, the default activities KPI target).
WEEKLY_CADENCE = dict(zip(COUNTED_ACTIVITIES, (2.0, 0.75, 0.5, 0.25)))   # the plan covers what counts


def planned_activities(working_days: int, capacity: float, cadence: dict[str, float] = WEEKLY_CADENCE) -> dict[str, float]:
    """Planned count per activity type for a period of ``working_days``: weekly cadence x
    capacity x working weeks (working days / 5), rounded to whole activities."""
    weeks = working_days / 5
    return {kind: float(round(per_week * capacity * weeks)) for kind, per_week in cadence.items()}
