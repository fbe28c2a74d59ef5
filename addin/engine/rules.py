"""The business rules that more than one output depends on, each in one named place: which
order lines count, the date a month's figures are as of, whether the month is still open
and how much of it has passed, the scorecard's trailing window, which KPI is the sales
figure and how a scorecard's inputs are formed, and a month's title.

The monthly reports, the planning workbook's SD_ formulas and the commission statements all
call these, so one rep scores the same wherever the score is shown.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .calendar import working_days, working_days_elapsed, working_days_in_month
from .kpi_catalogue import SALES_KPIS

COUNTED_STATUSES = ("booked", "returned")   # order lines that count; cancelled lines count nowhere
TRAILING_MONTHS = 3                          # win rate, cycle time and satisfaction: the last three months
# What counts as an activity (the activities KPI, the report's activities section, the
# cadence plan): contact with a customer. E-mails are logged but do not count.
COUNTED_ACTIVITIES = ("call", "visit", "demo", "quote")


def counted(statuses) -> np.ndarray:
    """Mask of the order lines that count (booked sales and their returns)."""
    return pd.Series(statuses).isin(COUNTED_STATUSES).to_numpy()


def month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a month 'YYYY-MM'."""
    period = pd.Period(month, "M")
    return period.start_time.normalize(), period.end_time.normalize()


def as_of_date(order_dates, statuses, month: str) -> dt.date:
    """The day a month's figures are as of: its last day, or the latest order line that
    counts if the data ends before."""
    return as_of_in(order_dates, statuses, month_bounds(month)[1].date())


def as_of_in(order_dates, statuses, last: dt.date) -> dt.date:
    """The day a period's figures are as of (the period ending ``last``: a week, month, quarter
    or year): its last day, or the latest order line that counts if the data ends before."""
    dates = pd.Series(np.asarray(order_dates, dtype="datetime64[ns]"))[counted(statuses)]
    latest = dates.max()
    return min(pd.Timestamp(last), latest).date() if pd.notna(latest) else last


def elapsed_share(as_of: dt.date, first: dt.date, last: dt.date) -> float | None:
    """The share of an open period's working days (``first`` to ``last``) that has passed by
    ``as_of``, as ``prorate`` for a month; None when no working day of the period remains after
    ``as_of`` (the period is closed)."""
    after = dt.timedelta(days=1)
    if int(working_days(as_of + after, last + after)) <= 0:
        return None
    return max(0, int(working_days(first, as_of + after))) / int(working_days(first, last + after))


def month_shares(months, as_of: dt.date) -> list[float]:
    """How much of each month (YYYY-MM) is due by ``as_of``: 1 for a month passed (no working day of
    it left after the as-of day), its working days passed for the month in progress (``prorate``),
    0 for a month not begun. The one rule of a target to date over months: a period's sales target,
    a cumulative KPI's target over a quarter or a year, and coaching's three months."""
    current = as_of.strftime("%Y-%m")
    return [1.0 if m < current or (m == current and not is_open(as_of, m)) else
            prorate(as_of, m) if m == current else 0.0 for m in months]


def is_open(as_of: dt.date, month: str) -> bool:
    """A month is open while working days of it remain after the as-of day."""
    _, end = month_bounds(month)
    return int(working_days(as_of + dt.timedelta(days=1), end.date() + dt.timedelta(days=1))) > 0


def prorate(as_of: dt.date, month: str) -> float | None:
    """The share of an open month's working days that has passed (targets of cumulative KPIs
    are scaled by it); None for a closed month."""
    if not is_open(as_of, month):
        return None
    return working_days_elapsed(as_of) / working_days_in_month(as_of.year, as_of.month)


def trailing_start(month: str) -> pd.Timestamp:
    """First day of the scorecard's trailing window ending with ``month``."""
    return (pd.Period(month, "M") - (TRAILING_MONTHS - 1)).start_time.normalize()


def month_title(month: str) -> str:
    """'October 2026' for '2026-10'."""
    return pd.Period(month, "M").strftime("%B %Y")


def scorecard_inputs(rep_ids, kpi_names, measures: pd.DataFrame, quota: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The scorecard's actuals and per-rep targets (reps x KPIs) from the month's measures
    (indexed by rep) and each rep's quota for the month. A sales KPI is scored against the
    rep's quota (no sales is 0); a rep without a quota has it unscored. Other KPIs take the
    KPI's own target (NaN here)."""
    ids = list(rep_ids)
    actuals = np.full((len(ids), len(kpi_names)), np.nan)
    targets = np.full(actuals.shape, np.nan)
    rep_quota = pd.Series(quota, dtype=float).reindex(ids).to_numpy(dtype=float)
    for j, name in enumerate(kpi_names):
        if name in measures.columns:
            actuals[:, j] = measures[name].reindex(ids).to_numpy(dtype=float)
        if name in SALES_KPIS:
            actuals[:, j] = np.where(np.isnan(rep_quota), np.nan, np.nan_to_num(actuals[:, j]))
            targets[:, j] = rep_quota
    return actuals, targets


def champions(candidates: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The champion of each group (``by``; [] = one over all): the highest attainment (sales over
    the rep's quota) among reps with a quota and sales above zero; ties go to the higher sales,
    then the lowest rep_id. ``candidates`` has rep_id, sales and attainment (NaN: no quota).
    The team report, the dashboard and the champion SPIFF all pick by this rule; the SPIFF on
    credited sales (split credit), the reports on the sales booked to each rep."""
    cand = candidates[candidates["attainment"].notna() & (candidates["sales"] > 0)]
    ordered = cand.sort_values([*by, "attainment", "sales", "rep_id"],
                               ascending=[True] * len(by) + [False, False, True], kind="stable")
    return ordered.drop_duplicates(by) if by else ordered.head(1)
